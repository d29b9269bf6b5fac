import { Link } from 'react-router-dom';
import { thumbnailUrl } from '../../api/images';
import type { ImageItem } from '../../api/types';
import { AuthImage } from '../../components/AuthImage';
import { formatBytes } from '../../lib/format';

interface Props {
  image: ImageItem;
  selected: boolean;
  onToggle(id: string, range: boolean): void;
}

export function PhotoCard({ image, selected, onToggle }: Props) {
  return (
    <li className={`photo-card ${selected ? 'photo-card--selected' : ''}`} data-testid="photo-card">
      <label className="photo-card__select">
        <input
          type="checkbox"
          checked={selected}
          onChange={(e) => onToggle(image.id, (e.nativeEvent as MouseEvent).shiftKey)}
          aria-label={`Select ${image.name}`}
        />
      </label>
      <Link to={`/images/${image.id}`} className="photo-card__link" aria-label={`Open ${image.name}`}>
        <span className="photo-card__frame">
          {image.has_thumbnail ? (
            <AuthImage src={thumbnailUrl(image.id)} alt={image.name} className="photo-card__img" />
          ) : image.status === 'failed' ? (
            <span className="photo-card__status">No preview</span>
          ) : (
            <span className="photo-card__status skeleton">Processing…</span>
          )}
        </span>
      </Link>
      <div className="photo-card__meta">
        <span className="photo-card__name" title={image.name}>
          {image.name}
        </span>
        <span className="muted">
          {formatBytes(image.bytes)} · {image.width}×{image.height}
          {image.visibility === 'public' ? ' · public' : ''}
        </span>
      </div>
    </li>
  );
}
