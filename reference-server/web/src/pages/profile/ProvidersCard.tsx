// The OpenID providers of the account on the profile page: which ones sign in to it (and since
// when), unlinking one (the password again, and a code where two-step verification is on), and
// the server's other providers. A provider is linked by signing in with
// it while signed out (an account with the same verified address is asked for its password), so
// there is no "link" button here. Shown only where the server offers providers or one is linked.

import { oidcIdentities, oidcProviders, unlinkOidc } from '../../api/oidc';
import { describe } from '../../api/problem';
import type { OidcIdentity } from '../../api/types';
import { useToast } from '../../components/Toast';
import { Alert, DataTable } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { StepUpDialog, useStepUpRemoval } from './StepUp';

export function ProvidersCard() {
  const toast = useToast();
  const providers = useAsync(oidcProviders, []);
  const identities = useAsync(oidcIdentities, []);
  const removal = useStepUpRemoval(async (identity: OidcIdentity, password, second) => {
    await unlinkOidc(identity.provider, password, second);
    toast.success(`${identity.name} unlinked.`);
    identities.reload();
  });

  const linked = identities.data ?? [];
  const others = (providers.data ?? []).filter((p) => !linked.some((i) => i.provider === p.id));
  if (!linked.length && !others.length) return null;

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
              <button type="button" className="button button--small button--danger" onClick={() => removal.ask(i)}>
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
      <StepUpDialog {...removal.dialog} title={`Unlink ${removal.target?.name ?? ''}?`} action="Unlink">
        <p>
          You will no longer be able to sign in with {removal.target?.name}. Sign in with your password instead (or set one with
          “Forgot your password?” on the sign-in page).
        </p>
      </StepUpDialog>
    </section>
  );
}
