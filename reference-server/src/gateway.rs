//! The API gateway of a split deployment: one public port in front of the auth,
//! users, images and folders services. Requests go to a healthy instance of the
//! service that owns the path (round robin; instances are probed on `/health`);
//! idempotent requests without a body are retried on another instance when one
//! cannot be reached or answers 502/503/504. Bodies stream through both ways; the
//! request id travels with the request; services check tokens themselves. The client's
//! address goes on in `X-Forwarded-For` alone: the caller's own, or behind an ingress listed in
//! `FOTOBASE_TRUSTED_PROXIES`, the client that ingress saw (`kit::proxy`). Its own
//! `/metrics` count what it forwarded by service and status, and which instances are up.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::config::{Config, Service};
use crate::kit::ApiError;
use crate::kit::metrics::{GatewayMetrics, exposition};
use crate::kit::proxy::Proxies;

/// Which service owns a path; `None` for paths no service serves.
pub fn route(path: &str) -> Option<Service> {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    // Share links of images live with the folder service's other links.
    if let Some(rest) = path.strip_prefix("/api/v1/images/")
        && rest.split('/').nth(1) == Some("share")
    {
        return Some(Service::Folders);
    }
    if under("/api/v1/auth") || under("/.well-known") {
        Some(Service::Auth)
    } else if under("/api/v1/users") {
        Some(Service::Users)
    } else if under("/api/v1/images")
        || under("/api/v1/jobs")
        || under("/api/v1/algorithms")
        || under("/api/v1/stats")
        || under("/t")
    {
        Some(Service::Images)
    } else if under("/api/v1/folders") || under("/api/v1/shares") || under("/api/v1/shared") {
        Some(Service::Folders)
    } else {
        None
    }
}

#[derive(Debug)]
struct Instance {
    base: String,
    healthy: AtomicBool,
}

#[derive(Debug)]
struct Pool {
    instances: Vec<Instance>,
    next: AtomicUsize,
}

impl Pool {
    /// Instances to try, healthy ones first, starting at the round-robin cursor.
    fn order(&self) -> Vec<&Instance> {
        let n = self.instances.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let rotated = (0..n).map(|i| &self.instances[(start + i) % n]);
        let (mut healthy, sick): (Vec<_>, Vec<_>) = rotated.partition(|i| i.healthy.load(Ordering::Relaxed));
        healthy.extend(sick);
        healthy
    }
}

/// hyper's pooled client: a proxy needs no more (reqwest parsed every URL again, IDNA and all,
/// and copied the headers, per request).
type Upstream = Client<HttpConnector, Body>;

#[derive(Debug, Clone)]
pub struct Gateway {
    client: Upstream,
    /// How long an upstream may take to start answering.
    timeout: Duration,
    pools: Arc<HashMap<Service, Pool>>,
    /// The web UI, served by the gateway itself (paths outside the API).
    web: crate::kit::web::Web,
    metrics: Arc<GatewayMetrics>,
    metrics_token: Option<Arc<str>>,
    /// How the client's address is passed on (the header the services read).
    proxies: Arc<Proxies>,
}

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut out = headers.clone();
    for h in HOP_BY_HOP {
        out.remove(h);
    }
    out.remove(header::HOST);
    out
}

impl Gateway {
    pub fn new(config: &Config) -> fotobase::Result<Gateway> {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(3)));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector);
        let u = &config.upstreams;
        let pool = |bases: &[String]| Pool {
            instances: bases.iter().map(|b| Instance { base: b.clone(), healthy: AtomicBool::new(true) }).collect(),
            next: AtomicUsize::new(0),
        };
        let pools = HashMap::from([
            (Service::Auth, pool(&u.auth)),
            (Service::Users, pool(&u.users)),
            (Service::Images, pool(&u.images)),
            (Service::Folders, pool(&u.folders)),
        ]);
        Ok(Gateway {
            client,
            timeout: Duration::from_secs(config.upstream_timeout_secs),
            pools: Arc::new(pools),
            web: crate::kit::web::Web::new(None),
            metrics: Arc::new(GatewayMetrics::default()),
            metrics_token: config.metrics_token.as_deref().map(Arc::from),
            proxies: Arc::new(Proxies::new(config)),
        })
    }

    pub fn with_web(mut self, web: crate::kit::web::Web) -> Self {
        self.web = web;
        self
    }

    /// Probe every instance's `/health` every two seconds, for as long as the process runs.
    pub async fn watch_health(self) {
        loop {
            for (service, pool) in self.pools.iter() {
                for i in &pool.instances {
                    let probe = async {
                        let uri: Uri = format!("{}/health", i.base).parse().ok()?;
                        let req = axum::http::Request::get(uri).body(Body::empty()).ok()?;
                        self.client.request(req).await.ok()
                    };
                    let up = matches!(
                        tokio::time::timeout(Duration::from_secs(1), probe).await,
                        Ok(Some(r)) if r.status().is_success()
                    );
                    if i.healthy.swap(up, Ordering::Relaxed) != up {
                        tracing::warn!(upstream = %i.base, healthy = up, "upstream health changed");
                    }
                    self.metrics.upstream(service.name(), &i.base, up);
                }
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}

pub fn router(gateway: Gateway) -> Router {
    Router::new()
        .route("/health", get(|| async { axum::Json(json!({ "status": "ok", "role": "gateway" })) }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .fallback(proxy)
        .with_state(gateway)
        .merge(crate::openapi::router())
}

/// Ready when every service has at least one healthy instance.
async fn ready(State(gw): State<Gateway>) -> (StatusCode, axum::Json<serde_json::Value>) {
    let mut services = serde_json::Map::new();
    let mut all = true;
    for (service, pool) in gw.pools.iter() {
        let up = pool.instances.iter().any(|i| i.healthy.load(Ordering::Relaxed));
        all &= up;
        services.insert(format!("{service:?}").to_lowercase(), json!(if up { "ok" } else { "unavailable" }));
    }
    let status = if all { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(json!({ "status": if all { "ok" } else { "unavailable" }, "services": services })))
}

/// The gateway's own series (OpenMetrics text), behind `FOTOBASE_METRICS_TOKEN` when set.
async fn metrics(State(gw): State<Gateway>, headers: HeaderMap) -> Response {
    exposition(gw.metrics_token.as_deref(), &headers, || gw.metrics.encode())
}

async fn proxy(State(gw): State<Gateway>, req: Request) -> Response {
    let Some(service) = route(req.uri().path()) else {
        return gw.web.fallback(req).await;
    };
    let started = Instant::now();
    let res = match forward(&gw, req).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    };
    gw.metrics.answered(service.name(), res.status().as_u16(), started.elapsed().as_secs_f64());
    res
}

async fn forward(gw: &Gateway, req: Request) -> Result<Response, ApiError> {
    let path = req.uri().path().to_owned();
    let service = route(&path).ok_or_else(|| ApiError::not_found("route"))?;
    let pool = &gw.pools[&service];
    let path_and_query = req.uri().path_and_query().map_or(path.clone(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let mut headers = end_to_end(req.headers());
    // The layers in front (`kit::proxy::forwarded_client`) made the peer the client.
    let client = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    gw.proxies.pass_on(client, &mut headers);
    let has_body = headers.contains_key(header::CONTENT_LENGTH)
        || headers.contains_key(header::TRANSFER_ENCODING)
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let retryable =
        matches!(method, Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE) && !has_body;
    let mut body = Some(req.into_body());
    let mut last_error = None;
    for instance in pool.order().into_iter().take(if retryable { 3 } else { 1 }) {
        let uri: Uri = format!("{}{path_and_query}", instance.base)
            .parse()
            .map_err(|_| ApiError::invalid("the request path cannot be forwarded"))?;
        let mut upstream =
            axum::http::Request::new(if retryable { Body::empty() } else { body.take().unwrap_or_default() });
        *upstream.method_mut() = method.clone();
        *upstream.uri_mut() = uri;
        *upstream.headers_mut() = headers.clone();
        // Requests that cannot be retried get one instance (`take` above): no break needed.
        match tokio::time::timeout(gw.timeout, gw.client.request(upstream)).await {
            Ok(Ok(res)) if retryable && matches!(res.status().as_u16(), 502..=504) => {
                tracing::warn!(upstream = %instance.base, status = res.status().as_u16(), "upstream failed; retrying elsewhere");
                gw.metrics.retried(service.name());
                last_error = Some(ApiError::unavailable("the service is unavailable", 1));
            }
            Ok(Ok(res)) => return Ok(relay(res)),
            Ok(Err(e)) => {
                if e.is_connect() {
                    instance.healthy.store(false, Ordering::Relaxed);
                }
                if retryable {
                    gw.metrics.retried(service.name());
                }
                tracing::warn!(upstream = %instance.base, error = %e, "upstream unreachable");
                last_error = Some(ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    crate::kit::error::codes::UNAVAILABLE,
                    "the service is unreachable",
                ));
            }
            Err(_) => {
                tracing::warn!(upstream = %instance.base, "upstream took too long");
                last_error = Some(ApiError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    crate::kit::error::codes::UNAVAILABLE,
                    "the service took too long",
                ));
            }
        }
    }
    Err(last_error.unwrap_or_else(|| ApiError::unavailable("no instance of the service is configured", 1)))
}

/// The upstream's response, streamed back with its end-to-end headers.
fn relay(res: axum::http::Response<hyper::body::Incoming>) -> Response {
    let (mut parts, body) = res.into_parts();
    parts.headers = end_to_end(&parts.headers);
    Response::from_parts(parts, Body::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_to_the_service_that_owns_them() {
        for (path, service) in [
            ("/api/v1/auth/login", Some(Service::Auth)),
            ("/.well-known/jwks.json", Some(Service::Auth)),
            ("/api/v1/users/me", Some(Service::Users)),
            ("/api/v1/users", Some(Service::Users)),
            ("/api/v1/images", Some(Service::Images)),
            ("/api/v1/images/img_x/versions", Some(Service::Images)),
            ("/api/v1/images/img_x/share", Some(Service::Folders)),
            ("/api/v1/jobs/job_x/events", Some(Service::Images)),
            ("/api/v1/stats/global", Some(Service::Images)),
            ("/t/sig/w:10,f:auto/img_x", Some(Service::Images)),
            ("/api/v1/folders/fld_x/images", Some(Service::Folders)),
            ("/api/v1/shared/tok", Some(Service::Folders)),
            ("/api/v1/imagesX", None),
            ("/etc/passwd", None),
        ] {
            assert_eq!(route(path), service, "{path}");
        }
    }

    #[test]
    fn hop_by_hop_headers_are_dropped() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, "keep-alive".parse().unwrap());
        h.insert(header::HOST, "example".parse().unwrap());
        h.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        let out = end_to_end(&h);
        assert!(out.get(header::CONNECTION).is_none() && out.get(header::HOST).is_none());
        assert_eq!(out[header::AUTHORIZATION], "Bearer x");
    }
}
