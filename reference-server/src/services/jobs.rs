//! The image service, processing half: compression jobs (one algorithm, or all
//! of them at a target), their status by polling or Server-Sent Events, the
//! processed versions, and metrics between an original and a version.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use fotobase::storage::db::{Job, JobState, NewJob, Version, Visibility};
use fotobase::image::{self, CompareOptions, DecodeOptions, Fit, Metric, ResizeOptions};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use serde_json::{Value, json};

use crate::kit::{ApiError, ApiResult, Caller, Json, Path, blocking, ids};
use crate::services::images::{Download, content_type, owned_image, visible_image};
use crate::state::AppState;

/// The queue image work runs on, and its job kinds.
pub const IMAGES_QUEUE: &str = "images";
pub const THUMBNAIL: &str = "thumbnail";
pub const PROCESS: &str = "process";
pub const COMPARE_ALL: &str = "compare_all";

/// Most encodes one quality search may make (bounds a job's work).
const MAX_ENCODES: u64 = 16;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/images/{id}/process", post(process))
        .route("/api/v1/images/{id}/compare-all", post(compare_all))
        .route("/api/v1/images/{id}/compare", post(compare))
        .route("/api/v1/images/{id}/versions", get(versions))
        .route("/api/v1/images/{id}/versions/{vid}", get(version).delete(delete_version))
        .route("/api/v1/images/{id}/versions/{vid}/download", get(download_version))
        .route("/api/v1/jobs/{id}", get(job))
        .route("/api/v1/jobs/{id}/events", get(job_events))
        .route("/api/v1/algorithms", get(algorithms))
        .with_state(state)
}

/// A queued job: follow it at `Location` (`/api/v1/jobs/{job_id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    job_id: String,
    state: JobState,
}

async fn enqueue(state: &AppState, caller: &Caller, kind: &str, payload: Value) -> ApiResult<(StatusCode, HeaderMap, Json<Accepted>)> {
    let job = state.queue.enqueue(NewJob::new(IMAGES_QUEUE, kind, payload).owner(caller.user_id)).await?;
    state.jobs_ready.notify_waiters();
    let job_id = state.public_id(ids::JOB, job.id);
    let mut headers = HeaderMap::new();
    if let Ok(v) = format!("/api/v1/jobs/{job_id}").parse() {
        headers.insert(axum::http::header::LOCATION, v);
    }
    Ok((StatusCode::ACCEPTED, headers, Json(Accepted { job_id, state: job.state })))
}

/// Queue a compression of the image: one algorithm (or a format's default) at a quality, or the
/// smallest encode meeting a target; optionally resized. The result is a new version.
///
/// The body takes the options of `compress` in every binding, checked before queueing.
#[utoipa::path(post, path = "/api/v1/images/{id}/process", tag = "processing", operation_id = "process_image",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")), request_body = ProcessRequest,
    responses((status = 202, description = "Queued", body = Accepted,
        headers(("Location" = String, description = "The job's URL")))))]
async fn process(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(mut body): Json<Value>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Accepted>)> {
    let image = owned_image(&state, &caller, &id).await?;
    let opts = body.as_object_mut().ok_or_else(|| ApiError::invalid("the body must be a JSON object"))?;
    if opts.get("quality").is_some_and(|q| !q.is_null()) && opts.get("target").is_some_and(|t| !t.is_null()) {
        return Err(ApiError::invalid("give quality or target, not both"));
    }
    let max = opts.get("max_encodes").and_then(Value::as_u64).unwrap_or(10);
    if !(1..=MAX_ENCODES).contains(&max) {
        return Err(ApiError::invalid(format!("max_encodes must be 1 to {MAX_ENCODES}")).with_field("max_encodes"));
    }
    let input = image.format.parse().ok();
    fotobase_bindings::compress_options(&body, input)?;
    enqueue(&state, &caller, PROCESS, json!({ "image_id": image.id, "options": body })).await
}

/// The options of `compress` in every binding, as a process request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessRequest {
    /// An algorithm name from `GET /api/v1/algorithms` (e.g. `avif-rav1e`); or give `format`.
    pub algorithm: Option<String>,
    /// `jpeg`, `png`, `webp` or `avif`: that format's default algorithm.
    pub format: Option<String>,
    /// The algorithm's quality parameter (not with `target`).
    pub quality: Option<i64>,
    /// The smallest encode meeting this: `"ssimulacra2>=80"`, `{"metric": "ssim", "value": 0.95}` or
    /// `{"max_bytes": 100000}` (not with `quality`).
    #[schema(value_type = Option<Target>)]
    pub target: Option<Value>,
    /// Resize first: `{width?, height?, fit?, gravity?, without_enlargement?}`.
    #[schema(value_type = Option<Object>)]
    pub resize: Option<Value>,
    /// The algorithm's own parameters (see `GET /api/v1/algorithms`).
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
    /// Metrics to record for the result (default: all five).
    pub metrics: Option<Vec<String>>,
    /// Keep EXIF and XMP (default: only the ICC profile).
    pub keep_metadata: Option<bool>,
    /// Most encodes a quality search may make (1 to 16, default 10).
    pub max_encodes: Option<u64>,
}

/// A quality target: an expression, a metric threshold, or a size budget.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only: requests carry it as JSON
pub enum Target {
    /// `metric>=value`, e.g. `ssimulacra2>=80`, `ssim>=0.95`, `psnr>=40`.
    Expression(String),
    Threshold {
        /// `mse`, `psnr`, `ssim`, `ms_ssim` or `ssimulacra2`.
        metric: String,
        value: f64,
    },
    Budget { max_bytes: u64 },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareAllBody {
    #[schema(value_type = Target)]
    target: Value,
    /// Only these algorithms (default: every one).
    algorithms: Option<Vec<String>>,
}

/// Queue "compare all algorithms": each one's smallest encode meeting the target, as a table with the
/// `best` (smallest) in the job's result; the winner is stored as a version.
#[utoipa::path(post, path = "/api/v1/images/{id}/compare-all", tag = "processing", operation_id = "compare_all",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`")), request_body = CompareAllBody,
    responses((status = 202, description = "Queued", body = Accepted,
        headers(("Location" = String, description = "The job's URL")))))]
async fn compare_all(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CompareAllBody>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Accepted>)> {
    let image = owned_image(&state, &caller, &id).await?;
    fotobase_bindings::parse_target(&body.target).map_err(|e| ApiError::from(e).with_field("target"))?;
    if let Some(names) = &body.algorithms {
        if names.is_empty() {
            return Err(ApiError::invalid("algorithms must not be empty").with_field("algorithms"));
        }
        for n in names {
            fotobase::image::algorithm(n).map_err(|e| ApiError::from(e).with_field("algorithms"))?;
        }
    }
    let payload = json!({ "image_id": image.id, "target": body.target, "algorithms": body.algorithms });
    enqueue(&state, &caller, COMPARE_ALL, payload).await
}

/// A job as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// `thumbnail`, `process` or `compare_all`.
    pub kind: String,
    pub state: JobState,
    /// 0 to 1.
    pub progress: f64,
    pub attempts: u32,
    pub image_id: Option<String>,
    /// What a succeeded job made (a version, or the compare-all table with `best`).
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// `{code, message}` of the last failure.
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

impl JobView {
    pub fn new(state: &AppState, job: Job) -> JobView {
        let image_id = job.payload.get("image_id").and_then(Value::as_i64).map(|i| state.public_id(ids::IMAGE, i));
        // Workers record errors as `code: message`.
        let error = job.last_error.as_deref().filter(|_| job.state != JobState::Succeeded).map(|e| match e.split_once(": ") {
            Some((code, message)) if !code.contains(' ') => json!({ "code": code, "message": message }),
            _ => json!({ "code": "unexpected", "message": e }),
        });
        JobView {
            id: state.public_id(ids::JOB, job.id),
            kind: job.kind,
            state: job.state,
            progress: job.progress,
            attempts: job.attempts,
            image_id,
            result: job.result,
            error,
            created_at: job.created_at,
            updated_at: job.updated_at,
            finished_at: job.finished_at,
        }
    }
}

async fn owned_job(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Job> {
    let job = state.queue.get(state.row_id(ids::JOB, id, "job")?).await?;
    if job.owner_id == Some(caller.user_id) { Ok(job) } else { Err(ApiError::not_found("job")) }
}

/// A job's state and progress (poll, or follow `/events`).
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "processing", operation_id = "get_job",
    security(("bearer" = [])), params(("id" = String, Path, description = "`job_…`")),
    responses((status = 200, description = "The job", body = JobView)))]
async fn job(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<JobView>> {
    let job = owned_job(&state, &caller, &id).await?;
    Ok(Json(JobView::new(&state, job)))
}

/// Server-Sent Events: a `job` event whenever the job's state or progress changes,
/// ending after the one that reports it finished.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/events", tag = "processing", operation_id = "job_events",
    security(("bearer" = [])), params(("id" = String, Path, description = "`job_…`")),
    responses((status = 200, description = "`event: job` with a JobView as data, until it is finished",
        content_type = "text/event-stream", body = String)))]
async fn job_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let job = owned_job(&state, &caller, &id).await?;
    let stream = futures_util::stream::unfold(
        (state, job.id, None::<(JobState, u64, i64)>, false),
        |(state, id, last, done)| async move {
            if done {
                return None;
            }
            loop {
                let job = match state.queue.get(id).await {
                    Ok(j) => j,
                    Err(e) => {
                        let ev = Event::default().event("error").data(json!({ "code": e.code() }).to_string());
                        return Some((Ok(ev), (state, id, last, true)));
                    }
                };
                let now = (job.state, job.progress.to_bits(), job.updated_at);
                if last != Some(now) {
                    let finished = matches!(job.state, JobState::Succeeded | JobState::Failed);
                    let view = JobView::new(&state, job);
                    let ev = Event::default().event("job").json_data(&view).unwrap_or_default();
                    return Some((Ok(ev), (state, id, Some(now), finished)));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
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

/// A version of an image the caller may see.
async fn version_of(state: &AppState, image_id: i64, vid: &str) -> ApiResult<Version> {
    let v = state.images().version(state.row_id(ids::VERSION, vid, "version")?).await?;
    if v.image_id == image_id { Ok(v) } else { Err(ApiError::not_found("version")) }
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
    responses((status = 200, description = "The file", content_type = "image/*"), (status = 304, description = "Not modified")))]
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
    };
    download.send(&state, &headers).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareBody {
    /// `ver_…` of a processed version of this image.
    version: String,
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
    /// The original was resized to the version's size to compare.
    pub reference_resized: bool,
    pub image_id: String,
    pub version: String,
}

/// Metrics between the original and one of its versions, computed now (and recorded).
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
    let vid = state.body_id(ids::VERSION, &body.version, "version")?;
    let v = state.images().version(vid).await.map_err(|_| ApiError::not_found("version").with_field("version"))?;
    if v.image_id != image.id {
        return Err(ApiError::not_found("version").with_field("version"));
    }
    let blobs = state.media.blobs();
    let (reference, distorted) = (blobs.get(&image.blob_key).await?, blobs.get(&v.blob_key).await?);
    let metrics = metric_list(body.metrics.as_ref())?;
    let mut result = blocking(move || compare_bytes(&reference, &distorted, &metrics)).await?;
    let measured = result.get("metrics").cloned().unwrap_or(Value::Null);
    state.images().add_comparison(image.id, None, v.id, &measured).await?;
    if let Some(m) = result.as_object_mut() {
        m.insert("image_id".into(), json!(state.public_id(ids::IMAGE, image.id)));
        m.insert("version".into(), json!(body.version));
    }
    Ok(Json(result))
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
    let decode = |data: &[u8]| image::decode(data, &DecodeOptions { limits: image::Limits::unlimited(), ..DecodeOptions::default() });
    let (a, b) = (decode(reference)?, decode(distorted)?);
    let resized = (a.width(), a.height()) != (b.width(), b.height());
    let ref_pixels = if resized {
        let fit = ResizeOptions { width: Some(b.width()), height: Some(b.height()), fit: Fit::Fill, ..Default::default() };
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

/// The compression algorithms with their parameters, ranges and defaults.
#[utoipa::path(get, path = "/api/v1/algorithms", tag = "processing", operation_id = "list_algorithms",
    responses((status = 200, description = "The algorithms", body = Vec<AlgorithmInfo>)))]
async fn algorithms() -> axum::Json<Value> {
    axum::Json(fotobase_bindings::algorithms())
}

/// The processing half of the image service's OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(process, compare_all, compare, versions, version, delete_version, download_version, job, job_events, algorithms))]
pub struct Api;

/// A compression algorithm as `GET /api/v1/algorithms` lists it.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documentation only: built as JSON by the bindings' shared layer
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
    pub params: serde_json::Value,
}
