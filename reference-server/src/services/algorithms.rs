//! The catalogue of compression algorithms a processing job may use: the image engine's registry,
//! each with whether this deployment offers it (`algorithms` table, the admins' choice).

use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch};
use fotobase::image::AlgorithmInfo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kit::offered::disabled;
use crate::kit::{ApiError, ApiResult, Caller, Json, Path};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/algorithms", get(algorithms))
        .route("/api/v1/algorithms/{name}", patch(set_enabled))
        .with_state(state)
}

/// An algorithm with its parameters, and whether processing requests may use it here.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlgorithmView {
    #[serde(flatten)]
    info: AlgorithmInfo,
    /// Offered on this server (admins turn algorithms off with `PATCH /api/v1/algorithms/{name}`).
    enabled: bool,
}

/// The compression algorithms with their parameters, ranges and defaults, and whether each is
/// offered here.
#[utoipa::path(get, path = "/api/v1/algorithms", tag = "processing", operation_id = "list_algorithms",
    responses((status = 200, description = "The algorithms", body = Vec<AlgorithmView>)))]
async fn algorithms(State(state): State<AppState>) -> ApiResult<Json<Vec<AlgorithmView>>> {
    let off = disabled(&state).await?;
    Ok(Json(
        fotobase_bindings::algorithms()
            .into_iter()
            .map(|info| AlgorithmView { enabled: !off.contains(info.name), info })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlgorithmChange {
    enabled: bool,
}

/// Offer an algorithm to users or stop offering it (admins). Versions made with it stay; new
/// processing requests naming it are refused.
#[utoipa::path(patch, path = "/api/v1/algorithms/{name}", tag = "processing", operation_id = "set_algorithm",
    security(("bearer" = [])), params(("name" = String, Path, description = "e.g. `avif-rav1e`")),
    request_body = AlgorithmChange, responses((status = 200, description = "The algorithm", body = AlgorithmView)))]
async fn set_enabled(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Json(change): Json<AlgorithmChange>,
) -> ApiResult<Json<AlgorithmView>> {
    caller.require_admin(&state).await?;
    let info = fotobase::image::algorithm(&name).map_err(|_| ApiError::not_found("algorithm"))?;
    state.db.set_algorithm_enabled(info.name, change.enabled).await?;
    tracing::info!(algorithm = info.name, enabled = change.enabled, admin = caller.user_id, "algorithm offer changed");
    Ok(Json(AlgorithmView { info, enabled: change.enabled }))
}

/// The catalogue's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(algorithms, set_enabled))]
pub struct Api;
