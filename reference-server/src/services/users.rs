//! The user service: the caller's account and profile, account deletion (which
//! removes everything the account owns), and administration of accounts.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use fotobase_store::db::{AuditKind, Page, ProfileUpdate, QuotaLimits, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kit::audit::{self, Origin};
use crate::kit::extract::ClientAddr;
use crate::kit::{ApiError, ApiResult, Caller, Json, PageQuery, Path, Query, ids, quota, reauth};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/users/me", get(me).patch(update_me).delete(delete_me))
        .route("/api/v1/users", get(list))
        .route("/api/v1/users/{id}", get(get_user).patch(admin_update))
        .route("/api/v1/users/{id}/roles/{role}", put(grant).delete(revoke))
        .route("/api/v1/users/me/quota", get(my_quota))
        .route("/api/v1/users/{id}/quota", get(user_quota).put(set_quota))
        .route("/api/v1/users/me/events", get(my_events))
        .route("/api/v1/users/{id}/events", get(user_events))
        .with_state(state)
}

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub avatar_image_id: Option<String>,
    /// Free-form settings of the client's choosing (an object, at most 16 KiB).
    #[schema(value_type = Object)]
    pub preferences: serde_json::Value,
    pub roles: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub disabled: bool,
    /// Whether the address was confirmed through a link sent to it.
    pub email_verified: bool,
}

impl UserView {
    pub fn new(state: &AppState, u: User) -> ApiResult<UserView> {
        Ok(UserView {
            id: state.public_id(ids::USER, u.id),
            email: state.fields.decrypt_str(&u.email_cipher, "user.email")?,
            display_name: u.display_name,
            avatar_image_id: state.public_opt(ids::IMAGE, u.avatar_image_id),
            preferences: u.preferences,
            roles: u.roles,
            created_at: u.created_at,
            updated_at: u.updated_at,
            disabled: u.disabled_at.is_some(),
            email_verified: u.email_verified_at.is_some(),
        })
    }
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", operation_id = "get_me",
    security(("bearer" = [])), responses((status = 200, description = "The caller", body = UserView)))]
async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<UserView>> {
    let user = state.users.get(caller.user_id).await?;
    Ok(Json(UserView::new(&state, user)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    display_name: Option<String>,
    /// One of the caller's images; `null` clears the avatar; absent leaves it.
    #[serde(default, deserialize_with = "crate::kit::extract::double_option")]
    #[schema(value_type = Option<String>)]
    avatar_image_id: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    preferences: Option<serde_json::Value>,
}

/// Change the caller's display name, avatar or preferences.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", operation_id = "update_me",
    security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 200, description = "The updated account", body = UserView)))]
async fn update_me(
    State(state): State<AppState>,
    caller: Caller,
    Json(patch): Json<ProfilePatch>,
) -> ApiResult<Json<UserView>> {
    let avatar = match patch.avatar_image_id {
        Some(Some(public)) => {
            let id = state.body_id(ids::IMAGE, &public, "avatar_image_id")?;
            let image =
                state.images().get(id).await.map_err(|_| ApiError::not_found("image").with_field("avatar_image_id"))?;
            if image.owner_id != caller.user_id {
                return Err(ApiError::not_found("image").with_field("avatar_image_id"));
            }
            Some(Some(id))
        }
        Some(None) => Some(None),
        None => None,
    };
    if let Some(p) = &patch.preferences {
        if !p.is_object() {
            return Err(ApiError::invalid("preferences must be an object").with_field("preferences"));
        }
        if p.to_string().len() > 16 * 1024 {
            return Err(ApiError::too_large("preferences are limited to 16 KiB").with_field("preferences"));
        }
    }
    let update =
        ProfileUpdate { display_name: patch.display_name, avatar_image_id: avatar, preferences: patch.preferences };
    let user = state.users.update_profile(caller.user_id, &update).await?;
    Ok(Json(UserView::new(&state, user)?))
}

/// Delete an account and everything it owns: sessions first (nothing new can be
/// done as this user), then jobs, folders and share links, images with their
/// blobs, and the account row last, so a crash part-way can simply be retried.
pub async fn delete_account(state: &AppState, user_id: i64) -> ApiResult<()> {
    let public = state.public_id(ids::USER, user_id);
    state.sessions.logout_all(&public).await?;
    state.queue.delete_for_owner(user_id).await?;
    state.folders.delete_for_owner(user_id).await?;
    state.media.delete_owner(user_id).await?;
    state.users.delete(user_id).await?;
    tracing::info!(user = %public, "account deleted");
    Ok(())
}

/// The password again, for what cannot be undone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reauthentication {
    password: String,
}

/// Delete the caller's account and everything it owns: images, blobs, folders, share links, jobs,
/// sessions. Asks for the password again (a wrong one counts as a failed login).
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users", operation_id = "delete_me",
    security(("bearer" = [])), request_body = Reauthentication,
    responses((status = 204, description = "Deleted"), (status = 403, description = "Wrong password")))]
async fn delete_me(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    caller: Caller,
    Json(again): Json<Reauthentication>,
) -> ApiResult<StatusCode> {
    let user = state.users.get(caller.user_id).await?;
    reauth::password_again(&state, &user, again.password, "password", addr.map(|a| a.ip())).await?;
    // The last admin may not leave the system without one.
    if user.is_admin() {
        let admins = count_admins(&state).await?;
        if admins <= 1 {
            return Err(ApiError::from(fotobase::Error::new(
                fotobase::ErrorKind::Conflict,
                "the last admin cannot delete their account; make someone else admin first",
            )));
        }
    }
    delete_account(&state, caller.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn count_admins(state: &AppState) -> ApiResult<usize> {
    let mut cursor = None;
    let mut n = 0;
    loop {
        let page = state.users.list(cursor.as_deref(), 500).await?;
        n += page.items.iter().filter(|u| u.is_admin() && u.disabled_at.is_none()).count();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(n),
        }
    }
}

/// Every account (admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", operation_id = "list_users",
    security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of accounts", body = Page<UserView>)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Page<UserView>>> {
    caller.require_admin(&state).await?;
    let page = state.users.list(q.cursor.as_deref(), q.limit).await?;
    let items = page.items.into_iter().map(|u| UserView::new(&state, u)).collect::<ApiResult<_>>()?;
    Ok(Json(Page { items, next_cursor: page.next_cursor }))
}

/// Another account: admins only (users see each other only through shares).
async fn target(state: &AppState, caller: &Caller, id: &str) -> ApiResult<i64> {
    caller.require_admin(state).await?;
    let id = state.row_id(ids::USER, id, "user")?;
    state.users.get(id).await?;
    Ok(id)
}

/// One account (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", operation_id = "get_user",
    security(("bearer" = [])), params(("id" = String, Path, description = "`usr_…`")),
    responses((status = 200, description = "The account", body = UserView)))]
async fn get_user(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    let id = target(&state, &caller, &id).await?;
    Ok(Json(UserView::new(&state, state.users.get(id).await?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminPatch {
    disabled: Option<bool>,
}

/// Disable (or re-enable) an account; disabling ends all its sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", operation_id = "admin_update_user",
    security(("bearer" = [])), params(("id" = String, Path, description = "`usr_…`")), request_body = AdminPatch,
    responses((status = 200, description = "The account", body = UserView)))]
async fn admin_update(
    State(state): State<AppState>,
    origin: Origin,
    caller: Caller,
    Path(id): Path<String>,
    Json(patch): Json<AdminPatch>,
) -> ApiResult<Json<UserView>> {
    let id = target(&state, &caller, &id).await?;
    let mut user = state.users.get(id).await?;
    if let Some(disabled) = patch.disabled {
        if disabled && id == caller.user_id {
            return Err(ApiError::invalid("admins cannot disable their own account").with_field("disabled"));
        }
        user = state.users.set_disabled(id, disabled).await?;
        let kind = if disabled { AuditKind::Disabled } else { AuditKind::Enabled };
        audit::record(&state, id, kind, &origin.by(caller.user_id)).await;
        if disabled {
            state.sessions.logout_all(&state.public_id(ids::USER, id)).await?;
        }
    }
    Ok(Json(UserView::new(&state, user)?))
}

/// Give an account a role (admins).
#[utoipa::path(put, path = "/api/v1/users/{id}/roles/{role}", tag = "users", operation_id = "grant_role",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "`usr_…`"), ("role" = String, Path, description = "e.g. `admin`")),
    responses((status = 200, description = "The account", body = UserView)))]
async fn grant(
    State(state): State<AppState>,
    origin: Origin,
    caller: Caller,
    Path((id, role)): Path<(String, String)>,
) -> ApiResult<Json<UserView>> {
    let id = target(&state, &caller, &id).await?;
    let user = state.users.grant_role(id, &role).await?;
    audit::record(&state, id, AuditKind::RoleGranted, &origin.by(caller.user_id)).await;
    Ok(Json(UserView::new(&state, user)?))
}

/// Take a role from an account (admins).
#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role}", tag = "users", operation_id = "revoke_role",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "`usr_…`"), ("role" = String, Path, description = "e.g. `admin`")),
    responses((status = 200, description = "The account", body = UserView)))]
async fn revoke(
    State(state): State<AppState>,
    origin: Origin,
    caller: Caller,
    Path((id, role)): Path<(String, String)>,
) -> ApiResult<Json<UserView>> {
    let id = target(&state, &caller, &id).await?;
    let user = state.users.revoke_role(id, &role).await?;
    audit::record(&state, id, AuditKind::RoleRevoked, &origin.by(caller.user_id)).await;
    Ok(Json(UserView::new(&state, user)?))
}

/// An account's quotas: the limits that apply (its own, else the server's defaults; `null`: no
/// limit), the ones an admin set for it (`null`: the default), and what it uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaView {
    pub limits: QuotaLimits,
    pub own: QuotaLimits,
    /// Bytes of the account's originals and versions.
    pub bytes_used: u64,
    /// Processing jobs of the account queued or running.
    pub queued_jobs: u64,
}

async fn quota_view(state: &AppState, user: i64) -> ApiResult<QuotaView> {
    let (row, limits) = quota::of(state, user).await?;
    Ok(QuotaView {
        limits,
        own: row.own,
        bytes_used: row.bytes_used,
        queued_jobs: quota::queued_jobs(state, user).await?,
    })
}

/// The caller's quotas and usage.
#[utoipa::path(get, path = "/api/v1/users/me/quota", tag = "users", operation_id = "get_my_quota",
    security(("bearer" = [])), responses((status = 200, description = "Quotas and usage", body = QuotaView)))]
async fn my_quota(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<QuotaView>> {
    Ok(Json(quota_view(&state, caller.user_id).await?))
}

/// An account's quotas and usage (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}/quota", tag = "users", operation_id = "get_user_quota",
    security(("bearer" = [])), params(("id" = String, Path, description = "`usr_…`")),
    responses((status = 200, description = "Quotas and usage", body = QuotaView)))]
async fn user_quota(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<QuotaView>> {
    let id = target(&state, &caller, &id).await?;
    Ok(Json(quota_view(&state, id).await?))
}

/// Set an account's own quotas (admins): each limit a number, or `null` (or left out) for the
/// server's default. Lowering a limit below what the account uses keeps what it has and refuses
/// what would add to it.
#[utoipa::path(put, path = "/api/v1/users/{id}/quota", tag = "users", operation_id = "set_user_quota",
    security(("bearer" = [])), params(("id" = String, Path, description = "`usr_…`")), request_body = QuotaLimits,
    responses((status = 200, description = "Quotas and usage", body = QuotaView)))]
async fn set_quota(
    State(state): State<AppState>,
    origin: Origin,
    caller: Caller,
    Path(id): Path<String>,
    Json(own): Json<QuotaLimits>,
) -> ApiResult<Json<QuotaView>> {
    let id = target(&state, &caller, &id).await?;
    state.quotas.set(id, &own).await?;
    audit::record(&state, id, AuditKind::QuotaSet, &origin.by(caller.user_id)).await;
    tracing::info!(user = %state.public_id(ids::USER, id), by = %state.public_id(ids::USER, caller.user_id), "quota set");
    Ok(Json(quota_view(&state, id).await?))
}

/// A security event of an account, as its holder and admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub kind: AuditKind,
    /// Unix seconds.
    pub at: i64,
    /// The client's address, when known.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The admin who did it (`usr_…`), when not the account itself.
    pub by: Option<String>,
}

async fn events(state: &AppState, user: i64, q: &PageQuery) -> ApiResult<Page<EventView>> {
    let page = state.audit.list(user, q.cursor.as_deref(), q.limit).await?;
    Ok(page.map(|e| EventView {
        kind: e.kind,
        at: e.created_at,
        ip: e.ip,
        user_agent: e.user_agent,
        by: state.public_opt(ids::USER, e.actor_id),
    }))
}

/// The caller's security events (sign-ins, failures, password changes, …), newest first.
#[utoipa::path(get, path = "/api/v1/users/me/events", tag = "users", operation_id = "my_events",
    security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of events", body = Page<EventView>)))]
async fn my_events(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Page<EventView>>> {
    Ok(Json(events(&state, caller.user_id, &q).await?))
}

/// An account's security events (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}/events", tag = "users", operation_id = "user_events",
    security(("bearer" = [])), params(("id" = String, Path, description = "`usr_…`"), PageQuery),
    responses((status = 200, description = "A page of events", body = Page<EventView>)))]
async fn user_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Page<EventView>>> {
    let id = target(&state, &caller, &id).await?;
    Ok(Json(events(&state, id, &q).await?))
}

/// The user service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    me,
    update_me,
    delete_me,
    list,
    get_user,
    admin_update,
    grant,
    revoke,
    my_quota,
    user_quota,
    set_quota,
    my_events,
    user_events
))]
pub struct Api;
