// The password again, and a code where the server asks for one (`second_factor_required`: the
// account has two-step verification), before adding or removing a way in: adding a passkey,
// removing one, unlinking a provider. The state, the fields, and how a refusal is taken.

import { useId, useState } from 'react';
import type { SecondFactor } from '../../api/auth';
import { ApiError } from '../../api/problem';
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
