// The page behind a share link: no account needed; a password if the link has one.

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { openShare } from '../api/folders';
import { fetchBlob } from '../api/images';
import { ApiError, describe } from '../api/problem';
import type { Shared, SharedImage } from '../api/types';
import { AuthImage } from '../components/AuthImage';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { Alert, Spinner } from '../components/ui';
import { formatBytes, formatDate } from '../lib/format';

type State =
  | { kind: 'loading' }
  | { kind: 'password'; error?: string }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; shared: Shared };

export function SharePage() {
  const { token = '' } = useParams();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [password, setPassword] = useState<string | undefined>();
  const [draft, setDraft] = useState('');
  const [open, setOpen] = useState<SharedImage | null>(null);
  const [more, setMore] = useState(false);

  const load = useCallback(
    async (pw?: string) => {
      setState({ kind: 'loading' });
      try {
        const shared = await openShare(token, pw);
        setPassword(pw);
        setState({ kind: 'ready', shared });
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) setState({ kind: 'password' });
        else if (e instanceof ApiError && e.code === 'invalid_credentials') setState({ kind: 'password', error: describe(e, 'share') });
        else if (e instanceof ApiError && e.code === 'rate_limited') setState({ kind: 'password', error: describe(e, 'share') });
        else setState({ kind: 'error', message: describe(e, 'share') });
      }
    },
    [token],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const headers = password ? { 'X-Share-Password': password } : undefined;

  const loadMore = async () => {
    if (state.kind !== 'ready' || !state.shared.next_cursor) return;
    setMore(true);
    try {
      const next = await openShare(token, password, state.shared.next_cursor);
      setState({ kind: 'ready', shared: { ...next, images: [...state.shared.images, ...next.images] } });
    } finally {
      setMore(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft) void load(draft);
  };

  return (
    <div className="share-page">
      <header className="share-page__bar">
        <span className="brand">
          <span className="brand__mark" aria-hidden="true" />
          <span className="brand__name">fotobase</span>
        </span>
        <span className="muted small">Shared with you</span>
      </header>
      <main className="share-page__main" id="main">
        {state.kind === 'loading' && <Spinner label="Opening the shared photos" />}
        {state.kind === 'error' && (
          <div className="auth-card">
            <h1>Link unavailable</h1>
            <Alert>{state.message}</Alert>
            <p>
              <Link to="/login">Sign in to fotobase</Link>
            </p>
          </div>
        )}
        {state.kind === 'password' && (
          <div className="auth-card">
            <h1>
              <Icon name="lock" size={22} /> Password required
            </h1>
            <p className="muted">The owner protected this link with a password.</p>
            {state.error && <Alert>{state.error}</Alert>}
            <form className="form" onSubmit={submit}>
              <div className="field">
                <label htmlFor="share-pw">Password</label>
                <input id="share-pw" type="password" autoFocus value={draft} onChange={(e) => setDraft(e.target.value)} />
              </div>
              <button type="submit" className="button button--primary button--block" disabled={!draft}>
                Open
              </button>
            </form>
          </div>
        )}
        {state.kind === 'ready' && (
          <>
            <div className="page-header">
              <div>
                <h1>{state.shared.folder ? state.shared.folder.name : state.shared.images[0]?.name ?? 'Shared photo'}</h1>
                <p className="page-header__subtitle">
                  {state.shared.images.length} photo{state.shared.images.length === 1 ? '' : 's'}
                  {state.shared.expires_at ? ` · link expires ${formatDate(state.shared.expires_at)}` : ''}
                </p>
              </div>
            </div>
            {state.shared.images.length === 0 ? (
              <p className="muted">This folder is empty.</p>
            ) : (
              <ul className="photo-grid" aria-label="Shared photos">
                {state.shared.images.map((img) => (
                  <li key={img.id} className="photo-card" data-testid="shared-photo">
                    <button type="button" className="photo-card__link" onClick={() => setOpen(img)} aria-label={`View ${img.name}`}>
                      <span className="photo-card__frame">
                        <AuthImage src={img.thumbnail_url ?? img.original_url} alt={img.name} auth={false} headers={headers} className="photo-card__img" />
                      </span>
                    </button>
                    <div className="photo-card__meta">
                      <span className="photo-card__name">{img.name}</span>
                      <span className="muted">
                        {formatBytes(img.bytes)} · {img.width}×{img.height}
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
            )}
            {state.shared.next_cursor && (
              <button type="button" className="button button--block" onClick={loadMore} disabled={more}>
                {more ? 'Loading…' : 'Load more'}
              </button>
            )}
          </>
        )}
      </main>
      <Modal open={!!open} title={open?.name ?? ''} onClose={() => setOpen(null)} wide>
        {open && (
          <>
            <AuthImage src={open.original_url} alt={open.name} auth={false} headers={headers} eager className="lightbox__img" />
            <div className="modal__actions">
              <button
                type="button"
                className="button button--primary"
                onClick={async () => {
                  const b = await fetchBlob(open.original_url, { auth: false, ...(headers ? { headers } : {}) });
                  const href = URL.createObjectURL(b);
                  const a = document.createElement('a');
                  a.href = href;
                  a.download = open.name;
                  a.click();
                  setTimeout(() => URL.revokeObjectURL(href), 10_000);
                }}
              >
                <Icon name="download" /> Download original
              </button>
            </div>
          </>
        )}
      </Modal>
    </div>
  );
}
