// The service worker (public/sw.js) seen from the page: registered in production builds, and the
// offline copies it keeps (photo and folder lists, thumbnails) held for one account only. They
// are emptied when the account signs out and when another account signs in on this browser, and
// the signed-in account is remembered beside them so that an offline reload knows whose they are.

import type { User } from '../api/types';

/** Caches with one account's data (the worker names the first two too). */
const DATA_CACHES = ['fotobase-data', 'fotobase-thumbs'];
/** Whose the data is: the account as `GET /users/me` last said (never a token). */
const OWNER_CACHE = 'fotobase-owner';
const OWNER_KEY = '/offline/owner';
/** How long signing out waits for the worker to stop storing answers before emptying the caches. */
const WORKER_ACK_MS = 1000;

/**
 * Register /sw.js once the page has loaded (its precache then does not compete with the page's own
 * requests). A browser without service workers, or one refusing this one, runs the app online only.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((e: unknown) => console.warn('fotobase works online only:', e));
  });
}

/** The Cache API where the page has it (secure contexts; not jsdom). */
function cacheStorage(): CacheStorage | null {
  return typeof caches === 'undefined' ? null : caches;
}

/**
 * Tell the worker to store no answer of a request already under way (it could land after the
 * caches are emptied); resolves when it has heard, or after WORKER_ACK_MS if it does not answer.
 */
function stopWorkerStoring(): Promise<void> {
  const worker = typeof navigator !== 'undefined' ? navigator.serviceWorker?.controller : null;
  if (!worker) return Promise.resolve();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(resolve, WORKER_ACK_MS);
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve();
    };
    worker.postMessage({ type: 'forget' }, [channel.port2]);
  });
}

/** Empty the offline copies of whoever was signed in (signing out, another account signing in). */
export async function forgetOfflineData(): Promise<void> {
  const store = cacheStorage();
  await stopWorkerStoring();
  if (!store) return;
  await Promise.all([...DATA_CACHES, OWNER_CACHE].map((name) => store.delete(name))).catch(() => undefined);
}

/**
 * `user` signed in (or was found signed in): the offline copies are kept if they are theirs and
 * emptied if they are anyone else's (or no one's), and `user` is remembered for offline reloads.
 */
export async function claimOfflineData(user: User): Promise<void> {
  const store = cacheStorage();
  if (!store) return;
  try {
    if ((await offlineUser())?.id !== user.id) await forgetOfflineData();
    const cache = await store.open(OWNER_CACHE);
    await cache.put(OWNER_KEY, new Response(JSON.stringify(user), { headers: { 'Content-Type': 'application/json' } }));
  } catch {
    // Storage refused (quota, a private window): nothing is kept, the app works online.
  }
}

/** The account the offline copies belong to, for a reload without the server. */
export async function offlineUser(): Promise<User | null> {
  const store = cacheStorage();
  if (!store) return null;
  try {
    const res = await store.match(OWNER_KEY, { cacheName: OWNER_CACHE });
    return res ? ((await res.json()) as User) : null;
  } catch {
    return null;
  }
}
