import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import * as foldersApi from '../api/folders';
import { describe } from '../api/problem';
import type { Folder, ShareLink, Visibility } from '../api/types';
import { buildTree, descendants, flatten, FolderTree } from '../components/FolderTree';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { ShareDialog } from '../components/ShareDialog';
import { TagInput } from '../components/TagInput';
import { useToast } from '../components/Toast';
import { Alert, Badge, DataTable, EmptyState, PageHeader, Spinner } from '../components/ui';
import { formatDate } from '../lib/format';

export function FoldersPage() {
  const toast = useToast();
  const [folders, setFolders] = useState<Folder[] | null>(null);
  const [shares, setShares] = useState<ShareLink[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    try {
      const [fs, ss] = await Promise.all([foldersApi.allFolders(), foldersApi.listShares().catch(() => [])]);
      setFolders(fs);
      setShares(ss);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const replace = (f: Folder) => setFolders((fs) => (fs ?? []).map((x) => (x.id === f.id ? f : x)));
  const current = folders?.find((f) => f.id === selected) ?? null;

  return (
    <div className="page">
      <PageHeader
        title="Folders"
        subtitle="Group photos, nest folders, make them public or share them with a link."
        actions={
          <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
            <Icon name="plus" /> New folder
          </button>
        }
      />
      {error ? <Alert>{describe(error)}</Alert> : null}
      {!folders ? (
        <Spinner label="Loading folders" />
      ) : folders.length === 0 ? (
        <EmptyState
          title="No folders yet"
          action={
            <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
              Create a folder
            </button>
          }
        >
          Folders hold photos; a photo can be in several.
        </EmptyState>
      ) : (
        <div className="folders-layout">
          <aside className="card">
            <FolderTree folders={folders} selected={selected} onSelect={setSelected} allLabel="All folders" />
          </aside>
          <section className="card">
            {current ? (
              <FolderEditor
                key={current.id}
                folder={current}
                folders={folders}
                onSaved={(f) => {
                  replace(f);
                  toast.success('Folder saved.');
                }}
                onDeleted={() => {
                  setSelected(null);
                  toast.success(`Deleted ${current.name}.`);
                  void load();
                }}
                onShared={() => void load()}
              />
            ) : (
              <FolderCards folders={folders} onSelect={setSelected} />
            )}
          </section>
        </div>
      )}

      {shares.length > 0 && folders && <SharesTable shares={shares} folders={folders} onChanged={load} />}

      <CreateFolderDialog
        open={creating}
        folders={folders ?? []}
        parent={selected}
        onClose={() => setCreating(false)}
        onCreated={(f) => {
          setFolders((fs) => [...(fs ?? []), f]);
          setSelected(f.id);
          setCreating(false);
          toast.success(`Created folder ${f.name}.`);
        }}
      />
    </div>
  );
}

function FolderCards({ folders, onSelect }: { folders: Folder[]; onSelect(id: string): void }) {
  const roots = buildTree(folders);
  return (
    <>
      <h2 className="card__title">Top-level folders</h2>
      <ul className="folder-cards">
        {roots.map(({ folder: f, children }) => (
          <li key={f.id}>
            <button type="button" className="folder-card" onClick={() => onSelect(f.id)}>
              <Icon name="folder" size={28} />
              <span className="folder-card__name">{f.name}</span>
              <span className="muted small">
                {f.image_count} photo{f.image_count === 1 ? '' : 's'}
                {children.length ? ` · ${children.length} subfolder${children.length === 1 ? '' : 's'}` : ''}
              </span>
              <Badge tone={f.visibility === 'public' ? 'accent' : 'neutral'}>{f.visibility}</Badge>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function ParentSelect({ id, folders, value, exclude, onChange }: { id: string; folders: Folder[]; value: string; exclude?: Set<string>; onChange(v: string): void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">(top level)</option>
      {flatten(buildTree(folders))
        .filter((n) => !exclude?.has(n.folder.id))
        .map((n) => (
          <option key={n.folder.id} value={n.folder.id}>
            {'\u00a0\u00a0'.repeat(n.depth)}
            {n.folder.name}
          </option>
        ))}
    </select>
  );
}

function CreateFolderDialog({
  open,
  folders,
  parent,
  onClose,
  onCreated,
}: {
  open: boolean;
  folders: Folder[];
  parent: string | null;
  onClose(): void;
  onCreated(f: Folder): void;
}) {
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('private');
  const [tags, setTags] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setName('');
      setTags([]);
      setVisibility('private');
      setParentId(parent ?? '');
      setError(null);
    }
  }, [open, parent]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      onCreated(await foldersApi.createFolder({ name: name.trim(), parent: parentId || null, visibility, tags }));
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open={open} title="New folder" onClose={onClose}>
      {error && <Alert>{error}</Alert>}
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="new-folder-name">Name</label>
          <input id="new-folder-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="new-folder-parent">Inside</label>
          <ParentSelect id="new-folder-parent" folders={folders} value={parentId} onChange={setParentId} />
        </div>
        <TagInput label="Tags" value={tags} onChange={setTags} />
        <label className="switch">
          <input type="checkbox" checked={visibility === 'public'} onChange={(e) => setVisibility(e.target.checked ? 'public' : 'private')} />
          <span>Public folder (its public photos are visible to anyone)</span>
        </label>
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !name.trim()}>
            {busy ? 'Creating…' : 'Create folder'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function FolderEditor({
  folder,
  folders,
  onSaved,
  onDeleted,
  onShared,
}: {
  folder: Folder;
  folders: Folder[];
  onSaved(f: Folder): void;
  onDeleted(): void;
  onShared(): void;
}) {
  const toast = useToast();
  const [name, setName] = useState(folder.name);
  const [parent, setParent] = useState(folder.parent_id ?? '');
  const [busy, setBusy] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const exclude = useMemo(() => descendants(folders, folder.id), [folders, folder.id]);

  const save = async (patch: Parameters<typeof foldersApi.updateFolder>[1]) => {
    setBusy(true);
    try {
      onSaved(await foldersApi.updateFolder(folder.id, patch));
    } catch (e) {
      toast.error(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="folder-editor">
      <div className="card__head">
        <h2 className="card__title">
          <Icon name="folder" /> {folder.name}
        </h2>
        <div className="row">
          <Link className="button" to={`/gallery?folder=${encodeURIComponent(folder.id)}`}>
            View photos ({folder.image_count})
          </Link>
          <button type="button" className="button" onClick={() => setSharing(true)}>
            <Icon name="share" /> Share
          </button>
        </div>
      </div>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          const patch: Parameters<typeof foldersApi.updateFolder>[1] = {};
          if (name.trim() && name.trim() !== folder.name) patch.name = name.trim();
          if (parent !== (folder.parent_id ?? '')) patch.parent = parent || null;
          if (Object.keys(patch).length) void save(patch);
        }}
      >
        <div className="row row--wrap">
          <div className="field field--grow">
            <label htmlFor="folder-name">Name</label>
            <input id="folder-name" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field field--grow">
            <label htmlFor="folder-parent">Inside</label>
            <ParentSelect id="folder-parent" folders={folders} value={parent} exclude={exclude} onChange={setParent} />
          </div>
        </div>
        <button type="submit" className="button" disabled={busy || (name.trim() === folder.name && parent === (folder.parent_id ?? ''))}>
          Save name and place
        </button>
      </form>
      <TagInput label="Tags" value={folder.tags} onChange={(tags) => void save({ tags })} />
      <label className="switch">
        <input
          type="checkbox"
          checked={folder.visibility === 'public'}
          disabled={busy}
          onChange={(e) => void save({ visibility: e.target.checked ? 'public' : 'private' })}
        />
        <span>Public folder</span>
      </label>
      <p className="muted small">Created {formatDate(folder.created_at)}</p>
      <div className="danger-zone">
        <button type="button" className="button button--danger" onClick={() => setConfirm(true)}>
          <Icon name="trash" /> Delete folder
        </button>
      </div>
      <ShareDialog
        open={sharing}
        onClose={() => {
          setSharing(false);
          onShared();
        }}
        kind="folder"
        id={folder.id}
        name={folder.name}
      />
      <Modal open={confirm} title={`Delete ${folder.name}?`} onClose={() => setConfirm(false)}>
        <p>The folder and its share links are deleted; the photos in it stay in your library.</p>
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={() => setConfirm(false)}>
            Cancel
          </button>
          <button
            type="button"
            className="button button--danger"
            onClick={async () => {
              try {
                await foldersApi.deleteFolder(folder.id);
                setConfirm(false);
                onDeleted();
              } catch (e) {
                toast.error(describe(e));
              }
            }}
          >
            Delete folder
          </button>
        </div>
      </Modal>
    </div>
  );
}

function SharesTable({ shares, folders, onChanged }: { shares: ShareLink[]; folders: Folder[]; onChanged: () => void }) {
  const toast = useToast();
  const now = Date.now() / 1000;
  const revoke = async (s: ShareLink) => {
    try {
      await foldersApi.revokeShare(s.id);
      toast.success('Link revoked.');
      onChanged();
    } catch (e) {
      toast.error(describe(e));
    }
  };
  return (
    <section className="card">
      <h2 className="card__title">Share links</h2>
      <DataTable columns={['Shares', 'Created', 'Expires', 'Password', 'State', { hidden: 'Actions' }]}>
        {shares.map((s, i) => {
          const what = s.folder_id
            ? `Folder ${folders.find((f) => f.id === s.folder_id)?.name ?? s.folder_id}`
            : `Photo ${s.image_id}`;
          const state = s.revoked_at ? 'revoked' : s.expires_at && s.expires_at < now ? 'expired' : 'active';
          return (
            <tr key={s.id ?? i}>
              <td>{s.image_id ? <Link to={`/images/${s.image_id}`}>{what}</Link> : what}</td>
              <td>{formatDate(s.created_at)}</td>
              <td>{s.expires_at ? formatDate(s.expires_at) : 'never'}</td>
              <td>{s.has_password ? 'yes' : 'no'}</td>
              <td>
                <Badge tone={state === 'active' ? 'success' : 'neutral'}>{state}</Badge>
              </td>
              <td>
                {state === 'active' && (
                  <button type="button" className="button button--ghost button--small" onClick={() => void revoke(s)}>
                    Revoke<span className="visually-hidden"> link to {what}</span>
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}
