import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../src/api/http';
import { ApiError, describe as say, parseRetryAfter, serverReason } from '../../src/api/problem';
import { clearTokens, onExpired, setTokens } from '../../src/api/session';
import { clearCookies, json, mockFetch, problem, setCookie, TOKEN } from '../helpers';

describe('api client', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends the bearer token and JSON bodies', async () => {
    setTokens(TOKEN(1));
    const { calls } = mockFetch({ 'PATCH /api/v1/images/img_1': () => json({ id: 'img_1' }) });
    await api('/api/v1/images/img_1', { method: 'PATCH', json: { name: 'x' } });
    expect(calls[0]!.headers.authorization).toBe('Bearer at-1');
    expect(calls[0]!.headers['content-type']).toBe('application/json');
    expect(calls[0]!.body).toEqual({ name: 'x' });
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    setTokens(TOKEN(1));
    setCookie('fotobase_csrf', 'c');
    const { calls } = mockFetch({
      'GET /api/v1/stats': (c) => (c.headers.authorization === 'Bearer at-2' ? json({ images: 3 }) : problem(401, 'token_expired')),
      'POST /api/v1/auth/refresh': () => json(TOKEN(2)),
    });
    expect(await api<{ images: number }>('/api/v1/stats')).toEqual({ images: 3 });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/v1/stats', 'POST /api/v1/auth/refresh', 'GET /api/v1/stats']);
  });

  it('ends the session when the refresh fails, telling listeners', async () => {
    setTokens(TOKEN(1));
    setCookie('fotobase_csrf', 'c');
    const expired = vi.fn();
    const off = onExpired(expired);
    const { calls } = mockFetch({
      'GET /api/v1/stats': () => problem(401, 'token_expired'),
      'POST /api/v1/auth/refresh': () => problem(401, 'token_invalid'),
    });
    const err = await api('/api/v1/stats').catch((e: unknown) => e);
    off();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('token_expired');
    expect(expired).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.url === '/api/v1/stats')).toHaveLength(1);
  });

  it('turns problem documents into ApiError with code, field and Retry-After', async () => {
    mockFetch({
      'POST /api/v1/auth/login': () => problem(429, 'rate_limited', 'slow down', { 'retry-after': '42' }),
      'POST /api/v1/auth/register': () => problem(422, 'weak_password', 'too short', {}, { field: 'password' }),
    });
    const a = (await api('/api/v1/auth/login', { method: 'POST', auth: false, json: {} }).catch((e: unknown) => e)) as ApiError;
    expect([a.status, a.code, a.retryAfter]).toEqual([429, 'rate_limited', 42]);
    expect(say(a, 'login')).toBe('Too many attempts. Try again in 42 seconds.');
    const b = (await api('/api/v1/auth/register', { method: 'POST', auth: false, json: {} }).catch((e: unknown) => e)) as ApiError;
    expect([b.code, b.field, say(b, 'register')]).toEqual(['weak_password', 'password', 'too short']);
  });

  it('names the quota a quota_exceeded is about', async () => {
    mockFetch({
      'POST /api/v1/images': () => problem(413, 'quota_exceeded', 'full', {}, { context: { quota: 'bytes', limit: '10' } }),
      'POST /api/v1/images/img_1/process': () =>
        problem(429, 'quota_exceeded', 'busy', { 'retry-after': '5' }, { context: { quota: 'uploads_per_minute' } }),
    });
    const full = (await api('/api/v1/images', { method: 'POST', json: {} }).catch((e: unknown) => e)) as ApiError;
    expect([full.status, full.context.quota, say(full, 'upload')]).toEqual([413, 'bytes', 'Your storage is full. Delete some photos or ask an admin for more room.']);
    const busy = (await api('/api/v1/images/img_1/process', { method: 'POST', json: {} }).catch((e: unknown) => e)) as ApiError;
    expect(say(busy, 'upload')).toBe('Too many uploads at once. Try again in 5 seconds.');
  });

  it('reports network failures as code "network"', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    const e = (await api('/api/v1/stats', { auth: false }).catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('network');
    expect(say(e)).toMatch(/Cannot reach the server/);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('5')).toBe(5);
    expect(parseRetryAfter(new Date(10_000 + 30_000).toUTCString(), 10_000)).toBe(30);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('words upload rejections by their stable code', () => {
    expect(say(new ApiError(413, { code: 'limit_exceeded', detail: 'request body too large' }), 'upload')).toBe('Too large: request body too large.');
    expect(say(new ApiError(415, { code: 'unsupported_format' }), 'upload')).toMatch(/Not an image/);
    expect(say(new ApiError(422, { code: 'corrupt_input' }), 'upload')).toBe('The file is damaged or truncated.');
  });

  it("gives the server's reason for a refusal when it says more than the sentence shown", () => {
    const corrupt = new ApiError(422, { title: 'Unprocessable Entity', code: 'corrupt_input', detail: 'JPEG data is corrupt or truncated' });
    expect(serverReason(corrupt, say(corrupt, 'upload'))).toBe('JPEG data is corrupt or truncated');
    // Already part of the sentence, or nothing to add.
    const large = new ApiError(413, { code: 'limit_exceeded', detail: 'request body too large' });
    expect(serverReason(large, say(large, 'upload'))).toBeNull();
    expect(serverReason(new ApiError(422, { code: 'corrupt_input' }))).toBeNull();
    // Server failures and lost connections have no reason for people.
    expect(serverReason(new ApiError(500, { code: 'unexpected', detail: 'internal error' }))).toBeNull();
    expect(serverReason(new ApiError(0, { code: 'network', detail: 'network error' }))).toBeNull();
    expect(serverReason(new Error('boom'))).toBeNull();
  });
});
