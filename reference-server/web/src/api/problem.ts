// RFC 9457 problem documents as one error type, and the words users see for
// each stable `code` (the UI branches on codes, never on the server's text).

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  field?: string;
  context?: Record<string, string>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field: string | undefined;
  /** Seconds, from `Retry-After` (throttled logins, overload). */
  readonly retryAfter: number | undefined;
  /** Diagnostics of the failure (e.g. `quota`: which quota a `quota_exceeded` is about). */
  readonly context: Record<string, string>;

  constructor(status: number, body: ProblemBody, retryAfter?: number) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code ?? (status === 0 ? 'network' : 'unexpected');
    this.detail = body.detail ?? '';
    this.field = body.field;
    this.retryAfter = retryAfter;
    this.context = body.context ?? {};
  }
}

/** Parse a failed response into an `ApiError` (problem+json or not). */
export async function problemFrom(res: Response): Promise<ApiError> {
  let body: ProblemBody = {};
  try {
    const text = await res.text();
    if (text) body = JSON.parse(text) as ProblemBody;
  } catch {
    body = {};
  }
  return new ApiError(res.status, body, parseRetryAfter(res.headers.get('retry-after')));
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** A sentence for people, by code; `context` says where it happened. */
export function describe(
  err: unknown,
  context: 'login' | 'register' | 'upload' | 'share' | 'passkey' | 'general' = 'general',
): string {
  if (!(err instanceof ApiError)) {
    return err instanceof Error ? err.message : 'Something went wrong.';
  }
  switch (err.code) {
    case 'network':
      return 'Cannot reach the server. Check your connection and try again.';
    case 'invalid_credentials':
      return context === 'share' ? 'Wrong password for this link.' : 'Wrong e-mail address or password.';
    case 'rate_limited':
    case 'too_many_requests':
      return err.retryAfter !== undefined
        ? `Too many attempts. Try again in ${formatWait(err.retryAfter)}.`
        : 'Too many attempts. Please wait a moment and try again.';
    case 'quota_exceeded':
      if (err.context.quota === 'bytes') return 'Your storage is full. Delete some photos or ask an admin for more room.';
      if (err.context.quota === 'queued_jobs') return 'Too many jobs are waiting. Try again when some have finished.';
      return err.retryAfter !== undefined
        ? `Too many uploads at once. Try again in ${formatWait(err.retryAfter)}.`
        : 'Too many uploads at once. Please wait a moment.';
    case 'unauthenticated':
    case 'token_expired':
    case 'token_invalid':
    case 'token_reused':
      return context === 'share' ? 'This link needs a password.' : 'Your session has expired. Please sign in again.';
    case 'csrf_failed':
      return 'Your session could not be verified. Please sign in again.';
    case 'forbidden':
      return context === 'login' ? 'This account is disabled.' : 'You are not allowed to do this.';
    case 'account_disabled':
      return 'This account is disabled.';
    case 'oidc_denied':
    case 'oidc_invalid':
    case 'oidc_failed':
    case 'oidc_email_unverified':
      return describeOidcError(err.code);
    case 'passkey_invalid':
    case 'passkey_cancelled':
    case 'passkey_exists':
    case 'passkey_wrong_site':
    case 'passkey_unsupported':
    case 'passkey_failed':
      return describePasskeyError(err, context === 'login');
    case 'already_exists':
      if (context === 'passkey') return 'This passkey is on your account already.';
      return context === 'register' ? 'An account with this e-mail address already exists.' : 'That already exists.';
    case 'registration_closed':
      return err.field === 'invite' ? 'Sign-up on this server needs an invitation code.' : 'Sign-up is closed on this server.';
    case 'second_factor_required':
      return 'Enter the code from your authenticator app.';
    case 'second_factor_invalid':
      return 'That code is wrong, expired or already used.';
    case 'email_unverified':
      return 'Confirm your e-mail address first: follow the link we sent you.';
    case 'invite_invalid':
      return 'This invitation code is unknown, already used or expired.';
    case 'weak_password':
      return err.detail || 'This password is too weak.';
    case 'unsupported_format':
      return context === 'upload' ? 'Not an image fotobase can read (JPEG, PNG, WebP, AVIF, GIF).' : err.detail || 'Unsupported format.';
    case 'corrupt_input':
      return context === 'upload' ? 'The file is damaged or truncated.' : err.detail || 'The image is corrupt.';
    case 'limit_exceeded':
      return context === 'upload' ? `Too large: ${err.detail || 'the file exceeds the upload limit'}.` : err.detail || 'Limit exceeded.';
    case 'not_found':
      return context === 'share' ? 'This link does not exist, was revoked or has expired.' : err.detail || 'Not found.';
    case 'target_unreachable':
      return 'No setting of this algorithm reaches that target. Try a lower target or another algorithm.';
    case 'unavailable':
      return 'The server is busy. Please try again shortly.';
    default:
      return err.detail || err.message || 'Something went wrong.';
  }
}

/**
 * The server's own reason for refusing a request (its problem's `detail`), when it says more than
 * `shown`, the sentence the page shows: a 4xx answer whose detail is not already part of it.
 * Server errors (5xx) and network failures have no reason for people ("internal error").
 */
export function serverReason(err: unknown, shown = ''): string | null {
  if (!(err instanceof ApiError) || err.status < 400 || err.status >= 500) return null;
  const detail = err.detail.trim();
  if (!detail || shown.toLowerCase().includes(detail.toLowerCase())) return null;
  return detail;
}

/**
 * Why a sign-in with a provider failed, from the code the server puts in `/login?oidc_error=`
 * (or answers `POST /auth/oidc/complete` with).
 */
export function describeOidcError(code: string): string {
  switch (code) {
    case 'oidc_denied':
      return 'Sign-in was cancelled at the provider.';
    case 'oidc_invalid':
      return 'This sign-in expired or was started in another browser. Please start again.';
    case 'oidc_failed':
      return "The provider's answer could not be verified. Please try again.";
    case 'oidc_email_unverified':
      return 'The provider did not give a verified e-mail address, so it cannot sign you in here.';
    case 'registration_closed':
      return 'There is no account with this e-mail address, and sign-up on this server is closed or needs an invitation.';
    case 'account_disabled':
      return 'This account is disabled.';
    default:
      return 'Signing in with the provider did not work. Please try again.';
  }
}

/**
 * Why a passkey did not work: the server's `passkey_invalid`, or the browser's refusal (the
 * `passkey_…` codes of `PasskeyError`); `signingIn` for the login page.
 */
function describePasskeyError(err: ApiError, signingIn: boolean): string {
  switch (err.code) {
    case 'passkey_invalid':
      return signingIn
        ? 'That passkey did not sign you in: it is not (or no longer) on an account here, or the sign-in took too long. Try again, or sign in with your password.'
        : 'The passkey could not be checked, or adding it took too long. Please start again.';
    case 'passkey_cancelled':
      return signingIn ? 'Passkey sign-in was cancelled, or it timed out.' : 'Adding a passkey was cancelled, or it timed out.';
    case 'passkey_exists':
      return 'This device or password manager already holds a passkey for your account.';
    case 'passkey_wrong_site':
      return 'Passkeys do not work at this address. Open the site at its usual address and try again.';
    case 'passkey_unsupported':
      return 'This browser cannot use passkeys.';
    default:
      return err.detail ? `The passkey did not work: ${err.detail}` : 'The passkey did not work. Please try again.';
  }
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}
