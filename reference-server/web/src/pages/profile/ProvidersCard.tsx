// The OpenID providers of the account on the profile page: which ones sign in to it (and since
// when), unlinking one (the password again, and a code where two-step verification is on), and
// the server's other providers. A provider is linked by signing in with
// it while signed out (an account with the same verified address is asked for its password), so
// there is no "link" button here. Shown only where the server offers providers or one is linked.

import { useState, type FormEvent } from 'react';
import { oidcIdentities, oidcProviders, unlinkOidc } from '../../api/oidc';
import { describe } from '../../api/problem';
import type { OidcIdentity } from '../../api/types';
import { Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Alert, DataTable } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { StepUpFields, useStepUp } from './StepUp';

export function ProvidersCard() {
  const toast = useToast();
  const providers = useAsync(oidcProviders, []);
  const identities = useAsync(oidcIdentities, []);
  const [confirm, setConfirm] = useState<OidcIdentity | null>(null);
  const [busy, setBusy] = useState(false);
  const stepUp = useStepUp();
  const [error, setError] = useState<string | null>(null);

  const linked = identities.data ?? [];
  const others = (providers.data ?? []).filter((p) => !linked.some((i) => i.provider === p.id));
  if (!linked.length && !others.length) return null;

  const ask = (identity: OidcIdentity | null) => {
    setConfirm(identity);
    stepUp.reset();
    setError(null);
  };

  const unlink = async (e: FormEvent) => {
    e.preventDefault();
    if (!confirm || busy || !stepUp.ready) return;
    const identity = confirm;
    setBusy(true);
    setError(null);
    try {
      await unlinkOidc(identity.provider, stepUp.password, stepUp.second());
      toast.success(`${identity.name} unlinked.`);
      ask(null);
      identities.reload();
    } catch (err) {
      setError(stepUp.refused(err, (x) => describe(x)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-label="Sign-in providers">
      <h2 className="card__title">Sign-in providers</h2>
      <p className="muted">Accounts elsewhere that sign you in here, besides your password.</p>
      {identities.error != null && <Alert>{describe(identities.error)}</Alert>}
      <DataTable columns={['Provider', 'Status', { hidden: 'Actions' }]} label="Sign-in providers">
        {linked.map((i) => (
          <tr key={i.provider}>
            <th scope="row">{i.name}</th>
            <td>Linked {formatDate(i.linked_at)}</td>
            <td>
              <button type="button" className="button button--small button--danger" onClick={() => ask(i)}>
                Unlink<span className="visually-hidden"> {i.name}</span>
              </button>
            </td>
          </tr>
        ))}
        {others.map((p) => (
          <tr key={p.id}>
            <th scope="row">{p.name}</th>
            <td className="muted">
              Not linked — sign out and sign in with {p.name} to link
            </td>
            <td />
          </tr>
        ))}
      </DataTable>
      <Modal open={!!confirm} title={`Unlink ${confirm?.name ?? ''}?`} onClose={() => ask(null)}>
        <form className="form" onSubmit={unlink}>
          <p>
            You will no longer be able to sign in with {confirm?.name}. Sign in with your password instead (or set one with
            “Forgot your password?” on the sign-in page).
          </p>
          <p>Enter your password to confirm.</p>
          {error && <Alert>{error}</Alert>}
          <StepUpFields stepUp={stepUp} />
          <div className="modal__actions">
            <button type="button" className="button button--ghost" onClick={() => ask(null)}>
              Cancel
            </button>
            <button type="submit" className="button button--danger" disabled={busy || !stepUp.ready}>
              Unlink
            </button>
          </div>
        </form>
      </Modal>
    </section>
  );
}
