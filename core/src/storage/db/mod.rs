//! Metadata over sqlx: one schema on SQLite (embedded default), PostgreSQL and
//! MariaDB/MySQL, chosen at run time from the database URL.
//!
//! Queries are written once with `?` placeholders and rewritten to `$n` for
//! PostgreSQL; dialect differences live in the per-backend migration files
//! (`core/migrations/<backend>/`). No SQL exists outside this module.

mod migrate;
#[cfg(feature = "auth")]
mod sessions;
#[cfg(feature = "auth")]
mod throttle;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor as _};

pub use migrate::{MIGRATIONS, Migration};
#[cfg(feature = "auth")]
pub use sessions::SqlSessionStore;
#[cfg(feature = "auth")]
pub use throttle::SqlThrottleStore;

use crate::{Error, ErrorKind, Result};

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
        let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
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
            if url == "sqlite::memory:" {
                // Every connection would get its own empty database.
                opts = opts.max_connections(1);
            }
        }
        let pool = opts.connect(&url).await.map_err(|e| db_err("cannot connect to the database", e))?;
        Ok(Db { pool, backend })
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
    pub(crate) fn sql(&self, query: &str) -> String {
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

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn db_err(what: &'static str, e: sqlx::Error) -> Error {
    Error::new(ErrorKind::Unexpected, what).with_source(e)
}
