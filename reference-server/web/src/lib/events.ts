// Security events in words, for the profile's and the admin's activity lists.

import type { SecurityEvent } from '../api/types';

const EVENT_WORDS: Record<SecurityEvent['kind'], string> = {
  signed_in: 'Signed in',
  sign_in_failed: 'Failed sign-in (wrong password)',
  signed_out: 'Signed out',
  signed_out_everywhere: 'Logged out everywhere',
  password_changed: 'Password changed',
  password_reset_requested: 'Password reset link sent',
  password_reset: 'Password reset with an e-mailed link',
  email_verified: 'E-mail address confirmed',
  refresh_reused: 'A stolen session was stopped',
  disabled: 'Account disabled',
  enabled: 'Account enabled',
  role_granted: 'Role granted',
  role_revoked: 'Role taken away',
  quota_set: 'Storage quota changed',
  second_factor_on: 'Two-step verification turned on',
  second_factor_off: 'Two-step verification turned off',
  second_factor_failed: 'Failed sign-in (wrong code)',
  recovery_code_used: 'Recovery code used',
  recovery_codes_renewed: 'New recovery codes made',
  email_change_requested: 'Change of e-mail address asked for',
  email_changed: 'E-mail address changed',
  identity_linked: 'Sign-in provider linked',
  identity_unlinked: 'Sign-in provider unlinked',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
};

/** An event in words, naming the admin when one acted. */
export function describeEvent(e: SecurityEvent): string {
  const words = EVENT_WORDS[e.kind] ?? e.kind;
  return e.by ? `${words} by an administrator` : words;
}
