// "Compare all algorithms" at one target: a job, then a table with the winner.

import { useState, type FormEvent } from 'react';
import { compareAll } from '../../api/images';
import type { Target } from '../../api/types';
import { watchJob } from '../../api/jobs';
import { describe } from '../../api/problem';
import type { Algorithm, CompareAllResult, Job } from '../../api/types';
import { Alert, Badge, DataTable } from '../../components/ui';
import { formatBytes, formatNumber } from '../../lib/format';
import { JobProgress } from './JobProgress';
import { OFF_HERE, TARGETS, type TargetMetric } from './CompressForm';

export function CompareAll({ imageId, algorithms }: { imageId: string; algorithms: Algorithm[] }) {
  const [metric, setMetric] = useState<TargetMetric>('ssimulacra2');
  const [value, setValue] = useState(TARGETS.ssimulacra2.default);
  // Algorithms an admin turned off are refused by the server: never chosen.
  const offered = algorithms.filter((a) => a.enabled);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(offered.map((a) => a.name)));
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setJob(null);
    setBusy(true);
    try {
      const target: Target = metric === 'max_bytes' ? { max_bytes: Math.round(value * 1000) } : { metric, value };
      const names = offered.map((a) => a.name).filter((n) => chosen.has(n));
      // Without a list the server takes every algorithm it offers: the same set, in a shorter request.
      const accepted = await compareAll(imageId, target, names.length === offered.length ? undefined : names);
      await watchJob(accepted.job_id, setJob);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const result = job?.state === 'succeeded' ? (job.result as unknown as CompareAllResult) : null;

  return (
    <div className="compare-all">
      <form className="form" onSubmit={run} aria-label="Compare all algorithms">
        <div className="row row--wrap">
          <div className="field">
            <label htmlFor="ca-metric">Target</label>
            <select
              id="ca-metric"
              value={metric}
              onChange={(e) => {
                const m = e.target.value as TargetMetric;
                setMetric(m);
                setValue(TARGETS[m].default);
              }}
            >
              {(Object.keys(TARGETS) as TargetMetric[]).map((m) => (
                <option key={m} value={m}>
                  {TARGETS[m].label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="ca-value">Value{TARGETS[metric].unit ? ` (${TARGETS[metric].unit})` : ''}</label>
            <input id="ca-value" type="number" step={TARGETS[metric].step} min={TARGETS[metric].min} max={TARGETS[metric].max} value={value} onChange={(e) => setValue(Number(e.target.value))} />
          </div>
        </div>
        <fieldset className="field">
          <legend>Algorithms</legend>
          <div className="checkbox-grid">
            {algorithms.map((a) => (
              <label key={a.name} className="checkbox">
                <input
                  type="checkbox"
                  disabled={!a.enabled}
                  checked={a.enabled && chosen.has(a.name)}
                  onChange={(e) =>
                    setChosen((c) => {
                      const n = new Set(c);
                      if (e.target.checked) n.add(a.name);
                      else n.delete(a.name);
                      return n;
                    })
                  }
                />{' '}
                {a.name}
                {!a.enabled && <span className="muted small"> ({OFF_HERE})</span>}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" className="button button--primary" disabled={busy || chosen.size === 0}>
          {busy ? 'Comparing…' : 'Compare all algorithms'}
        </button>
      </form>
      {error ? <Alert>{describe(error)}</Alert> : null}
      {job && job.state !== 'succeeded' && <JobProgress job={job} label="Comparison" />}
      {result && <CompareAllTable result={result} />}
    </div>
  );
}

export function CompareAllTable({ result }: { result: CompareAllResult }) {
  const rows = [...result.results].sort((a, b) => (a.bytes ?? Infinity) - (b.bytes ?? Infinity));
  return (
    <DataTable
      columns={['Algorithm', 'Quality', 'Size', 'Ratio', 'SSIMULACRA2', 'SSIM', 'Encodes', 'Target']}
      className="compare-all__table"
      label="Comparison of all algorithms"
      caption={
        <>
          Original {formatBytes(result.input_bytes)}.{' '}
          {result.best ? (
            <>
              Winner: <strong>{result.best}</strong>, the smallest file that meets the target.
            </>
          ) : (
            'No algorithm met the target.'
          )}
        </>
      }
    >
      {rows.map((r) => {
        const winner = r.winner || r.algorithm === result.best;
        return (
          <tr key={r.algorithm} className={winner ? 'is-winner' : undefined} aria-label={winner ? `${r.algorithm} (winner)` : undefined}>
            <th scope="row">
              {r.algorithm} {winner && <Badge tone="success">Winner</Badge>}
              {r.lossless && <span className="muted small"> lossless</span>}
            </th>
            <td>{r.quality ?? '—'}</td>
            <td>{formatBytes(r.bytes)}</td>
            <td>{r.ratio ? `${formatNumber(r.ratio, 2)}×` : '—'}</td>
            <td>{formatNumber(r.metrics.ssimulacra2, 1)}</td>
            <td>{formatNumber(r.metrics.ssim, 4)}</td>
            <td>{r.encodes}</td>
            <td>{r.error ? <span className="field__error">{r.error.message}</span> : r.met ? 'met' : 'missed'}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}
