import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens, setTokens } from '../../src/api/session';
import type { ImageItem, RecordedComparison, Version } from '../../src/api/types';
import { ComparePair } from '../../src/pages/image/ComparePair';
import { ComparisonHistory, historyRows } from '../../src/pages/image/ComparisonHistory';
import { renditionLabel } from '../../src/pages/image/labels';
import { clearCookies, json, mockFetch, TOKEN } from '../helpers';

const version = (id: string, algorithm: string, bytes: number) =>
  ({ id, image_id: 'img_1', algorithm, format: algorithm.split('-')[0], width: 64, height: 48, bytes, metrics: {}, created_at: 1 }) as unknown as Version;
const VERSIONS = [version('ver_a', 'avif-aom', 41_200), version('ver_b', 'jpeg-mozjpeg', 88_000)];
const IMAGE = { id: 'img_1', name: 'beach.png', bytes: 500_000 } as ImageItem;

const NOW = 1_765_000_000_000;
const at = (secondsAgo: number) => NOW / 1000 - secondsAgo;
const ITEMS: RecordedComparison[] = [
  { a: 'original', b: 'ver_a', metrics: { ssimulacra2: 82.34, psnr: 41.236, ssim: 0.99123 }, created_at: at(3 * 3600) },
  { a: 'ver_a', b: 'ver_b', metrics: { ssimulacra2: 77.1, psnr: 38.5, ssim: 0.98 }, created_at: at(120) },
  { a: 'original', b: 'ver_gone', metrics: { psnr: 30 }, created_at: at(10) },
];

describe('ComparisonHistory', () => {
  it('names each side as the versions table does, newest first', () => {
    expect(renditionLabel('original', VERSIONS)).toBe('Original');
    expect(renditionLabel('ver_a', VERSIONS)).toBe('avif-aom · 41.2 KB');
    expect(renditionLabel('ver_gone', VERSIONS)).toBe('a deleted version');
    expect(historyRows(ITEMS, VERSIONS).map((r) => r.what)).toEqual([
      'Original vs a deleted version',
      'avif-aom · 41.2 KB vs jpeg-mozjpeg · 88.0 KB',
      'Original vs avif-aom · 41.2 KB',
    ]);
  });

  it('shows the metrics and when, and an empty history as such', () => {
    const { rerender } = render(<ComparisonHistory items={ITEMS} versions={VERSIONS} now={NOW} />);
    const rows = within(screen.getByRole('table', { name: 'Comparison history' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'Original vs a deleted version—30—just now',
      'avif-aom · 41.2 KB vs jpeg-mozjpeg · 88.0 KB77.138.50.982 minutes ago',
      'Original vs avif-aom · 41.2 KB82.341.240.99123 hours ago',
    ]);
    rerender(<ComparisonHistory items={[]} versions={VERSIONS} now={NOW} />);
    expect(screen.getByText(/No comparisons yet/)).toBeInTheDocument();
  });

  it('shows the newest ten until asked for all', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...ITEMS[0]!, created_at: at(1000 - i) }));
    render(<ComparisonHistory items={many} versions={VERSIONS} now={NOW} />);
    expect(screen.getAllByRole('row')).toHaveLength(11);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Show all 12' }));
    expect(screen.getAllByRole('row')).toHaveLength(13);
  });
});

describe('ComparePair', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    setTokens(TOKEN(1));
  });
  afterEach(() => vi.unstubAllGlobals());

  const result = (reference_version: string) => ({
    metrics: { ssimulacra2: 77.1, psnr: 38.5, ssim: 0.98 },
    reference: { format: 'avif', width: 64, height: 48, bytes: 41_200 },
    distorted: { format: 'jpeg', width: 64, height: 48, bytes: 88_000 },
    ratio: 0.47,
    reference_resized: false,
    image_id: 'img_1',
    version: 'ver_b',
    reference_version,
  });

  it('measures B against A (the original when so chosen) and tells the history', async () => {
    const { calls } = mockFetch({
      'POST /api/v1/images/img_1/compare': (c) => json(result((c.body as { reference?: string }).reference ?? 'original')),
    });
    const onMeasured = vi.fn();
    render(<ComparePair image={IMAGE} versions={VERSIONS} onMeasured={onMeasured} />);
    const user = userEvent.setup();
    expect(screen.getByLabelText('Version A (reference)')).toHaveValue('original');
    await user.selectOptions(screen.getByLabelText('Version A (reference)'), 'ver_a');
    expect(screen.getByRole('button', { name: 'Compare' })).toBeDisabled();
    expect(screen.getByText('Choose two different versions.')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Version B'), 'ver_b');
    await user.click(screen.getByRole('button', { name: 'Compare' }));
    const table = await screen.findByRole('table', { name: 'Quality metrics' });
    expect(table).toHaveTextContent('Metrics of the version against avif-aom · 41.2 KB');
    expect(table).toHaveTextContent('77.1');
    expect(onMeasured).toHaveBeenCalledTimes(1);

    await user.selectOptions(screen.getByLabelText('Version A (reference)'), 'original');
    expect(screen.queryByRole('table', { name: 'Quality metrics' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Compare' }));
    expect(await screen.findByRole('table', { name: 'Quality metrics' })).toHaveTextContent('against the original');
    await waitFor(() => expect(onMeasured).toHaveBeenCalledTimes(2));
    expect(calls.map((c) => c.body)).toEqual([{ version: 'ver_b', reference: 'ver_a' }, { version: 'ver_b' }]);
  });

  it('asks for a version first when there is none', () => {
    render(<ComparePair image={IMAGE} versions={[]} onMeasured={() => {}} />);
    expect(screen.getByText(/Make a compressed version first/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Compare' })).toBeNull();
  });
});
