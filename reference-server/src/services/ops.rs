//! Operations endpoints: liveness (`/health`), readiness (`/ready`: the database
//! answers and the blob store can be reached) and Prometheus metrics (`/metrics`).

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::config::Service;
use crate::kit::metrics::exposition;
use crate::state::AppState;
use crate::worker::kinds::IMAGES_QUEUE;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The operations endpoints of `fotobase worker`, which serves nothing else: liveness, readiness
/// and its metrics (job durations and outcomes, bytes processed), without the queue's counts,
/// which the images service exports.
pub fn worker_router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { axum::Json(json!({ "status": "ok", "role": "worker", "version": VERSION })) }))
        .route("/ready", get(ready))
        .route("/metrics", get(worker_metrics))
        .with_state(state)
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations", operation_id = "health",
    responses((status = 200, description = "Alive", body = serde_json::Value)))]
async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok", "version": VERSION }))
}

/// Readiness: the database answers and the blob store is reachable (503 otherwise).
#[utoipa::path(get, path = "/ready", tag = "operations", operation_id = "ready",
    responses((status = 200, description = "Ready", body = serde_json::Value), (status = 503, description = "Not ready", body = serde_json::Value)))]
async fn ready(State(state): State<AppState>) -> (StatusCode, axum::Json<Value>) {
    let limit = Duration::from_secs(3);
    let db = matches!(tokio::time::timeout(limit, state.db.schema_version()).await, Ok(Ok(_)));
    let blobs = matches!(tokio::time::timeout(limit, state.media.blobs().head("ready-probe")).await, Ok(Ok(_)));
    let ok = db && blobs;
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |b: bool| if b { "ok" } else { "unavailable" };
    (status, axum::Json(json!({ "status": word(ok), "database": word(db), "blobs": word(blobs) })))
}

/// Prometheus metrics (OpenMetrics text): requests, latencies, jobs, bytes processed, whether the
/// database answers; behind a bearer token when `FOTOBASE_METRICS_TOKEN` is set.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String)))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    // The images service owns the queue (and the all-in-one process is it): the counts once.
    let owns_queue = matches!(state.config.service, Service::All | Service::Images);
    scrape(&state, &headers, owns_queue).await
}

async fn worker_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    scrape(&state, &headers, false).await
}

async fn scrape(state: &AppState, headers: &HeaderMap, queue: bool) -> Response {
    let limit = Duration::from_secs(2);
    let database_up = matches!(tokio::time::timeout(limit, state.db.schema_version()).await, Ok(Ok(_)));
    let counts = if queue && database_up { state.queue.counts(Some(IMAGES_QUEUE), None).await.ok() } else { None };
    exposition(state.config.metrics_token.as_deref(), headers, || state.metrics.encode(database_up, counts.as_ref()))
}

/// The operations part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, ready, metrics))]
pub struct Api;
