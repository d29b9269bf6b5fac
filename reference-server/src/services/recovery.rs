//! Recovery and verification by e-mail: a password-reset link for a forgotten password, and a
//! link that confirms an account's address. Links are single-use, short-lived and stored only
//! as hashes (`kit::mail`); a reset ends every session of the account. Asking for a reset
//! answers the same, as fast, for any address: whether it has an account is told only to its
//! mailbox.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use fotobase_auth::field::normalize_email;
use fotobase_auth::mail::Mail;
use fotobase_store::db::{AuditKind, EmailPurpose};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kit::audit::{self, Origin};
use crate::kit::extract::ClientAddr;
use crate::kit::mail::{self, Pending, RESET_MINUTES, SERVICE};
use crate::kit::{self, ApiResult, Caller, Json, ids, reauth};
use crate::services::auth::Ended;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/auth/password-reset", post(request_reset))
        .route("/api/v1/auth/password-reset/confirm", post(confirm_reset))
        .route("/api/v1/auth/verify-email", post(verify_email))
        .route("/api/v1/auth/verify-email/resend", post(resend_verification))
        .with_state(state)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    email: String,
}

/// Ask for a password-reset link. The answer is the same for every address (202); an account's
/// address gets a link that works once, for 30 minutes. Throttled per address and per client.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", operation_id = "request_password_reset",
    request_body = ResetRequest, responses((status = 202, description = "Sent if the address has an account", body = Pending)))]
async fn request_reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    Json(body): Json<ResetRequest>,
) -> ApiResult<(StatusCode, Json<Pending>)> {
    let index = state.blind.email(&normalize_email(&body.email));
    state.throttle.recovery(&index, addr.map(|a| a.ip())).await?;
    // Looked up off the request path: the answer takes as long for an unknown address.
    let state = state.clone();
    tokio::spawn(async move {
        let sent = async {
            let Some(user) = state.users.by_email_index(&index).await? else { return Ok(()) };
            if user.disabled_at.is_some() {
                return Ok(());
            }
            let link = mail::link(&state, user.id, EmailPurpose::Reset, "reset-password").await?;
            let to = state.fields.decrypt_str(&user.email_cipher, "user.email")?;
            mail::send_later(&state, Mail::password_reset(&to, SERVICE, &link, RESET_MINUTES));
            audit::record(&state, user.id, AuditKind::PasswordResetRequested, &origin).await;
            Ok::<_, crate::kit::ApiError>(())
        };
        if let Err(e) = sent.await {
            tracing::warn!(code = e.code, "password reset not sent");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(Pending::CHECK_EMAIL)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    /// From the link.
    token: String,
    new_password: String,
}

/// Set a new password with a reset link's token. Every session of the account ends; the token
/// is spent (a weak password is refused without spending it). Following the link also confirms
/// the address.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", operation_id = "confirm_password_reset",
    request_body = ResetConfirm, responses((status = 200, description = "Password set; sessions ended", body = Ended)))]
async fn confirm_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Json(body): Json<ResetConfirm>,
) -> ApiResult<Json<Ended>> {
    let hash = kit::token_hash(&body.token);
    let user = state.users.get(state.email_tokens.peek(EmailPurpose::Reset, &hash).await?).await?;
    let new_hash = reauth::new_password_hash(&state, &user, body.new_password).await?;
    // Spent now, once: of two requests with one link, one sets the password.
    let taken = state.email_tokens.take(EmailPurpose::Reset, &hash).await?;
    if taken != user.id {
        return Err(fotobase::Error::new(fotobase::ErrorKind::TokenInvalid, "the link is unknown, used or expired")
            .with_context("field", "token")
            .into());
    }
    state.users.set_password_hash(user.id, &new_hash).await?;
    state.users.set_email_verified(user.id).await?;
    state.devices.forget_all(user.id).await?;
    state.users.revoke_urls(user.id).await?;
    let ended = state.sessions.logout_all(&state.public_id(ids::USER, user.id)).await?;
    audit::record(&state, user.id, AuditKind::PasswordReset, &origin).await;
    tracing::info!(user = %state.public_id(ids::USER, user.id), "password reset");
    Ok(Json(Ended { sessions_ended: ended }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    /// From the link.
    token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verified {
    pub email_verified: bool,
}

/// Confirm an account's address with the token of the link sent to it (once, within 48 hours).
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", operation_id = "verify_email",
    request_body = VerifyEmail, responses((status = 200, description = "Confirmed", body = Verified)))]
async fn verify_email(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Json(body): Json<VerifyEmail>,
) -> ApiResult<Json<Verified>> {
    let user = state.email_tokens.take(EmailPurpose::Verify, &kit::token_hash(&body.token)).await?;
    state.users.set_email_verified(user).await?;
    audit::record(&state, user, AuditKind::EmailVerified, &origin).await;
    Ok(Json(Verified { email_verified: true }))
}

/// Send the caller a new verification link (earlier ones stop working). Throttled like resets.
#[utoipa::path(post, path = "/api/v1/auth/verify-email/resend", tag = "auth", operation_id = "resend_verification",
    security(("bearer" = [])), responses((status = 202, description = "Sent unless already confirmed", body = Pending)))]
async fn resend_verification(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Pending>)> {
    let user = state.users.get(caller.user_id).await?;
    state.throttle.recovery(&user.email_index, addr.map(|a| a.ip())).await?;
    if user.email_verified_at.is_none() {
        mail::send_verification(&state, user.id, &state.fields.decrypt_str(&user.email_cipher, "user.email")?).await?;
    }
    Ok((StatusCode::ACCEPTED, Json(Pending::CHECK_EMAIL)))
}

/// The recovery part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(request_reset, confirm_reset, verify_email, resend_verification))]
pub struct Api;
