//! The web UI's files: the built single-page app served at `/`, from `web_dir`
//! (`FOTOBASE_WEB_DIR`) when set, else from the copy embedded in the binary at
//! build time (`build.rs`), with `index.html` for the app's own routes and
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

/// A file of the UI built into the binary.
#[derive(Debug)]
pub struct EmbeddedFile {
    /// From the root, e.g. `/assets/index-abc.js`.
    pub path: &'static str,
    pub bytes: &'static [u8],
    /// A quoted content hash.
    pub etag: &'static str,
}

/// `web/dist` as it was when the server was built (empty if it had not been built).
static EMBEDDED: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// Where the UI's files come from.
#[derive(Debug, Clone)]
enum Source {
    Dir(PathBuf),
    Embedded(&'static [EmbeddedFile]),
    NotBuilt,
}

/// The UI's files, wherever they are.
#[derive(Debug, Clone)]
pub struct Web {
    source: Source,
}

impl Web {
    /// The UI in `dir` if given (and built there); else the one embedded in the binary; else one
    /// built in the checkout the server runs from; else none (`/` then says how to build it).
    pub fn new(dir: Option<PathBuf>) -> Web {
        match dir {
            Some(dir) => Web::from_dir(dir),
            None => Web::embedded().unwrap_or_else(|| Web::from_dir(PathBuf::from("reference-server/web/dist"))),
        }
    }

    /// The UI in `dir`; none if `dir` has no `index.html`.
    pub fn from_dir(dir: PathBuf) -> Web {
        let source = if dir.join("index.html").is_file() { Source::Dir(dir) } else { Source::NotBuilt };
        Web { source }
    }

    /// The UI built into this binary, if it was built before the server.
    pub fn embedded() -> Option<Web> {
        EMBEDDED.iter().any(|f| f.path == "/index.html").then_some(Web { source: Source::Embedded(EMBEDDED) })
    }

    /// No UI: `/` says how to build one.
    pub fn none() -> Web {
        Web { source: Source::NotBuilt }
    }

    pub fn is_built(&self) -> bool {
        !matches!(self.source, Source::NotBuilt)
    }

    /// The fallback of every router that serves the UI: a file, the app for its
    /// own routes, or the API's problem documents for unknown API paths.
    pub async fn fallback(&self, req: Request) -> Response {
        let path = req.uri().path();
        if is_api_path(path) {
            return ApiError::not_found("route").into_response();
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, codes::METHOD_NOT_ALLOWED, "method not allowed")
                .into_response();
        }
        let immutable = path.starts_with("/assets/");
        let mut res = match &self.source {
            Source::NotBuilt if path == "/" => return Html(NOT_BUILT).into_response(),
            Source::NotBuilt => return ApiError::not_found("page").into_response(),
            Source::Embedded(files) => embedded_file(files, &req),
            Source::Dir(dir) => {
                let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
                match files.oneshot(req).await {
                    Ok(res) => res.map(Body::new),
                    Err(never) => match never {},
                }
            }
        };
        let cache =
            if immutable && res.status().is_success() { "public, max-age=31536000, immutable" } else { "no-cache" };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        res
    }
}

/// A file of the embedded UI (`index.html` for the app's own routes), with `ETag` and `304`.
fn embedded_file(files: &'static [EmbeddedFile], req: &Request) -> Response {
    let path = req.uri().path();
    let file = files.iter().find(|f| f.path == path).or_else(|| files.iter().find(|f| f.path == "/index.html"));
    let Some(file) = file else { return ApiError::not_found("page").into_response() };
    let mut res = if super::http::not_modified(req.headers(), file.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if req.method() == Method::HEAD {
        let mut res = StatusCode::OK.into_response();
        res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(file.bytes.len()));
        res
    } else {
        Body::from(file.bytes).into_response()
    };
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type(file.path)));
    res.headers_mut().insert(header::ETAG, HeaderValue::from_static(file.etag));
    res
}

/// The media type of a built UI file, by extension (what Vite emits).
fn media_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
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

    async fn get(web: &Web, path: &str) -> Response {
        web.fallback(Request::get(path).body(Body::empty()).unwrap()).await
    }

    #[tokio::test]
    async fn without_a_built_ui_the_root_says_how_to_build_it() {
        let web = Web::none();
        let res = get(&web, "/").await;
        assert_eq!(res.status(), StatusCode::OK);
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("make run"));
        assert_eq!(get(&web, "/gallery").await.status(), StatusCode::NOT_FOUND);
        assert!(!Web::from_dir(std::env::temp_dir().join("no-ui-here")).is_built());
    }

    #[tokio::test]
    async fn the_embedded_ui_serves_files_routes_and_validators() {
        static FILES: &[EmbeddedFile] = &[
            EmbeddedFile { path: "/index.html", bytes: b"<div id=root></div>", etag: "\"1\"" },
            EmbeddedFile { path: "/assets/app-1.js", bytes: b"console.log(1)", etag: "\"2\"" },
            EmbeddedFile { path: "/manifest.webmanifest", bytes: b"{}", etag: "\"3\"" },
            EmbeddedFile { path: "/sw.js", bytes: b"self.x = 1", etag: "\"4\"" },
        ];
        let web = Web { source: Source::Embedded(FILES) };
        for path in ["/", "/gallery", "/images/img_1"] {
            let res = get(&web, path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(res.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8", "{path}");
            assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
        }
        let asset = get(&web, "/assets/app-1.js").await;
        assert_eq!(asset.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert!(asset.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
        let body = axum::body::to_bytes(asset.into_body(), 1 << 20).await.unwrap();
        assert_eq!(body.as_ref(), b"console.log(1)");
        // The installable app's manifest and service worker, with the types browsers insist on.
        assert_eq!(
            get(&web, "/manifest.webmanifest").await.headers()[header::CONTENT_TYPE],
            "application/manifest+json"
        );
        assert_eq!(get(&web, "/sw.js").await.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        let again =
            Request::get("/assets/app-1.js").header(header::IF_NONE_MATCH, "\"2\"").body(Body::empty()).unwrap();
        assert_eq!(web.fallback(again).await.status(), StatusCode::NOT_MODIFIED);
    }

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
