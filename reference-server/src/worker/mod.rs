//! Job workers: claim image jobs from the queue, run them off the async threads,
//! keep the lease alive while they run, and record the outcome. On shutdown a
//! worker gives its job back (`release`) so another process picks it up at once.
//!
//! `workers` is the number of jobs computing at once: the CPU [`slots`], threads
//! of their own at a lower priority than requests. Each slot is fed by
//! [`JOBS_PER_SLOT`] job loops, so that while one job reads its original or writes
//! its result another is already computing: with one loop per slot the cores idled
//! through every job's I/O and database round trips.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fotobase::image::Metric;
use fotobase::{Error, ErrorKind};
use fotobase_bindings::CompareAllRequest;
use fotobase_store::db::{Image, ImageStatus, Lease, NewVersion};
use fotobase_store::media::Completion;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::kit::ids;
use crate::state::AppState;
use kinds::{COMPARE_ALL, IMAGES_QUEUE, PROCESS, THUMBNAIL, THUMBNAIL_SIZE};
use slots::Slots;

pub mod kinds;
pub mod slots;

/// Job loops per CPU slot: two keep a slot busy through the other job's I/O.
pub const JOBS_PER_SLOT: usize = 2;

/// Start the pool: `workers` CPU slots and their job loops, until `shutdown` turns true.
pub fn spawn(
    state: &AppState,
    workers: usize,
    shutdown: &watch::Receiver<bool>,
) -> fotobase::Result<Vec<JoinHandle<()>>> {
    if workers == 0 {
        return Ok(Vec::new());
    }
    let slots = Arc::new(Slots::new(workers)?);
    Ok((0..workers * JOBS_PER_SLOT)
        .map(|_| tokio::spawn(run(state.clone(), slots.clone(), shutdown.clone())))
        .collect())
}

/// One job loop: claim, run (computing only while holding a slot), record.
async fn run(state: AppState, slots: Arc<Slots>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        match state.queue.claim(IMAGES_QUEUE).await {
            Ok(Some(lease)) => {
                tokio::select! {
                    () = handle(&state, &slots, &lease) => {}
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
    let slots = match Slots::new(1) {
        Ok(slots) => slots,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a job thread");
            return 0;
        }
    };
    let mut n = 0;
    while let Ok(Some(lease)) = state.queue.claim(IMAGES_QUEUE).await {
        handle(state, &slots, &lease).await;
        n += 1;
    }
    n
}

async fn handle(state: &AppState, slots: &Slots, lease: &Lease) {
    let job = &lease.job;
    let span = tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
    handle_in_span(state, slots, lease).instrument(span).await;
}

async fn handle_in_span(state: &AppState, slots: &Slots, lease: &Lease) {
    let job = &lease.job;
    let started = std::time::Instant::now();
    let beat = Duration::from_secs((state.queue.config().lease_secs / 3).max(1) as u64);
    let work = run_job(state, slots, lease);
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
        Ok(Some(result)) => state.queue.complete(lease, result).await.map(|_| ()),
        Ok(None) => Ok(()),
        Err(e) => {
            let retryable = matches!(e.kind(), ErrorKind::Unexpected | ErrorKind::Conflict | ErrorKind::Unavailable);
            tracing::warn!(code = e.code(), error = %e, retryable, "job failed");
            if job.kind == THUMBNAIL
                && !retryable
                && let Some(id) = kinds::image_id(&job.payload)
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

/// The job's result, or `None` when the job already succeeded in its own write.
async fn run_job(state: &AppState, slots: &Slots, lease: &Lease) -> fotobase::Result<Option<Value>> {
    let job = &lease.job;
    match job.kind.as_str() {
        THUMBNAIL => thumbnail(state, slots, lease, kinds::read(THUMBNAIL, &job.payload)?).await.map(|()| None),
        PROCESS => process(state, slots, lease, kinds::read(PROCESS, &job.payload)?).await.map(|()| None),
        COMPARE_ALL => compare_all(state, slots, kinds::read(COMPARE_ALL, &job.payload)?).await.map(Some),
        other => Err(Error::new(ErrorKind::InvalidArgument, "unknown job kind").with_context("kind", other)),
    }
}

/// The image a job works on, with its original's bytes.
async fn original(state: &AppState, image_id: i64) -> fotobase::Result<(Image, Bytes)> {
    let image = state.images().get(image_id).await?;
    let data = state.media.blobs().get(&image.blob_key).await?;
    Ok((image, data))
}

/// Make the image's thumbnail; the job succeeds in the same transaction that sets it.
async fn thumbnail(state: &AppState, slots: &Slots, lease: &Lease, job: kinds::Thumbnail) -> fotobase::Result<()> {
    let (image, data) = original(state, job.image_id).await?;
    let out = slots
        .compute(move || {
            fotobase_bindings::thumbnail(&data, THUMBNAIL_SIZE, Some(THUMBNAIL_SIZE), Some("contain"), Some("webp"))
        })
        .await?;
    state.metrics.bytes_processed(image.bytes as u64, out.data.len() as u64);
    let info = out.info;
    let result = |_: i64, _: u64| json!({ "image_id": state.public_id(ids::IMAGE, image.id), "thumbnail": info });
    let done = Completion { queue: &state.queue, lease, result: &result };
    state.media.set_thumbnail_completing(image.id, &Bytes::from(out.data), &done).await
}

/// Make one version; the job succeeds in the same transaction that stores it.
async fn process(state: &AppState, slots: &Slots, lease: &Lease, job: kinds::Process) -> fotobase::Result<()> {
    let (image, data) = original(state, job.image_id).await?;
    let mut options = job.options;
    // A version records every metric unless the request chose some.
    options.metrics.get_or_insert_with(|| Metric::ALL.iter().map(|m| m.name().to_owned()).collect());
    // Checked when the job was queued, against the same stored format.
    let opts = options.options(image.format.parse().ok())?;
    let out = slots.compute(move || fotobase::image::compress(&data, &opts)).await?;
    state.metrics.bytes_processed(image.bytes as u64, out.encoded.bytes as u64);
    let new = NewVersion {
        image_id: image.id,
        algorithm: out.encoded.algorithm.to_owned(),
        params: json!({ "request": options, "params": out.encoded.params, "quality": out.quality }),
        format: out.encoded.format.name().to_owned(),
        width: out.encoded.width,
        height: out.encoded.height,
        metrics: json!(out.metrics),
        job_id: Some(lease.job.id),
    };
    let data = Bytes::from(out.encoded.data);
    let result = |version_id: i64, bytes: u64| {
        json!({
            "image_id": state.public_id(ids::IMAGE, image.id),
            "version_id": state.public_id(ids::VERSION, version_id),
            "algorithm": new.algorithm,
            "format": new.format,
            "quality": out.quality,
            "width": new.width,
            "height": new.height,
            "bytes": bytes,
            "input_bytes": image.bytes,
            "ratio": out.ratio,
            "metrics": new.metrics,
            "steps": out.steps,
        })
    };
    let done = Completion { queue: &state.queue, lease, result: &result };
    state.media.add_version_completing(&new, &data, &done).await?;
    Ok(())
}

async fn compare_all(state: &AppState, slots: &Slots, job: kinds::CompareAll) -> fotobase::Result<Value> {
    let (image, data) = original(state, job.image_id).await?;
    let request = CompareAllRequest { target: job.target, algorithms: job.algorithms };
    let table = slots.compute(move || fotobase_bindings::compare_all(&data, &request)).await?;
    let mut table = fotobase_bindings::to_json(&table)?;
    table["image_id"] = json!(state.public_id(ids::IMAGE, image.id));
    Ok(table)
}
