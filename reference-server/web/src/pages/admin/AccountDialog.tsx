// One account, for an admin: its storage and its own limits (empty: the server's default), and
// its recent security events. Opened from the users table.

import { useEffect, useState, type FormEvent } from 'react';
import { describe } from '../../api/problem';
import type { User } from '../../api/types';
import { setUserQuota, userEvents, userQuota } from '../../api/users';
import { Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Alert, ProgressBar } from '../../components/ui';
import { describeEvent } from '../../lib/events';
import { formatBytes, formatDate } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

const GIB = 1024 ** 3;

/** A form field's text as a limit: empty is the default (`null`), otherwise a whole number ≥ 0. */
export function limitOf(text: string, unit = 1): number | null | 'invalid' {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * unit) : 'invalid';
}

const shown = (v: number | null | undefined, unit = 1) => (v == null ? '' : String(+(v / unit).toFixed(3)));

export function AccountDialog({ user, onClose }: { user: User | null; onClose(): void }) {
  const toast = useToast();
  const id = user?.id ?? '';
  const quota = useAsync(() => (id ? userQuota(id) : Promise.resolve(undefined)), [id]);
  const events = useAsync(() => (id ? userEvents(id, 10) : Promise.resolve(undefined)), [id]);
  const [bytes, setBytes] = useState('');
  const [jobs, setJobs] = useState('');
  const [uploads, setUploads] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const own = quota.data?.own;
    setBytes(shown(own?.max_bytes, GIB));
    setJobs(shown(own?.max_queued_jobs));
    setUploads(shown(own?.uploads_per_minute));
    setError(null);
  }, [quota.data]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const own = { max_bytes: limitOf(bytes, GIB), max_queued_jobs: limitOf(jobs), uploads_per_minute: limitOf(uploads) };
    if (Object.values(own).includes('invalid')) {
      setError('Limits are numbers of 0 or more; leave a field empty for the server default.');
      return;
    }
    try {
      quota.setData(await setUserQuota(id, own as { [K in keyof typeof own]: number | null }));
      toast.success('Limits saved.');
    } catch (err) {
      setError(describe(err));
    }
  };

  const q = quota.data;
  return (
    <Modal open={!!user} title={user ? user.display_name : ''} onClose={onClose} wide>
      {q && (
        <section aria-label="Storage and limits">
          <p>
            {formatBytes(q.bytes_used)} stored
            {q.limits.max_bytes != null ? ` of ${formatBytes(q.limits.max_bytes)}` : ' (no limit)'}, {q.queued_jobs} job
            {q.queued_jobs === 1 ? '' : 's'} queued.
          </p>
          {q.limits.max_bytes != null && <ProgressBar value={q.bytes_used / Math.max(1, q.limits.max_bytes)} label="Storage used" />}
          {error && <Alert>{error}</Alert>}
          <form className="form" onSubmit={save}>
            <div className="field">
              <label htmlFor="limit-bytes">Storage limit (GiB)</label>
              <input id="limit-bytes" inputMode="decimal" placeholder="server default" value={bytes} onChange={(e) => setBytes(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="limit-jobs">Jobs queued at once</label>
              <input id="limit-jobs" inputMode="numeric" placeholder="server default" value={jobs} onChange={(e) => setJobs(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="limit-uploads">Uploads per minute</label>
              <input id="limit-uploads" inputMode="numeric" placeholder="server default" value={uploads} onChange={(e) => setUploads(e.target.value)} />
            </div>
            <button type="submit" className="button button--primary">
              Save limits
            </button>
          </form>
        </section>
      )}
      {events.data && (
        <section aria-label="Account activity">
          <h3>Recent activity</h3>
          {events.data.items.length === 0 ? (
            <p className="muted">Nothing recorded yet.</p>
          ) : (
            <ul className="plain-list">
              {events.data.items.map((e, i) => (
                <li key={`${e.at}-${i}`}>
                  {describeEvent(e)} · {formatDate(e.at)}
                  {e.ip ? ` · ${e.ip}` : ''}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </Modal>
  );
}
