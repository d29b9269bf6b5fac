// What can be done to several selected photos: move to a folder, tag, delete.

import { useState } from 'react';
import { addToFolder, removeFromFolder } from '../../api/folders';
import { deleteImage, updateImage } from '../../api/images';
import { describe } from '../../api/problem';
import type { Folder, ImageItem } from '../../api/types';
import { buildTree, flatten } from '../../components/FolderTree';
import { Icon } from '../../components/Icon';
import { Modal } from '../../components/Modal';
import { TagInput } from '../../components/TagInput';
import { useToast } from '../../components/Toast';
import { Alert } from '../../components/ui';

interface Props {
  selected: ImageItem[];
  folders: Folder[];
  currentFolder: string | null;
  onDone(result: { updated?: ImageItem[]; removed?: string[]; reload?: boolean }): void;
  onClear(): void;
}

export function BulkActions({ selected, folders, currentFolder, onDone, onClear }: Props) {
  const toast = useToast();
  const [dialog, setDialog] = useState<'move' | 'tag' | 'delete' | null>(null);
  const [target, setTarget] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = selected.map((i) => i.id);
  const n = selected.length;
  const photos = `${n} photo${n === 1 ? '' : 's'}`;

  const close = () => {
    setDialog(null);
    setError(null);
    setBusy(false);
  };

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      close();
    } catch (e) {
      setError(describe(e));
      setBusy(false);
    }
  };

  const move = () =>
    run(async () => {
      await addToFolder(target, ids);
      // Moving out of the folder being viewed takes the photos out of it.
      if (currentFolder && currentFolder !== target) await removeFromFolder(currentFolder, ids);
      const name = folders.find((f) => f.id === target)?.name ?? 'the folder';
      toast.success(`Moved ${photos} to ${name}.`);
      onDone({ reload: true });
    });

  const tag = () =>
    run(async () => {
      const updated = await Promise.all(
        selected.map((img) => updateImage(img.id, { tags: [...new Set([...img.tags, ...tags])] })),
      );
      toast.success(`Tagged ${photos} with ${tags.join(', ')}.`);
      setTags([]);
      onDone({ updated });
    });

  const remove = () =>
    run(async () => {
      await Promise.all(ids.map((id) => deleteImage(id)));
      toast.success(`Deleted ${photos}.`);
      onDone({ removed: ids });
    });

  if (!n) return null;
  return (
    <div className="bulk-bar" role="toolbar" aria-label="Selected photos">
      <span className="bulk-bar__count">{photos} selected</span>
      <button type="button" className="button" onClick={() => setDialog('move')} disabled={!folders.length} title={folders.length ? undefined : 'Create a folder first'}>
        <Icon name="folder" /> Move to folder
      </button>
      <button type="button" className="button" onClick={() => setDialog('tag')}>
        <Icon name="tag" /> Tag
      </button>
      <button type="button" className="button button--danger" onClick={() => setDialog('delete')}>
        <Icon name="trash" /> Delete
      </button>
      <button type="button" className="button button--ghost" onClick={onClear}>
        Clear selection
      </button>

      <Modal open={dialog === 'move'} title={`Move ${photos}`} onClose={close}>
        {error && <Alert>{error}</Alert>}
        <div className="field">
          <label htmlFor="move-target">Folder</label>
          <select id="move-target" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Choose a folder…</option>
            {flatten(buildTree(folders)).map((f) => (
              <option key={f.folder.id} value={f.folder.id}>
                {'\u00a0\u00a0'.repeat(f.depth)}
                {f.folder.name}
              </option>
            ))}
          </select>
        </div>
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={close}>
            Cancel
          </button>
          <button type="button" className="button button--primary" disabled={!target || busy} onClick={move}>
            {busy ? 'Moving…' : 'Move'}
          </button>
        </div>
      </Modal>

      <Modal open={dialog === 'tag'} title={`Tag ${photos}`} onClose={close}>
        {error && <Alert>{error}</Alert>}
        <TagInput label="Tags to add" value={tags} onChange={setTags} />
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={close}>
            Cancel
          </button>
          <button type="button" className="button button--primary" disabled={!tags.length || busy} onClick={tag}>
            {busy ? 'Saving…' : 'Add tags'}
          </button>
        </div>
      </Modal>

      <Modal open={dialog === 'delete'} title={`Delete ${photos}?`} onClose={close}>
        {error && <Alert>{error}</Alert>}
        <p>The originals and all their compressed versions will be deleted. This cannot be undone.</p>
        <div className="modal__actions">
          <button type="button" className="button button--ghost" onClick={close}>
            Cancel
          </button>
          <button type="button" className="button button--danger" disabled={busy} onClick={remove}>
            {busy ? 'Deleting…' : 'Delete'}
          </button>
        </div>
      </Modal>
    </div>
  );
}
