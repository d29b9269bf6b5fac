// The pages behind account e-mail: asking for a reset link, choosing a new password with it,
// and confirming an address. The token comes from the link's `?token=`.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { confirmPasswordReset, requestPasswordReset, verifyEmail } from '../api/auth';
import { ApiError, describe } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/ui';
import { AuthFrame } from './AuthFrame';

const backToLogin = <Link to="/login">Back to sign in</Link>;

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await requestPasswordReset(email.trim());
      setSent(true);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Forgot your password?" subtitle="We send a link to choose a new one." footer={backToLogin}>
      {sent ? (
        <Alert kind="info">If {email.trim()} has an account, a link is on its way. It works once, for 30 minutes.</Alert>
      ) : (
        <>
          {error && <Alert>{error}</Alert>}
          <form className="form" onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor="forgot-email">E-mail address</label>
              <input id="forgot-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
            <button className="button button--primary button--block" type="submit" disabled={busy || !email.trim()}>
              {busy ? 'Sending…' : 'Send the link'}
            </button>
          </form>
        </>
      )}
    </AuthFrame>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { forget } = useAuth();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (password !== confirm) {
      setError('The passwords do not match.');
      return;
    }
    setBusy(true);
    try {
      await confirmPasswordReset(token, password);
      forget('Your password was changed and every session signed out. Sign in with the new one.');
      navigate('/login', { replace: true });
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'token_invalid'
          ? 'This link is unknown, used or expired. Ask for a new one.'
          : describe(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Choose a new password" subtitle="Every device signed in to your account will be signed out." footer={backToLogin}>
      {!token && <Alert>This page needs the link from the e-mail.</Alert>}
      {error && <Alert>{error}</Alert>}
      <form className="form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="reset-password">New password</label>
          <input id="reset-password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="reset-confirm">New password again</label>
          <input id="reset-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </div>
        <button className="button button--primary button--block" type="submit" disabled={busy || !token || !password || !confirm}>
          {busy ? 'Saving…' : 'Set the new password'}
        </button>
      </form>
      {error && (
        <p>
          <Link to="/forgot-password">Send a new link</Link>
        </p>
      )}
    </AuthFrame>
  );
}

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<'working' | 'done' | string>('working');

  useEffect(() => {
    let live = true;
    verifyEmail(token).then(
      () => live && setState('done'),
      (err: unknown) =>
        live &&
        setState(
          err instanceof ApiError && err.code === 'token_invalid'
            ? 'This link is unknown, used or expired. Sign in and ask for a new one from your profile.'
            : describe(err),
        ),
    );
    return () => {
      live = false;
    };
  }, [token]);

  return (
    <AuthFrame title="Confirm your address" subtitle="One click proves the mailbox is yours." footer={<Link to="/">Open fotobase</Link>}>
      {state === 'working' && <Alert kind="info">Confirming…</Alert>}
      {state === 'done' && <Alert kind="info">Your address is confirmed. Thank you.</Alert>}
      {state !== 'working' && state !== 'done' && <Alert>{state}</Alert>}
    </AuthFrame>
  );
}
