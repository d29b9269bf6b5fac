//! Operations endpoints: liveness (`/health`), readiness (`/ready`: the database
//! answers and the blob store can be reached) and Prometheus metrics (`/metrics`).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::{Value, json};

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(crate::kit::metrics::scrape))
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

/// Prometheus metrics (OpenMetrics text): requests, latencies, jobs, bytes processed.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String)))]
#[allow(dead_code)] // documents `kit::metrics::scrape`
fn metrics_doc() {}

/// The operations part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, ready, metrics_doc))]
pub struct Api;
