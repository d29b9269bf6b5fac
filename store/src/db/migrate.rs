//! Schema migrations, embedded in the binary: one file per backend and version where the
//! dialects differ (`migrations/<backend>/`), one for all where the SQL is portable
//! (`migrations/portable/`).
//!
//! Applied versions are recorded in `fotobase_schema`. Replicas starting at the
//! same time serialise on an advisory lock (PostgreSQL `pg_advisory_lock`,
//! MySQL `GET_LOCK`; SQLite has a single writer).

use sqlx::{Connection as _, Executor as _, Row as _};

use super::{Db, DbBackend, db_err};
use fotobase::Result;

/// One schema step in the three dialects.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
    pub mysql: &'static str,
}

macro_rules! migration {
    ($version:expr, $file:literal) => {
        Migration {
            version: $version,
            name: $file,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", $file, ".sql")),
            mysql: include_str!(concat!("../../migrations/mysql/", $file, ".sql")),
        }
    };
    ($version:expr, $file:literal, portable) => {
        Migration {
            version: $version,
            name: $file,
            sqlite: include_str!(concat!("../../migrations/portable/", $file, ".sql")),
            postgres: include_str!(concat!("../../migrations/portable/", $file, ".sql")),
            mysql: include_str!(concat!("../../migrations/portable/", $file, ".sql")),
        }
    };
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_auth"),
    migration!(2, "0002_library"),
    migration!(3, "0003_job_outputs", portable),
    migration!(4, "0004_photo_metadata", portable),
    migration!(5, "0005_invites", portable),
    migration!(6, "0006_share_location", portable),
    migration!(7, "0007_quotas", portable),
    migration!(8, "0008_email", portable),
    migration!(9, "0009_audit"),
    migration!(10, "0010_factors", portable),
    migration!(11, "0011_email_change", portable),
    migration!(12, "0012_devices", portable),
    migration!(13, "0013_url_epoch", portable),
];

const LOCK_ID: i64 = 0x666f_746f_6261_7365; // "fotobase"

pub(super) async fn run(db: &Db) -> Result<u32> {
    let mut conn = db.pool.acquire().await.map_err(|e| db_err("cannot get a connection", e))?;
    match db.backend {
        DbBackend::Postgres => {
            conn.execute(sqlx::query(&format!("SELECT pg_advisory_lock({LOCK_ID})")))
                .await
                .map_err(|e| db_err("cannot take the migration lock", e))?;
        }
        DbBackend::MySql => {
            conn.execute("SELECT GET_LOCK('fotobase_migrate', 600)")
                .await
                .map_err(|e| db_err("cannot take the migration lock", e))?;
        }
        DbBackend::Sqlite => {}
    }
    let result = apply(db, &mut conn).await;
    match db.backend {
        DbBackend::Postgres => {
            let _ = conn.execute(sqlx::query(&format!("SELECT pg_advisory_unlock({LOCK_ID})"))).await;
        }
        DbBackend::MySql => {
            let _ = conn.execute("SELECT RELEASE_LOCK('fotobase_migrate')").await;
        }
        DbBackend::Sqlite => {}
    }
    result
}

async fn apply(db: &Db, conn: &mut sqlx::AnyConnection) -> Result<u32> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS fotobase_schema (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await
    .map_err(|e| db_err("cannot create the schema table", e))?;
    let current = current_version(conn).await?;
    let mut applied = current;
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let text = match db.backend {
            DbBackend::Sqlite => m.sqlite,
            DbBackend::Postgres => m.postgres,
            DbBackend::MySql => m.mysql,
        };
        // PostgreSQL and SQLite run DDL in the transaction; MySQL commits DDL as it goes,
        // which is why each migration is small and idempotent in effect.
        let mut tx = conn.begin().await.map_err(|e| db_err("cannot begin a migration", e))?;
        for stmt in statements(text) {
            tx.execute(stmt.as_str()).await.map_err(|e| {
                db_err("migration failed", e).with_context("migration", m.name).with_context("statement", &stmt)
            })?;
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        tx.execute(
            sqlx::query(&db.sql("INSERT INTO fotobase_schema (version, name, applied_at) VALUES (?, ?, ?)"))
                .bind(m.version as i32)
                .bind(m.name)
                .bind(now),
        )
        .await
        .map_err(|e| db_err("cannot record the migration", e))?;
        tx.commit().await.map_err(|e| db_err("cannot commit a migration", e))?;
        applied = m.version;
    }
    Ok(applied)
}

/// The applied schema version; 0 when the database answers but has no schema
/// table yet. A database that does not answer is an error (readiness relies on it:
/// a pooled connection to a stopped server fails its query, and that must not read as 0).
pub(super) async fn version(db: &Db) -> Result<u32> {
    let mut conn = db.pool.acquire().await.map_err(|e| db_err("cannot get a connection", e))?;
    match read_version(&mut conn).await {
        Ok(v) => Ok(v),
        Err(sqlx::Error::Database(e)) if no_such_table(&*e) => Ok(0),
        Err(e) => Err(db_err("cannot read the schema version", e)),
    }
}

/// PostgreSQL's and MySQL's SQLSTATE for a missing table; SQLite has only its message.
fn no_such_table(e: &dyn sqlx::error::DatabaseError) -> bool {
    matches!(e.code().as_deref(), Some("42P01" | "42S02")) || e.message().contains("no such table")
}

async fn current_version(conn: &mut sqlx::AnyConnection) -> Result<u32> {
    read_version(conn).await.map_err(|e| db_err("cannot read the schema version", e))
}

async fn read_version(conn: &mut sqlx::AnyConnection) -> std::result::Result<u32, sqlx::Error> {
    let row = conn.fetch_one("SELECT COALESCE(MAX(version), 0) AS v FROM fotobase_schema").await?;
    let v: i64 = row.try_get::<i64, _>("v").or_else(|_| row.try_get::<i32, _>("v").map(i64::from)).unwrap_or(0);
    Ok(v as u32)
}

/// Split a migration file into statements (no semicolons inside our SQL literals).
fn statements(text: &str) -> Vec<String> {
    let without_comments: String =
        text.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    without_comments.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_and_exist_for_every_backend() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
            let counts = [m.sqlite, m.postgres, m.mysql].map(|t| statements(t).len());
            assert!(counts[0] > 0, "{}", m.name);
            // MySQL may need extra statements (e.g. separate foreign keys), never fewer.
            assert!(counts[0] == counts[1] && counts[2] >= counts[0], "{}: {counts:?}", m.name);
        }
        assert_eq!(statements("-- c\nA;\n\nB ;"), vec!["A".to_string(), "B".to_string()]);
    }

    /// From 0002 on, the dialects may differ only in these column types: the same
    /// tables, columns, keys and indexes everywhere.
    #[test]
    fn dialects_declare_the_same_schema() {
        let normal = |text: &str, types: &[(&str, &str)]| {
            let mut out = statements(text).join(";\n");
            for (from, to) in types {
                out = out.replace(from, to);
            }
            out
        };
        for m in MIGRATIONS.iter().filter(|m| m.version >= 2) {
            let sqlite = normal(m.sqlite, &[("INTEGER PRIMARY KEY AUTOINCREMENT", "ID"), (" REAL ", " DOUBLE ")]);
            let postgres = normal(
                m.postgres,
                &[("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "ID"), (" DOUBLE PRECISION ", " DOUBLE ")],
            );
            let mysql =
                normal(m.mysql, &[("BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY", "ID"), (" MEDIUMTEXT ", " TEXT ")]);
            assert_eq!(sqlite, postgres, "{}", m.name);
            assert_eq!(sqlite, mysql, "{}", m.name);
        }
    }
}
