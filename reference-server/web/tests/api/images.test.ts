import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compare, comparisons, setAlgorithmEnabled } from '../../src/api/images';
import { ApiError } from '../../src/api/problem';
import { clearTokens, setTokens } from '../../src/api/session';
import { clearCookies, json, mockFetch, problem, TOKEN } from '../helpers';

const RESULT = {
  metrics: { ssimulacra2: 81.2, psnr: 41.5, ssim: 0.991 },
  reference: { format: 'avif', width: 64, height: 48, bytes: 9000 },
  distorted: { format: 'jpeg', width: 64, height: 48, bytes: 12000 },
  ratio: 0.75,
  reference_resized: false,
  image_id: 'img_1',
  version: 'ver_b',
  reference_version: 'ver_a',
};

describe('image API: comparisons and the algorithm offer', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    setTokens(TOKEN(1));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('compares against another version, and leaves the original (the default) out of the body', async () => {
    const { calls } = mockFetch({ 'POST /api/v1/images/img_1/compare': () => json(RESULT) });
    expect(await compare('img_1', 'ver_b', { reference: 'ver_a' })).toEqual(RESULT);
    await compare('img_1', 'ver_b', { reference: 'original' });
    await compare('img_1', 'ver_b');
    await compare('img_1', 'ver_b', { metrics: ['psnr'] });
    expect(calls.map((c) => c.body)).toEqual([
      { version: 'ver_b', reference: 'ver_a' },
      { version: 'ver_b' },
      { version: 'ver_b' },
      { version: 'ver_b', metrics: ['psnr'] },
    ]);
    expect(calls[0]!.headers.authorization).toBe('Bearer at-1');
  });

  it('lists the recorded comparisons of an image', async () => {
    const items = [{ a: 'original', b: 'ver_a', metrics: { psnr: 40 }, created_at: 1_765_000_000 }];
    const { calls } = mockFetch({ 'GET /api/v1/images/img_1/comparisons': () => json({ items }) });
    expect(await comparisons('img_1')).toEqual({ items });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/v1/images/img_1/comparisons']);
  });

  it('turns an algorithm on or off with PATCH, and reports a refusal as an ApiError', async () => {
    const alg = { name: 'avif-aom', format: 'avif', lossless: false, description: 'AV1', quality_param: 'quality', params: {}, enabled: false };
    const { calls } = mockFetch({
      'PATCH /api/v1/algorithms/avif-aom': () => json(alg),
      'PATCH /api/v1/algorithms/png-oxipng': () => problem(403, 'forbidden', 'admins only'),
    });
    expect(await setAlgorithmEnabled('avif-aom', false)).toEqual(alg);
    expect(calls[0]!.body).toEqual({ enabled: false });
    expect(calls[0]!.headers.authorization).toBe('Bearer at-1');
    const err = (await setAlgorithmEnabled('png-oxipng', true).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code]).toEqual([403, 'forbidden']);
  });
});
