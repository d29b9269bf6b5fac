// Accounts and sessions.

import type { AuthenticationResponseJSON } from './types';
import { api } from './http';
import { forgetOfflineData } from '../lib/offline';
import { ApiError, problemFrom } from './problem';
import { clearTokens, csrfToken, refresh, setTokens } from './session';
import type { FactorStatus, Pending, RecoveryCodes, TokenResponse, TotpSetup, User } from './types';

/**
 * Create an account; `invite` is the code an admin gave, where sign-up needs one. A server that
 * requires a confirmed address answers `{status: 'check_email'}` instead of the account.
 */
export function register(
  email: string,
  password: string,
  displayName?: string,
  invite?: string,
): Promise<User | Pending> {
  return api<User | Pending>('/api/v1/auth/register', {
    method: 'POST',
    auth: false,
    json: { email, password, ...(displayName ? { display_name: displayName } : {}), ...(invite ? { invite } : {}) },
  });
}

/** The second factor of a login or step-up: the authenticator app's code, or a recovery code. */
export type SecondFactor = { totp_code: string } | { recovery_code: string };
/**
 * A login's second factor (the app's code, a recovery code, or one of the account's passkeys);
 * `remember_device`: this browser is not asked again for 30 days.
 */
export type LoginFactor = (SecondFactor | { passkey: AuthenticationResponseJSON }) & { remember_device?: boolean };

/**
 * Log in as a browser session: refresh token in the HttpOnly cookie, access token in memory. An
 * account with two-step verification answers `second_factor_required` until `second` is given.
 */
export async function login(email: string, password: string, second?: LoginFactor): Promise<TokenResponse> {
  const t = await api<TokenResponse>('/api/v1/auth/login', {
    method: 'POST',
    auth: false,
    json: { email, password, cookie: true, ...second },
  });
  setTokens(t);
  return t;
}

/** Resume the session from the cookie (page load); false when there is none. */
export function resume(): Promise<boolean> {
  return refresh();
}

/**
 * End this session on the server and forget the token and the offline copies of the account's
 * photos, whatever the server says.
 */
export async function logout(): Promise<void> {
  const csrf = csrfToken();
  try {
    if (csrf) {
      const res = await fetch('/api/v1/auth/logout', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf },
      });
      if (!res.ok && res.status !== 401) throw await problemFrom(res);
    }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  } finally {
    clearTokens();
    await forgetOfflineData();
  }
}

export function logoutEverywhere(): Promise<{ sessions_ended: number }> {
  return api('/api/v1/auth/logout-all', { method: 'POST' });
}

export function changePassword(current: string, next: string): Promise<{ sessions_ended: number }> {
  return api('/api/v1/auth/password', { method: 'POST', json: { current_password: current, new_password: next } });
}

/** Ask for a password-reset link (the answer is the same whether the address has an account). */
export function requestPasswordReset(email: string): Promise<Pending> {
  return api('/api/v1/auth/password-reset', { method: 'POST', auth: false, json: { email } });
}

/** Set a new password with a reset link's token; every session ends. */
export function confirmPasswordReset(token: string, newPassword: string): Promise<{ sessions_ended: number }> {
  return api('/api/v1/auth/password-reset/confirm', {
    method: 'POST',
    auth: false,
    json: { token, new_password: newPassword },
  });
}

/** Confirm the address with a verification link's token. */
export function verifyEmail(token: string): Promise<{ email_verified: boolean }> {
  return api('/api/v1/auth/verify-email', { method: 'POST', auth: false, json: { token } });
}

/** Send the signed-in user a new verification link. */
export function resendVerification(): Promise<Pending> {
  return api('/api/v1/auth/verify-email/resend', { method: 'POST' });
}

/** Ask to move the account to `newEmail` (the password again, and a code when two-step
 * verification is on); the answer is the same whether or not the address is free. */
export function changeEmail(newEmail: string, password: string, second?: SecondFactor): Promise<Pending> {
  return api('/api/v1/auth/email', { method: 'POST', json: { new_email: newEmail, password, ...second } });
}

/** Move the account to the address a change link was sent to. */
export function confirmEmailChange(token: string): Promise<{ email: string; email_verified: boolean }> {
  return api('/api/v1/auth/email/confirm', { method: 'POST', auth: false, json: { token } });
}

/** The signed-in user's second factors. */
export function factors(): Promise<FactorStatus> {
  return api('/api/v1/auth/factors');
}

/** Start enrolling an authenticator app (the password again): its secret and QR code. */
export function setupTotp(password: string): Promise<TotpSetup> {
  return api('/api/v1/auth/totp/setup', { method: 'POST', json: { password } });
}

/** Confirm enrolment with the app's current code; answers the recovery codes (shown once). */
export function enableTotp(code: string): Promise<RecoveryCodes> {
  return api('/api/v1/auth/totp/enable', { method: 'POST', json: { code } });
}

/** Turn two-step verification off: the password and a code again. */
export function disableTotp(password: string, second: SecondFactor): Promise<void> {
  return api('/api/v1/auth/totp/disable', { method: 'POST', json: { password, ...second } });
}

/** Replace the recovery codes: the password and a code again. */
export function renewRecoveryCodes(password: string, second: SecondFactor): Promise<RecoveryCodes> {
  return api('/api/v1/auth/recovery-codes', { method: 'POST', json: { password, ...second } });
}
