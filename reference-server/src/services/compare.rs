//! Metrics between two renditions of an image (the original and a version, or two versions),
//! computed on request and recorded.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use fotobase::image::{self, CompareOptions, DecodeOptions, Fit, Metric, ResizeOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::kit::access::{image_version, owned_image};
use crate::kit::{ApiError, ApiResult, Caller, Json, Path, blocking, ids};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/images/{id}/compare", post(compare))
        .route("/api/v1/images/{id}/comparisons", get(history))
        .with_state(state)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareBody {
    /// `ver_…` of a processed version of this image.
    version: String,
    /// What to measure it against: another `ver_…` of this image (default: the original).
    reference: Option<String>,
    /// Metric names (default: all five).
    #[schema(value_type = Option<Vec<String>>)]
    metrics: Option<Value>,
}

/// Metrics between an original and one of its versions.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documentation only: built as JSON
pub struct Comparison {
    /// `mse`, `psnr`, `ssim`, `ms_ssim`, `ssimulacra2` (those asked for).
    #[schema(value_type = Object)]
    pub metrics: Value,
    /// `{format, width, height, bytes}` of the original.
    #[schema(value_type = Object)]
    pub reference: Value,
    /// `{format, width, height, bytes}` of the version.
    #[schema(value_type = Object)]
    pub distorted: Value,
    /// Original bytes / version bytes.
    pub ratio: f64,
    /// The reference was resized to the version's size to compare.
    pub reference_resized: bool,
    pub image_id: String,
    pub version: String,
    /// The `ver_…` measured against, or `original`.
    pub reference_version: String,
}

/// Metrics between one of an image's versions and its original (or another of its versions),
/// computed now and recorded.
#[utoipa::path(post, path = "/api/v1/images/{id}/compare", tag = "processing", operation_id = "compare_version",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")), request_body = CompareBody,
    responses((status = 200, description = "The metrics", body = Comparison)))]
async fn compare(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CompareBody>,
) -> ApiResult<Json<Value>> {
    let image = owned_image(&state, &caller, &id).await?;
    let version_of_image = async |public: &str, field: &'static str| {
        let vid = state.body_id(ids::VERSION, public, field)?;
        image_version(&state, image.id, vid).await.map_err(|e| e.with_field(field))
    };
    let v = version_of_image(&body.version, "version").await?;
    let reference = match &body.reference {
        Some(r) => Some(version_of_image(r, "reference").await?),
        None => None,
    };
    let blobs = state.media.blobs();
    let reference_key = reference.as_ref().map_or(&image.blob_key, |r| &r.blob_key);
    let (reference_bytes, distorted) = (blobs.get(reference_key).await?, blobs.get(&v.blob_key).await?);
    let metrics = metric_list(body.metrics.as_ref())?;
    let mut result = blocking(move || compare_bytes(&reference_bytes, &distorted, &metrics)).await?;
    let measured = result.get("metrics").cloned().unwrap_or(Value::Null);
    state.images().add_comparison(image.id, reference.as_ref().map(|r| r.id), v.id, &measured).await?;
    if let Some(m) = result.as_object_mut() {
        m.insert("image_id".into(), json!(state.public_id(ids::IMAGE, image.id)));
        m.insert("version".into(), json!(body.version));
        m.insert("reference_version".into(), json!(body.reference.as_deref().unwrap_or("original")));
    }
    Ok(Json(result))
}

/// A comparison recorded for an image (`POST …/compare`, the compare-all jobs).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedComparison {
    /// What was compared: `original`, or a `ver_…`.
    a: String,
    /// The version compared with it (`ver_…`).
    b: String,
    /// The metrics measured (`mse`, `psnr`, `ssim`, `ms_ssim`, `ssimulacra2`: those asked for).
    #[schema(value_type = Object)]
    metrics: Value,
    /// Unix seconds.
    created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComparisonHistory {
    /// Oldest first.
    items: Vec<RecordedComparison>,
}

/// The comparisons recorded for one of the caller's images, oldest first.
#[utoipa::path(get, path = "/api/v1/images/{id}/comparisons", tag = "processing", operation_id = "list_comparisons",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")),
    responses((status = 200, description = "The recorded comparisons", body = ComparisonHistory)))]
async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ComparisonHistory>> {
    let image = owned_image(&state, &caller, &id).await?;
    let items = state
        .images()
        .comparisons(image.id)
        .await?
        .into_iter()
        .map(|c| RecordedComparison {
            a: c.version_a.map_or_else(|| "original".to_owned(), |v| state.public_id(ids::VERSION, v)),
            b: state.public_id(ids::VERSION, c.version_b),
            metrics: c.metrics,
            created_at: c.created_at,
        })
        .collect();
    Ok(Json(ComparisonHistory { items }))
}

fn metric_list(v: Option<&Value>) -> ApiResult<Vec<Metric>> {
    let bad = || ApiError::invalid("metrics must be a non-empty list of metric names").with_field("metrics");
    match v {
        None | Some(Value::Null) => Ok(Metric::ALL.to_vec()),
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|m| m.as_str().ok_or_else(bad)?.parse::<Metric>().map_err(|e| ApiError::from(e).with_field("metrics")))
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// Metrics of `distorted` against `reference`. A version made with a resize is
/// compared with the original resized to its size (as the job measured it).
fn compare_bytes(reference: &[u8], distorted: &[u8], metrics: &[Metric]) -> fotobase::Result<Value> {
    let decode = |data: &[u8]| {
        image::decode(data, &DecodeOptions { limits: image::Limits::unlimited(), ..DecodeOptions::default() })
    };
    let (a, b) = (decode(reference)?, decode(distorted)?);
    let resized = (a.width(), a.height()) != (b.width(), b.height());
    let ref_pixels = if resized {
        let fit =
            ResizeOptions { width: Some(b.width()), height: Some(b.height()), fit: Fit::Fill, ..Default::default() };
        image::resize(a.pixels(), &fit)?
    } else {
        a.pixels().clone()
    };
    let m = image::compare_images(&ref_pixels, b.pixels(), &CompareOptions::with_metrics(metrics))?;
    let side = |i: &image::Image, bytes: usize| json!({ "format": i.info().format, "width": i.width(), "height": i.height(), "bytes": bytes });
    Ok(json!({
        "metrics": m,
        "reference": side(&a, reference.len()),
        "distorted": side(&b, distorted.len()),
        "ratio": reference.len() as f64 / distorted.len().max(1) as f64,
        "reference_resized": resized,
    }))
}

/// The comparisons' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(compare, history))]
pub struct Api;
