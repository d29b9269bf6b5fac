//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the views' schemas (each service contributes its `Api`),
//! served at `/api/openapi.json`, with a self-contained docs page at
//! `/api/docs` (our own HTML and script: no CDN, nothing fetched at build time).

use std::collections::BTreeMap;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use crate::services::{
    algorithms, auth, compare, email_change, factors, folders, images, jobs, oidc, ops, passkeys, recovery, shares,
    stats, transform, users, versions,
};

/// An RFC 9457 problem document: the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:fotobase:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// The stable error code, for programs (the core's `ErrorKind::code`, or an HTTP one
    /// such as `unauthenticated`, `forbidden`, `invalid_credentials`).
    pub code: String,
    /// Details of a core error (the field at fault, a limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, String>>,
}

impl<'r> ToResponse<'r> for Problem {
    fn response() -> (&'r str, RefOr<Response>) {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
        let response = ResponseBuilder::new()
            .description("A problem document (RFC 9457) whose `code` is stable.")
            .content("application/problem+json", content)
            .build();
        ("Problem", RefOr::T(response))
    }
}

/// The whole API: every service's part, error responses and security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "fotobase",
        description = "The fotobase photo system: accounts and sessions, image uploads, compression jobs, \
                       comparisons, statistics, folders and share links. Errors are RFC 9457 problem documents \
                       with a stable `code`; ids are opaque public ids; times are unix seconds.",
        license(name = "MIT OR Apache-2.0")
    ),
    components(schemas(Problem), responses(Problem)),
    tags(
        (name = "auth", description = "Accounts' credentials and sessions"),
        (name = "users", description = "Profiles, account deletion, administration"),
        (name = "images", description = "Uploads, metadata, downloads"),
        (name = "processing", description = "Compression jobs, versions, comparisons"),
        (name = "stats", description = "Storage and compression statistics"),
        (name = "folders", description = "Folders, tags, visibility"),
        (name = "sharing", description = "Share links and what they open"),
        (name = "renditions", description = "Signed transform URLs"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
struct ApiDoc;

/// The document served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        auth::Api::openapi(),
        recovery::Api::openapi(),
        factors::Api::openapi(),
        email_change::Api::openapi(),
        oidc::Api::openapi(),
        passkeys::Api::openapi(),
        users::Api::openapi(),
        images::Api::openapi(),
        jobs::Api::openapi(),
        versions::Api::openapi(),
        compare::Api::openapi(),
        algorithms::Api::openapi(),
        stats::Api::openapi(),
        folders::Api::openapi(),
        shares::Api::openapi(),
        transform::Api::openapi(),
        ops::Api::openapi(),
    ] {
        doc.merge(part);
    }
    Conventions.modify(&mut doc);
    doc
}

/// What holds for every operation, added once instead of on each handler: the
/// security schemes, and error responses as problem documents (any 4xx; 503
/// when overloaded; 500 is never expected but is a problem document too).
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "share_password",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(shares::PASSWORD_HEADER))),
        );
        for item in doc.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                add_problems(op);
            }
        }
    }
}

fn add_problems(op: &mut Operation) {
    for status in ["4XX", "5XX"] {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Problem")));
    }
}

/// `/api/openapi.json` and the docs page.
pub fn router() -> Router {
    Router::new()
        .route("/api/openapi.json", get(|| async { axum::Json(document()) }))
        .route("/api/docs", get(|| async { page(include_str!("docs/index.html"), "text/html; charset=utf-8") }))
        .route(
            "/api/docs/docs.js",
            get(|| async { page(include_str!("docs/docs.js"), "text/javascript; charset=utf-8") }),
        )
        .route("/api/docs/docs.css", get(|| async { page(include_str!("docs/docs.css"), "text/css; charset=utf-8") }))
}

fn page(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_is_documented_with_problems_and_a_tag() {
        let doc = super::document();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let paths = json["paths"].as_object().unwrap();
        assert!(paths.len() >= 40, "{} paths", paths.len());
        let mut ids = std::collections::HashSet::new();
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(op["responses"]["4XX"].is_object(), "{method} {path}: no 4XX");
                assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path}: no tag");
                let id = op["operationId"].as_str().unwrap_or_default().to_owned();
                assert!(ids.insert(id.clone()), "{method} {path}: operationId {id} twice");
                // Path parameters named in the template are declared.
                for name in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
                    let declared = op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| p["name"] == name && p["in"] == "path");
                    assert!(declared, "{method} {path}: path parameter {name} undeclared");
                }
            }
        }
        assert!(json["components"]["securitySchemes"]["bearer"].is_object());
        assert!(json["components"]["schemas"]["ImageView"].is_object());
    }
}
