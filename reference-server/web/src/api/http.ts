// fetch with the bearer token, problem+json errors, and one silent refresh
// then retry when the server answers 401.

import { ApiError, problemFrom } from './problem';
import { accessToken, expire, expiresSoon, hasSessionCookie, refresh, sessionExpiredError } from './session';

export interface RequestOptions {
  method?: string;
  /** Sent as JSON unless it is a BodyInit already (FormData, Blob…). */
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the access token (default true). */
  auth?: boolean;
}

/** Make the request, with the token; on 401 refresh once and try again. */
export async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const auth = opts.auth ?? true;
  if (auth && expiresSoon() && hasSessionCookie()) await refresh();
  let res = await once(path, opts, auth);
  if (res.status === 401 && auth && !(await asksForSecondFactor(res))) {
    if (await refresh()) {
      res = await once(path, opts, auth);
    }
    if (res.status === 401 && !(await asksForSecondFactor(res))) {
      expire();
      throw sessionExpiredError();
    }
  }
  if (!res.ok) throw await problemFrom(res);
  return res;
}

/**
 * A step-up's `second_factor_required` (the password was right, a code is missing) is a 401 about
 * the request, not the token: no refresh, and the session goes on.
 */
async function asksForSecondFactor(res: Response): Promise<boolean> {
  try {
    const body = (await res.clone().json()) as { code?: unknown } | null;
    return body?.code === 'second_factor_required';
  } catch {
    return false;
  }
}

async function once(path: string, opts: RequestOptions, auth: boolean): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const token = auth ? accessToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  try {
    return await fetch(path, {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      signal: opts.signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { code: 'network', detail: 'network error' });
  }
}

/** JSON from a request (undefined for 204). */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A query string from defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A file fetched with the token, as a Blob (for <img> via object URLs, downloads). */
export async function blob(path: string, opts: RequestOptions = {}): Promise<Blob> {
  const res = await send(path, { ...opts, headers: { Accept: 'image/*,*/*', ...opts.headers } });
  return res.blob();
}
