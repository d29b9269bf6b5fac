//! The OpenAPI document against the routers, the docs page, and the web UI's
//! files with their fallbacks.

use axum::http::{Method, header};
use serde_json::Value;

use crate::harness::App;

/// Every documented operation is routed (nothing documented that does not exist).
#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = App::new().await;
    let doc = app.get("/api/openapi.json", None).await.ok(200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for (template, item) in paths {
        // Placeholders that parse as nothing real: the handler answers (4xx), not the fallback.
        let path: String =
            template.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (m != Method::GET).then(|| Value::Object(Default::default()));
            let res = app.call(m, &path, None, body).await;
            let status = res.status.as_u16();
            assert_ne!(status, 405, "{method} {template}: not routed");
            if status == 404 {
                assert_ne!(res.json()["detail"], "route not found", "{method} {template}: not routed");
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} operations");
}

#[tokio::test]
async fn the_docs_page_is_self_contained() {
    let app = App::new().await;
    let page = app.get("/api/docs", None).await;
    assert_eq!(page.status, 200);
    assert!(page.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let html = String::from_utf8_lossy(&page.body);
    // Same-origin script and style only (the CSP allows nothing else).
    assert!(html.contains("src=\"/api/docs/docs.js\"") && html.contains("href=\"/api/docs/docs.css\""));
    assert!(!html.contains("http://") && !html.contains("https://"), "no external resources");
    for (path, kind) in [("/api/docs/docs.js", "text/javascript"), ("/api/docs/docs.css", "text/css")] {
        let res = app.get(path, None).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(res.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(kind), "{path}");
    }
}

#[tokio::test]
async fn the_web_ui_is_served_with_its_routes_and_the_api_keeps_its_errors() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>fotobase</title><div id=root></div>")
        .unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("assets/app-1234.js"), "console.log(1)").unwrap();
    let dir = dist.path().to_owned();
    let app = App::with(move |c| c.web_dir = Some(dir)).await;

    for path in ["/", "/gallery", "/images/img_abc", "/s/sometoken"] {
        let res = app.get(path, None).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(String::from_utf8_lossy(&res.body).contains("id=root"), "{path}: the app's index.html");
        assert_eq!(res.headers[header::CACHE_CONTROL], "no-cache", "{path}");
    }
    let asset = app.get("/assets/app-1234.js", None).await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.body.as_ref(), b"console.log(1)");
    assert!(asset.headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    assert!(asset.headers.contains_key(header::CONTENT_SECURITY_POLICY));

    app.get("/api/v1/nothing", None).await.problem(404, "not_found");
    app.get("/.well-known/nothing", None).await.problem(404, "not_found");
    app.post("/gallery", None, serde_json::json!({})).await.problem(405, "method_not_allowed");
    // The API itself is unchanged.
    app.get("/api/v1/images", None).await.problem(401, "unauthenticated");
}

/// Without `FOTOBASE_WEB_DIR` the binary serves the UI built into it (`build.rs` embeds
/// `web/dist` when it was built first, as `make run` and `make test` do), else says how to build it.
#[tokio::test]
async fn the_ui_built_into_the_binary_is_served_without_configuration() {
    let app = App::new().await;
    let res = app.get("/", None).await;
    assert_eq!(res.status, 200);
    let page = String::from_utf8_lossy(&res.body).into_owned();
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dist/index.html");
    if fotobase_server::kit::web::Web::embedded().is_none() {
        assert!(!built.is_file(), "web/dist was built but not embedded: rebuild the server (cargo build)");
        assert!(page.contains("make run"), "{page}");
        app.get("/gallery", None).await.problem(404, "not_found");
        return;
    }
    assert!(page.contains("<div id=\"root\">"), "{page}");
    let route = app.get("/gallery", None).await;
    assert_eq!(route.status, 200);
    assert_eq!(route.body, res.body, "the app's own routes get index.html");
    let script = page.split("src=\"").nth(1).and_then(|s| s.split('"').next()).expect("index.html loads a script");
    let asset = app.get(script, None).await;
    assert_eq!(asset.status, 200, "{script}");
    assert!(asset.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    assert!(asset.headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    app.get("/api/v1/nothing", None).await.problem(404, "not_found");
}

/// `docs/ERRORS.md` lists exactly the codes the code has (core kinds and HTTP-only ones).
#[test]
fn the_documented_error_codes_are_the_ones_in_the_code() {
    const BEGIN: &str = "<!-- BEGIN GENERATED: fotobase_server::kit::error::markdown_table -->\n";
    const END: &str = "<!-- END GENERATED -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ERRORS.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = doc.split_once(BEGIN).expect("docs/ERRORS.md has the generated section");
    let (_, tail) = rest.split_once(END).expect("docs/ERRORS.md closes the generated section");
    let fresh = format!("{head}{BEGIN}{}{END}{tail}", fotobase_server::kit::error::markdown_table());
    if std::env::var_os("FOTOBASE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    assert!(doc == fresh, "docs/ERRORS.md is out of date: FOTOBASE_BLESS=1 cargo test -p fotobase-server --test api");
}

/// The web UI's API types are generated from this copy of the document (`npm run api-types` in
/// reference-server/web, checked by its tests): it must be the document the server serves.
#[test]
fn the_web_ui_types_are_generated_from_the_served_document() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/src/api/openapi.json");
    let fresh = serde_json::to_string_pretty(&fotobase_server::openapi::document()).unwrap() + "\n";
    let copy = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("FOTOBASE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    assert!(
        copy == fresh,
        "reference-server/web/src/api/openapi.json is out of date: FOTOBASE_BLESS=1 cargo test -p fotobase-server \
         --test api, then npm run api-types in reference-server/web"
    );
}
