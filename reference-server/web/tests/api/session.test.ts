import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accessToken, clearTokens, csrfToken, expiresSoon, refresh, setTokens } from '../../src/api/session';
import { clearCookies, json, mockFetch, problem, setCookie, TOKEN } from '../helpers';

describe('browser session', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('reads the CSRF cookie among others', () => {
    setCookie('other', '1');
    setCookie('fotobase_csrf', 'abc-123');
    expect(csrfToken()).toBe('abc-123');
  });

  it('refreshes with the CSRF header repeating the cookie and keeps the token in memory only', async () => {
    setCookie('fotobase_csrf', 'csrf-value');
    const { calls } = mockFetch({ 'POST /api/v1/auth/refresh': () => json(TOKEN(7)) });
    expect(await refresh()).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['x-csrf-token']).toBe('csrf-value');
    expect(calls[0]!.body).toBeUndefined();
    expect(accessToken()).toBe('at-7');
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain('at-7');
  });

  it('shares one refresh between concurrent callers (rotation treats replays as theft)', async () => {
    setCookie('fotobase_csrf', 'c');
    const { calls } = mockFetch({ 'POST /api/v1/auth/refresh': () => json(TOKEN(2)) });
    const results = await Promise.all([refresh(), refresh(), refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(calls).toHaveLength(1);
  });

  it('does not call the server without a session cookie', async () => {
    const { calls } = mockFetch({});
    expect(await refresh()).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('reports failure when the server refuses the refresh token', async () => {
    setCookie('fotobase_csrf', 'c');
    mockFetch({ 'POST /api/v1/auth/refresh': () => problem(401, 'token_reused') });
    expect(await refresh()).toBe(false);
    expect(accessToken()).toBeNull();
  });

  it('knows when the token is about to expire', () => {
    setTokens({ ...TOKEN(), expires_in: 60 }, 1_000_000);
    expect(expiresSoon(10_000, 1_000_000)).toBe(false);
    expect(expiresSoon(10_000, 1_000_000 + 55_000)).toBe(true);
  });

  it('refreshes silently before the access token expires', async () => {
    vi.useFakeTimers();
    try {
      setCookie('fotobase_csrf', 'c');
      const { calls } = mockFetch({ 'POST /api/v1/auth/refresh': () => json(TOKEN(3)) });
      setTokens({ ...TOKEN(1), expires_in: 900 });
      await vi.advanceTimersByTimeAsync(830_000);
      expect(calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(15_000);
      expect(calls).toHaveLength(1);
      expect(accessToken()).toBe('at-3');
    } finally {
      clearTokens();
      vi.useRealTimers();
    }
  });
});
