//! Assembling and running the system: the routers of every service on one port
//! (`serve`), background job workers, periodic maintenance, graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use fotobase::Result;
use tokio::sync::watch;

use crate::config::{Config, Service};
use crate::kit::http::layers;
use crate::services::{
    algorithms, auth, compare, email_change, factors, folders, images, jobs, oidc, ops, passkeys, recovery, shares,
    stats, transform, users, versions,
};
use crate::state::AppState;
use crate::worker;

/// Every service's routes in one router, with the shared middleware.
pub fn all_in_one(state: AppState) -> Router {
    service_router(Service::All, state)
}

/// The routes of one service (or of all), with the shared middleware.
pub fn service_router(service: Service, state: AppState) -> Router {
    let s = || state.clone();
    let mut routes = ops::router(s()).merge(crate::openapi::router());
    let has = |one: Service| service == Service::All || service == one;
    if has(Service::Auth) {
        routes = routes
            .merge(auth::router(s()))
            .merge(recovery::router(s()))
            .merge(factors::router(s()))
            .merge(email_change::router(s()))
            .merge(oidc::router(s()))
            .merge(passkeys::router(s()));
    }
    if has(Service::Users) {
        routes = routes.merge(users::router(s()));
    }
    if has(Service::Images) {
        routes = routes
            .merge(images::router(s()))
            .merge(jobs::router(s()))
            .merge(versions::router(s()))
            .merge(compare::router(s()))
            .merge(algorithms::router(s()))
            .merge(stats::router(s()))
            .merge(transform::router(s()));
    }
    if has(Service::Folders) {
        routes = routes.merge(folders::router(s())).merge(shares::router(s()));
    }
    let routes =
        routes.route_layer(axum::middleware::from_fn_with_state(state.metrics.clone(), crate::kit::metrics::track));
    // The web UI where the whole system answers on one port (behind the gateway, the gateway serves it).
    let web = (service == Service::All).then(|| crate::kit::web::Web::new(state.config.web_dir()));
    layers(crate::kit::http::with_fallbacks(routes, web), &state.config)
        .layer(axum::extract::DefaultBodyLimit::max(state.config.max_json_bytes))
}

/// A future that resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Background work every process with a database does now and then: collect
/// orphaned blobs, forget finished jobs and ended sessions after a week, and security events
/// after a year (long enough to answer "was that me?" for any sign-in people remember).
async fn maintenance(state: AppState, mut shutdown: watch::Receiver<bool>) {
    const EVERY: Duration = Duration::from_secs(600);
    const KEEP: i64 = 7 * 86_400;
    const KEEP_EVENTS: i64 = 365 * 86_400;
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
        let now = fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock);
        match state.media.gc().await {
            Ok(r) => tracing::info!(report = ?r, "blob garbage collection"),
            Err(e) => tracing::warn!(error = %e, "blob garbage collection failed"),
        }
        if let Err(e) = state.queue.purge_finished(now - KEEP).await {
            tracing::warn!(error = %e, "purging finished jobs failed");
        }
        if let Err(e) = state.sessions.purge(Duration::from_secs(KEEP as u64)).await {
            tracing::warn!(error = %e, "purging ended sessions failed");
        }
        if let Err(e) = state.audit.purge(now - KEEP_EVENTS).await {
            tracing::warn!(error = %e, "purging old security events failed");
        }
    }
}

/// Start `workers` job workers and the maintenance task; returns the handles.
fn background(
    state: &AppState,
    workers: usize,
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = worker::spawn(state, workers, shutdown)?;
    tasks.push(tokio::spawn(maintenance(state.clone(), shutdown.clone())));
    Ok(tasks)
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        fotobase::Error::new(fotobase::ErrorKind::InvalidArgument, "cannot listen")
            .with_context("address", addr)
            .with_source(e)
    })
}

/// `fotobase serve`: every service on one port with job workers (`service = all`),
/// one service, or the gateway; until SIGINT/SIGTERM.
pub async fn serve(config: Config) -> Result<()> {
    if config.service == Service::Gateway {
        return serve_gateway(config).await;
    }
    let env = |k: &str| std::env::var(k).ok();
    let service = config.service;
    // Bound first, so URLs made from the listen address (share links) carry the real port.
    let listener = bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let config = Config { listen: addr, ..config };
    let state = AppState::open(config, &env).await?;
    let (stop, stopped) = watch::channel(false);
    // Job workers run where images are served (or in `fotobase worker` processes).
    let workers = if matches!(service, Service::All | Service::Images) { state.config.workers } else { 0 };
    let tasks = background(&state, workers, &stopped)?;
    let app = service_router(service, state.clone());
    tracing::info!(%addr, ?service, workers, "fotobase is listening");
    let scheme = if state.config.tls().is_some() { "https" } else { "http" };
    println!("fotobase ({}) is running at {scheme}://{addr}  (Ctrl-C to stop)", format!("{service:?}").to_lowercase());
    run_http(listener, app, &state.config).await?;
    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Serve `app` until SIGINT/SIGTERM, then finish in-flight requests: plain HTTP,
/// or HTTPS (rustls) when the config names a certificate and key.
async fn run_http(listener: tokio::net::TcpListener, app: Router, config: &Config) -> Result<()> {
    let make = app.into_make_service_with_connect_info::<SocketAddr>();
    let Some((cert, key)) = config.tls() else {
        axum::serve(listener, make)
            .with_graceful_shutdown(async {
                shutdown_signal().await;
                tracing::info!("shutting down: finishing in-flight requests");
            })
            .await?;
        return Ok(());
    };
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await.map_err(|e| {
        fotobase::Error::new(fotobase::ErrorKind::InvalidArgument, "cannot load the TLS certificate and key")
            .with_context("cert", cert.display())
            .with_context("key", key.display())
            .with_source(e)
    })?;
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    let grace = Duration::from_secs(config.request_timeout_secs);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        stopping.graceful_shutdown(Some(grace));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?.handle(handle).serve(make).await?;
    Ok(())
}

/// The gateway: no database, only upstreams.
async fn serve_gateway(config: Config) -> Result<()> {
    let gateway = crate::gateway::Gateway::new(&config)?.with_web(crate::kit::web::Web::new(config.web_dir()));
    let health = tokio::spawn(gateway.clone().watch_health());
    let listener = bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let app = layers(crate::gateway::router(gateway), &config);
    let scheme = if config.tls().is_some() { "https" } else { "http" };
    println!("fotobase (gateway) is running at {scheme}://{addr}  (Ctrl-C to stop)");
    run_http(listener, app, &config).await?;
    health.abort();
    Ok(())
}

/// `fotobase worker`: only job workers (and maintenance), until a signal; `/health`, `/ready` and
/// `/metrics` on the listen address, for probes and Prometheus.
pub async fn work(config: Config) -> Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let listener = bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::open_with(config, &env, crate::state::Keys::None).await?;
    let (stop, stopped) = watch::channel(false);
    let workers = state.config.workers.max(1);
    let tasks = background(&state, workers, &stopped)?;
    let ops = layers(ops::worker_router(state.clone()), &state.config);
    let scheme = if state.config.tls().is_some() { "https" } else { "http" };
    println!(
        "fotobase worker running {workers} job workers, health and metrics at {scheme}://{addr}  (Ctrl-C to stop)"
    );
    run_http(listener, ops, &state.config).await?;
    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }
    state.db.close().await;
    Ok(())
}

/// Logs to stderr as text or JSON; `RUST_LOG` (or `FOTOBASE_LOG`) sets the filter.
pub fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("FOTOBASE_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
