//! What every service shares: errors as problem documents, extractors, the
//! authenticated caller, public ids, HTTP middleware.

pub mod auth;
pub mod error;
pub mod extract;
pub mod http;
pub mod ids;
pub mod metrics;

pub use auth::Caller;
pub use error::{ApiError, ApiResult};
pub use extract::{Json, Path, Query};

/// Run CPU-heavy work (decoding, encoding, hashing) off the async workers.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> fotobase::Result<T> + Send + 'static) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "blocking task failed");
            Err(ApiError::internal())
        }
    }
}
