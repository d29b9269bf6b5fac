//! The contract of [`JobQueue`] on a database, as an executable suite.
//!
//! Call [`run`] with a migrated database, fresh or shared: queues, keys and owners
//! are random. It panics with a description of the first broken rule. Time is a
//! [`ManualClock`] far in the past (below 200 000), so leases expire and back-off
//! passes without sleeping, and no row written with the real clock is touched.

use std::fmt::Debug;
use std::sync::Arc;

use futures_util::future::join_all;
use serde_json::json;

use fotobase::{ErrorKind, Result};
use fotobase_auth::clock::{Clock as _, ManualClock};
use fotobase_auth::random::{random_bytes, random_hex};
use fotobase_store::db::Db;
use fotobase_store::db::queue::{Job, JobFilter, JobQueue, JobState, Lease, NewJob, QueueConfig};

/// Run every check against `db`.
pub async fn run(db: &Db) {
    enqueue_get_list_counts(db).await;
    idempotency(db).await;
    claim_order(db).await;
    backoff_then_dead_letter(db).await;
    retry_dead_job(db).await;
    cancel(db).await;
    release(db).await;
    heartbeat_and_progress(db).await;
    expired_lease_is_taken_over(db).await;
    abandoned_last_attempt_fails(db).await;
    concurrent_claims_of_one_job(db).await;
    purge(db).await;
    delete_for_owner(db).await;
    queue_isolation(db).await;
}

/// A queue on `db` whose clock reads `now`, and a fresh queue name.
fn setup(db: &Db, now: i64) -> (JobQueue, Arc<ManualClock>, String) {
    let clock = Arc::new(ManualClock::new(now));
    (JobQueue::new(db.clone()).with_clock(clock.clone()), clock, format!("q_{}", random_hex(8)))
}

fn random_owner() -> i64 {
    i64::from_le_bytes(random_bytes(8).try_into().unwrap()) & 0x7fff_ffff_ffff
}

/// The kind of error `r` holds; a success is a violation.
fn kind<T: Debug>(r: Result<T>, what: &str) -> ErrorKind {
    match r {
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
        Err(e) => e.kind(),
    }
}

async fn claim(q: &JobQueue, queue: &str, what: &str) -> Lease {
    q.claim(queue).await.expect("claim").unwrap_or_else(|| panic!("{what}: nothing was claimable"))
}

async fn nothing_claimable(q: &JobQueue, queue: &str, what: &str) {
    if let Some(lease) = q.claim(queue).await.expect("claim") {
        panic!("{what}: claimed job {} ({:?})", lease.job.id, lease.job.kind);
    }
}

/// What an operation returned is what is stored.
async fn stored(q: &JobQueue, job: &Job, what: &str) {
    assert_eq!(&q.get(job.id).await.expect("get"), job, "{what}: the returned job is what get reads back");
}

async fn ids(q: &JobQueue, filter: JobFilter) -> Vec<i64> {
    q.list(&filter).await.expect("list").into_iter().map(|j| j.id).collect()
}

async fn enqueue_get_list_counts(db: &Db) {
    let (q, clock, queue) = setup(db, 10_000);
    let owner = random_owner();
    let payload = json!({"image": 1, "sizes": [64, 256], "name": "ünïcode ✓", "ratio": 0.75});
    let a = q.enqueue(NewJob::new(&queue, "resize", payload.clone()).owner(owner)).await.unwrap();
    assert_eq!(
        (a.queue.as_str(), a.kind.as_str(), a.owner_id, &a.payload),
        (queue.as_str(), "resize", Some(owner), &payload)
    );
    assert_eq!((a.state, a.attempts, a.max_attempts, a.priority, a.run_at), (JobState::Queued, 0, 5, 0, 10_000));
    assert_eq!((a.progress, &a.result, &a.last_error), (0.0, &None, &None), "a new job has no outcome");
    assert_eq!((a.created_at, a.updated_at, a.finished_at, a.lease_expires_at), (10_000, 10_000, None, None));
    stored(&q, &a, "enqueue").await;

    clock.advance(1);
    let b = NewJob::new(&queue, "thumb", json!(null)).priority(3).max_attempts(2).run_at(20_000);
    let b = q.enqueue(b).await.unwrap();
    assert_eq!((b.priority, b.max_attempts, b.run_at, b.owner_id), (3, 2, 20_000, None), "builder values kept");
    stored(&q, &b, "enqueue with options").await;
    let c = q.enqueue(NewJob::new(&queue, "thumb", json!([])).owner(owner)).await.unwrap();
    assert!(a.id < b.id && b.id < c.id, "ids grow: {} {} {}", a.id, b.id, c.id);

    let in_queue = JobFilter { queue: Some(queue.clone()), ..JobFilter::default() };
    assert_eq!(ids(&q, in_queue.clone()).await, [a.id, b.id, c.id], "list by queue, ordered by id");
    let page = JobFilter { limit: 2, ..in_queue.clone() };
    assert_eq!(ids(&q, page.clone()).await, [a.id, b.id], "first page");
    assert_eq!(ids(&q, JobFilter { after_id: Some(b.id), ..page }).await, [c.id], "keyset: next page");
    let mine = JobFilter { owner_id: Some(owner), ..JobFilter::default() };
    assert_eq!(ids(&q, mine.clone()).await, [a.id, c.id], "list by owner");

    let lease = claim(&q, &queue, "first due job").await;
    assert_eq!(lease.job.id, a.id, "b is not due yet; a is older than c");
    let running = JobFilter { state: Some(JobState::Running), ..in_queue.clone() };
    assert_eq!(q.list(&running).await.unwrap(), [lease.job], "the claimed job as stored, found by state");
    let queued = JobFilter { state: Some(JobState::Queued), ..mine };
    assert_eq!(ids(&q, queued).await, [c.id], "owner and state combined");

    let counts = q.counts(Some(&queue), None).await.unwrap();
    assert_eq!((counts.queued, counts.running, counts.succeeded, counts.failed), (2, 1, 0, 0), "counts by queue");
    let counts = q.counts(None, Some(owner)).await.unwrap();
    assert_eq!((counts.queued, counts.running), (1, 1), "counts by owner");
    assert_eq!(q.counts(Some(&queue), Some(owner)).await.unwrap(), counts, "counts by queue and owner");
    assert_eq!(q.counts(Some("q_none"), None).await.unwrap(), Default::default(), "empty queue counts zero");

    assert_eq!(kind(q.get(-1).await, "get missing"), ErrorKind::NotFound);
    for limit in [0, 501] {
        let bad = JobFilter { limit, ..JobFilter::default() };
        assert_eq!(kind(q.list(&bad).await, "list limit"), ErrorKind::InvalidArgument, "limit {limit}");
    }
    let bad = NewJob::new(&queue, "", json!({}));
    assert_eq!(kind(q.enqueue(bad).await, "empty kind"), ErrorKind::InvalidArgument);
}

async fn idempotency(db: &Db) {
    let (q, _clock, queue) = setup(db, 20_000);
    let key = format!("key_{}", random_hex(8));
    let job = |k: &str, n: i32| NewJob::new(&queue, k, json!({ "n": n })).idempotency_key(&key);
    let first = q.enqueue(job("export", 1)).await.unwrap();
    assert_eq!(first.idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(q.enqueue(job("export", 2)).await.unwrap(), first, "same key: the first job, payload and all");

    let lease = claim(&q, &queue, "keyed job").await;
    q.complete(&lease, json!("done")).await.unwrap();
    let again = q.enqueue(job("export", 3)).await.unwrap();
    assert_eq!((again.id, again.state), (first.id, JobState::Succeeded), "a finished job still answers its key");

    let other_kind = q.enqueue(job("import", 1)).await;
    assert_eq!(kind(other_kind, "same key, other kind"), ErrorKind::AlreadyExists);
    let other_queue = NewJob::new(format!("{queue}_b"), "export", json!({})).idempotency_key(&key);
    assert_eq!(kind(q.enqueue(other_queue).await, "same key, other queue"), ErrorKind::AlreadyExists);
    let all = JobFilter { queue: Some(queue.clone()), ..JobFilter::default() };
    assert_eq!(ids(&q, all).await, [first.id], "one job per key");
}

async fn claim_order(db: &Db) {
    let (q, clock, queue) = setup(db, 30_000);
    let add =
        |priority: i32, run_at: i64| q.enqueue(NewJob::new(&queue, "k", json!({})).priority(priority).run_at(run_at));
    let a = add(0, 30_000).await.unwrap();
    let b = add(5, 30_000).await.unwrap();
    let c = add(5, 29_990).await.unwrap();
    let d = add(-1, 10).await.unwrap();
    let e = add(0, 29_000).await.unwrap();
    let f = add(9, 30_010).await.unwrap();
    let g = add(0, 30_000).await.unwrap();
    for (want, why) in [
        (c.id, "highest priority, earliest run_at"),
        (b.id, "highest priority"),
        (e.id, "earlier run_at first"),
        (a.id, "same priority and run_at: lower id first"),
        (g.id, "then the newer one"),
        (d.id, "lowest priority last, however old"),
    ] {
        let lease = claim(&q, &queue, why).await;
        assert_eq!(lease.job.id, want, "claim order: {why}");
        assert_eq!((lease.job.state, lease.job.attempts), (JobState::Running, 1), "claimed job is running");
        assert_eq!((lease.expires_at, lease.job.lease_expires_at), (30_060, Some(30_060)), "lease of lease_secs");
        stored(&q, &lease.job, "claim").await;
    }
    nothing_claimable(&q, &queue, "f is due at 30 010").await;
    clock.set(30_010);
    assert_eq!(claim(&q, &queue, "f now due").await.job.id, f.id, "run_at reached");
}

async fn backoff_then_dead_letter(db: &Db) {
    let (q, clock, queue) = setup(db, 40_000);
    let config = QueueConfig { lease_secs: 60, max_attempts: 5, backoff_base_secs: 5, backoff_max_secs: 30 };
    let q = q.with_config(config);
    let job = q.enqueue(NewJob::new(&queue, "flaky", json!({}))).await.unwrap();
    assert_eq!(job.max_attempts, 5, "the queue's default");
    for (n, delay) in [5, 10, 20, 30].into_iter().enumerate() {
        let lease = claim(&q, &queue, "retry due").await;
        assert_eq!((lease.job.id, lease.job.attempts), (job.id, n as u32 + 1), "attempt counted at claim");
        let now = clock.now();
        let failed = q.fail(&lease, &format!("boom {n}"), true).await.unwrap();
        assert_eq!((failed.state, failed.run_at), (JobState::Queued, now + delay), "back-off after attempt {}", n + 1);
        assert_eq!((failed.last_error.as_deref(), failed.finished_at), (Some(format!("boom {n}").as_str()), None));
        stored(&q, &failed, "fail, retryable").await;
        clock.advance(delay - 1);
        nothing_claimable(&q, &queue, "before the back-off ends").await;
        clock.advance(1);
    }
    let lease = claim(&q, &queue, "last attempt").await;
    assert_eq!(lease.job.attempts, 5);
    let dead = q.fail(&lease, "still broken", true).await.unwrap();
    assert_eq!((dead.state, dead.finished_at), (JobState::Failed, Some(clock.now())), "out of attempts: dead letter");
    assert_eq!(dead.last_error.as_deref(), Some("still broken"));
    stored(&q, &dead, "fail, last attempt").await;
    clock.advance(100_000);
    nothing_claimable(&q, &queue, "a dead job is never claimed").await;

    let fatal = q.enqueue(NewJob::new(&queue, "fatal", json!({}))).await.unwrap();
    let lease = claim(&q, &queue, "fatal").await;
    let long = "é".repeat(100_000);
    let dead = q.fail(&lease, &long, false).await.unwrap();
    assert_eq!((dead.id, dead.state, dead.attempts), (fatal.id, JobState::Failed, 1), "not retryable: dead at once");
    let kept = dead.last_error.as_deref().unwrap();
    assert!(!kept.is_empty() && kept.len() < long.len() && long.starts_with(kept), "long errors are truncated");
    stored(&q, &dead, "fail, not retryable").await;
}

async fn retry_dead_job(db: &Db) {
    let (q, clock, queue) = setup(db, 50_000);
    let job = q.enqueue(NewJob::new(&queue, "once", json!({})).max_attempts(1)).await.unwrap();
    let lease = claim(&q, &queue, "only attempt").await;
    assert_eq!(q.fail(&lease, "nope", true).await.unwrap().state, JobState::Failed, "one attempt, used");
    clock.advance(100);
    let retried = q.retry(job.id).await.unwrap();
    assert_eq!((retried.state, retried.attempts, retried.run_at), (JobState::Queued, 0, 50_100), "back in line now");
    assert_eq!((retried.finished_at, retried.last_error.as_deref()), (None, Some("nope")), "the last error is kept");
    let lease = claim(&q, &queue, "retried job").await;
    assert_eq!((lease.job.id, lease.job.attempts), (job.id, 1), "fresh attempts");
    assert_eq!(kind(q.retry(job.id).await, "retry running"), ErrorKind::Conflict);
    q.complete(&lease, json!(null)).await.unwrap();
    assert_eq!(kind(q.retry(job.id).await, "retry succeeded"), ErrorKind::Conflict);
    assert_eq!(kind(q.retry(-1).await, "retry missing"), ErrorKind::NotFound);
}

async fn cancel(db: &Db) {
    let (q, _clock, queue) = setup(db, 60_000);
    let a = q.enqueue(NewJob::new(&queue, "k", json!({})).priority(1)).await.unwrap();
    let b = q.enqueue(NewJob::new(&queue, "k", json!({}))).await.unwrap();
    let cancelled = q.cancel(a.id).await.unwrap();
    assert_eq!((cancelled.state, cancelled.last_error.as_deref()), (JobState::Failed, Some("cancelled")));
    assert_eq!(cancelled.finished_at, Some(60_000));
    assert_eq!(claim(&q, &queue, "b").await.job.id, b.id, "a cancelled job is not claimed");
    assert_eq!(kind(q.cancel(b.id).await, "cancel running"), ErrorKind::Conflict);
    assert_eq!(kind(q.cancel(a.id).await, "cancel twice"), ErrorKind::Conflict);
    assert_eq!(kind(q.cancel(-1).await, "cancel missing"), ErrorKind::NotFound);
    assert_eq!(q.retry(a.id).await.unwrap().state, JobState::Queued, "a cancelled job can be retried");
}

async fn release(db: &Db) {
    let (q, clock, queue) = setup(db, 70_000);
    let job = q.enqueue(NewJob::new(&queue, "k", json!({}))).await.unwrap();
    let first = claim(&q, &queue, "first").await;
    clock.advance(5);
    q.release(&first).await.unwrap();
    let back = q.get(job.id).await.unwrap();
    assert_eq!((back.state, back.attempts, back.lease_expires_at), (JobState::Queued, 0, None), "not counted");
    assert_eq!(back.run_at, 70_000, "keeps its place in line");
    let second = claim(&q, &queue, "released job").await;
    assert_eq!((second.job.id, second.job.attempts), (job.id, 1), "claimable at once");
    assert_ne!(second.token, first.token, "every claim has a new token");
    assert_eq!(kind(q.release(&first).await, "release twice"), ErrorKind::Conflict);
    assert_eq!(kind(q.complete(&first, json!(1)).await, "complete after release"), ErrorKind::Conflict);
    q.complete(&second, json!(2)).await.unwrap();
}

async fn heartbeat_and_progress(db: &Db) {
    let (q, clock, queue) = setup(db, 80_000);
    q.enqueue(NewJob::new(&queue, "long", json!({}))).await.unwrap();
    let lease = claim(&q, &queue, "long job").await;
    assert_eq!(lease.expires_at, 80_060);
    clock.advance(30);
    let lease = q.heartbeat(&lease, Some(0.25)).await.unwrap();
    assert_eq!((lease.expires_at, lease.job.lease_expires_at, lease.job.progress), (80_090, Some(80_090), 0.25));
    stored(&q, &lease.job, "heartbeat").await;
    clock.advance(40);
    nothing_claimable(&q, &queue, "the heartbeat extended the lease past its first expiry").await;

    for (given, kept) in [(Some(1.7), 1.0), (Some(-0.5), 0.0), (Some(0.5), 0.5), (None, 0.5)] {
        let beat = q.heartbeat(&lease, given).await.unwrap();
        assert_eq!(beat.job.progress, kept, "progress {given:?}");
        assert_eq!(q.get(beat.job.id).await.unwrap().progress, kept, "stored progress {given:?}");
    }
    let nan = q.heartbeat(&lease, Some(f64::NAN)).await;
    assert_eq!(kind(nan, "NaN progress"), ErrorKind::InvalidArgument);

    let done = q.complete(&lease, json!({"bytes": 123, "ratio": 0.5})).await.unwrap();
    assert_eq!((done.state, done.progress, done.finished_at), (JobState::Succeeded, 1.0, Some(80_070)));
    assert_eq!((&done.result, done.lease_expires_at), (&Some(json!({"bytes": 123, "ratio": 0.5})), None));
    stored(&q, &done, "complete").await;
    assert_eq!(kind(q.heartbeat(&lease, None).await, "heartbeat after complete"), ErrorKind::Conflict);
    assert_eq!(kind(q.complete(&lease, json!(0)).await, "complete twice"), ErrorKind::Conflict);
}

async fn expired_lease_is_taken_over(db: &Db) {
    let (q, clock, queue) = setup(db, 90_000);
    let job = q.enqueue(NewJob::new(&queue, "k", json!({})).max_attempts(3)).await.unwrap();
    let old = claim(&q, &queue, "first worker").await;
    clock.advance(60);
    nothing_claimable(&q, &queue, "a lease holds up to and including expires_at").await;
    clock.advance(1);
    let new = claim(&q, &queue, "second worker after expiry").await;
    assert_eq!((new.job.id, new.job.attempts, new.expires_at), (job.id, 2, 90_121), "taken over, attempt counted");
    assert_ne!(new.token, old.token);
    assert_eq!(kind(q.heartbeat(&old, Some(0.9)).await, "old holder heartbeat"), ErrorKind::Conflict);
    assert_eq!(kind(q.complete(&old, json!("stale")).await, "old holder complete"), ErrorKind::Conflict);
    assert_eq!(kind(q.fail(&old, "stale", false).await, "old holder fail"), ErrorKind::Conflict);
    assert_eq!(kind(q.release(&old).await, "old holder release"), ErrorKind::Conflict);
    stored(&q, &new.job, "the old holder changed nothing").await;
    let done = q.complete(&new, json!("fresh")).await.unwrap();
    assert_eq!(done.result, Some(json!("fresh")));
}

async fn abandoned_last_attempt_fails(db: &Db) {
    let (q, clock, queue) = setup(db, 100_000);
    let job = q.enqueue(NewJob::new(&queue, "k", json!({})).max_attempts(1)).await.unwrap();
    let lease = claim(&q, &queue, "only attempt").await;
    clock.advance(61);
    nothing_claimable(&q, &queue, "no attempts left after the lease expired").await;
    let dead = q.get(job.id).await.unwrap();
    assert_eq!((dead.state, dead.last_error.as_deref()), (JobState::Failed, Some("lease expired")), "dead letter");
    assert_eq!((dead.finished_at, dead.lease_expires_at), (Some(100_061), None));
    assert_eq!(kind(q.complete(&lease, json!(1)).await, "complete after dead"), ErrorKind::Conflict);
}

async fn concurrent_claims_of_one_job(db: &Db) {
    let (q, _clock, queue) = setup(db, 105_000);
    q.enqueue(NewJob::new(&queue, "k", json!({}))).await.unwrap();
    let got = join_all((0..8).map(|_| q.claim(&queue))).await;
    let won = got.into_iter().map(|r| r.expect("claim")).filter(Option::is_some).count();
    assert_eq!(won, 1, "one job, one winner");
}

async fn purge(db: &Db) {
    let (q, clock, queue) = setup(db, 100);
    let add = |priority: i32| q.enqueue(NewJob::new(&queue, "k", json!({})).priority(priority));
    let (succeeded, failed, running, queued) =
        (add(0).await.unwrap(), add(0).await.unwrap(), add(0).await.unwrap(), add(-1).await.unwrap());
    q.complete(&claim(&q, &queue, "succeeded").await, json!(1)).await.unwrap();
    q.fail(&claim(&q, &queue, "failed").await, "x", false).await.unwrap();
    assert_eq!(claim(&q, &queue, "running").await.job.id, running.id);
    clock.set(200);
    let late = add(1).await.unwrap();
    assert_eq!(q.complete(&claim(&q, &queue, "late").await, json!(1)).await.unwrap().id, late.id);
    assert_eq!(q.purge_finished(150).await.unwrap(), 2, "finished before 150");
    for gone in [&succeeded, &failed] {
        assert_eq!(kind(q.get(gone.id).await, "purged"), ErrorKind::NotFound);
    }
    for kept in [&running, &queued, &late] {
        assert!(q.get(kept.id).await.is_ok(), "unfinished or later jobs kept");
    }
}

async fn delete_for_owner(db: &Db) {
    let (q, _clock, queue) = setup(db, 110_000);
    let (owner, other) = (random_owner(), random_owner());
    let add = |owner: i64| q.enqueue(NewJob::new(&queue, "k", json!({})).owner(owner));
    let running = add(owner).await.unwrap();
    let lease = claim(&q, &queue, "owner's job").await;
    assert_eq!(lease.job.id, running.id);
    let queued = add(owner).await.unwrap();
    let theirs = add(other).await.unwrap();
    assert_eq!(q.delete_for_owner(owner).await.unwrap(), 2);
    for gone in [&running, &queued] {
        assert_eq!(kind(q.get(gone.id).await, "deleted"), ErrorKind::NotFound);
    }
    assert!(q.get(theirs.id).await.is_ok(), "other owners' jobs kept");
    assert_eq!(kind(q.complete(&lease, json!(1)).await, "complete a deleted job"), ErrorKind::Conflict);
    assert_eq!(q.delete_for_owner(owner).await.unwrap(), 0);
}

async fn queue_isolation(db: &Db) {
    let (q, _clock, a) = setup(db, 120_000);
    let b = format!("{a}_b");
    for _ in 0..3 {
        q.enqueue(NewJob::new(&b, "k", json!({})).priority(100)).await.unwrap();
    }
    let mine = [
        q.enqueue(NewJob::new(&a, "k", json!({}))).await.unwrap().id,
        q.enqueue(NewJob::new(&a, "k", json!({}))).await.unwrap().id,
    ];
    for want in mine {
        let lease = claim(&q, &a, "queue a").await;
        assert_eq!((lease.job.id, lease.job.queue.as_str()), (want, a.as_str()), "only queue a's jobs");
    }
    nothing_claimable(&q, &a, "queue a is empty while b is full").await;
    assert_eq!(q.counts(Some(&b), None).await.unwrap().queued, 3, "queue b untouched");
    nothing_claimable(&q, &format!("{a}_none"), "an unknown queue").await;
}
