import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { changePassword, logout, logoutEverywhere, resendVerification } from '../api/auth';
import { listImages, thumbnailUrl } from '../api/images';
import { ApiError, describe } from '../api/problem';
import type { ImageItem } from '../api/types';
import { myEvents, myQuota, updateMe } from '../api/users';
import { useAuth } from '../auth/AuthContext';
import { AuthImage } from '../components/AuthImage';
import { Avatar } from '../components/Avatar';
import { Modal } from '../components/Modal';
import { useToast } from '../components/Toast';
import { Alert, DataTable, PageHeader, ProgressBar } from '../components/ui';
import { describeEvent } from '../lib/events';
import { formatBytes, formatDate } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { EmailCard } from './profile/EmailCard';
import { PasskeysCard } from './profile/PasskeysCard';
import { ProvidersCard } from './profile/ProvidersCard';
import { TwoStepCard } from './profile/TwoStepCard';

export function ProfilePage() {
  const { user, setUser, forget } = useAuth();
  const toast = useToast();
  const navigate = useNavigate();
  const [name, setName] = useState(user?.display_name ?? '');
  const [savingName, setSavingName] = useState(false);
  const [picking, setPicking] = useState(false);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [pwError, setPwError] = useState<string | null>(null);
  const [pwBusy, setPwBusy] = useState(false);
  const quota = useAsync(myQuota, []);
  const events = useAsync(() => myEvents(10), []);

  if (!user) return null;

  const saveName = async (e: FormEvent) => {
    e.preventDefault();
    setSavingName(true);
    try {
      setUser(await updateMe({ display_name: name.trim() }));
      toast.success('Display name saved.');
    } catch (err) {
      toast.error(describe(err));
    } finally {
      setSavingName(false);
    }
  };

  const savePassword = async (e: FormEvent) => {
    e.preventDefault();
    setPwError(null);
    if (next !== confirm) {
      setPwError('The new passwords do not match.');
      return;
    }
    setPwBusy(true);
    try {
      const r = await changePassword(current, next);
      toast.success(`Password changed. ${r.sessions_ended} other session${r.sessions_ended === 1 ? '' : 's'} signed out.`);
      setCurrent('');
      setNext('');
      setConfirm('');
    } catch (err) {
      setPwError(err instanceof ApiError && err.code === 'invalid_credentials' ? 'The current password is wrong.' : describe(err));
    } finally {
      setPwBusy(false);
    }
  };

  const everywhere = async () => {
    try {
      await logoutEverywhere();
      await logout();
      forget('You have been signed out on every device.');
      navigate('/login', { replace: true });
    } catch (err) {
      toast.error(describe(err));
    }
  };

  return (
    <div className="page page--narrow">
      <PageHeader title="Profile" subtitle={`${user.email} · member since ${formatDate(user.created_at)}`} />
      {!user.email_verified && (
        <Alert kind="warning">
          Your e-mail address is not confirmed yet.{' '}
          <button
            type="button"
            className="button button--ghost"
            onClick={async () => {
              try {
                await resendVerification();
                toast.success(`A new link is on its way to ${user.email}.`);
              } catch (err) {
                toast.error(describe(err));
              }
            }}
          >
            Send the link again
          </button>
        </Alert>
      )}

      <section className="card">
        <h2 className="card__title">Your profile</h2>
        <div className="profile-head">
          <Avatar user={user} size={72} />
          <div className="row row--wrap">
            <button type="button" className="button" onClick={() => setPicking(true)}>
              Choose avatar
            </button>
            {user.avatar_image_id && (
              <button
                type="button"
                className="button button--ghost"
                onClick={async () => {
                  try {
                    setUser(await updateMe({ avatar_image_id: null }));
                  } catch (err) {
                    toast.error(describe(err));
                  }
                }}
              >
                Remove avatar
              </button>
            )}
          </div>
        </div>
        <form className="form" onSubmit={saveName}>
          <div className="field">
            <label htmlFor="profile-name">Display name</label>
            <input id="profile-name" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <button type="submit" className="button button--primary" disabled={savingName || !name.trim() || name.trim() === user.display_name}>
            Save
          </button>
        </form>
      </section>

      {quota.data && (
        <section className="card" aria-label="Storage">
          <h2 className="card__title">Storage</h2>
          <p>
            {formatBytes(quota.data.bytes_used)} used
            {quota.data.limits.max_bytes != null ? ` of ${formatBytes(quota.data.limits.max_bytes)}` : ' (no limit)'}
          </p>
          {quota.data.limits.max_bytes != null && (
            <ProgressBar value={quota.data.bytes_used / Math.max(1, quota.data.limits.max_bytes)} label="Storage used" />
          )}
        </section>
      )}

      <section className="card">
        <h2 className="card__title">Change password</h2>
        {pwError && <Alert>{pwError}</Alert>}
        <form className="form" onSubmit={savePassword}>
          <div className="field">
            <label htmlFor="pw-current">Current password</label>
            <input id="pw-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="pw-new">New password</label>
            <input id="pw-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="pw-confirm">Confirm new password</label>
            <input id="pw-confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          </div>
          <button type="submit" className="button button--primary" disabled={pwBusy || !current || !next}>
            {pwBusy ? 'Changing…' : 'Change password'}
          </button>
        </form>
      </section>

      <EmailCard email={user.email} />

      <TwoStepCard />

      <PasskeysCard />

      <ProvidersCard />

      <section className="card">
        <h2 className="card__title">Sessions</h2>
        <p className="muted">Signed in on a device you no longer use? End every session, this one included.</p>
        <button type="button" className="button button--danger" onClick={everywhere}>
          Log out everywhere
        </button>
      </section>

      {events.data && events.data.items.length > 0 && (
        <section className="card" aria-label="Recent activity">
          <h2 className="card__title">Recent activity</h2>
          <p className="muted">Sign-ins and changes to your account. Something you do not recognise? Change your password and log out everywhere.</p>
          <DataTable columns={['What', 'When', 'From']}>
            {events.data.items.map((e, i) => (
              <tr key={`${e.at}-${i}`}>
                <td>{describeEvent(e)}</td>
                <td>{formatDate(e.at)}</td>
                <td>{[e.ip, e.user_agent].filter(Boolean).join(' · ') || '—'}</td>
              </tr>
            ))}
          </DataTable>
        </section>
      )}

      <AvatarPicker
        open={picking}
        onClose={() => setPicking(false)}
        onPick={async (img) => {
          try {
            setUser(await updateMe({ avatar_image_id: img.id }));
            toast.success('Avatar updated.');
            setPicking(false);
          } catch (err) {
            toast.error(describe(err));
          }
        }}
      />
    </div>
  );
}

function AvatarPicker({ open, onClose, onPick }: { open: boolean; onClose(): void; onPick(i: ImageItem): void }) {
  const [images, setImages] = useState<ImageItem[] | null>(null);
  useEffect(() => {
    if (open) listImages({ limit: 48 }).then((p) => setImages(p.items.filter((i) => i.has_thumbnail)), () => setImages([]));
  }, [open]);
  return (
    <Modal open={open} title="Choose an avatar" onClose={onClose} wide>
      {images && images.length === 0 && <p className="muted">Upload a photo first.</p>}
      <ul className="avatar-grid">
        {images?.map((img) => (
          <li key={img.id}>
            <button type="button" className="avatar-grid__item" onClick={() => onPick(img)} aria-label={`Use ${img.name} as avatar`}>
              <AuthImage src={thumbnailUrl(img.id)} alt={img.name} />
            </button>
          </li>
        ))}
      </ul>
    </Modal>
  );
}
