// The account's e-mail address on the profile page, and moving it to another one: the password
// again (and a code when two-step verification is on); the move happens when the link sent to the
// new address is followed, and the current address is told.

import { useState, type FormEvent } from 'react';
import { changeEmail, factors } from '../../api/auth';
import { ApiError, describe } from '../../api/problem';
import { Alert } from '../../components/ui';
import { useAsync } from '../../lib/useAsync';
import { secondFactorOf } from './TwoStepCard';

export function EmailCard({ email }: { email: string }) {
  const status = useAsync(factors, []);
  const [next, setNext] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const needsCode = status.data?.totp === true;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await changeEmail(next.trim(), password, needsCode ? secondFactorOf(code) : undefined);
      setSentTo(next.trim());
      setNext('');
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'invalid_credentials' ? 'The password is wrong.' : describe(err));
    } finally {
      setPassword('');
      setCode('');
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-label="E-mail address">
      <h2 className="card__title">E-mail address</h2>
      <p>
        You sign in with <strong>{email}</strong>.
      </p>
      {error && <Alert>{error}</Alert>}
      {sentTo && (
        <Alert kind="info">
          A link is on its way to {sentTo}. Your address changes when you follow it; until then, keep signing in with {email}.
        </Alert>
      )}
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="email-new">New address</label>
          <input id="email-new" type="email" autoComplete="email" value={next} onChange={(e) => setNext(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="email-password">Password</label>
          <input id="email-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {needsCode && (
          <div className="field">
            <label htmlFor="email-code">Code from the app, or a recovery code</label>
            <input id="email-code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
          </div>
        )}
        <button type="submit" className="button button--primary" disabled={busy || !next.trim() || !password || (needsCode && !code.trim())}>
          {busy ? 'Sending…' : 'Send a link to the new address'}
        </button>
      </form>
    </section>
  );
}
