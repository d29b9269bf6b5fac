//! The contract every `ThrottleStore` must meet; panics on the first broken rule.
use futures_util::future::join_all;

use fotobase_auth::throttle::ThrottleStore;

/// Run every check against `store` (keys are random, so a shared store is fine).
pub async fn run(store: &dyn ThrottleStore) {
    let key = format!("acct:conformance-{}", fotobase_auth::random::hex(&fotobase_auth::random_bytes(9)));
    assert_eq!(store.get(&key).await.unwrap(), None, "unknown keys have no attempts");
    let a = store.record_failure(&key, 1_000, 0).await.unwrap();
    assert_eq!((a.failures, a.last_failure_at), (1, 1_000));
    let a = store.record_failure(&key, 1_010, 0).await.unwrap();
    assert_eq!((a.failures, a.last_failure_at), (2, 1_010), "failures add up");
    assert_eq!(store.get(&key).await.unwrap(), Some(a));
    let a = store.record_failure(&key, 5_000, 1_010).await.unwrap();
    assert_eq!((a.failures, a.last_failure_at), (1, 5_000), "a failure at or before forget_before is forgotten");
    store.clear(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None, "cleared");
    store.clear(&key).await.expect("clearing twice is fine");

    let results = join_all((0..20).map(|_| store.record_failure(&key, 6_000, 0))).await;
    results.into_iter().for_each(|r| {
        r.expect("concurrent failure");
    });
    assert_eq!(store.get(&key).await.unwrap().unwrap().failures, 20, "concurrent failures all count");
    store.clear(&key).await.unwrap();
}
