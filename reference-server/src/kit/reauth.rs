//! Re-authentication before what cannot be undone or takes the account over (deleting it,
//! changing its password): the password again, checked like a login (a hashing slot, the
//! account's failed-login throttle), so a stolen access token alone is not enough, and guessing
//! the password through these calls is as slow as through login.

use std::net::IpAddr;

use axum::http::StatusCode;
use fotobase_store::db::User;

use super::error::codes;
use super::{ApiError, ApiResult};
use crate::state::AppState;

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
