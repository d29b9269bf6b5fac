//! The catalogue of compression algorithms a processing job may use.

use axum::Router;
use axum::routing::get;
use fotobase::image::AlgorithmInfo;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/api/v1/algorithms", get(algorithms))
}

/// The compression algorithms with their parameters, ranges and defaults.
#[utoipa::path(get, path = "/api/v1/algorithms", tag = "processing", operation_id = "list_algorithms",
    responses((status = 200, description = "The algorithms", body = Vec<AlgorithmInfo>)))]
async fn algorithms() -> axum::Json<Vec<AlgorithmInfo>> {
    axum::Json(fotobase_bindings::algorithms())
}

/// The catalogue's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(algorithms))]
pub struct Api;
