// Two-step verification on the profile page: enrol an authenticator app (scan the QR code,
// confirm with a code), keep the recovery codes, renew them, or turn it off. Every change asks
// for the password again, and once it is on, a code too.

import { useState } from 'react';
import { disableTotp, enableTotp, factors, renewRecoveryCodes, setupTotp, type SecondFactor } from '../../api/auth';
import { describe } from '../../api/problem';
import type { TotpSetup } from '../../api/types';
import { useToast } from '../../components/Toast';
import { Alert } from '../../components/ui';
import { useAsync } from '../../lib/useAsync';

/** Six digits are the app's code; anything else is taken for a recovery code. */
export function secondFactorOf(code: string): SecondFactor {
  const c = code.replace(/\s/g, '');
  return /^\d{6}$/.test(c) ? { totp_code: c } : { recovery_code: code.trim() };
}

type Stage = { kind: 'idle' } | { kind: 'password' } | { kind: 'scan'; setup: TotpSetup } | { kind: 'codes'; codes: string[] };

export function TwoStepCard() {
  const toast = useToast();
  const status = useAsync(factors, []);
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (e: { preventDefault(): void }, action: () => Promise<void>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describe(err));
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  const reset = (next: Stage = { kind: 'idle' }) => {
    setStage(next);
    setPassword('');
    setCode('');
    setError(null);
    status.reload();
  };

  const on = status.data?.totp === true;
  return (
    <section className="card" aria-label="Two-step verification">
      <h2 className="card__title">Two-step verification</h2>
      {error && <Alert>{error}</Alert>}
      {stage.kind === 'codes' ? (
        <>
          <p>
            Keep these recovery codes somewhere safe. Each one signs you in once if you lose your phone; they are not shown
            again.
          </p>
          <ul className="recovery-codes" aria-label="Recovery codes">
            {stage.codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" className="button button--primary" onClick={() => reset()}>
            I have saved them
          </button>
        </>
      ) : stage.kind === 'scan' ? (
        <form
          className="form"
          onSubmit={(e) =>
            run(e, async () => {
              const r = await enableTotp(code.replace(/\s/g, ''));
              toast.success('Two-step verification is on.');
              reset({ kind: 'codes', codes: r.recovery_codes });
            })
          }
        >
          <p>Scan this code with your authenticator app, or type the key into it, then enter the code it shows.</p>
          <img
            className="totp-qr"
            alt="QR code for your authenticator app"
            width={200}
            height={200}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(stage.setup.qr_svg)}`}
          />
          <p>
            Key: <code>{stage.setup.secret}</code>
          </p>
          <div className="field">
            <label htmlFor="totp-confirm">Code from the app</label>
            <input id="totp-confirm" autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} />
          </div>
          <button type="submit" className="button button--primary" disabled={busy || !code.trim()}>
            Turn on
          </button>
        </form>
      ) : stage.kind === 'password' ? (
        <form className="form" onSubmit={(e) => run(e, async () => setStage({ kind: 'scan', setup: await setupTotp(password) }))}>
          <div className="field">
            <label htmlFor="totp-password">Password</label>
            <input id="totp-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <button type="submit" className="button button--primary" disabled={busy || !password}>
            Continue
          </button>
        </form>
      ) : on ? (
        <form className="form" onSubmit={(e) => e.preventDefault()}>
          <p>
            On: signing in asks for a code from your authenticator app. {status.data?.recovery_codes_left ?? 0} recovery code
            {status.data?.recovery_codes_left === 1 ? '' : 's'} left.
          </p>
          <div className="field">
            <label htmlFor="totp-step-password">Password</label>
            <input id="totp-step-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="totp-step-code">Code from the app, or a recovery code</label>
            <input id="totp-step-code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
          </div>
          <div className="row row--wrap">
            <button
              type="button"
              className="button"
              disabled={busy || !password || !code.trim()}
              onClick={(e) =>
                run(e, async () => {
                  const r = await renewRecoveryCodes(password, secondFactorOf(code));
                  reset({ kind: 'codes', codes: r.recovery_codes });
                })
              }
            >
              New recovery codes
            </button>
            <button
              type="button"
              className="button button--danger"
              disabled={busy || !password || !code.trim()}
              onClick={(e) =>
                run(e, async () => {
                  await disableTotp(password, secondFactorOf(code));
                  toast.success('Two-step verification is off.');
                  reset();
                })
              }
            >
              Turn off
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="muted">Off. Add a code from an authenticator app to every sign-in, so a password alone is not enough.</p>
          <button type="button" className="button button--primary" disabled={!status.data} onClick={() => setStage({ kind: 'password' })}>
            Set up two-step verification
          </button>
        </>
      )}
    </section>
  );
}
