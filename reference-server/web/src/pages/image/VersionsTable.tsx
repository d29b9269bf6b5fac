import { versionUrl } from '../../api/images';
import type { ImageItem, Version } from '../../api/types';
import { Icon } from '../../components/Icon';
import { formatBytes, formatNumber, formatPercent, timeAgo } from '../../lib/format';
import { downloadWithAuth } from '../../lib/download';
import { DataTable } from '../../components/ui';

interface Props {
  image: ImageItem;
  versions: Version[];
  comparing: string | null;
  onCompare(v: Version): void;
  onDelete(v: Version): void;
  onError(e: unknown): void;
}

/** The processed versions of a photo, with download, compare and delete. */
export function VersionsTable({ image, versions, comparing, onCompare, onDelete, onError }: Props) {
  if (!versions.length) return <p className="muted">No compressed versions yet. Use the form to make one.</p>;
  const stem = image.name.replace(/\.[^.]+$/, '');
  return (
    <DataTable columns={['Algorithm', 'Size', 'SSIMULACRA2', { hidden: 'Actions' }]}>
      {versions.map((v) => (
        <tr key={v.id} className={comparing === v.id ? 'is-selected' : undefined}>
          <th scope="row">
            <button type="button" className="link-button" onClick={() => onCompare(v)} title="Compare with the original">
              {v.algorithm}
            </button>
            <div className="muted small table__sub">
              {v.width}×{v.height} · {timeAgo(v.created_at)}
            </div>
          </th>
          <td>
            {formatBytes(v.bytes)}
            <div className="muted small">{formatPercent(image.bytes - v.bytes, image.bytes)} smaller</div>
          </td>
          <td>{formatNumber(v.ssimulacra2 ?? v.metrics.ssimulacra2, 1)}</td>
          <td>
                  <div className="table__actions">
            <button type="button" className="button button--small" title="Compare" onClick={() => onCompare(v)} aria-label={`Compare ${v.algorithm} version with the original`}>
              <Icon name="compare" />
            </button>
            <button
              type="button"
              className="button button--small"
              aria-label={`Download ${v.algorithm} version`}
              onClick={() => downloadWithAuth(versionUrl(image.id, v.id), `${stem}.${v.algorithm}.${v.format === 'jpeg' ? 'jpg' : v.format}`).catch(onError)}
            >
              <Icon name="download" />
            </button>
            <button type="button" className="button button--small button--ghost" aria-label={`Delete ${v.algorithm} version`} onClick={() => onDelete(v)}>
              <Icon name="trash" />
            </button>
            </div>
                </td>
        </tr>
      ))}
    </DataTable>
  );
}
