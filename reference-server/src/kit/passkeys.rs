//! What a passkey sign-in and a passkey given as the second factor share: the ceremony's
//! challenge from its sealed cookie (spent once), the passkey the browser names, its account, and
//! the assertion checked against both (`fotobase_auth::webauthn`).

use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fotobase_auth::clock::{Clock as _, SystemClock};
use fotobase_auth::webauthn::{self, AuthenticationResponse, RelyingParty};
use fotobase_store::db::{AuditKind, AuditSource, User};
use serde::{Deserialize, Serialize};

use super::error::codes;
use super::sealed::SealedCookie;
use super::{ApiError, ApiResult, audit, ids};
use crate::state::AppState;

/// A ceremony's lifetime: the options' timeout (five minutes), and a little for the round trips.
pub const CEREMONY_SECS: i64 = 330;
/// The challenge of a passkey sign-in in flight. Scoped to all of `/api/v1/auth`: a passkey may
/// also answer a login's second-factor step (`POST /api/v1/auth/login`).
pub const LOGIN: SealedCookie = SealedCookie {
    name: "fotobase_passkey_login",
    path: "/api/v1/auth",
    purpose: "passkey.login",
    same_site: "Strict",
    max_age: CEREMONY_SECS,
};

/// One ceremony in flight: its challenge, and for a registration, whose.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ceremony {
    pub challenge: String,
    pub user_id: Option<i64>,
    pub expires_at: i64,
}

/// The site as WebAuthn's relying party; `None` where it is reached by an IP address.
pub fn relying_party(state: &AppState) -> Option<RelyingParty> {
    RelyingParty::for_site(&state.config.public_url(), "fotobase")
}

pub fn rp_or_off(state: &AppState) -> ApiResult<RelyingParty> {
    relying_party(state).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            codes::PASSKEYS_OFF,
            "passkeys need the site to be reached by a domain name (set public_url), not an IP address",
        )
    })
}

pub fn passkey_invalid(status: StatusCode, detail: &str) -> ApiError {
    ApiError::new(status, codes::PASSKEY_INVALID, detail.to_owned())
}

/// The account whose passkey answered this browser's sign-in ceremony with `cred`, after the
/// assertion verified and its counter moved on. Refusals are `401 passkey_invalid`.
pub async fn assertion(
    state: &AppState,
    headers: &HeaderMap,
    cred: &AuthenticationResponse,
    origin: &AuditSource,
) -> ApiResult<User> {
    let rp = rp_or_off(state)?;
    let refused = || passkey_invalid(StatusCode::UNAUTHORIZED, "this passkey cannot sign in here");
    let ceremony: Ceremony = LOGIN
        .open(&state.fields, headers)
        .filter(|c: &Ceremony| c.expires_at > SystemClock.now())
        .ok_or_else(|| passkey_invalid(StatusCode::UNAUTHORIZED, "no passkey sign-in is in progress: start again"))?;
    if !state.spent_challenges.spend(&ceremony.challenge, ceremony.expires_at).await? {
        return Err(passkey_invalid(StatusCode::UNAUTHORIZED, "this sign-in was used already: start again"));
    }
    let passkey = state.passkeys.by_credential(&cred.id).await?.ok_or_else(refused)?;
    let user = state.users.get(passkey.user_id).await?;
    // The account the authenticator stored the passkey for must be the one it is registered to.
    let handle = URL_SAFE_NO_PAD.encode(state.public_id(ids::USER, user.id));
    if cred.response.user_handle.as_deref().is_some_and(|h| !h.is_empty() && h != handle) {
        return Err(refused());
    }
    let verified =
        webauthn::verify_authentication(&rp, &ceremony.challenge, cred, &passkey.public_key, passkey.sign_count);
    let count = match verified {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, "passkey assertion refused");
            audit::record(state, user.id, AuditKind::SignInFailed, origin).await;
            return Err(refused());
        }
    };
    if !state.passkeys.used(passkey.id, passkey.sign_count, count).await? {
        return Err(refused());
    }
    Ok(user)
}
