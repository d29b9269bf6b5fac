// @vitest-environment node
// public/sw.js run as the browser runs it, on doubles of its globals: the Cache API (tests/
// fakeCaches.ts, in the order the Cache API keeps entries), a fetch the test answers, and its
// events dispatched by hand. What a browser adds (the worker's lifecycle, a real offline reload)
// is the end-to-end test's (e2e/pwa.test.mjs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stampWorker } from '../../tools/precache.mjs';
import { FakeCacheStorage } from '../fakeCaches';

const ORIGIN = 'http://localhost:8080';
const source = fs.readFileSync(new URL('../../public/sw.js', import.meta.url), 'utf8');

interface FakeRequest {
  url: string;
  method: string;
  mode: string;
  headers: Headers;
}

type Handler = (event: unknown) => void;

/** The worker of a build holding `files`, with `net` as the network. */
function worker(net: (req: FakeRequest | Request) => Promise<Response>, files: Record<string, string> = { 'index.html': '<div id=root>' }) {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'fotobase-sw-'));
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dist, name)), { recursive: true });
    fs.writeFileSync(path.join(dist, name), body);
  }
  fs.writeFileSync(path.join(dist, 'sw.js'), source);
  const stamped = stampWorker(source, dist);
  fs.rmSync(dist, { recursive: true });

  const fetched: string[] = [];
  const network = (req: FakeRequest | Request | string) => {
    const r = typeof req === 'string' ? ({ url: new URL(req, ORIGIN).href, method: 'GET', mode: 'cors', headers: new Headers() } as FakeRequest) : req;
    fetched.push(new URL(r.url).pathname + new URL(r.url).search);
    return net(r);
  };
  const caches = new FakeCacheStorage(ORIGIN, (r) => network(r as Request));
  const handlers = new Map<string, Handler>();
  const self = {
    location: new URL(`${ORIGIN}/sw.js`),
    addEventListener: (type: string, fn: Handler) => handlers.set(type, fn),
    skipWaiting: () => Promise.resolve(),
    clients: { claim: () => Promise.resolve() },
  };
  // Relative URLs resolve against the worker's location, as in a browser.
  class WorkerRequest extends Request {
    constructor(input: string, init?: RequestInit) {
      super(new URL(input, ORIGIN), init);
    }
  }
  new Function('self', 'caches', 'fetch', 'Request', stamped)(self, caches, network, WorkerRequest);

  /** Run a lifecycle event to its end. */
  async function lifecycle(type: 'install' | 'activate') {
    const waits: Promise<unknown>[] = [];
    handlers.get(type)!({ waitUntil: (p: Promise<unknown>) => waits.push(p) });
    await Promise.all(waits);
  }

  /** Dispatch a fetch; the worker's response (undefined when it lets the browser fetch) once everything it kept is stored. */
  async function request(pathAndQuery: string, init: { method?: string; mode?: string; headers?: Record<string, string> } = {}) {
    const req: FakeRequest = {
      url: new URL(pathAndQuery, ORIGIN).href,
      method: init.method ?? 'GET',
      mode: init.mode ?? 'cors',
      headers: new Headers(init.headers),
    };
    let responded: Promise<Response> | undefined;
    const waits: Promise<unknown>[] = [];
    handlers.get('fetch')!({
      request: req,
      respondWith: (p: Promise<Response>) => (responded = Promise.resolve(p)),
      waitUntil: (p: Promise<unknown>) => waits.push(p),
    });
    if (!responded) return undefined;
    const settle = async () => {
      for (let done = 0; done < waits.length; done = waits.length) await Promise.all(waits);
    };
    try {
      const res = await responded;
      await settle();
      return res;
    } catch (e) {
      await settle();
      throw e;
    }
  }

  function message(data: unknown) {
    const answers: unknown[] = [];
    handlers.get('message')!({ data, ports: [{ postMessage: (m: unknown) => answers.push(m) }] });
    return answers;
  }

  return { caches, fetched, lifecycle, request, message, version: /"version":"([0-9a-f]+)"/.exec(stamped)![1]! };
}

const offline = () => Promise.reject(new TypeError('Failed to fetch'));
const png = (n: number) => new Response(new Uint8Array([n]), { status: 200, headers: { 'Content-Type': 'image/webp' } });
const thumb = (i: number) => `/api/v1/images/img_${i}/thumbnail`;

describe('the service worker', () => {
  it('precaches the build, serves its files from the cache and drops older builds', async () => {
    const sw = worker((r) => Promise.resolve(new Response(`net ${new URL(r.url).pathname}`)), {
      'index.html': '<div id=root>',
      'assets/app-1a2b.js': 'app()',
      'manifest.webmanifest': '{}',
    });
    const old = await sw.caches.open('fotobase-shell-0000000000000000');
    await old.put('/index.html', new Response('old build'));
    await sw.lifecycle('install');
    await sw.lifecycle('activate');
    expect(await sw.caches.keys()).toEqual([`fotobase-shell-${sw.version}`]);
    expect(sw.caches.caches.get(`fotobase-shell-${sw.version}`)!.urls()).toEqual(
      ['/assets/app-1a2b.js', '/index.html', '/manifest.webmanifest'].map((p) => ORIGIN + p),
    );
    sw.fetched.length = 0;
    expect(await (await sw.request('/assets/app-1a2b.js'))!.text()).toBe('net /assets/app-1a2b.js');
    expect(sw.fetched).toEqual([]);
  });

  it('answers navigations from the network, and with the cached index.html when there is none', async () => {
    let online = true;
    const sw = worker((r) => (online ? Promise.resolve(new Response(`server ${new URL(r.url).pathname}`)) : offline()));
    await sw.lifecycle('install');
    expect(await (await sw.request('/gallery', { mode: 'navigate' }))!.text()).toBe('server /gallery');
    online = false;
    expect(await (await sw.request('/gallery?tags=x', { mode: 'navigate' }))!.text()).toBe('server /index.html');
    // The server's own pages (OpenID Connect redirects, API documents) are never the app.
    expect(await sw.request('/api/v1/auth/oidc/start', { mode: 'navigate' })).toBeUndefined();
    expect(await sw.request('/.well-known/jwks.json', { mode: 'navigate' })).toBeUndefined();
  });

  it('leaves other requests alone: writes, other API calls, share links', async () => {
    const sw = worker(() => Promise.resolve(new Response('{}')));
    expect(await sw.request('/api/v1/images', { method: 'POST' })).toBeUndefined();
    expect(await sw.request('/api/v1/images/img_1')).toBeUndefined();
    expect(await sw.request('/api/v1/shared/tok/images/img_1/thumbnail')).toBeUndefined();
    expect(await sw.request('/api/v1/jobs/job_1/events')).toBeUndefined();
    expect(sw.fetched).toEqual([]);
  });

  it('serves the photo list from the network and keeps its last copy for when there is none', async () => {
    let answer: () => Promise<Response> = () => Promise.resolve(new Response('{"items":[1]}', { status: 200 }));
    const sw = worker(() => answer());
    const list = '/api/v1/images?limit=40';
    expect(await (await sw.request(list, { headers: { Authorization: 'Bearer at-1' } }))!.text()).toBe('{"items":[1]}');
    answer = () => Promise.resolve(new Response('{"items":[1,2]}', { status: 200 }));
    expect(await (await sw.request(list, { headers: { Authorization: 'Bearer at-2' } }))!.text()).toBe('{"items":[1,2]}');
    answer = offline;
    // Offline, without a token: the last copy.
    expect(await (await sw.request(list))!.text()).toBe('{"items":[1,2]}');
    // Another query was never seen: a network error, as without the worker.
    await expect(sw.request('/api/v1/images?limit=40&tag=x')).rejects.toThrow('Failed to fetch');
    // Stored under its URL only: no request header (the bearer token) is kept.
    const data = sw.caches.caches.get('fotobase-data')!;
    expect([...data.storedUnder.values()]).toEqual([`${ORIGIN}${list}`]);
  });

  it('passes a refusal on rather than answering it with an old copy', async () => {
    let answer = () => Promise.resolve(new Response('{"items":[1]}', { status: 200 }));
    const sw = worker(() => answer());
    await sw.request('/api/v1/folders?limit=500');
    answer = () => Promise.resolve(new Response('{"code":"unauthenticated"}', { status: 401 }));
    expect((await sw.request('/api/v1/folders?limit=500'))!.status).toBe(401);
    expect(await (await sw.caches.match(`${ORIGIN}/api/v1/folders?limit=500`))!.text()).toBe('{"items":[1]}');
  });

  it('serves seen thumbnails from the cache, keeping the 200 used last', async () => {
    const sw = worker((r) => Promise.resolve(png(Number(/img_(\d+)/.exec(r.url)![1]))));
    for (let i = 1; i <= 201; i++) await sw.request(thumb(i), { headers: { Authorization: 'Bearer at-1' } });
    const thumbs = sw.caches.caches.get('fotobase-thumbs')!;
    expect(thumbs.urls()).toHaveLength(200);
    expect(thumbs.urls()[0]).toBe(ORIGIN + thumb(2));
    expect([...thumbs.storedUnder.values()].every((k) => typeof k === 'string')).toBe(true);

    // A hit comes from the cache and becomes the newest: the next one in pushes out thumbnail 3.
    sw.fetched.length = 0;
    expect(new Uint8Array(await (await sw.request(thumb(2)))!.arrayBuffer())).toEqual(new Uint8Array([2]));
    expect(sw.fetched).toEqual([]);
    await sw.request(thumb(202));
    expect(thumbs.urls()).toHaveLength(200);
    expect(thumbs.urls()).toContain(ORIGIN + thumb(2));
    expect(thumbs.urls()).not.toContain(ORIGIN + thumb(3));
    expect(thumbs.urls().at(-1)).toBe(ORIGIN + thumb(202));
  });

  it('does not keep a thumbnail that was not served (404) or that arrives after a sign-out', async () => {
    let release: (r: Response) => void = () => {};
    let answer: () => Promise<Response> = () => Promise.resolve(new Response('no', { status: 404 }));
    const sw = worker(() => answer());
    expect((await sw.request(thumb(1)))!.status).toBe(404);
    expect(await sw.caches.has('fotobase-thumbs')).toBe(false);

    let asked: () => void = () => {};
    const sent = new Promise<void>((r) => (asked = r));
    answer = () => {
      asked();
      return new Promise((r) => (release = r));
    };
    const pending = sw.request(thumb(2));
    // The request is out when the account signs out.
    await sent;
    expect(sw.message({ type: 'forget' })).toEqual(['forgotten']);
    release(png(2));
    expect((await pending)!.status).toBe(200);
    expect(await sw.caches.match(ORIGIN + thumb(2))).toBeUndefined();
  });
});
