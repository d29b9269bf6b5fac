//! The catalogue of compression algorithms a processing job may use.

use axum::Router;
use axum::routing::get;
use serde_json::Value;
use utoipa::ToSchema;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/api/v1/algorithms", get(algorithms))
}

/// The compression algorithms with their parameters, ranges and defaults.
#[utoipa::path(get, path = "/api/v1/algorithms", tag = "processing", operation_id = "list_algorithms",
    responses((status = 200, description = "The algorithms", body = Vec<AlgorithmInfo>)))]
async fn algorithms() -> axum::Json<Vec<fotobase::image::AlgorithmInfo>> {
    axum::Json(fotobase_bindings::algorithms())
}

/// The catalogue's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(algorithms))]
pub struct Api;

/// A compression algorithm as `GET /api/v1/algorithms` lists it.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documentation only: the registry's own Serialize (params keyed by name) writes it
pub struct AlgorithmInfo {
    /// e.g. `jpeg-mozjpeg`, `webp-lossy`, `avif-rav1e`, `png-oxipng`.
    pub name: String,
    pub format: String,
    pub lossless: bool,
    pub description: String,
    /// The parameter `quality` sets and a quality search varies (absent for lossless ones).
    pub quality_param: Option<String>,
    /// Parameter name → its `type` (`int`, `bool`, `choice`), `min`/`max` or `choices`, `default`, `description`.
    #[schema(value_type = Object)]
    pub params: Value,
}
