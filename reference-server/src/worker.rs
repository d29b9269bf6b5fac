//! Job workers: claim image jobs from the queue, run them off the async threads,
//! keep the lease alive while they run, and record the outcome. On shutdown a
//! worker gives its job back (`release`) so another process picks it up at once.

use std::time::Duration;

use bytes::Bytes;
use fotobase::storage::db::{ImageStatus, Lease, NewVersion};
use fotobase::{Error, ErrorKind};
use serde_json::{Value, json};
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::kit::{compute, ids};
use crate::services::jobs::{COMPARE_ALL, IMAGES_QUEUE, PROCESS, THUMBNAIL};
use crate::state::AppState;

/// Thumbnails fit inside this box (never enlarged), as WebP.
pub const THUMBNAIL_SIZE: u32 = 320;

/// Run until `shutdown` turns true.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        match state.queue.claim(IMAGES_QUEUE).await {
            Ok(Some(lease)) => {
                tokio::select! {
                    () = handle(&state, &lease) => {}
                    _ = shutdown.changed() => {
                        if let Err(e) = state.queue.release(&lease).await {
                            tracing::warn!(error = %e, "could not release the job lease on shutdown");
                        } else {
                            tracing::info!(job = lease.job.id, "released the job lease on shutdown");
                        }
                        return;
                    }
                }
            }
            Ok(None) => {
                tokio::select! {
                    () = state.jobs_ready.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim jobs");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Run every job that is due now, one after another, then return how many ran
/// (tests use it instead of background workers).
pub async fn drain(state: &AppState) -> usize {
    let mut n = 0;
    while let Ok(Some(lease)) = state.queue.claim(IMAGES_QUEUE).await {
        handle(state, &lease).await;
        n += 1;
    }
    n
}

async fn handle(state: &AppState, lease: &Lease) {
    let job = &lease.job;
    let span = tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
    handle_in_span(state, lease).instrument(span).await
}

async fn handle_in_span(state: &AppState, lease: &Lease) {
    let job = &lease.job;
    let started = std::time::Instant::now();
    let beat = Duration::from_secs((state.queue.config().lease_secs / 3).max(1) as u64);
    let work = run_job(state, lease);
    tokio::pin!(work);
    let outcome = loop {
        tokio::select! {
            r = &mut work => break r,
            () = tokio::time::sleep(beat) => {
                if let Err(e) = state.queue.heartbeat(lease, None).await {
                    tracing::warn!(error = %e, "lost the job lease");
                }
            }
        }
    };
    state.metrics.job_finished(&job.kind, outcome.is_ok(), started.elapsed().as_secs_f64());
    let recorded = match outcome {
        Ok(result) => state.queue.complete(lease, result).await.map(|_| ()),
        Err(e) => {
            let retryable = matches!(e.kind(), ErrorKind::Unexpected | ErrorKind::Conflict | ErrorKind::Unavailable);
            tracing::warn!(code = e.code(), error = %e, retryable, "job failed");
            if job.kind == THUMBNAIL
                && !retryable
                && let Some(id) = job.payload.get("image_id").and_then(Value::as_i64)
            {
                let _ = state.images().set_status(id, ImageStatus::Failed).await;
            }
            state.queue.fail(lease, &format!("{}: {}", e.code(), e.message()), retryable).await.map(|_| ())
        }
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "cannot record the job's outcome");
    }
    tracing::info!(ms = started.elapsed().as_millis() as u64, "job done");
}

async fn run_job(state: &AppState, lease: &Lease) -> fotobase::Result<Value> {
    let job = &lease.job;
    let image_id = job
        .payload
        .get("image_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "job has no image_id"))?;
    let image = state.images().get(image_id).await?;
    let data = state.media.blobs().get(&image.blob_key).await?;
    match job.kind.as_str() {
        THUMBNAIL => {
            let out = compute(move || {
                fotobase_bindings::thumbnail(&data, THUMBNAIL_SIZE, Some(THUMBNAIL_SIZE), Some("contain"), Some("webp"))
            })
            .await?;
            state.metrics.bytes_processed(image.bytes as u64, out.data.len() as u64);
            state.media.set_thumbnail(image.id, &Bytes::from(out.data)).await?;
            state.images().set_status(image.id, ImageStatus::Ready).await?;
            Ok(json!({ "image_id": state.public_id(ids::IMAGE, image.id), "thumbnail": out.info }))
        }
        PROCESS => {
            let mut options = job.payload.get("options").cloned().unwrap_or(json!({}));
            if options.get("metrics").is_none_or(Value::is_null) {
                options["metrics"] = json!(["mse", "psnr", "ssim", "ms_ssim", "ssimulacra2"]);
            }
            let opts = options.clone();
            let out = compute(move || fotobase_bindings::compress(&data, &opts)).await?;
            state.metrics.bytes_processed(image.bytes as u64, out.data.len() as u64);
            let info = out.info;
            let str_of = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            let new = NewVersion {
                image_id: image.id,
                algorithm: str_of("algorithm"),
                params: json!({ "request": options, "params": info.get("params"), "quality": info.get("quality") }),
                format: str_of("format"),
                width: info.get("width").and_then(Value::as_u64).unwrap_or(0) as u32,
                height: info.get("height").and_then(Value::as_u64).unwrap_or(0) as u32,
                metrics: info.get("metrics").cloned().unwrap_or(json!({})),
                job_id: Some(job.id),
            };
            let version = state.media.add_version(&new, &Bytes::from(out.data)).await?;
            Ok(json!({
                "image_id": state.public_id(ids::IMAGE, image.id),
                "version_id": state.public_id(ids::VERSION, version.id),
                "algorithm": version.algorithm,
                "format": version.format,
                "quality": info.get("quality"),
                "width": version.width,
                "height": version.height,
                "bytes": version.bytes,
                "input_bytes": image.bytes,
                "ratio": info.get("ratio"),
                "metrics": version.metrics,
                "steps": info.get("steps"),
            }))
        }
        COMPARE_ALL => {
            let target = job.payload.get("target").cloned().unwrap_or(Value::Null);
            let algorithms = job.payload.get("algorithms").cloned();
            let mut table =
                compute(move || fotobase_bindings::compare_all(&data, &target, algorithms.as_ref())).await?;
            table["image_id"] = json!(state.public_id(ids::IMAGE, image.id));
            Ok(table)
        }
        other => Err(Error::new(ErrorKind::InvalidArgument, "unknown job kind").with_context("kind", other)),
    }
}
