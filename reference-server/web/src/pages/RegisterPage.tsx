import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { register } from '../api/auth';
import { ApiError, describe } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/ui';
import { AuthFrame } from './AuthFrame';

export function RegisterPage() {
  const { status, signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // An invitation link (`/register?invite=…`) fills the code; a server that needs one says so.
  const [invite, setInvite] = useState(params.get('invite') ?? '');
  const [askInvite, setAskInvite] = useState(!!params.get('invite'));
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const [sentTo, setSentTo] = useState<string | null>(null);

  if (status === 'signed-in') return <Navigate to="/" replace />;
  if (sentTo) {
    return (
      <AuthFrame title="Check your e-mail" subtitle={`We sent a message to ${sentTo}.`} footer={<Link to="/login">Sign in</Link>}>
        <Alert kind="info">Follow the link in it to confirm your address, then sign in.</Alert>
      </AuthFrame>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldErrors({});
    if (password !== confirm) {
      setFieldErrors({ confirm: 'The passwords do not match.' });
      return;
    }
    setBusy(true);
    try {
      const made = await register(email.trim(), password, name.trim() || undefined, invite.trim() || undefined);
      if ('status' in made) {
        setSentTo(email.trim());
        return;
      }
      await signIn(email.trim(), password);
      navigate('/', { replace: true });
    } catch (err) {
      const msg = describe(err, 'register');
      if (err instanceof ApiError && err.field === 'invite') setAskInvite(true);
      if (err instanceof ApiError && err.field) setFieldErrors({ [err.field]: msg });
      else setError(msg);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (f: string) =>
    fieldErrors[f] ? (
      <p className="field__error" id={`reg-${f}-error`}>
        {fieldErrors[f]}
      </p>
    ) : null;

  return (
    <AuthFrame
      title="Create your account"
      subtitle="Store, compress and share your photos. The first account becomes the administrator."
      footer={
        <>
          Already have an account? <Link to="/login">Sign in</Link>
        </>
      }
    >
      {error && <Alert>{error}</Alert>}
      <form className="form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="reg-email">E-mail address</label>
          <input
            id="reg-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            aria-invalid={!!fieldErrors.email}
            aria-describedby={fieldErrors.email ? 'reg-email-error' : undefined}
            onChange={(e) => setEmail(e.target.value)}
          />
          {fieldError('email')}
        </div>
        <div className="field">
          <label htmlFor="reg-name">
            Display name <span className="muted">(optional)</span>
          </label>
          <input id="reg-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="reg-password">Password</label>
          <input
            id="reg-password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            aria-invalid={!!fieldErrors.password}
            aria-describedby={fieldErrors.password ? 'reg-password-error' : 'reg-password-hint'}
            onChange={(e) => setPassword(e.target.value)}
          />
          {fieldError('password') ?? (
            <p className="field__hint" id="reg-password-hint">
              Use a long passphrase: several words are easy to remember and hard to guess.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="reg-confirm">Confirm password</label>
          <input
            id="reg-confirm"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            aria-invalid={!!fieldErrors.confirm}
            aria-describedby={fieldErrors.confirm ? 'reg-confirm-error' : undefined}
            onChange={(e) => setConfirm(e.target.value)}
          />
          {fieldError('confirm')}
        </div>
        {askInvite && (
          <div className="field">
            <label htmlFor="reg-invite">Invitation code</label>
            <input
              id="reg-invite"
              autoComplete="off"
              value={invite}
              aria-invalid={!!fieldErrors.invite}
              aria-describedby={fieldErrors.invite ? 'reg-invite-error' : undefined}
              onChange={(e) => setInvite(e.target.value)}
            />
            {fieldError('invite')}
          </div>
        )}
        <button className="button button--primary button--block" type="submit" disabled={busy || !email || !password}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
    </AuthFrame>
  );
}
