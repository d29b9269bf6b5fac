//! The end of every way in (a password, a provider, a code after either): the session started,
//! the sign-in recorded, and the tokens answered, the refresh token in cookies for browsers.

use std::net::IpAddr;

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use fotobase_auth::session::{Issued, LoginInfo};
use fotobase_store::db::{AuditKind, AuditSource, User};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiResult, Json, audit, cookies, ids};
use crate::state::AppState;

/// The OAuth 2.0 token response shape (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Absent for browser sessions: the token is in the HttpOnly cookie.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub user_id: String,
}

impl From<Issued> for TokenResponse {
    fn from(i: Issued) -> Self {
        TokenResponse {
            expires_in: i.access_claims.exp - i.access_claims.iat,
            user_id: i.access_claims.sub.clone(),
            access_token: i.access_token,
            refresh_token: i.refresh_token,
            token_type: "Bearer",
        }
    }
}

/// A new session for `user`, who passed every check, recorded as a sign-in from the request's
/// browser and address.
pub async fn start(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    ip: Option<IpAddr>,
    origin: &AuditSource,
) -> ApiResult<Issued> {
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let info = LoginInfo { roles: user.roles.clone(), scope: None, user_agent, ip: ip.map(|i| i.to_string()) };
    let issued = state.sessions.login(&state.public_id(ids::USER, user.id), info).await?;
    audit::record(state, user.id, AuditKind::SignedIn, origin).await;
    Ok(issued)
}

/// The token response; for browser sessions (`cookie`) the refresh token goes into cookies instead.
pub fn respond(state: &AppState, issued: Issued, cookie: bool) -> Response {
    let mut tokens = TokenResponse::from(issued);
    if !cookie {
        return Json(tokens).into_response();
    }
    let refresh = std::mem::take(&mut tokens.refresh_token);
    (cookies::session(&refresh, state.config.refresh_absolute_ttl_secs), Json(tokens)).into_response()
}
