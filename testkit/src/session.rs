//! The contract every [`SessionStore`] must meet, as an executable suite.
//!
//! Call [`run`] from a test with a fresh (or shared: ids are random) store; it
//! panics with a description of the first broken rule. The memory store runs it
//! in this crate's tests and each SQL store runs it against a real server.

use futures_util::future::join_all;

use fotobase_auth::random_bytes;
use fotobase_auth::session::{RefreshRecord, Session, SessionStore};

fn id(prefix: &str) -> String {
    format!("{prefix}_{}", fotobase_auth::random::hex(&random_bytes(12)))
}

fn session(user: &str, created_at: i64) -> Session {
    Session {
        id: id("ses"),
        user_id: user.to_owned(),
        created_at,
        last_used_at: created_at,
        expires_at: created_at + 1000,
        idle_expires_at: created_at + 100,
        revoked_at: None,
        revoked_reason: None,
        roles: vec!["user".into(), "editor".into()],
        scope: Some("photos:read photos:write".into()),
        user_agent: Some("conformance/1.0 ünïcode".into()),
        ip: Some("2001:db8::1".into()),
    }
}

fn record(session_id: &str, generation: u32, at: i64) -> RefreshRecord {
    RefreshRecord { hash: id("h"), session_id: session_id.to_owned(), generation, issued_at: at, used_at: None }
}

/// Run every check against `store`.
pub async fn run(store: &dyn SessionStore) {
    create_and_read_back(store).await;
    rotate_is_compare_and_set(store).await;
    concurrent_rotation_has_one_winner(store).await;
    revocation(store).await;
    purge_removes_only_dead_sessions(store).await;
}

async fn create_and_read_back(store: &dyn SessionStore) {
    let s = session(&id("usr"), 1_000);
    let r = record(&s.id, 0, 1_000);
    store.create(&s, &r).await.expect("create");
    assert_eq!(store.session(&s.id).await.expect("get").as_ref(), Some(&s), "session reads back unchanged");
    assert_eq!(store.token(&r.hash).await.expect("token").as_ref(), Some(&r), "token reads back unchanged");
    assert_eq!(store.session("ses_missing").await.expect("get missing"), None);
    assert_eq!(store.token("missing").await.expect("token missing"), None);
}

async fn rotate_is_compare_and_set(store: &dyn SessionStore) {
    let s = session(&id("usr"), 2_000);
    let first = record(&s.id, 0, 2_000);
    store.create(&s, &first).await.unwrap();
    let second = record(&s.id, 1, 2_010);
    assert!(store.rotate(&first.hash, &second, 2_010, 2_110).await.unwrap(), "first rotation wins");
    let used = store.token(&first.hash).await.unwrap().expect("old token kept for reuse detection");
    assert_eq!(used.used_at, Some(2_010), "old token marked used");
    assert_eq!(store.token(&second.hash).await.unwrap(), Some(second.clone()), "new token stored");
    let after = store.session(&s.id).await.unwrap().unwrap();
    assert_eq!((after.last_used_at, after.idle_expires_at), (2_010, 2_110), "session times moved");
    assert_eq!(after.expires_at, s.expires_at, "absolute expiry never moves");

    let third = record(&s.id, 1, 2_020);
    assert!(!store.rotate(&first.hash, &third, 2_020, 2_120).await.unwrap(), "a used token cannot rotate again");
    assert_eq!(store.token(&third.hash).await.unwrap(), None, "losing rotation stores nothing");
    assert!(!store.rotate("missing", &third, 2_020, 2_120).await.unwrap(), "unknown token cannot rotate");

    store.revoke(&s.id, 2_030, "test").await.unwrap();
    let fourth = record(&s.id, 2, 2_040);
    assert!(!store.rotate(&second.hash, &fourth, 2_040, 2_140).await.unwrap(), "revoked session cannot rotate");
    assert_eq!(store.token(&second.hash).await.unwrap().unwrap().used_at, None);
}

async fn concurrent_rotation_has_one_winner(store: &dyn SessionStore) {
    let s = session(&id("usr"), 3_000);
    let first = record(&s.id, 0, 3_000);
    store.create(&s, &first).await.unwrap();
    let nexts: Vec<RefreshRecord> = (0..16).map(|_| record(&s.id, 1, 3_001)).collect();
    let results = join_all(nexts.iter().map(|n| store.rotate(&first.hash, n, 3_001, 3_101))).await;
    let wins: Vec<usize> = results.iter().enumerate().filter(|(_, r)| *r.as_ref().unwrap()).map(|(i, _)| i).collect();
    assert_eq!(wins.len(), 1, "exactly one concurrent rotation wins: {results:?}");
    for (i, n) in nexts.iter().enumerate() {
        let stored = store.token(&n.hash).await.unwrap();
        assert_eq!(stored.is_some(), i == wins[0], "only the winner's token exists");
    }
}

async fn revocation(store: &dyn SessionStore) {
    let user = id("usr");
    let a = session(&user, 4_000);
    let b = session(&user, 4_001);
    let c = session(&user, 4_002);
    let other = session(&id("usr"), 4_000);
    for s in [&a, &b, &c, &other] {
        store.create(s, &record(&s.id, 0, s.created_at)).await.unwrap();
    }
    let listed: Vec<String> = store.list_user(&user).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(listed, vec![a.id.clone(), b.id.clone(), c.id.clone()], "list is the user's sessions, oldest first");

    assert!(store.revoke(&a.id, 4_010, "logout").await.unwrap());
    assert!(!store.revoke(&a.id, 4_011, "logout").await.unwrap(), "second revoke reports nothing to do");
    assert!(!store.revoke("ses_missing", 4_011, "logout").await.unwrap());
    let revoked = store.session(&a.id).await.unwrap().unwrap();
    assert_eq!((revoked.revoked_at, revoked.revoked_reason.as_deref()), (Some(4_010), Some("logout")));

    assert_eq!(
        store.revoke_user(&user, Some(&c.id), 4_020, "password_changed").await.unwrap(),
        1,
        "only b is left to revoke"
    );
    let listed: Vec<String> = store.list_user(&user).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(listed, vec![c.id.clone()], "the kept session survives");
    assert_eq!(store.revoke_user(&user, None, 4_030, "logout_all").await.unwrap(), 1);
    assert!(store.list_user(&user).await.unwrap().is_empty());
    assert_eq!(store.list_user(&other.user_id).await.unwrap().len(), 1, "other users untouched");
}

async fn purge_removes_only_dead_sessions(store: &dyn SessionStore) {
    let user = id("usr");
    // Far in the past relative to the other checks' times, so a shared store's
    // other rows are not what this check counts.
    let expired = Session { expires_at: 50, idle_expires_at: 50, ..session(&user, 10) };
    let idle = Session { idle_expires_at: 60, ..session(&user, 10) };
    let revoked = session(&user, 10);
    let live = Session { expires_at: i64::MAX / 2, idle_expires_at: i64::MAX / 2, ..session(&user, 10) };
    let mut tokens = Vec::new();
    for s in [&expired, &idle, &revoked, &live] {
        let r = record(&s.id, 0, 10);
        store.create(s, &r).await.unwrap();
        tokens.push(r);
    }
    store.revoke(&revoked.id, 70, "logout").await.unwrap();
    store.purge(100).await.unwrap();
    for (s, r) in [&expired, &idle, &revoked].into_iter().zip(&tokens) {
        assert_eq!(store.session(&s.id).await.unwrap(), None, "dead session purged");
        assert_eq!(store.token(&r.hash).await.unwrap(), None, "its tokens purged");
    }
    assert!(store.session(&live.id).await.unwrap().is_some(), "live session kept");
    assert!(store.token(&tokens[3].hash).await.unwrap().is_some(), "live token kept");
}
