// Sign-up invitations on the admin page: make one (its code is shown this once; the server keeps
// only a hash), see what became of the newest, and withdraw those nobody has used.

import { useState } from 'react';
import { describe } from '../../api/problem';
import { createInvite, listInvites, revokeInvite } from '../../api/users';
import { useToast } from '../../components/Toast';
import { Badge, DataTable } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

const TONE = { active: 'success', used: 'accent', expired: 'neutral' } as const;

export function InvitesCard() {
  const toast = useToast();
  const invites = useAsync(listInvites, []);
  const [code, setCode] = useState<string | null>(null);

  const make = async () => {
    try {
      setCode((await createInvite()).code);
      invites.reload();
    } catch (e) {
      toast.error(describe(e));
    }
  };

  const revoke = async (id: string) => {
    try {
      await revokeInvite(id);
      toast.success('Invitation withdrawn.');
      invites.reload();
    } catch (e) {
      toast.error(describe(e));
    }
  };

  const items = invites.data?.items ?? [];
  return (
    <section className="card" aria-label="Invitations">
      <h2 className="card__title">Invitations</h2>
      <p className="muted">Where sign-up needs an invitation, give a code to each person; it works once, for a week.</p>
      {code && (
        <p>
          New code (shown only now): <code>{code}</code>
        </p>
      )}
      <button type="button" className="button button--primary" onClick={make}>
        New invitation
      </button>
      {items.length > 0 && (
        <DataTable columns={['Made', 'Expires', 'Status', { hidden: 'Actions' }]}>
          {items.map((i) => (
            <tr key={i.id}>
              <td>{formatDate(i.created_at)}</td>
              <td>{formatDate(i.expires_at)}</td>
              <td>
                <Badge tone={TONE[i.state as keyof typeof TONE] ?? 'accent'}>{i.state}</Badge>
              </td>
              <td>
                {i.state === 'active' && (
                  <button type="button" className="button button--small button--danger" onClick={() => revoke(i.id)}>
                    Withdraw
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
