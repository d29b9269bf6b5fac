//! Statistics: the caller's, and (for admins) the whole system's: images and
//! bytes stored, bytes saved and mean SSIMULACRA2 by algorithm, jobs by state.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use fotobase_store::db::{AlgorithmStats, JobCounts};
use serde::Serialize;
use utoipa::ToSchema;

use crate::kit::{ApiResult, Caller, Json};
use crate::state::AppState;
use crate::worker::kinds::IMAGES_QUEUE;

pub fn router(state: AppState) -> Router {
    Router::new().route("/api/v1/stats", get(mine)).route("/api/v1/stats/global", get(global)).with_state(state)
}

/// Storage and compression figures, the caller's or the system's.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    pub images: i64,
    pub bytes_stored: i64,
    pub versions: i64,
    pub version_bytes: i64,
    /// Over all versions: bytes of their originals minus their own bytes.
    pub bytes_saved: i64,
    pub by_algorithm: Vec<AlgorithmStats>,
    pub jobs: JobCounts,
    /// Accounts (global statistics only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<i64>,
}

async fn stats(state: &AppState, owner: Option<i64>) -> ApiResult<StatsView> {
    let s = state.images().stats(owner).await?;
    let jobs = state.queue.counts(Some(IMAGES_QUEUE), owner).await?;
    Ok(StatsView {
        images: s.images,
        bytes_stored: s.bytes_stored,
        versions: s.versions,
        version_bytes: s.version_bytes,
        bytes_saved: s.by_algorithm.iter().map(|a| a.bytes_saved).sum(),
        by_algorithm: s.by_algorithm,
        jobs,
        users: None,
    })
}

/// The caller's statistics.
#[utoipa::path(get, path = "/api/v1/stats", tag = "stats", operation_id = "my_stats",
    security(("bearer" = [])), responses((status = 200, description = "Statistics", body = StatsView)))]
async fn mine(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<StatsView>> {
    Ok(Json(stats(&state, Some(caller.user_id)).await?))
}

/// The whole system's statistics (admins).
#[utoipa::path(get, path = "/api/v1/stats/global", tag = "stats", operation_id = "global_stats",
    security(("bearer" = [])), responses((status = 200, description = "Statistics", body = StatsView)))]
async fn global(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<StatsView>> {
    caller.require_admin(&state).await?;
    let mut view = stats(&state, None).await?;
    view.users = Some(state.users.count().await?);
    Ok(Json(view))
}

/// The statistics part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(mine, global))]
pub struct Api;
