//! Passwords, tokens and public ids. Hashing and verifying cost ~50 ms of
//! argon2id by design, so they get Promise versions; the rest is fast.
//!
//! Token claims and JWKS cross verbatim, not camelCased: they are wire formats
//! that other JWT libraries read.

use fotobase_bindings as fb;
use napi::Env;
use napi::bindgen_prelude::{AsyncTask, BigInt, Either};
use napi_derive::napi;
use serde_json::Value;

use crate::convert::{Bytes, Json, request, whole};
use crate::errors::{self, invalid};
use crate::task::{self, Job};

/// An argon2id PHC string for `password` (a weak password is `weak_password`).
#[napi(ts_return_type = "Promise<string>")]
pub fn hash_password(password: String) -> AsyncTask<Job<String>> {
    task::spawn(move || fb::hash_password(&password))
}

/// `hashPassword` on the calling thread.
#[napi]
pub fn hash_password_sync(env: Env, password: String) -> napi::Result<String> {
    errors::sync(&env, || fb::hash_password(&password))
}

/// Whether `password` matches `hash` (a malformed hash is `invalid_argument`).
#[napi(ts_return_type = "Promise<boolean>")]
pub fn verify_password(hash: String, password: String) -> AsyncTask<Job<bool>> {
    task::spawn(move || fb::verify_password(&hash, &password))
}

/// `verifyPassword` on the calling thread.
#[napi]
pub fn verify_password_sync(env: Env, hash: String, password: String) -> napi::Result<bool> {
    errors::sync(&env, || fb::verify_password(&hash, &password))
}

/// Whether `hash` was made with weaker parameters than today's defaults.
#[napi]
pub fn needs_rehash(hash: String) -> bool {
    fb::needs_rehash(&hash)
}

/// Issues and verifies access tokens (JWT, `typ` at+jwt) for one issuer and audience.
#[napi]
pub struct TokenIssuer {
    inner: fb::TokenIssuer,
}

#[napi]
impl TokenIssuer {
    /// A new issuer with a fresh signing key (`EdDSA` default, `ES256`, `RS256`).
    #[napi(factory)]
    pub fn generate(
        env: Env,
        issuer: String,
        audience: String,
        algorithm: Option<String>,
    ) -> napi::Result<TokenIssuer> {
        errors::sync(&env, || fb::TokenIssuer::generate(&issuer, &audience, algorithm.as_deref()))
            .map(|inner| TokenIssuer { inner })
    }

    /// A verifier from a server's published JWKS (cannot issue): offline checks.
    #[napi(factory)]
    pub fn from_jwks(
        env: Env,
        #[napi(ts_arg_type = "Jwks")] jwks: Value,
        issuer: String,
        audience: String,
    ) -> napi::Result<TokenIssuer> {
        errors::sync(&env, || fb::TokenIssuer::from_jwks(&jwks, &issuer, &audience)).map(|inner| TokenIssuer { inner })
    }

    /// A signed token for `subject`.
    #[napi]
    pub fn issue(
        &self,
        env: Env,
        subject: String,
        #[napi(ts_arg_type = "IssueOptions")] options: Option<Value>,
    ) -> napi::Result<String> {
        errors::sync(&env, || self.inner.issue(&subject, issue_options(options)?))
    }

    /// The verified claims, or the precise reason (`token_expired`, `token_invalid`, …).
    #[napi(ts_return_type = "Claims")]
    pub fn verify(&self, env: Env, token: String) -> napi::Result<Json> {
        // Claims keep their JWT names (`iat`, `exp`, the caller's own): not camelCased.
        errors::sync(&env, || fb::to_json(&self.inner.verify(&token)?).map(Json))
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    #[napi(ts_return_type = "Jwks")]
    pub fn jwks(&self) -> Json {
        Json(self.inner.jwks())
    }
}

/// `ttlSecs` → `ttl_secs`, but the extra `claims` keep the names the caller chose.
fn issue_options(options: Option<Value>) -> fb::Result<fb::TokenOptions> {
    let mut options = options.unwrap_or(Value::Null);
    let claims = options.as_object_mut().and_then(|o| o.remove("claims"));
    let mut opts: fb::TokenOptions = request(Some(options))?;
    if let Some(claims) = claims {
        opts.claims = fb::value("claims", claims)?;
    }
    Ok(opts)
}

/// An opaque id such as `img_…` for row `id`, keyed by `secret` (≥ 32 bytes).
#[napi(ts_args_type = "secret: Uint8Array, prefix: string, id: number | bigint")]
pub fn public_id_encode(env: Env, secret: Bytes, prefix: String, id: Either<f64, BigInt>) -> napi::Result<String> {
    errors::sync(&env, || fb::public_id_encode(&secret, &prefix, row_id(id)?))
}

/// The row id inside a public id: a number, or a bigint above `Number.MAX_SAFE_INTEGER`.
#[napi(ts_args_type = "secret: Uint8Array, prefix: string, publicId: string")]
pub fn public_id_decode(
    env: Env,
    secret: Bytes,
    prefix: String,
    public_id: String,
) -> napi::Result<Either<f64, BigInt>> {
    let id = errors::sync(&env, || fb::public_id_decode(&secret, &prefix, &public_id))?;
    Ok(if id <= MAX_SAFE_INTEGER { Either::A(id as f64) } else { Either::B(BigInt::from(id)) })
}

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Row ids are u64: a number must be a safe non-negative integer, larger ones come as bigint.
fn row_id(id: Either<f64, BigInt>) -> fb::Result<u64> {
    match id {
        Either::A(n) => whole("id (a bigint above 2^53)", n),
        Either::B(b) => match b.get_u64() {
            (false, v, true) => Ok(v),
            _ => Err(invalid("id must be a non-negative 64-bit integer")),
        },
    }
}

/// Every error code, in the core's order.
#[napi]
pub fn error_codes() -> Vec<String> {
    fb::error_codes().into_iter().map(str::to_owned).collect()
}

/// A new TOTP secret (base32, 160 random bits) to enrol in an authenticator app.
#[napi]
pub fn totp_secret() -> String {
    fb::totp_secret()
}

/// The 6-digit TOTP code (RFC 6238) of `secret` (base32) at `at` (unix seconds).
#[napi]
pub fn totp_code(env: Env, secret: String, at: i64) -> napi::Result<String> {
    errors::sync(&env, || fb::totp_code(&secret, at))
}

/// The time step `code` is valid for at `at` (one step of drift either way), or `null`. Only
/// steps after `afterStep` count: store the returned step and pass it next time, so a code is
/// never accepted twice.
#[napi]
pub fn totp_verify(
    env: Env,
    secret: String,
    code: String,
    at: i64,
    after_step: Option<i64>,
) -> napi::Result<Option<i64>> {
    let step = errors::sync(&env, || {
        let after = after_step
            .map(u64::try_from)
            .transpose()
            .map_err(|_| fb::Error::new(fb::ErrorKind::InvalidArgument, "afterStep must not be negative"))?;
        fb::totp_verify(&secret, &code, at, after)
    })?;
    Ok(step.map(|s| s as i64))
}

/// The `otpauth://totp/` URI authenticator apps scan (as a QR code) to enrol `secret`.
#[napi]
pub fn totp_uri(env: Env, secret: String, issuer: String, account: String) -> napi::Result<String> {
    errors::sync(&env, || fb::totp_uri(&secret, &issuer, &account))
}
