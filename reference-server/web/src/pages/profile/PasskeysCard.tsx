// The account's passkeys on the profile page: which there are (added when, last used when), adding
// one (the password again, and a code where the server asks for one, then the browser's own
// dialog) and removing one after a confirmation (the password and a code again, likewise). Not
// shown where the server offers no passkeys (a site at an IP address: WebAuthn needs a domain name).

import { useState, type FormEvent } from 'react';
import {
  addPasskey,
  defaultPasskeyName,
  isPasskeyCancelled,
  listPasskeys,
  passkeyConfig,
  passkeysSupported,
  passkeysUsableHere,
  removePasskey,
} from '../../api/passkeys';
import { describe } from '../../api/problem';
import type { Passkey } from '../../api/types';
import { useToast } from '../../components/Toast';
import { Alert, DataTable } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { StepUpDialog, StepUpFields, useStepUp, useStepUpRemoval } from './StepUp';

const NAME_MAX = 64;

export function PasskeysCard() {
  const toast = useToast();
  const config = useAsync(passkeyConfig, []);
  const enabled = config.data?.enabled === true;
  const passkeys = useAsync(() => (enabled ? listPasskeys() : Promise.resolve([])), [enabled]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const stepUp = useStepUp();
  const [error, setError] = useState<{ text: string; calm: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const removal = useStepUpRemoval(async (p: Passkey, password, second) => {
    await removePasskey(p.id, password, second);
    toast.success(`Passkey “${p.name}” removed.`);
    passkeys.reload();
  });

  if (!enabled) return null;

  const supported = passkeysSupported();
  const here = passkeysUsableHere(config.data);

  const start = () => {
    setAdding(true);
    setName(defaultPasskeyName());
    stepUp.reset();
    setError(null);
  };

  const stop = () => {
    setAdding(false);
    stepUp.reset();
    setError(null);
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const created = await addPasskey(name.trim().slice(0, NAME_MAX) || 'Passkey', stepUp.password, stepUp.second());
      toast.success(`Passkey “${created.name}” added.`);
      stop();
      passkeys.reload();
    } catch (err) {
      // The password was right and a code is missing: keep it, and ask for the code too. A wrong
      // code, a cancelled dialog, a refused answer: the step-up is spent (its code was taken, the
      // ceremony's challenge too), so a new try starts with a new code.
      const text = stepUp.refused(err, (e) => describe(e, 'passkey'));
      setError(text === null ? null : { text, calm: isPasskeyCancelled(err) });
    } finally {
      setBusy(false);
    }
  };

  const list = passkeys.data ?? [];
  return (
    <section className="card" aria-label="Passkeys">
      <h2 className="card__title">Passkeys</h2>
      <p className="muted">
        Sign in with your fingerprint, face, screen lock or a security key instead of your password. A passkey signs you in by
        itself: no code is asked.
      </p>
      {passkeys.error != null && <Alert>{describe(passkeys.error)}</Alert>}
      {list.length > 0 ? (
        <DataTable columns={['Name', 'Added', 'Last used', { hidden: 'Actions' }]} label="Passkeys">
          {list.map((p) => (
            <tr key={p.id}>
              <th scope="row">{p.name}</th>
              <td>{formatDate(p.created_at)}</td>
              <td>{p.last_used_at ? formatDate(p.last_used_at) : 'Never'}</td>
              <td>
                <button type="button" className="button button--small button--danger" onClick={() => removal.ask(p)}>
                  Remove<span className="visually-hidden"> {p.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : (
        passkeys.data && !passkeys.loading && <p>No passkeys yet.</p>
      )}
      {!supported ? (
        <p className="muted">This browser cannot make passkeys.</p>
      ) : !here ? (
        <p className="muted">Passkeys of this site work at {config.data?.rp_id}: open it there to add one.</p>
      ) : adding ? (
        <form className="form" onSubmit={add} aria-label="Add a passkey">
          {error && <Alert kind={error.calm ? 'info' : 'error'}>{error.text}</Alert>}
          <div className="field">
            <label htmlFor="passkey-name">Name</label>
            <input id="passkey-name" maxLength={NAME_MAX} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <StepUpFields stepUp={stepUp} id="passkey" />
          <div className="row row--wrap">
            <button type="submit" className="button button--primary" disabled={busy || !stepUp.ready}>
              {busy ? 'Waiting for your passkey…' : 'Continue'}
            </button>
            <button type="button" className="button button--ghost" onClick={stop}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="button button--primary" disabled={!passkeys.data} onClick={start}>
          Add a passkey
        </button>
      )}
      <StepUpDialog {...removal.dialog} title={`Remove the passkey “${removal.target?.name ?? ''}”?`} action="Remove">
        <p>
          It will no longer sign you in here. Your device or password manager may still list it: you can delete it there
          too.
        </p>
      </StepUpDialog>
    </section>
  );
}
