import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchJob } from '../../src/api/jobs';
import { clearTokens, setTokens } from '../../src/api/session';
import { readSse, SseParser, type SseEvent } from '../../src/api/sse';
import { json, mockFetch, problem, TOKEN } from '../helpers';

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      c.close();
    },
  });
}

const job = (state: string, progress: number) => ({ id: 'job_1', kind: 'process', state, progress, attempts: 1, image_id: 'img_1', result: state === 'succeeded' ? { version_id: 'ver_1' } : null, error: null, created_at: 1, updated_at: 1, finished_at: null });

describe('SSE parsing', () => {
  it('assembles events split anywhere, with CRLF, comments and multi-line data', () => {
    const got: SseEvent[] = [];
    const p = new SseParser((e) => got.push(e));
    const text = ': keep-alive\r\nevent: job\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: plain\n\nevent: error\ndata: {"code":"x"}\n\n';
    for (const ch of text) p.push(ch); // one character at a time
    expect(got).toEqual([
      { event: 'job', data: '{"a":\n1}' },
      { event: 'message', data: 'plain' },
      { event: 'error', data: '{"code":"x"}' },
    ]);
  });

  it('drops an unterminated last event, as the spec says', async () => {
    const got: SseEvent[] = [];
    await readSse(stream(['event: job\ndata: 1\n\n', 'event: job\ndata: 2\n']), (e) => got.push(e));
    expect(got.map((e) => e.data)).toEqual(['1']);
  });
});

describe('watchJob', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    clearTokens();
  });

  it('follows the job over SSE with the bearer token until it finishes', async () => {
    setTokens(TOKEN(1));
    const body = (s: string, p: number) => `event: job\ndata: ${JSON.stringify(job(s, p))}\n\n`;
    const { calls } = mockFetch({
      'GET /api/v1/jobs/job_1/events': () =>
        new Response(stream([body('queued', 0), body('running', 0.5), ': ping\n\n', body('succeeded', 1)]), {
          headers: { 'content-type': 'text/event-stream' },
        }),
    });
    const seen: string[] = [];
    const done = await watchJob('job_1', (j) => seen.push(`${j.state}:${j.progress}`));
    expect(seen).toEqual(['queued:0', 'running:0.5', 'succeeded:1']);
    expect(done.result).toEqual({ version_id: 'ver_1' });
    expect(calls[0]!.headers.authorization).toBe('Bearer at-1');
    expect(calls[0]!.headers.accept).toBe('text/event-stream');
  });

  it('falls back to polling when the stream is refused', async () => {
    setTokens(TOKEN(1));
    const { calls } = mockFetch({
      'GET /api/v1/jobs/job_1/events': () => problem(503, 'unavailable'),
      'GET /api/v1/jobs/job_1': (_c, n) => json(n < 3 ? job('running', n / 3) : job('succeeded', 1)),
    });
    const done = await watchJob('job_1', () => {}, { pollMs: 1 });
    expect(done.state).toBe('succeeded');
    expect(calls.filter((c) => c.url === '/api/v1/jobs/job_1')).toHaveLength(3);
  });
});
