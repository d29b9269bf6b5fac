//! Backends for the storage tests. Databases: a fresh SQLite file, and a fresh
//! database on each server `make test` started (PostgreSQL, MariaDB), so tests
//! running in parallel never see each other's rows. Blob stores: the S3 (moto) and
//! Azure (azurite) emulators under a fresh prefix. `FOTOBASE_REQUIRE_DATABASES` /
//! `FOTOBASE_REQUIRE_EMULATORS` (set by `make test`) turn a missing server into a
//! failure instead of a skip.

#![allow(dead_code)]

use fotobase_store::db::{Db, DbBackend};
use sqlx::Executor as _;

/// Migrated, empty databases: SQLite first, then each configured server.
pub async fn fresh() -> Vec<Db> {
    let mut dbs = Vec::new();
    for url in fresh_urls().await {
        let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
        db.migrate().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        dbs.push(db);
    }
    dbs
}

/// A fresh database of one backend, if that server is available.
pub async fn fresh_of(backend: DbBackend) -> Option<Db> {
    fresh().await.into_iter().find(|db| db.backend() == backend)
}

/// The emulator URL from the environment with a fresh prefix, or `None` (skip) when
/// running outside `make test`.
pub fn emulator_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(format!("{url}-{}", suffix())),
        Err(_) if std::env::var_os("FOTOBASE_REQUIRE_EMULATORS").is_some() => {
            panic!("{var} is not set but FOTOBASE_REQUIRE_EMULATORS is: scripts/emulators.sh did not run")
        }
        Err(_) => {
            eprintln!("skipped: {var} not set (make test starts the emulators)");
            None
        }
    }
}

/// URLs of empty, unmigrated databases (for tests that run other processes on them).
pub async fn fresh_urls() -> Vec<String> {
    let name = format!("fbt_{}", suffix());
    let dir = std::env::temp_dir().join(format!("fotobase-db-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.join("fotobase.db").display())];
    for (var, create) in [
        ("FOTOBASE_TEST_POSTGRES_URL", format!("CREATE DATABASE {name}")),
        ("FOTOBASE_TEST_MYSQL_URL", format!("CREATE DATABASE {name} CHARACTER SET utf8mb4")),
    ] {
        let Some(base) = server_url(var) else { continue };
        let admin = Db::connect(&base).await.unwrap_or_else(|e| panic!("{base}: {e}"));
        admin.pool().execute(create.as_str()).await.unwrap_or_else(|e| panic!("{base}: {e}"));
        admin.close().await;
        let (root, _) = base.rsplit_once('/').expect("database URL has a path");
        urls.push(format!("{root}/{name}"));
    }
    urls
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("FOTOBASE_REQUIRE_DATABASES").is_some() => {
            panic!("{var} is not set but FOTOBASE_REQUIRE_DATABASES is: scripts/databases.sh did not run")
        }
        Err(_) => {
            eprintln!("skipped: {var} not set (make test starts the servers)");
            None
        }
    }
}

/// A name part no other test (or test process) uses.
pub fn suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}_{}_{}", std::process::id(), nanos, N.fetch_add(1, Ordering::Relaxed))
}
