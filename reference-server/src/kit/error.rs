//! `ApiError`: every failure leaves the server as RFC 9457 `application/problem+json`
//! carrying the core's stable `code`, so clients branch on the code, never on text.

use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fotobase::{Error, ErrorKind};
use serde_json::json;

/// Codes the HTTP layer adds to the core's (which it passes through verbatim): the one list,
/// from which `docs/ERRORS.md` is generated with the core's kinds ([`markdown_table`]).
pub mod codes {
    use fotobase::ErrorKind;

    macro_rules! http_codes {
        ($($(#[doc = $doc:literal])+ $name:ident = $code:literal => $status:literal,)+) => {
            $($(#[doc = $doc])+ pub const $name: &str = $code;)+

            /// Every HTTP-only code: `(code, HTTP status(es), meaning)`.
            pub const ALL: &[(&str, &str, &str)] = &[$(($code, $status, concat!($($doc),+).trim_ascii()),)+];
        };
    }

    http_codes! {
        /// No credentials, or credentials that are not a session's (a bearer token or cookie is missing or unusable).
        UNAUTHENTICATED = "unauthenticated" => "401",
        /// Wrong e-mail address or password at login, a wrong current password, or a wrong share-link password.
        INVALID_CREDENTIALS = "invalid_credentials" => "401 (login), 403",
        /// Authenticated, but this caller may not do this (another user's public item, a missing role).
        FORBIDDEN = "forbidden" => "403",
        /// Sign-up is closed on this server, or needs an invitation (the `registration` setting).
        REGISTRATION_CLOSED = "registration_closed" => "403",
        /// The invitation code is unknown, used or expired.
        INVITE_INVALID = "invite_invalid" => "403",
        /// The account's e-mail address is not confirmed yet and this server requires it (`email_verification = "required"`).
        EMAIL_UNVERIFIED = "email_unverified" => "403",
        /// The password was right, but the account has two-step verification: send the login again with `totp_code` or `recovery_code`.
        SECOND_FACTOR_REQUIRED = "second_factor_required" => "401",
        /// A wrong, replayed or expired TOTP code, or an unknown or used recovery code.
        SECOND_FACTOR_INVALID = "second_factor_invalid" => "401 (login), 403",
        /// The account is disabled by an admin (sign-in through a provider: `/login?oidc_error=account_disabled`).
        ACCOUNT_DISABLED = "account_disabled" => "403, 303 redirect",
        /// A provider sign-in that cannot go on: expired, started in another browser, or a forged answer; start again.
        OIDC_INVALID = "oidc_invalid" => "400, 303 redirect",
        /// The person declined at the provider.
        OIDC_DENIED = "oidc_denied" => "303 redirect",
        /// The provider's answer could not be used: it refused the code, or its ID token did not verify.
        OIDC_FAILED = "oidc_failed" => "303 redirect",
        /// The provider vouches for no e-mail address, so no account can be found or made for the person.
        OIDC_EMAIL_UNVERIFIED = "oidc_email_unverified" => "403, 303 redirect",
        /// A passkey that cannot sign in or register: unknown here, its answer did not verify, or its ceremony expired (start again).
        PASSKEY_INVALID = "passkey_invalid" => "400 (adding), 401 (signing in)",
        /// Passkeys are off: the site is reached by an IP address, which WebAuthn does not accept (set `public_url` to a domain name).
        PASSKEYS_OFF = "passkeys_off" => "409",
        /// A cookie-authenticated request without the `X-CSRF-Token` header matching the `fotobase_csrf` cookie.
        CSRF = "csrf_failed" => "403",
        /// The route exists but not with this method.
        METHOD_NOT_ALLOWED = "method_not_allowed" => "405",
        /// A request header check failed (the content type).
        BAD_REQUEST = "bad_request" => "415",
    }

    /// Overloaded, shutting down, or a dependency is down: retry after `Retry-After` (the core's code).
    pub const UNAVAILABLE: &str = ErrorKind::Unavailable.code();
}

/// `docs/ERRORS.md`'s table: every code a client can receive, with its HTTP status and meaning.
pub fn markdown_table() -> String {
    let mut out = String::from("| code | HTTP status | from | meaning |\n|---|---|---|---|\n");
    for kind in ErrorKind::ALL {
        let status = match kind {
            ErrorKind::QuotaExceeded => "413 (bytes), 429".to_owned(),
            _ => status_of(*kind).as_u16().to_string(),
        };
        out.push_str(&format!("| `{}` | {status} | core | {} |\n", kind.code(), kind.description()));
    }
    for (code, status, meaning) in codes::ALL {
        out.push_str(&format!("| `{code}` | {status} | HTTP | {meaning} |\n"));
    }
    out
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub retry_after: Option<u64>,
    /// Extra members of the problem document (e.g. the core error's context).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, code, detail: detail.into(), retry_after: None, extra: Default::default() }
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHENTICATED, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorKind::NotFound.code(), format!("{what} not found"))
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorKind::InvalidArgument.code(), detail)
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::LimitExceeded.code(), detail)
    }

    pub fn unavailable(detail: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, codes::UNAVAILABLE, detail);
        e.retry_after = Some(retry_after);
        e
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Unexpected.code(), "internal error")
    }
}

/// HTTP status of a core error kind.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::UnsupportedFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::CorruptInput | ErrorKind::DimensionMismatch | ErrorKind::TargetUnreachable => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ErrorKind::WeakPassword => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::LimitExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::InvalidArgument => StatusCode::BAD_REQUEST,
        ErrorKind::TokenExpired
        | ErrorKind::TokenInvalid
        | ErrorKind::TokenNotYetValid
        | ErrorKind::TokenAudience
        | ErrorKind::TokenIssuer
        | ErrorKind::TokenReused
        | ErrorKind::UnknownKey => StatusCode::UNAUTHORIZED,
        // Stored bytes are 413 instead, see `status_for`.
        ErrorKind::RateLimited | ErrorKind::QuotaExceeded => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::AlreadyExists | ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// HTTP status of a core error: [`status_of`] its kind, but a full storage quota is
/// 413 Content Too Large (waiting does not help), while rate quotas are 429.
pub fn status_for(e: &Error) -> StatusCode {
    match e.kind() {
        ErrorKind::QuotaExceeded if e.context().iter().any(|(k, v)| *k == "quota" && v == "bytes") => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        kind => status_of(kind),
    }
}

/// Context members the store adds for logs and embedders that clients must not see: row
/// numbers (the API speaks only public ids), blob keys, SQL.
const INTERNAL_CONTEXT: &[&str] = &["id", "user", "job_id", "key", "statement", "migration"];

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = status_for(&e);
        if e.kind() == ErrorKind::Unavailable {
            // The database or blob store is down for now: say when to try again, not why.
            tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "dependency unavailable");
            return ApiError::unavailable("a service this server needs cannot be reached; try again shortly", 2);
        }
        if status.is_server_error() {
            // The source chain can hold SQL or paths: logged, never sent.
            tracing::error!(code = e.code(), error = %e, source = ?std::error::Error::source(&e), "request failed");
            return ApiError::new(status, e.code(), "internal error");
        }
        let mut api = ApiError::new(status, e.code(), e.message().to_owned());
        api.retry_after = e.retry_after().map(|d| d.as_secs().max(1));
        let context: serde_json::Map<_, _> = e
            .context()
            .iter()
            .filter(|(k, _)| !INTERNAL_CONTEXT.contains(k))
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v.as_str())))
            .collect();
        // The request member at fault is the problem's `field`, wherever the core found it.
        if let Some(field) = context.get("field") {
            api.extra.insert("field".into(), field.clone());
        }
        if !context.is_empty() {
            api.extra.insert("context".into(), context.into());
        }
        api
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        rejection(r.status(), r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::invalid(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        rejection(r.status(), r.body_text())
    }
}

impl From<MultipartError> for ApiError {
    fn from(r: MultipartError) -> Self {
        rejection(r.status(), r.body_text())
    }
}

/// axum's own rejections, by status: the size limit becomes `limit_exceeded`,
/// everything else the caller sent wrong is `invalid_argument`.
pub fn rejection(status: StatusCode, text: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large("request body too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, codes::BAD_REQUEST, "expected Content-Type: application/json")
        }
        s if s.is_server_error() => {
            tracing::error!(%text, "request rejected");
            ApiError::internal()
        }
        _ => ApiError::invalid(text),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": format!("urn:fotobase:problem:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        if let Some(obj) = body.as_object_mut() {
            obj.extend(self.extra);
        }
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
