//! A durable job queue in the `jobs` table, shared by every replica.
//!
//! A worker [`JobQueue::claim`]s a job and gets a [`Lease`]: a random token and an
//! expiry. Every later call by the holder is fenced on that token, so a worker
//! whose lease ran out (and whose job another worker took over) gets
//! [`ErrorKind::Conflict`] instead of overwriting the new holder's work. Failures
//! are retried with exponential back-off until `max_attempts`, then kept as
//! [`JobState::Failed`] (the dead letter) for inspection and [`JobQueue::retry`].
//! Time comes from an injected [`Clock`] so tests can expire leases without sleeping.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::model::{Cols, Val};
use super::{AnyQuery, Db, DbBackend, db_err, is_unique_violation, retrying, text, text_opt};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::clock::{Clock, SystemClock};
use fotobase_auth::random::random_hex;

/// Timing and retry policy of a [`JobQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueConfig {
    /// How long a claim (or heartbeat) keeps a job from other workers.
    pub lease_secs: i64,
    /// Attempts of a job enqueued without its own limit.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles with every further attempt.
    pub backoff_base_secs: i64,
    /// Upper bound of the retry delay.
    pub backoff_max_secs: i64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { lease_secs: 60, max_attempts: 5, backoff_base_secs: 5, backoff_max_secs: 3600 }
    }
}

impl QueueConfig {
    /// Delay before retrying after attempt number `attempts` (1-based) failed.
    pub fn backoff(&self, attempts: u32) -> i64 {
        let doubled = 1i64.checked_shl(attempts.saturating_sub(1).min(62)).unwrap_or(i64::MAX);
        self.backoff_base_secs.saturating_mul(doubled).min(self.backoff_max_secs)
    }
}

/// Where a job is in its life. `Failed` is the dead letter: out of attempts, not
/// retryable, or cancelled.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Failed];

    /// The stored (and serialised) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    /// Inverse of [`JobState::as_str`].
    pub fn parse(s: &str) -> Result<JobState> {
        JobState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "unknown job state").with_context("state", s))
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue: [`NewJob::new`] plus the builder methods.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub queue: String,
    pub kind: String,
    pub owner_id: Option<i64>,
    /// Enqueueing the same key again returns the first job instead of a second one.
    pub idempotency_key: Option<String>,
    pub payload: Value,
    /// Higher runs first.
    pub priority: i32,
    /// `None`: [`QueueConfig::max_attempts`].
    pub max_attempts: Option<u32>,
    /// Not before this time (unix seconds); `None`: now.
    pub run_at: Option<i64>,
}

impl NewJob {
    pub fn new(queue: impl Into<String>, kind: impl Into<String>, payload: Value) -> Self {
        NewJob {
            queue: queue.into(),
            kind: kind.into(),
            owner_id: None,
            idempotency_key: None,
            payload,
            priority: 0,
            max_attempts: None,
            run_at: None,
        }
    }

    #[must_use]
    pub fn owner(mut self, owner_id: i64) -> Self {
        self.owner_id = Some(owner_id);
        self
    }

    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    #[must_use]
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = Some(max_attempts);
        self
    }

    #[must_use]
    pub fn run_at(mut self, run_at: i64) -> Self {
        self.run_at = Some(run_at);
        self
    }

    fn validate(&self) -> Result<()> {
        let bad = |what: &str| Error::new(ErrorKind::InvalidArgument, format!("job {what}"));
        for (name, value, max) in [("queue", &self.queue, 64), ("kind", &self.kind, 64)] {
            if value.is_empty() || value.len() > max {
                return Err(bad(&format!("{name} must be 1 to {max} bytes")).with_context(name, value));
            }
        }
        if self.idempotency_key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 200) {
            return Err(bad("idempotency key must be 1 to 200 bytes"));
        }
        if self.max_attempts.is_some_and(|n| n == 0 || n > i32::MAX as u32) {
            return Err(bad("max_attempts must be at least 1"));
        }
        Ok(())
    }
}

/// A job as stored. The lease token is not part of it: only the [`Lease`] holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub queue: String,
    pub kind: String,
    pub owner_id: Option<i64>,
    pub idempotency_key: Option<String>,
    pub payload: Value,
    pub state: JobState,
    pub priority: i32,
    /// Claims so far, including the running one.
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: i64,
    pub lease_expires_at: Option<i64>,
    /// 0 to 1, as last reported by the holder.
    pub progress: f64,
    pub result: Option<Value>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

/// A claimed job: the token fences every call the holder makes.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    pub job: Job,
    pub token: String,
    pub expires_at: i64,
}

/// What [`JobQueue::list`] returns: all filters combined, ordered by id.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFilter {
    pub queue: Option<String>,
    pub owner_id: Option<i64>,
    pub state: Option<JobState>,
    /// Keyset pagination: only ids greater than this (the last id of the previous page).
    pub after_id: Option<i64>,
    /// 1 to 500.
    pub limit: u32,
}

impl Default for JobFilter {
    fn default() -> Self {
        JobFilter { queue: None, owner_id: None, state: None, after_id: None, limit: 50 }
    }
}

/// Jobs per state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
}

/// The queue over a [`Db`] (run [`Db::migrate`] first). Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    db: Db,
    clock: Arc<dyn Clock>,
    config: QueueConfig,
}

const COLUMNS: &str = "id, queue, kind, owner_id, idempotency_key, payload, state, priority, attempts, max_attempts, \
     run_at, lease_expires_at, progress, result, last_error, created_at, updated_at, finished_at";
/// Claimable in a queue: due, or running under a lease that ran out with attempts left.
/// Binds: queue, now, now.
const CLAIMABLE: &str = "queue = ? AND ((state = 'queued' AND run_at <= ?) \
     OR (state = 'running' AND lease_expires_at < ? AND attempts < max_attempts))";
const CLAIM_ORDER: &str = "ORDER BY priority DESC, run_at, id";
/// Binds: token, expires_at, now, now.
const SET_RUNNING: &str = "state = 'running', lease_token = ?, lease_expires_at = ?, heartbeat_at = ?, \
     updated_at = ?, attempts = attempts + 1, progress = 0";
/// Only the current holder's calls match. Binds: id, token.
const FENCE: &str = "WHERE id = ? AND lease_token = ? AND state = 'running'";

/// `last_error` is for people reading a dashboard, not a log store.
const MAX_ERROR_CHARS: usize = 2000;
/// Deadlock / serialisation-failure retries of one operation.
/// MySQL claim candidates read per round, and rounds before reporting nothing claimable.
const MYSQL_CANDIDATES: i64 = 8;
const MYSQL_ROUNDS: u32 = 4;

impl JobQueue {
    /// A queue on `db` with the system clock and [`QueueConfig::default`].
    pub fn new(db: Db) -> Self {
        JobQueue { db, clock: Arc::new(SystemClock), config: QueueConfig::default() }
    }

    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Nonsensical values are raised to the smallest that works (a 1 s lease, 1 attempt, no delay).
    #[must_use]
    pub fn with_config(mut self, config: QueueConfig) -> Self {
        self.config = QueueConfig {
            lease_secs: config.lease_secs.max(1),
            max_attempts: config.max_attempts.clamp(1, i32::MAX as u32),
            backoff_base_secs: config.backoff_base_secs.max(0),
            backoff_max_secs: config.backoff_max_secs.max(0),
        };
        self
    }

    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Add a job. With an idempotency key already in use, the job stored under it is
    /// returned whatever its state (its payload wins), unless it was for another
    /// queue or kind: [`ErrorKind::AlreadyExists`].
    pub async fn enqueue(&self, job: NewJob) -> Result<Job> {
        job.validate()?;
        retrying(|| self.try_enqueue(&job)).await
    }

    async fn try_enqueue(&self, job: &NewJob) -> Result<Job> {
        if let Some(key) = &job.idempotency_key
            && let Some(existing) = self.by_key(key).await?
        {
            return same_job(existing, job);
        }
        match self.insert(self.db.pool(), job).await {
            Ok(stored) => Ok(stored),
            // Another enqueue with the same key won the race: answer with its job.
            Err(e) if is_unique_violation(&e) => {
                let key = job.idempotency_key.as_deref().ok_or(e)?;
                let existing = self.by_key(key).await?.ok_or_else(|| {
                    Error::new(ErrorKind::Conflict, "job with this idempotency key vanished").with_context("key", key)
                })?;
                same_job(existing, job)
            }
            Err(e) => Err(e),
        }
    }

    /// Queue `job` inside the caller's transaction, so that it exists exactly when the
    /// caller's own rows do (an upload and its thumbnail). No idempotency lookup: a key
    /// already taken is the caller's conflict and rolls its transaction back.
    pub(crate) async fn enqueue_in(&self, tx: &mut super::Tx, job: &NewJob) -> Result<Job> {
        job.validate()?;
        self.insert(&mut **tx, job).await.map_err(|e| {
            if !is_unique_violation(&e) {
                return e;
            }
            let key = job.idempotency_key.clone().unwrap_or_default();
            Error::new(ErrorKind::AlreadyExists, "a job with this idempotency key exists")
                .with_context("key", key)
                .with_source(e)
        })
    }

    async fn insert<'e>(&self, exec: impl sqlx::Executor<'e, Database = sqlx::Any>, job: &NewJob) -> Result<Job> {
        let now = self.clock.now();
        let mut stored = Job {
            id: 0,
            queue: job.queue.clone(),
            kind: job.kind.clone(),
            owner_id: job.owner_id,
            idempotency_key: job.idempotency_key.clone(),
            payload: job.payload.clone(),
            state: JobState::Queued,
            priority: job.priority,
            attempts: 0,
            max_attempts: job.max_attempts.unwrap_or(self.config.max_attempts),
            run_at: job.run_at.unwrap_or(now),
            lease_expires_at: None,
            progress: 0.0,
            result: None,
            last_error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        let q = self.db.insert_sql(
            "INSERT INTO jobs (queue, kind, owner_id, idempotency_key, payload, state, priority, attempts, \
             max_attempts, run_at, progress, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, 0, ?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q)
            .bind(&stored.queue)
            .bind(&stored.kind)
            .bind(stored.owner_id)
            .bind(&stored.idempotency_key)
            .bind(stored.payload.to_string())
            .bind(stored.priority)
            .bind(stored.max_attempts as i32)
            .bind(stored.run_at)
            .bind(0.0f64)
            .bind(now)
            .bind(now);
        stored.id = self.db.inserted_id(exec, query).await?;
        Ok(stored)
    }

    /// The job stored under an idempotency key, if any.
    pub async fn by_key(&self, key: &str) -> Result<Option<Job>> {
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM jobs WHERE idempotency_key = ?"));
        let row =
            sqlx::query(&q).bind(key).fetch_optional(self.db.pool()).await.map_err(|e| db_err("cannot read job", e))?;
        row.as_ref().map(job_from).transpose()
    }

    /// Take the next runnable job of `queue` (highest priority, then earliest
    /// `run_at`, then oldest), or `None`. A job whose holder's lease ran out is
    /// runnable again; if that holder used its last attempt, the job fails instead.
    pub async fn claim(&self, queue: &str) -> Result<Option<Lease>> {
        retrying(|| self.try_claim(queue)).await
    }

    async fn try_claim(&self, queue: &str) -> Result<Option<Lease>> {
        let now = self.clock.now();
        self.fail_abandoned(queue, now).await?;
        let token = random_hex(16);
        let expires_at = now + self.config.lease_secs;
        let job = match self.db.backend() {
            DbBackend::MySql => self.claim_mysql(queue, now, &token, expires_at).await?,
            backend => {
                // One statement: SQLite runs it under its single writer; PostgreSQL locks
                // the chosen row and lets concurrent claimers skip to the next one.
                let skip = if backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
                let q = self.db.sql(&format!(
                    "UPDATE jobs SET {SET_RUNNING} WHERE id = \
                     (SELECT id FROM jobs WHERE {CLAIMABLE} {CLAIM_ORDER} LIMIT 1{skip}) RETURNING {COLUMNS}"
                ));
                let query = bind_claimable(bind_running(sqlx::query(&q), &token, expires_at, now), queue, now);
                let row = query.fetch_optional(self.db.pool()).await.map_err(|e| db_err("cannot claim job", e))?;
                row.as_ref().map(job_from).transpose()?
            }
        };
        Ok(job.map(|job| Lease { job, token, expires_at }))
    }

    /// MariaDB/MySQL: no UPDATE with a subquery on its own table, and a
    /// `SELECT … ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED` locks every row it
    /// sorts (no index has the claim order), so concurrent claimers would find
    /// nothing. Instead: read a few candidates without locks, then take the first
    /// one a conditional UPDATE still matches (a single-row lock, no deadlock).
    async fn claim_mysql(&self, queue: &str, now: i64, token: &str, expires_at: i64) -> Result<Option<Job>> {
        let pick = format!("SELECT id FROM jobs WHERE {CLAIMABLE} {CLAIM_ORDER} LIMIT ?");
        let take = format!("UPDATE jobs SET {SET_RUNNING} WHERE id = ? AND {CLAIMABLE}");
        for _ in 0..MYSQL_ROUNDS {
            let query = bind_claimable(sqlx::query(&pick), queue, now).bind(MYSQL_CANDIDATES);
            let rows = query.fetch_all(self.db.pool()).await.map_err(|e| db_err("cannot claim job", e))?;
            if rows.is_empty() {
                return Ok(None);
            }
            for row in rows {
                let id: i64 = row.try_get("id").map_err(|e| db_err("bad job row", e))?;
                let query =
                    bind_claimable(bind_running(sqlx::query(&take), token, expires_at, now).bind(id), queue, now);
                let done = query.execute(self.db.pool()).await.map_err(|e| db_err("cannot claim job", e))?;
                if done.rows_affected() == 1 {
                    return self.get(id).await.map(Some);
                }
            }
        }
        Ok(None)
    }

    /// Dead-letter the queue's jobs whose holder vanished on their last attempt.
    /// A plain read beside the writer first (`Db::rows`): almost always there are none.
    async fn fail_abandoned(&self, queue: &str, now: i64) -> Result<()> {
        let abandoned = "queue = ? AND state = 'running' AND lease_expires_at < ? AND attempts >= max_attempts";
        let q = self.db.sql(&format!("SELECT id FROM jobs WHERE {abandoned} LIMIT 100"));
        let mut ids = Vec::new();
        let vals = [Val::S(queue.to_owned()), Val::I(now)];
        self.db
            .rows(&q, &vals, "cannot read jobs", |row| {
                ids.push(Cols::new(row, "bad job row").get::<i64>("id")?);
                Ok(())
            })
            .await?;
        let q = self.db.sql(&format!(
            "UPDATE jobs SET state = 'failed', last_error = 'lease expired', lease_token = NULL, \
             lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND {abandoned}"
        ));
        for id in ids {
            sqlx::query(&q)
                .bind(now)
                .bind(now)
                .bind(id)
                .bind(queue)
                .bind(now)
                .execute(self.db.pool())
                .await
                .map_err(|e| db_err("cannot fail abandoned job", e))?;
        }
        Ok(())
    }

    /// Keep the job: the lease runs `lease_secs` from now. `progress` is clamped to 0..=1.
    pub async fn heartbeat(&self, lease: &Lease, progress: Option<f64>) -> Result<Lease> {
        if progress.is_some_and(f64::is_nan) {
            return Err(Error::new(ErrorKind::InvalidArgument, "progress is NaN"));
        }
        let progress = progress.map(|p| p.clamp(0.0, 1.0));
        retrying(move || async move {
            let now = self.clock.now();
            let expires_at = now + self.config.lease_secs;
            let set_progress = if progress.is_some() { ", progress = ?" } else { "" };
            let q = self.db.sql(&format!(
                "UPDATE jobs SET lease_expires_at = ?, heartbeat_at = ?, updated_at = ?{set_progress} {FENCE}"
            ));
            let mut query = sqlx::query(&q).bind(expires_at).bind(now).bind(now);
            if let Some(p) = progress {
                query = query.bind(p);
            }
            self.fenced(self.db.pool(), query, lease, "cannot extend lease").await?;
            // Read back: with `progress: None` the stored value may be newer than `lease`'s.
            Ok(Lease { job: self.get(lease.job.id).await?, token: lease.token.clone(), expires_at })
        })
        .await
    }

    /// The job succeeded with `result`.
    pub async fn complete(&self, lease: &Lease, result: Value) -> Result<Job> {
        let (result, stored) = (&result, result.to_string());
        let stored = stored.as_str();
        retrying(move || async move {
            let now = self.clock.now();
            let q = self.complete_sql();
            let query = sqlx::query(&q).bind(1.0f64).bind(stored).bind(now).bind(now);
            self.fenced(self.db.pool(), query, lease, "cannot complete job").await?;
            Ok(Job {
                state: JobState::Succeeded,
                progress: 1.0,
                result: Some(result.clone()),
                lease_expires_at: None,
                finished_at: Some(now),
                updated_at: now,
                ..lease.job.clone()
            })
        })
        .await
    }

    /// [`Self::complete`] inside the caller's transaction, so that the job succeeds
    /// exactly when the caller's rows (the version it made) exist.
    pub(crate) async fn complete_in(&self, tx: &mut super::Tx, lease: &Lease, result: &Value) -> Result<()> {
        let (q, stored, now) = (self.complete_sql(), result.to_string(), self.clock.now());
        let query = sqlx::query(&q).bind(1.0f64).bind(stored.as_str()).bind(now).bind(now);
        self.fenced(&mut **tx, query, lease, "cannot complete job").await
    }

    /// Succeed the lease holder's job; binds progress, result, finished_at, updated_at, then [`FENCE`]'s.
    fn complete_sql(&self) -> String {
        self.db.sql(&format!(
            "UPDATE jobs SET state = 'succeeded', progress = ?, result = ?, lease_token = NULL, \
             lease_expires_at = NULL, finished_at = ?, updated_at = ? {FENCE}"
        ))
    }

    /// The attempt failed. Retryable with attempts left: queued again after the
    /// back-off; otherwise the job is dead ([`JobState::Failed`]).
    pub async fn fail(&self, lease: &Lease, error: &str, retryable: bool) -> Result<Job> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let error = error.as_str();
        retrying(move || async move {
            let now = self.clock.now();
            let job = &lease.job;
            let (state, run_at, finished_at) = if retryable && job.attempts < job.max_attempts {
                (JobState::Queued, now + self.config.backoff(job.attempts), None)
            } else {
                (JobState::Failed, job.run_at, Some(now))
            };
            let q = self.db.sql(&format!(
                "UPDATE jobs SET state = ?, run_at = ?, last_error = ?, lease_token = NULL, lease_expires_at = NULL, \
                 finished_at = ?, updated_at = ? {FENCE}"
            ));
            let query = sqlx::query(&q).bind(state.as_str()).bind(run_at).bind(error).bind(finished_at).bind(now);
            self.fenced(self.db.pool(), query, lease, "cannot fail job").await?;
            Ok(Job {
                state,
                run_at,
                last_error: Some(error.to_owned()),
                lease_expires_at: None,
                finished_at,
                updated_at: now,
                ..job.clone()
            })
        })
        .await
    }

    /// Give the job back (graceful shutdown): runnable at once, keeping its place
    /// in line (`run_at` is unchanged, and already past), and this attempt not counted.
    pub async fn release(&self, lease: &Lease) -> Result<()> {
        retrying(move || async move {
            let now = self.clock.now();
            let q = self.db.sql(&format!(
                "UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_token = NULL, \
                 lease_expires_at = NULL, updated_at = ? {FENCE}"
            ));
            self.fenced(self.db.pool(), sqlx::query(&q).bind(now), lease, "cannot release job").await
        })
        .await
    }

    /// Run a lease holder's UPDATE (its own binds done) behind [`FENCE`], on the pool or in a transaction.
    async fn fenced<'e>(
        &self,
        exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
        query: AnyQuery<'_>,
        lease: &Lease,
        what: &'static str,
    ) -> Result<()> {
        let done =
            query.bind(lease.job.id).bind(lease.token.clone()).execute(exec).await.map_err(|e| db_err(what, e))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        Err(Error::new(ErrorKind::Conflict, "job lease lost: expired and taken over, or the job was deleted")
            .with_context("job_id", lease.job.id))
    }

    pub async fn get(&self, id: i64) -> Result<Job> {
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?"));
        let row =
            sqlx::query(&q).bind(id).fetch_optional(self.db.pool()).await.map_err(|e| db_err("cannot read job", e))?;
        match row {
            Some(row) => job_from(&row),
            None => Err(Error::new(ErrorKind::NotFound, "no such job").with_context("job_id", id)),
        }
    }

    pub async fn list(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        if !(1..=500).contains(&filter.limit) {
            return Err(
                Error::new(ErrorKind::InvalidArgument, "limit must be 1 to 500").with_context("limit", filter.limit)
            );
        }
        let mut q = format!("SELECT {COLUMNS} FROM jobs WHERE 1 = 1");
        let conds = [
            (filter.queue.is_some(), " AND queue = ?"),
            (filter.owner_id.is_some(), " AND owner_id = ?"),
            (filter.state.is_some(), " AND state = ?"),
            (filter.after_id.is_some(), " AND id > ?"),
        ];
        conds.iter().filter(|(on, _)| *on).for_each(|(_, c)| q.push_str(c));
        q.push_str(" ORDER BY id LIMIT ?");
        let q = self.db.sql(&q);
        let mut query = sqlx::query(&q);
        if let Some(queue) = &filter.queue {
            query = query.bind(queue.as_str());
        }
        if let Some(owner) = filter.owner_id {
            query = query.bind(owner);
        }
        if let Some(state) = filter.state {
            query = query.bind(state.as_str());
        }
        if let Some(after) = filter.after_id {
            query = query.bind(after);
        }
        let rows = query
            .bind(i64::from(filter.limit))
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot list jobs", e))?;
        rows.iter().map(job_from).collect()
    }

    /// Jobs per state, optionally of one queue and/or owner.
    pub async fn counts(&self, queue: Option<&str>, owner_id: Option<i64>) -> Result<JobCounts> {
        let mut q = format!("SELECT state, {} AS n FROM jobs WHERE 1 = 1", self.db.int("COUNT(*)"));
        if queue.is_some() {
            q.push_str(" AND queue = ?");
        }
        if owner_id.is_some() {
            q.push_str(" AND owner_id = ?");
        }
        q.push_str(" GROUP BY state");
        let q = self.db.sql(&q);
        let mut query = sqlx::query(&q);
        if let Some(queue) = queue {
            query = query.bind(queue);
        }
        if let Some(owner) = owner_id {
            query = query.bind(owner);
        }
        let rows = query.fetch_all(self.db.pool()).await.map_err(|e| db_err("cannot count jobs", e))?;
        let mut counts = JobCounts::default();
        for row in rows {
            let n: i64 = row.try_get("n").map_err(|e| db_err("bad count row", e))?;
            match JobState::parse(&text(&row, "state")?)? {
                JobState::Queued => counts.queued = n,
                JobState::Running => counts.running = n,
                JobState::Succeeded => counts.succeeded = n,
                JobState::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }

    /// How many of `owner_id`'s jobs of these kinds in `queue` are queued or running (what a
    /// queued-jobs quota counts).
    pub async fn unfinished(&self, queue: &str, owner_id: i64, kinds: &[&str]) -> Result<u64> {
        let marks = vec!["?"; kinds.len()].join(", ");
        let q = self.db.sql(&format!(
            "SELECT {} AS n FROM jobs WHERE queue = ? AND owner_id = ? AND state IN ('queued', 'running') AND kind IN ({marks})",
            self.db.int("COUNT(*)")
        ));
        let mut query = sqlx::query(&q).bind(queue).bind(owner_id);
        for kind in kinds {
            query = query.bind(*kind);
        }
        let row = query.fetch_one(self.db.pool()).await.map_err(|e| db_err("cannot count jobs", e))?;
        let n: i64 = row.try_get("n").map_err(|e| db_err("bad count row", e))?;
        Ok(n.max(0) as u64)
    }

    /// Put a dead job back in line with a fresh set of attempts.
    pub async fn retry(&self, id: i64) -> Result<Job> {
        let now = self.clock.now();
        let q = self.db.sql(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, progress = 0, result = NULL, \
             finished_at = NULL, updated_at = ? WHERE id = ? AND state = 'failed'",
        );
        self.transition(&q, now, id, "only a failed job can be retried").await
    }

    /// Give up a job that has not started. A running job cannot be cancelled: its
    /// worker would not notice.
    pub async fn cancel(&self, id: i64) -> Result<Job> {
        let now = self.clock.now();
        let q = self.db.sql(
            "UPDATE jobs SET state = 'failed', last_error = 'cancelled', finished_at = ?, updated_at = ? \
             WHERE id = ? AND state = 'queued'",
        );
        self.transition(&q, now, id, "only a queued job can be cancelled").await
    }

    /// Run a conditional state change (binds: now, now, id); nothing changed is `NotFound` or `Conflict`.
    async fn transition(&self, q: &str, now: i64, id: i64, conflict: &'static str) -> Result<Job> {
        let done = retrying(|| sqlx::query(q).bind(now).bind(now).bind(id).execute(self.db.pool()))
            .await
            .map_err(|e| db_err("cannot update job", e))?;
        let job = self.get(id).await?;
        if done.rows_affected() == 1 {
            return Ok(job);
        }
        Err(Error::new(ErrorKind::Conflict, conflict).with_context("job_id", id).with_context("state", job.state))
    }

    /// Delete succeeded and failed jobs that finished before `finished_before`.
    pub async fn purge_finished(&self, finished_before: i64) -> Result<u64> {
        let q = self.db.sql("DELETE FROM jobs WHERE state IN ('succeeded', 'failed') AND finished_at < ?");
        let done = retrying(|| sqlx::query(&q).bind(finished_before).execute(self.db.pool()))
            .await
            .map_err(|e| db_err("cannot purge jobs", e))?;
        Ok(done.rows_affected())
    }

    /// Delete every job of an owner (account deletion); their holders lose their leases.
    pub async fn delete_for_owner(&self, owner_id: i64) -> Result<u64> {
        let q = self.db.sql("DELETE FROM jobs WHERE owner_id = ?");
        let done = retrying(|| sqlx::query(&q).bind(owner_id).execute(self.db.pool()))
            .await
            .map_err(|e| db_err("cannot delete jobs", e))?;
        Ok(done.rows_affected())
    }
}

/// Binds of [`SET_RUNNING`].
fn bind_running<'q>(query: AnyQuery<'q>, token: &'q str, expires_at: i64, now: i64) -> AnyQuery<'q> {
    query.bind(token).bind(expires_at).bind(now).bind(now)
}

/// Binds of [`CLAIMABLE`].
fn bind_claimable<'q>(query: AnyQuery<'q>, queue: &'q str, now: i64) -> AnyQuery<'q> {
    query.bind(queue).bind(now).bind(now)
}

/// The job an idempotency key already names, if it is the same kind of work.
fn same_job(existing: Job, asked: &NewJob) -> Result<Job> {
    if existing.queue == asked.queue && existing.kind == asked.kind {
        return Ok(existing);
    }
    Err(Error::new(ErrorKind::AlreadyExists, "idempotency key is in use by another kind of job")
        .with_context("job_id", existing.id)
        .with_context("queue", existing.queue)
        .with_context("kind", existing.kind))
}

fn job_from(row: &AnyRow) -> Result<Job> {
    let get = |e: sqlx::Error| db_err("bad job row", e);
    let json = |s: String| {
        serde_json::from_str(&s).map_err(|e| Error::new(ErrorKind::Unexpected, "bad JSON in job row").with_source(e))
    };
    let count = |column: &str| row.try_get::<i32, _>(column).map(|n| n.max(0) as u32).map_err(get);
    Ok(Job {
        id: row.try_get("id").map_err(get)?,
        queue: text(row, "queue")?,
        kind: text(row, "kind")?,
        owner_id: row.try_get("owner_id").map_err(get)?,
        idempotency_key: text_opt(row, "idempotency_key")?,
        payload: json(text(row, "payload")?)?,
        state: JobState::parse(&text(row, "state")?)?,
        priority: row.try_get("priority").map_err(get)?,
        attempts: count("attempts")?,
        max_attempts: count("max_attempts")?,
        run_at: row.try_get("run_at").map_err(get)?,
        lease_expires_at: row.try_get("lease_expires_at").map_err(get)?,
        progress: row.try_get("progress").map_err(get)?,
        result: text_opt(row, "result")?.map(json).transpose()?,
        last_error: text_opt(row, "last_error")?,
        created_at: row.try_get("created_at").map_err(get)?,
        updated_at: row.try_get("updated_at").map_err(get)?,
        finished_at: row.try_get("finished_at").map_err(get)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let c = QueueConfig::default();
        let delays: Vec<i64> = (1..=12).map(|n| c.backoff(n)).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(c.backoff(0), 5, "attempt 0 cannot happen; treated as the first");
        assert_eq!(c.backoff(u32::MAX), 3600, "no overflow");
        let huge = QueueConfig { backoff_base_secs: i64::MAX / 2, backoff_max_secs: i64::MAX, ..c };
        assert_eq!(huge.backoff(70), i64::MAX, "saturates");
    }

    #[test]
    fn states_round_trip_through_their_names_and_serde() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()).unwrap(), state);
            assert_eq!(serde_json::to_value(state).unwrap(), Value::from(state.as_str()));
        }
        assert_eq!(JobState::parse("done").unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn new_jobs_are_validated() {
        let ok = NewJob::new("q", "k", Value::Null);
        assert!(ok.validate().is_ok());
        for bad in [
            NewJob::new("", "k", Value::Null),
            NewJob::new("q".repeat(65), "k", Value::Null),
            NewJob::new("q", "", Value::Null),
            ok.clone().max_attempts(0),
            ok.clone().idempotency_key(""),
            ok.clone().idempotency_key("k".repeat(201)),
        ] {
            assert_eq!(bad.validate().unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad:?}");
        }
    }
}
