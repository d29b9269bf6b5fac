//! The auth service: accounts' credentials and sessions. Register, log in
//! (throttled, timing-equal for unknown accounts), rotate refresh tokens, log
//! out, change the password, publish the JWKS.
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{delete, get, post};
use fotobase_auth::field::normalize_email;
use fotobase_store::db::NewUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::EmailVerification;
use crate::kit::audit::{self, Origin};
use crate::kit::error::codes;
use crate::kit::extract::{ClientAddr, JsonOrEmpty};
use crate::kit::mail::{self, Pending};
use crate::kit::second_factor::{self, Proof};
use crate::kit::signin::{self, TokenResponse};
use crate::kit::{self, ApiError, ApiResult, Caller, Json, Path, Query, ids, reauth};
use crate::kit::{cookies, devices};
use crate::services::users::UserView;
use crate::state::AppState;
use fotobase_auth::mail::Mail;
use fotobase_store::db::{AuditKind, EmailPurpose};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/refresh", post(refresh))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/logout-all", post(logout_all))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/auth/invites", post(create_invite).get(list_invites))
        .route("/api/v1/auth/invites/{id}", delete(revoke_invite))
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(state)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// At least 8 characters, at most 1024 bytes, not a commonly used password, not mostly the e-mail's name.
    #[schema(min_length = 8)]
    password: String,
    /// Default: the e-mail address's local part.
    display_name: Option<String>,
    /// The invitation code, where sign-up needs one (`registration = "invite"`).
    invite: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
    /// Browsers: keep the refresh token in an HttpOnly cookie (see `kit::cookies`).
    #[serde(default)]
    cookie: bool,
    /// With two-step verification on: the authenticator app's current code.
    totp_code: Option<String>,
    /// Or, instead, one of the account's recovery codes (each works once).
    recovery_code: Option<String>,
    /// Or, instead, one of the account's passkeys: what `navigator.credentials.get` answered to the
    /// options of `POST /api/v1/auth/passkeys/login/options` (AuthenticationResponseJSON).
    #[schema(value_type = Option<Object>)]
    passkey: Option<fotobase_auth::webauthn::AuthenticationResponse>,
    /// With a code: this browser (its `fotobase_device` cookie) is not asked for one again for
    /// 30 days, until the password or the second factor changes or everyone is logged out.
    #[serde(default)]
    remember_device: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// Absent: the browser session's cookie (with its CSRF header).
    refresh_token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Create an account (the first one becomes admin).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", operation_id = "register",
    request_body = Register, responses((status = 201, description = "The new account", body = UserView),
        (status = 202, description = "With `email_verification = required` (the default with an SMTP relay): the same for taken and free addresses; the link is in the mailbox", body = Pending)))]
async fn register(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(mut body): Json<Register>,
) -> ApiResult<Response> {
    let email = mail::checked_address(&body.email, "email")?;
    state.throttle.sign_up(addr.map(|a| a.ip())).await?;
    let admitted = admit_sign_up(&state, body.invite.take()).await?;
    let made = create_account(&state, email.clone(), body, matches!(admitted, Admitted::First)).await;
    match (&made, &admitted) {
        (Ok((id, _)), Admitted::Invited(code)) => state.invites.used_by(code, *id).await?,
        // A taken address or a weak password: the invitation is not spent.
        (Err(_), Admitted::Invited(code)) => state.invites.release(code).await?,
        _ => {}
    }
    let required = state.config.email_verification() == EmailVerification::Required;
    let pending = || (StatusCode::ACCEPTED, Json(Pending::CHECK_EMAIL)).into_response();
    match made {
        Ok((id, view)) => {
            if state.config.email_verification() != EmailVerification::Off {
                mail::send_verification(&state, id, &email).await?;
            }
            Ok(if required { pending() } else { (StatusCode::CREATED, Json(view)).into_response() })
        }
        // The same answer as for a new address; only the address's holder is told.
        Err(e) if required && e.code == fotobase::ErrorKind::AlreadyExists.code() => {
            let state = state.clone();
            tokio::spawn(async move {
                let told = async {
                    let index = state.blind.email(&email);
                    // The holder's mailbox is not flooded: notices back off per address like reset
                    // requests (on a counter of their own, so they cannot hold up a reset).
                    if state.throttle.recovery(&format!("sign-up-notice:{index}"), None).await.is_err() {
                        return Ok(());
                    }
                    let Some(user) = state.users.by_email_index(&index).await? else {
                        return Ok(());
                    };
                    let link = mail::link(&state, user.id, EmailPurpose::Reset, "reset-password").await?;
                    mail::send_later(&state, Mail::already_registered(&email, mail::SERVICE, &link));
                    Ok::<_, ApiError>(())
                };
                if let Err(e) = told.await {
                    tracing::warn!(code = e.code, "sign-up notice not sent");
                }
            });
            Ok(pending())
        }
        Err(e) => Err(e),
    }
}

/// How the registration policy let a sign-up in.
enum Admitted {
    Open,
    /// With an invitation, taken: its code's hash, recorded once used or given back.
    Invited(String),
    /// As the server's first account, which becomes the admin who then invites or creates the
    /// others; made only if it still is the first when it is stored (two may race).
    First,
}

/// Whether the registration policy lets this sign-up go ahead; an invitation it needs is taken.
/// The first account can always be made.
async fn admit_sign_up(state: &AppState, invite: Option<String>) -> ApiResult<Admitted> {
    use crate::config::Registration;
    let policy = state.config.registration;
    if policy == Registration::Open {
        return Ok(Admitted::Open);
    }
    if state.users.list(None, 1).await?.items.is_empty() {
        return Ok(Admitted::First);
    }
    match (policy, invite) {
        (Registration::Invite, Some(code)) => {
            let hash = kit::token_hash(&code);
            state.invites.take(&hash).await.map_err(|_| {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    codes::INVITE_INVALID,
                    "the invitation is unknown, used or expired",
                )
                .with_field("invite")
            })?;
            Ok(Admitted::Invited(hash))
        }
        (Registration::Invite, None) => {
            Err(registration_closed("sign-up on this server needs an invitation").with_field("invite"))
        }
        _ => Err(registration_closed("sign-up is closed on this server")),
    }
}

fn registration_closed(detail: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, codes::REGISTRATION_CLOSED, detail.to_owned())
}

/// The account's row id and its view; with `first_only`, only while there is no account yet.
async fn create_account(
    state: &AppState,
    email: String,
    body: Register,
    first_only: bool,
) -> ApiResult<(i64, UserView)> {
    let display_name = body
        .display_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    let hasher = state.hasher.clone();
    let (password, local, name) =
        (body.password, email.split('@').next().unwrap_or_default().to_owned(), display_name.clone());
    let password_hash = state
        .hashing
        .run(move || {
            hasher.check_policy(&password, &[&local, &name])?;
            hasher.hash_unchecked(&password)
        })
        .await
        .map_err(|e| e.with_field("password"))?;
    let new = NewUser {
        email_cipher: state.fields.encrypt_str(&email, "user.email")?,
        email_index: state.blind.email(&email),
        password_hash,
        display_name,
    };
    let user = if first_only {
        state.users.create_first(&new).await.map_err(|e| match e.kind() {
            fotobase::ErrorKind::Conflict => registration_closed("sign-up is closed on this server"),
            _ => ApiError::from(e).with_field("email"),
        })?
    } else {
        state.users.create(&new).await.map_err(|e| ApiError::from(e).with_field("email"))?
    };
    tracing::info!(user = %state.public_id(ids::USER, user.id), "account registered");
    Ok((user.id, UserView::new(state, user)?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// Seconds until it expires: 1 to 2,592,000 (30 days); default 604,800 (7 days).
    expires_in: Option<i64>,
}

/// A sign-up invitation: give `code` to the person (it is shown once; only its hash is kept).
#[derive(Debug, Serialize, ToSchema)]
pub struct Invite {
    code: String,
    /// Unix seconds.
    expires_at: i64,
}

/// Make a single-use sign-up invitation (admins), for `registration = "invite"`.
#[utoipa::path(post, path = "/api/v1/auth/invites", tag = "auth", operation_id = "create_invite",
    security(("bearer" = [])), request_body = NewInvite,
    responses((status = 201, description = "The invitation", body = Invite)))]
async fn create_invite(
    State(state): State<AppState>,
    caller: Caller,
    JsonOrEmpty(body): JsonOrEmpty<NewInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    caller.require_admin(&state).await?;
    let ttl = body.expires_in.unwrap_or(7 * 86_400);
    if !(1..=30 * 86_400).contains(&ttl) {
        return Err(ApiError::invalid("expires_in is 1 to 2592000 seconds").with_field("expires_in"));
    }
    let code = kit::random_token();
    let expires_at = state.invites.create(caller.user_id, &kit::token_hash(&code), ttl).await?;
    Ok((StatusCode::CREATED, Json(Invite { code, expires_at })))
}

/// An invitation as admins see it (never its code).
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteView {
    /// The SHA-256 of the code: names the invitation (to revoke it) without being the code.
    id: String,
    /// `usr_…`: the admin who made it.
    created_by: String,
    /// Unix seconds.
    created_at: i64,
    expires_at: i64,
    /// `active` (usable), `used` or `expired`.
    state: &'static str,
    used_at: Option<i64>,
    /// `usr_…`: the account it made (null once that account is deleted).
    used_by: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InviteQuery {
    /// 1 to 200; default 50.
    limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteList {
    /// Newest first.
    items: Vec<InviteView>,
}

/// The newest invitations and what became of them (admins).
#[utoipa::path(get, path = "/api/v1/auth/invites", tag = "auth", operation_id = "list_invites",
    security(("bearer" = [])), params(InviteQuery),
    responses((status = 200, description = "Invitations", body = InviteList)))]
async fn list_invites(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<InviteQuery>,
) -> ApiResult<Json<InviteList>> {
    caller.require_admin(&state).await?;
    let now = fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock);
    let items = state
        .invites
        .list(q.limit.unwrap_or(50))
        .await?
        .into_iter()
        .map(|i| InviteView {
            state: match (i.used_at, i.expires_at > now) {
                (Some(_), _) => "used",
                (None, true) => "active",
                (None, false) => "expired",
            },
            id: i.code_hash,
            created_by: state.public_id(ids::USER, i.created_by),
            created_at: i.created_at,
            expires_at: i.expires_at,
            used_at: i.used_at,
            used_by: i.used_by.map(|u| state.public_id(ids::USER, u)),
        })
        .collect();
    Ok(Json(InviteList { items }))
}

/// Withdraw an unused invitation (admins): its code stops working. A used one stays on record (`404`).
#[utoipa::path(delete, path = "/api/v1/auth/invites/{id}", tag = "auth", operation_id = "revoke_invite",
    security(("bearer" = [])), params(("id" = String, Path, description = "The invitation's `id` from the list")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_invite(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    caller.require_admin(&state).await?;
    if !state.invites.revoke(&id).await? {
        return Err(fotobase::Error::new(fotobase::ErrorKind::NotFound, "no unused invitation with this id").into());
    }
    Ok(StatusCode::NO_CONTENT)
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, codes::INVALID_CREDENTIALS, "wrong e-mail address or password")
}

/// Log in: an access token and a refresh token (with `cookie: true`, the refresh token is set as an
/// HttpOnly cookie and a `fotobase_csrf` cookie is set for the double-submit check). An account with
/// two-step verification answers a right password without a code `401 second_factor_required`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = Login, responses((status = 200, description = "Tokens", body = TokenResponse)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    headers: HeaderMap,
    Json(body): Json<Login>,
) -> ApiResult<Response> {
    let ip = addr.map(|a| a.ip());
    let email = normalize_email(&body.email);
    let index = state.blind.email(&email);
    // The hashing slot first: a login the server cannot hash now is turned away before any work.
    let slot = state.hashing.admit().await?;
    let user = state.users.by_email_index(&index).await?;
    // A browser that signed in to this account before is counted on its own (`kit::devices`).
    let device = devices::known(&state, &headers, user.as_ref()).await?;
    match &device {
        Some(d) => state.throttle.check_device(&d.id).await?,
        None => state.throttle.check(&index, ip).await?,
    }
    let failed = async |state: &AppState| match &device {
        Some(d) => state.throttle.failed_device(&d.id).await,
        None => state.throttle.failed(&index, ip).await,
    };
    if body.password.len() > state.hasher.policy().max_bytes {
        // Longer than any password that can be set: wrong for every account, known or not,
        // and answered without hashing.
        failed(&state).await?;
        return Err(invalid_credentials());
    }
    let hasher = state.hasher.clone();
    let password = body.password;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = slot
        .run(move || match stored {
            Some(hash) => hasher.verify_and_upgrade(&hash, &password),
            None => Ok(fotobase_auth::password::Verified { ok: hasher.dummy_verify(&password), new_hash: None }),
        })
        .await?;
    let user = match user {
        Some(u) if verified.ok => u,
        other => {
            if let Some(u) = other {
                audit::record(&state, u.id, AuditKind::SignInFailed, &origin).await;
            }
            failed(&state).await?;
            return Err(invalid_credentials());
        }
    };
    if user.disabled_at.is_some() {
        return Err(ApiError::forbidden("this account is disabled"));
    }
    if state.config.email_verification() == EmailVerification::Required && user.email_verified_at.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::EMAIL_UNVERIFIED,
            "confirm your e-mail address first: follow the link sent to it",
        ));
    }
    let mut remember = false;
    if let Some(factor) = second_factor::confirmed(&state, user.id).await?
        && !device.as_ref().is_some_and(devices::Known::skips_second_factor)
    {
        let passed = match &body.passkey {
            Some(cred) => second_factor::check_passkey(&state, &headers, &user, cred, &origin, ip).await,
            None => {
                let proof = Proof { totp_code: body.totp_code, recovery_code: body.recovery_code };
                second_factor::check(&state, &user, &factor, proof, StatusCode::UNAUTHORIZED, ip).await
            }
        };
        second_factor::settle(&state, user.id, passed, &origin).await?;
        remember = body.remember_device;
    }
    match &device {
        Some(d) => state.throttle.succeeded_device(&d.id).await?,
        None => state.throttle.succeeded(&index, ip).await?,
    }
    if let Some(new_hash) = verified.new_hash {
        state.users.set_password_hash(user.id, &new_hash).await?;
    }
    let issued = signin::start(&state, &user, &headers, ip, &origin).await?;
    let new_device = devices::signed_in(&state, user.id, device, remember).await?;
    Ok((AppendHeaders(new_device), signin::respond(&state, issued, body.cookie)).into_response())
}

/// Exchange a refresh token for new tokens (rotation; a reused token ends its whole session family).
/// Without a body, the browser session's cookie is used and `X-CSRF-Token` must repeat `fotobase_csrf`.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh",
    request_body(content = Option<RefreshBody>, description = "Absent for cookie sessions"),
    params(("X-CSRF-Token" = Option<String>, Header, description = "Cookie sessions: the `fotobase_csrf` cookie's value")),
    responses((status = 200, description = "New tokens", body = TokenResponse)))]
async fn refresh(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    JsonOrEmpty(body): JsonOrEmpty<RefreshBody>,
) -> ApiResult<Response> {
    let (token, cookie) = presented(&body, &headers)?;
    match state.sessions.refresh(token).await {
        Ok(issued) => Ok(signin::respond(&state, issued, cookie)),
        Err(e) => {
            if e.kind() == fotobase::ErrorKind::TokenReused {
                // A token presented twice: someone else has a copy. The holder is told.
                record_for_token(&state, token, AuditKind::RefreshReused, &origin).await;
            }
            Err(e.into())
        }
    }
}

/// The refresh token of a request: in the body, or else the browser session's cookie (with its
/// CSRF check); `true` for the cookie.
fn presented<'a>(body: &'a RefreshBody, headers: &'a HeaderMap) -> ApiResult<(&'a str, bool)> {
    match &body.refresh_token {
        Some(token) => Ok((token.as_str(), false)),
        None => Ok((cookies::refresh_token(headers)?, true)),
    }
}

/// Record `kind` for the account a refresh token belongs to (nothing for unknown tokens).
async fn record_for_token(state: &AppState, token: &str, kind: AuditKind, origin: &fotobase_store::db::AuditSource) {
    let owner = match state.sessions.owner_of(token).await {
        Ok(Some(sub)) => state.row_id(ids::USER, &sub, "user").ok(),
        _ => None,
    };
    if let Some(user) = owner {
        audit::record(state, user, kind, origin).await;
    }
}

/// End the session of a refresh token (or of the browser's cookie, with `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    request_body(content = Option<RefreshBody>, description = "Absent for cookie sessions"),
    params(("X-CSRF-Token" = Option<String>, Header, description = "Cookie sessions: the `fotobase_csrf` cookie's value")),
    responses((status = 204, description = "Logged out")))]
async fn logout(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    JsonOrEmpty(body): JsonOrEmpty<RefreshBody>,
) -> ApiResult<Response> {
    let (token, cookie) = presented(&body, &headers)?;
    if state.sessions.logout(token).await? {
        record_for_token(&state, token, AuditKind::SignedOut, &origin).await;
    }
    Ok(if cookie {
        (StatusCode::NO_CONTENT, cookies::cleared()).into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    pub sessions_ended: u64,
}

/// End every session of the caller; access tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", operation_id = "logout_all",
    security(("bearer" = [])), responses((status = 200, description = "Sessions ended", body = Ended)))]
async fn logout_all(State(state): State<AppState>, Origin(origin): Origin, caller: Caller) -> ApiResult<Json<Ended>> {
    let n = state.sessions.logout_all(&caller.public_id).await?;
    state.devices.forget_all(caller.user_id).await?;
    state.users.revoke_urls(caller.user_id).await?;
    audit::record(&state, caller.user_id, AuditKind::SignedOutEverywhere, &origin).await;
    Ok(Json(Ended { sessions_ended: n }))
}

/// Change the password; ends every other session.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", operation_id = "change_password",
    security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 200, description = "Changed; other sessions ended", body = Ended)))]
async fn change_password(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Json(body): Json<PasswordChange>,
) -> ApiResult<Json<Ended>> {
    let user = state.users.get(caller.user_id).await?;
    reauth::password_again(&state, &user, body.current_password, "current_password", addr.map(|a| a.ip())).await?;
    let new_hash = reauth::new_password_hash(&state, &user, body.new_password).await?;
    state.users.set_password_hash(user.id, &new_hash).await?;
    state.devices.forget_all(user.id).await?;
    let n = state.sessions.password_changed(&caller.public_id, caller.session_id.as_deref()).await?;
    audit::record(&state, user.id, AuditKind::PasswordChanged, &origin).await;
    Ok(Json(Ended { sessions_ended: n }))
}

/// The keys that verify access tokens (RFC 7517), for services and clients.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", operation_id = "jwks",
    responses((status = 200, description = "JSON Web Key Set", body = Jwks)))]
async fn jwks(
    State(state): State<AppState>,
) -> ([(header::HeaderName, &'static str); 1], axum::Json<serde_json::Value>) {
    ([(header::CACHE_CONTROL, "public, max-age=300")], axum::Json(state.tokens().jwks()))
}

/// A JSON Web Key Set.
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwks {
    /// Public keys (`kty`, `kid`, `alg`, `use`, and the key's own members).
    pub keys: Vec<serde_json::Value>,
}

/// The auth service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    register,
    login,
    refresh,
    logout,
    logout_all,
    change_password,
    create_invite,
    list_invites,
    revoke_invite,
    jwks
))]
pub struct Api;
