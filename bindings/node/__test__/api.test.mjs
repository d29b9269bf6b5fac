// The JS surface itself: Promise and Sync twins agree, Promises leave the event
// loop free, errors carry codes, any Uint8Array is accepted, the typings ship.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import * as fb from 'fotobase';
import { packageDir } from './helpers.mjs';

const png = fb.synthetic(64, 48, 1, 'png');
const jpeg = fb.synthetic(64, 48, 1, 'jpeg');

/** Search steps carry encode timings, which differ run to run. */
const untimed = ({ steps, ...rest }) => ({ ...rest, steps: steps.map(({ encodeMs, ...s }) => s) });

test('the package under test is the packed one when the script says so', () => {
  if (!process.env.FOTOBASE_NODE_PACKED) return;
  assert.match(packageDir, /node_modules[\\/]fotobase$/);
  const repo = process.env.FOTOBASE_NODE_PACKED;
  const rel = relative(repo, packageDir);
  assert.ok(rel.startsWith('..') || isAbsolute(rel), `${packageDir} is inside the repo ${repo}`);
});

test('compress and compressSync give the same bytes and info', async () => {
  const opts = { format: 'webp', quality: 80, metrics: ['psnr'] };
  const a = await fb.compress(png, opts);
  const s = fb.compressSync(png, opts);
  assert.ok(Buffer.isBuffer(a.data) && Buffer.isBuffer(s.data));
  assert.ok(a.data.equals(s.data));
  assert.deepEqual({ ...a, data: null }, { ...s, data: null });
  assert.equal(a.inputBytes, png.length);
  assert.equal(a.bytes, a.data.length);
  assert.equal(typeof a.metrics.psnr, 'number');
});

test('optimize and optimizeSync agree', async () => {
  const a = await fb.optimize(jpeg, 'jpeg-mozjpeg', { maxBytes: 2000 });
  const s = fb.optimizeSync(jpeg, 'jpeg-mozjpeg', { maxBytes: 2000 });
  assert.ok(a.data.equals(s.data));
  assert.deepEqual(untimed({ ...a, data: null }), untimed({ ...s, data: null }));
  assert.ok(a.bytes <= 2000 && a.steps.length > 0);
});

test('compare and compareSync agree', async () => {
  const distorted = fb.compressSync(png, { format: 'jpeg', quality: 50 }).data;
  const a = await fb.compare(png, distorted, ['psnr', 'ms_ssim']);
  assert.deepEqual(a, fb.compareSync(png, distorted, ['psnr', 'ms_ssim']));
  assert.deepEqual(Object.keys(a.metrics).sort(), ['msSsim', 'psnr']);
  assert.equal(a.reference.format, 'png');
  assert.equal(a.distorted.bytes, distorted.length);
});

test('comparePixels and comparePixelsSync agree, on Buffer and Uint8Array data', async () => {
  const data = new Uint8Array(16 * 8 * 3).map((_, i) => (i * 7) % 256);
  const ref = { width: 16, height: 8, channels: 3, data };
  const dist = { ...ref, data: Buffer.from(data.map((v) => v ^ 1)) };
  const a = await fb.comparePixels(ref, dist, ['mse', 'psnr']);
  assert.deepEqual(a, fb.comparePixelsSync(ref, dist, ['mse', 'psnr']));
  assert.equal(a.mse, 1);
  assert.deepEqual(await fb.comparePixels(ref, ref, ['mse']), { mse: 0 });
});

test('compareAll and compareAllSync agree', async () => {
  const algorithms = ['png-oxipng', 'webp-lossy'];
  const a = await fb.compareAll(png, 'psnr>=30', algorithms);
  assert.deepEqual(a, fb.compareAllSync(png, 'psnr>=30', algorithms));
  assert.deepEqual(a.results.map((r) => r.algorithm).sort(), algorithms);
  assert.equal(a.inputBytes, png.length);
  assert.ok(algorithms.includes(a.best));
});

test('thumbnail and thumbnailSync agree', async () => {
  const a = await fb.thumbnail(png, 32, undefined, { format: 'jpeg' });
  const s = fb.thumbnailSync(png, 32, null, { format: 'jpeg' });
  assert.ok(a.data.equals(s.data));
  assert.deepEqual({ ...a, data: null }, { ...s, data: null });
  assert.deepEqual([a.width, a.height, a.format], [32, 24, 'jpeg']);
});

test('hashPassword and hashPasswordSync hashes verify with either verifier', async () => {
  const pw = 'correct horse battery staple';
  const [a, s] = [await fb.hashPassword(pw), fb.hashPasswordSync(pw)];
  assert.match(a, /^\$argon2id\$/);
  assert.notEqual(a, s, 'fresh salts');
  assert.equal(fb.verifyPasswordSync(a, pw), true);
  assert.equal(await fb.verifyPassword(s, pw), true);
  assert.equal(await fb.verifyPassword(s, 'wrong horse battery staple'), false);
  assert.equal(fb.verifyPasswordSync(a, 'nope nope nope nope'), false);
  assert.equal(fb.needsRehash(a), false);
});

test('a Promise leaves the event loop free while the work runs on the pool', async () => {
  const photo = fb.synthetic(384, 256, 7, 'png');
  let done = false;
  let turns = 0;
  let turnsWhilePending = 0;
  const spin = () => {
    turns++;
    if (!done) turnsWhilePending++;
    if (!done) setImmediate(spin);
  };
  const pending = fb.compress(photo, { format: 'avif', quality: 60 }).then((r) => {
    done = true;
    return r;
  });
  setImmediate(spin);
  const out = await pending;
  assert.equal(out.format, 'avif');
  // A call that blocked would settle before any event-loop turn; here many pass.
  assert.ok(turnsWhilePending > 0, `the loop turned ${turns} times, none while compressing`);
});

test('the Sync twin blocks (the contrast to the test above)', () => {
  let turned = false;
  setImmediate(() => (turned = true));
  fb.compressSync(png, { format: 'avif', quality: 60 });
  assert.equal(turned, false);
});

test('errors are Error objects with the core code, a message and context', async () => {
  const notAnImage = Buffer.from('this is not an image');
  assert.throws(() => fb.probe(notAnImage), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'unsupported_format');
    assert.ok(e.message.length > 0);
    assert.equal(typeof e.context, 'object');
    return true;
  });
  await assert.rejects(fb.compress(notAnImage), (e) => e instanceof Error && e.code === 'unsupported_format');
  await assert.rejects(fb.hashPassword('a'), { code: 'weak_password' });
  assert.throws(() => fb.compressSync(png, { qualty: 80 }), (e) => {
    assert.equal(e.code, 'invalid_argument');
    assert.match(e.message, /qualty/);
    assert.match(e.context.allowed, /quality/);
    return true;
  });
  assert.throws(() => fb.thumbnailSync(png, 10, null, { size: 3 }), { code: 'invalid_argument' });
  assert.throws(() => fb.synthetic(0, 10), { code: 'invalid_argument' });
});

test('arguments of the wrong JS type are invalid_argument too', async () => {
  assert.throws(() => fb.compressSync('photo.jpg'), (e) => e.code === 'invalid_argument' && /Buffer/.test(e.message));
  await assert.rejects(async () => fb.compress('photo.jpg'), { code: 'invalid_argument' });
  assert.throws(() => fb.probe(new Uint16Array(4)), { code: 'invalid_argument' });
  assert.throws(() => fb.thumbnailSync(png, -5), { code: 'invalid_argument' });
  assert.throws(() => fb.thumbnailSync(png, 10.5), { code: 'invalid_argument' });
  assert.throws(() => fb.synthetic(-1, 5), { code: 'invalid_argument' });
  const pixels = { width: 2, height: 2, channels: 3, data: new Uint8Array(12) };
  assert.throws(() => fb.comparePixelsSync({ width: 2 }, pixels), (e) => e.code === 'invalid_argument' && /height/.test(e.message));
  assert.throws(() => fb.comparePixelsSync({ ...pixels, channels: 300 }, pixels), { code: 'invalid_argument' });
  assert.throws(() => fb.compressSync(png, 5), { code: 'invalid_argument' });
});

test('errorCodes lists every code, snake_case', () => {
  const codes = fb.errorCodes();
  for (const c of ['unsupported_format', 'corrupt_input', 'invalid_argument', 'weak_password', 'token_expired', 'quota_exceeded', 'unexpected']) {
    assert.ok(codes.includes(c), c);
  }
  assert.ok(codes.every((c) => /^[a-z_]+$/.test(c)));
  assert.equal(new Set(codes).size, codes.length);
});

test('Buffer, Uint8Array and offset views are all accepted; Buffers come out', () => {
  const viaBuffer = fb.compressSync(png, { format: 'png' });
  const viaArray = fb.compressSync(new Uint8Array(png), { format: 'png' });
  const backing = new Uint8Array(png.length + 11);
  backing.set(png, 5);
  const view = backing.subarray(5, 5 + png.length);
  assert.ok(viaBuffer.data.equals(viaArray.data));
  assert.ok(viaBuffer.data.equals(fb.compressSync(view, { format: 'png' }).data));
  assert.deepEqual(fb.probe(view), fb.probe(png));
  assert.ok(Buffer.isBuffer(fb.synthetic(8, 8)));
  assert.ok(Buffer.isBuffer(viaArray.data));
});

test('results are camelCase; option objects are taken camelCase', () => {
  const p = fb.probe(jpeg);
  assert.deepEqual(Object.keys(p).sort(), ['format', 'frames', 'hasAlpha', 'height', 'metadata', 'orientation', 'uprightHeight', 'uprightWidth', 'width']);
  const r = fb.compressSync(png, { format: 'jpeg', quality: 70, resize: { width: 100, withoutEnlargement: true }, keepMetadata: false });
  assert.equal(r.width, 64, 'withoutEnlargement reached the core');
  assert.ok(fb.algorithms().every((a) => 'qualityParam' in a && !('quality_param' in a)));
});

test('TokenIssuer issues, publishes and verifies; claims keep their names', () => {
  const issuer = fb.TokenIssuer.generate('https://auth.test', 'api', 'ES256');
  const token = issuer.issue('usr_1', { ttlSecs: 60, roles: ['viewer'], scope: 'photos:read', claims: { tenant_id: 't1', photoCount: 3 } });
  const jwks = issuer.jwks();
  assert.equal(jwks.keys[0].alg, 'ES256');
  const claims = fb.TokenIssuer.fromJwks(jwks, 'https://auth.test', 'api').verify(token);
  assert.equal(claims.sub, 'usr_1');
  assert.deepEqual(claims.roles, ['viewer']);
  assert.equal(claims.tenant_id, 't1');
  assert.equal(claims.photoCount, 3);
  assert.equal(claims.exp - claims.iat, 60);
  assert.throws(() => fb.TokenIssuer.fromJwks(jwks, 'https://auth.test', 'other').verify(token), { code: 'token_audience' });
  assert.throws(() => issuer.verify(`${token}x`), { code: 'token_invalid' });
  assert.throws(() => fb.TokenIssuer.generate('i', 'a', 'HS256'), { code: 'invalid_argument' });
  assert.throws(() => new fb.TokenIssuer());
});

test('oidcStart binds the PKCE verifier; each attempt has fresh secrets', async () => {
  const { createHash } = await import('node:crypto');
  const iss = 'https://idp.test';
  const doc = { issuer: iss, authorization_endpoint: `${iss}/auth`, token_endpoint: `${iss}/token`, jwks_uri: `${iss}/jwks` };
  const first = fb.oidcStart(JSON.stringify(doc), iss, 'app', 'https://app.test/cb');
  const query = new URL(first.url).searchParams;
  assert.equal(query.get('code_challenge'), createHash('sha256').update(first.codeVerifier).digest('base64url'));
  assert.equal(query.get('state'), first.state);
  const second = fb.oidcStart(doc, iss, 'app', 'https://app.test/cb');
  assert.notEqual(second.state, first.state);
  assert.notEqual(second.codeVerifier, first.codeVerifier);
  const body = new URLSearchParams(fb.oidcTokenRequestBody('app', 'https://app.test/cb', 'c0de', first.codeVerifier));
  assert.equal(body.get('code_verifier'), first.codeVerifier);
  assert.equal(fb.oidcProvider(doc, iss).tokenEndpoint, `${iss}/token`);
  assert.throws(() => fb.oidcProvider(doc, 'https://other.test'), { code: 'token_issuer' });
});

test('WebAuthn options are the objects the browser takes; challenges are fresh', () => {
  const [a, b] = [fb.webauthnChallenge(), fb.webauthnChallenge()];
  assert.notEqual(a, b);
  const opts = fb.webauthnRegistrationOptions('photos.test', 'Photos', a, Buffer.from([1, 2]), 'jane', 'Jane', ['cred1']);
  assert.deepEqual(opts.pubKeyCredParams[0], { type: 'public-key', alg: -7 });
  assert.deepEqual(opts.excludeCredentials, [{ type: 'public-key', id: 'cred1' }]);
  assert.equal(fb.webauthnAuthenticationOptions('photos.test', b).rpId, 'photos.test');
  assert.throws(() => fb.webauthnVerifyRegistration('photos.test', ['https://photos.test'], a, '{not json'), { code: 'invalid_argument' });
  assert.throws(() => fb.webauthnVerifyAuthentication('photos.test', ['https://photos.test'], a, {}, 'k', -1), { code: 'invalid_argument' });
});

test('public ids take numbers and bigints and give back the same kind', () => {
  const secret = new Uint8Array(32).fill(7);
  const id = fb.publicIdEncode(secret, 'img', 42);
  assert.match(id, /^img_/);
  assert.equal(fb.publicIdDecode(secret, 'img', id), 42);
  const max = 2n ** 64n - 1n;
  assert.equal(fb.publicIdDecode(secret, 'img', fb.publicIdEncode(Buffer.from(secret), 'img', max)), max);
  assert.equal(fb.publicIdDecode(secret, 'img', fb.publicIdEncode(secret, 'img', 2n ** 53n - 1n)), 2 ** 53 - 1);
  for (const bad of [1.5, -1, 2 ** 53, Number.NaN, -1n, 2n ** 64n]) {
    assert.throws(() => fb.publicIdEncode(secret, 'img', bad), { code: 'invalid_argument' }, String(bad));
  }
  assert.throws(() => fb.publicIdDecode(secret, 'usr', id), { code: 'invalid_argument' });
  assert.throws(() => fb.publicIdEncode(new Uint8Array(8), 'img', 1), { code: 'invalid_argument' });
});

test('index.d.ts ships and declares every export', () => {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const dtsPath = join(packageDir, pkg.types);
  assert.ok(existsSync(dtsPath), `${dtsPath} is missing`);
  const dts = readFileSync(dtsPath, 'utf8');
  const exported = Object.keys(fb).filter((k) => k !== 'default');
  assert.ok(exported.length >= 25, `only ${exported.length} exports`);
  const declares = (re) => re.test(dts);
  for (const name of exported) {
    assert.ok(declares(new RegExp(`export declare (function|class|const) ${name}\\b`)), `${name} is not declared`);
  }
  const heavy = ['compress', 'optimize', 'compare', 'comparePixels', 'compareAll', 'thumbnail', 'hashPassword', 'verifyPassword'];
  for (const name of heavy) {
    assert.ok(declares(new RegExp(`function ${name}\\([^)]*\\): Promise<(?!unknown)`)), `${name} returns a typed Promise`);
    assert.ok(declares(new RegExp(`function ${name}Sync\\(`)), `${name}Sync`);
  }
  assert.ok(declares(/function compress\(data: Uint8Array, options\?: CompressOptions[^)]*\): Promise<CompressResult>/));
  assert.ok(declares(/function optimize\(data: Uint8Array, algorithm: string, target: Target, options\?: OptimizeOptions\): Promise<CompressResult>/));
  for (const type of ['CompressOptions', 'CompressResult', 'Comparison', 'Metrics', 'CompareAllResult', 'ProbeResult', 'Pixels', 'Claims', 'Jwks', 'FotobaseError']) {
    assert.ok(declares(new RegExp(`export (interface|type) ${type}\\b`)), `${type} is not declared`);
  }
  assert.ok(declares(/static generate\(issuer: string, audience: string, algorithm\?: string[^)]*\): TokenIssuer/));
});
