//! The job queue on every database: the conformance suite (manual clock), then
//! real concurrency with the system clock: many workers on one queue, many
//! enqueues of one idempotency key.

mod dbs;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fotobase_store::db::queue::{self, JobFilter, JobQueue, JobState, NewJob};
use fotobase_store::db::{Db, DbBackend};
use serde_json::json;
use tokio::sync::Barrier;

const WORKERS: usize = 8;
const JOBS: i64 = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_on_every_database() {
    for db in dbs::fresh().await {
        eprintln!("queue conformance on {:?}", db.backend());
        fotobase_testkit::queue::run(&db).await;
        db.close().await;
    }
}

/// Who holds which job now, and every claim-to-complete span, per job.
#[derive(Default)]
struct Log {
    holders: HashMap<i64, usize>,
    spans: HashMap<i64, Vec<(usize, Instant, Instant)>>,
    violations: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_share_a_job_and_finish_each_once() {
    for db in dbs::fresh().await {
        let backend = db.backend();
        let q = JobQueue::new(db.clone());
        for i in 0..JOBS {
            q.enqueue(NewJob::new("work", "k", json!({ "i": i })).priority((i % 3) as i32)).await.unwrap();
        }
        let log = Arc::new(Mutex::new(Log::default()));
        let tasks: Vec<_> = (0..WORKERS).map(|me| tokio::spawn(worker(q.clone(), me, log.clone()))).collect();
        let mut per_worker = Vec::new();
        for task in tasks {
            let done = tokio::time::timeout(Duration::from_secs(120), task).await;
            per_worker.push(done.unwrap_or_else(|_| panic!("{backend:?}: workers stuck")).unwrap());
        }
        eprintln!("{backend:?}: jobs per worker {per_worker:?}");

        check(&log.lock().unwrap(), backend);
        assert_eq!(per_worker.iter().sum::<usize>() as i64, JOBS, "{backend:?}");
        assert!(per_worker.iter().filter(|n| **n > 0).count() > 1, "{backend:?}: work was shared: {per_worker:?}");
        let counts = q.counts(Some("work"), None).await.unwrap();
        assert_eq!((counts.succeeded, counts.queued, counts.running, counts.failed), (JOBS, 0, 0, 0), "{backend:?}");
        let jobs = all_jobs(&q).await;
        assert!(
            jobs.iter().all(|j| j.attempts == 1 && j.state == JobState::Succeeded),
            "{backend:?}: one attempt each"
        );
        db.close().await;
    }
}

/// No job was claimed while held, and each ran (claim to complete) exactly once.
fn check(log: &Log, backend: DbBackend) {
    assert!(log.violations.is_empty(), "{backend:?}: {:#?}", log.violations);
    assert_eq!(log.spans.len() as i64, JOBS, "{backend:?}: every job ran");
    for (id, spans) in &log.spans {
        assert_eq!(spans.len(), 1, "{backend:?}: job {id} completed once: {spans:?}");
    }
}

async fn worker(q: JobQueue, me: usize, log: Arc<Mutex<Log>>) -> usize {
    let mut done = 0;
    loop {
        let Some(lease) = q.claim("work").await.unwrap() else {
            let c = q.counts(Some("work"), None).await.unwrap();
            if c.queued + c.running == 0 {
                return done;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let (id, start) = (lease.job.id, Instant::now());
        {
            let mut log = log.lock().unwrap();
            if let Some(other) = log.holders.insert(id, me) {
                log.violations.push(format!("job {id}: claimed by {me} while {other} held it"));
            }
        }
        tokio::task::yield_now().await;
        let lease = q.heartbeat(&lease, Some(0.5)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        let job = q.complete(&lease, json!({ "by": me })).await.unwrap();
        assert_eq!(job.state, JobState::Succeeded);
        let mut log = log.lock().unwrap();
        log.holders.remove(&id);
        log.spans.entry(id).or_default().push((me, start, Instant::now()));
        done += 1;
    }
}

async fn all_jobs(q: &JobQueue) -> Vec<queue::Job> {
    let mut out: Vec<queue::Job> = Vec::new();
    loop {
        let filter = JobFilter { limit: 500, after_id: out.last().map(|j| j.id), ..JobFilter::default() };
        let page = q.list(&filter).await.unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_enqueues_of_one_key_make_one_job() {
    for db in dbs::fresh().await {
        let backend = db.backend();
        let ids = enqueue_together(&db).await;
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{backend:?}: every caller got the same job: {ids:?}");
        let q = JobQueue::new(db.clone());
        assert_eq!(all_jobs(&q).await.len(), 1, "{backend:?}: one row");
        db.close().await;
    }
}

async fn enqueue_together(db: &Db) -> Vec<i64> {
    let barrier = Arc::new(Barrier::new(WORKERS));
    let tasks: Vec<_> = (0..WORKERS)
        .map(|i| {
            let (q, barrier) = (JobQueue::new(db.clone()), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let job = NewJob::new("export", "zip", json!({ "caller": i })).idempotency_key("export-42");
                q.enqueue(job).await.unwrap().id
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids
}

#[tokio::test]
async fn conformance_on_sqlite_in_memory() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    fotobase_testkit::queue::run(&db).await;
}
