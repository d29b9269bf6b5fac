// fotobase tokens against `jose` (panva), for real: jose verifies our tokens
// using only our JWKS, and we verify jose's tokens using only theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = process.env.FOTOBASE_BIN ?? join(root, 'target/debug/fotobase');
const work = mkdtempSync(join(tmpdir(), 'fotobase-jose-'));
const ISS = 'https://auth.fotobase.test';
const AUD = 'fotobase-api';
const ALGS = ['EdDSA', 'ES256', 'RS256'];

const fb = (args, input) => execFileSync(bin, args, { input, encoding: 'utf8' });

for (const alg of ALGS) {
  test(`jose verifies our ${alg} tokens with our JWKS`, async () => {
    const dir = join(work, `ours-${alg}`);
    const kid = fb(['keys', 'generate', '--alg', alg, '--dir', dir]).trim();
    const token = fb(['token', 'issue', '--dir', dir, '--sub', 'usr_1', '--aud', AUD, '--iss', ISS, '--role', 'viewer']).trim();
    const jwks = jose.createLocalJWKSet(JSON.parse(fb(['keys', 'jwks', '--dir', dir])));
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer: ISS, audience: AUD, algorithms: [alg], typ: 'at+jwt', requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    assert.equal(protectedHeader.kid, kid);
    assert.equal(payload.sub, 'usr_1');
    assert.deepEqual(payload.roles, ['viewer']);
  });

  test(`we verify jose's ${alg} tokens with their JWKS`, async () => {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'jose-1', alg, use: 'sig' };
    const file = join(work, `theirs-${alg}.json`);
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const dir = join(work, `theirs-${alg}`);
    assert.equal(fb(['keys', 'import', file, '--dir', dir]).trim(), 'jose-1');

    const sign = (exp) => new jose.SignJWT({ scope: 'photos:read' })
      .setProtectedHeader({ alg, kid: 'jose-1', typ: 'at+jwt' })
      .setIssuer(ISS).setAudience(AUD).setSubject('usr_7').setIssuedAt().setJti('j-1').setExpirationTime(exp)
      .sign(privateKey);
    const claims = JSON.parse(fb(['token', 'verify', '--dir', dir, '--aud', AUD, '--iss', ISS], await sign('5m')));
    assert.equal(claims.sub, 'usr_7');
    assert.equal(claims.scope, 'photos:read');

    const expired = await sign(Math.floor(Date.now() / 1000) - 120);
    const r = spawnSync(bin, ['--json', 'token', 'verify', '--dir', dir, '--aud', AUD, '--iss', ISS], { input: expired, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stderr).error.code, 'token_expired');
  });
}
