// A browser with WebAuthn for jsdom (which has none): `PublicKeyCredential` and
// `navigator.credentials` with `create`/`get` as mocks, and credentials like an authenticator's.

import { vi } from 'vitest';
import { toBase64url } from '../src/api/passkeys';

export const bytes = (s: string) => new TextEncoder().encode(s);
export const buf = (u: Uint8Array) => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

/** Raw id of the test passkey: bytes that need both URL-safe characters in base64url. */
export const RAW_ID = new Uint8Array([0xfb, 0xff, 0xbf, 0x01, 0x02, 0x03, 0xfe]);
export const CRED_ID = toBase64url(RAW_ID);

export const CREATION = {
  challenge: 'Y2hhbGxlbmdlLTE',
  rp: { id: 'localhost', name: 'fotobase' },
  user: { id: 'dXNyXzE', name: 'ann@example.com', displayName: 'Ann' },
  pubKeyCredParams: [
    { type: 'public-key' as const, alg: -7 },
    { type: 'public-key' as const, alg: -8 },
    { type: 'public-key' as const, alg: -257 },
  ],
  timeout: 300000,
  excludeCredentials: [{ type: 'public-key' as const, id: 'b2xkLWtleQ' }],
  authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  attestation: 'none',
};

export const REQUEST = { challenge: 'bG9naW4tY2hhbGxlbmdl', rpId: 'localhost', timeout: 300000, userVerification: 'required', allowCredentials: [] };

/** What `navigator.credentials.create` gives (without `toJSON`, as older browsers). */
export function attestation() {
  return {
    id: CRED_ID,
    rawId: buf(RAW_ID),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: buf(bytes('{"type":"webauthn.create"}')),
      attestationObject: buf(new Uint8Array([0xa3, 0x63, 0x66, 0x6d, 0x74])),
      getTransports: () => ['internal', 'hybrid'],
    },
    getClientExtensionResults: () => ({ credProps: { rk: true } }),
  };
}

/** What `navigator.credentials.get` gives. */
export function assertion() {
  return {
    id: CRED_ID,
    rawId: buf(RAW_ID),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: buf(bytes('{"type":"webauthn.get"}')),
      authenticatorData: buf(new Uint8Array([0x49, 0x96, 0x0d, 0xe5])),
      signature: buf(new Uint8Array([0x30, 0x45, 0x02, 0x21])),
      userHandle: buf(bytes('usr_1')),
    },
    getClientExtensionResults: () => ({}),
  };
}

/** Install WebAuthn; `statics` are `PublicKeyCredential`'s static methods (the JSON parsers). */
export function installWebAuthn(statics: Record<string, unknown> = {}) {
  const create = vi.fn(async (_o: CredentialCreationOptions): Promise<unknown> => attestation());
  const get = vi.fn(async (_o: CredentialRequestOptions): Promise<unknown> => assertion());
  vi.stubGlobal('PublicKeyCredential', Object.assign(function PublicKeyCredential() {}, statics));
  Object.defineProperty(navigator, 'credentials', { value: { create, get }, configurable: true });
  return { create, get };
}

export function removeWebAuthn() {
  delete (navigator as { credentials?: unknown }).credentials;
}

export const domError = (name: string, message = name) => new DOMException(message, name);
