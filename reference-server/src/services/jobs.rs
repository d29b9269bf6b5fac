//! Processing jobs: compressions of an image (one algorithm, or all of them at a
//! target) queued for the workers, and their state by polling or Server-Sent Events.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use fotobase_bindings::{CompareAllRequest, CompressRequest};
use fotobase_store::db::{Job, JobState, NewJob};
use futures_util::Stream;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::kit::access::owned_image;
use crate::kit::extract::idempotency_key;
use crate::kit::{ApiError, ApiResult, Caller, Json, Path, ids, offered, quota};
use crate::state::AppState;
use crate::worker::kinds::{self, COMPARE_ALL, IMAGES_QUEUE, PROCESS};

/// Most encodes one quality search may make (bounds a job's work).
const MAX_ENCODES: usize = 16;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/images/{id}/process", post(process))
        .route("/api/v1/images/{id}/compare-all", post(compare_all))
        .route("/api/v1/jobs/{id}", get(job))
        .route("/api/v1/jobs/{id}/events", get(job_events))
        .with_state(state)
}

/// A queued job: follow it at `Location` (`/api/v1/jobs/{job_id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    job_id: String,
    state: JobState,
}

/// Queue a job; a request repeating an `Idempotency-Key` of the caller's gets the job the first
/// one queued (202, the same id), and a different request under a key in use is refused (409).
async fn enqueue(
    state: &AppState,
    caller: &Caller,
    key: Option<String>,
    kind: &str,
    payload: Value,
) -> ApiResult<(StatusCode, HeaderMap, Json<Accepted>)> {
    let mut new = NewJob::new(IMAGES_QUEUE, kind, payload.clone()).owner(caller.user_id);
    // Scoped to the caller: another account's keys neither collide nor reveal anything.
    let key_scoped = key.as_ref().map(|k| format!("user:{}:{k}", caller.user_id));
    let replay = match &key_scoped {
        Some(k) => state.queue.by_key(k).await?.is_some(),
        None => false,
    };
    // A retry of a queued request is answered whatever the quota says now.
    if !replay {
        quota::admit_job(state, caller.user_id).await?;
    }
    if let Some(k) = key_scoped {
        new = new.idempotency_key(k);
    }
    let job = state.queue.enqueue(new).await.map_err(|e| {
        let reused = e.kind() == fotobase::ErrorKind::AlreadyExists;
        let e = ApiError::from(e);
        if reused { e.with_field("idempotency-key") } else { e }
    })?;
    if key.is_some() && job.payload != payload {
        return Err(ApiError::from(fotobase::Error::new(
            fotobase::ErrorKind::AlreadyExists,
            "this Idempotency-Key was used for another request",
        ))
        .with_field("idempotency-key"));
    }
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
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat it to retry without queueing twice (1 to 200 bytes)")), request_body = CompressRequest,
    responses((status = 202, description = "Queued", body = Accepted,
        headers(("Location" = String, description = "The job's URL")))))]
async fn process(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<CompressRequest>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Accepted>)> {
    let key = idempotency_key(&headers)?;
    let image = owned_image(&state, &caller, &id).await?;
    let checked = body.options(image.format.parse().ok())?;
    if checked.quality.is_some() && checked.target.is_some() {
        return Err(ApiError::invalid("give quality or target, not both"));
    }
    if !(1..=MAX_ENCODES).contains(&checked.max_encodes) {
        return Err(ApiError::invalid(format!("max_encodes must be 1 to {MAX_ENCODES}")).with_field("max_encodes"));
    }
    let field = if body.algorithm.is_some() { "algorithm" } else { "format" };
    // A format stands for its default algorithm: that one must be offered.
    let algorithm = fotobase::image::algorithm(&checked.algorithm)?.name;
    offered::check(&offered::disabled(&state).await?, algorithm, field)?;
    enqueue(&state, &caller, key, PROCESS, kinds::payload(&kinds::Process { image_id: image.id, options: body })).await
}

/// Queue "compare all algorithms": each one's smallest encode meeting the target, as a table with the
/// `best` (smallest) in the job's result; the winner is stored as a version.
#[utoipa::path(post, path = "/api/v1/images/{id}/compare-all", tag = "processing", operation_id = "compare_all",
    security(("bearer" = [])), params(("id" = String, Path, description = "`img_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat it to retry without queueing twice (1 to 200 bytes)")), request_body = CompareAllRequest,
    responses((status = 202, description = "Queued", body = Accepted,
        headers(("Location" = String, description = "The job's URL")))))]
async fn compare_all(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<CompareAllRequest>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Accepted>)> {
    let key = idempotency_key(&headers)?;
    let image = owned_image(&state, &caller, &id).await?;
    body.check()?;
    // Only what this server offers: named ones are checked, and "all" means all that are on.
    let off = offered::disabled(&state).await?;
    let algorithms = match body.algorithms {
        Some(names) => {
            for n in &names {
                offered::check(&off, n, "algorithms")?;
            }
            Some(names)
        }
        None if off.is_empty() => None,
        None => {
            let on: Vec<String> = fotobase_bindings::algorithms()
                .into_iter()
                .filter(|a| !off.contains(a.name))
                .map(|a| a.name.into())
                .collect();
            if on.is_empty() {
                return Err(ApiError::invalid("no algorithm is offered on this server"));
            }
            Some(on)
        }
    };
    enqueue(
        &state,
        &caller,
        key,
        COMPARE_ALL,
        kinds::payload(&kinds::CompareAll { image_id: image.id, target: body.target, algorithms }),
    )
    .await
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
        let image_id = kinds::image_id(&job.payload).map(|i| state.public_id(ids::IMAGE, i));
        // Workers record errors as `code: message`.
        let error =
            job.last_error.as_deref().filter(|_| job.state != JobState::Succeeded).map(|e| match e.split_once(": ") {
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

/// The processing jobs' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(process, compare_all, job, job_events))]
pub struct Api;
