//! What every service shares: errors as problem documents, extractors, the
//! authenticated caller, public ids, HTTP middleware.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cookies;
pub mod devices;
pub mod download;
pub mod error;
pub mod extract;
pub mod hashing;
pub mod http;
pub mod ids;
pub mod mail;
pub mod metrics;
pub mod offered;
pub mod oidc;
pub mod passkeys;
pub mod proxy;
pub mod quota;
pub mod reauth;
pub mod sealed;
pub mod second_factor;
pub mod signin;
pub mod web;

pub use auth::Caller;
pub use error::{ApiError, ApiResult};
pub use extract::{Json, PageQuery, Path, Query};

/// The SHA-256 (hex) a bearer secret is stored as (share-link tokens, invitation codes): a
/// leaked table gives nothing to present.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// SHA-256 of `bytes`, as lowercase hex (how the store names content, `images.sha256`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    fotobase_auth::random::hex(&sha2::Sha256::digest(bytes))
}

/// A fresh bearer secret for links and codes: 24 random bytes, base64url (192 bits).
pub fn random_token() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(fotobase_auth::random_bytes(24))
}

/// Whether a presented secret (a CSRF token, the metrics token) equals the expected one, in
/// time that does not depend on where they first differ.
pub fn same_secret(given: &str, want: &str) -> bool {
    given.len() == want.len() && given.bytes().zip(want.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Run CPU-heavy work (decoding, encoding, hashing) on the blocking pool.
pub async fn compute<T: Send + 'static>(
    f: impl FnOnce() -> fotobase::Result<T> + Send + 'static,
) -> fotobase::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| fotobase::Error::new(fotobase::ErrorKind::Unexpected, "blocking task failed").with_source(e))?
}

/// [`compute`] for handlers: failures become problem documents.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> fotobase::Result<T> + Send + 'static) -> ApiResult<T> {
    compute(f).await.map_err(ApiError::from)
}
