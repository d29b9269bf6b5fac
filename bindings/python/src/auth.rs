//! Passwords, access tokens and public ids. Hashing and verifying (argon2id,
//! deliberately slow) and key generation release the GIL.

use fotobase_bindings as facade;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{bytes_like, request, result, to_json, to_py, unsigned};
use crate::errors::{OrRaise, invalid};

/// An argon2id PHC string for `password` at the core's OWASP defaults. Weak
/// passwords raise `WeakPasswordError`. Releases the GIL.
#[pyfunction]
pub fn hash_password(py: Python<'_>, password: String) -> PyResult<String> {
    py.detach(|| facade::hash_password(&password)).or_raise()
}

/// Whether `password` matches `hash` (a malformed hash raises
/// `InvalidArgumentError`). Releases the GIL.
#[pyfunction]
pub fn verify_password(py: Python<'_>, hash: String, password: String) -> PyResult<bool> {
    py.detach(|| facade::verify_password(&hash, &password)).or_raise()
}

/// Whether `hash` was made with weaker parameters than today's defaults (rehash
/// it after the next successful login).
#[pyfunction]
pub fn needs_rehash(hash: String) -> bool {
    facade::needs_rehash(&hash)
}

/// Issues and verifies access tokens (JWT, `typ` at+jwt) for one issuer and
/// audience. Build one with `TokenIssuer.generate` (a fresh signing key) or
/// `TokenIssuer.from_jwks` (a verifier for a server's published keys).
#[pyclass(frozen, module = "fotobase")]
pub struct TokenIssuer {
    inner: facade::TokenIssuer,
    issuer: String,
    audience: String,
}

#[pymethods]
impl TokenIssuer {
    /// A new issuer with a freshly generated key: `algorithm` `"EdDSA"` (default),
    /// `"ES256"` or `"RS256"`.
    #[staticmethod]
    #[pyo3(signature = (issuer, audience, algorithm=None))]
    fn generate(py: Python<'_>, issuer: String, audience: String, algorithm: Option<String>) -> PyResult<TokenIssuer> {
        let inner = py.detach(|| facade::TokenIssuer::generate(&issuer, &audience, algorithm.as_deref())).or_raise()?;
        Ok(TokenIssuer { inner, issuer, audience })
    }

    /// A verifier (it cannot issue) from a JWKS, as a dict or JSON text: offline
    /// token checks against a server's `/.well-known/jwks.json`.
    #[staticmethod]
    fn from_jwks(jwks: &Bound<'_, PyAny>, issuer: String, audience: String) -> PyResult<TokenIssuer> {
        let jwks = match jwks.cast::<PyString>() {
            Ok(text) => {
                serde_json::from_str(&text.to_cow()?).map_err(|e| invalid(format!("the JWKS is not JSON: {e}")))?
            }
            Err(_) => to_json(jwks)?,
        };
        let inner = facade::TokenIssuer::from_jwks(&jwks, &issuer, &audience).or_raise()?;
        Ok(TokenIssuer { inner, issuer, audience })
    }

    /// A signed token for `subject`, valid for `ttl_secs` (default: the core's),
    /// with optional `roles` (list of str), `scope` (str) and extra `claims` (dict).
    /// Unknown option names raise `InvalidArgumentError`.
    #[pyo3(signature = (subject, *, ttl_secs=None, roles=None, scope=None, claims=None, **unknown))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments, one per facade option.
    fn issue(
        &self,
        py: Python<'_>,
        subject: String,
        ttl_secs: Option<&Bound<'_, PyAny>>,
        roles: Option<&Bound<'_, PyAny>>,
        scope: Option<&Bound<'_, PyAny>>,
        claims: Option<&Bound<'_, PyAny>>,
        unknown: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let opts = request(&[("ttl_secs", ttl_secs), ("roles", roles), ("scope", scope), ("claims", claims)], unknown)?;
        py.detach(|| self.inner.issue(&subject, opts)).or_raise()
    }

    /// The verified claims as a dict; otherwise raises the precise reason
    /// (`TokenExpiredError`, `TokenInvalidError`, `TokenAudienceError`, …).
    fn verify<'py>(&self, py: Python<'py>, token: String) -> PyResult<Bound<'py, PyAny>> {
        let claims = py.detach(|| self.inner.verify(&token)).or_raise()?;
        result(py, &claims)
    }

    /// The public keys as a JWKS dict, as served at `/.well-known/jwks.json`.
    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.jwks())
    }

    /// The `iss` this issuer signs and expects.
    #[getter]
    fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` this issuer signs and expects.
    #[getter]
    fn audience(&self) -> &str {
        &self.audience
    }

    fn __repr__(&self) -> String {
        format!("TokenIssuer(issuer={:?}, audience={:?})", self.issuer, self.audience)
    }
}

/// An opaque public id such as `img_…` for row `id`, keyed by `secret` (bytes, at
/// least 32).
#[pyfunction]
pub fn public_id_encode(secret: &Bound<'_, PyAny>, prefix: String, id: i128) -> PyResult<String> {
    let secret = bytes_like(secret)?;
    facade::public_id_encode(&secret, &prefix, unsigned(id, "id")?).or_raise()
}

/// The row id inside `public`; tampered ids and other prefixes raise
/// `InvalidArgumentError`.
#[pyfunction]
pub fn public_id_decode(secret: &Bound<'_, PyAny>, prefix: String, public: String) -> PyResult<u64> {
    let secret = bytes_like(secret)?;
    facade::public_id_decode(&secret, &prefix, &public).or_raise()
}

/// A new TOTP secret (base32, 160 random bits) to enrol in an authenticator app.
#[pyfunction]
pub fn totp_secret() -> String {
    facade::totp_secret()
}

/// The 6-digit TOTP code (RFC 6238) of `secret` (base32) at `at` (unix seconds).
#[pyfunction]
pub fn totp_code(secret: String, at: i64) -> PyResult<String> {
    facade::totp_code(&secret, at).or_raise()
}

/// The time step `code` is valid for at `at` (one step of drift either way), or `None`.
/// Only steps after `after_step` count: store the returned step and pass it next time, so
/// a code is never accepted twice.
#[pyfunction]
#[pyo3(signature = (secret, code, at, after_step=None))]
pub fn totp_verify(secret: String, code: String, at: i64, after_step: Option<u64>) -> PyResult<Option<u64>> {
    facade::totp_verify(&secret, &code, at, after_step).or_raise()
}

/// The `otpauth://totp/` URI authenticator apps scan (as a QR code) to enrol `secret`.
#[pyfunction]
pub fn totp_uri(secret: String, issuer: String, account: String) -> PyResult<String> {
    facade::totp_uri(&secret, &issuer, &account).or_raise()
}
