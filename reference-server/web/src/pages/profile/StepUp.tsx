// The password again, and a code where the server asks for one (`second_factor_required`: the
// account has two-step verification), before adding or removing a way in: adding a passkey,
// removing one, unlinking a provider. The state, the fields, how a refusal is taken, and the
// confirmation dialog of a removal.

import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { SecondFactor } from '../../api/auth';
import { ApiError, describe } from '../../api/problem';
import { Modal } from '../../components/Modal';
import { Alert } from '../../components/ui';
import { secondFactorOf } from './TwoStepCard';

export interface StepUp {
  password: string;
  setPassword(v: string): void;
  /** The server asked for a code: the account has two-step verification. */
  needsCode: boolean;
  code: string;
  setCode(v: string): void;
  /** What to send with the password (undefined until a code is asked for). */
  second(): SecondFactor | undefined;
  /** Everything needed is filled in. */
  ready: boolean;
  /** Empty again (a new step-up). */
  reset(): void;
  /**
   * Take a refusal: `second_factor_required` (the password was right: it is kept, a code is asked
   * for) gives null; a wrong password is said and emptied; anything else (a wrong code: it is
   * spent) empties the code and gives `other(err)`.
   */
  refused(err: unknown, other: (err: unknown) => string): string | null;
}

export function useStepUp(): StepUp {
  const [password, setPassword] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  return {
    password,
    setPassword,
    needsCode,
    code,
    setCode,
    second: () => (needsCode ? secondFactorOf(code) : undefined),
    ready: !!password && (!needsCode || !!code.trim()),
    reset: () => {
      setPassword('');
      setNeedsCode(false);
      setCode('');
    },
    refused: (err, other) => {
      if (err instanceof ApiError && err.code === 'second_factor_required') {
        setNeedsCode(true);
        setCode('');
        return null;
      }
      if (err instanceof ApiError && err.code === 'invalid_credentials') {
        setPassword('');
        return 'The password is wrong.';
      }
      setCode('');
      return other(err);
    },
  };
}

/** The password field, and the code field once the server asked for one. `id`: the fields' id prefix. */
export function StepUpFields({ stepUp, id }: { stepUp: StepUp; id?: string }) {
  const generated = useId();
  const prefix = id ?? generated;
  return (
    <>
      <div className="field">
        <label htmlFor={`${prefix}-password`}>Password</label>
        <input
          id={`${prefix}-password`}
          type="password"
          autoComplete="current-password"
          value={stepUp.password}
          onChange={(e) => stepUp.setPassword(e.target.value)}
        />
      </div>
      {stepUp.needsCode && (
        <>
          <p>Your account has two-step verification: enter the code from your authenticator app, or a recovery code, too.</p>
          <div className="field">
            <label htmlFor={`${prefix}-code`}>Code from the app, or a recovery code</label>
            <input
              id={`${prefix}-code`}
              autoComplete="one-time-code"
              autoFocus
              value={stepUp.code}
              onChange={(e) => stepUp.setCode(e.target.value)}
            />
          </div>
        </>
      )}
    </>
  );
}

/** What a `StepUpDialog` needs from its removal's state (`useStepUpRemoval().dialog`). */
export interface RemovalDialog {
  open: boolean;
  stepUp: StepUp;
  error: string | null;
  busy: boolean;
  onSubmit(e: FormEvent): void;
  onClose(): void;
}

/**
 * A removal that asks for the password (and code) first: `ask(item)` opens its dialog (`null`
 * closes it), submitting runs `run(item, password, second factor)` once and closes on success;
 * a refusal is shown in the dialog, as `StepUp.refused` words it.
 */
export function useStepUpRemoval<T>(run: (item: T, password: string, second?: SecondFactor) => Promise<void>) {
  const stepUp = useStepUp();
  const [target, setTarget] = useState<T | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ask = (item: T | null) => {
    setTarget(item);
    stepUp.reset();
    setError(null);
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (target === null || busy || !stepUp.ready) return;
    setBusy(true);
    setError(null);
    try {
      await run(target, stepUp.password, stepUp.second());
      ask(null);
    } catch (err) {
      setError(stepUp.refused(err, (x) => describe(x)));
    } finally {
      setBusy(false);
    }
  };
  const dialog: RemovalDialog = { open: target !== null, stepUp, error, busy, onSubmit, onClose: () => ask(null) };
  return { target, ask, dialog };
}

/**
 * A removal confirmed with the password (and code): `children` say what it ends, then the step-up
 * fields, the refusal, Cancel and the danger button `action` (off while busy or not ready).
 */
export function StepUpDialog(props: RemovalDialog & { title: string; action: string; children: ReactNode }) {
  const { open, title, action, stepUp, error, busy, onSubmit, onClose, children } = props;
  return (
    <Modal open={open} title={title} onClose={onClose}>
      <form className="form" onSubmit={onSubmit}>
        {children}
        <p>Enter your password to confirm.</p>
        {error && <Alert>{error}</Alert>}
        <StepUpFields stepUp={stepUp} />
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--danger" disabled={busy || !stepUp.ready}>
            {action}
          </button>
        </div>
      </form>
    </Modal>
  );
}
