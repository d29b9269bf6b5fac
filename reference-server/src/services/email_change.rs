//! Moving an account to another e-mail address. Asking takes the password again (and a code
//! when two-step verification is on), is answered alike whether or not the new address is free,
//! warns the current address, and sends a single-use link to the new one; the account moves only
//! when that link is followed, which also proves the new mailbox. Every other link still out for
//! the account (a reset sent to the old address) stops working at the move.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use fotobase_auth::mail::Mail;
use fotobase_store::db::{AuditKind, NewAddress, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kit::audit::{self, Origin};
use crate::kit::extract::ClientAddr;
use crate::kit::mail::{self, Pending, SERVICE, VERIFY_HOURS};
use crate::kit::second_factor::{self, Proof};
use crate::kit::{self, ApiError, ApiResult, Caller, Json, ids, reauth};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/auth/email", post(request_change))
        .route("/api/v1/auth/email/confirm", post(confirm_change))
        .with_state(state)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailChange {
    /// The address to move the account to.
    new_email: String,
    /// The current password again.
    password: String,
    /// With two-step verification on: a code from the authenticator app.
    totp_code: Option<String>,
    /// Or one of the recovery codes.
    recovery_code: Option<String>,
}

/// Ask to move the account to another address: the password again (and a code when two-step
/// verification is on). The answer is the same whether or not the address is free (202); a free
/// one gets a link that works once, for 48 hours, a taken one a notice, and the current address
/// is told either way. Throttled per new address and per client, like password resets.
#[utoipa::path(post, path = "/api/v1/auth/email", tag = "auth", operation_id = "change_email",
    security(("bearer" = [])), request_body = EmailChange,
    responses((status = 202, description = "The link is in the new address's mailbox", body = Pending),
        (status = 403, description = "Wrong password or code")))]
async fn request_change(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Json(body): Json<EmailChange>,
) -> ApiResult<(StatusCode, Json<Pending>)> {
    let new_email = mail::checked_address(&body.new_email, "new_email")?;
    let new_index = state.blind.email(&new_email);
    let ip = addr.map(|a| a.ip());
    // Before the password: a mailbox cannot be flooded with links, nor a password guessed here
    // faster than through login (which `password_again` also counts).
    state.throttle.recovery(&new_index, ip).await?;
    let user = state.users.get(caller.user_id).await?;
    reauth::password_again(&state, &user, body.password, "password", ip).await?;
    if let Some(factor) = second_factor::confirmed(&state, user.id).await? {
        let proof = Proof { totp_code: body.totp_code, recovery_code: body.recovery_code };
        let passed = second_factor::check(&state, &user, &factor, proof, StatusCode::FORBIDDEN, ip).await?;
        second_factor::note(&state, user.id, passed, &origin).await;
    }
    if new_index == user.email_index {
        return Err(ApiError::invalid("that is already the account's address").with_field("new_email"));
    }
    audit::record(&state, user.id, AuditKind::EmailChangeRequested, &origin).await;
    // Looked up and mailed off the request path: the answer takes as long for a taken address.
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_change_mails(&state, &user, new_email, new_index).await {
            tracing::warn!(code = e.code, "change of address not sent");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(Pending::CHECK_EMAIL)))
}

/// The link to a free new address (a notice to a taken one), and a warning to the current one.
async fn send_change_mails(state: &AppState, user: &User, new_email: String, new_index: String) -> ApiResult<()> {
    let current = state.fields.decrypt_str(&user.email_cipher, "user.email")?;
    if state.users.by_email_index(&new_index).await?.is_some() {
        mail::send_later(state, Mail::address_in_use(&new_email, SERVICE));
    } else {
        let to =
            NewAddress { email_cipher: state.fields.encrypt_str(&new_email, "user.email")?, email_index: new_index };
        let link = mail::change_link(state, user.id, &to).await?;
        mail::send_later(state, Mail::email_change(&new_email, SERVICE, &link, VERIFY_HOURS));
    }
    mail::send_later(state, Mail::email_change_notice(&current, SERVICE, &mail::masked(&new_email)));
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmEmailChange {
    /// From the link.
    token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailChanged {
    /// The account's address now.
    pub email: String,
    pub email_verified: bool,
}

/// Move the account to the address a change link was sent to (once, within 48 hours); the
/// address counts as confirmed. `409 already_exists` if another account took it meanwhile.
#[utoipa::path(post, path = "/api/v1/auth/email/confirm", tag = "auth", operation_id = "confirm_email_change",
    request_body = ConfirmEmailChange,
    responses((status = 200, description = "The account's address now", body = EmailChanged)))]
async fn confirm_change(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Json(body): Json<ConfirmEmailChange>,
) -> ApiResult<Json<EmailChanged>> {
    let (user, to) = state.email_tokens.take_change(&kit::token_hash(&body.token)).await?;
    let moved = state.users.change_email(user, &to).await?;
    audit::record(&state, user, AuditKind::EmailChanged, &origin).await;
    tracing::info!(user = %state.public_id(ids::USER, user), "e-mail address changed");
    let email = state.fields.decrypt_str(&moved.email_cipher, "user.email")?;
    Ok(Json(EmailChanged { email, email_verified: true }))
}

/// The change-of-address part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(request_change, confirm_change))]
pub struct Api;
