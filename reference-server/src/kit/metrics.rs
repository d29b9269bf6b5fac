//! Prometheus metrics: requests by route and status with latency histograms,
//! job durations and outcomes, bytes processed; queue depth read at scrape time.
//! Routes are labelled by their template (`/api/v1/images/{id}`), never by the
//! concrete path, so ids cannot blow up the series count.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
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
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by method and route", latency.clone());
        registry.register("job_duration_seconds", "Image job run time by kind and outcome", jobs.clone());
        registry.register("jobs", "Image jobs by state (read at scrape time)", queue.clone());
        registry.register("image_bytes_processed", "Image bytes read (in) and written (out) by jobs", bytes.clone());
        Metrics { registry, requests, latency, jobs, queue, bytes }
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
    /// The registry in the OpenMetrics text format, with the image queue's job counts as of now.
    pub fn encode(&self, queue: Option<&JobCounts>) -> Option<String> {
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
