import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Algorithm, CompareAllResult } from '../../src/api/types';
import { CompareAll, CompareAllTable } from '../../src/pages/image/CompareAll';
import { buildProcessOptions, CompressForm } from '../../src/pages/image/CompressForm';
import { CameraFacts } from '../../src/pages/image/ImageDetails';
import { json, mockFetch, problem } from '../helpers';

const ALGS: Algorithm[] = [
  {
    name: 'jpeg-mozjpeg',
    format: 'jpeg',
    lossless: false,
    description: 'MozJPEG',
    quality_param: 'quality',
    params: {
      quality: { type: 'int', min: 1, max: 100, default: 80, description: 'quality' },
      progressive: { type: 'bool', default: true, description: 'progressive' },
      chroma_subsampling: { type: 'choice', choices: ['4:2:0', '4:4:4'], default: '4:2:0', description: 'chroma' },
    },
    enabled: true,
  },
  { name: 'avif-rav1e', format: 'avif', lossless: false, description: 'AV1', quality_param: 'quality', params: { quality: { type: 'int', min: 1, max: 100, default: 70, description: 'q' } }, enabled: true },
  { name: 'png-oxipng', format: 'png', lossless: true, description: 'PNG', quality_param: null, params: {}, enabled: true },
];

describe('CompressForm', () => {
  it('builds target, size and settings bodies', () => {
    const base = { algorithm: 'avif-rav1e', mode: 'target' as const, metric: 'ssimulacra2' as const, value: 82, params: {}, width: '' };
    expect(buildProcessOptions(base)).toEqual({ algorithm: 'avif-rav1e', target: { metric: 'ssimulacra2', value: 82 } });
    expect(buildProcessOptions({ ...base, metric: 'max_bytes', value: 150, width: '800' })).toEqual({
      algorithm: 'avif-rav1e',
      target: { max_bytes: 150_000 },
      resize: { width: 800 },
    });
    expect(buildProcessOptions({ ...base, mode: 'settings', params: { quality: 55 } })).toEqual({ algorithm: 'avif-rav1e', params: { quality: 55 } });
  });

  it('defaults to AVIF at a SSIMULACRA2 target and submits the chosen settings', async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<CompressForm algorithms={ALGS} busy={false} onSubmit={onSubmit} />);
    expect(screen.getByLabelText('Algorithm')).toHaveValue('avif-rav1e');
    await user.click(screen.getByRole('button', { name: 'Compress' }));
    expect(onSubmit).toHaveBeenLastCalledWith({ algorithm: 'avif-rav1e', target: { metric: 'ssimulacra2', value: 80 } });

    await user.selectOptions(screen.getByLabelText('Algorithm'), 'jpeg-mozjpeg');
    await user.click(screen.getByLabelText('Exact settings'));
    await user.click(screen.getByLabelText('progressive'));
    await user.selectOptions(screen.getByLabelText('chroma subsampling'), '4:4:4');
    await user.click(screen.getByRole('button', { name: 'Compress' }));
    expect(onSubmit).toHaveBeenLastCalledWith({
      algorithm: 'jpeg-mozjpeg',
      params: { quality: 80, progressive: false, chroma_subsampling: '4:4:4' },
    });
  });
});

describe('algorithms an admin turned off', () => {
  const OFF = ALGS.map((a) => (a.name === 'avif-rav1e' ? { ...a, enabled: false } : a));
  afterEach(() => vi.unstubAllGlobals());

  it('are marked in the compress form and not picked, even as the AVIF default', () => {
    render(<CompressForm algorithms={OFF} busy={false} onSubmit={() => {}} />);
    expect(screen.getByLabelText('Algorithm')).toHaveValue('jpeg-mozjpeg');
    expect(screen.getByRole('option', { name: 'avif-rav1e (off on this server)' })).toBeDisabled();
    expect(screen.getByRole('option', { name: 'png-oxipng (lossless)' })).toBeEnabled();
  });

  it('are left out of compare-all: no list while every offered one is chosen, else the chosen ones', async () => {
    const done = { target: {}, input_bytes: 1000, results: [], best: null };
    const { calls } = mockFetch({
      'POST /api/v1/images/img_1/compare-all': () => json({ job_id: 'job_1' }, 202),
      'GET /api/v1/jobs/job_1/events': () => problem(404, 'not_found'),
      'GET /api/v1/jobs/job_1': () => json({ id: 'job_1', state: 'succeeded', result: done, error: null }),
    });
    render(<CompareAll imageId="img_1" algorithms={OFF} />);
    const user = userEvent.setup();
    const off = screen.getByRole('checkbox', { name: 'avif-rav1e (off on this server)' });
    expect(off).toBeDisabled();
    expect(off).not.toBeChecked();
    const run = screen.getByRole('button', { name: 'Compare all algorithms' });
    await user.click(run);
    await screen.findByText(/No algorithm met the target/);
    await user.click(screen.getByRole('checkbox', { name: 'png-oxipng' }));
    await user.click(run);
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2));
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([
      { target: { metric: 'ssimulacra2', value: 80 } },
      { target: { metric: 'ssimulacra2', value: 80 }, algorithms: ['jpeg-mozjpeg'] },
    ]);
  });
});

describe('CompareAllTable', () => {
  const result: CompareAllResult = {
    target: { metric: 'ssimulacra2', value: 80 },
    input_bytes: 500_000,
    best: 'avif-rav1e',
    results: [
      { algorithm: 'jpeg-mozjpeg', format: 'jpeg', lossless: false, quality: 82, bytes: 90_000, ratio: 5.5, metrics: { ssimulacra2: 80.4 }, encodes: 6, met: true, winner: false, error: null },
      { algorithm: 'avif-rav1e', format: 'avif', lossless: false, quality: 60, bytes: 40_000, ratio: 12.5, metrics: { ssimulacra2: 80.9 }, encodes: 7, met: true, winner: true, error: null },
      { algorithm: 'png-oxipng', format: 'png', lossless: true, quality: null, bytes: null, ratio: null, metrics: {}, encodes: 1, met: false, winner: false, error: { code: 'encode_failed', message: 'encoder crashed' } },
    ],
  };

  it('lists rows smallest first and highlights the winner', () => {
    render(<CompareAllTable result={result} />);
    const table = screen.getByRole('table', { name: 'Comparison of all algorithms' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('rowheader')[0]!.textContent)).toEqual([
      expect.stringContaining('avif-rav1e'),
      expect.stringContaining('jpeg-mozjpeg'),
      expect.stringContaining('png-oxipng'),
    ]);
    expect(rows[0]).toHaveClass('is-winner');
    expect(within(rows[0]!).getByText('Winner')).toBeInTheDocument();
    expect(rows[1]).not.toHaveClass('is-winner');
    expect(within(rows[2]!).getByText('encoder crashed')).toBeInTheDocument();
    expect(screen.getByText(/Winner:/)).toHaveTextContent('Winner: avif-rav1e');
  });
});

describe('CameraFacts', () => {
  const facts = {
    taken_at: '2021-07-04T12:30:15+02:00', make: 'Canon', model: 'Canon EOS 70D', lens: 'EF-S18-135mm', iso: 400,
    f_number: 5.6, exposure_time: 0.004, focal_length: 50, gps: null,
  };

  it('says the camera once, and the exposure as cameras print it', () => {
    render(<dl><CameraFacts m={facts} /></dl>);
    expect(screen.getByText('Canon EOS 70D')).toBeInTheDocument();
    expect(screen.getByText('EF-S18-135mm')).toBeInTheDocument();
    expect(screen.getByText('ƒ/5.6 · 1/250 s · ISO 400 · 50 mm')).toBeInTheDocument();
    expect(screen.queryByText('Location')).not.toBeInTheDocument();
  });

  it('shows a position only when the response carries one (the owner)', () => {
    render(<dl><CameraFacts m={{ ...facts, make: 'Apple', model: 'iPhone 11 Pro Max', gps: { latitude: -33.8568, longitude: 151.2153, altitude: 12.4 } }} /></dl>);
    expect(screen.getByText('Apple iPhone 11 Pro Max')).toBeInTheDocument();
    expect(screen.getByText('Location')).toBeInTheDocument();
    expect(screen.getByText('-33.85680, 151.21530 · 12 m')).toBeInTheDocument();
  });
});
