//! Device cookies (OWASP's "slow down online guessing attacks with device cookies", what Kratos
//! and Keycloak do against lock-outs): every successful sign-in leaves the browser a random
//! `fotobase_device` token (`HttpOnly; Secure; SameSite=Strict`, scoped to the auth endpoints,
//! stored only as a hash). Shown again with a login of the same account, the login is throttled on
//! that device's own counter, and a device that passed the second factor with "remember this
//! browser" is not asked for it again for [`REMEMBER_DAYS`].

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use fotobase_auth::clock::{Clock as _, SystemClock};
use fotobase_store::db::{DEVICE_DAYS, Device, User};

use super::ApiResult;
use super::cookies::{self, DEVICE_COOKIE};
use crate::state::AppState;

/// How long "remember this browser" skips the second factor.
pub const REMEMBER_DAYS: i64 = 30;

/// A device of the account being signed in to, as its cookie showed it.
#[derive(Debug)]
pub struct Known {
    /// The cookie's hash: the device's id in the store and the throttle.
    pub id: String,
    device: Device,
}

impl Known {
    /// Whether it passed the second factor with "remember" and that is still good.
    pub fn skips_second_factor(&self) -> bool {
        self.device.second_factor_until.is_some_and(|until| until > SystemClock.now())
    }
}

/// The request's device, when its cookie names a live device of `user`; anything else (no
/// cookie, an unknown or expired one, another account's) is an unknown client.
pub async fn known(state: &AppState, headers: &HeaderMap, user: Option<&User>) -> ApiResult<Option<Known>> {
    let (Some(token), Some(user)) = (cookies::get(headers, DEVICE_COOKIE).filter(|t| !t.is_empty()), user) else {
        return Ok(None);
    };
    let id = super::token_hash(token);
    Ok(state.devices.get(&id).await?.filter(|d| d.user_id == user.id).map(|device| Known { id, device }))
}

/// After a successful sign-in: note the known device (remembering the second factor if asked
/// and a code was given), or make a new one and answer its `Set-Cookie`.
pub async fn signed_in(
    state: &AppState,
    user: i64,
    known: Option<Known>,
    remember_second_factor: bool,
) -> ApiResult<Option<(HeaderName, HeaderValue)>> {
    let until = remember_second_factor.then(|| SystemClock.now() + REMEMBER_DAYS * 86_400);
    if let Some(known) = known {
        state.devices.seen(&known.id, until).await?;
        return Ok(None);
    }
    let token = super::random_token();
    state.devices.add(user, &super::token_hash(&token), until).await?;
    Ok(Some(cookies::device(&token, DEVICE_DAYS * 86_400)))
}
