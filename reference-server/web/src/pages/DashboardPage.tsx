import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import type { ChartConfiguration } from 'chart.js';
import { listImages, versions as listVersions } from '../api/images';
import { describe } from '../api/problem';
import type { ImageItem, Stats, Version } from '../api/types';
import { stats as getStats } from '../api/users';
import { useAuth } from '../auth/AuthContext';
import { Chart, colourFor, PALETTE } from '../components/Chart';
import { Alert, EmptyState, PageHeader, Spinner, StatCard } from '../components/ui';
import { formatBytes, formatNumber, formatPercent, timeAgo } from '../lib/format';
import { useAsync } from '../lib/useAsync';

interface DashboardData {
  stats: Stats;
  recent: ImageItem[];
  versions: Array<Version & { imageName: string }>;
}

/** Versions of the most recent images feed the scatter and the activity list. */
const SAMPLE_IMAGES = 24;

async function load(): Promise<DashboardData> {
  const [stats, page] = await Promise.all([getStats(), listImages({ limit: SAMPLE_IMAGES })]);
  let versions: DashboardData['versions'] = [];
  if (stats.versions > 0) {
    const lists = await Promise.all(
      page.items.map((img) =>
        listVersions(img.id).then(
          (vs) => vs.map((v) => ({ ...v, imageName: img.name })),
          () => [],
        ),
      ),
    );
    versions = lists.flat();
  }
  return { stats, recent: page.items, versions };
}

export function DashboardPage() {
  const { user } = useAuth();
  const { data, error, loading } = useAsync(load, []);

  return (
    <div className="page">
      <PageHeader
        title="Dashboard"
        subtitle={user ? `Hello, ${user.display_name}. Here is how your library is doing.` : undefined}
        actions={
          <Link to="/upload" className="button button--primary">
            Upload photos
          </Link>
        }
      />
      {error ? <Alert>{describe(error)}</Alert> : null}
      {loading && !data ? <Spinner label="Loading statistics" /> : null}
      {data && <DashboardBody data={data} />}
    </div>
  );
}

export function DashboardBody({ data }: { data: DashboardData }) {
  const { stats, recent, versions } = data;
  const algos = useMemo(() => stats.by_algorithm.map((a) => a.algorithm), [stats]);
  const jobsTotal = Object.values(stats.jobs).reduce((a, b) => a + b, 0);

  if (stats.images === 0) {
    return (
      <EmptyState title="No photos yet" action={<Link className="button button--primary" to="/upload">Upload your first photos</Link>}>
        Upload photos, then compress them to see how many bytes you save at what quality.
      </EmptyState>
    );
  }

  return (
    <>
      <section className="stat-grid" aria-label="Totals">
        <StatCard label="Images stored" value={formatNumber(stats.images, 0)} hint={`${formatBytes(stats.bytes_stored)} of originals`} />
        <StatCard
          label="Bytes saved"
          value={formatBytes(stats.bytes_saved)}
          hint={stats.versions ? `${formatPercent(stats.bytes_saved, stats.bytes_saved + stats.version_bytes)} smaller across versions` : 'Compress a photo to start saving'}
        />
        <StatCard label="Processed versions" value={formatNumber(stats.versions, 0)} hint={`${formatBytes(stats.version_bytes)} in total`} />
        <StatCard label="Jobs" value={formatNumber(jobsTotal, 0)} hint={`${stats.jobs.running + stats.jobs.queued} in progress, ${stats.jobs.failed} failed`} />
      </section>

      <div className="dash-grid">
        <section className="card">
          <h2 className="card__title">Bytes saved by algorithm</h2>
          {stats.by_algorithm.length ? <SavedChart stats={stats} algos={algos} /> : <p className="muted">No compressed versions yet.</p>}
        </section>
        <section className="card">
          <h2 className="card__title">Size vs quality</h2>
          {stats.by_algorithm.length ? (
            <QualityScatter stats={stats} versions={versions} algos={algos} />
          ) : (
            <p className="muted">Each compressed version appears here as a point: file size against SSIMULACRA2.</p>
          )}
        </section>
        <section className="card">
          <h2 className="card__title">Jobs by state</h2>
          <JobsChart jobs={stats.jobs} />
        </section>
        <section className="card">
          <h2 className="card__title">Recent activity</h2>
          <Activity recent={recent} versions={versions} />
        </section>
      </div>
    </>
  );
}

function SavedChart({ stats, algos }: { stats: Stats; algos: string[] }) {
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: algos,
        datasets: [
          {
            label: 'Bytes saved',
            data: stats.by_algorithm.map((a) => a.bytes_saved),
            backgroundColor: algos.map((a) => colourFor(a, algos)),
            borderRadius: 6,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => ` ${formatBytes(c.parsed.y)} saved` } },
        },
        scales: { y: { ticks: { callback: (v) => formatBytes(Number(v)) } } },
      },
    }),
    [stats, algos],
  );
  return (
    <Chart
      config={config}
      label="Bar chart of bytes saved by each compression algorithm"
      table={
        <table>
          <caption>Bytes saved by algorithm</caption>
          <thead>
            <tr>
              <th>Algorithm</th>
              <th>Versions</th>
              <th>Bytes saved</th>
            </tr>
          </thead>
          <tbody>
            {stats.by_algorithm.map((a) => (
              <tr key={a.algorithm}>
                <td>{a.algorithm}</td>
                <td>{a.versions}</td>
                <td>{formatBytes(a.bytes_saved)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
}

/** Points per algorithm: each version, or each algorithm's mean when no versions are at hand. */
export function scatterSeries(stats: Stats, versions: Version[]): Map<string, ScatterPoint[]> {
  const out = new Map<string, ScatterPoint[]>();
  for (const v of versions) {
    const q = v.ssimulacra2 ?? v.metrics?.ssimulacra2;
    if (q === null || q === undefined) continue;
    const list = out.get(v.algorithm) ?? [];
    list.push({ x: v.bytes, y: q, label: (v as Version & { imageName?: string }).imageName ?? v.image_id });
    out.set(v.algorithm, list);
  }
  if (out.size === 0) {
    for (const a of stats.by_algorithm) {
      if (a.mean_ssimulacra2 === null || !a.versions) continue;
      out.set(a.algorithm, [{ x: a.bytes_out / a.versions, y: a.mean_ssimulacra2, label: `mean of ${a.versions}` }]);
    }
  }
  return out;
}

function QualityScatter({ stats, versions, algos }: { stats: Stats; versions: Version[]; algos: string[] }) {
  const series = useMemo(() => scatterSeries(stats, versions), [stats, versions]);
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'scatter',
      data: {
        datasets: [...series].map(([alg, points]) => ({
          label: alg,
          data: points,
          backgroundColor: colourFor(alg, algos),
          pointRadius: 5,
          pointHoverRadius: 7,
        })),
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: (c) => {
                const p = c.raw as ScatterPoint;
                return ` ${c.dataset.label}: ${formatBytes(p.x)}, SSIMULACRA2 ${formatNumber(p.y, 1)} (${p.label})`;
              },
            },
          },
        },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'File size' }, ticks: { maxRotation: 0, autoSkip: true, callback: (v) => logTick(Number(v)) } },
          y: { title: { display: true, text: 'SSIMULACRA2 (higher is better)' } },
        },
      },
    }),
    [series, algos],
  );
  return (
    <Chart
      config={config}
      label="Scatter plot of file size against SSIMULACRA2 quality, one colour per algorithm"
      table={
        <table>
          <caption>Size and quality of compressed versions</caption>
          <thead>
            <tr>
              <th>Algorithm</th>
              <th>Image</th>
              <th>Bytes</th>
              <th>SSIMULACRA2</th>
            </tr>
          </thead>
          <tbody>
            {[...series].flatMap(([alg, pts]) =>
              pts.map((p, i) => (
                <tr key={`${alg}-${i}`}>
                  <td>{alg}</td>
                  <td>{p.label}</td>
                  <td>{formatBytes(p.x)}</td>
                  <td>{formatNumber(p.y, 1)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      }
    />
  );
}

/** Log-axis labels only at 1, 2 and 5 × 10ⁿ: the rest crowd the axis. */
export function logTick(v: number): string {
  if (!(v > 0)) return '';
  const mantissa = v / 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? formatBytes(v) : '';
}

const STATE_COLOURS = { queued: PALETTE[4]!, running: PALETTE[0]!, succeeded: PALETTE[1]!, failed: PALETTE[3]! };

function JobsChart({ jobs }: { jobs: Stats['jobs'] }) {
  const states = Object.keys(STATE_COLOURS) as Array<keyof typeof STATE_COLOURS>;
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'doughnut',
      data: {
        labels: states,
        datasets: [{ data: states.map((s) => jobs[s] ?? 0), backgroundColor: states.map((s) => STATE_COLOURS[s]), borderWidth: 0 }],
      },
      options: { maintainAspectRatio: false, cutout: '62%', plugins: { legend: { display: false } } },
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [jobs],
  );
  return (
    <div className="jobs-summary">
      <Chart
        config={config}
        height={200}
        label="Doughnut chart of jobs by state"
        table={<p>{states.map((s) => `${s}: ${jobs[s] ?? 0}`).join(', ')}</p>}
      />
      <ul className="legend-list">
        {states.map((s) => (
          <li key={s} data-state={s}>
            <span className={`dot dot--${s}`} aria-hidden="true" />
            <span className="legend-list__label">{s}</span>
            <strong>{jobs[s] ?? 0}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface ActivityItem {
  at: number;
  key: string;
  text: string;
  imageId: string;
}

export function activityItems(recent: ImageItem[], versions: Array<Version & { imageName?: string }>): ActivityItem[] {
  const items: ActivityItem[] = [
    ...recent.map((i) => ({ at: i.uploaded_at, key: `u-${i.id}`, text: `Uploaded ${i.name} (${formatBytes(i.bytes)})`, imageId: i.id })),
    ...versions.map((v) => ({
      at: v.created_at,
      key: `v-${v.id}`,
      text: `Compressed ${v.imageName ?? 'a photo'} with ${v.algorithm}: ${formatBytes(v.bytes)}${
        v.ssimulacra2 !== null && v.ssimulacra2 !== undefined ? `, SSIMULACRA2 ${formatNumber(v.ssimulacra2, 1)}` : ''
      }`,
      imageId: v.image_id,
    })),
  ];
  return items.sort((a, b) => b.at - a.at).slice(0, 8);
}

function Activity({ recent, versions }: { recent: ImageItem[]; versions: Array<Version & { imageName?: string }> }) {
  const items = activityItems(recent, versions);
  if (!items.length) return <p className="muted">Nothing yet.</p>;
  return (
    <ol className="activity">
      {items.map((a) => (
        <li key={a.key}>
          <Link to={`/images/${a.imageId}`}>{a.text}</Link>
          <time dateTime={new Date(a.at * 1000).toISOString()}>{timeAgo(a.at)}</time>
        </li>
      ))}
    </ol>
  );
}
