// Type-checked, never run (types.test.mjs runs tsc over it): how a TypeScript user calls
// the package. Each `@ts-expect-error` is a mistake index.d.ts must reject; tsc fails
// when it stops rejecting one, or when a correct call stops compiling.
import * as fb from 'fotobase';
import type {
  AlgorithmInfo,
  Claims,
  CompareAllResult,
  CompressOptions,
  CompressResult,
  FotobaseError,
  Format,
  MetricName,
  ProbeResult,
  Target,
} from 'fotobase';

export async function usage(input: Buffer): Promise<number> {
  const options: CompressOptions = {
    format: 'webp',
    quality: 80,
    resize: { width: 800, height: 600, fit: 'cover', gravity: 'entropy', filter: 'lanczos3', withoutEnlargement: true },
    metrics: ['ssim', 'ms_ssim'],
    keepMetadata: false,
    toSrgb: true,
  };
  const out: CompressResult = await fb.compress(input, options);
  const data: Buffer = out.data;
  const format: Format = out.format;
  const quality: number | null | undefined = out.quality;
  let total = data.length + out.bytes + out.inputBytes + out.width + out.height + out.ratio + (quality ?? 0);
  total += out.metrics.ssim ?? out.metrics.msSsim ?? 0;
  total += out.steps.reduce((n, s) => n + s.bytes + s.encodeMs + (s.score ?? 0), 0);
  total += Object.keys(out.params).length + format.length;

  const targets: Target[] = ['ssimulacra2>=80', { metric: 'ssim', value: 0.98 }, { maxBytes: 50_000 }];
  const searched = fb.optimizeSync(input, 'avif-rav1e', targets[0]!, { maxEncodes: 6, metrics: ['psnr'] });
  await fb.optimize(input, 'jpeg-mozjpeg', targets[2]!);

  const metrics: MetricName[] = ['psnr', 'ssimulacra2'];
  const cmp = await fb.compare(input, searched.data, metrics);
  total += cmp.ratio + cmp.reference.width + cmp.distorted.bytes + (cmp.metrics.psnr ?? 0);
  const pixels = { width: 1, height: 1, channels: 3, data: new Uint8Array(3) };
  total += fb.comparePixelsSync(pixels, pixels, ['mse']).mse ?? 0;

  const table: CompareAllResult = await fb.compareAll(input, 'ssim>=0.95', ['webp-lossy', 'jpeg-mozjpeg']);
  for (const row of table.results) total += (row.bytes ?? 0) + row.encodes + (row.winner ? 1 : 0) + (row.error?.code.length ?? 0);
  total += table.inputBytes + (table.best?.length ?? 0);
  if ('metric' in table.target) total += table.target.metric.value;

  const algorithms: AlgorithmInfo[] = fb.algorithms();
  for (const a of algorithms) {
    total += a.qualityParam?.length ?? 0;
    for (const spec of Object.values(a.params)) {
      if (spec.type === 'int') total += spec.max - spec.min;
      if (spec.type === 'choice') total += spec.choices.length;
    }
  }

  const thumb = await fb.thumbnail(input, 320, null, { fit: 'cover', format: 'webp' });
  const info: ProbeResult = fb.probe(thumb.data);
  total += info.uprightWidth + info.frames + (info.hasAlpha ? 1 : 0) + (info.metadata.gps?.latitude ?? 0);
  total += (info.metadata.takenAt ?? '').length + (info.metadata.fNumber ?? 0);

  const hash: string = await fb.hashPassword('correct horse');
  const ok: boolean = (await fb.verifyPassword(hash, 'correct horse')) && !fb.needsRehash(hash);
  const issuer = fb.TokenIssuer.generate('https://photos.example', 'photos', 'ES256');
  const token = issuer.issue('user-1', { ttlSecs: 60, roles: ['admin'], scope: 'photos:read', claims: { tenant: 't1' } });
  const claims: Claims = fb.TokenIssuer.fromJwks(issuer.jwks(), 'https://photos.example', 'photos').verify(token);
  total += claims.exp + (ok ? 1 : 0) + fb.errorCodes().length;

  try {
    fb.probe(Buffer.from('not an image'));
  } catch (e) {
    const err = e as FotobaseError;
    total += err.code.length + Object.keys(err.context).length;
  }
  return total;
}

export function mistakes(input: Buffer): void {
  // @ts-expect-error: option names are checked (quality, not qualty)
  fb.compressSync(input, { qualty: 80 });
  // @ts-expect-error: fit takes sharp's four modes
  fb.compressSync(input, { resize: { fit: 'crop' } });
  // @ts-expect-error: metrics are named
  fb.compareSync(input, input, ['butteraugli']);
  // @ts-expect-error: a target is an expression, a metric threshold or a byte budget
  fb.optimizeSync(input, 'webp-lossy', { bytes: 5 });
  // @ts-expect-error: results say what they hold
  fb.probe(input).exif;
  // @ts-expect-error: images are bytes, not file names
  fb.compressSync('photo.jpg');
}
