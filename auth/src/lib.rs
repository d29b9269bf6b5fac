//! # fotobase-auth
//!
//! Who is calling: credentials, tokens, sessions, and protecting what users tell us.
//! Errors are [`fotobase::Error`], with the same stable codes as the image engine's.
//!
//! Nothing here speaks HTTP. Each part is usable alone:
//! - [`password`]: argon2id hashing with pepper rotation and an NIST SP 800-63B input policy;
//! - [`token`]: JWT access tokens with pinned algorithms, key rotation and a JWKS export;
//! - [`session`]: refresh-token sessions with rotation and reuse detection (RFC 9700);
//! - [`throttle`]: back-off for failed logins per account and per client address;
//! - [`field`]: authenticated encryption of sensitive columns plus blind indexes;
//! - [`public_id`]: opaque, typed, tamper-evident ids for API responses;
//! - [`totp`]: one-time codes (RFC 6238) and recovery codes for a second factor;
//! - `mail` (feature `mail`): account e-mail over SMTP, or into an outbox folder.
//!
//! Secrets are always passed in by the caller (from env or config), never
//! derived from constants; their `Debug` output is redacted.

pub mod clock;
pub mod field;
#[cfg(feature = "mail")]
pub mod mail;
#[cfg(feature = "oidc")]
pub mod oidc;
pub mod password;
pub mod public_id;
pub mod random;
mod secret;
pub mod session;
pub mod throttle;
pub mod token;
pub mod totp;
#[cfg(feature = "webauthn")]
pub mod webauthn;

pub use clock::{Clock, ManualClock, SystemClock};
pub use secret::{Secret, parse_key_list, random_bytes};
