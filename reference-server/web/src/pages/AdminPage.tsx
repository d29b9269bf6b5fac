import { useEffect, useState } from 'react';
import { describe } from '../api/problem';
import type { Stats, User } from '../api/types';
import { globalStats, listUsers, setDisabled, setRole } from '../api/users';
import { useAuth } from '../auth/AuthContext';
import { Avatar } from '../components/Avatar';
import { useToast } from '../components/Toast';
import { Alert, Badge, DataTable, PageHeader, Spinner, StatCard } from '../components/ui';
import { formatBytes, formatDate, formatNumber } from '../lib/format';
import { AccountDialog } from './admin/AccountDialog';
import { AlgorithmsCard } from './admin/AlgorithmsCard';
import { InvitesCard } from './admin/InvitesCard';

export function AdminPage() {
  const { user: me } = useAuth();
  const toast = useToast();
  const [users, setUsers] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [open, setOpen] = useState<User | null>(null);

  const page = async (from: string | null) => {
    setLoading(true);
    try {
      const p = await listUsers(from);
      setUsers((u) => (from ? [...u, ...p.items] : p.items));
      setCursor(p.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void page(null);
    globalStats().then(setStats, () => setStats(null));
  }, []);

  const replace = (u: User) => setUsers((list) => list.map((x) => (x.id === u.id ? u : x)));
  const act = async (fn: () => Promise<User>, message: string) => {
    try {
      replace(await fn());
      toast.success(message);
    } catch (e) {
      toast.error(describe(e));
    }
  };

  return (
    <div className="page">
      <PageHeader title="Administration" subtitle="Accounts, roles and the whole system's numbers." />
      {stats && (
        <section className="stat-grid" aria-label="System totals">
          <StatCard label="Users" value={formatNumber(stats.users ?? 0, 0)} />
          <StatCard label="Images" value={formatNumber(stats.images, 0)} hint={formatBytes(stats.bytes_stored)} />
          <StatCard label="Bytes saved" value={formatBytes(stats.bytes_saved)} />
          <StatCard label="Failed jobs" value={formatNumber(stats.jobs.failed, 0)} />
        </section>
      )}
      {error ? <Alert>{describe(error)}</Alert> : null}
      <section className="card">
        <h2 className="card__title">Users</h2>
        <DataTable columns={['User', 'Joined', 'Roles', 'Status', { hidden: 'Actions' }]}>
          {users.map((u) => {
            const admin = u.roles.includes('admin');
            const self = u.id === me?.id;
            return (
              <tr key={u.id}>
                <th scope="row">
                  <span className="user-cell">
                    <Avatar user={u} size={28} />
                    <span>
                      {u.display_name}
                      {self && <span className="muted"> (you)</span>}
                      <span className="muted small user-cell__email">{u.email}</span>
                    </span>
                  </span>
                </th>
                <td>{formatDate(u.created_at)}</td>
                <td>{u.roles.length ? u.roles.map((r) => <Badge key={r} tone="accent">{r}</Badge>) : <span className="muted">user</span>}</td>
                <td>{u.disabled ? <Badge tone="danger">disabled</Badge> : <Badge tone="success">active</Badge>}</td>
                <td>
                  <div className="table__actions">
                  <button type="button" className="button button--small" onClick={() => setOpen(u)}>
                    Details
                  </button>
                  <button
                    type="button"
                    className="button button--small"
                    disabled={self}
                    onClick={() => act(() => setRole(u.id, 'admin', !admin), admin ? `${u.display_name} is no longer an admin.` : `${u.display_name} is now an admin.`)}
                  >
                    {admin ? 'Revoke admin' : 'Make admin'}
                  </button>
                  <button
                    type="button"
                    className={`button button--small ${u.disabled ? '' : 'button--danger'}`}
                    disabled={self}
                    onClick={() => act(() => setDisabled(u.id, !u.disabled), u.disabled ? `${u.display_name} is enabled.` : `${u.display_name} is disabled and signed out.`)}
                  >
                    {u.disabled ? 'Enable' : 'Disable'}
                  </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </DataTable>
        {loading && <Spinner label="Loading users" />}
        {cursor && !loading && (
          <button type="button" className="button button--block" onClick={() => page(cursor)}>
            Load more
          </button>
        )}
      </section>
      <InvitesCard />
      <AlgorithmsCard />
      <AccountDialog user={open} onClose={() => setOpen(null)} />
    </div>
  );
}
