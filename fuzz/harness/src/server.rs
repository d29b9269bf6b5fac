//! Targets that need the reference server: its upload endpoint (multipart parsing, format
//! sniffing, limits) driven in-process, and its transform-URL option parser.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use fotobase_server::app::all_in_one;
use fotobase_server::config::Config;
use fotobase_server::services::transform::Transform;
use fotobase_server::state::AppState;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The boundary every multipart seed uses (the fuzzer mutates everything after the header).
pub const BOUNDARY: &str = "fotobase-fuzz-boundary";

struct Server {
    rt: tokio::runtime::Runtime,
    router: Router,
    token: String,
    _dir: tempfile::TempDir,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            data_dir: dir.path().to_owned(),
            blob_url: Some("memory://".into()),
            workers: 0,
            max_upload_bytes: 1 << 20,
            upload_memory_bytes: 64 << 10,
            ..Config::default()
        };
        let (router, token) = rt.block_on(async {
            let state = AppState::open(config, &|_| None).await.expect("server state");
            let router = all_in_one(state);
            let creds = json!({"email": "fuzz@example.com", "password": "correct horse battery staple"});
            for path in ["/api/v1/auth/register", "/api/v1/auth/login"] {
                let (status, body) = send(&router, post_json(path, &creds)).await;
                assert!(status < 300, "{path}: {status} {body}");
                if let Some(t) = body["access_token"].as_str() {
                    return (router, t.to_owned());
                }
            }
            unreachable!("login answers with an access token")
        });
        Server { rt, router, token, _dir: dir }
    })
}

fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

async fn send(router: &Router, req: Request<Body>) -> (u16, Value) {
    let res = router.clone().oneshot(req).await.expect("the router is infallible");
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Any body under a multipart content type: a stored image (then deleted again, so a long
/// run stays small) or a 4xx problem document with a code; never a 5xx.
pub fn multipart_upload(data: &[u8]) {
    let s = server();
    s.rt.block_on(async {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/images")
            .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(data.to_vec()))
            .expect("request");
        let (status, body) = send(&s.router, req).await;
        match status {
            201 => {
                let id = body["id"].as_str().expect("a stored image has an id");
                let req = Request::builder()
                    .method(Method::DELETE)
                    .uri(format!("/api/v1/images/{id}"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
                    .body(Body::empty())
                    .expect("request");
                let (status, body) = send(&s.router, req).await;
                assert_eq!(status, 204, "delete what was stored: {body}");
            }
            400..=499 => assert!(body["code"].is_string(), "{status} without a problem code: {body}"),
            _ => panic!("upload answered {status}: {body}"),
        }
    });
}

/// Parsing never panics; what parses has one canonical spelling that parses to itself.
pub fn transform_url(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = Transform::parse(&text) {
        let canonical = t.canonical();
        let again =
            Transform::parse(&canonical).unwrap_or_else(|e| panic!("canonical {canonical:?} does not parse: {e:?}"));
        assert_eq!(again, t, "{canonical:?}");
        assert_eq!(again.canonical(), canonical);
    }
}
