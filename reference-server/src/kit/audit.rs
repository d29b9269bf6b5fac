//! Recording security events (`db::Audit`) from handlers: where a request came from, and
//! recording that never fails the request it describes (a lost event is logged instead).

use axum::extract::FromRequestParts;
use axum::http::header;
use fotobase_store::db::{AuditKind, AuditSource};

use crate::state::AppState;

/// The client's address and user agent, for the event a handler records.
#[derive(Debug, Clone, Default)]
pub struct Origin(pub AuditSource);

impl Origin {
    /// The same origin, acted on by the admin `actor` (another account's event).
    pub fn by(&self, actor: i64) -> AuditSource {
        AuditSource { actor_id: Some(actor), ..self.0.clone() }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip =
            parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Origin(AuditSource { ip, user_agent, actor_id: None }))
    }
}

/// Record `kind` for `user`'s account.
pub async fn record(state: &AppState, user: i64, kind: AuditKind, source: &AuditSource) {
    if let Err(e) = state.audit.record(user, kind, source).await {
        tracing::warn!(error = %e, kind = kind.as_str(), "security event not recorded");
    }
}
