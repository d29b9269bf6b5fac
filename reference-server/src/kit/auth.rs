//! `Caller`: the authenticated user behind a request, from `Authorization: Bearer`.
//! Tokens are verified locally against the key set; the session named in the
//! token must still be live, so logout and "log out everywhere" take effect at once.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use fotobase_store::db::ADMIN;

use super::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Prefix of user public ids (`usr_…`), which are also the tokens' `sub`.
pub const USER_PREFIX: &str = "usr";

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    /// `usr_…`: the token's `sub`.
    pub public_id: String,
    /// Roles at login (the database is authoritative for admin checks).
    pub roles: Vec<String>,
    pub session_id: Option<String>,
}

impl Caller {
    /// The caller's roles as the database has them now; `forbidden` unless admin.
    pub async fn require_admin(&self, state: &AppState) -> ApiResult<()> {
        let user = state.users.get(self.user_id).await?;
        if user.disabled_at.is_none() && user.roles.iter().any(|r| r == ADMIN) {
            Ok(())
        } else {
            Err(ApiError::forbidden("this needs the admin role"))
        }
    }
}

/// The token of `Authorization: Bearer <token>`; `None` without the header.
pub fn bearer(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ApiError::unauthenticated("malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthenticated("expected Authorization: Bearer <access token>")),
    }
}

async fn authenticate(state: &AppState, token: &str) -> ApiResult<Caller> {
    let claims = state.tokens().verify(token)?;
    let user_id = state
        .ids
        .decode(USER_PREFIX, &claims.sub)
        .map_err(|_| ApiError::unauthenticated("token subject is not a user"))? as i64;
    // Every access token this API accepts belongs to a session, so logout, "log out everywhere",
    // a password change or disabling the account ends it at once. A token without one (minted
    // with `fotobase token issue`, which serves other services) is refused, not trusted until
    // it expires.
    let ended = |detail: &str| {
        ApiError::new(axum::http::StatusCode::UNAUTHORIZED, fotobase::ErrorKind::TokenInvalid.code(), detail.to_owned())
    };
    let Some(sid) = &claims.sid else { return Err(ended("the token belongs to no session")) };
    if !state.sessions.is_active(sid).await? {
        return Err(ended("the session of this token has ended"));
    }
    Ok(Caller { user_id, public_id: claims.sub, roles: claims.roles, session_id: claims.sid })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        match bearer(&parts.headers)? {
            Some(token) => authenticate(state, token).await,
            None => Err(ApiError::unauthenticated("sign in first: missing Authorization: Bearer token")),
        }
    }
}

/// `Option<Caller>`: anonymous when no credentials are sent; bad credentials are
/// still an error (a client with an expired token must learn to refresh).
impl OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Option<Self>> {
        match bearer(&parts.headers)? {
            Some(token) => authenticate(state, token).await.map(Some),
            None => Ok(None),
        }
    }
}
