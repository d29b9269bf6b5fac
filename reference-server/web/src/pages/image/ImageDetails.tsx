// Metadata, and the owner's edits: name, visibility, tags.

import { useState, type FormEvent } from 'react';
import { updateImage } from '../../api/images';
import { describe } from '../../api/problem';
import type { ImageItem, PhotoMetadata } from '../../api/types';
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
        {image.metadata && <CameraFacts m={image.metadata} />}
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

/** Camera, lens, exposure and (for the owner) position, each only when the file says. */
export function CameraFacts({ m }: { m: PhotoMetadata }) {
  // Most cameras repeat the make in the model ("Canon" / "Canon EOS 70D"): say it once.
  const camera =
    m.make && m.model && !m.model.toLowerCase().startsWith(m.make.toLowerCase()) ? `${m.make} ${m.model}` : (m.model ?? m.make);
  const exposure = [
    m.f_number != null ? `ƒ/${m.f_number.toFixed(1)}` : null,
    m.exposure_time != null ? formatExposure(m.exposure_time) : null,
    m.iso != null ? `ISO ${m.iso}` : null,
    m.focal_length != null ? `${Math.round(m.focal_length)} mm` : null,
  ].filter(Boolean);
  return (
    <>
      {camera && (
        <>
          <dt>Camera</dt>
          <dd>{camera}</dd>
        </>
      )}
      {m.lens && (
        <>
          <dt>Lens</dt>
          <dd>{m.lens}</dd>
        </>
      )}
      {exposure.length > 0 && (
        <>
          <dt>Exposure</dt>
          <dd>{exposure.join(' · ')}</dd>
        </>
      )}
      {m.gps && (
        <>
          <dt>Location</dt>
          <dd className="mono" title="Only you see this">
            {m.gps.latitude.toFixed(5)}, {m.gps.longitude.toFixed(5)}
            {m.gps.altitude != null ? ` · ${Math.round(m.gps.altitude)} m` : ''}
          </dd>
        </>
      )}
    </>
  );
}

/** 1/250 s for short exposures, 2.5 s for long ones, as cameras print them. */
function formatExposure(seconds: number): string {
  return seconds >= 0.5 ? `${Number(seconds.toFixed(1))} s` : `1/${Math.round(1 / seconds)} s`;
}
