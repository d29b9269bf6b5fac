//! Passwords, access tokens and public ids. On a device the usual job is
//! `TokenIssuer.fromJwks(...)`: check the server's tokens offline.

use fotobase_bindings as fb;

use crate::errors::FotobaseError;
use crate::options::{TokenOptions, parse_object};
use crate::results::{Claims, read};

/// An argon2id PHC string for `password` (weak passwords fail with `WeakPassword`).
#[uniffi::export]
pub fn hash_password(password: String) -> Result<String, FotobaseError> {
    Ok(fb::hash_password(&password)?)
}

/// Whether `password` matches `hash` (a malformed hash is `InvalidArgument`).
#[uniffi::export]
pub fn verify_password(hash: String, password: String) -> Result<bool, FotobaseError> {
    Ok(fb::verify_password(&hash, &password)?)
}

/// Whether `hash` was made with weaker parameters than today's defaults.
#[uniffi::export]
pub fn needs_rehash(hash: String) -> bool {
    fb::needs_rehash(&hash)
}

/// Issues and verifies access tokens (JWT, `typ` at+jwt) for one issuer and audience.
#[derive(Debug, uniffi::Object)]
pub struct TokenIssuer(fb::TokenIssuer);

#[uniffi::export]
impl TokenIssuer {
    /// An issuer with a fresh signing key: `EdDSA` (default), `ES256` or `RS256`.
    #[uniffi::constructor(default(algorithm))]
    pub fn generate(issuer: String, audience: String, algorithm: Option<String>) -> Result<Self, FotobaseError> {
        Ok(TokenIssuer(fb::TokenIssuer::generate(&issuer, &audience, algorithm.as_deref())?))
    }

    /// A verifier from the server's published JWKS (`/.well-known/jwks.json`); it cannot issue.
    #[uniffi::constructor]
    pub fn from_jwks(jwks_json: String, issuer: String, audience: String) -> Result<Self, FotobaseError> {
        let jwks = serde_json::Value::Object(parse_object("jwks", &jwks_json)?);
        Ok(TokenIssuer(fb::TokenIssuer::from_jwks(&jwks, &issuer, &audience)?))
    }

    /// A signed token for `subject`.
    #[uniffi::method(default(options))]
    pub fn issue(&self, subject: String, options: TokenOptions) -> Result<String, FotobaseError> {
        Ok(self.0.issue(&subject, fb::parse("options", options.to_json()?)?)?)
    }

    /// The verified claims, or why not (`TokenExpired`, `TokenInvalid`, `UnknownKey`, …).
    pub fn verify(&self, token: String) -> Result<Claims, FotobaseError> {
        read("claims", &self.0.verify(&token)?)
    }

    /// The public keys as a JWKS JSON document.
    pub fn jwks(&self) -> String {
        self.0.jwks().to_string()
    }
}

/// An opaque id such as `img_…` for row `id`, keyed by `secret` (at least 32 bytes).
#[uniffi::export]
pub fn public_id_encode(secret: Vec<u8>, prefix: String, id: u64) -> Result<String, FotobaseError> {
    Ok(fb::public_id_encode(&secret, &prefix, id)?)
}

/// The row id inside `public_id`; tampered or other-prefix ids are `InvalidArgument`.
#[uniffi::export]
pub fn public_id_decode(secret: Vec<u8>, prefix: String, public_id: String) -> Result<u64, FotobaseError> {
    Ok(fb::public_id_decode(&secret, &prefix, &public_id)?)
}

/// A new TOTP secret (base32, 160 random bits) to enrol in an authenticator app.
#[uniffi::export]
pub fn totp_secret() -> String {
    fb::totp_secret()
}

/// The 6-digit TOTP code (RFC 6238) of `secret` (base32) at `at` (unix seconds).
#[uniffi::export]
pub fn totp_code(secret: String, at: i64) -> Result<String, FotobaseError> {
    Ok(fb::totp_code(&secret, at)?)
}

/// The time step `code` is valid for at `at` (one step of drift either way), or null. Only
/// steps after `after_step` count: store the returned step and pass it next time, so a code is
/// never accepted twice.
#[uniffi::export]
pub fn totp_verify(
    secret: String,
    code: String,
    at: i64,
    after_step: Option<u64>,
) -> Result<Option<u64>, FotobaseError> {
    Ok(fb::totp_verify(&secret, &code, at, after_step)?)
}

/// The `otpauth://totp/` URI authenticator apps scan (as a QR code) to enrol `secret`.
#[uniffi::export]
pub fn totp_uri(secret: String, issuer: String, account: String) -> Result<String, FotobaseError> {
    Ok(fb::totp_uri(&secret, &issuer, &account)?)
}

/// Every error code, in the core's order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    fb::error_codes().into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_verifies_server_tokens_from_the_jwks() {
        let server = TokenIssuer::generate("https://a.test".into(), "api".into(), None).unwrap();
        let opts = TokenOptions {
            roles: Some(vec!["editor".into()]),
            claims: Some(r#"{"tenant": "acme"}"#.into()),
            ..Default::default()
        };
        let token = server.issue("usr_1".into(), opts).unwrap();
        let device = TokenIssuer::from_jwks(server.jwks(), "https://a.test".into(), "api".into()).unwrap();
        let claims = device.verify(token.clone()).unwrap();
        assert_eq!((claims.sub.as_str(), claims.aud.as_slice()), ("usr_1", ["api".to_owned()].as_slice()));
        assert_eq!(claims.roles, ["editor"]);
        assert_eq!(claims.extra, r#"{"tenant":"acme"}"#);
        let other = TokenIssuer::from_jwks(server.jwks(), "https://a.test".into(), "web".into()).unwrap();
        assert_eq!(other.verify(token).unwrap_err().code(), "token_audience");
        assert!(device.issue("x".into(), TokenOptions::default()).is_err());
    }
}
