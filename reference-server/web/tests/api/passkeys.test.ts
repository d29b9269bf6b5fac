import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../src/api/http';
import { unlinkOidc } from '../../src/api/oidc';
import {
  authenticationToJSON,
  createPasskey,
  creationOptionsFromJSON,
  defaultPasskeyName,
  fromBase64url,
  getPasskey,
  passkeysSupported,
  passkeysUsableHere,
  registrationToJSON,
  removePasskey,
  requestOptionsFromJSON,
  toBase64url,
} from '../../src/api/passkeys';
import { ApiError, describe as say } from '../../src/api/problem';
import { accessToken, clearTokens, onExpired, setTokens } from '../../src/api/session';
import { clearCookies, json, mockFetch, problem, setCookie, TOKEN } from '../helpers';
import { assertion, attestation, buf, bytes, CREATION, CRED_ID, domError, installWebAuthn, RAW_ID, removeWebAuthn, REQUEST } from '../passkeyDoubles';

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

describe('base64url', () => {
  it('round-trips every length and every byte value, without padding and in the URL-safe alphabet', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    for (let n = 0; n <= 256; n++) {
      const data = all.slice(256 - n);
      const text = toBase64url(data);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(text.length).toBe(Math.ceil((n * 4) / 3));
      expect(hex(fromBase64url(text))).toBe(hex(buf(data)));
    }
  });

  it('matches RFC 4648 and Node', () => {
    expect(toBase64url(bytes(''))).toBe('');
    expect(toBase64url(bytes('f'))).toBe('Zg');
    expect(toBase64url(bytes('fo'))).toBe('Zm8');
    expect(toBase64url(bytes('foo'))).toBe('Zm9v');
    expect(toBase64url(bytes('foob'))).toBe('Zm9vYg');
    expect(toBase64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(toBase64url(new Uint8Array([0xfb, 0xef, 0xbe]))).toBe('----');
    expect(toBase64url(new Uint8Array([0xff, 0xff, 0xff]))).toBe('____');
    const big = new Uint8Array(100_003).map((_, i) => (i * 7919) & 0xff);
    expect(toBase64url(big)).toBe(Buffer.from(big).toString('base64url'));
    expect(hex(fromBase64url(Buffer.from(big).toString('base64url')))).toBe(Buffer.from(big).toString('hex'));
  });

  it('takes an ArrayBuffer, a view, or part of a buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(toBase64url(whole.buffer)).toBe('AQIDBAUG');
    expect(toBase64url(whole.subarray(2, 4))).toBe('AwQ');
    expect(toBase64url(new DataView(whole.buffer, 1, 2))).toBe('AgM');
  });

  it('reads padded and standard-alphabet input too, and refuses anything else', () => {
    expect(hex(fromBase64url('-_8='))).toBe('fbff');
    expect(hex(fromBase64url('+/8'))).toBe('fbff');
    expect(hex(fromBase64url('Zg=='))).toBe('66');
    expect(() => fromBase64url('Zm9v!')).toThrow(TypeError);
    expect(() => fromBase64url('Z')).toThrow(TypeError);
    expect(() => fromBase64url('Zm 9v')).toThrow(TypeError);
  });
});

describe('the ceremonies', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    removeWebAuthn();
  });

  it('decodes the creation options itself: challenge, user id and excluded ids as buffers, the rest as sent', () => {
    const o = creationOptionsFromJSON(CREATION);
    expect(new TextDecoder().decode(o.challenge as ArrayBuffer)).toBe('challenge-1');
    expect(new TextDecoder().decode(o.user.id as ArrayBuffer)).toBe('usr_1');
    expect(o.user.name).toBe('ann@example.com');
    expect(o.user.displayName).toBe('Ann');
    expect(new TextDecoder().decode(o.excludeCredentials![0]!.id as ArrayBuffer)).toBe('old-key');
    expect(o.excludeCredentials![0]!.type).toBe('public-key');
    expect(o.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -8, -257]);
    expect(o.authenticatorSelection).toEqual({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(o.rp).toEqual({ id: 'localhost', name: 'fotobase' });
    expect([o.attestation, o.timeout]).toEqual(['none', 300000]);
    const r = requestOptionsFromJSON({ ...REQUEST, allowCredentials: [{ type: 'public-key', id: CRED_ID, transports: ['internal'] }] });
    expect(new TextDecoder().decode(r.challenge as ArrayBuffer)).toBe('login-challenge');
    expect(hex(r.allowCredentials![0]!.id as ArrayBuffer)).toBe(hex(buf(RAW_ID)));
    expect(r.allowCredentials![0]!.transports).toEqual(['internal']);
    expect([r.rpId, r.userVerification]).toEqual(['localhost', 'required']);
  });

  it('creates a passkey and encodes the answer itself when the browser cannot', async () => {
    const { create } = installWebAuthn();
    const out = await createPasskey(CREATION);
    const publicKey = create.mock.calls[0]![0].publicKey!;
    expect(new TextDecoder().decode(publicKey.challenge as ArrayBuffer)).toBe('challenge-1');
    expect(new TextDecoder().decode(publicKey.user.id as ArrayBuffer)).toBe('usr_1');
    expect(out).toEqual({
      id: CRED_ID,
      rawId: CRED_ID,
      type: 'public-key',
      response: {
        clientDataJSON: toBase64url(bytes('{"type":"webauthn.create"}')),
        attestationObject: 'o2NmbXQ',
        transports: ['internal', 'hybrid'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
    });
    expect(CRED_ID).toBe('-_-_AQID_g');
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it("uses the browser's own parser and JSON when it has them, sending only the members the server reads", async () => {
    const parsed = { challenge: new Uint8Array([1]).buffer, rp: { name: 'x' }, user: { id: new Uint8Array([2]).buffer, name: 'n', displayName: 'd' }, pubKeyCredParams: [] };
    const parseCreationOptionsFromJSON = vi.fn(() => parsed);
    const { create } = installWebAuthn({ parseCreationOptionsFromJSON });
    create.mockResolvedValueOnce({
      ...attestation(),
      toJSON: () => ({
        id: CRED_ID,
        rawId: CRED_ID,
        type: 'public-key',
        response: {
          clientDataJSON: 'Y2Q',
          attestationObject: 'YW8',
          authenticatorData: 'YWQ',
          publicKey: 'cGs',
          publicKeyAlgorithm: -7,
          transports: ['usb'],
        },
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
      }),
    });
    const out = await createPasskey(CREATION);
    expect(parseCreationOptionsFromJSON).toHaveBeenCalledWith(CREATION);
    expect(create.mock.calls[0]![0].publicKey).toBe(parsed);
    expect(out.response).toEqual({ clientDataJSON: 'Y2Q', attestationObject: 'YW8', transports: ['usb'] });
    expect(out.authenticatorAttachment).toBe('cross-platform');
  });

  it("falls back to its own parser when the browser's refuses the options", async () => {
    const { create } = installWebAuthn({
      parseCreationOptionsFromJSON: () => {
        throw new TypeError('unknown member');
      },
    });
    await createPasskey(CREATION);
    expect(new TextDecoder().decode(create.mock.calls[0]![0].publicKey!.challenge as ArrayBuffer)).toBe('challenge-1');
  });

  it('signs with a passkey and encodes the answer, the user handle included', async () => {
    const { get } = installWebAuthn();
    const out = await getPasskey(REQUEST);
    const publicKey = get.mock.calls[0]![0].publicKey!;
    expect(new TextDecoder().decode(publicKey.challenge as ArrayBuffer)).toBe('login-challenge');
    expect(publicKey.allowCredentials).toEqual([]);
    expect(publicKey.userVerification).toBe('required');
    expect(out).toEqual({
      id: CRED_ID,
      rawId: CRED_ID,
      type: 'public-key',
      response: {
        clientDataJSON: toBase64url(bytes('{"type":"webauthn.get"}')),
        authenticatorData: 'SZYN5Q',
        signature: 'MEUCIQ',
        userHandle: 'dXNyXzE',
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    });
  });

  it('leaves out a missing user handle and attachment, and encodes buffers in extension results', () => {
    const a = assertion();
    const cred = {
      ...a,
      authenticatorAttachment: null,
      response: { ...a.response, userHandle: null },
      getClientExtensionResults: () => ({ prf: { results: { first: new Uint8Array([0xfb, 0xff]).buffer } } }),
    } as unknown as PublicKeyCredential;
    const out = authenticationToJSON(cred);
    expect(out.response).not.toHaveProperty('userHandle');
    expect(out).not.toHaveProperty('authenticatorAttachment');
    expect(out.clientExtensionResults).toEqual({ prf: { results: { first: '-_8' } } });
    const r = registrationToJSON({ ...attestation(), response: { ...attestation().response, getTransports: undefined } } as unknown as PublicKeyCredential);
    expect(r.response).not.toHaveProperty('transports');
  });

  it.each([
    ['NotAllowedError', 'passkey_cancelled', 'Adding a passkey was cancelled, or it timed out.'],
    ['AbortError', 'passkey_cancelled', 'Adding a passkey was cancelled, or it timed out.'],
    ['InvalidStateError', 'passkey_exists', 'This device or password manager already holds a passkey for your account.'],
    ['SecurityError', 'passkey_wrong_site', 'Passkeys do not work at this address. Open the site at its usual address and try again.'],
    ['NotSupportedError', 'passkey_unsupported', 'This browser cannot use passkeys.'],
    ['UnknownError', 'passkey_failed', 'The passkey did not work: UnknownError'],
  ])('turns the browser refusing with %s into %s', async (name, code, message) => {
    const { create } = installWebAuthn();
    create.mockRejectedValueOnce(domError(name));
    const err = (await createPasskey(CREATION).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(code);
    expect(say(err)).toBe(message);
  });

  it('takes no credential for a cancel, and says so in the words of the sign-in', async () => {
    const { get } = installWebAuthn();
    get.mockResolvedValueOnce(null);
    const err = (await getPasskey(REQUEST).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('passkey_cancelled');
    expect(say(err, 'login')).toBe('Passkey sign-in was cancelled, or it timed out.');
  });

  it('knows where passkeys can work', () => {
    expect(passkeysSupported()).toBe(false); // jsdom has no WebAuthn
    installWebAuthn();
    expect(passkeysSupported()).toBe(true);
    const on = { enabled: true, rp_id: 'photos.example' };
    expect(passkeysUsableHere(on, 'photos.example')).toBe(true);
    expect(passkeysUsableHere(on, 'eu.photos.example')).toBe(true);
    expect(passkeysUsableHere(on, 'Photos.Example.')).toBe(true);
    expect(passkeysUsableHere(on, 'otherphotos.example')).toBe(false);
    expect(passkeysUsableHere(on, '127.0.0.1')).toBe(false);
    expect(passkeysUsableHere({ enabled: false, rp_id: 'photos.example' }, 'photos.example')).toBe(false);
    expect(passkeysUsableHere({ enabled: true, rp_id: 'localhost' })).toBe(true); // jsdom's page is at localhost
  });

  it('names a new passkey after the browser and system', () => {
    expect(defaultPasskeyName('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15')).toBe(
      'Safari on macOS',
    );
    expect(defaultPasskeyName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36')).toBe(
      'Chrome on Linux',
    );
    expect(defaultPasskeyName('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0')).toBe(
      'Edge on Windows',
    );
    expect(defaultPasskeyName('Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0')).toBe('Firefox on Android');
    expect(defaultPasskeyName('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1')).toBe(
      'Safari on iPhone',
    );
    expect(defaultPasskeyName('curl/8.0')).toBe('Passkey');
  });
});

describe('a step-up asking for a code', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('is a 401 about the request, not the session: no refresh, and the session goes on', async () => {
    setTokens(TOKEN(1));
    setCookie('fotobase_csrf', 'c');
    const expired = vi.fn();
    const off = onExpired(expired);
    const { calls } = mockFetch({
      'POST /api/v1/auth/passkeys/register/options': () => problem(401, 'second_factor_required', 'send totp_code'),
    });
    const err = (await api('/api/v1/auth/passkeys/register/options', { method: 'POST', json: { password: 'pw' } }).catch((e: unknown) => e)) as ApiError;
    off();
    expect(err.code).toBe('second_factor_required');
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/auth/passkeys/register/options']);
    expect(expired).not.toHaveBeenCalled();
    expect(accessToken()).toBe('at-1');
  });
});

describe('removing a way in takes the password again, as adding a passkey does', () => {
  beforeEach(() => {
    clearTokens();
    setTokens(TOKEN(1));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    clearTokens();
  });

  it('sends the password (and a code) as JSON with the DELETE of a passkey and of a provider', async () => {
    const { calls } = mockFetch({
      'DELETE /api/v1/auth/passkeys/pk_1': () => new Response(null, { status: 204 }),
      'DELETE /api/v1/auth/passkeys/pk%2F2': () => new Response(null, { status: 204 }),
      'DELETE /api/v1/auth/oidc/identities/test': () => new Response(null, { status: 204 }),
      'DELETE /api/v1/auth/oidc/identities/corp%20sso': () => new Response(null, { status: 204 }),
    });
    await expect(removePasskey('pk_1', 'pw')).resolves.toBeUndefined();
    await removePasskey('pk/2', 'pw', { totp_code: '123456' });
    await expect(unlinkOidc('test', 'pw')).resolves.toBeUndefined();
    await unlinkOidc('corp sso', 'pw', { recovery_code: 'aaaa-bbbb' });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['DELETE', '/api/v1/auth/passkeys/pk_1', { password: 'pw' }],
      ['DELETE', '/api/v1/auth/passkeys/pk%2F2', { password: 'pw', totp_code: '123456' }],
      ['DELETE', '/api/v1/auth/oidc/identities/test', { password: 'pw' }],
      ['DELETE', '/api/v1/auth/oidc/identities/corp%20sso', { password: 'pw', recovery_code: 'aaaa-bbbb' }],
    ]);
    for (const c of calls) {
      expect(c.headers['content-type']).toBe('application/json');
      expect(c.headers.authorization).toBe('Bearer at-1');
    }
  });

  it('gives the server’s refusal as its problem', async () => {
    mockFetch({
      'DELETE /api/v1/auth/passkeys/pk_1': () => problem(403, 'invalid_credentials', 'wrong password', {}, { field: 'password' }),
      'DELETE /api/v1/auth/oidc/identities/test': () => problem(401, 'second_factor_required', 'send totp_code'),
      'POST /api/v1/auth/refresh': () => json(TOKEN(2)),
    });
    const wrong = (await removePasskey('pk_1', 'guess').catch((e: unknown) => e)) as ApiError;
    expect(wrong).toBeInstanceOf(ApiError);
    expect(wrong.code).toBe('invalid_credentials');
    const code = (await unlinkOidc('test', 'pw').catch((e: unknown) => e)) as ApiError;
    expect(code.code).toBe('second_factor_required');
    expect(accessToken()).toBe('at-1');
  });
});
