// Passkeys (WebAuthn): the server's calls, and the two browser ceremonies between them. The server
// sends its options as the JSON forms of WebAuthn Level 3 (binary values base64url without
// padding) and takes the browser's answer in the same form; browsers that cannot convert either
// way themselves (`PublicKeyCredential.parseCreationOptionsFromJSON`, `toJSON()` are recent) are
// converted for here. Each ceremony's challenge travels in an HttpOnly cookie the server sets with
// the options, so both calls of a ceremony go same-origin with credentials (as every call does).

import type { SecondFactor } from './auth';
import { api } from './http';
import { ApiError } from './problem';
import { setTokens } from './session';
import type {
  AuthenticationResponseJSON,
  Passkey,
  PasskeyConfig,
  PasskeyCreationOptionsJSON,
  PasskeyDescriptorJSON,
  PasskeyRequestOptionsJSON,
  RegistrationResponseJSON,
  TokenResponse,
} from './types';

// ---- base64url ----------------------------------------------------------------------------------

const BYTES_PER_CHUNK = 0x8000;

/** Bytes as base64url without padding (RFC 4648 §5). */
export function toBase64url(data: ArrayBuffer | ArrayBufferView): string {
  // `isView`, not `instanceof ArrayBuffer`: a buffer may come from another realm (a frame, an extension).
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  let binary = '';
  for (let i = 0; i < bytes.length; i += BYTES_PER_CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + BYTES_PER_CHUNK));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (padded or not; the standard alphabet is taken too) as bytes; throws on anything else. */
export function fromBase64url(text: string): ArrayBuffer {
  if (!/^[A-Za-z0-9\-_+/]*={0,2}$/.test(text)) throw new TypeError('not base64url');
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) throw new TypeError('not base64url');
  const std = bare.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

// ---- the server's calls -------------------------------------------------------------------------

/** Whether this server offers passkeys (not where its address is an IP address), and for which domain. */
export function passkeyConfig(): Promise<PasskeyConfig> {
  return api<PasskeyConfig>('/api/v1/auth/passkeys/config', { auth: false });
}

/** The signed-in account's passkeys. */
export async function listPasskeys(): Promise<Passkey[]> {
  return (await api<{ passkeys: Passkey[] }>('/api/v1/auth/passkeys')).passkeys;
}

/**
 * Start adding a passkey: the password again (and a code where two-step verification is on: the
 * server answers `second_factor_required` without one). Sets the ceremony's cookie.
 */
export async function passkeyRegistrationOptions(password: string, second?: SecondFactor): Promise<PasskeyCreationOptionsJSON> {
  const r = await api<{ publicKey: PasskeyCreationOptionsJSON }>('/api/v1/auth/passkeys/register/options', {
    method: 'POST',
    json: { password, ...second },
  });
  return r.publicKey;
}

/** Finish adding a passkey with the browser's answer. */
export function registerPasskey(name: string, credential: RegistrationResponseJSON): Promise<Passkey> {
  return api<Passkey>('/api/v1/auth/passkeys/register', { method: 'POST', json: { name, credential } });
}

/**
 * Remove one of the account's passkeys: the password again (and a code where two-step
 * verification is on), as for adding one.
 */
export function removePasskey(id: string, password: string, second?: SecondFactor): Promise<void> {
  return api(`/api/v1/auth/passkeys/${encodeURIComponent(id)}`, { method: 'DELETE', json: { password, ...second } });
}

/** Start a sign-in with a passkey (any of this site's the browser has). Sets the ceremony's cookie. */
export async function passkeyLoginOptions(): Promise<PasskeyRequestOptionsJSON> {
  const r = await api<{ publicKey: PasskeyRequestOptionsJSON }>('/api/v1/auth/passkeys/login/options', {
    method: 'POST',
    auth: false,
    json: {},
  });
  return r.publicKey;
}

/** Finish a passkey sign-in: a browser session, as after `login`. */
export async function passkeyLogin(credential: AuthenticationResponseJSON): Promise<TokenResponse> {
  const t = await api<TokenResponse>('/api/v1/auth/passkeys/login', { method: 'POST', auth: false, json: { credential } });
  setTokens(t);
  return t;
}

/** The whole of adding a passkey named `name`: step-up, the browser's ceremony, registration. */
export async function addPasskey(name: string, password: string, second?: SecondFactor): Promise<Passkey> {
  const options = await passkeyRegistrationOptions(password, second);
  const credential = await createPasskey(options);
  return registerPasskey(name.trim() || 'Passkey', credential);
}

/** The whole of a passkey sign-in (sets the tokens). */
export async function signInWithPasskey(): Promise<TokenResponse> {
  const options = await passkeyLoginOptions();
  const credential = await getPasskey(options);
  return passkeyLogin(credential);
}

// ---- where passkeys can work --------------------------------------------------------------------

/** Whether this browser has WebAuthn at all. */
export function passkeysSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof window.PublicKeyCredential === 'function' &&
    typeof navigator !== 'undefined' &&
    !!navigator.credentials &&
    typeof navigator.credentials.create === 'function' &&
    typeof navigator.credentials.get === 'function'
  );
}

/**
 * Whether passkeys for `config.rp_id` can be used on the page's host: the server offers them and
 * the page is at that domain or under it (a browser refuses any other relying party).
 */
export function passkeysUsableHere(config: PasskeyConfig | undefined | null, hostname = window.location.hostname): boolean {
  if (!config?.enabled || !config.rp_id) return false;
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const rp = config.rp_id.toLowerCase().replace(/\.$/, '');
  return host === rp || host.endsWith(`.${rp}`);
}

// ---- the browser's ceremonies -------------------------------------------------------------------

/** What went wrong in the browser (not at the server): `code` is a `passkey_…` code for `describe`. */
export class PasskeyError extends ApiError {
  constructor(code: string, detail = '') {
    super(0, { code, detail });
    this.name = 'PasskeyError';
  }
}

/** The person closed the browser's dialog, or it timed out: not worth more than a calm word. */
export function isPasskeyCancelled(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'passkey_cancelled';
}

/** A browser's refusal as a `PasskeyError`. */
function ceremonyError(err: unknown, creating: boolean): unknown {
  if (err instanceof ApiError) return err;
  const name = err instanceof Error || err instanceof DOMException ? err.name : '';
  const message = err instanceof Error || err instanceof DOMException ? err.message : String(err);
  switch (name) {
    case 'NotAllowedError':
    case 'AbortError':
      return new PasskeyError('passkey_cancelled', message);
    case 'InvalidStateError':
      // Creating: the authenticator holds one of `excludeCredentials`, a passkey of this account already.
      return new PasskeyError(creating ? 'passkey_exists' : 'passkey_failed', message);
    case 'SecurityError':
      return new PasskeyError('passkey_wrong_site', message);
    case 'NotSupportedError':
      return new PasskeyError('passkey_unsupported', message);
    default:
      return new PasskeyError('passkey_failed', message);
  }
}

type StaticParsers = {
  parseCreationOptionsFromJSON?: (o: PasskeyCreationOptionsJSON) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (o: PasskeyRequestOptionsJSON) => PublicKeyCredentialRequestOptions;
};

function parsers(): StaticParsers {
  return (typeof window !== 'undefined' ? (window.PublicKeyCredential as unknown as StaticParsers | undefined) : undefined) ?? {};
}

const descriptor = (d: PasskeyDescriptorJSON): PublicKeyCredentialDescriptor => ({
  type: d.type,
  id: fromBase64url(d.id),
  ...(d.transports ? { transports: d.transports as AuthenticatorTransport[] } : {}),
});

/** The server's creation options as `navigator.credentials.create` takes them (without the browser's parser). */
export function creationOptionsFromJSON(o: PasskeyCreationOptionsJSON): PublicKeyCredentialCreationOptions {
  return {
    ...(o as unknown as PublicKeyCredentialCreationOptions),
    challenge: fromBase64url(o.challenge),
    user: { ...o.user, id: fromBase64url(o.user.id) },
    excludeCredentials: (o.excludeCredentials ?? []).map(descriptor),
  };
}

/** The server's request options as `navigator.credentials.get` takes them (without the browser's parser). */
export function requestOptionsFromJSON(o: PasskeyRequestOptionsJSON): PublicKeyCredentialRequestOptions {
  return {
    ...(o as unknown as PublicKeyCredentialRequestOptions),
    challenge: fromBase64url(o.challenge),
    allowCredentials: (o.allowCredentials ?? []).map(descriptor),
  };
}

/** Buffers anywhere in extension results as base64url (the JSON form). */
function jsonable(v: unknown): unknown {
  if (ArrayBuffer.isView(v) || Object.prototype.toString.call(v) === '[object ArrayBuffer]') return toBase64url(v as ArrayBuffer | ArrayBufferView);
  if (Array.isArray(v)) return v.map(jsonable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonable(x)]));
  return v;
}

function extensionResults(cred: PublicKeyCredential): Record<string, unknown> {
  try {
    return (jsonable(cred.getClientExtensionResults?.() ?? {}) as Record<string, unknown>) ?? {};
  } catch {
    return {};
  }
}

/** The browser's own JSON form, when it has one and it looks right; null otherwise. */
function ownJSON(cred: PublicKeyCredential): Record<string, unknown> | null {
  if (typeof (cred as { toJSON?: unknown }).toJSON !== 'function') return null;
  try {
    const j = cred.toJSON() as unknown;
    return j && typeof j === 'object' && typeof (j as { id?: unknown }).id === 'string' ? (j as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A new credential as `RegistrationResponseJSON`, with only the members the server reads. */
export function registrationToJSON(cred: PublicKeyCredential): RegistrationResponseJSON {
  const response = cred.response as AuthenticatorAttestationResponse;
  const own = ownJSON(cred);
  const ownResponse = (own?.response ?? {}) as Record<string, unknown>;
  const clientDataJSON = str(ownResponse.clientDataJSON) ?? toBase64url(response.clientDataJSON);
  const attestationObject = str(ownResponse.attestationObject) ?? toBase64url(response.attestationObject);
  let transports: string[] | undefined;
  if (Array.isArray(ownResponse.transports)) transports = ownResponse.transports.filter((t): t is string => typeof t === 'string');
  else if (typeof response.getTransports === 'function') {
    try {
      transports = response.getTransports();
    } catch {
      transports = undefined;
    }
  }
  const attachment = str(own?.authenticatorAttachment) ?? cred.authenticatorAttachment ?? undefined;
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: 'public-key',
    response: { clientDataJSON, attestationObject, ...(transports ? { transports } : {}) },
    ...(attachment ? { authenticatorAttachment: attachment } : {}),
    clientExtensionResults: extensionResults(cred),
  };
}

/** A signature as `AuthenticationResponseJSON`, with only the members the server reads. */
export function authenticationToJSON(cred: PublicKeyCredential): AuthenticationResponseJSON {
  const response = cred.response as AuthenticatorAssertionResponse;
  const own = ownJSON(cred);
  const ownResponse = (own?.response ?? {}) as Record<string, unknown>;
  const userHandle =
    str(ownResponse.userHandle) ?? (response.userHandle && response.userHandle.byteLength ? toBase64url(response.userHandle) : undefined);
  const attachment = str(own?.authenticatorAttachment) ?? cred.authenticatorAttachment ?? undefined;
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: 'public-key',
    response: {
      clientDataJSON: str(ownResponse.clientDataJSON) ?? toBase64url(response.clientDataJSON),
      authenticatorData: str(ownResponse.authenticatorData) ?? toBase64url(response.authenticatorData),
      signature: str(ownResponse.signature) ?? toBase64url(response.signature),
      ...(userHandle ? { userHandle } : {}),
    },
    ...(attachment ? { authenticatorAttachment: attachment } : {}),
    clientExtensionResults: extensionResults(cred),
  };
}

/** The browser's parser when it has one (and it takes the options), ours otherwise. */
function parseWith<J, O>(native: ((o: J) => O) | undefined, ours: (o: J) => O, json: J): O {
  if (native) {
    try {
      return native(json);
    } catch {
      // An older or stricter parser: ours reads the same document.
    }
  }
  return ours(json);
}

/**
 * Make a passkey with the server's creation options (the browser asks the person), as the JSON
 * the server takes. Refusals become `PasskeyError`s (`passkey_cancelled` when the person said no).
 */
export async function createPasskey(options: PasskeyCreationOptionsJSON, signal?: AbortSignal): Promise<RegistrationResponseJSON> {
  if (!passkeysSupported()) throw new PasskeyError('passkey_unsupported');
  let cred: Credential | null;
  try {
    const P = parsers();
    const publicKey = parseWith(P.parseCreationOptionsFromJSON?.bind(window.PublicKeyCredential), creationOptionsFromJSON, options);
    cred = await navigator.credentials.create({ publicKey, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw ceremonyError(err, true);
  }
  if (!cred) throw new PasskeyError('passkey_cancelled');
  return registrationToJSON(cred as PublicKeyCredential);
}

/** Sign the server's challenge with a passkey of this site the person picks, as the JSON the server takes. */
export async function getPasskey(options: PasskeyRequestOptionsJSON, signal?: AbortSignal): Promise<AuthenticationResponseJSON> {
  if (!passkeysSupported()) throw new PasskeyError('passkey_unsupported');
  let cred: Credential | null;
  try {
    const P = parsers();
    const publicKey = parseWith(P.parseRequestOptionsFromJSON?.bind(window.PublicKeyCredential), requestOptionsFromJSON, options);
    cred = await navigator.credentials.get({ publicKey, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw ceremonyError(err, false);
  }
  if (!cred) throw new PasskeyError('passkey_cancelled');
  return authenticationToJSON(cred as PublicKeyCredential);
}

/** A name for a new passkey from the browser and system it is made on ("Chrome on macOS"). */
export function defaultPasskeyName(ua = typeof navigator !== 'undefined' ? navigator.userAgent : ''): string {
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /OPR\//.test(ua)
        ? 'Opera'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : null;
  const system = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /CrOS/.test(ua)
          ? 'ChromeOS'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'macOS'
            : /Windows/.test(ua)
              ? 'Windows'
              : /Linux/.test(ua)
                ? 'Linux'
                : null;
  if (browser && system) return `${browser} on ${system}`;
  return system ?? browser ?? 'Passkey';
}
