import { screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens } from '../../src/api/session';
import type { User } from '../../src/api/types';
import { useAuth } from '../../src/auth/AuthContext';
import { claimOfflineData, offlineUser } from '../../src/lib/offline';
import { FakeCacheStorage } from '../fakeCaches';
import { clearCookies, json, mockFetch, problem, renderAt, setCookie, TOKEN, USER } from '../helpers';

function Who() {
  const { status, user } = useAuth();
  return <p>{status === 'loading' ? 'loading' : `${status}${user ? ` as ${user.display_name}` : ''}`}</p>;
}

const ANN: User = { ...USER, email_verified: true };

const unreachable = () => {
  throw new TypeError('Failed to fetch');
};

describe('a page loaded without the server', () => {
  let store: FakeCacheStorage;
  beforeEach(async () => {
    clearTokens();
    clearCookies();
    store = new FakeCacheStorage();
    vi.stubGlobal('caches', store);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('opens signed in as the account the offline copies belong to', async () => {
    await claimOfflineData(ANN);
    setCookie('fotobase_csrf', 'c');
    mockFetch({ 'POST /api/v1/auth/refresh': unreachable });
    renderAt(<Who />);
    expect(await screen.findByText('signed-in as Ann')).toBeInTheDocument();
  });

  it('opens signed out when nothing was kept, or when there is no session in this browser', async () => {
    setCookie('fotobase_csrf', 'c');
    mockFetch({ 'POST /api/v1/auth/refresh': unreachable });
    const first = renderAt(<Who />);
    expect(await screen.findByText('anonymous')).toBeInTheDocument();
    first.unmount();

    await claimOfflineData(ANN);
    clearCookies();
    renderAt(<Who />);
    expect(await screen.findByText('anonymous')).toBeInTheDocument();
  });

  it('opens signed out when the server answers and refuses the session, whatever was kept', async () => {
    await claimOfflineData(ANN);
    setCookie('fotobase_csrf', 'c');
    mockFetch({ 'POST /api/v1/auth/refresh': () => problem(401, 'token_reused') });
    renderAt(<Who />);
    expect(await screen.findByText('anonymous')).toBeInTheDocument();
  });

  it('online, drops what another account left and keeps the signed-in one for next time', async () => {
    await claimOfflineData({ ...ANN, id: 'usr_2', display_name: 'Bob' });
    await (await store.open('fotobase-thumbs')).put('/api/v1/images/img_9/thumbnail', new Response('webp'));
    setCookie('fotobase_csrf', 'c');
    mockFetch({ 'POST /api/v1/auth/refresh': () => json(TOKEN(1)), 'GET /api/v1/users/me': () => json(ANN) });
    renderAt(<Who />);
    expect(await screen.findByText('signed-in as Ann')).toBeInTheDocument();
    expect(await store.has('fotobase-thumbs')).toBe(false);
    expect((await offlineUser())?.id).toBe(ANN.id);
  });
});
