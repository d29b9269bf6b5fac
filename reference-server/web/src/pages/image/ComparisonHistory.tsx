// The comparisons recorded for a photo (each "Compare" the server measured), newest first.

import { useState } from 'react';
import type { Metrics, RecordedComparison, Version } from '../../api/types';
import { DataTable } from '../../components/ui';
import { formatDate, formatNumber, timeAgo } from '../../lib/format';
import { renditionLabel } from './labels';

/** Rows before "Show all": a photo compared often would otherwise push the page down. */
const FIRST = 10;

export interface HistoryRow {
  key: string;
  /** "Original vs avif-aom · 41.2 KB". */
  what: string;
  metrics: Metrics;
  at: number;
}

/** The server's list (oldest first) as rows, newest first, each side named. */
export function historyRows(items: RecordedComparison[], versions: Version[]): HistoryRow[] {
  // Reversed rather than sorted: comparisons made within one second keep their recorded order.
  return items
    .map((c, i) => ({
      key: `${i}-${c.a}-${c.b}-${c.created_at}`,
      what: `${renditionLabel(c.a, versions)} vs ${renditionLabel(c.b, versions)}`,
      metrics: c.metrics,
      at: c.created_at,
    }))
    .reverse();
}

interface Props {
  items: RecordedComparison[];
  versions: Version[];
  /** For tests: "now" in milliseconds. */
  now?: number;
}

export function ComparisonHistory({ items, versions, now }: Props) {
  const [all, setAll] = useState(false);
  if (!items.length) return <p className="muted">No comparisons yet. Compare a version to record one.</p>;
  const rows = historyRows(items, versions);
  const shown = all ? rows : rows.slice(0, FIRST);
  return (
    <>
      <DataTable columns={['Compared', 'SSIMULACRA2', 'PSNR (dB)', 'SSIM', 'When']} label="Comparison history">
        {shown.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.what}</th>
            <td>{formatNumber(r.metrics.ssimulacra2, 1)}</td>
            <td>{formatNumber(r.metrics.psnr, 2)}</td>
            <td>{formatNumber(r.metrics.ssim, 4)}</td>
            <td>
              <time dateTime={new Date(r.at * 1000).toISOString()} title={formatDate(r.at)}>
                {timeAgo(r.at, now)}
              </time>
            </td>
          </tr>
        ))}
      </DataTable>
      {rows.length > shown.length && (
        <button type="button" className="button button--small button--ghost" onClick={() => setAll(true)}>
          Show all {rows.length}
        </button>
      )}
    </>
  );
}
