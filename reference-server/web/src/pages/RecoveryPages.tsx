// The pages behind account e-mail: asking for a reset link, choosing a new password with it,
// and confirming an address. The token comes from the link's `?token=`.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { confirmEmailChange, confirmPasswordReset, requestPasswordReset, verifyEmail } from '../api/auth';
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

/** Confirm the account's address with a verification link. */
export function VerifyEmailPage() {
  return (
    <FollowedLink
      title="Confirm your address"
      subtitle="One click proves the mailbox is yours."
      follow={confirmAddress}
      spent="This link is unknown, used or expired. Sign in and ask for a new one from your profile."
    />
  );
}

async function confirmAddress(token: string): Promise<string> {
  await verifyEmail(token);
  return 'Your address is confirmed. Thank you.';
}

/** Move the account to the address a change link was sent to. */
export function ConfirmEmailPage() {
  return (
    <FollowedLink
      title="Your new address"
      subtitle="One click moves your account to this mailbox."
      follow={moveAddress}
      spent="This link is unknown, used or expired. Ask for the change again from your profile."
    />
  );
}

async function moveAddress(token: string): Promise<string> {
  const moved = await confirmEmailChange(token);
  return `Your account's address is now ${moved.email}. Sign in with it from now on.`;
}

type Followed = { kind: 'working' } | { kind: 'done' | 'failed'; text: string };

/** A page a mailed link opens: it spends the link's token once (`follow`, defined outside a
 * component so it stays the same function) and says what happened. */
function FollowedLink({ title, subtitle, follow, spent }: { title: string; subtitle: string; follow(token: string): Promise<string>; spent: string }) {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<Followed>({ kind: 'working' });

  useEffect(() => {
    let live = true;
    follow(token).then(
      (text) => live && setState({ kind: 'done', text }),
      (err: unknown) =>
        live && setState({ kind: 'failed', text: err instanceof ApiError && err.code === 'token_invalid' ? spent : describe(err) }),
    );
    return () => {
      live = false;
    };
  }, [token, follow, spent]);

  return (
    <AuthFrame title={title} subtitle={subtitle} footer={<Link to="/">Open fotobase</Link>}>
      {state.kind === 'working' && <Alert kind="info">One moment…</Alert>}
      {state.kind === 'done' && <Alert kind="info">{state.text}</Alert>}
      {state.kind === 'failed' && <Alert>{state.text}</Alert>}
    </AuthFrame>
  );
}
