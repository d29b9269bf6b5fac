//! The processed versions of an image: listed, read, downloaded, deleted.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use fotobase_store::db::{Version, Visibility};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::kit::access::{image_version, owned_image, visible_image};
use crate::kit::download::{Download, content_type};
use crate::kit::{ApiResult, Caller, Json, Path, ids};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/images/{id}/versions", get(versions))
        .route("/api/v1/images/{id}/versions/{vid}", get(version).delete(delete_version))
        .route("/api/v1/images/{id}/versions/{vid}/download", get(download_version))
        .with_state(state)
}

/// A processed version as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub id: String,
    pub image_id: String,
    pub algorithm: String,
    #[schema(value_type = Object)]
    pub params: Value,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub ssimulacra2: Option<f64>,
    /// Metric name → value, as measured when it was made.
    #[schema(value_type = Object)]
    pub metrics: Value,
    pub created_at: i64,
}

impl VersionView {
    pub fn new(state: &AppState, v: Version) -> VersionView {
        VersionView {
            id: state.public_id(ids::VERSION, v.id),
            image_id: state.public_id(ids::IMAGE, v.image_id),
            algorithm: v.algorithm,
            params: v.params,
            format: v.format,
            width: v.width,
            height: v.height,
            bytes: v.bytes,
            ssimulacra2: v.ssimulacra2,
            metrics: v.metrics,
            created_at: v.created_at,
        }
    }
}

/// The processed versions of an image, with bytes and metrics.
#[utoipa::path(get, path = "/api/v1/images/{id}/versions", tag = "processing", operation_id = "list_versions",
    security((), ("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The versions", body = Vec<VersionView>)))]
async fn versions(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<VersionView>>> {
    let image = visible_image(&state, caller.as_ref(), &id).await?;
    let list = state.images().versions(image.id).await?;
    Ok(Json(list.into_iter().map(|v| VersionView::new(&state, v)).collect()))
}

/// A version of an image the caller may see, named in the path.
async fn version_of(state: &AppState, image_id: i64, vid: &str) -> ApiResult<Version> {
    image_version(state, image_id, state.row_id(ids::VERSION, vid, "version")?).await
}

#[utoipa::path(get, path = "/api/v1/images/{id}/versions/{vid}", tag = "processing", operation_id = "get_version",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "`img_…`"), ("vid" = String, Path, description = "`ver_…`")),
    responses((status = 200, description = "The version", body = VersionView)))]
async fn version(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path((id, vid)): Path<(String, String)>,
) -> ApiResult<Json<VersionView>> {
    let image = visible_image(&state, caller.as_ref(), &id).await?;
    Ok(Json(VersionView::new(&state, version_of(&state, image.id, &vid).await?)))
}

#[utoipa::path(delete, path = "/api/v1/images/{id}/versions/{vid}", tag = "processing", operation_id = "delete_version",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "`img_…`"), ("vid" = String, Path, description = "`ver_…`")),
    responses((status = 204, description = "Deleted")))]
async fn delete_version(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, vid)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let image = owned_image(&state, &caller, &id).await?;
    let v = version_of(&state, image.id, &vid).await?;
    state.media.delete_version(v.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/images/{id}/versions/{vid}/download", tag = "processing",
    operation_id = "download_version", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "`img_…`"), ("vid" = String, Path, description = "`ver_…`")),
    responses((status = 200, description = "The file", content_type = "image/*"), (status = 304, description = "Not modified"),
        (status = 302, description = "With `presigned_downloads` on an S3 or Azure store, for bytes sent as stored: the store's URL for them, valid 5 minutes (browser `fetch`es, `Sec-Fetch-Mode: cors`, get the file)",
            headers(("Location" = String, description = "The presigned URL")))))]
async fn download_version(
    State(state): State<AppState>,
    caller: Option<Caller>,
    Path((id, vid)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let image = visible_image(&state, caller.as_ref(), &id).await?;
    let v = version_of(&state, image.id, &vid).await?;
    let etag = v.blob_key.rsplit('/').next().unwrap_or(&v.blob_key).to_owned();
    let ext = v.format.parse::<fotobase::image::Format>().map_or("bin", |f| f.extension());
    let stem = image.name.rsplit_once('.').map_or(image.name.as_str(), |(s, _)| s);
    let download = Download {
        key: &v.blob_key,
        content_type: content_type(&v.format),
        etag: &etag,
        file_name: format!("{stem}.{}.{ext}", v.algorithm),
        public: image.visibility == Visibility::Public,
        untrusted: false,
        strip_location: false,
    };
    // A version made with `keep_metadata` carries the original's EXIF.
    download.for_caller(caller.as_ref(), image.owner_id).send(&state, &headers).await
}

/// The versions' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(versions, version, delete_version, download_version))]
pub struct Api;
