//! Operations endpoints: liveness (`/health`), readiness (`/ready`: the database
//! answers and the blob store can be reached) and Prometheus metrics (`/metrics`).

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::kit::auth::bearer;
use crate::kit::{ApiError, same_secret};
use crate::state::AppState;
use crate::worker::kinds::IMAGES_QUEUE;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations", operation_id = "health",
    responses((status = 200, description = "Alive", body = serde_json::Value)))]
async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
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

/// Prometheus metrics (OpenMetrics text): requests, latencies, jobs, bytes processed; behind
/// a bearer token when `FOTOBASE_METRICS_TOKEN` is set.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String)))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(want) = state.config.metrics_token.as_deref()
        && !matches!(bearer(&headers), Ok(Some(sent)) if same_secret(sent, want))
    {
        return ApiError::unauthenticated("the metrics need the bearer token this server was configured with")
            .into_response();
    }
    let queue = state.queue.counts(Some(IMAGES_QUEUE), None).await.ok();
    let Some(body) = state.metrics.encode(queue.as_ref()) else {
        return ApiError::internal().into_response();
    };
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}

/// The operations part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, ready, metrics))]
pub struct Api;
