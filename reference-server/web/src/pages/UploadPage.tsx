import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router-dom';
import { addToFolder, allFolders } from '../api/folders';
import { describe, serverReason } from '../api/problem';
import type { Folder, ImageItem } from '../api/types';
import { uploadImage } from '../api/upload';
import { buildTree, flatten } from '../components/FolderTree';
import { Icon } from '../components/Icon';
import { TagInput } from '../components/TagInput';
import { useToast } from '../components/Toast';
import { PageHeader, ProgressBar } from '../components/ui';
import { formatBytes } from '../lib/format';

export interface UploadItem {
  key: number;
  file: File;
  state: 'queued' | 'uploading' | 'done' | 'error';
  progress: number;
  error?: string;
  /** Why the server refused this file, in its words (the problem's `detail`). */
  reason?: string;
  image?: ImageItem;
}

/** Uploads running at once: enough to fill the pipe, few enough to show progress. */
const PARALLEL = 2;
let nextKey = 1;

export function UploadPage() {
  const toast = useToast();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [tags, setTags] = useState<string[]>([]);
  const [visibility, setVisibility] = useState<'private' | 'public'>('private');
  const [folder, setFolder] = useState('');
  const [folders, setFolders] = useState<Folder[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const running = useRef(0);
  const options = useRef({ tags, visibility, folder });
  options.current = { tags, visibility, folder };

  useEffect(() => {
    allFolders().then(setFolders, () => setFolders([]));
  }, []);

  const patch = useCallback((key: number, p: Partial<UploadItem>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...p } : i)));
  }, []);

  // Start queued uploads while fewer than PARALLEL run.
  useEffect(() => {
    const queued = items.filter((i) => i.state === 'queued');
    for (const item of queued) {
      if (running.current >= PARALLEL) break;
      running.current++;
      patch(item.key, { state: 'uploading', progress: 0 });
      const { tags: t, visibility: v, folder: f } = options.current;
      uploadImage(item.file, { tags: t, visibility: v, onProgress: (p) => patch(item.key, { progress: p }) })
        .then(async (image) => {
          if (f) await addToFolder(f, [image.id]).catch(() => toast.error(`${image.name} was uploaded but not added to the folder.`));
          patch(item.key, { state: 'done', progress: 1, image });
        })
        .catch((e: unknown) => {
          const error = describe(e, 'upload');
          patch(item.key, { state: 'error', error, reason: serverReason(e, error) ?? undefined });
        })
        .finally(() => {
          running.current--;
          setItems((l) => [...l]); // wake the scheduler
        });
    }
  }, [items, patch, toast]);

  const add = (files: FileList | File[]) => {
    const list = [...files];
    if (!list.length) return;
    setItems((cur) => [...cur, ...list.map((file) => ({ key: nextKey++, file, state: 'queued' as const, progress: 0 }))]);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add(e.dataTransfer.files);
  };

  const done = items.filter((i) => i.state === 'done').length;
  const failed = items.filter((i) => i.state === 'error').length;
  const active = items.some((i) => i.state === 'queued' || i.state === 'uploading');

  return (
    <div className="page">
      <PageHeader title="Upload" subtitle="JPEG, PNG, WebP, AVIF or GIF. Thumbnails are made right after upload." />
      <div className="upload-layout">
        <section
          className={`dropzone ${dragging ? 'dropzone--active' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          aria-label="Drop photos here"
        >
          <Icon name="upload" size={40} />
          <p className="dropzone__title">Drag and drop photos here</p>
          <p className="muted">or</p>
          <button type="button" className="button button--primary" onClick={() => input.current?.click()}>
            Choose files
          </button>
          <input
            ref={input}
            className="visually-hidden"
            type="file"
            multiple
            accept="image/*"
            aria-label="Choose photos to upload"
            data-testid="file-input"
            onChange={(e) => {
              if (e.target.files) add(e.target.files);
              e.target.value = '';
            }}
          />
        </section>
        <aside className="card upload-options" aria-label="Upload options">
          <h2 className="card__title">Options for new uploads</h2>
          <TagInput label="Tags" value={tags} onChange={setTags} />
          <div className="field">
            <label htmlFor="upload-folder">Add to folder</label>
            <select id="upload-folder" value={folder} onChange={(e) => setFolder(e.target.value)}>
              <option value="">No folder</option>
              {flatten(buildTree(folders)).map((n) => (
                <option key={n.folder.id} value={n.folder.id}>
                  {'\u00a0\u00a0'.repeat(n.depth)}
                  {n.folder.name}
                </option>
              ))}
            </select>
          </div>
          <fieldset className="field">
            <legend>Visibility</legend>
            <label className="radio">
              <input type="radio" name="vis" checked={visibility === 'private'} onChange={() => setVisibility('private')} /> Private
            </label>
            <label className="radio">
              <input type="radio" name="vis" checked={visibility === 'public'} onChange={() => setVisibility('public')} /> Public
            </label>
          </fieldset>
        </aside>
      </div>

      {items.length > 0 && (
        <section className="card" aria-label="Uploads">
          <div className="card__head">
            <h2 className="card__title">
              Uploads <span className="muted">({done} of {items.length} done{failed ? `, ${failed} failed` : ''})</span>
            </h2>
            <div className="row">
              {!active && done > 0 && (
                <Link className="button" to="/gallery">
                  View in gallery
                </Link>
              )}
              {!active && (
                <button type="button" className="button button--ghost" onClick={() => setItems([])}>
                  Clear list
                </button>
              )}
            </div>
          </div>
          <ul className="upload-list">
            {items.map((i) => (
              <UploadRow key={i.key} item={i} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

export function UploadRow({ item }: { item: UploadItem }) {
  const pct = Math.round(item.progress * 100);
  return (
    <li className={`upload-row upload-row--${item.state}`} data-testid="upload-row">
      <div className="upload-row__info">
        <span className="upload-row__name">{item.file.name}</span>
        <span className="muted">{formatBytes(item.file.size)}</span>
      </div>
      {item.state === 'error' ? (
        <div className="upload-row__error" role="alert">
          <p>{item.error}</p>
          {item.reason && <p className="upload-row__reason">The server said: {item.reason}</p>}
        </div>
      ) : (
        <div className="upload-row__progress">
          <ProgressBar value={item.progress} label={`Upload progress for ${item.file.name}`} />
          <span className="upload-row__pct">
            {item.state === 'done' ? (
              <>
                <Icon name="check" /> {item.image ? <Link to={`/images/${item.image.id}`}>Uploaded</Link> : 'Uploaded'}
              </>
            ) : item.state === 'queued' ? (
              'Waiting…'
            ) : (
              `${pct}%`
            )}
          </span>
        </div>
      )}
    </li>
  );
}
