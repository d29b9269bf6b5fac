// The shared behaviour suite (testdata/cases, format in its README) through
// the public JS API, called as a JS user would: camelCase argument and option
// names, Buffer inputs, Promises. Results are renamed back to snake_case only
// to match them against the cases.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as fb from 'fotobase';
import { camel, casesDir, corpusDir, join, parseJson, renameKeys, snake } from './helpers.mjs';

const SKIP = Symbol('corpus absent');

/** Bytes of an input spec, or SKIP for a corpus file that is not there. */
function input(spec) {
  if (spec.synthetic) {
    const { width, height, seed, format } = spec.synthetic;
    return fb.synthetic(width, height, seed, format ?? 'png');
  }
  if (typeof spec.base64 === 'string') return Buffer.from(spec.base64, 'base64');
  if (typeof spec.text === 'string') return Buffer.from(spec.text, 'utf8');
  if (typeof spec.corpus === 'string') {
    const file = join(corpusDir, spec.corpus);
    if (existsSync(file)) return readFileSync(file);
    if (process.env.FOTOBASE_REQUIRE_CORPUS === '1') throw new Error(`FOTOBASE_REQUIRE_CORPUS=1 but no ${file}`);
    return SKIP;
  }
  throw new Error(`unknown input spec ${JSON.stringify(spec)}`);
}

/** Pixel buffer spec: byte i = (i * step + offset) mod 256. */
function pixels({ width, height, channels, step = 0, offset = 0 }) {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * step + offset) % 256;
  return { width, height, channels, data };
}

/** An encode result as the cases see it: the info plus `output`, a probe of the bytes. */
function encoded({ data, ...info }) {
  assert.ok(Buffer.isBuffer(data), 'encoded data is a Buffer');
  return { ...info, output: fb.probe(data) };
}

/** Each op as a JS user calls it; `a` holds the camelCased arguments, `data` the input bytes. */
const OPS = {
  compress: async (a, data) => encoded(await fb.compress(data, a.options)),
  optimize: async (a, data) => encoded(await fb.optimize(data, a.algorithm, a.target, a.options)),
  thumbnail: async (a, data) => encoded(await fb.thumbnail(data, a.width, a.height, { fit: a.fit, format: a.format })),
  compare: (a, data) => fb.compare(data, a.distortedInput, a.metrics),
  edit: async (a, data) => {
    const out = await fb.compress(data, { format: 'png', operations: a.operations });
    const against = await fb.compare(a.referenceInput, out.data, ['mse', 'psnr']);
    return { ...encoded(out), reference: against.metrics };
  },
  compare_pixels: (a) => fb.comparePixels(pixels(a.reference), pixels(a.distorted), a.metrics),
  compare_all: (a, data) => fb.compareAll(data, a.target, a.algorithms),
  algorithms: () => fb.algorithms(),
  probe: (_, data) => fb.probe(data),
  hash_password: async (a) => {
    const hash = await fb.hashPassword(a.password);
    return { hashPrefix: hash.slice(0, 31), verified: await fb.verifyPassword(hash, a.password), needsRehash: fb.needsRehash(hash) };
  },
  verify_password: async (a) => ({ verified: await fb.verifyPassword(a.hash, a.password), needsRehash: fb.needsRehash(a.hash) }),
  issue_token: (a) => {
    const issuer = fb.TokenIssuer.generate(a.issuer, a.audience, a.algorithm);
    const token = issuer.issue(a.subject, a.options);
    return fb.TokenIssuer.fromJwks(issuer.jwks(), a.issuer, a.verifyAudience ?? a.audience).verify(token);
  },
  verify_token: (a) => fb.TokenIssuer.fromJwks(a.jwks, a.issuer, a.audience).verify(a.token),
  public_id: (a) => {
    const secret = Buffer.from(a.secretHex, 'hex');
    const publicId = fb.publicIdEncode(secret, a.prefix, a.id);
    return { publicPrefix: publicId.split('_')[0], decoded: fb.publicIdDecode(secret, a.decodePrefix ?? a.prefix, publicId) };
  },
  public_id_decode: (a) => ({ decoded: fb.publicIdDecode(Buffer.from(a.secretHex, 'hex'), a.prefix, a.public) }),
  totp_code: (a) => ({ code: fb.totpCode(a.secret, a.at) }),
  totp_verify: (a) => ({ step: fb.totpVerify(a.secret, a.code, a.at, a.afterStep) }),
  totp_uri: (a) => ({ uri: fb.totpUri(a.secret, a.issuer, a.account) }),
  // Wire documents go in as the JSON text a server receives, or as the parsed object.
  oidc_provider: (a) => fb.oidcProvider(JSON.stringify(a.discovery), a.issuer),
  oidc_start: (a) => fb.oidcStart(a.discovery, a.issuer, a.clientId, a.redirectUri, a.scopes),
  oidc_token_request_body: (a) => ({ body: fb.oidcTokenRequestBody(a.clientId, a.redirectUri, a.code, a.codeVerifier) }),
  oidc_verify_id_token: (a) => fb.oidcVerifyIdToken(a.jwks, a.issuer, a.clientId, a.idToken, a.nonce, a.now),
  webauthn_registration_options: (a) => ({
    options: fb.webauthnRegistrationOptions(
      a.rpId, a.rpName, a.challenge, Buffer.from(a.userHandleHex, 'hex'), a.userName, a.displayName, a.exclude),
  }),
  webauthn_authentication_options: (a) => ({ options: fb.webauthnAuthenticationOptions(a.rpId, a.challenge) }),
  webauthn_verify_registration: (a) => fb.webauthnVerifyRegistration(a.rpId, a.origins, a.challenge, JSON.stringify(a.response)),
  webauthn_verify_authentication: (a) => ({
    signCount: fb.webauthnVerifyAuthentication(a.rpId, a.origins, a.challenge, a.response, a.publicKey, a.signCount),
  }),
};

/** Argument names camelCased; option objects and targets too, as a user writes them. */
function jsArgs(args = {}) {
  const out = {};
  for (const [k, v] of Object.entries(args)) {
    if (k.endsWith('_input')) out[camel(k)] = input(v);
    else out[camel(k)] = k === 'options' || k === 'target' ? renameKeys(v, camel) : v;
  }
  return out;
}

async function execute(c) {
  const op = OPS[c.op];
  if (!op) throw new Error(`unknown op ${JSON.stringify(c.op)}`);
  const data = c.input === undefined ? undefined : input(c.input);
  const args = jsArgs(c.args);
  if (data === SKIP || Object.values(args).includes(SKIP)) return SKIP;
  return renameKeys(await op(args, data), snake);
}

// --- matchers (testdata/cases/README.md); `$` is the whole result ----------------

const MATCHER_KEYS = ['min', 'max', 'approx', 'tol', 'prefix', 'contains', 'has', 'absent', 'one_of'];

function lookup(v, path) {
  if (path === '$') return v ?? undefined;
  let cur = v;
  for (const seg of path.split('.')) {
    if (seg === 'length' && (Array.isArray(cur) || typeof cur === 'string')) cur = [...cur].length;
    else if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur === null ? undefined : cur;
}

function equal(want, got) {
  const numeric = (x) => typeof x === 'number' || typeof x === 'bigint';
  if (numeric(want) && numeric(got)) {
    if (typeof want === 'bigint' || typeof got === 'bigint') {
      return Number.isInteger(Number(want)) && Number.isInteger(Number(got)) && BigInt(want) === BigInt(got);
    }
    return Math.abs(want - got) < 1e-12;
  }
  if (want === null) return got === undefined || got === null;
  if (Array.isArray(want)) return Array.isArray(got) && want.length === got.length && want.every((w, i) => equal(w, got[i]));
  if (typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return false;
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    return [...keys].every((k) => equal(want[k] ?? null, got[k] ?? undefined));
  }
  return want === got;
}

const show = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));

/** A reason the matcher fails, or null. */
function mismatch(m, got) {
  const isMatcher = m !== null && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).length > 0 && Object.keys(m).every((k) => MATCHER_KEYS.includes(k));
  if (isMatcher) {
    const num = () => {
      if (typeof got !== 'number' && typeof got !== 'bigint') throw new Error(`expected a number, got ${show(got)}`);
      return Number(got);
    };
    const text = () => {
      if (typeof got !== 'string') throw new Error(`expected a string, got ${show(got)}`);
      return got;
    };
    try {
      if ('absent' in m) return got === undefined ? null : `expected nothing, got ${show(got)}`;
      if ('approx' in m) {
        const tol = m.tol ?? 1e-9;
        return Math.abs(num() - m.approx) <= tol ? null : `${show(got)} is not within ${tol} of ${m.approx}`;
      }
      if ('min' in m || 'max' in m) {
        const g = num();
        return (m.min !== undefined && g < m.min) || (m.max !== undefined && g > m.max) ? `${g} is outside ${show(m)}` : null;
      }
      if ('prefix' in m) return text().startsWith(m.prefix) ? null : `${show(got)} does not start with ${show(m.prefix)}`;
      if ('contains' in m) return text().includes(m.contains) ? null : `${show(got)} does not contain ${show(m.contains)}`;
      if (Array.isArray(m.one_of)) return m.one_of.some((o) => equal(o, got)) ? null : `${show(got)} is none of ${show(m.one_of)}`;
      if (m.has && typeof m.has === 'object') {
        if (!Array.isArray(got)) return `expected an array, got ${show(got)}`;
        const hit = got.some((item) => Object.entries(m.has).every(([k, v]) => equal(v, item?.[k] ?? undefined)));
        return hit ? null : `no element has ${show(m.has)}`;
      }
    } catch (e) {
      return e.message;
    }
  }
  return equal(m, got) ? null : `expected ${show(m)}, got ${show(got)}`;
}

// --- one test per case -----------------------------------------------------------

const files = readdirSync(casesDir).filter((f) => f.endsWith('.json')).sort();
const names = new Set();
/** Corpus files checked, by top folder: a run that silently skipped the corpus shows here. */
const corpusCounts = new Map();

after(() => {
  const parts = [...corpusCounts].sort().map(([folder, n]) => `${folder}/ ${n}`);
  console.log(parts.length ? `corpus cases passed per folder: ${parts.join(', ')}` : 'corpus: no case checked a corpus file');
});

test('the behaviour cases are found', () => {
  assert.ok(files.length > 0, `no case files in ${casesDir}`);
});

for (const file of files) {
  const cases = parseJson(readFileSync(join(casesDir, file), 'utf8'));
  describe(file, () => {
    for (const c of cases) {
      test(c.name, async (t) => {
        assert.ok(!names.has(c.name), `duplicate case name ${c.name}`);
        names.add(c.name);
        // `expect_error`: a code, or a list of codes any of which will do.
        const codes = typeof c.expect_error === 'string' ? [c.expect_error] : c.expect_error;
        const wantsError = Array.isArray(codes);
        assert.ok(wantsError !== (c.expect !== undefined), 'a case needs exactly one of expect / expect_error');
        const counted = () => {
          const folder = c.input?.corpus?.split('/')[0];
          if (folder) corpusCounts.set(folder, (corpusCounts.get(folder) ?? 0) + 1);
        };
        let result;
        try {
          result = await execute(c);
        } catch (e) {
          if (!wantsError) throw e;
          assert.ok(e instanceof Error, `threw a non-Error: ${show(e)}`);
          assert.ok(codes.includes(e.code), `expected error ${codes}, got ${e.code}: ${e.message}`);
          return counted();
        }
        if (result === SKIP) return t.skip('corpus not available');
        assert.ok(!wantsError, `expected error ${codes}, got a result: ${show(result)}`);
        for (const [path, matcher] of Object.entries(c.expect)) {
          const why = mismatch(matcher, lookup(result, path));
          assert.equal(why, null, `${path}: ${why}\n    result: ${show(result)}`);
        }
        counted();
      });
    }
  });
}
