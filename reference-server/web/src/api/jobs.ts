// Following a job live: SSE first, polling GET /jobs/{id} if the stream fails.

import { send } from './http';
import { getJob } from './images';
import { readSse } from './sse';
import type { Job } from './types';

export const isFinished = (j: Job) => j.state === 'succeeded' || j.state === 'failed';

export interface WatchOptions {
  signal?: AbortSignal;
  /** Polling period of the fallback, ms. */
  pollMs?: number;
}

/** Resolve with the finished job; `onUpdate` sees every state in between. */
export async function watchJob(id: string, onUpdate: (j: Job) => void, opts: WatchOptions = {}): Promise<Job> {
  let last: Job | null = null;
  const seen = (j: Job) => {
    last = j;
    onUpdate(j);
  };
  try {
    const res = await send(`/api/v1/jobs/${encodeURIComponent(id)}/events`, {
      headers: { Accept: 'text/event-stream' },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.body) {
      await readSse(res.body, (ev) => {
        if (ev.event === 'job') seen(JSON.parse(ev.data) as Job);
      });
    }
    const done: Job | null = last;
    if (done && isFinished(done)) return done;
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    // Stream refused or cut (proxy buffering, network): fall back to polling.
  }
  return poll(id, seen, opts);
}

async function poll(id: string, seen: (j: Job) => void, opts: WatchOptions): Promise<Job> {
  const period = opts.pollMs ?? 1000;
  for (;;) {
    const j = await getJob(id, opts.signal);
    seen(j);
    if (isFinished(j)) return j;
    await sleep(period, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}
