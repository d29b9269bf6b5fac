// Create a share link for a folder or a photo: expiry, optional password, copy.

import { useState, type FormEvent } from 'react';
import { revokeShare, shareFolder, shareImage } from '../api/folders';
import { describe } from '../api/problem';
import type { ShareCreated } from '../api/types';
import { formatDate } from '../lib/format';
import { Icon } from './Icon';
import { Modal } from './Modal';
import { useToast } from './Toast';
import { Alert } from './ui';

const EXPIRIES: Array<[string, number | null]> = [
  ['1 hour', 3600],
  ['1 day', 86_400],
  ['7 days', 7 * 86_400],
  ['30 days', 30 * 86_400],
  ['Never', null],
];

/**
 * The link to show: the server's URL, unless it names an address no browser can
 * reach (a wildcard bind or port 0), then the same path on this page's origin.
 */
export function shareLink(created: ShareCreated, origin = window.location.origin): string {
  try {
    const u = new URL(created.url);
    const unusable = u.port === '0' || ['0.0.0.0', '[::]', '::'].includes(u.hostname);
    if (!unusable) return created.url;
  } catch {
    // not absolute: fall through
  }
  return `${origin}/s/${created.token}`;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

interface Props {
  open: boolean;
  onClose(): void;
  kind: 'folder' | 'image';
  id: string;
  name: string;
}

export function ShareDialog({ open, onClose, kind, id, name }: Props) {
  const toast = useToast();
  const [expiry, setExpiry] = useState('7 days');
  const [password, setPassword] = useState('');
  // Off by default: recipients get the files without where they were taken.
  const [location, setLocation] = useState(false);
  const [created, setCreated] = useState<ShareCreated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const close = () => {
    setCreated(null);
    setPassword('');
    setError(null);
    setCopied(false);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const seconds = EXPIRIES.find(([l]) => l === expiry)?.[1] ?? null;
      const opts = { ...(seconds ? { expires_in: seconds } : {}), ...(password ? { password } : {}), ...(location ? { include_location: true } : {}) };
      setCreated(kind === 'folder' ? await shareFolder(id, opts) : await shareImage(id, opts));
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const link = created ? shareLink(created) : '';

  return (
    <Modal open={open} title={`Share “${name}”`} onClose={close}>
      {error && <Alert>{error}</Alert>}
      {!created ? (
        <form className="form" onSubmit={submit}>
          <p className="muted">Anyone with the link can view {kind === 'folder' ? 'the photos in this folder' : 'this photo'} without an account.</p>
          <div className="field">
            <label htmlFor="share-expiry">Link expires after</label>
            <select id="share-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
              {EXPIRIES.map(([l]) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="share-password">
              Password <span className="muted">(optional)</span>
            </label>
            <input id="share-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <label className="switch">
            <input type="checkbox" checked={location} onChange={(e) => setLocation(e.target.checked)} />
            <span>Include where the photos were taken (GPS): off, recipients get the files without it</span>
          </label>
          <div className="modal__actions">
            <button type="button" className="button button--ghost" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create link'}
            </button>
          </div>
        </form>
      ) : (
        <div className="form">
          <Alert kind="success">Link created. Copy it now: for your security it is shown only once.</Alert>
          <div className="field">
            <label htmlFor="share-url">Share link</label>
            <div className="input-group">
              <input id="share-url" readOnly value={link} onFocus={(e) => e.target.select()} />
              <button
                type="button"
                className="button"
                onClick={async () => {
                  const ok = await copyText(link);
                  setCopied(ok);
                  if (ok) toast.success('Link copied to the clipboard.');
                  else toast.error('Could not copy: select the link and copy it yourself.');
                }}
              >
                <Icon name={copied ? 'check' : 'copy'} /> {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          </div>
          <p className="muted small">
            {created.expires_at ? `Expires ${formatDate(created.expires_at)}.` : 'Never expires.'}{' '}
            {created.has_password ? 'Protected by a password.' : 'No password.'}{' '}
            {created.include_location ? 'Photos keep their location.' : 'Locations are removed.'}
          </p>
          <div className="modal__actions">
            <button
              type="button"
              className="button button--danger"
              onClick={async () => {
                try {
                  await revokeShare(created.token);
                  toast.success('Link revoked.');
                  close();
                } catch (err) {
                  setError(describe(err));
                }
              }}
            >
              Revoke link
            </button>
            <a className="button" href={link} target="_blank" rel="noreferrer noopener">
              Open
            </a>
            <button type="button" className="button button--primary" onClick={close}>
              Done
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
