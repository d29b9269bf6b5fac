//! Per-account quotas: stored bytes, queued jobs and uploads per minute.
//!
//! Limits are the server's defaults unless an admin set an account's own (a NULL column is
//! "the default", so changing the default reaches everyone not set apart). Stored bytes are a
//! running total kept by the transactions that add and delete originals and versions (see
//! `storage::media`): checking a quota costs one row, however many photos an account holds,
//! and two uploads at once cannot both squeeze under it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::{Db, db_err};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::clock::{Clock, SystemClock};

/// Length of the upload-rate window, in seconds.
const WINDOW_SECS: i64 = 60;

/// Quota limits; `None` is "no limit" for the server's defaults and "the default" for an
/// account's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct QuotaLimits {
    /// Bytes of originals and versions an account may keep.
    pub max_bytes: Option<u64>,
    /// Processing jobs an account may have queued or running at once.
    pub max_queued_jobs: Option<u64>,
    /// Uploads an account may start per minute.
    pub uploads_per_minute: Option<u64>,
}

impl QuotaLimits {
    /// Each limit of `self` (an account's own), or `defaults`' where `self` has none.
    pub fn or(self, defaults: QuotaLimits) -> QuotaLimits {
        QuotaLimits {
            max_bytes: self.max_bytes.or(defaults.max_bytes),
            max_queued_jobs: self.max_queued_jobs.or(defaults.max_queued_jobs),
            uploads_per_minute: self.uploads_per_minute.or(defaults.uploads_per_minute),
        }
    }
}

/// An account's own limits and what it uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuotaRow {
    /// Set by an admin; `None`: the server's default.
    pub own: QuotaLimits,
    pub bytes_used: u64,
}

/// The error of a quota that would be exceeded: `quota` says which (`bytes`, `queued_jobs`,
/// `uploads_per_minute`), so HTTP can answer 413 for space and 429 for rates.
pub fn exceeded(quota: &'static str, message: &str, limit: u64) -> Error {
    Error::new(ErrorKind::QuotaExceeded, message).with_context("quota", quota).with_context("limit", limit)
}

/// Typed access to `quotas`.
#[derive(Debug, Clone)]
pub struct Quotas {
    db: Db,
    clock: Arc<dyn Clock>,
}

/// A limit as bound in SQL: "none" is the largest value, which no sum reaches.
fn bound(limit: Option<u64>) -> i64 {
    limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX))
}

impl Quotas {
    pub fn new(db: Db) -> Self {
        Quotas { db, clock: Arc::new(SystemClock) }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The account's own limits and usage (all defaults and nothing used for an account
    /// without a row yet).
    pub async fn get(&self, user: i64) -> Result<QuotaRow> {
        let q = self
            .db
            .sql("SELECT max_bytes, max_queued_jobs, uploads_per_minute, bytes_used FROM quotas WHERE user_id = ?");
        let row = sqlx::query(&q)
            .bind(user)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read quota", e))?;
        let Some(row) = row else { return Ok(QuotaRow::default()) };
        let get = |c: &str| -> Result<Option<u64>> {
            let v: Option<i64> = row.try_get(c).map_err(|e| db_err("bad quota row", e))?;
            Ok(v.map(|v| v.max(0) as u64))
        };
        Ok(QuotaRow {
            own: QuotaLimits {
                max_bytes: get("max_bytes")?,
                max_queued_jobs: get("max_queued_jobs")?,
                uploads_per_minute: get("uploads_per_minute")?,
            },
            bytes_used: get("bytes_used")?.unwrap_or(0),
        })
    }

    /// Replace the account's own limits (`None`s: back to the defaults).
    pub async fn set(&self, user: i64, own: &QuotaLimits) -> Result<QuotaRow> {
        ensure_row(&self.db, &mut *self.db.pool().acquire().await.map_err(|e| db_err("cannot connect", e))?, user)
            .await?;
        let q = self
            .db
            .sql("UPDATE quotas SET max_bytes = ?, max_queued_jobs = ?, uploads_per_minute = ? WHERE user_id = ?");
        let opt = |v: Option<u64>| v.map(|v| bound(Some(v)));
        sqlx::query(&q)
            .bind(opt(own.max_bytes))
            .bind(opt(own.max_queued_jobs))
            .bind(opt(own.uploads_per_minute))
            .bind(user)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot set quota", e))?;
        self.get(user).await
    }

    /// Count one upload against the account's rate (its own, else `default_per_minute`);
    /// `quota_exceeded` with a retry-after when this minute's uploads are used up.
    pub async fn take_upload(&self, user: i64, default_per_minute: Option<u64>) -> Result<()> {
        let now = self.clock.now();
        let cutoff = now - WINDOW_SECS;
        // MySQL assigns left to right with the new values: `window_uploads` is computed
        // before `window_start` changes.
        let q = self.db.sql(
            "UPDATE quotas SET \
             window_uploads = CASE WHEN window_start <= ? THEN 1 ELSE window_uploads + 1 END, \
             window_start = CASE WHEN window_start <= ? THEN ? ELSE window_start END \
             WHERE user_id = ? AND (window_start <= ? OR window_uploads < COALESCE(uploads_per_minute, ?))",
        );
        for _ in 0..2 {
            let done = sqlx::query(&q)
                .bind(cutoff)
                .bind(cutoff)
                .bind(now)
                .bind(user)
                .bind(cutoff)
                .bind(bound(default_per_minute))
                .execute(self.db.pool())
                .await
                .map_err(|e| db_err("cannot count upload", e))?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            let q = self
                .db
                .sql("SELECT window_start, COALESCE(uploads_per_minute, ?) AS lim FROM quotas WHERE user_id = ?");
            let row = sqlx::query(&q)
                .bind(bound(default_per_minute))
                .bind(user)
                .fetch_optional(self.db.pool())
                .await
                .map_err(|e| db_err("cannot read quota", e))?;
            if let Some(row) = row {
                let start: i64 = row.try_get("window_start").map_err(|e| db_err("bad quota row", e))?;
                let limit: i64 = row.try_get("lim").map_err(|e| db_err("bad quota row", e))?;
                return Err(exceeded("uploads_per_minute", "too many uploads this minute", limit.max(0) as u64)
                    .with_context("retry_after_secs", (start + WINDOW_SECS - now).max(1)));
            }
            let mut conn = self.db.pool().acquire().await.map_err(|e| db_err("cannot connect", e))?;
            ensure_row(&self.db, &mut conn, user).await?;
        }
        Err(Error::new(ErrorKind::Unexpected, "quota row vanished"))
    }
}

/// Create the owner's row if it has none: accounts get one when made, owners the store is
/// given without a `users` row (embedders) when they first store something.
async fn ensure_row(db: &Db, conn: &mut sqlx::AnyConnection, user: i64) -> Result<()> {
    let q = db.sql("SELECT 1 AS one FROM quotas WHERE user_id = ?");
    let found =
        sqlx::query(&q).bind(user).fetch_optional(&mut *conn).await.map_err(|e| db_err("cannot read quota", e))?;
    if found.is_none() {
        let q = db.sql("INSERT INTO quotas (user_id) VALUES (?)");
        if let Err(e) = sqlx::query(&q).bind(user).execute(&mut *conn).await
            && !super::is_unique_violation(&e)
        {
            return Err(db_err("cannot create quota", e));
        }
    }
    Ok(())
}

/// Add `bytes` to the owner's total in `conn`'s transaction, unless that passes the owner's
/// limit (its own, else `default_max`): then `quota_exceeded` (the caller rolls back).
pub(crate) async fn charge(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    owner: i64,
    bytes: u64,
    default_max: Option<u64>,
) -> Result<()> {
    let bytes = bound(Some(bytes));
    let q = db.sql(
        "UPDATE quotas SET bytes_used = bytes_used + ? WHERE user_id = ? AND bytes_used + ? <= COALESCE(max_bytes, ?)",
    );
    for _ in 0..2 {
        let done = sqlx::query(&q)
            .bind(bytes)
            .bind(owner)
            .bind(bytes)
            .bind(bound(default_max))
            .execute(&mut *conn)
            .await
            .map_err(|e| db_err("cannot charge quota", e))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let q = db.sql("SELECT COALESCE(max_bytes, ?) AS lim, bytes_used FROM quotas WHERE user_id = ?");
        let row = sqlx::query(&q)
            .bind(bound(default_max))
            .bind(owner)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| db_err("cannot read quota", e))?;
        if let Some(row) = row {
            let limit: i64 = row.try_get("lim").map_err(|e| db_err("bad quota row", e))?;
            let used: i64 = row.try_get("bytes_used").map_err(|e| db_err("bad quota row", e))?;
            return Err(exceeded("bytes", "the account's storage quota is full", limit.max(0) as u64)
                .with_context("used", used)
                .with_context("needed", bytes));
        }
        ensure_row(db, conn, owner).await?;
    }
    Err(Error::new(ErrorKind::Unexpected, "quota row vanished"))
}

/// The owner of a live image, for charging a version to it; the image row stays locked until
/// the caller's transaction ends, so a deletion of the image waits for the version (and gives
/// its bytes back) or comes first (and the version is refused).
pub(crate) async fn owner_of_image(db: &Db, conn: &mut sqlx::AnyConnection, image_id: i64) -> Result<i64> {
    let q = db.sql(&format!("SELECT owner_id FROM images WHERE id = ? AND deleted_at IS NULL{}", db.for_update()));
    let row =
        sqlx::query(&q).bind(image_id).fetch_optional(&mut *conn).await.map_err(|e| db_err("cannot read image", e))?;
    row.map(|r| r.try_get("owner_id").map_err(|e| db_err("bad image row", e)))
        .transpose()?
        .ok_or_else(|| super::images::not_found("image", image_id))
}

/// Give `bytes` back to `owner`, in the transaction that marks them deleted.
pub(crate) async fn credit(db: &Db, conn: &mut sqlx::AnyConnection, owner: i64, bytes: i64) -> Result<()> {
    let q = db.sql("UPDATE quotas SET bytes_used = bytes_used - ? WHERE user_id = ?");
    sqlx::query(&q).bind(bytes).bind(owner).execute(&mut *conn).await.map_err(|e| db_err("cannot credit quota", e))?;
    Ok(())
}
