//! Metadata over sqlx: one schema on SQLite (embedded default), PostgreSQL and
//! MariaDB/MySQL, chosen at run time from the database URL.
//!
//! Queries are written once with `?` placeholders and rewritten to `$n` for
//! PostgreSQL; the few column types that differ are placeholders in the migrations
//! (`store/migrations/`, see `migrate`). No SQL exists outside this module (`ledger` holds the
//! `blobs` table that `storage::media` orders its writes with), except the fault injection
//! of the conformance suites.

/// A repository: the pool plus a clock (tests move time), with `new`, `with_clock` and a `Debug`
/// that prints only its name (never rows or hashes).
macro_rules! repository {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            db: super::Db,
            clock: std::sync::Arc<dyn fotobase_auth::clock::Clock>,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }

        impl $name {
            pub fn new(db: super::Db) -> Self {
                $name { db, clock: std::sync::Arc::new(fotobase_auth::clock::SystemClock) }
            }

            pub fn with_clock(mut self, clock: std::sync::Arc<dyn fotobase_auth::clock::Clock>) -> Self {
                self.clock = clock;
                self
            }
        }
    };
}

mod algorithms;
mod audit;
mod devices;
mod email_tokens;
mod factors;
mod folders;
mod identities;
mod images;
mod invites;
mod ledger;
mod migrate;
mod model;
mod page;
mod passkeys;
pub mod queue;
pub(crate) mod quotas;
mod read;
mod read_pg;
mod sessions;
mod tags;
mod throttle;
mod users;

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection as _, Executor as _, Row as _};

pub use algorithms::AlgorithmRow;
pub use audit::{Audit, AuditEvent, AuditKind, AuditSource};
pub use devices::{DEVICE_DAYS, Device, Devices};
pub use email_tokens::{EmailPurpose, EmailTokens, NewAddress};
pub use factors::{Factors, TotpFactor};
pub use folders::{Folder, FolderFilter, FolderUpdate, Folders, MAX_DEPTH, NewFolder, ShareLink, ShareTarget};
pub use identities::{Identities, Identity};
pub use images::{
    AlgorithmStats, Comparison, Image, ImageFilter, ImageSort, ImageStatus, ImageUpdate, Images, NewImage, NewVersion,
    Stats, Version,
};
pub use invites::{Invite, Invites};
pub(crate) use ledger::Ledger;
pub use migrate::{MIGRATIONS, Migration};
pub use model::{Visibility, displayable, normalize_tags};
pub use page::{MAX_PAGE, Page};
pub use passkeys::{Passkey, Passkeys, SpentChallenges};
pub use queue::{Job, JobCounts, JobFilter, JobQueue, JobState, Lease, NewJob, QueueConfig};
pub use quotas::{QuotaLimits, QuotaRow, Quotas, exceeded as quota_exceeded};
pub use sessions::SqlSessionStore;
pub use throttle::SqlThrottleStore;
pub use users::{ADMIN, NewUser, ProfileUpdate, USER, User, Users};

use fotobase::{Error, ErrorKind, Result};
use model::{Row, Val, bind_all};

/// Which SQL database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbBackend {
    Sqlite,
    Postgres,
    MySql,
}

/// A connection pool plus the dialect it speaks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: DbBackend,
    /// Hot reads of a file-backed SQLite database ([`Db::rows`]).
    readers: Option<Arc<read::Readers>>,
    /// Hot reads of PostgreSQL ([`Db::rows`]).
    pg_readers: Option<Arc<read_pg::PgReaders>>,
}

impl Db {
    /// Connect by URL: `sqlite:///path/fotobase.db` (created if missing),
    /// `sqlite::memory:`, `postgres://…`, `mysql://…` (MariaDB too).
    pub async fn connect(url: &str) -> Result<Db> {
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        let backend = match scheme {
            "sqlite" => DbBackend::Sqlite,
            "postgres" | "postgresql" => DbBackend::Postgres,
            "mysql" | "mariadb" => DbBackend::MySql,
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "unsupported database URL (sqlite, postgres, mysql)",
                )
                .with_context("scheme", other));
            }
        };
        install_default_drivers();
        let mut url = url.replacen("mariadb://", "mysql://", 1);
        // A network database that stops answering turns into `unavailable` errors within
        // seconds (503 + Retry-After at a server), not requests hanging for half a minute;
        // SQLite waits longer, for its single writer.
        let acquire = if backend == DbBackend::Sqlite { 30 } else { 8 };
        // A connection is checked with a ping before it is lent only when it sat idle for a while
        // (HikariCP's rule): a busy server's connections were just used, and a ping per query
        // was a third of a list request's round trips; one that slept through a database restart
        // is still caught before it fails a request.
        let mut opts = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(acquire))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_millis(500) || outage::suspected() {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        if backend == DbBackend::Sqlite {
            if url != "sqlite::memory:" && !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
            // One writer at a time is SQLite's model; WAL lets readers proceed.
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
            // One connection: SQLite lets one writer in at a time, and writers that meet its
            // lock wait in its busy handler, which sleeps (1, 2, 5, 10 … 100 ms) instead of
            // waking when the lock frees; queued on the pool they are woken in turn at once.
            // Hot reads go through `read` beside it; an in-memory database could not have
            // more than one anyway (every connection would get its own empty database).
            opts = opts.max_connections(1);
        }
        let pool = opts.connect(&url).await.map_err(|e| db_err("cannot connect to the database", e))?;
        let readers = match backend {
            DbBackend::Sqlite if url != "sqlite::memory:" => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|e| db_err("cannot read the SQLite URL", e))?;
                Some(Arc::new(read::Readers::new(options.get_filename().to_owned())))
            }
            _ => None,
        };
        let pg_readers = match backend {
            DbBackend::Postgres => {
                let options = sqlx::postgres::PgConnectOptions::from_str(&url)
                    .map_err(|e| db_err("cannot read the PostgreSQL URL", e))?;
                Some(Arc::new(read_pg::PgReaders::new(options)))
            }
            _ => None,
        };
        Ok(Db { pool, backend, readers, pg_readers })
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Bring the schema up to the newest migration (safe to call from many replicas at once).
    pub async fn migrate(&self) -> Result<u32> {
        migrate::run(self).await
    }

    /// The schema version the database is at (0 before any migration).
    pub async fn schema_version(&self) -> Result<u32> {
        migrate::version(self).await
    }

    /// `?` placeholders in this backend's syntax.
    #[doc(hidden)] // the conformance suites inject faults with raw statements
    pub fn sql(&self, query: &str) -> String {
        if self.backend != DbBackend::Postgres {
            return query.to_owned();
        }
        let mut out = String::with_capacity(query.len() + 8);
        let mut n = 0;
        for c in query.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Run a read-only query (placeholders already in this backend's syntax) and hand each row
    /// to `each`: on a file-backed SQLite database on this thread (`read.rs`), elsewhere
    /// through the pool.
    pub(crate) async fn rows(
        &self,
        sql: &str,
        vals: &[Val],
        what: &'static str,
        mut each: impl FnMut(Row<'_>) -> Result<()>,
    ) -> Result<()> {
        if let Some(readers) = &self.readers {
            return readers.rows(sql, vals, what, each);
        }
        if let Some(readers) = &self.pg_readers {
            return readers.rows(sql, vals, what, each).await;
        }
        let rows = bind_all(sqlx::query(sql), vals).fetch_all(&self.pool).await.map_err(|e| db_err(what, e))?;
        rows.iter().try_for_each(|row| each(Row::Any(row)))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Db {
    /// A new transaction.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        self.pool.begin().await.map_err(|e| db_err("cannot begin", e))
    }

    /// `sql` (an INSERT into a table with an `id` key) made to hand back the new id;
    /// run it with [`Db::inserted_id`].
    pub(crate) fn insert_sql(&self, sql: &str) -> String {
        match self.backend {
            DbBackend::MySql => self.sql(sql),
            _ => self.sql(&format!("{sql} RETURNING id")),
        }
    }

    /// Run an INSERT made by [`Db::insert_sql`] and return the generated id.
    pub(crate) async fn inserted_id<'q, 'e, E>(&self, exec: E, query: AnyQuery<'q>) -> Result<i64>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let what = "cannot insert row";
        match self.backend {
            DbBackend::MySql => {
                let done = query.execute(exec).await.map_err(|e| db_err(what, e))?;
                done.last_insert_id().ok_or_else(|| Error::new(ErrorKind::Unexpected, "no id was generated"))
            }
            _ => {
                let row = query.fetch_one(exec).await.map_err(|e| db_err(what, e))?;
                row.try_get::<i64, _>("id").map_err(|e| db_err(what, e))
            }
        }
    }

    /// `CAST(expr AS <64-bit integer>)`: sums are NUMERIC/DECIMAL on PostgreSQL and
    /// MySQL, which the Any driver cannot decode.
    pub(crate) fn int(&self, expr: &str) -> String {
        match self.backend {
            DbBackend::MySql => format!("CAST({expr} AS SIGNED)"),
            _ => format!("CAST({expr} AS BIGINT)"),
        }
    }

    /// ` FOR UPDATE` where the database has row locks (SQLite serialises writers instead).
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            DbBackend::Sqlite => "",
            _ => " FOR UPDATE",
        }
    }
}

/// A transaction on the pool, for the writes `storage::media` orders against the blob store.
pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// A query with `Any` arguments, as built by `sqlx::query`.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// A large-text column: MySQL's TEXT types arrive as bytes through the Any driver.
pub(crate) fn text(row: &sqlx::any::AnyRow, column: &str) -> Result<String> {
    match row.try_get::<String, _>(column) {
        Ok(s) => Ok(s),
        Err(_) => {
            let bytes: Vec<u8> = row.try_get(column).map_err(|e| db_err("bad text column", e))?;
            String::from_utf8(bytes)
                .map_err(|e| Error::new(ErrorKind::Unexpected, "text column is not UTF-8").with_source(e))
        }
    }
}

/// [`text`] for a nullable column.
pub(crate) fn text_opt(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<String>> {
    match row.try_get::<Option<String>, _>(column) {
        Ok(s) => Ok(s),
        Err(_) => {
            let bytes: Option<Vec<u8>> = row.try_get(column).map_err(|e| db_err("bad text column", e))?;
            bytes
                .map(|b| {
                    String::from_utf8(b)
                        .map_err(|e| Error::new(ErrorKind::Unexpected, "text column is not UTF-8").with_source(e))
                })
                .transpose()
        }
    }
}

/// Run `op` again (up to 5 times, with a short growing pause) when it failed on a
/// deadlock or serialisation failure: the loser's transaction was rolled back, so
/// redoing it is safe.
pub(crate) async fn retrying<T, E, F, Fut>(op: F) -> std::result::Result<T, E>
where
    F: Fn() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
    E: std::error::Error + 'static,
{
    let mut tries = 0;
    loop {
        match op().await {
            Err(e) if tries < 5 && is_retryable(&e) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(2 << tries)).await;
            }
            done => return done,
        }
    }
}

/// The database error in `e` or its sources, if any.
fn sqlx_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a dyn sqlx::error::DatabaseError> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(sqlx::Error::Database(d)) = err.downcast_ref::<sqlx::Error>() {
            return Some(d.as_ref());
        }
        cur = err.source();
    }
    None
}

/// Is this (a `sqlx::Error` or a fotobase error caused by one) a unique-key
/// violation (PostgreSQL 23505, MySQL 1062, SQLite 2067/1555)?
pub(crate) fn is_unique_violation(e: &(dyn std::error::Error + 'static)) -> bool {
    sqlx_error(e).is_some_and(|d| {
        matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation)
            || matches!(d.code().as_deref(), Some("23505" | "1062" | "2067" | "1555"))
    })
}

/// Is this a deadlock or serialisation failure worth retrying the transaction for
/// (PostgreSQL 40001/40P01, MySQL 1213/1205, SQLite busy 5/517)?
pub(crate) fn is_retryable(e: &(dyn std::error::Error + 'static)) -> bool {
    sqlx_error(e)
        .is_some_and(|d| matches!(d.code().as_deref(), Some("40001" | "40P01" | "1213" | "1205" | "5" | "517")))
}

pub(crate) fn db_err(what: &'static str, e: sqlx::Error) -> Error {
    let unreachable = is_unreachable(&e);
    if unreachable {
        outage::noticed();
    }
    let kind = if unreachable { ErrorKind::Unavailable } else { ErrorKind::Unexpected };
    Error::new(kind, what).with_source(e)
}

/// After a database said it cannot be reached (a restart ends every connection), every
/// connection is pinged before it is used for a few seconds, whatever its idle time: the
/// connections the outage ended are weeded out then, instead of each failing one request.
pub(crate) mod outage {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    const SUSPECT_MS: u64 = 5_000;
    static NOTICED_MS: AtomicU64 = AtomicU64::new(0);

    fn now_ms() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
    }

    pub(crate) fn noticed() {
        NOTICED_MS.store(now_ms(), Ordering::Relaxed);
    }

    pub(crate) fn suspected() -> bool {
        now_ms().saturating_sub(NOTICED_MS.load(Ordering::Relaxed)) < SUSPECT_MS
    }
}

/// Errors that say the database cannot be reached now rather than that the statement is
/// wrong: no connection (refused, reset, timed out, pool exhausted or closed), or the server
/// shutting down or starting (SQLSTATE class 08 and 57P0x): callers may retry later.
fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P0")),
        _ => false,
    }
}
