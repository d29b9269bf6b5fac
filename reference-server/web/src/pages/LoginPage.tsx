import { Children, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { oidcProviders, oidcStartUrl } from '../api/oidc';
import { getPasskey, isPasskeyCancelled, passkeyConfig, passkeyLoginOptions, passkeysSupported, passkeysUsableHere } from '../api/passkeys';
import { ApiError, describe, describeOidcError } from '../api/problem';
import type { OidcCompletion, OidcProvider } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/ui';
import { useAsync } from '../lib/useAsync';
import { AuthFrame } from './AuthFrame';

/** Only same-site paths after login (never an open redirect): browsers read `/\host` as `//host`,
 * so no backslash or control character either (the server's rule for `return_to` too). */
export function safeNext(next: string | null): string {
  // eslint-disable-next-line no-control-regex
  return next && next.startsWith('/') && !next.startsWith('//') && !/[\\\u0000-\u001f\u007f]/.test(next) ? next : '/';
}

/** "Sign in with …" for each provider the server offers: full-page links to the server, which
 * sends the browser to the provider and, signed in, back to `returnTo`; `children` (the passkey
 * button) go first, under the same divider. */
export function ProviderButtons({ providers, returnTo, children }: { providers: OidcProvider[]; returnTo: string; children?: ReactNode }) {
  if (!providers.length && !Children.toArray(children).length) return null;
  return (
    <>
      <p className="auth-divider">
        <span>or</span>
      </p>
      <div className="auth-providers">
        {children}
        {providers.map((p) => (
          <a key={p.id} className="button button--block" href={oidcStartUrl(p.id, returnTo)}>
            Sign in with {p.name}
          </a>
        ))}
      </div>
    </>
  );
}

const noProviders = (): OidcProvider[] => [];

/** Whether to offer a passkey sign-in: the browser can, the server does, and at this address. */
async function passkeysHere(): Promise<boolean> {
  if (!passkeysSupported()) return false;
  try {
    return passkeysUsableHere(await passkeyConfig());
  } catch {
    return false;
  }
}

export function LoginPage() {
  const { status, signIn, completeProviderSignIn, signInWithPasskey, notice, clearNotice } = useAuth();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  // A provider sign-in the server sent back here to finish: `link` (an account has this address:
  // its password links the provider to it) or `second_factor` (the linked account's code).
  const oidc = params.get('oidc');
  const pending = oidc === 'link' || oidc === 'second_factor' ? oidc : null;
  const providers = useAsync(() => oidcProviders().catch(noProviders), []);
  const passkeys = useAsync(passkeysHere, []);
  const providerId = params.get('provider') ?? '';
  const providerName = providers.data?.find((p) => p.id === providerId)?.name ?? (providerId || 'provider');
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  // A provider sign-in that failed comes back as `?oidc_error=CODE`.
  const [error, setError] = useState<string | null>(() => {
    const code = params.get('oidc_error');
    return code ? describeOidcError(code) : null;
  });
  // A cancelled passkey dialog is said calmly (as information, not an error).
  const [calm, setCalm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [viaPasskey, setViaPasskey] = useState(false);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  // Two-step verification: after a right password the server asks for a code.
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [remember, setRemember] = useState(false);
  const [now, setNow] = useState(Date.now());

  // Count down a throttled login, then let the person try again.
  useEffect(() => {
    if (!waitUntil) return;
    const t = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= waitUntil) {
        setWaitUntil(null);
        setError(null);
      }
    }, 1000);
    return () => clearInterval(t);
  }, [waitUntil]);

  if (status === 'signed-in') return <Navigate to={safeNext(params.get('next'))} replace />;

  const remaining = waitUntil ? Math.max(0, Math.ceil((waitUntil - now) / 1000)) : 0;

  const throttled = (err: unknown) => {
    if (err instanceof ApiError && (err.code === 'rate_limited' || err.code === 'too_many_requests')) {
      const secs = err.retryAfter ?? 30;
      // One reading of the clock: two could straddle a millisecond and show 31 s for a 30 s wait.
      const at = Date.now();
      setNow(at);
      setWaitUntil(at + secs * 1000);
    }
  };

  /** Back to the plain sign-in page (the pending provider sign-in is dropped), with `message`. */
  const leavePending = (message: string | null) => {
    const rest = new URLSearchParams(params);
    rest.delete('oidc');
    rest.delete('provider');
    setParams(rest, { replace: true });
    setStep('password');
    setCode('');
    setPassword('');
    setError(message);
  };

  /**
   * Send a sign-in request with what both forms share: the busy state, the code step when the
   * account asks for a second factor, a wrong code, throttling; `onError` takes the rest.
   */
  const attempt = async (request: () => Promise<unknown>, onError: (err: unknown) => void) => {
    setBusy(true);
    setError(null);
    setCalm(false);
    clearNotice();
    try {
      await request();
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'second_factor_required') {
        setStep('code');
        return;
      }
      if (err instanceof ApiError && err.code === 'second_factor_invalid') {
        setError(describe(err, 'login'));
        setCode('');
        return;
      }
      throttled(err);
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  const submitPending = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || waitUntil) return;
    const factor = useRecovery ? { recovery_code: code.trim() } : { totp_code: code.replace(/\s/g, '') };
    const body: OidcCompletion = pending === 'link' ? { password, ...(step === 'code' ? factor : {}) } : factor;
    await attempt(
      () => completeProviderSignIn(body),
      (err) => {
        if (err instanceof ApiError && err.code === 'oidc_invalid') {
          leavePending(describe(err, 'login'));
        } else if (err instanceof ApiError && err.code === 'invalid_credentials') {
          setError('The password is wrong.');
          setPassword('');
        } else {
          setError(describe(err, 'login'));
        }
      },
    );
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || waitUntil) return;
    const factor = useRecovery ? { recovery_code: code } : { totp_code: code };
    const second = step === 'code' ? { ...factor, remember_device: remember } : undefined;
    await attempt(
      () => signIn(email, password, second),
      (err) => {
        setError(describe(err, 'login'));
        // In the code step the password was right: keep it for the next try.
        if (step === 'password') setPassword('');
      },
    );
  };

  const submitPasskey = async () => {
    if (busy || waitUntil) return;
    setViaPasskey(true);
    await attempt(signInWithPasskey, (err) => {
      setCalm(isPasskeyCancelled(err));
      setError(describe(err, 'login'));
    });
    setViaPasskey(false);
  };

  /** At the code step: one of the account's passkeys instead of the app's code. */
  const submitPasskeyFactor = async () => {
    if (busy || waitUntil) return;
    setViaPasskey(true);
    await attempt(
      async () => signIn(email, password, { passkey: await getPasskey(await passkeyLoginOptions()), remember_device: remember }),
      (err) => {
        setCalm(isPasskeyCancelled(err));
        setError(describe(err, 'login'));
      },
    );
    setViaPasskey(false);
  };

  const codeField = (
    <div className="field">
      <label htmlFor="login-code">{useRecovery ? 'Recovery code' : 'Authentication code'}</label>
      <input
        id="login-code"
        autoComplete="one-time-code"
        inputMode={useRecovery ? 'text' : 'numeric'}
        autoFocus
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
    </div>
  );

  const recoveryToggle = (
    <button
      type="button"
      className="button button--ghost button--block"
      onClick={() => {
        setUseRecovery(!useRecovery);
        setCode('');
        setError(null);
      }}
    >
      {useRecovery ? 'Use the authenticator app' : 'Use a recovery code'}
    </button>
  );

  return (
    <AuthFrame
      title="Sign in"
      subtitle={pending ? `Finish signing in with ${providerName}.` : 'Welcome back. Sign in to your photo library.'}
      footer={
        <>
          New here? <Link to="/register">Create an account</Link> · <Link to="/forgot-password">Forgot your password?</Link>
        </>
      }
    >
      {notice && !error && <Alert kind="info">{notice}</Alert>}
      {error && (
        <Alert kind={calm && !waitUntil ? 'info' : 'error'}>
          {waitUntil ? `Too many attempts. Try again in ${remaining} second${remaining === 1 ? '' : 's'}.` : error}
        </Alert>
      )}
      {pending ? (
        <form
          className="form"
          onSubmit={submitPending}
          noValidate
          aria-label={pending === 'link' ? `Link your ${providerName} sign-in` : 'Two-step verification'}
        >
          {pending === 'link' ? (
            <>
              <p>An account with this address already exists. Enter its password to link your {providerName} sign-in to it.</p>
              <div className="field">
                <label htmlFor="oidc-password">Password</label>
                <input
                  id="oidc-password"
                  type="password"
                  autoComplete="current-password"
                  autoFocus
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </div>
            </>
          ) : (
            <p>
              Your {providerName} account is linked to an account with two-step verification.{' '}
              {useRecovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code from your authenticator app.'}
            </p>
          )}
          {(pending === 'second_factor' || step === 'code') && (
            <>
              {pending === 'link' && (
                <p>
                  This account has two-step verification:{' '}
                  {useRecovery ? 'enter one of your recovery codes too.' : 'enter the 6-digit code from your authenticator app too.'}
                </p>
              )}
              {codeField}
            </>
          )}
          <button
            className="button button--primary button--block"
            type="submit"
            disabled={busy || !!waitUntil || (pending === 'link' && !password) || ((pending === 'second_factor' || step === 'code') && !code.trim())}
          >
            {busy ? 'Signing in…' : pending === 'link' ? 'Link and sign in' : 'Verify'}
          </button>
          {(pending === 'second_factor' || step === 'code') && recoveryToggle}
          <button type="button" className="button button--ghost button--block" onClick={() => leavePending(null)}>
            Sign in another way
          </button>
        </form>
      ) : step === 'code' ? (
        <form className="form" onSubmit={submit} noValidate aria-label="Two-step verification">
          <p>{useRecovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code from your authenticator app.'}</p>
          {codeField}
          <label className="switch">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            <span>Remember this browser for 30 days</span>
          </label>
          <button className="button button--primary button--block" type="submit" disabled={busy || !!waitUntil || !code.trim()}>
            {busy && !viaPasskey ? 'Verifying…' : 'Verify'}
          </button>
          {passkeys.data && (
            <button type="button" className="button button--block" disabled={busy || !!waitUntil} onClick={submitPasskeyFactor}>
              {viaPasskey ? 'Waiting for your passkey…' : 'Use a passkey instead'}
            </button>
          )}
          {recoveryToggle}
        </form>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="login-email">E-mail address</label>
            <input
              id="login-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <button className="button button--primary button--block" type="submit" disabled={busy || !!waitUntil || !email || !password}>
            {busy && !viaPasskey ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
      {!pending && step === 'password' && (
        <ProviderButtons providers={providers.data ?? []} returnTo={safeNext(params.get('next'))}>
          {passkeys.data && (
            <button type="button" className="button button--block" disabled={busy || !!waitUntil} onClick={submitPasskey}>
              {viaPasskey ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
            </button>
          )}
        </ProviderButtons>
      )}
    </AuthFrame>
  );
}
