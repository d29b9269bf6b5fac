import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logout } from '../../src/api/auth';
import type { User } from '../../src/api/types';
import { clearTokens } from '../../src/api/session';
import { claimOfflineData, forgetOfflineData, offlineUser } from '../../src/lib/offline';
import { FakeCacheStorage } from '../fakeCaches';
import { clearCookies, mockFetch, setCookie, USER } from '../helpers';

const ANN: User = { ...USER, email_verified: true };
const BOB: User = { ...ANN, id: 'usr_2', email: 'bob@example.com', display_name: 'Bob' };

/** Cache Storage as a signed-in visit leaves it: the app's files, a photo list and a thumbnail. */
async function visited() {
  const store = new FakeCacheStorage();
  await (await store.open('fotobase-shell-abc')).put('/index.html', new Response('<div id=root>'));
  await (await store.open('fotobase-data')).put('/api/v1/images?limit=40', new Response('{"items":[]}'));
  await (await store.open('fotobase-thumbs')).put('/api/v1/images/img_1/thumbnail', new Response('webp'));
  vi.stubGlobal('caches', store);
  return store;
}

describe('offline copies belong to one account', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('keeps them for the account they were made for, and remembers it for offline reloads', async () => {
    const store = await visited();
    await claimOfflineData(ANN);
    expect(await store.keys()).toEqual(['fotobase-shell-abc', 'fotobase-owner']);
    expect(await offlineUser()).toEqual(ANN);

    await (await store.open('fotobase-thumbs')).put('/api/v1/images/img_1/thumbnail', new Response('webp'));
    await claimOfflineData(ANN);
    expect(await store.has('fotobase-thumbs')).toBe(true);
  });

  it('empties them when another account signs in', async () => {
    const store = await visited();
    await claimOfflineData(ANN);
    await (await store.open('fotobase-thumbs')).put('/api/v1/images/img_1/thumbnail', new Response('webp'));
    await claimOfflineData(BOB);
    expect(await store.has('fotobase-thumbs')).toBe(false);
    expect(await offlineUser()).toEqual(BOB);
  });

  it('empties them, and forgets whose they were, on logout (the app files stay)', async () => {
    const store = await visited();
    await claimOfflineData(ANN);
    setCookie('fotobase_csrf', 'c');
    mockFetch({ 'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }) });
    await logout();
    expect(await store.keys()).toEqual(['fotobase-shell-abc']);
    expect(await offlineUser()).toBeNull();
  });

  it('does nothing where the browser has no Cache API', async () => {
    await expect(forgetOfflineData()).resolves.toBeUndefined();
    await expect(claimOfflineData(ANN)).resolves.toBeUndefined();
    expect(await offlineUser()).toBeNull();
  });
});
