//! The SQL layer on every database: SQLite (always), PostgreSQL and MariaDB
//! (started by `make test`, which sets `FOTOBASE_REQUIRE_DATABASES` so these
//! cannot be skipped there).

use std::sync::Arc;

use fotobase::ErrorKind;
use fotobase_auth::session::{LoginInfo, SessionConfig, Sessions};
use fotobase_auth::token::{Algorithm, Key, KeySet, TokenConfig, Tokens};
use fotobase_store::db::{Db, DbBackend, MIGRATIONS, SqlSessionStore, SqlThrottleStore};

mod dbs;

async fn databases() -> Vec<Db> {
    dbs::fresh().await
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
async fn repositories_meet_the_contract_on_every_database() {
    for db in databases().await {
        eprintln!("repository conformance on {:?}", db.backend());
        fotobase_testkit::db::run(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_session_store_meets_the_contract_on_every_database() {
    for db in databases().await {
        eprintln!("session conformance on {:?}", db.backend());
        fotobase_testkit::session::run(&SqlSessionStore::new(db)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_throttle_store_meets_the_contract_on_every_database() {
    for db in databases().await {
        eprintln!("throttle conformance on {:?}", db.backend());
        fotobase_testkit::throttle::run(&SqlThrottleStore::new(db)).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_sign_ups_make_exactly_one_admin() {
    use fotobase_store::db::{NewUser, Users};
    for db in databases().await {
        let users = Users::new(db.clone());
        let sign_ups: Vec<_> = (0..8)
            .map(|i| {
                let users = users.clone();
                tokio::spawn(async move {
                    let new = NewUser {
                        email_cipher: format!("c{i}"),
                        email_index: format!("i{i}"),
                        password_hash: "h".into(),
                        display_name: format!("u{i}"),
                    };
                    users.create(&new).await.unwrap()
                })
            })
            .collect();
        let mut admins = 0;
        for s in sign_ups {
            admins += usize::from(s.await.unwrap().is_admin());
        }
        assert_eq!(admins, 1, "{:?}", db.backend());
    }
}

/// Invitations on every database: taken once, not after they expire, given back when the
/// sign-up fails (but not once an account used them).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invitations_are_single_use_and_expire() {
    use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
    use fotobase_store::db::{Invites, NewUser, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let new = NewUser {
            email_cipher: "c".into(),
            email_index: "admin".into(),
            password_hash: "h".into(),
            display_name: "admin".into(),
        };
        let admin = users.create(&new).await.unwrap();
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let invites = Invites::new(db.clone()).with_clock(clock.clone());
        invites.create(admin.id, "a", 60).await.unwrap();
        invites.create(admin.id, "b", 60).await.unwrap();
        invites.take("a").await.unwrap();
        assert_eq!(invites.take("a").await.unwrap_err().kind(), ErrorKind::NotFound, "{backend:?}: used");
        invites.release("a").await.unwrap();
        invites.take("a").await.unwrap();
        invites.used_by("a", admin.id).await.unwrap();
        invites.release("a").await.unwrap();
        assert_eq!(invites.take("a").await.unwrap_err().kind(), ErrorKind::NotFound, "{backend:?}: spent for good");
        assert_eq!(invites.take("nope").await.unwrap_err().kind(), ErrorKind::NotFound);
        clock.advance(61);
        assert_eq!(invites.take("b").await.unwrap_err().kind(), ErrorKind::NotFound, "{backend:?}: expired");
    }
}
