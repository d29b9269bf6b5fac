//! The SQL layer on every database: SQLite (always), PostgreSQL and MariaDB
//! (started by `make test`, which sets `FOTOBASE_REQUIRE_DATABASES` so these
//! cannot be skipped there).

use std::sync::Arc;

use fotobase::ErrorKind;
use fotobase::auth::session::{self, LoginInfo, SessionConfig, Sessions};
use fotobase::auth::throttle;
use fotobase::auth::token::{Algorithm, Key, KeySet, TokenConfig, Tokens};
use fotobase::storage::db::{Db, DbBackend, MIGRATIONS, SqlSessionStore, SqlThrottleStore};

/// SQLite in a fresh temporary file, plus each server the environment names.
async fn databases() -> Vec<Db> {
    let dir = std::env::temp_dir().join(format!("fotobase-db-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.join("fotobase.db").display())];
    for var in ["FOTOBASE_TEST_POSTGRES_URL", "FOTOBASE_TEST_MYSQL_URL"] {
        match std::env::var(var) {
            Ok(url) => urls.push(url),
            Err(_) if std::env::var_os("FOTOBASE_REQUIRE_DATABASES").is_some() => {
                panic!("{var} is not set but FOTOBASE_REQUIRE_DATABASES is: scripts/databases.sh did not run")
            }
            Err(_) => eprintln!("skipped: {var} not set (make test starts the servers)"),
        }
    }
    let mut dbs = Vec::new();
    for url in urls {
        let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
        db.migrate().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        dbs.push(db);
    }
    dbs
}

fn rand_suffix() -> String {
    fotobase::auth::random_bytes(6).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_database_reaches_the_same_schema_version_and_migrating_again_is_a_no_op() {
    let dbs = databases().await;
    assert_eq!(dbs[0].backend(), DbBackend::Sqlite);
    for db in dbs {
        let latest = MIGRATIONS.last().unwrap().version;
        assert_eq!(db.schema_version().await.unwrap(), latest, "{:?}", db.backend());
        // Replicas starting together: concurrent migrations serialise and agree.
        let runs = futures_join(db.clone()).await;
        assert!(runs.iter().all(|v| *v == latest), "{:?}: {runs:?}", db.backend());
    }
}

async fn futures_join(db: Db) -> Vec<u32> {
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.migrate().await.unwrap() })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_session_store_meets_the_contract_on_every_database() {
    for db in databases().await {
        eprintln!("session conformance on {:?}", db.backend());
        session::conformance::run(&SqlSessionStore::new(db)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_throttle_store_meets_the_contract_on_every_database() {
    for db in databases().await {
        eprintln!("throttle conformance on {:?}", db.backend());
        throttle::conformance::run(&SqlThrottleStore::new(db)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refresh_has_one_winner_on_every_database() {
    for db in databases().await {
        let backend = db.backend();
        let mut keys = KeySet::new();
        keys.insert(Key::generate(Algorithm::EdDSA).unwrap());
        let tokens = Tokens::new(keys, TokenConfig::new("https://auth.fotobase.test", "fotobase-api"));
        let sessions = Sessions::new(Arc::new(SqlSessionStore::new(db)), tokens, SessionConfig::default());
        for round in 0..5 {
            let login = sessions.login(&format!("usr_{round}"), LoginInfo::default()).await.unwrap();
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (s, t) = (sessions.clone(), login.refresh_token.clone());
                    tokio::spawn(async move { s.refresh(&t).await })
                })
                .collect();
            let mut wins = 0;
            for h in handles {
                match h.await.unwrap() {
                    Ok(_) => wins += 1,
                    Err(e) => assert!(
                        matches!(e.kind(), ErrorKind::TokenReused | ErrorKind::TokenInvalid),
                        "{backend:?}: {e}"
                    ),
                }
            }
            assert_eq!(wins, 1, "{backend:?} round {round}: exactly one refresh wins");
            assert!(!sessions.is_active(&login.session.id).await.unwrap(), "{backend:?}: reuse revoked the family");
        }
    }
}

#[tokio::test]
async fn bad_urls_are_clear_errors() {
    assert_eq!(Db::connect("oracle://x").await.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(Db::connect("mysql").await.unwrap_err().kind(), ErrorKind::InvalidArgument);
}
