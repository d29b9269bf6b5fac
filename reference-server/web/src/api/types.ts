// JSON shapes of the fotobase API, from the server's OpenAPI document: schema.d.ts is
// generated from it (`npm run api-types`); a server test keeps openapi.json equal to the
// document the server serves, and tests/api/schema.test.ts keeps schema.d.ts current.
import type { components } from './schema';

type Schemas = components['schemas'];

/**
 * A response object as it arrives: the server sends every nullable member (as `null`
 * when empty), which the document lists as not required; those in `Absent` are left
 * out of the JSON when empty and stay optional.
 */
type Sent<T, Absent extends keyof T = never> = { [K in Exclude<keyof T, Absent>]-?: Exclude<T[K], undefined> } & {
  [K in Absent]?: Exclude<T[K], null>;
};

export type Visibility = Schemas['Visibility'];
export type JobState = Schemas['JobState'];

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The answer when only a mailbox learns the outcome (`status: 'check_email'`). */
export type Pending = Schemas['Pending'];
export type TokenResponse = Sent<Schemas['TokenResponse'], 'refresh_token'>;
export type User = Sent<Schemas['UserView']>;
/** A security event of the account (`kind`: `signed_in`, `sign_in_failed`, …). */
export type SecurityEvent = Sent<Schemas['EventView']>;
/** Limits are `null` when there is none. */
export type Quota = Sent<Schemas['QuotaView']>;
export type QuotaLimits = Schemas['QuotaLimits'];
export type FactorStatus = Sent<Schemas['FactorStatus']>;
/** A sign-up invitation as admins see it (`state`: `active`, `used`, `expired`). */
export type InviteInfo = Sent<Schemas['InviteView']>;
export type NewInvite = Sent<Schemas['Invite']>;
export type TotpSetup = Sent<Schemas['TotpSetup']>;
export type RecoveryCodes = Sent<Schemas['RecoveryCodes']>;
export type ImageItem = Sent<Schemas['ImageView']>;
/** Members default to null, so a client may also see them absent. */
export type PhotoMetadata = Schemas['Metadata'];
export type Folder = Sent<Schemas['FolderView']>;
export type ShareCreated = Sent<Schemas['Created']>;
export type ShareLink = Sent<Schemas['LinkView']>;
export type Accepted = Schemas['Accepted'];

/** The body of `POST /images/{id}/process`: the options of `compress` in every binding. */
export type ProcessOptions = Schemas['CompressRequest'];
/** `"ssimulacra2>=80"`, `{metric, value}` or `{max_bytes}`. */
export type Target = Schemas['TargetSpec'];

export interface Metrics {
  mse?: number | null;
  psnr?: number | null;
  ssim?: number | null;
  ms_ssim?: number | null;
  ssimulacra2?: number | null;
}

export type ParamSpec =
  | { type: 'int'; min: number; max: number; default: number; description: string }
  | { type: 'bool'; default: boolean; description: string }
  | { type: 'choice'; choices: string[]; default: string; description: string };

export interface Algorithm {
  name: string;
  format: string;
  lossless: boolean;
  description: string;
  quality_param: string | null;
  /** A map by parameter name (the core's own serialisation). */
  params: Record<string, ParamSpec>;
  /** Offered on this server: admins turn algorithms off, and processing requests naming one are refused. */
  enabled: boolean;
}

export interface CompareAllRow {
  algorithm: string;
  format: string;
  lossless: boolean;
  quality: number | null;
  bytes: number | null;
  ratio: number | null;
  metrics: Metrics;
  encodes: number;
  met: boolean;
  winner: boolean;
  error: { code: string; message: string } | null;
}

export interface CompareAllResult {
  target: unknown;
  input_bytes: number;
  results: CompareAllRow[];
  best: string | null;
  image_id?: string;
}

// Where the document says only "an object" (metric maps, job results), the UI spells the shape out.

export type Version = Omit<Sent<Schemas['VersionView']>, 'metrics'> & { metrics: Metrics };

export type Job = Omit<Sent<Schemas['JobView']>, 'error'> & { error: { code: string; message: string } | null };

export type CompareResult = Omit<Sent<Schemas['Comparison']>, 'metrics' | 'reference' | 'distorted'> & {
  metrics: Metrics;
  reference: { format: string; width: number; height: number; bytes: number };
  distorted: { format: string; width: number; height: number; bytes: number };
  /** What `version` was measured against: a `ver_…`, or `original` (newer than schema.d.ts). */
  reference_version: string;
};

/** A comparison the server recorded: `a` (`original` or a `ver_…`) against the version `b`; unix seconds. */
export type RecordedComparison = Omit<Sent<Schemas['RecordedComparison']>, 'metrics'> & { metrics: Metrics };
/** `GET /images/{id}/comparisons`: oldest first. */
export interface ComparisonHistory {
  items: RecordedComparison[];
}

export type AlgorithmStats = Sent<Schemas['AlgorithmStats']>;
export type Stats = Omit<Sent<Schemas['StatsView'], 'users'>, 'by_algorithm'> & { by_algorithm: AlgorithmStats[] };

export type SharedImage = ImageItem & Sent<Omit<Schemas['SharedImage'], keyof Schemas['ImageView']>>;
export type Shared = Omit<Sent<Schemas['Shared']>, 'images' | 'folder'> & { folder: Folder | null; images: SharedImage[] };

/** A provider this server offers sign-in with (`GET /auth/oidc/providers`). */
export type OidcProvider = Sent<Schemas['ProviderView']>;
/** A provider sign-in linked to the signed-in account; times in unix seconds. */
export type OidcIdentity = Sent<Schemas['IdentityView']>;
/**
 * The body of `POST /auth/oidc/complete`: the account's password to link a provider to an
 * existing account (and a code when it has two-step verification), or only the code when the
 * linked account asks for one.
 */
export type OidcCompletion = Schemas['Complete'];

// Passkeys (WebAuthn). Binary values are base64url without padding, as in WebAuthn Level 3's
// JSON forms; the WebAuthn option and response shapes are the W3C's, which the server's document
// carries as plain objects.

/** `GET /auth/passkeys/config`: `enabled` is false where the site's address cannot carry passkeys. */
export type PasskeyConfig = Sent<Schemas['PasskeyConfig']>;
/** A passkey of the signed-in account; times in unix seconds. */
export type Passkey = Sent<Schemas['PasskeyView']>;

export interface PasskeyDescriptorJSON {
  type: 'public-key';
  id: string;
  transports?: string[];
}

/** What `navigator.credentials.create` is asked, as the server sends it. */
export interface PasskeyCreationOptionsJSON {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: { type: 'public-key'; alg: number }[];
  timeout?: number;
  excludeCredentials?: PasskeyDescriptorJSON[];
  authenticatorSelection?: {
    authenticatorAttachment?: string;
    residentKey?: string;
    requireResidentKey?: boolean;
    userVerification?: string;
  };
  attestation?: string;
  hints?: string[];
  extensions?: Record<string, unknown>;
}

/** What `navigator.credentials.get` is asked, as the server sends it. */
export interface PasskeyRequestOptionsJSON {
  challenge: string;
  rpId?: string;
  timeout?: number;
  userVerification?: string;
  allowCredentials?: PasskeyDescriptorJSON[];
  hints?: string[];
  extensions?: Record<string, unknown>;
}

/** A new passkey, as the browser made it (`POST /auth/passkeys/register`'s `credential`). */
export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    attestationObject: string;
    transports?: string[];
  };
  authenticatorAttachment?: string;
  clientExtensionResults: Record<string, unknown>;
}

/** A passkey's signature (`POST /auth/passkeys/login`'s `credential`). */
export interface AuthenticationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle?: string;
  };
  authenticatorAttachment?: string;
  clientExtensionResults: Record<string, unknown>;
}
