//! Re-authentication before what cannot be undone or takes the account over (deleting it,
//! changing its password, adding or removing a way in): the password again, checked like a login
//! (a hashing slot, the account's failed-login throttle), so a stolen access token alone is not
//! enough, and guessing the password through these calls is as slow as through login.

use std::net::IpAddr;

use axum::http::StatusCode;
use fotobase_store::db::{AuditSource, User};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::codes;
use super::second_factor::{self, Proof};
use super::{ApiError, ApiResult, Caller};
use crate::state::AppState;

/// The password again (and a code, with two-step verification on).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    password: String,
    totp_code: Option<String>,
    recovery_code: Option<String>,
}

/// The caller, once `body` proves it is the account's holder: the password (checked like a login)
/// and, with two-step verification on, a code (`403` when wrong, counted like a wrong login code).
pub async fn confirm(
    state: &AppState,
    caller: &Caller,
    body: Confirm,
    ip: Option<IpAddr>,
    origin: &AuditSource,
) -> ApiResult<User> {
    let user = state.users.get(caller.user_id).await?;
    password_again(state, &user, body.password, "password", ip).await?;
    if let Some(factor) = second_factor::confirmed(state, user.id).await? {
        let proof = Proof { totp_code: body.totp_code, recovery_code: body.recovery_code };
        let passed = second_factor::check(state, &user, &factor, proof, StatusCode::FORBIDDEN, ip).await?;
        second_factor::note(state, user.id, passed, origin).await;
    }
    Ok(user)
}

/// `Ok` when `password` (the request member `field`) is `user`'s; a wrong one counts as a
/// failed login of the account.
pub async fn password_again(
    state: &AppState,
    user: &User,
    password: String,
    field: &'static str,
    ip: Option<IpAddr>,
) -> ApiResult<()> {
    let slot = state.hashing.admit().await?;
    state.throttle.check(&user.email_index, ip).await?;
    let wrong =
        || ApiError::new(StatusCode::FORBIDDEN, codes::INVALID_CREDENTIALS, "the password is wrong").with_field(field);
    if password.len() > state.hasher.policy().max_bytes {
        state.throttle.failed(&user.email_index, ip).await?;
        return Err(wrong());
    }
    let (hasher, stored) = (state.hasher.clone(), user.password_hash.clone());
    if !slot.run(move || hasher.verify(&stored, &password)).await? {
        state.throttle.failed(&user.email_index, ip).await?;
        return Err(wrong());
    }
    state.throttle.succeeded(&user.email_index, ip).await?;
    Ok(())
}

/// The PHC hash of `user`'s chosen new password, after the input policy (length, common
/// passwords, not the user's name or address); a refusal names `new_password`.
pub async fn new_password_hash(state: &AppState, user: &User, new: String) -> ApiResult<String> {
    let email = state.fields.decrypt_str(&user.email_cipher, "user.email").unwrap_or_default();
    let (local, name) = (email.split('@').next().unwrap_or_default().to_owned(), user.display_name.clone());
    let hasher = state.hasher.clone();
    state
        .hashing
        .run(move || {
            hasher.check_policy(&new, &[&local, &name])?;
            hasher.hash_unchecked(&new)
        })
        .await
        .map_err(|e| e.with_field("new_password"))
}
