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

/// An account to register, named `name` (its e-mail index too).
fn account(name: &str) -> fotobase_store::db::NewUser {
    fotobase_store::db::NewUser {
        email_cipher: "c".into(),
        email_index: name.into(),
        password_hash: "h".into(),
        display_name: name.into(),
    }
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

/// The one foreign key of the schema holds everywhere, MySQL included (which ignores a column's
/// REFERENCES, so the migration declares it on the table): a refresh token needs its session and
/// goes when the session is deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_go_with_their_session_on_every_database() {
    for db in databases().await {
        let run = |q: &str| {
            let (q, pool) = (db.sql(q), db.pool().clone());
            async move { sqlx::query(&q).execute(&pool).await.map(|r| r.rows_affected()) }
        };
        let orphan =
            run("INSERT INTO refresh_tokens (hash, session_id, generation, issued_at) VALUES ('h0', 'none', 0, 0)")
                .await;
        assert!(orphan.is_err(), "{:?}: a token without a session was stored", db.backend());
        run("INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, idle_expires_at, roles) \
             VALUES ('s1', 'u1', 0, 0, 9, 9, '')")
        .await
        .unwrap();
        run("INSERT INTO refresh_tokens (hash, session_id, generation, issued_at) VALUES ('h1', 's1', 0, 0)")
            .await
            .unwrap();
        assert_eq!(run("DELETE FROM sessions WHERE id = 's1'").await.unwrap(), 1);
        assert_eq!(
            run("DELETE FROM refresh_tokens").await.unwrap(),
            0,
            "{:?}: the token outlived its session",
            db.backend()
        );
    }
}

/// Readiness reads the schema version: a database that answers without the schema
/// table is version 0 on every backend, and only that (a stopped one is an error,
/// checked end to end by the server's PostgreSQL restart test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_without_the_schema_is_version_zero() {
    for url in dbs::fresh_urls().await {
        let db = Db::connect(&url).await.unwrap();
        assert_eq!(db.schema_version().await.unwrap(), 0, "{:?}", db.backend());
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

/// Racing first sign-ups on a server closed to everyone else: exactly one account is made (the
/// admin); the others are `conflict` and leave nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_first_accounts_make_exactly_one() {
    use fotobase_store::db::Users;
    for db in databases().await {
        let users = Users::new(db.clone());
        let sign_ups: Vec<_> = (0..8)
            .map(|i| {
                let users = users.clone();
                tokio::spawn(async move { users.create_first(&account(&format!("first{i}"))).await })
            })
            .collect();
        let mut made = Vec::new();
        for s in sign_ups {
            match s.await.unwrap() {
                Ok(user) => made.push(user),
                Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict, "{:?}: {e}", db.backend()),
            }
        }
        assert_eq!(made.len(), 1, "{:?}", db.backend());
        assert!(made[0].is_admin());
        assert_eq!(users.list(None, 10).await.unwrap().items.len(), 1, "{:?}: the others left nothing", db.backend());
        assert_eq!(users.create_first(&account("late")).await.unwrap_err().kind(), ErrorKind::Conflict);
    }
}

/// Invitations on every database: taken once, not after they expire, given back when the
/// sign-up fails (but not once an account used them).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invitations_are_single_use_and_expire() {
    use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
    use fotobase_store::db::{Invites, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let admin = users.create(&account("admin")).await.unwrap();
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
        // Listed newest first; an unused one can be withdrawn, a used one stays on record.
        invites.create(admin.id, "c", 60).await.unwrap();
        let listed = invites.list(10).await.unwrap();
        assert_eq!(listed.iter().map(|i| i.code_hash.as_str()).collect::<Vec<_>>(), ["c", "a", "b"], "{backend:?}");
        assert_eq!((listed[1].used_by, listed[2].used_at), (Some(admin.id), None), "{backend:?}");
        assert_eq!(invites.list(1).await.unwrap().len(), 1);
        assert!(!invites.revoke("a").await.unwrap(), "{backend:?}: used");
        assert!(invites.revoke("c").await.unwrap(), "{backend:?}");
        assert_eq!(invites.take("c").await.unwrap_err().kind(), ErrorKind::NotFound, "{backend:?}: revoked");
        assert_eq!(invites.list(10).await.unwrap().len(), 2, "{backend:?}");
    }
}

/// Provider identities on every database: a subject signs in to one account, an account links a
/// provider once, unlinking frees both, and they go with the account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identities_link_each_subject_to_one_account() {
    use fotobase_store::db::{Identities, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        let ids = Identities::new(db.clone());
        assert_eq!(ids.account_of("google", "s1").await.unwrap(), None, "{backend:?}");
        ids.link("google", "s1", ann.id).await.unwrap();
        assert_eq!(ids.account_of("google", "s1").await.unwrap(), Some(ann.id), "{backend:?}");
        let taken = ids.link("google", "s1", bob.id).await.unwrap_err();
        assert_eq!(taken.kind(), ErrorKind::AlreadyExists, "{backend:?}: another account");
        let twice = ids.link("google", "s2", ann.id).await.unwrap_err();
        assert_eq!(twice.kind(), ErrorKind::AlreadyExists, "{backend:?}: one subject per provider and account");
        // The same subject string at another provider is another person.
        ids.link("keycloak", "s1", bob.id).await.unwrap();
        ids.link("keycloak-2", &"x".repeat(255), ann.id).await.unwrap();
        let listed: Vec<String> = ids.of_user(ann.id).await.unwrap().into_iter().map(|i| i.provider).collect();
        assert_eq!(listed, ["google", "keycloak-2"], "{backend:?}");
        assert!(ids.unlink(ann.id, "google").await.unwrap(), "{backend:?}");
        assert!(!ids.unlink(ann.id, "google").await.unwrap(), "{backend:?}");
        ids.link("google", "s1", bob.id).await.unwrap();
        users.delete(bob.id).await.unwrap();
        assert_eq!(ids.account_of("keycloak", "s1").await.unwrap(), None, "{backend:?}: gone with the account");
        assert_eq!(ids.account_of("google", "s1").await.unwrap(), None, "{backend:?}");
    }
}

/// Passkeys on every database: found by credential id (ids longer than an index allows too),
/// registered once, the counter moved forward by one of two racing sign-ins, removed by their
/// holder only, gone with the account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passkeys_are_found_by_credential_and_counted_once() {
    use fotobase_store::db::{Passkeys, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        let keys = Passkeys::new(db.clone());
        let long_id = "A".repeat(1364);
        let pk = keys.add(ann.id, &long_id, "cose", 0, "Laptop").await.unwrap();
        assert_eq!((pk.user_id, pk.name.as_str(), pk.last_used_at), (ann.id, "Laptop", None), "{backend:?}");
        let dup = keys.add(bob.id, &long_id, "cose2", 0, "Mine").await.unwrap_err();
        assert_eq!(dup.kind(), ErrorKind::AlreadyExists, "{backend:?}");
        assert_eq!(keys.by_credential(&long_id).await.unwrap().map(|p| p.id), Some(pk.id), "{backend:?}");
        assert_eq!(keys.by_credential("other").await.unwrap(), None);
        assert!(keys.used(pk.id, 0, 5).await.unwrap(), "{backend:?}");
        assert!(!keys.used(pk.id, 0, 6).await.unwrap(), "{backend:?}: the count it was read at moved on");
        let now = keys.get(ann.id, pk.id).await.unwrap().unwrap();
        assert_eq!(now.sign_count, 5);
        assert!(now.last_used_at.is_some());
        assert!(!keys.remove(bob.id, pk.id).await.unwrap(), "{backend:?}: not bob's");
        keys.add(ann.id, "second", "cose", 0, "Phone").await.unwrap();
        assert_eq!(keys.of_user(ann.id).await.unwrap().len(), 2, "{backend:?}");
        assert!(keys.remove(ann.id, pk.id).await.unwrap());
        users.delete(ann.id).await.unwrap();
        assert_eq!(keys.by_credential("second").await.unwrap(), None, "{backend:?}: gone with the account");
        // Challenges are spent once; expired ones are forgotten.
        let clock = Arc::new(fotobase_auth::clock::ManualClock::new(1_000));
        let spent = fotobase_store::db::SpentChallenges::new(db.clone()).with_clock(clock.clone());
        assert!(spent.spend("c1", 1_300).await.unwrap(), "{backend:?}");
        assert!(!spent.spend("c1", 1_300).await.unwrap(), "{backend:?}: twice");
        clock.advance(301);
        assert!(spent.spend("c2", 1_600).await.unwrap());
        assert!(spent.spend("c1", 1_600).await.unwrap(), "{backend:?}: forgotten once expired");
    }
}

/// Quotas on every database: stored bytes are a running total that originals and versions add
/// to and deletions give back, checked in the storing transaction (of uploads racing for the
/// last room, only those that fit are stored); an account's own limit wins over the default;
/// uploads per minute count in a window that a minute later starts again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quotas_keep_the_running_total() {
    use bytes::Bytes;
    use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
    use fotobase_store::blob::BlobStore;
    use fotobase_store::db::{NewImage, NewVersion, QuotaLimits, Quotas, Users};
    use fotobase_store::media::{Media, MediaConfig};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        let media = Media::new(db.clone(), BlobStore::from_url("memory://").unwrap())
            .with_config(MediaConfig { default_quota_bytes: Some(100), ..MediaConfig::default() });
        let quotas = Quotas::new(db.clone());
        let image = |owner: i64| NewImage {
            owner_id: owner,
            name: "a.jpg".into(),
            format: "jpeg".into(),
            width: 1,
            height: 1,
            orientation: 1,
            ..Default::default()
        };
        let bytes = |n: usize, seed: u8| Bytes::from(vec![seed; n]);
        let first = media.upload(&image(ann.id), &bytes(40, 1)).await.unwrap();
        media.upload(&image(ann.id), &bytes(40, 2)).await.unwrap();
        let full = media.upload(&image(ann.id), &bytes(40, 3)).await.unwrap_err();
        assert_eq!((full.kind(), full.code()), (ErrorKind::QuotaExceeded, "quota_exceeded"), "{backend:?}");
        assert_eq!(quotas.get(ann.id).await.unwrap().bytes_used, 80, "{backend:?}: a refused upload adds nothing");
        // Six uploads of 15 bytes race for the last 20: exactly one fits.
        let racers = (0..6u8).map(|i| {
            let (media, new) = (media.clone(), image(ann.id));
            tokio::spawn(async move { media.upload(&new, &Bytes::from(vec![10 + i; 15])).await.is_ok() })
        });
        let stored = futures_util::future::join_all(racers).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
        assert_eq!(stored, 1, "{backend:?}");
        assert_eq!(quotas.get(ann.id).await.unwrap().bytes_used, 95, "{backend:?}");
        // Versions count; another account is untouched.
        let version = NewVersion {
            image_id: first.id,
            algorithm: "mozjpeg".into(),
            params: serde_json::json!({}),
            format: "jpeg".into(),
            width: 1,
            height: 1,
            metrics: serde_json::json!({}),
            job_id: None,
        };
        assert_eq!(media.add_version(&version, &bytes(10, 30)).await.unwrap_err().kind(), ErrorKind::QuotaExceeded);
        media.add_version(&version, &bytes(5, 31)).await.unwrap();
        assert_eq!(quotas.get(ann.id).await.unwrap().bytes_used, 100, "{backend:?}");
        assert_eq!(quotas.get(bob.id).await.unwrap().bytes_used, 0, "{backend:?}");
        // Deleting the image gives back it and its version; an own limit wins over the default.
        media.delete_image(first.id).await.unwrap();
        assert_eq!(quotas.get(ann.id).await.unwrap().bytes_used, 55, "{backend:?}");
        let own = QuotaLimits { max_bytes: Some(1000), max_queued_jobs: None, uploads_per_minute: Some(2) };
        assert_eq!(quotas.set(ann.id, &own).await.unwrap().own, own, "{backend:?}");
        let later = Arc::new(ManualClock::new(SystemClock.now() + 120)); // past the minute of the uploads above
        let media = media.with_clock(later.clone());
        media.upload(&image(ann.id), &bytes(500, 40)).await.unwrap();
        assert_eq!(quotas.get(ann.id).await.unwrap().bytes_used, 555, "{backend:?}");

        // Uploads per minute: `Media` counts each original in the transaction that stores it (a
        // refused one counts nothing), `take_upload` for embedders that store elsewhere, and
        // `upload_room` reads whether there is room before a body is read.
        let quotas = quotas.with_clock(later.clone());
        let limited = media.clone().with_config(MediaConfig {
            default_quota_bytes: Some(100_000),
            default_uploads_per_minute: Some(3),
            ..MediaConfig::default()
        });
        let full = |r: fotobase::Result<_>| {
            let e = r.expect_err("refused");
            assert_eq!(e.kind(), ErrorKind::QuotaExceeded, "{backend:?}: {e}");
            assert!(e.retry_after().is_some_and(|d| (1..=60).contains(&d.as_secs())), "{e}");
        };
        limited.upload(&image(bob.id), &bytes(1, 50)).await.unwrap();
        quotas.take_upload(bob.id, Some(3)).await.unwrap();
        assert!(quotas.upload_room(&quotas.get(bob.id).await.unwrap(), Some(3)).is_ok(), "{backend:?}");
        limited.upload(&image(bob.id), &bytes(1, 51)).await.unwrap();
        full(quotas.upload_room(&quotas.get(bob.id).await.unwrap(), Some(3)));
        full(limited.upload(&image(bob.id), &bytes(1, 52)).await.map(drop));
        assert_eq!(quotas.get(bob.id).await.unwrap().bytes_used, 2, "{backend:?}: the refused upload stored nothing");
        // Ann's own rate (2) wins over the default: one upload above already counts.
        limited.upload(&image(ann.id), &bytes(1, 53)).await.unwrap();
        full(limited.upload(&image(ann.id), &bytes(1, 54)).await.map(drop));
        full(quotas.take_upload(ann.id, Some(100)).await);
        later.advance(61);
        limited.upload(&image(bob.id), &bytes(1, 55)).await.unwrap();
        quotas.take_upload(ann.id, Some(100)).await.unwrap();
        quotas.take_upload(ann.id, Some(100)).await.unwrap();
        full(quotas.take_upload(ann.id, Some(100)).await);
    }
}

/// E-mail links on every database: spent once, for their purpose only, not after they expire;
/// a newer link of the same purpose retires the older; peeking spends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn email_tokens_are_single_use_per_purpose() {
    use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
    use fotobase_store::db::{EmailPurpose, EmailTokens, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let ann = users.create(&account("ann")).await.unwrap();
        assert_eq!(ann.email_verified_at, None);
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let tokens = EmailTokens::new(db.clone()).with_clock(clock.clone());
        tokens.create(ann.id, EmailPurpose::Reset, "r1", 60).await.unwrap();
        tokens.create(ann.id, EmailPurpose::Verify, "v1", 60).await.unwrap();
        assert_eq!(tokens.take(EmailPurpose::Verify, "r1").await.unwrap_err().kind(), ErrorKind::TokenInvalid);
        assert_eq!(tokens.peek(EmailPurpose::Reset, "r1").await.unwrap(), ann.id, "{backend:?}");
        assert_eq!(tokens.take(EmailPurpose::Reset, "r1").await.unwrap(), ann.id, "{backend:?}");
        assert!(tokens.take(EmailPurpose::Reset, "r1").await.is_err(), "{backend:?}: spent");
        tokens.create(ann.id, EmailPurpose::Reset, "r2", 60).await.unwrap();
        tokens.create(ann.id, EmailPurpose::Reset, "r3", 60).await.unwrap();
        assert!(tokens.peek(EmailPurpose::Reset, "r2").await.is_err(), "{backend:?}: retired by r3");
        clock.advance(61);
        assert!(tokens.take(EmailPurpose::Reset, "r3").await.is_err(), "{backend:?}: expired");
        assert_eq!(tokens.take(EmailPurpose::Verify, "v1").await.unwrap_err().kind(), ErrorKind::TokenInvalid);
        let verified = users.set_email_verified(ann.id).await.unwrap();
        assert!(verified.email_verified_at.is_some(), "{backend:?}");
        users.delete(ann.id).await.unwrap();
    }
}

/// A change of address on every database: the link carries the new address, is spent once (a
/// newer change link retires it), the move retires every link still out, and moving onto an
/// address another account holds is
/// `already_exists` with nothing changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_of_address_waits_for_its_link() {
    use fotobase_store::db::{EmailPurpose, EmailTokens, NewAddress, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        let tokens = EmailTokens::new(db.clone());
        let to =
            |name: &str| NewAddress { email_cipher: format!("cipher-{name}"), email_index: format!("index-{name}") };
        tokens.create_change(ann.id, "c1", 60, &to("ann2")).await.unwrap();
        tokens.create_change(ann.id, "c2", 60, &to("ann3")).await.unwrap();
        assert!(tokens.take_change("c1").await.is_err(), "{backend:?}: retired by c2");
        assert_eq!(tokens.take(EmailPurpose::Reset, "c2").await.unwrap_err().kind(), ErrorKind::TokenInvalid);
        let (user, address) = tokens.take_change("c2").await.unwrap();
        assert_eq!((user, &address), (ann.id, &to("ann3")), "{backend:?}");
        assert!(tokens.take_change("c2").await.is_err(), "{backend:?}: spent");
        // A verification token carries no address and is never a change link.
        tokens.create(ann.id, EmailPurpose::Verify, "v1", 60).await.unwrap();
        assert_eq!(tokens.take_change("v1").await.unwrap_err().kind(), ErrorKind::TokenInvalid);

        tokens.create(ann.id, EmailPurpose::Reset, "r1", 60).await.unwrap();
        let moved = users.change_email(ann.id, &address).await.unwrap();
        assert!(tokens.take(EmailPurpose::Reset, "r1").await.is_err(), "{backend:?}: links out before the move");
        assert_eq!((moved.email_index.as_str(), moved.email_cipher.as_str()), ("index-ann3", "cipher-ann3"));
        assert!(moved.email_verified_at.is_some(), "{backend:?}: following the link proved the mailbox");
        assert_eq!(users.by_email_index("index-ann3").await.unwrap().map(|u| u.id), Some(ann.id));
        assert!(
            users.by_email_index(&ann.email_index).await.unwrap().is_none(),
            "{backend:?}: the old address is free"
        );
        let taken = NewAddress { email_cipher: "x".into(), email_index: bob.email_index.clone() };
        assert_eq!(users.change_email(ann.id, &taken).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
        assert_eq!(users.get(ann.id).await.unwrap().email_index, "index-ann3", "{backend:?}: unchanged");
        users.delete(ann.id).await.unwrap();
        users.delete(bob.id).await.unwrap();
    }
}

/// Device cookies on every database: a known device answers with its account until it expires;
/// "remember" sets when it may skip the second factor, a later sign-in without it keeps that;
/// forgetting an account's devices forgets only its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn devices_are_known_until_forgotten_or_expired() {
    use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
    use fotobase_store::db::{DEVICE_DAYS, Device, Devices, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let devices = Devices::new(db.clone()).with_clock(clock.clone());
        devices.add(ann.id, "d1", None).await.unwrap();
        devices.add(ann.id, "d2", Some(clock.now() + 60)).await.unwrap();
        devices.add(bob.id, "d3", None).await.unwrap();
        assert_eq!(devices.get("d1").await.unwrap(), Some(Device { user_id: ann.id, second_factor_until: None }));
        assert_eq!(devices.get("nope").await.unwrap(), None, "{backend:?}");
        devices.seen("d1", Some(clock.now() + 30)).await.unwrap();
        devices.seen("d1", None).await.unwrap();
        assert_eq!(
            devices.get("d1").await.unwrap().unwrap().second_factor_until,
            Some(clock.now() + 30),
            "{backend:?}"
        );
        assert_eq!(devices.forget_all(ann.id).await.unwrap(), 2, "{backend:?}");
        assert_eq!(devices.get("d2").await.unwrap(), None, "{backend:?}");
        assert!(devices.get("d3").await.unwrap().is_some(), "{backend:?}: another account's device stays");
        clock.advance(DEVICE_DAYS * 86_400);
        assert_eq!(devices.get("d3").await.unwrap(), None, "{backend:?}: expired");
        users.delete(ann.id).await.unwrap();
        users.delete(bob.id).await.unwrap();
    }
}

/// The URL epoch on every database: 0 for a new account, one more at each revocation, the
/// account's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoking_urls_moves_the_accounts_epoch_on() {
    use fotobase_store::db::Users;
    for db in databases().await {
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        assert_eq!(ann.url_epoch, 0, "{:?}", db.backend());
        assert_eq!(users.revoke_urls(ann.id).await.unwrap(), 1);
        assert_eq!(users.revoke_urls(ann.id).await.unwrap(), 2);
        assert_eq!(users.get(ann.id).await.unwrap().url_epoch, 2);
        assert_eq!(users.url_epoch(ann.id).await.unwrap(), 2);
        assert_eq!(users.get(bob.id).await.unwrap().url_epoch, 0, "{:?}", db.backend());
        users.delete(ann.id).await.unwrap();
        users.delete(bob.id).await.unwrap();
    }
}

/// Second factors on every database: enrolment is confirmed once, a code's time step is taken
/// once even by racing requests, recovery codes are single use, and removal takes both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn second_factors_take_each_code_once() {
    use fotobase_store::db::{Factors, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let ann = users.create(&account("ann")).await.unwrap();
        let factors = Arc::new(Factors::new(db.clone()));
        assert!(factors.totp(ann.id).await.unwrap().is_none());
        factors.begin_totp(ann.id, "cipher-1").await.unwrap();
        factors.begin_totp(ann.id, "cipher-2").await.unwrap();
        let pending = factors.totp(ann.id).await.unwrap().unwrap();
        assert_eq!((pending.secret_cipher.as_str(), pending.enabled_at), ("cipher-2", None), "{backend:?}");
        assert!(!factors.take_totp_step(ann.id, 10).await.unwrap(), "{backend:?}: not confirmed yet");
        let codes: Vec<String> = (0..3).map(|i| format!("hash-{i}")).collect();
        assert!(factors.enable_totp(ann.id, 100, &codes).await.unwrap(), "{backend:?}");
        assert!(!factors.enable_totp(ann.id, 101, &codes).await.unwrap(), "{backend:?}: confirmed once");
        let err = factors.begin_totp(ann.id, "cipher-3").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{backend:?}");
        assert_eq!(factors.totp(ann.id).await.unwrap().unwrap().secret_cipher, "cipher-2");
        assert!(!factors.take_totp_step(ann.id, 100).await.unwrap(), "{backend:?}: the enrolment code again");
        // Eight requests with the same code: exactly one is let in.
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let factors = factors.clone();
                tokio::spawn(async move { factors.take_totp_step(ann.id, 101).await.unwrap() })
            })
            .collect();
        let mut won = 0;
        for r in racers {
            won += usize::from(r.await.unwrap());
        }
        assert_eq!(won, 1, "{backend:?}");
        assert!(!factors.take_totp_step(ann.id, 99).await.unwrap(), "{backend:?}: an older step");
        assert!(factors.take_recovery_code(ann.id, "hash-1").await.unwrap());
        assert!(!factors.take_recovery_code(ann.id, "hash-1").await.unwrap(), "{backend:?}: spent");
        assert_eq!(factors.recovery_codes_left(ann.id).await.unwrap(), 2);
        factors.replace_recovery_codes(ann.id, &["new".to_owned()]).await.unwrap();
        assert!(!factors.take_recovery_code(ann.id, "hash-0").await.unwrap(), "{backend:?}: replaced");
        assert_eq!(factors.recovery_codes_left(ann.id).await.unwrap(), 1);
        assert!(factors.remove_totp(ann.id).await.unwrap());
        assert!(!factors.remove_totp(ann.id).await.unwrap());
        assert_eq!(factors.recovery_codes_left(ann.id).await.unwrap(), 0);
        factors.begin_totp(ann.id, "cipher-4").await.unwrap();
        users.delete(ann.id).await.unwrap();
        assert!(factors.totp(ann.id).await.unwrap().is_none(), "{backend:?}: gone with the account");
    }
}

/// Security events on every database: newest first in pages, each account's own, gone with the
/// account, and purged by age.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_events_page_newest_first_and_purge_by_age() {
    use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
    use fotobase_store::db::{Audit, AuditKind, AuditSource, Users};
    for db in databases().await {
        let backend = db.backend();
        let users = Users::new(db.clone());
        let (ann, bob) = (users.create(&account("ann")).await.unwrap(), users.create(&account("bob")).await.unwrap());
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let audit = Audit::new(db.clone()).with_clock(clock.clone());
        let from = AuditSource { ip: Some("203.0.113.9".into()), user_agent: Some("x".repeat(300)), actor_id: None };
        audit.record(ann.id, AuditKind::SignInFailed, &from).await.unwrap();
        clock.advance(100);
        audit.record(ann.id, AuditKind::SignedIn, &from).await.unwrap();
        audit
            .record(ann.id, AuditKind::Disabled, &AuditSource { actor_id: Some(bob.id), ..Default::default() })
            .await
            .unwrap();
        audit.record(bob.id, AuditKind::SignedIn, &AuditSource::default()).await.unwrap();
        let page = audit.list(ann.id, None, 2).await.unwrap();
        let kinds: Vec<_> = page.items.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [AuditKind::Disabled, AuditKind::SignedIn], "{backend:?}");
        assert_eq!(page.items[0].actor_id, Some(bob.id));
        assert_eq!(page.items[1].user_agent.as_ref().map(String::len), Some(255), "{backend:?}: cut to the column");
        let rest = audit.list(ann.id, page.next_cursor.as_deref(), 2).await.unwrap();
        assert_eq!(rest.items.iter().map(|e| e.kind).collect::<Vec<_>>(), [AuditKind::SignInFailed]);
        assert_eq!(rest.next_cursor, None);
        assert_eq!(audit.purge(clock.now() - 50).await.unwrap(), 1, "{backend:?}: the old failure");
        users.delete(bob.id).await.unwrap();
        assert!(audit.list(bob.id, None, 10).await.unwrap().items.is_empty(), "{backend:?}: gone with the account");
    }
}

/// Reads never wait for a writer and never see its work before it commits, then see it at once:
/// on SQLite the hot reads run on connections of their own (`db/read.rs`), beside sqlx's pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_see_what_is_committed_and_do_not_wait_for_a_writer() {
    use fotobase_store::db::{ProfileUpdate, Users};
    use sqlx::Executor as _;
    for db in databases().await {
        let users = Users::new(db.clone());
        let ann = users.create(&account("reader-ann")).await.unwrap();
        let rename = |name: &str| ProfileUpdate { display_name: Some(name.into()), ..Default::default() };
        users.update_profile(ann.id, &rename("Ann")).await.unwrap();
        assert_eq!(users.get(ann.id).await.unwrap().display_name, "Ann", "{:?}: a write just made", db.backend());

        let mut tx = db.pool().begin().await.unwrap();
        let q = db.sql("UPDATE profiles SET display_name = 'Bea' WHERE user_id = ?");
        tx.execute(sqlx::query(&q).bind(ann.id)).await.unwrap();
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), users.get(ann.id)).await;
        let during = read.expect("a read waited for the writer").unwrap();
        assert_eq!(during.display_name, "Ann", "{:?}: an uncommitted write was seen", db.backend());
        assert_eq!(users.by_email_index("reader-ann").await.unwrap().unwrap().id, ann.id);
        tx.commit().await.unwrap();
        assert_eq!(users.get(ann.id).await.unwrap().display_name, "Bea", "{:?}", db.backend());
    }
}
