//! Credentials and tokens for the bindings: argon2id at the core's OWASP
//! defaults, a token issuer/verifier over a key set, public ids, and TOTP codes.

use std::time::Duration;

use fotobase_auth::Secret;
use fotobase_auth::password::PasswordHasher;
use fotobase_auth::public_id::PublicIds;
use fotobase_auth::token::{Algorithm, Claims, Key, KeySet, TokenConfig, TokenRequest, Tokens};
use fotobase_auth::totp::Totp;
use serde_json::Value;

use crate::{Error, ErrorKind, Result, TokenOptions, invalid};

/// An argon2id PHC string for `password` (the core's input policy applies: `weak_password`).
pub fn hash_password(password: &str) -> Result<String> {
    PasswordHasher::default().hash(password)
}

/// Whether `password` matches `hash` (a malformed hash is `invalid_argument`).
pub fn verify_password(hash: &str, password: &str) -> Result<bool> {
    PasswordHasher::default().verify(hash, password)
}

/// Whether `hash` was made with weaker parameters than today's defaults.
pub fn needs_rehash(hash: &str) -> bool {
    PasswordHasher::default().needs_rehash(hash)
}

/// Issues and verifies access tokens (JWT, `typ` at+jwt) for one issuer and audience.
#[derive(Debug)]
pub struct TokenIssuer {
    tokens: Tokens,
}

impl TokenIssuer {
    /// A new issuer with a freshly generated signing key (`EdDSA` default, `ES256`, `RS256`).
    pub fn generate(issuer: &str, audience: &str, algorithm: Option<&str>) -> Result<TokenIssuer> {
        let alg: Algorithm = algorithm.unwrap_or("EdDSA").parse()?;
        if alg == Algorithm::HS256 {
            return Err(invalid("HS256 keys cannot be published in a JWKS; use EdDSA, ES256 or RS256"));
        }
        let mut keys = KeySet::new();
        keys.insert(Key::generate(alg)?);
        Ok(TokenIssuer { tokens: Tokens::new(keys, TokenConfig::new(issuer, audience)) })
    }

    /// A verifier from a server's published JWKS (cannot issue): offline checks on devices.
    pub fn from_jwks(jwks: &Value, issuer: &str, audience: &str) -> Result<TokenIssuer> {
        let mut keys = KeySet::new();
        keys.add_jwks(jwks)?;
        Ok(TokenIssuer { tokens: Tokens::new(keys, TokenConfig::new(issuer, audience)) })
    }

    /// A signed token for `subject`, with `opts` beyond the defaults.
    pub fn issue(&self, subject: &str, opts: TokenOptions) -> Result<String> {
        let mut req = TokenRequest::new(subject);
        if let Some(secs) = opts.ttl_secs {
            if secs == 0 {
                return Err(invalid("ttl_secs must be a positive integer"));
            }
            req.ttl = Some(Duration::from_secs(secs));
        }
        req.roles = opts.roles.unwrap_or_default();
        req.scope = opts.scope;
        req.extra = opts.claims.unwrap_or_default();
        Ok(self.tokens.issue(&req)?.0)
    }

    /// The verified claims, or the precise reason (`token_expired`, `token_invalid`, …).
    pub fn verify(&self, token: &str) -> Result<Claims> {
        self.tokens.verify(token)
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        self.tokens.jwks()
    }
}

fn public_ids(secret: &[u8]) -> Result<PublicIds> {
    if secret.len() < 32 {
        return Err(Error::new(ErrorKind::InvalidArgument, "the public-id secret must be at least 32 bytes"));
    }
    PublicIds::new(&Secret::new(secret.to_vec()))
}

/// An opaque id such as `img_…` for row `id`, keyed by `secret` (≥ 32 bytes).
pub fn public_id_encode(secret: &[u8], prefix: &str, id: u64) -> Result<String> {
    public_ids(secret)?.encode(prefix, id)
}

/// The row id inside a public id; tampered or other-prefix ids are `invalid_argument`.
pub fn public_id_decode(secret: &[u8], prefix: &str, public: &str) -> Result<u64> {
    public_ids(secret)?.decode(prefix, public)
}

/// A new TOTP secret (base32, 160 random bits) to enrol in an authenticator app.
pub fn totp_secret() -> String {
    Totp::generate().secret_base32()
}

/// The 6-digit TOTP code (RFC 6238) of `secret` (base32) at `unix` seconds.
pub fn totp_code(secret: &str, unix: i64) -> Result<String> {
    Ok(Totp::from_base32(secret)?.code_at(unix))
}

/// The time step `code` is valid for at `unix` (one step of drift either way), considering
/// only steps after `after_step` (the last accepted: store the returned step to refuse replays).
pub fn totp_verify(secret: &str, code: &str, unix: i64, after_step: Option<u64>) -> Result<Option<u64>> {
    Ok(Totp::from_base32(secret)?.verify(code, unix, after_step))
}

/// The `otpauth://totp/` enrolment URI (for a QR code) of `secret` for `account` at `issuer`.
pub fn totp_uri(secret: &str, issuer: &str, account: &str) -> Result<String> {
    Ok(Totp::from_base32(secret)?.uri(issuer, account))
}
