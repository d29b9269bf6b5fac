// fotobase's service worker: the app opens and shows what was seen last when the server cannot be
// reached. The files of this build are cached when the worker installs (navigations fall back to
// the cached index.html), the thumbnails seen lately are served from the cache first (the newest
// THUMB_LIMIT of them), and the photo and folder lists come from the network, or from their last
// copy when the network fails. Nothing else is touched: other API calls, uploads, event streams,
// share links and every non-GET request go to the server as if there were no worker.
//
// The cached answers belong to one account: the page empties them when it signs out and when
// another account signs in (src/lib/offline.ts). Plain JavaScript outside the bundle, so its URL
// stays /sw.js; the build writes this build's files and version into BUILD below
// (tools/precache.mjs).

const BUILD = /* precache */ {"version":"dev","files":[]};

const SHELL = `fotobase-shell-${BUILD.version}`;
/** One account's API answers and thumbnails (src/lib/offline.ts names them too). */
const DATA = 'fotobase-data';
const THUMBS = 'fotobase-thumbs';
const THUMB_LIMIT = 200;
/** Lists a gallery needs to show itself offline: network first, then the last copy. */
const LISTS = [/^\/api\/v1\/images$/, /^\/api\/v1\/folders$/];
const THUMBNAIL = /^\/api\/v1\/images\/[^/]+\/thumbnail$/;
/** Paths the server answers itself (API, signed transforms, health): navigations there are not the app. */
const SERVER_PATHS = /^\/(api|t|\.well-known)(\/|$)|^\/(health|ready|metrics)$/;

/**
 * Bumped when the page says its account signed out: answers of requests that started before
 * are not stored (they could land after the page emptied the caches).
 */
let epoch = 0;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // Revalidated, not taken from the HTTP cache as is: index.html must be this build's.
      await cache.addAll(BUILD.files.map((f) => new Request(f, { cache: 'no-cache' })));
      // A new build takes over at once; its files are all in the new cache.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('fotobase-shell-') && name !== SHELL) await caches.delete(name);
      }
      // The page that registered the worker is served by it from now on, not from its next load.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'forget') {
    epoch += 1;
    event.ports[0]?.postMessage('forgotten');
  }
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    if (!SERVER_PATHS.test(url.pathname)) event.respondWith(navigate(req));
  } else if (THUMBNAIL.test(url.pathname)) {
    event.respondWith(thumbnail(event, req, url));
  } else if (LISTS.some((p) => p.test(url.pathname))) {
    event.respondWith(networkFirst(event, req, url));
  } else if (BUILD.files.includes(url.pathname)) {
    event.respondWith(fromShell(req, url));
  }
});

/** The app's pages: the server's answer, else this build's index.html (the app routes itself). */
async function navigate(req) {
  try {
    return await fetch(req);
  } catch (err) {
    const shell = await caches.match('/index.html', { cacheName: SHELL });
    if (shell) return shell;
    throw err;
  }
}

async function fromShell(req, url) {
  return (await caches.match(url.pathname, { cacheName: SHELL })) ?? fetch(req);
}

/**
 * A list from the server (and kept), or its last copy when the server cannot be reached; an
 * answer that is not a 200 (401, 503) is passed on, never replaced by an old copy.
 */
async function networkFirst(event, req, url) {
  const started = epoch;
  try {
    const res = await fetch(req);
    if (res.status === 200) event.waitUntil(store(DATA, url.href, res.clone(), started));
    return res;
  } catch (err) {
    const copy = await caches.match(url.href, { cacheName: DATA, ignoreVary: true });
    if (copy) return copy;
    throw err;
  }
}

/**
 * A thumbnail from the cache if it was seen (an image's thumbnail never changes), else from the
 * server. The cache is least-recently-used: a hit is stored again, which moves it to the end of
 * the cache's keys (Cache.put removes the old entry and appends the new one), and the oldest
 * beyond THUMB_LIMIT go.
 */
async function thumbnail(event, req, url) {
  const started = epoch;
  const hit = await caches.match(url.href, { cacheName: THUMBS, ignoreVary: true });
  if (hit) {
    event.waitUntil(store(THUMBS, url.href, hit.clone(), started));
    return hit;
  }
  const res = await fetch(req);
  if (res.status === 200) event.waitUntil(store(THUMBS, url.href, res.clone(), started).then(trimThumbnails));
  return res;
}

/**
 * Keep `res` under its URL alone: the request's headers (its bearer token) are not stored, and
 * an offline request without a token finds it.
 */
async function store(name, key, res, started) {
  if (started !== epoch) return;
  const cache = await caches.open(name);
  if (started !== epoch) return;
  await cache.put(key, res);
}

async function trimThumbnails() {
  const cache = await caches.open(THUMBS);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - THUMB_LIMIT)).map((k) => cache.delete(k)));
}
