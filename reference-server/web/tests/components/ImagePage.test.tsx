import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens, setTokens } from '../../src/api/session';
import { ImagePage } from '../../src/pages/ImagePage';
import { clearCookies, json, mockFetch, problem, renderAt, TOKEN, USER } from '../helpers';

const IMAGE = {
  id: 'img_1', owner_id: 'usr_1', name: 'beach.png', format: 'png', width: 64, height: 48, bytes: 500_000, sha256: 'abc', orientation: 1,
  taken_at: null, metadata: null, uploaded_at: 1, captured_at: 1, updated_at: 1, visibility: 'private', status: 'ready', tags: [], has_thumbnail: false,
};
const version = (id: string, algorithm: string, bytes: number) => ({
  id, image_id: 'img_1', algorithm, params: {}, format: algorithm.split('-')[0], width: 64, height: 48, bytes, ssimulacra2: 80, metrics: {}, created_at: 1,
});
const alg = (name: string, format: string, enabled: boolean) => ({
  name, format, lossless: false, description: name, quality_param: 'quality', params: {}, enabled,
});

describe('ImagePage comparisons', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    setTokens(TOKEN(1));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('offers only enabled algorithms, and compares two versions into the history', async () => {
    const now = Math.floor(Date.now() / 1000);
    const items = [{ a: 'original', b: 'ver_a', metrics: { ssimulacra2: 82.3, psnr: 41.2, ssim: 0.99 }, created_at: now - 7200 }];
    const { calls } = mockFetch({
      'GET /api/v1/users/me': () => json(USER),
      'GET /api/v1/images/img_1': () => json(IMAGE),
      'GET /api/v1/images/img_1/versions': () => json([version('ver_a', 'avif-aom', 41_200), version('ver_b', 'jpeg-mozjpeg', 88_000)]),
      'GET /api/v1/algorithms': () => json([alg('avif-aom', 'avif', false), alg('jpeg-mozjpeg', 'jpeg', true)]),
      'GET /api/v1/images/img_1/comparisons': () => json({ items }),
      'GET /api/v1/images/img_1/original': () => problem(404, 'not_found'),
      'POST /api/v1/images/img_1/compare': (c) => {
        const body = c.body as { version: string; reference?: string };
        const metrics = { ssimulacra2: 70.5, psnr: 36.25, ssim: 0.97 };
        items.push({ a: body.reference ?? 'original', b: body.version, metrics, created_at: now });
        const side = { format: 'avif', width: 64, height: 48, bytes: 41_200 };
        return json({ metrics, reference: side, distorted: { ...side, bytes: 88_000 }, ratio: 0.47, reference_resized: false, image_id: 'img_1', version: body.version, reference_version: body.reference ?? 'original' });
      },
    });
    renderAt(<ImagePage />, '/images/img_1', '/images/:id');
    const user = userEvent.setup();

    const history = await screen.findByRole('table', { name: 'Comparison history' });
    expect(within(history).getAllByRole('row')[1]).toHaveTextContent('Original vs avif-aom · 41.2 KB82.341.20.992 hours ago');
    expect(screen.getByRole('option', { name: 'avif-aom (off on this server)' })).toBeDisabled();
    expect(screen.getByLabelText('Algorithm')).toHaveValue('jpeg-mozjpeg');

    const form = screen.getByRole('form', { name: 'Compare two versions' });
    await user.selectOptions(within(form).getByLabelText('Version A (reference)'), 'ver_a');
    await user.selectOptions(within(form).getByLabelText('Version B'), 'ver_b');
    await user.click(within(form).getByRole('button', { name: 'Compare' }));
    expect(await screen.findByText('Metrics of the version against avif-aom · 41.2 KB')).toBeInTheDocument();
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Comparison history' })).getAllByRole('row')).toHaveLength(3));
    const rows = within(screen.getByRole('table', { name: 'Comparison history' })).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('avif-aom · 41.2 KB vs jpeg-mozjpeg · 88.0 KB70.536.250.97just now');
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ version: 'ver_b', reference: 'ver_a' });
    expect(calls.filter((c) => c.url === '/api/v1/images/img_1/comparisons')).toHaveLength(2);
  });
});
