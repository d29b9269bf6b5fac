//! The web UI's files: the built single-page app (`reference-server/web/dist`,
//! or `web_dir`) served at `/`, with `index.html` for the app's own routes and
//! long-lived caching for the content-hashed files under `/assets/`. API paths
//! never fall through to the app: they keep their problem documents.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

use super::error::{ApiError, codes};

/// Where the UI's files are; `None` when it has not been built.
#[derive(Debug, Clone)]
pub struct Web {
    dir: Option<PathBuf>,
}

impl Web {
    pub fn new(dir: Option<PathBuf>) -> Web {
        Web { dir: dir.filter(|d| d.join("index.html").is_file()) }
    }

    pub fn is_built(&self) -> bool {
        self.dir.is_some()
    }

    /// The fallback of every router that serves the UI: a file, the app for its
    /// own routes, or the API's problem documents for unknown API paths.
    pub async fn fallback(&self, req: Request) -> Response {
        let path = req.uri().path();
        if is_api_path(path) {
            return ApiError::not_found("route").into_response();
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, codes::METHOD_NOT_ALLOWED, "method not allowed").into_response();
        }
        let Some(dir) = &self.dir else {
            return if path == "/" { Html(NOT_BUILT).into_response() } else { ApiError::not_found("page").into_response() };
        };
        let immutable = path.starts_with("/assets/");
        let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
        let mut res = match files.oneshot(req).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        };
        let cache = if immutable && res.status().is_success() { "public, max-age=31536000, immutable" } else { "no-cache" };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        res
    }
}

/// Paths of the API and of operations: unknown ones are `404` problem documents, never the app.
pub fn is_api_path(path: &str) -> bool {
    ["/api/", "/t/", "/.well-known/"].iter().any(|p| path.starts_with(p))
        || matches!(path, "/api" | "/health" | "/ready" | "/metrics")
}

/// What `/` shows when the UI has not been built (`make run` builds it).
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>fotobase</title></head>\
<body><h1>fotobase is running</h1><p>The web UI has not been built: <code>make run</code> builds it \
(or <code>npm ci &amp;&amp; npm run build</code> in <code>reference-server/web</code>, then set \
<code>FOTOBASE_WEB_DIR</code>).</p><p>The API is documented at <a href=\"/api/docs\">/api/docs</a>.</p></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_never_reach_the_app() {
        for p in ["/api/v1/nope", "/api", "/t/x/y/z", "/.well-known/x", "/health", "/metrics"] {
            assert!(is_api_path(p), "{p}");
        }
        for p in ["/", "/gallery", "/images/img_1", "/s/token", "/assets/index-abc.js", "/apis"] {
            assert!(!is_api_path(p), "{p}");
        }
    }
}
