//! Prometheus metrics: requests by route and status with latency histograms,
//! job durations and outcomes, bytes processed; queue depth and the database's health
//! read at scrape time. Routes are labelled by their template (`/api/v1/images/{id}`),
//! never by the concrete path, so ids cannot blow up the series count. The gateway has
//! series of its own ([`GatewayMetrics`]): it knows services, not routes.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fotobase_store::db::JobCounts;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabels {
    direction: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    jobs: Family<JobLabels, Histogram>,
    queue: Family<StateLabels, Gauge>,
    bytes: Family<DirectionLabels, Counter>,
    database_up: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("fotobase");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.5, 14))
        });
        let jobs =
            Family::<JobLabels, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.01, 2.5, 14)));
        let queue = Family::<StateLabels, Gauge>::default();
        let bytes = Family::<DirectionLabels, Counter>::default();
        let database_up = Gauge::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by method and route", latency.clone());
        registry.register("job_duration_seconds", "Image job run time by kind and outcome", jobs.clone());
        registry.register("jobs", "Image jobs by state (read at scrape time)", queue.clone());
        registry.register("image_bytes_processed", "Image bytes read (in) and written (out) by jobs", bytes.clone());
        registry.register("database_up", "1 when the database answered at scrape time, else 0", database_up.clone());
        Metrics { registry, requests, latency, jobs, queue, bytes, database_up }
    }
}

impl Metrics {
    pub fn job_finished(&self, kind: &str, ok: bool, seconds: f64) {
        let outcome = if ok { "succeeded" } else { "failed" };
        self.jobs.get_or_create(&JobLabels { kind: kind.to_owned(), outcome: outcome.to_owned() }).observe(seconds);
    }

    pub fn bytes_processed(&self, input: u64, output: u64) {
        self.bytes.get_or_create(&DirectionLabels { direction: "in".into() }).inc_by(input);
        self.bytes.get_or_create(&DirectionLabels { direction: "out".into() }).inc_by(output);
    }
}

/// Middleware: count and time every request by its route template.
pub async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    m.latency
        .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
        .observe(started.elapsed().as_secs_f64());
    m.requests.get_or_create(&RequestLabels { method, route, status: res.status().as_u16() }).inc();
    res
}

impl Metrics {
    /// The registry in the OpenMetrics text format, with what is read at scrape time: whether the
    /// database answered, and the image queue's job counts as of now (only where `queue` is
    /// given: by the images service, which owns the queue, so that a split deployment exports
    /// the counts once, not once per process).
    pub fn encode(&self, database_up: bool, queue: Option<&JobCounts>) -> Option<String> {
        self.database_up.set(i64::from(database_up));
        if let Some(c) = queue {
            for (name, n) in
                [("queued", c.queued), ("running", c.running), ("succeeded", c.succeeded), ("failed", c.failed)]
            {
                self.queue.get_or_create(&StateLabels { state: name.to_owned() }).set(n);
            }
        }
        let mut body = String::new();
        encode(&mut body, &self.registry).ok()?;
        Some(body)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceStatusLabels {
    service: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstanceLabels {
    service: String,
    instance: String,
}

/// The gateway's series: what it forwarded to which service and how that went, the retries it
/// made, and which upstream instances its health probes see up. A service's own latency minus the
/// gateway's is what the hop costs.
pub struct GatewayMetrics {
    registry: Registry,
    requests: Family<ServiceStatusLabels, Counter>,
    latency: Family<ServiceLabels, Histogram>,
    retries: Family<ServiceLabels, Counter>,
    up: Family<InstanceLabels, Gauge>,
}

impl std::fmt::Debug for GatewayMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewayMetrics")
    }
}

impl Default for GatewayMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("fotobase");
        let requests = Family::<ServiceStatusLabels, Counter>::default();
        let latency = Family::<ServiceLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.5, 14))
        });
        let retries = Family::<ServiceLabels, Counter>::default();
        let up = Family::<InstanceLabels, Gauge>::default();
        registry.register("gateway_requests", "Requests the gateway answered, by service and status", requests.clone());
        registry.register(
            "gateway_request_duration_seconds",
            "Time to the upstream's response headers (or the gateway's error), by service",
            latency.clone(),
        );
        registry.register("gateway_retries", "Requests tried again on another instance, by service", retries.clone());
        registry.register("gateway_upstream_up", "1 when the instance answered its last health probe", up.clone());
        GatewayMetrics { registry, requests, latency, retries, up }
    }
}

impl GatewayMetrics {
    pub fn answered(&self, service: &str, status: u16, seconds: f64) {
        self.requests.get_or_create(&ServiceStatusLabels { service: service.to_owned(), status }).inc();
        self.latency.get_or_create(&ServiceLabels { service: service.to_owned() }).observe(seconds);
    }

    pub fn retried(&self, service: &str) {
        self.retries.get_or_create(&ServiceLabels { service: service.to_owned() }).inc();
    }

    pub fn upstream(&self, service: &str, instance: &str, up: bool) {
        self.up
            .get_or_create(&InstanceLabels { service: service.to_owned(), instance: instance.to_owned() })
            .set(i64::from(up));
    }

    pub fn encode(&self) -> Option<String> {
        let mut body = String::new();
        encode(&mut body, &self.registry).ok()?;
        Some(body)
    }
}

/// A `/metrics` answer: `body` in the OpenMetrics text format, behind the bearer `token` when one
/// is configured (`FOTOBASE_METRICS_TOKEN`).
pub fn exposition(token: Option<&str>, headers: &HeaderMap, body: impl FnOnce() -> Option<String>) -> Response {
    if let Some(want) = token
        && !matches!(super::auth::bearer(headers), Ok(Some(sent)) if super::same_secret(sent, want))
    {
        return super::ApiError::unauthenticated("the metrics need the bearer token this server was configured with")
            .into_response();
    }
    let Some(body) = body() else {
        return super::ApiError::internal().into_response();
    };
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}
