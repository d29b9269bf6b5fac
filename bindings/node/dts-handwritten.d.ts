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
