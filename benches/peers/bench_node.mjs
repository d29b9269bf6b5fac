// fotobase's Node binding against sharp, @node-rs/argon2 and jose, in one process.
//
//   node bench_node.mjs INPUT_DIR OUT.json [--threads 1|default] [--quick]
//
// run.sh copies this file next to the scratch node_modules (the peers and our release addon) and
// starts it with RAYON_NUM_THREADS=1 for `--threads 1`: our core's only thread switch. Each
// comparison alternates fotobase and the peer on the same input (same logic as common.py).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import * as jose from 'jose';
import { hash as nodeRsHash, Algorithm } from '@node-rs/argon2';

const require = createRequire(import.meta.url);
const fb = require('fotobase');
const pkgVersion = (name) => require(`${name}/package.json`).version;

const args = process.argv.slice(2);
const [inputs, out] = args;
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const threadsMode = opt('--threads', 'default');
const quick = args.includes('--quick');
const work = opt('--workloads', 'thumbnail,argon2,jwt,reencode').split(',');
const rounds = quick ? 3 : 15;
const cores = availableParallelism();
const ISS = 'https://auth.fotobase.test';
const AUD = 'fotobase-api';

function stats(samples) {
  const s = [...samples].sort((x, y) => x - y);
  // Quartiles by linear interpolation, as Python's statistics.quantiles(method="inclusive").
  const q = (p) => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
  };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), min: s[0], max: s[s.length - 1], n: s.length };
}

// Ours first on even rounds, theirs first on odd ones; `batch` awaited calls per sample; seconds per call.
// `seed`: per-call seconds already measured ([ours, theirs]), kept as the first samples.
async function alternate(ours, theirs, { rounds: n = rounds, batch = 1, warmup = 1, seed = [[], []] } = {}) {
  for (let i = 0; i < warmup; i++) { await ours(); await theirs(); }
  const a = [...seed[0]], b = [...seed[1]];
  for (let r = 0; r < n; r++) {
    const pairs = r % 2 === 0 ? [[a, ours], [b, theirs]] : [[b, theirs], [a, ours]];
    for (const [samples, fn] of pairs) {
      const t = performance.now();
      for (let i = 0; i < batch; i++) await fn();
      samples.push((performance.now() - t) / 1000 / batch);
    }
  }
  return [stats(a), stats(b)];
}

const row = (workload, threads, peer, ours, theirs, extra = {}) => ({
  workload, binding: 'node', threads, peer, ours, theirs, ratio: ours && theirs ? theirs.median / ours.median : null, ...extra,
});

const ourThreads = threadsMode === '1' ? '1' : `${cores} (rayon default)`;
const rows = [];
const started = performance.now();

// --- thumbnail: 12 MP JPEG → fit 800 px wide, Lanczos-3 → baseline JPEG q80 4:2:0, optimised Huffman
// (sharp's default JPEG settings; our jpeg-baseline). Both shrink on load; both async (libuv pool).
if (work.includes('thumbnail')) {
  const jpg = readFileSync(join(inputs, 'photo-12mp.jpg'));
  sharp.cache(false); // the operation cache would serve repeated identical pipelines
  const sharpDefault = sharp.concurrency();
  const ours = async () => (await fb.compress(jpg, {
    algorithm: 'jpeg-baseline', quality: 80, resize: { width: 800, filter: 'lanczos3' },
  })).data;
  const theirs = () => sharp(jpg).resize({ width: 800, kernel: 'lanczos3' }).jpeg({ quality: 80 }).toBuffer();
  const a = await ours(), b = await theirs();
  const sa = await sharp(a).metadata(), sb = await sharp(b).metadata();
  if (sa.width !== 800 || sb.width !== 800 || sa.height !== sb.height) throw new Error('thumbnails differ in size');
  // Single thread: sharp.concurrency(1). Default: sharp's own default (1 on glibc Linux without
  // jemalloc, per its docs) and, when that differs, every core.
  const settings = threadsMode === '1' ? [1] : [...new Set([sharpDefault, cores])];
  for (const c of settings) {
    sharp.concurrency(c);
    const [o, t] = await alternate(ours, theirs);
    const label = threadsMode === '1' ? '1' : c === sharpDefault ? `${c} (sharp default)` : `${c}`;
    rows.push(row('thumbnail 12 MP → 800 px JPEG q80', { ours: ourThreads, peer: label },
      `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`, o, t,
      { detail: `output bytes: fotobase ${a.length}, sharp ${b.length}; sharp.cache(false), concurrency(${c})` }));
  }
  sharp.concurrency(sharpDefault);
  // The same with mozjpeg on both sides (trellis quantisation, progressive scans).
  if (threadsMode !== '1') {
    const oursMoz = async () => (await fb.compress(jpg, {
      algorithm: 'jpeg-mozjpeg', quality: 80, resize: { width: 800, filter: 'lanczos3' },
    })).data;
    const theirsMoz = () => sharp(jpg).resize({ width: 800, kernel: 'lanczos3' }).jpeg({ quality: 80, mozjpeg: true }).toBuffer();
    const am = await oursMoz(), bm = await theirsMoz();
    const [o, t] = await alternate(oursMoz, theirsMoz);
    rows.push(row('thumbnail 12 MP → 800 px JPEG q80, mozjpeg', { ours: ourThreads, peer: `${sharpDefault} (sharp default)` },
      `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`, o, t,
      { detail: `output bytes: fotobase ${am.length}, sharp ${bm.length}; jpeg-mozjpeg vs jpeg({ mozjpeg: true })` }));
  }
}

if (threadsMode !== '1' && work.includes('argon2')) {
  // --- argon2id at OWASP's parameters, both async on the libuv pool.
  const pw = 'correct horse battery staple';
  const h = await fb.hashPassword(pw);
  if (!h.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')) throw new Error(`unexpected parameters: ${h}`);
  const [o, t] = await alternate(() => fb.hashPassword(pw), () => nodeRsHash(pw, {
    algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32,
  }));
  rows.push(row('argon2id hash (m=19456 KiB, t=2, p=1)', { ours: '1', peer: '1' },
    `@node-rs/argon2 ${pkgVersion('@node-rs/argon2')}`, o, t,
    { detail: 'both async; fotobase also NFKC-normalises and checks the password policy' }));
}

if (threadsMode !== '1' && work.includes('jwt')) {
  // --- JWT sign + verify: our sync TokenIssuer against jose (async API, node:crypto KeyObjects).
  for (const alg of ['EdDSA', 'ES256']) {
    const issuer = fb.TokenIssuer.generate(ISS, AUD, alg);
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    const ours = () => { issuer.verify(issuer.issue('usr_1')); };
    const theirs = async () => {
      const token = await new jose.SignJWT({})
        .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISS).setAudience(AUD).setSubject('usr_1').setIssuedAt().setExpirationTime('15m')
        .setJti(randomBytes(16).toString('base64url'))
        .sign(privateKey);
      await jose.jwtVerify(token, publicKey, {
        issuer: ISS, audience: AUD, algorithms: [alg], typ: 'at+jwt', clockTolerance: 30,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      });
    };
    const [o, t] = await alternate(ours, theirs, { batch: 100 });
    rows.push(row(`JWT ${alg} sign + verify`, { ours: '1', peer: '1' }, `jose ${pkgVersion('jose')}`, o, t,
      { detail: 'same claims (iss, sub, aud, iat, exp, jti), typ at+jwt; ours sync, jose awaited' }));
  }
}

// --- Full-size re-encode at equal SSIMULACRA2: sharp at its usual settings, then fotobase at the
// setting whose SSIMULACRA2 matches sharp's (the smallest quality scoring at least as high), and both
// timed at those settings. Scores: our `compare` (one SSIMULACRA2 implementation for both sides)
// against our decode of the input JPEG. The quality is found by a local search from sharp's quality
// (compress, then compare), not by `optimize`, whose bisection starts at quality 100 and spends about
// eight 12 MP SSIMULACRA2 scores (9 s each on 2 cores) per format; `optimize` has its own row
// (bench_python.py). Both sides may use every core: sharp.concurrency(cores), our rayon pool.
// --quick: the 2 MP photo.
if (threadsMode !== '1' && work.includes('reencode')) {
  const mp = quick ? 2 : 12;
  const jpg = readFileSync(join(inputs, `photo-${mp}mp.jpg`));
  const sharpDefault = sharp.concurrency();
  sharp.cache(false);
  sharp.concurrency(cores);
  const timed = async (fn) => {
    const t = performance.now();
    const data = await fn();
    return { data, secs: (performance.now() - t) / 1000 };
  };
  const score = async (data, metric = 'ssimulacra2') => (await fb.compare(jpg, data, [metric])).metrics[metric];
  const sharpLabel = `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`;
  const threads = { ours: ourThreads, peer: `${cores} (sharp.concurrency)` };
  const fmtQ = (tried) => [...tried.entries()].sort((x, y) => x[0] - y[0])
    .map(([q, r]) => `q${q} ${r.score.toFixed(2)}`).join(', ');

  // The smallest integer quality whose score reaches `target`, searched from `q0`: a step sized by
  // `slope` (score per quality step) until the target is bracketed, then secant steps inside the bracket.
  async function equalScore(at, target, q0, slope, { min = 1, max = 100, maxSteps = 8 } = {}) {
    const tried = new Map();
    let lo = null, hi = null; // highest quality below the target, lowest meeting it
    let q = q0;
    for (let step = 0; step < maxSteps && !tried.has(q); step++) {
      const r = await at(q);
      tried.set(q, r);
      if (r.score >= target) { if (hi === null || q < hi) hi = q; } else if (lo === null || q > lo) lo = q;
      if ((hi !== null && (hi === min || (lo !== null && hi - lo <= 1))) || lo === max) break;
      if (lo !== null && hi !== null) {
        const a = tried.get(lo), b = tried.get(hi);
        q = Math.ceil(lo + ((target - a.score) / (b.score - a.score)) * (hi - lo));
        q = Math.min(hi - 1, Math.max(lo + 1, q));
      } else {
        const miss = target - r.score; // > 0: needs a higher quality; met: try lower
        q = Math.min(max, Math.max(min, q + (miss > 0 ? 1 : -1) * Math.max(1, Math.round(Math.abs(miss) / slope))));
      }
    }
    return { q: hi, best: hi === null ? null : tried.get(hi), below: lo === null ? null : tried.get(lo), tried };
  }

  const lossy = [
    { name: 'JPEG', alg: 'jpeg-mozjpeg', q0: 80, slope: 0.4, params: {}, extra: quick ? 2 : 4,
      sharp: () => sharp(jpg).jpeg({ quality: 80, mozjpeg: true }).toBuffer(),
      settings: 'sharp jpeg({ quality: 80, mozjpeg: true }) (4:2:0, trellis, progressive) vs jpeg-mozjpeg (4:2:0)' },
    { name: 'WebP', alg: 'webp-lossy', q0: 80, slope: 0.4, params: {}, extra: quick ? 2 : 4,
      sharp: () => sharp(jpg).webp({ quality: 80 }).toBuffer(),
      settings: 'sharp webp({ quality: 80 }) (effort 4) vs webp-lossy (effort 4)' },
    // AVIF's default encoder against sharp's default: libvips passes libheif speed = 9 − effort, so
    // sharp's effort 4 is libaom cpu-used 5 (libaom 3.15 bundled); avif-aom is Debian's libaom 3.6 at
    // its default cpu-used 6 (libheif's default too). Both all-intra, 4:4:4, 8 bits. The search starts
    // at q57 with 0.7 points per step, what the photo scored around sharp's target (q55 65.3, q60 68.8).
    { name: 'AVIF', alg: 'avif-aom', q0: 57, slope: 0.7, params: {}, extra: 2,
      sharp: () => sharp(jpg).avif({ quality: 50 }).toBuffer(),
      settings: 'sharp avif({ quality: 50 }) (effort 4 = libaom 3.15 cpu-used 5, 4:4:4, 8-bit) vs avif-aom defaults (libaom 3.6 cpu-used 6, 4:4:4, 8-bit)' },
  ];
  for (const [seq, f] of lossy.entries()) {
    const theirs = await timed(f.sharp);
    const target = await score(theirs.data);
    const oursAt = (q) => async () => (await fb.compress(jpg, { algorithm: f.alg, quality: q, params: f.params })).data;
    const found = await equalScore(async (q) => {
      const r = await timed(oursAt(q));
      return { bytes: r.data.length, secs: r.secs, score: await score(r.data) };
    }, target, f.q0, f.slope);
    if (found.best === null) {
      rows.push(row(`re-encode ${mp} MP → ${f.name} at sharp's SSIMULACRA2`, threads, sharpLabel, null, null, {
        seq, bytes_theirs: theirs.data.length, score_theirs: target,
        detail: `no quality of ${f.alg} reached sharp's SSIMULACRA2 ${target.toFixed(2)} (tried ${fmtQ(found.tried)})`,
      }));
      continue;
    }
    const delta = found.best.score - target;
    const within = delta <= 0.5
      ? `within +0.5`
      : `**not within ±0.5**: one quality step moves the score more (q${found.q - 1}: ${found.below ? found.below.score.toFixed(2) : '?'})`;
    const [o, t] = await alternate(oursAt(found.q), f.sharp,
      { rounds: f.extra, warmup: 0, seed: [[found.best.secs], [theirs.secs]] });
    rows.push(row(`re-encode ${mp} MP → ${f.name} at sharp's SSIMULACRA2`, threads, sharpLabel, o, t, {
      seq, bytes_ours: found.best.bytes, bytes_theirs: theirs.data.length,
      score_ours: found.best.score, score_theirs: target, quality_ours: found.q,
      detail: `bytes fotobase ${found.best.bytes.toLocaleString('en')} (q${found.q}), sharp ${theirs.data.length.toLocaleString('en')}; `
        + `SSIMULACRA2 fotobase ${found.best.score.toFixed(2)}, sharp ${target.toFixed(2)} (Δ ${delta >= 0 ? '+' : ''}${delta.toFixed(2)}, ${within}); `
        + `${f.settings}; search ${fmtQ(found.tried)}; n = ${o.n} per side (first sample from the search, then alternating)`,
    }));
    console.log(`[node ${threadsMode}] re-encode ${f.name}: fotobase q${found.q} ${found.best.bytes} B, SSIMULACRA2 `
      + `${found.best.score.toFixed(2)}, ${o.median.toFixed(2)} s; sharp ${theirs.data.length} B, ${target.toFixed(2)}, ${t.median.toFixed(2)} s`);
  }

  // PNG: lossless on both sides, so equal by definition; checked as MSE against our decode of the input
  // (sharp decodes the JPEG with its own libjpeg-turbo, so its pixels may differ slightly from ours).
  // Two of our efforts against sharp's smallest zlib setting: the default oxipng level 0 (one filter,
  // one deflate pass), and level 2 (filter and deflate trials), which buys smaller files with time.
  for (const level of [0, 2]) {
    const oursPng = async () => (await fb.compress(jpg, { algorithm: 'png-oxipng', params: { level } })).data;
    const theirsPng = () => sharp(jpg).png({ compressionLevel: 9 }).toBuffer();
    const a = await timed(oursPng), b = await timed(theirsPng);
    const [mseA, mseB] = [await score(a.data, 'mse'), await score(b.data, 'mse')];
    // Alternating rounds after the first call of each; level 2 takes seconds, so one round there.
    const [o, t] = await alternate(oursPng, theirsPng, { rounds: level === 0 ? 3 : 1, warmup: 0, seed: [[a.secs], [b.secs]] });
    const effort = level === 0 ? 'level 0 (default)' : `level ${level}`;
    rows.push(row(`re-encode ${mp} MP → PNG, lossless, oxipng ${effort}`, threads, sharpLabel, o, t, {
      seq: lossy.length + (level ? 1 : 0), bytes_ours: a.data.length, bytes_theirs: b.data.length,
      detail: `bytes fotobase ${a.data.length.toLocaleString('en')}, sharp ${b.data.length.toLocaleString('en')}; `
        + `MSE against our decode of the input: fotobase ${mseA.toFixed(4)}, sharp ${mseB.toFixed(4)} (lossless: SSIMULACRA2 equal by definition; `
        + `a non-zero MSE is sharp's JPEG decoder differing from ours); sharp png({ compressionLevel: 9 }) (zlib 9, no adaptive filtering) `
        + `vs png-oxipng params { level: ${level} }; n = ${o.n} per side`,
    }));
  }
  sharp.concurrency(sharpDefault);
}

const versions = {
  'fotobase (Node)': pkgVersion('fotobase'),
  Node: process.versions.node,
  sharp: sharp.versions.sharp,
  libvips: sharp.versions.vips,
  'mozjpeg (in sharp)': sharp.versions.mozjpeg,
  jose: pkgVersion('jose'),
  '@node-rs/argon2': pkgVersion('@node-rs/argon2'),
};
writeFileSync(out, JSON.stringify({ binding: 'node', threads: threadsMode, rows, versions,
  seconds: (performance.now() - started) / 1000 }, null, 1));
for (const r of rows) console.log(`[node ${threadsMode}] ${r.workload}: ${r.ratio === null ? '—' : r.ratio.toFixed(2)}x vs ${r.peer} (${r.threads.peer})`);
