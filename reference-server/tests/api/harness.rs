//! A fresh server state per test, and a small client for its router.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use fotobase_server::app::all_in_one;
use fotobase_server::config::Config;
use fotobase_server::state::AppState;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct App {
    pub state: AppState,
    pub router: Router,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.status, String::from_utf8_lossy(&self.body)))
    }

    /// Assert a problem document with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/problem+json");
        let v = self.json();
        assert_eq!(v["code"], code, "{v}");
        assert_eq!(v["status"], status);
        v
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", String::from_utf8_lossy(&self.body));
        if self.body.is_empty() { Value::Null } else { self.json() }
    }
}

impl App {
    pub async fn new() -> App {
        Self::with(|_| {}).await
    }

    pub async fn with(tweak: impl FnOnce(&mut Config)) -> App {
        Self::with_env(tweak, &|_| None).await
    }

    /// [`App::with`], with environment variables (secrets) from `env`.
    pub async fn with_env(tweak: impl FnOnce(&mut Config), env: &(dyn Fn(&str) -> Option<String> + Sync)) -> App {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            blob_url: Some("memory://".into()),
            workers: 0,
            ..Config::default()
        };
        tweak(&mut config);
        let state = AppState::open(config, env).await.unwrap();
        let router = all_in_one(state.clone());
        App { state, router, _dir: std::sync::Arc::new(dir) }
    }

    /// Another process on the same configuration and data (a restart with other environment
    /// variables): give it blobs in the data dir, not `memory://`, to share them.
    pub async fn reopened(&self, env: &(dyn Fn(&str) -> Option<String> + Sync)) -> App {
        let state = AppState::open(self.state.config.clone(), env).await.unwrap();
        let router = all_in_one(state.clone());
        App { state, router, _dir: self._dir.clone() }
    }

    pub async fn send(&self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        Res { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
    }

    pub fn req(method: Method, path: &str, token: Option<&str>) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        b
    }

    /// A login with `body` as if from `ip` (the in-process router has no socket, so the test sets
    /// the connect info the real server's listener would), showing a device cookie if given.
    pub fn login_request(ip: [u8; 4], body: Value, device: Option<&str>) -> Request<Body> {
        let mut b = Self::req(Method::POST, "/api/v1/auth/login", None)
            .header(header::CONTENT_TYPE, "application/json")
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40_000))));
        if let Some(d) = device {
            b = b.header(header::COOKIE, format!("fotobase_device={d}"));
        }
        b.body(Body::from(body.to_string())).unwrap()
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Res {
        let b = Self::req(method, path, token);
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Res {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Register and log in; returns the token response.
    pub async fn signup(&self, email: &str) -> Value {
        self.post("/api/v1/auth/register", None, json!({"email": email, "password": PASSWORD})).await.ok(201);
        self.post("/api/v1/auth/login", None, json!({"email": email, "password": PASSWORD})).await.ok(200)
    }

    /// Register and log in; returns the access token.
    pub async fn token(&self, email: &str) -> String {
        self.signup(email).await["access_token"].as_str().unwrap().to_owned()
    }

    /// Upload raw bytes as the body with `content_type`.
    pub async fn upload_raw(&self, token: &str, data: Vec<u8>, content_type: &str, query: &str) -> Res {
        let req = Self::req(Method::POST, &format!("/api/v1/images{query}"), Some(token))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(data))
            .unwrap();
        self.send(req).await
    }

    /// Upload a synthetic photo; returns the image document.
    pub async fn upload(&self, token: &str, format: &str, query: &str) -> Value {
        self.upload_raw(token, photo(96, 64, format), &format!("image/{format}"), query).await.ok(201)
    }

    /// Run every queued job now (no background workers in these tests).
    pub async fn drain(&self) -> usize {
        fotobase_server::worker::drain(&self.state).await
    }
}

/// A deterministic photo-like image.
pub fn photo(w: u32, h: u32, format: &str) -> Vec<u8> {
    fotobase_bindings::synthetic(w, h, 7, format).unwrap()
}

/// A multipart/form-data body with a file field and text fields.
pub fn multipart(file: &[u8], file_name: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----fotobase-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A file of `../shared/corpus` (or `$FOTOBASE_CORPUS`); `None` (the test skips) when the corpus
/// is absent, a failure instead under `FOTOBASE_REQUIRE_CORPUS=1`.
pub fn corpus_file(rel: &str) -> Option<Vec<u8>> {
    let corpus = std::env::var_os("FOTOBASE_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    match std::fs::read(corpus.join(rel)) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            assert!(
                std::env::var("FOTOBASE_REQUIRE_CORPUS").as_deref() != Ok("1"),
                "{rel} in {}: {e}",
                corpus.display()
            );
            eprintln!("no corpus ({rel}): skipped");
            None
        }
    }
}
