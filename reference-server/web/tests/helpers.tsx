// Test doubles: a routed fetch that records calls, JSON/problem responses, and
// a render helper with the app's providers around a page.

import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import { AuthProvider } from '../src/auth/AuthContext';
import { ToastProvider } from '../src/components/Toast';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function problem(status: number, code: string, detail = '', headers: Record<string, string> = {}, extra = {}): Response {
  return new Response(JSON.stringify({ type: `urn:fotobase:problem:${code}`, status, code, detail, ...extra }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call, n: number) => Response | Promise<Response>;

/** Replace global fetch with routes `"METHOD /path/regex"`; unmatched calls fail the test. */
export function mockFetch(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const counts = new Map<string, number>();
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    let body: unknown = init.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* raw text */
      }
    }
    const call = { method, url, headers, body };
    calls.push(call);
    for (const [key, handler] of Object.entries(routes)) {
      const [m, pattern] = key.split(' ') as [string, string];
      if (m === method && new RegExp(`^${pattern}$`).test(url.split('?')[0]!)) {
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        return handler(call, n);
      }
    }
    throw new Error(`unexpected fetch ${method} ${url}`);
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn };
}

export function setCookie(name: string, value: string) {
  document.cookie = `${name}=${value}; path=/`;
}

export function clearCookies() {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; path=/; max-age=0`;
  }
}

/** Render `ui` at `path` inside the router (route pattern `route`) and providers. */
export function renderAt(ui: ReactElement, path = '/', route = '*') {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <ToastProvider>
        <AuthProvider>
          <Routes>
            <Route path={route} element={ui} />
            <Route path="*" element={<div>elsewhere</div>} />
          </Routes>
        </AuthProvider>
      </ToastProvider>
    </MemoryRouter>,
  );
}

export const TOKEN = (n = 1) => ({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 900, user_id: 'usr_1' });

export const USER = {
  id: 'usr_1',
  email: 'ann@example.com',
  display_name: 'Ann',
  avatar_image_id: null,
  preferences: {},
  roles: ['admin'],
  created_at: 1_700_000_000,
  updated_at: 1_700_000_000,
  disabled: false,
};
