//! Per-account quotas as the services apply them: the account's own limits over the server's
//! defaults (`config.quota`), checked where work or bytes arrive. Stored bytes are enforced
//! by the store in the transaction that keeps them (two uploads at once cannot both squeeze
//! in); the checks here refuse early, before a body is read or a job is queued.

use fotobase_store::db::{QuotaLimits, QuotaRow, quota_exceeded};

use crate::kit::{ApiError, ApiResult};
use crate::state::AppState;
use crate::worker::kinds::{COMPARE_ALL, IMAGES_QUEUE, PROCESS};

/// The jobs a queued-jobs quota counts: the ones an account asks for (thumbnails follow uploads,
/// which their own rate bounds).
const COUNTED_JOBS: &[&str] = &[PROCESS, COMPARE_ALL];

/// How long a client refused for queued jobs should wait before asking again.
const JOBS_RETRY_SECS: u64 = 5;

/// An account's quota row and the limits that apply to it.
pub async fn of(state: &AppState, user: i64) -> ApiResult<(QuotaRow, QuotaLimits)> {
    let row = state.quotas.get(user).await?;
    Ok((row, row.own.or(state.config.quota.limits())))
}

/// Jobs of the account that count against its queued-jobs quota.
pub async fn queued_jobs(state: &AppState, user: i64) -> ApiResult<u64> {
    Ok(state.queue.unfinished(IMAGES_QUEUE, user, COUNTED_JOBS).await?)
}

/// Before an upload's body is read: room for one more upload this minute, and for `declared`
/// bytes (the request's `Content-Length`, when it says) in the storage quota. A read; the store
/// counts the upload and its bytes in the transaction that keeps it (`MediaConfig`).
pub async fn admit_upload(state: &AppState, user: i64, declared: Option<u64>) -> ApiResult<()> {
    let (row, limits) = of(state, user).await?;
    state.quotas.upload_room(&row, limits.uploads_per_minute)?;
    if let Some(max) = limits.max_bytes
        && row.bytes_used.saturating_add(declared.unwrap_or(1)) > max
    {
        count_refused_upload(state, user).await;
        return Err(storage_full(max, row.bytes_used));
    }
    Ok(())
}

/// Count an upload that was admitted to the rate but not stored (stored ones are counted in the
/// transaction that keeps them). A full window is no error here: the refusal already has its answer.
pub async fn count_refused_upload(state: &AppState, user: i64) {
    if let Err(e) = state.quotas.take_upload(user, state.config.quota.limits().uploads_per_minute).await
        && e.kind() != fotobase::ErrorKind::QuotaExceeded
    {
        tracing::warn!(error = %e, "cannot count a refused upload");
    }
}

fn storage_full(max: u64, used: u64) -> ApiError {
    quota_exceeded("bytes", "the account's storage quota is full", max).with_context("used", used).into()
}

/// Before a processing job is queued: a free place in the queued-jobs quota, and storage left
/// for the version it will make.
pub async fn admit_job(state: &AppState, user: i64) -> ApiResult<()> {
    let (row, limits) = of(state, user).await?;
    if let Some(max) = limits.max_bytes
        && row.bytes_used >= max
    {
        return Err(storage_full(max, row.bytes_used));
    }
    if let Some(max) = limits.max_queued_jobs
        && queued_jobs(state, user).await? >= max
    {
        return Err(quota_exceeded("queued_jobs", "too many processing jobs queued; wait for some to finish", max)
            .with_context("retry_after_secs", JOBS_RETRY_SECS)
            .into());
    }
    Ok(())
}
