// Sign-in with OpenID Connect providers. The flow itself is full-page navigations (the server
// redirects to the provider and back); the page only links to its start, finishes a sign-in that
// needs the password or a code, and lists or unlinks the providers of the signed-in account.

import type { SecondFactor } from './auth';
import { api } from './http';
import { setTokens } from './session';
import type { OidcCompletion, OidcIdentity, OidcProvider, TokenResponse } from './types';

/** The providers this server offers (none when it has none configured). */
export async function oidcProviders(): Promise<OidcProvider[]> {
  return (await api<{ providers: OidcProvider[] }>('/api/v1/auth/oidc/providers', { auth: false })).providers;
}

/**
 * Where a "Sign in with …" link goes: the server redirects to the provider, and after it to
 * `returnTo` (a path on this site; the server takes `/` for anything else).
 */
export function oidcStartUrl(provider: string, returnTo = '/'): string {
  return `/api/v1/auth/oidc/${encodeURIComponent(provider)}/start?return_to=${encodeURIComponent(returnTo)}`;
}

/**
 * Finish a provider sign-in that stopped at `/login?oidc=…`, as a browser session like `login`:
 * the server reads the pending sign-in from its own short-lived cookie.
 */
export async function completeOidc(body: OidcCompletion): Promise<TokenResponse> {
  const t = await api<TokenResponse>('/api/v1/auth/oidc/complete', { method: 'POST', auth: false, json: body });
  setTokens(t);
  return t;
}

/** The provider sign-ins linked to the signed-in account. */
export async function oidcIdentities(): Promise<OidcIdentity[]> {
  return (await api<{ identities: OidcIdentity[] }>('/api/v1/auth/oidc/identities')).identities;
}

/**
 * Stop signing in to this account with `provider`: the password again (and a code where two-step
 * verification is on), as for adding a passkey.
 */
export function unlinkOidc(provider: string, password: string, second?: SecondFactor): Promise<void> {
  return api(`/api/v1/auth/oidc/identities/${encodeURIComponent(provider)}`, { method: 'DELETE', json: { password, ...second } });
}
