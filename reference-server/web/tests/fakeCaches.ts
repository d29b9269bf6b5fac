// A Cache Storage double for the service worker and the page's offline helpers: entries keyed by
// absolute URL in the order the Cache API keeps them (a put removes the old entry and appends the
// new one), and what each entry was stored under, to check no request headers (tokens) were kept.

type Key = RequestInfo | URL | { url: string };

function urlOf(req: Key, base: string): string {
  const u = typeof req === 'string' ? req : req instanceof URL ? req.href : req.url;
  return new URL(u, base).href;
}

export class FakeCache {
  readonly entries = new Map<string, Response>();
  /** What each entry was put under (a URL string, or a request with its headers). */
  readonly storedUnder = new Map<string, Key>();

  constructor(
    private readonly base: string,
    private readonly fetcher: (req: Key) => Promise<Response>,
  ) {}

  async match(req: Key): Promise<Response | undefined> {
    return this.entries.get(urlOf(req, this.base))?.clone();
  }

  async put(req: Key, res: Response): Promise<void> {
    const key = urlOf(req, this.base);
    this.entries.delete(key);
    this.entries.set(key, res);
    this.storedUnder.set(key, req);
  }

  async add(req: Key): Promise<void> {
    await this.put(req, await this.fetcher(req));
  }

  async addAll(reqs: Key[]): Promise<void> {
    for (const r of reqs) await this.add(r);
  }

  async delete(req: Key): Promise<boolean> {
    const key = urlOf(req, this.base);
    this.storedUnder.delete(key);
    return this.entries.delete(key);
  }

  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((k) => new Request(k));
  }

  /** The URLs held, oldest first. */
  urls(): string[] {
    return [...this.entries.keys()];
  }
}

export class FakeCacheStorage {
  readonly caches = new Map<string, FakeCache>();

  constructor(
    private readonly base = 'http://localhost',
    private readonly fetcher: (req: Key) => Promise<Response> = () => Promise.reject(new TypeError('no network')),
  ) {}

  async open(name: string): Promise<FakeCache> {
    let cache = this.caches.get(name);
    if (!cache) {
      cache = new FakeCache(this.base, this.fetcher);
      this.caches.set(name, cache);
    }
    return cache;
  }

  async has(name: string): Promise<boolean> {
    return this.caches.has(name);
  }

  async delete(name: string): Promise<boolean> {
    return this.caches.delete(name);
  }

  async keys(): Promise<string[]> {
    return [...this.caches.keys()];
  }

  async match(req: Key, opts: { cacheName?: string } = {}): Promise<Response | undefined> {
    const names = opts.cacheName ? [opts.cacheName] : [...this.caches.keys()];
    for (const name of names) {
      const hit = await this.caches.get(name)?.match(req);
      if (hit) return hit;
    }
    return undefined;
  }
}
