import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it, vi } from 'vitest';
import type { ImageItem, Stats, Version } from '../../src/api/types';
import { activityItems, DashboardBody, scatterSeries } from '../../src/pages/DashboardPage';

// Canvas charts are not drawn in jsdom: check the config and data they are given.
const charts: Array<{ label: string; config: { type: string; data: unknown } }> = [];
vi.mock('../../src/components/Chart', () => ({
  Chart: (p: { label: string; config: { type: string; data: unknown } }) => {
    charts.push(p);
    return <div role="img" aria-label={p.label} />;
  },
  colourFor: () => '#000',
  PALETTE: ['#1', '#2', '#3', '#4', '#5'],
}));

const STATS: Stats = {
  images: 2,
  bytes_stored: 2_000_000,
  versions: 2,
  version_bytes: 300_000,
  bytes_saved: 1_700_000,
  by_algorithm: [
    { algorithm: 'avif-rav1e', versions: 1, bytes_in: 1_000_000, bytes_out: 100_000, bytes_saved: 900_000, mean_ssimulacra2: 81 },
    { algorithm: 'webp-lossy', versions: 1, bytes_in: 1_000_000, bytes_out: 200_000, bytes_saved: 800_000, mean_ssimulacra2: 79 },
  ],
  jobs: { queued: 0, running: 1, succeeded: 4, failed: 1 },
};

const img = (id: string, name: string, at: number): ImageItem => ({
  id, owner_id: 'usr_1', name, format: 'png', width: 10, height: 10, bytes: 1_000_000, sha256: '', orientation: 1, taken_at: null, metadata: null,
  uploaded_at: at, captured_at: at, updated_at: at, visibility: 'private', status: 'ready', tags: [], has_thumbnail: true,
});
const ver = (id: string, image: string, algorithm: string, bytes: number, q: number, at: number): Version & { imageName: string } => ({
  id, image_id: image, algorithm, params: {}, format: 'avif', width: 10, height: 10, bytes, ssimulacra2: q, metrics: {}, created_at: at, imageName: `${image}.png`,
});

describe('dashboard', () => {
  const versions = [ver('ver_1', 'img_1', 'avif-rav1e', 100_000, 81, 300), ver('ver_2', 'img_2', 'webp-lossy', 200_000, 79, 200)];

  it('shows the totals, the charts and recent activity', () => {
    charts.length = 0;
    render(
      <MemoryRouter>
        <DashboardBody data={{ stats: STATS, recent: [img('img_1', 'a.png', 100), img('img_2', 'b.png', 150)], versions }} />
      </MemoryRouter>,
    );
    const totals = screen.getByRole('region', { name: 'Totals' });
    expect(within(totals).getByText('Images stored').nextSibling).toHaveTextContent('2');
    expect(within(totals).getByText('Bytes saved').nextSibling).toHaveTextContent('1.70 MB');
    expect(charts.map((c) => c.config.type)).toEqual(['bar', 'scatter', 'doughnut']);
    const bar = charts[0]!.config.data as { labels: string[]; datasets: Array<{ data: number[] }> };
    expect(bar.labels).toEqual(['avif-rav1e', 'webp-lossy']);
    expect(bar.datasets[0]!.data).toEqual([900_000, 800_000]);
    const items = screen.getAllByRole('listitem').filter((li) => li.closest('.activity'));
    expect(items[0]).toHaveTextContent('Compressed img_1.png with avif-rav1e');
    expect(screen.getByText('failed').nextSibling).toHaveTextContent('1');
  });

  it('plots each version as bytes against SSIMULACRA2, or the means without versions', () => {
    const s = scatterSeries(STATS, versions);
    expect(s.get('avif-rav1e')).toEqual([{ x: 100_000, y: 81, label: 'img_1.png' }]);
    const means = scatterSeries(STATS, []);
    expect(means.get('webp-lossy')).toEqual([{ x: 200_000, y: 79, label: 'mean of 1' }]);
  });

  it('orders activity newest first', () => {
    const a = activityItems([img('img_1', 'a.png', 100)], versions);
    expect(a.map((x) => x.key)).toEqual(['v-ver_1', 'v-ver_2', 'u-img_1']);
  });
});
