/* Generated from the Rust types by bindings/common/tests/node_types.rs (FOTOBASE_BLESS=1 rewrites it);
   napi-rs puts it at the top of index.d.ts. Edit the Rust types, or dts-handwritten.d.ts. */
/* eslint-disable */

/** A compression algorithm: its format, whether it is lossless, and its parameters. */
export interface AlgorithmInfo {
  /** What it is good for. */
  description: string
  format: Format
  lossless: boolean
  /** e.g. `jpeg-mozjpeg`, `webp-lossy`, `avif-rav1e`, `png-oxipng`. */
  name: string
  /** Parameter name → its type, range or choices, default and meaning. */
  params: Record<string, ParamSpec>
  /** The parameter `quality` sets and a quality search varies (null for lossless ones). */
  qualityParam: string | null
}

/** The largest output allowed; quality is maximised under it. */
export interface Budget {
  maxBytes: number
}

/** Per-channel MSE and PSNR. */
export interface ChannelMetrics {
  mse: number[]
  names: string[]
  psnr: number[]
}

/** The comparison table and its winner. */
export interface CompareAllResult {
  /** Algorithm with the smallest output meeting the target. */
  best?: string | null
  inputBytes: number
  results: CompareAllRow[]
  target: ResolvedTarget
}

/** One algorithm's line in the comparison table. */
export interface CompareAllRow {
  algorithm: string
  bytes?: number | null
  /** Absent where timings are left out (results compared across runs and languages). */
  encodeMs?: number | null
  encodes: number
  error?: RowError | null
  format: Format
  lossless: boolean
  met: boolean
  metrics: Metrics
  quality?: number | null
  /** Compression ratio: input bytes / output bytes. */
  ratio?: number | null
  winner: boolean
}

/** Result of comparing two encoded files. */
export interface Comparison {
  distorted: ImageSide
  metrics: Metrics
  /** Compression ratio: reference bytes / distorted bytes (2.0 = half the size). */
  ratio: number
  reference: ImageSide
}

/** What `compress`, `optimize` and `thumbnail` made. */
export interface CompressInfo {
  algorithm: string
  /** Size of the output. */
  bytes: number
  format: Format
  height: number
  inputBytes: number
  /** The metrics asked for, and the target's metric after a search. */
  metrics: Metrics
  /** The complete encoder parameters used, defaults included. */
  params: Params
  /** The quality setting used (none for lossless algorithms). */
  quality?: number | null
  /** Input bytes / output bytes (2.0 = half the size). */
  ratio: number
  /** The encodes a target search tried (empty at a fixed quality). */
  steps: SearchStep[]
  width: number
}

/**
 * Options of `compress`: an `algorithm` (or a `format`'s default; without either the
 * input's family) at a fixed `quality`, or the smallest encode meeting `target`.
 */
export interface CompressOptions {
  /** An algorithm name from the registry (e.g. `avif-rav1e`); or give `format`. */
  algorithm?: string | null
  /** `jpeg`, `png`, `webp` or `avif`: that format's default algorithm. */
  format?: string | null
  /** Keep EXIF and XMP (default: only the ICC profile, so no location leaks). */
  keepMetadata?: boolean | null
  /** Most encodes a quality search may make (default: the core's). */
  maxEncodes?: number | null
  /** Metrics to measure on the result: `mse`, `psnr`, `ssim`, `ms_ssim`, `ssimulacra2`. */
  metrics?: string[] | null
  /**
   * Editing steps applied in order before the resize (`rotate`, `flip`, `flop`, `extract`,
   * `blur`, `sharpen`, `grayscale`, `modulate`, `composite`, `trim`).
   */
  operations?: Operation[] | null
  /** The algorithm's own parameters (names in the registry). */
  params?: Record<string, unknown> | null
  /** The algorithm's quality parameter (not with `target` on the HTTP API). */
  quality?: number | null
  resize?: ResizeOptions | null
  target?: Target | null
  /** Convert the pixels from their ICC profile to sRGB first. */
  toSrgb?: boolean | null
}

/** Resampling filter. */
export type Filter = "nearest" | "bilinear" | "catmull-rom" | "mitchell" | "lanczos3"

/** How the image is fitted into the requested box (sharp's `fit`). */
export type Fit = "contain" | "cover" | "fill" | "outside"

export type Format = "jpeg" | "png" | "webp" | "avif" | "gif" | "heic" | "jxl" | "tiff" | "bmp" | "ico"

/** A position in WGS 84 degrees (south and west negative) and metres above sea level. */
export interface Gps {
  altitude?: number | null
  latitude: number
  longitude: number
}

/** Which part of the image survives a `cover` crop. */
export type Gravity = "centre" | "north" | "north-east" | "east" | "south-east" | "south" | "south-west" | "west" | "north-west" | "entropy"

/**
 * The claims of a verified ID token that identify the person. Key an account on (`iss`, `sub`):
 * `sub` is stable and never reassigned; an e-mail address is trustworthy only with `email_verified`.
 */
export interface IdTokenClaims {
  aud: string[]
  /** The authorized party (the client), present when the token has several audiences. */
  azp?: string | null
  email?: string | null
  emailVerified: boolean
  exp: number
  iat: number
  iss: string
  name?: string | null
  nonce?: string | null
  preferredUsername?: string | null
  sub: string
}

/** Facts about one side of a comparison. */
export interface ImageSide {
  bytes: number
  format: Format
  height: number
  width: number
}

/** What to put in an access token beyond subject, issuer and audience. */
export interface IssueOptions {
  /** Extra claims. */
  claims?: Record<string, unknown> | null
  roles?: string[] | null
  /** Space-separated OAuth scopes. */
  scope?: string | null
  /** Lifetime in seconds (default: the core's access-token lifetime). */
  ttlSecs?: number | null
}

/** A comparison metric. Higher is better except for MSE. */
export type MetricName = "mse" | "psnr" | "ssim" | "ms_ssim" | "ssimulacra2"

/**
 * Values of the requested metrics; those not asked for are absent.
 *
 * PSNR of identical images is infinite, written as JSON `null`.
 */
export interface Metrics {
  channels?: ChannelMetrics | null
  msSsim?: number | null
  mse?: number | null
  psnr?: number | null
  ssim?: number | null
  ssimulacra2?: number | null
}

/**
 * A provider's discovery document, checked (its `issuer` is the one expected; endpoints are
 * https, or http on loopback).
 */
export interface OidcProvider {
  authorizationEndpoint: string
  issuer: string
  jwksUri: string
  /**
   * Send `client_secret` in the token request's form rather than HTTP Basic
   * (the provider lists `client_secret_post` and not `client_secret_basic`).
   */
  secretInForm: boolean
  tokenEndpoint: string
  userinfoEndpoint?: string | null
}

/** The start of one sign-in: where to send the browser, and the secrets to keep until it returns. */
export interface OidcStart {
  /** Pass to [`oidc_token_request_body`]. */
  codeVerifier: string
  /** Pass to [`oidc_verify_id_token`]. */
  nonce: string
  /** Compare with the `state` the browser brings back (a mismatch is a forged callback). */
  state: string
  url: string
}

/** One editing step. As JSON: `{"op": "rotate", "angle": 30, "background": "#ffffff"}`. */
export type Operation = {
  angle: number
  /** `#rrggbb` or `#rrggbbaa`; default opaque black. */
  background?: string | null
  op: "rotate"
} | {
  op: "flip"
} | {
  op: "flop"
} | {
  height: number
  left: number
  op: "extract"
  top: number
  width: number
} | {
  op: "blur"
  sigma: number
} | {
  amount?: number | null
  op: "sharpen"
  sigma: number
  threshold?: number | null
} | {
  op: "grayscale"
} | {
  brightness?: number | null
  op: "modulate"
  saturation?: number | null
} | {
  left?: number
  op: "composite"
  opacity?: number | null
  overlay: string
  top?: number
} | {
  op: "trim"
  threshold?: number | null
}

/** Options of `optimize` (its algorithm and target are arguments). */
export interface OptimizeOptions {
  keepMetadata?: boolean | null
  maxEncodes?: number | null
  metrics?: string[] | null
  params?: Record<string, unknown> | null
  resize?: ResizeOptions | null
  toSrgb?: boolean | null
}

/** The type and allowed values of a parameter. */
export type ParamKind = {
  max: number
  min: number
  type: "int"
} | {
  type: "bool"
} | {
  choices: string[]
  type: "choice"
}

/** Declaration of one parameter of an algorithm. */
export type ParamSpec = ParamKind & {
  default: ParamValue
  description: string
}

/** One parameter value. JSON numbers map to `Int`, strings to `Str`. */
export type ParamValue = boolean | number | string

/** A loose map of parameter values, keyed by name. */
export type Params = Record<string, ParamValue>

/** A passkey that registered: what to store with the account. */
export interface Passkey {
  /** Whether the passkey may be synced to the holder's other devices. */
  backupEligible: boolean
  /** base64url, as the browser names the credential in later sign-ins. */
  credentialId: string
  /** The COSE public key (base64url), for [`webauthn_verify_authentication`]. */
  publicKey: string
  signCount: number
}

/**
 * What the EXIF says about the shot. Every field is optional: most files carry some of them.
 *
 * GPS is personal data: fotobase's server shows it only to the owner, and encoders drop it
 * unless told to keep all metadata.
 */
export interface PhotoMetadata {
  /** Seconds (1/250 s is 0.004). */
  exposureTime?: number | null
  fNumber?: number | null
  /** Millimetres, as recorded (not 35 mm equivalent). */
  focalLength?: number | null
  gps?: Gps | null
  /** `PhotographicSensitivity` (ISO speed). */
  iso?: number | null
  /** `LensModel` (or `LensMake` when the model is missing). */
  lens?: string | null
  make?: string | null
  model?: string | null
  /**
   * `DateTimeOriginal` as ISO 8601 (`2021-07-04T12:30:15`), with `OffsetTimeOriginal`
   * appended (`+02:00`) when the camera recorded it; local time of unknown zone otherwise.
   */
  takenAt?: string | null
}

/** What an image's header and metadata say, without decoding pixels. */
export interface ProbeResult {
  format: Format
  /** Frames of an animation; 1 for a still (the first is decoded). */
  frames: number
  hasAlpha: boolean
  height: number
  /** Camera facts from the EXIF. */
  metadata: PhotoMetadata
  /** EXIF orientation, 1 (upright) to 8. */
  orientation: number
  uprightHeight: number
  /** Size as displayed, after EXIF rotation. */
  uprightWidth: number
  /** Stored size, before EXIF rotation. */
  width: number
}

/**
 * A resize request. A missing side follows the aspect ratio; every member has a
 * default, so a request names only what it changes.
 */
export interface ResizeOptions {
  filter?: Filter
  fit?: Fit
  gravity?: Gravity
  height?: number | null
  width?: number | null
  /** Never upscale: leave images smaller than the box as they are. */
  withoutEnlargement?: boolean
}

/** What "good enough" means for a search. */
export type ResolvedTarget = {
  /** The metric must reach `value` (at least, or at most for MSE). */
  metric: {
    metric: MetricName
    value: number
  }
} | {
  /** The file must not exceed this many bytes; quality is maximised. */
  maxBytes: {
    bytes: number
  }
}

/** A failed row's error, as data. */
export interface RowError {
  code: string
  message: string
}

/** One encode made during a search. */
export interface SearchStep {
  bytes: number
  encodeMs: number
  met: boolean
  quality?: number | null
  /** Value of the target metric, when the target is a metric. */
  score?: number | null
}

/**
 * What "good enough" means for a quality search: `"ssimulacra2>=80"` (also `ssim>=0.95`,
 * `psnr>=40`, `mse<=5`, `max_bytes=200k`), `{"metric": "ssim", "value": 0.95}` or
 * `{"max_bytes": 100000}`.
 */
export type Target = string | Budget | Threshold

/** A metric the output must reach (at least; at most for `mse`). */
export interface Threshold {
  /** `mse`, `psnr`, `ssim`, `ms_ssim` or `ssimulacra2`. */
  metric: string
  value: number
}

/* Written by hand: what has no Rust type of its own (Node-only shapes, JWT claims, errors). */

/** An encoded image and what is known about it. */
export interface CompressResult extends CompressInfo {
  /** The encoded image. */
  data: Buffer
}

/** `thumbnail`'s options (the other bindings take them as arguments). */
export interface ThumbnailOptions {
  fit?: ResizeOptions['fit']
  /** Output format; default: the input's family. */
  format?: string
}

/** Verified token claims, with the names they have on the wire. */
export interface Claims {
  iss: string
  sub: string
  aud: string | string[]
  exp: number
  iat: number
  nbf?: number
  jti: string
  roles?: string[]
  scope?: string
  sid?: string
  [claim: string]: unknown
}

export interface Jwks {
  keys: Array<Record<string, unknown>>
}

/** What every fotobase call throws or rejects with. */
export interface FotobaseError extends Error {
  /** A stable code from `errorCodes()`, e.g. `'unsupported_format'`. */
  code: string
  /** Diagnostics, e.g. `{ allowed: '…' }`. */
  context: Record<string, string>
}
