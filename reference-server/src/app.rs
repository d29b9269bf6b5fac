//! Assembling and running the system: the routers of every service on one port
//! (`serve`), background job workers, periodic maintenance, graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use fotobase::Result;
use tokio::sync::watch;

use crate::config::Config;
use crate::kit::http::layers;
use crate::services::{auth, folders, images, jobs, ops, shares, stats, transform, users};
use crate::state::AppState;
use crate::worker;

/// Every service's routes in one router, with the shared middleware.
pub fn all_in_one(state: AppState) -> Router {
    let routes = Router::new()
        .merge(ops::router(state.clone()))
        .merge(auth::router(state.clone()))
        .merge(users::router(state.clone()))
        .merge(images::router(state.clone()))
        .merge(jobs::router(state.clone()))
        .merge(folders::router(state.clone()))
        .merge(shares::router(state.clone()))
        .merge(stats::router(state.clone()))
        .merge(transform::router(state.clone()));
    let routes = routes.route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::kit::metrics::track));
    layers(routes, &state.config).layer(axum::extract::DefaultBodyLimit::max(state.config.max_json_bytes))
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
/// orphaned blobs, forget finished jobs and ended sessions after a week.
async fn maintenance(state: AppState, mut shutdown: watch::Receiver<bool>) {
    const EVERY: Duration = Duration::from_secs(600);
    const KEEP: i64 = 7 * 86_400;
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
        let now = fotobase::clock::Clock::now(&fotobase::clock::SystemClock);
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
    }
}

/// Start `workers` job workers and the maintenance task; returns the handles.
fn background(state: &AppState, workers: usize, shutdown: &watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks: Vec<_> = (0..workers).map(|_| tokio::spawn(worker::run(state.clone(), shutdown.clone()))).collect();
    tasks.push(tokio::spawn(maintenance(state.clone(), shutdown.clone())));
    tasks
}

/// `fotobase serve`: every service on one port, with job workers, until a signal.
pub async fn serve(config: Config) -> Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let state = AppState::open(config, &env).await?;
    let listener = tokio::net::TcpListener::bind(state.config.listen).await.map_err(|e| {
        fotobase::Error::new(fotobase::ErrorKind::InvalidArgument, "cannot listen")
            .with_context("address", state.config.listen)
            .with_source(e)
    })?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let tasks = background(&state, state.config.workers, &stopped);
    let app = all_in_one(state.clone());
    tracing::info!(%addr, workers = state.config.workers, "fotobase is listening");
    println!("fotobase is running at http://{addr}  (Ctrl-C to stop)");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight requests");
        })
        .await?;
    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `fotobase worker`: only job workers (and maintenance), until a signal.
pub async fn work(config: Config) -> Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let state = AppState::open(config, &env).await?;
    let (stop, stopped) = watch::channel(false);
    let tasks = background(&state, state.config.workers.max(1), &stopped);
    println!("fotobase worker running {} job workers (Ctrl-C to stop)", state.config.workers.max(1));
    shutdown_signal().await;
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
