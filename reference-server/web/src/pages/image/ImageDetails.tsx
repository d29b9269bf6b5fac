// Metadata, and the owner's edits: name, visibility, tags.

import { useState, type FormEvent } from 'react';
import { updateImage } from '../../api/images';
import { describe } from '../../api/problem';
import type { ImageItem } from '../../api/types';
import { TagInput } from '../../components/TagInput';
import { useToast } from '../../components/Toast';
import { formatBytes, formatDate } from '../../lib/format';

export function ImageDetails({ image, onChange }: { image: ImageItem; onChange(i: ImageItem): void }) {
  const toast = useToast();
  const [name, setName] = useState(image.name);
  const [saving, setSaving] = useState(false);

  const save = async (patch: Parameters<typeof updateImage>[1], message: string) => {
    setSaving(true);
    try {
      onChange(await updateImage(image.id, patch));
      toast.success(message);
    } catch (e) {
      toast.error(describe(e));
    } finally {
      setSaving(false);
    }
  };

  const rename = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() && name.trim() !== image.name) void save({ name: name.trim() }, 'Renamed.');
  };

  return (
    <div className="details">
      <form className="input-group" onSubmit={rename}>
        <label className="visually-hidden" htmlFor="image-name">
          Name
        </label>
        <input id="image-name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="button" disabled={saving || !name.trim() || name.trim() === image.name}>
          Rename
        </button>
      </form>
      <dl className="meta-list">
        <dt>Format</dt>
        <dd>{image.format.toUpperCase()}</dd>
        <dt>Dimensions</dt>
        <dd>
          {image.width} × {image.height}
        </dd>
        <dt>Size</dt>
        <dd>{formatBytes(image.bytes)}</dd>
        <dt>Taken</dt>
        <dd>{formatDate(image.taken_at)}</dd>
        <dt>Uploaded</dt>
        <dd>{formatDate(image.uploaded_at)}</dd>
        <dt>Status</dt>
        <dd>{image.status}</dd>
        <dt>SHA-256</dt>
        <dd className="mono" title={image.sha256}>
          {image.sha256.slice(0, 16)}…
        </dd>
      </dl>
      <label className="switch">
        <input
          type="checkbox"
          checked={image.visibility === 'public'}
          disabled={saving}
          onChange={(e) =>
            void save({ visibility: e.target.checked ? 'public' : 'private' }, e.target.checked ? 'The photo is now public.' : 'The photo is now private.')
          }
        />
        <span>Public (anyone with its address can view it)</span>
      </label>
      <TagInput label="Tags" value={image.tags} onChange={(tags) => void save({ tags }, 'Tags saved.')} />
    </div>
  );
}
