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

use super::model::{Cols, Val};
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
    /// The upload-rate window: when it began (Unix seconds) and the uploads counted in it.
    pub window_start: i64,
    pub window_uploads: u64,
}

fn too_many_uploads(window_start: i64, limit: u64, now: i64) -> Error {
    exceeded("uploads_per_minute", "too many uploads this minute", limit)
        .with_context("retry_after_secs", (window_start + WINDOW_SECS - now).max(1))
}

/// Counting one upload in the rate window that began before `cutoff` (then a new one starts at
/// `now`): binds cutoff, cutoff, now. MySQL assigns left to right with the new values, so
/// `window_uploads` is computed before `window_start` changes.
const COUNT_UPLOAD: &str = "window_uploads = CASE WHEN window_start <= ? THEN 1 ELSE window_uploads + 1 END, \
     window_start = CASE WHEN window_start <= ? THEN ? ELSE window_start END";
/// Room for one more upload in the window: binds cutoff, the default limit.
const UPLOAD_ROOM: &str = "(window_start <= ? OR window_uploads < COALESCE(uploads_per_minute, ?))";

/// Count an original upload in the transaction that stores it ([`charge`]): the account's own
/// rate, else `default_per_minute`, at `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UploadCount {
    pub default_per_minute: Option<u64>,
    pub now: i64,
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
        let q = self.db.sql(
            "SELECT max_bytes, max_queued_jobs, uploads_per_minute, bytes_used, window_start, window_uploads \
                  FROM quotas WHERE user_id = ?",
        );
        // A read beside the writer (`Db::rows`): uploads check it before every body they read.
        let mut found = None;
        self.db
            .rows(&q, &[Val::I(user)], "cannot read quota", |row| {
                let cols = Cols::new(row, "bad quota row");
                let get = |c: &str| -> Result<Option<u64>> { Ok(cols.get::<Option<i64>>(c)?.map(|v| v.max(0) as u64)) };
                found = Some(QuotaRow {
                    own: QuotaLimits {
                        max_bytes: get("max_bytes")?,
                        max_queued_jobs: get("max_queued_jobs")?,
                        uploads_per_minute: get("uploads_per_minute")?,
                    },
                    bytes_used: get("bytes_used")?.unwrap_or(0),
                    window_start: cols.get::<Option<i64>>("window_start")?.unwrap_or(0),
                    window_uploads: get("window_uploads")?.unwrap_or(0),
                });
                Ok(())
            })
            .await?;
        Ok(found.unwrap_or_default())
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

    /// `quota_exceeded` (with a retry-after) when `row`'s window has no room now for one more
    /// upload under `per_minute`: the check before an upload's body is read.
    pub fn upload_room(&self, row: &QuotaRow, per_minute: Option<u64>) -> Result<()> {
        let now = self.clock.now();
        let used = if row.window_start > now - WINDOW_SECS { row.window_uploads } else { 0 };
        match per_minute {
            Some(limit) if used >= limit => Err(too_many_uploads(row.window_start, limit, now)),
            _ => Ok(()),
        }
    }

    /// Count one upload against the account's rate (its own, else `default_per_minute`);
    /// `quota_exceeded` with a retry-after when this minute's uploads are used up. (`Media`
    /// counts the uploads it stores itself, in their own transaction: this is for embedders
    /// that count elsewhere.)
    pub async fn take_upload(&self, user: i64, default_per_minute: Option<u64>) -> Result<()> {
        let mut conn = self.db.pool().acquire().await.map_err(|e| db_err("cannot connect", e))?;
        let count = UploadCount { default_per_minute, now: self.clock.now() };
        charge(&self.db, &mut conn, user, 0, None, Some(count)).await
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
/// limit (its own, else `default_max`): then `quota_exceeded` (the caller rolls back). With
/// `upload`, the same statement counts an upload in the rate window, or refuses it when the
/// window is full (one write for both: every upload makes it on the one SQLite writer).
pub(crate) async fn charge(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    owner: i64,
    bytes: u64,
    default_max: Option<u64>,
    upload: Option<UploadCount>,
) -> Result<()> {
    let bytes = bound(Some(bytes));
    // Nothing to store (`Quotas::take_upload`): an account over its space still has uploads counted.
    let space = bytes > 0 || upload.is_none();
    let mut q = String::from("UPDATE quotas SET bytes_used = bytes_used + ?");
    if upload.is_some() {
        q += &format!(", {COUNT_UPLOAD}");
    }
    q += " WHERE user_id = ?";
    if space {
        q += " AND bytes_used + ? <= COALESCE(max_bytes, ?)";
    }
    if upload.is_some() {
        q += &format!(" AND {UPLOAD_ROOM}");
    }
    let q = db.sql(&q);
    for _ in 0..2 {
        let mut query = sqlx::query(&q).bind(bytes);
        if let Some(u) = upload {
            let cutoff = u.now - WINDOW_SECS;
            query = query.bind(cutoff).bind(cutoff).bind(u.now);
        }
        query = query.bind(owner);
        if space {
            query = query.bind(bytes).bind(bound(default_max));
        }
        if let Some(u) = upload {
            query = query.bind(u.now - WINDOW_SECS).bind(bound(u.default_per_minute));
        }
        let done = query.execute(&mut *conn).await.map_err(|e| db_err("cannot charge quota", e))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let q = db.sql(
            "SELECT COALESCE(max_bytes, ?) AS lim, bytes_used, window_start, window_uploads, \
             COALESCE(uploads_per_minute, ?) AS rate FROM quotas WHERE user_id = ?",
        );
        let per_minute = upload.and_then(|u| u.default_per_minute);
        let row = sqlx::query(&q)
            .bind(bound(default_max))
            .bind(bound(per_minute))
            .bind(owner)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| db_err("cannot read quota", e))?;
        if let Some(row) = row {
            let get = |c: &str| row.try_get::<i64, _>(c).map_err(|e| db_err("bad quota row", e));
            let (limit, used) = (get("lim")?, get("bytes_used")?);
            if upload.is_none() || (bytes > 0 && used.saturating_add(bytes) > limit) {
                return Err(exceeded("bytes", "the account's storage quota is full", limit.max(0) as u64)
                    .with_context("used", used)
                    .with_context("needed", bytes));
            }
            let now = upload.map_or(0, |u| u.now);
            return Err(too_many_uploads(get("window_start")?, get("rate")?.max(0) as u64, now));
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
