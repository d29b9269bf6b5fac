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
async function alternate(ours, theirs, { rounds: n = rounds, batch = 1, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) { await ours(); await theirs(); }
  const a = [], b = [];
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
  workload, binding: 'node', threads, peer, ours, theirs, ratio: theirs.median / ours.median, ...extra,
});

const ourThreads = threadsMode === '1' ? '1' : `${cores} (rayon default)`;
const rows = [];
const started = performance.now();

// --- thumbnail: 12 MP JPEG → fit 800 px wide, Lanczos-3 → baseline JPEG q80 4:2:0, optimised Huffman
// (sharp's default JPEG settings; our jpeg-baseline). Both shrink on load; both async (libuv pool).
{
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

if (threadsMode !== '1') {
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
for (const r of rows) console.log(`[node ${threadsMode}] ${r.workload}: ${r.ratio.toFixed(2)}x vs ${r.peer} (${r.threads.peer})`);
