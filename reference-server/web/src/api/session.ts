// The browser session: the access token lives in this module's memory only
// (never Web Storage); the refresh token is an HttpOnly cookie the page cannot
// read, renewed through POST /auth/refresh with the double-submit CSRF header.

import { ApiError, problemFrom } from './problem';
import type { TokenResponse } from './types';

export const CSRF_COOKIE = 'fotobase_csrf';
const REFRESH_URL = '/api/v1/auth/refresh';
/** Renew this long before the access token expires. */
const EARLY_MS = 60_000;

interface Access {
  token: string;
  expiresAt: number;
  userId: string;
}

let access: Access | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<boolean> | null = null;
/** The last refresh could not get an answer (offline, server down), as opposed to being refused. */
let unreachable = false;
/** The page runs on a session it could not confirm (loaded offline): its end is still an expiry. */
let assumed = false;
const expiredListeners = new Set<() => void>();

/** The `fotobase_csrf` cookie's value, if the browser holds a session. */
export function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === CSRF_COOKIE) {
      const value = v.join('=');
      return value ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

/** Whether a refresh could work (the CSRF cookie is there): saves a 401 on first load. */
export function hasSessionCookie(): boolean {
  return csrfToken() !== null;
}

export function accessToken(): string | null {
  return access?.token ?? null;
}

export function currentUserId(): string | null {
  return access?.userId ?? null;
}

/** True when the token is missing or expires within `withinMs`. */
export function expiresSoon(withinMs = 10_000, now = Date.now()): boolean {
  return !access || access.expiresAt - now < withinMs;
}

export function setTokens(t: TokenResponse, now = Date.now()): void {
  assumed = false;
  access = { token: t.access_token, expiresAt: now + t.expires_in * 1000, userId: t.user_id };
  schedule(t.expires_in * 1000);
}

export function clearTokens(): void {
  access = null;
  if (timer) clearTimeout(timer);
  timer = undefined;
}

/** Called when the session ended on its own (refresh refused). */
export function onExpired(fn: () => void): () => void {
  expiredListeners.add(fn);
  return () => expiredListeners.delete(fn);
}

export function expire(): void {
  const had = access !== null || assumed;
  assumed = false;
  clearTokens();
  if (had) expiredListeners.forEach((fn) => fn());
}

// Silent refresh a minute before expiry (or at 80% of a short lifetime).
function schedule(lifetimeMs: number): void {
  if (timer) clearTimeout(timer);
  const delay = Math.max(5_000, lifetimeMs > 5 * EARLY_MS ? lifetimeMs - EARLY_MS : lifetimeMs * 0.8);
  timer = setTimeout(() => {
    void refresh().then((ok) => {
      if (!ok) expire();
    });
  }, delay);
}

/**
 * Exchange the refresh cookie for a new access token. One request at a time:
 * concurrent callers share it, and tabs take turns through a Web Lock, because
 * the server rotates refresh tokens and treats a replayed one as theft.
 */
export function refresh(): Promise<boolean> {
  if (!inflight) {
    inflight = withLock(doRefresh).finally(() => {
      inflight = null;
    });
  }
  return inflight;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('fotobase-refresh', fn) : fn();
}

async function doRefresh(): Promise<boolean> {
  // Read inside the lock: another tab may have rotated the cookies meanwhile.
  const csrf = csrfToken();
  unreachable = false;
  if (!csrf) return false;
  let res: Response;
  try {
    res = await fetch(REFRESH_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf },
    });
  } catch {
    // Offline: keep the current token; callers see their own network errors.
    unreachable = true;
    return access !== null;
  }
  if (!res.ok) {
    const err = await problemFrom(res);
    if (err.status >= 500 || err.code === 'unavailable') {
      // Down or overloaded (a proxy's 502 too): the session was not refused.
      unreachable = true;
      return access !== null;
    }
    return false;
  }
  setTokens((await res.json()) as TokenResponse);
  return true;
}

/**
 * Whether the last refresh failed for want of a server (offline, down) rather than being refused:
 * a page loaded then with a session cookie may show what the service worker kept (AuthContext).
 */
export function serverUnreachable(): boolean {
  return unreachable;
}

/**
 * Go on without a token on the session cookie's word, when the server cannot be reached: if the
 * server refuses the session once it answers again, `onExpired` listeners hear of it.
 */
export function assumeSession(): void {
  assumed = true;
}

/** Thrown by callers when the session is gone. */
export function sessionExpiredError(): ApiError {
  return new ApiError(401, { code: 'token_expired', detail: 'Your session has expired.' });
}
