//! The HTTP stack every service shares: request ids, tracing without secrets,
//! security headers, CORS, compression, timeouts, overload shedding (503 +
//! Retry-After) and panics turned into problem documents.

use std::any::Any;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::error::ApiError;
use crate::config::Config;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content Security Policy for the API and the web UI: same-origin everything,
/// images also from `data:`/`blob:` (previews), no framing.
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Problem documents for unknown routes and wrong methods, or, where the web UI
/// is served, its files for paths outside the API (services, not the gateway,
/// whose fallback is the proxy).
pub fn with_fallbacks(router: Router, web: Option<super::web::Web>) -> Router {
    let router = match web {
        Some(web) => router.fallback(move |req: Request| async move { web.fallback(req).await }),
        None => router.fallback(|| async { ApiError::not_found("route") }),
    };
    router.method_not_allowed_fallback(|| async {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, super::error::codes::METHOD_NOT_ALLOWED, "method not allowed")
    })
}

/// Wrap `router` in the shared middleware stack.
pub fn layers(router: Router, config: &Config) -> Router {
    let proxies = super::proxy::Proxies::new(config);
    let router = if proxies.is_empty() {
        router
    } else {
        let proxies = std::sync::Arc::new(proxies);
        router.layer(axum::middleware::from_fn(move |req, next| {
            super::proxy::forwarded_client(proxies.clone(), req, next)
        }))
    };
    let mut router = router
        // Innermost: the request's own work, bounded in time and in concurrency.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .concurrency_limit(config.max_concurrency)
                .timeout(Duration::from_secs(config.request_timeout_secs)),
        )
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ));
    if config.hsts || config.tls().is_some() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    if !config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    HeaderName::from_static("x-share-password"),
                ])
                .expose_headers([REQUEST_ID, header::LOCATION, header::RETRY_AFTER])
                .max_age(Duration::from_secs(600)),
        );
    }
    router
        .layer(CatchPanicLayer::custom(panicked))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // Path only: query strings may carry cursors and share tokens are in paths
                // of /shared, so those are cut to their route.
                let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("http", method = %req.method(), path = %redacted_path(req.uri().path()), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Paths with secrets in them (share tokens) are logged without the secret.
pub fn redacted_path(path: &str) -> String {
    for prefix in ["/api/v1/shared/", "/api/v1/shares/", "/s/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.split_once('/').map(|(_, t)| format!("/{t}")).unwrap_or_default();
            return format!("{prefix}***{tail}");
        }
    }
    path.to_owned()
}

async fn overloaded(err: BoxError) -> ApiError {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::unavailable("the request took too long", 1)
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ApiError::unavailable("the server is busy; retry shortly", 1)
    } else {
        tracing::error!(error = %err, "middleware failed");
        ApiError::internal()
    }
}

/// Whether `If-None-Match` names `etag` (quoted, as sent in `ETag`) or `*`: answer `304`.
pub fn not_modified(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn panicked(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::internal().into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn share_tokens_are_not_logged() {
        assert_eq!(
            super::redacted_path("/api/v1/shared/abc123/images/img_x/original"),
            "/api/v1/shared/***/images/img_x/original"
        );
        assert_eq!(super::redacted_path("/api/v1/shares/abc123"), "/api/v1/shares/***");
        assert_eq!(super::redacted_path("/api/v1/images"), "/api/v1/images");
    }
}
