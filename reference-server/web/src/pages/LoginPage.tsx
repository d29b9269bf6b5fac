import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, describe } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/ui';
import { AuthFrame } from './AuthFrame';

/** Only same-site paths after login (never an open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { status, signIn, notice, clearNotice } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || waitUntil) return;
    setBusy(true);
    setError(null);
    clearNotice();
    try {
      const factor = useRecovery ? { recovery_code: code } : { totp_code: code };
      const second = step === 'code' ? { ...factor, remember_device: remember } : undefined;
      await signIn(email, password, second);
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
      if (err instanceof ApiError && err.code === 'rate_limited') {
        const secs = err.retryAfter ?? 30;
        // One reading of the clock: two could straddle a millisecond and show 31 s for a 30 s wait.
        const at = Date.now();
        setNow(at);
        setWaitUntil(at + secs * 1000);
      }
      setError(describe(err, 'login'));
      // In the code step the password was right: keep it for the next try.
      if (step === 'password') setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame
      title="Sign in"
      subtitle="Welcome back. Sign in to your photo library."
      footer={
        <>
          New here? <Link to="/register">Create an account</Link> · <Link to="/forgot-password">Forgot your password?</Link>
        </>
      }
    >
      {notice && !error && <Alert kind="info">{notice}</Alert>}
      {error && (
        <Alert kind="error">
          {waitUntil ? `Too many attempts. Try again in ${remaining} second${remaining === 1 ? '' : 's'}.` : error}
        </Alert>
      )}
      {step === 'code' ? (
        <form className="form" onSubmit={submit} noValidate aria-label="Two-step verification">
          <p>{useRecovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code from your authenticator app.'}</p>
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
          <label className="switch">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            <span>Remember this browser for 30 days</span>
          </label>
          <button className="button button--primary button--block" type="submit" disabled={busy || !!waitUntil || !code.trim()}>
            {busy ? 'Verifying…' : 'Verify'}
          </button>
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
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
    </AuthFrame>
  );
}
