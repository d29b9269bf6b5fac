//! Crash consistency: a child process uploads, deletes, adds versions and
//! thumbnails and runs GC from several tasks at once, and is killed with SIGKILL
//! at a random moment, many times over. After every kill no live row may point at
//! missing bytes; after a final GC (past every grace period) nothing unreferenced
//! may remain and no deletion may be left half-done.
//!
//! The writers also run jobs through the queue; after the kills every job must be
//! in a coherent state and, once leases have expired, finish exactly once.
//!
//! The child is this test binary itself, running the ignored `writer_child` test
//! with `FOTOBASE_CRASH_DB` / `FOTOBASE_CRASH_BLOBS` naming the shared stores.

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
use fotobase_store::blob::BlobStore;
use fotobase_store::db::{Db, ImageFilter, JobQueue, NewImage, NewJob, NewVersion};
use fotobase_store::media::{Media, MediaConfig};

mod dbs;

const DB_VAR: &str = "FOTOBASE_CRASH_DB";
const BLOBS_VAR: &str = "FOTOBASE_CRASH_BLOBS";

/// A small xorshift generator: enough to scatter operations and kill times.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        Rng(nanos ^ (u64::from(std::process::id()) << 32) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Bytes named by a seed: equal seeds give equal content.
fn payload(seed: u64) -> Bytes {
    Bytes::from(format!("payload-{seed}-").repeat(4096))
}

#[test]
#[ignore = "run by the crash tests in a child process"]
fn writer_child() {
    let (Ok(db_url), Ok(blob_url)) = (std::env::var(DB_VAR), std::env::var(BLOBS_VAR)) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let db = Db::connect(&db_url).await.unwrap();
        let blobs = BlobStore::from_url(&blob_url).unwrap();
        // No claim window: deletions collect at once, so crashes land inside collection too.
        let config = MediaConfig { claim_window_secs: 0, ..MediaConfig::default() };
        let media = Media::new(db, blobs).with_config(config);
        // Never outlive a parent that failed before killing us.
        tokio::spawn(async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            std::process::exit(3);
        });
        println!("\nwriter-ready");
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let media = media.clone();
                tokio::spawn(async move {
                    let mut rng = Rng::seeded();
                    loop {
                        // Errors are expected under contention (e.g. an image deleted by another
                        // task between a read and a write); consistency is what is checked.
                        let _ = step(&media, &mut rng).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    });
}

async fn step(media: &Media, rng: &mut Rng) -> fotobase::Result<()> {
    if rng.below(4) == 0 {
        return queue_step(&JobQueue::new(media.db().clone()), rng).await;
    }
    let live = media.images().list(&ImageFilter { owner_id: Some(1), limit: 100, ..Default::default() }).await?.items;
    let pick = |rng: &mut Rng| (!live.is_empty()).then(|| live[rng.below(live.len() as u64) as usize].id);
    match rng.below(20) {
        0..=7 => {
            let new = NewImage {
                owner_id: 1,
                name: format!("img{}.jpg", rng.below(1000)),
                format: "jpeg".into(),
                width: 8,
                height: 8,
                orientation: 1,
                ..Default::default()
            };
            // Half the uploads share a few payloads (dedup races), half are new bytes.
            let seed = if rng.below(2) == 0 { rng.below(6) } else { 1000 + rng.below(1 << 40) };
            media.upload(&new, &payload(seed)).await?;
        }
        8..=10 => {
            if let Some(id) = pick(rng) {
                let v = NewVersion {
                    image_id: id,
                    algorithm: "webp-lossy".into(),
                    params: serde_json::json!({}),
                    format: "webp".into(),
                    width: 8,
                    height: 8,
                    metrics: serde_json::json!({"ssimulacra2": 80.0}),
                    job_id: None,
                };
                media.add_version(&v, &payload(100 + rng.below(4))).await?;
            }
        }
        11..=12 => {
            if let Some(id) = pick(rng) {
                media.set_thumbnail(id, &payload(200 + rng.below(3))).await?;
            }
        }
        13..=18 => {
            if let Some(id) = pick(rng) {
                media.delete_image(id).await?;
            }
        }
        _ => {
            media.gc().await?;
        }
    }
    Ok(())
}

/// A child process that is killed (SIGKILL) however the test ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Enqueue (often with a key already used), or claim, heartbeat and finish a job.
async fn queue_step(queue: &JobQueue, rng: &mut Rng) -> fotobase::Result<()> {
    if rng.below(2) == 0 {
        let job = NewJob::new("crash", "work", serde_json::json!({"n": rng.below(100)}))
            .idempotency_key(format!("key-{}", rng.below(300)));
        queue.enqueue(job).await?;
    } else if let Some(lease) = queue.claim("crash").await? {
        let lease = queue.heartbeat(&lease, Some(0.5)).await?;
        if rng.below(5) == 0 {
            queue.fail(&lease, "transient", true).await?;
        } else {
            queue.complete(&lease, serde_json::json!({"ok": true})).await?;
        }
    }
    Ok(())
}

/// Every job's columns agree with its state, and once all leases have expired
/// the remaining work drains: nothing stays queued or running.
async fn check_queue(db: &Db) {
    use sqlx::Row as _;
    let incoherent = "SELECT COUNT(*) AS n FROM jobs WHERE \
         (state = 'running' AND (lease_token IS NULL OR lease_expires_at IS NULL)) \
         OR (state = 'queued' AND lease_token IS NOT NULL) \
         OR (state IN ('succeeded', 'failed') AND finished_at IS NULL) \
         OR (state = 'succeeded' AND result IS NULL) OR attempts > max_attempts";
    let n: i64 = sqlx::query(incoherent).fetch_one(db.pool()).await.unwrap().get("n");
    assert_eq!(n, 0, "jobs whose columns contradict their state");
    let later = Arc::new(ManualClock::new(SystemClock.now() + 86_400));
    let queue = JobQueue::new(db.clone()).with_clock(later);
    while let Some(lease) = queue.claim("crash").await.unwrap() {
        queue.complete(&lease, serde_json::json!({"drained": true})).await.unwrap();
    }
    let counts = queue.counts(Some("crash"), None).await.unwrap();
    assert_eq!((counts.queued, counts.running), (0, 0), "{counts:?}");
    assert!(counts.succeeded > 0, "the writers ran jobs: {counts:?}");
    let keys: i64 = sqlx::query("SELECT COUNT(DISTINCT idempotency_key) AS n FROM jobs")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get("n");
    let total = counts.succeeded + counts.failed;
    assert_eq!(keys, total, "one job per idempotency key");
}

/// Every page of the owner's live images: fast writers make more than one page,
/// and a total checked against one page would miss the rest.
async fn every_live_image(media: &Media) -> Vec<fotobase_store::db::Image> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let filter = ImageFilter { owner_id: Some(1), limit: 500, cursor, ..Default::default() };
        let page = media.images().list(&filter).await.unwrap();
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// Kill a writer `rounds` times on these stores, auditing after each kill.
async fn crash_many_times(db_url: &str, blob_url: &str, rounds: u32) {
    let db = Db::connect(db_url).await.unwrap();
    db.migrate().await.unwrap();
    let blobs = BlobStore::from_url(blob_url).unwrap();
    let media = Media::new(db.clone(), blobs.clone());
    let mut rng = Rng::seeded();
    let exe = std::env::current_exe().unwrap();
    for round in 0..rounds {
        let mut child = Killed(
            Command::new(&exe)
                .args(["writer_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
                .env(DB_VAR, db_url)
                .env(BLOBS_VAR, blob_url)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn writer"),
        );
        let stdout = child.0.stdout.take().unwrap();
        let mut lines = std::io::BufReader::new(stdout).lines();
        let ready = lines.find(|l| l.as_ref().is_ok_and(|l| l.ends_with("writer-ready")));
        assert!(ready.is_some(), "round {round}: the writer did not start");
        tokio::time::sleep(Duration::from_millis(50 + rng.below(400))).await;
        child.0.kill().expect("SIGKILL the writer");
        child.0.wait().unwrap();
        let audit = media.audit().await.unwrap();
        assert!(audit.missing.is_empty(), "round {round}: live rows without bytes: {:?}", audit.missing);
    }
    let images = every_live_image(&media).await;
    assert!(!images.is_empty() || rounds == 0, "the writers made progress");
    for image in &images {
        assert_eq!(media.blobs().get(&image.blob_key).await.unwrap().len(), image.bytes as usize);
    }
    // Past every window, one GC pass must finish all interrupted work.
    let later = Arc::new(ManualClock::new(SystemClock.now() + 86_400));
    let report = Media::new(db.clone(), blobs).with_clock(later).gc().await.unwrap();
    eprintln!("after {rounds} kills: {} live images, final gc {report:?}", images.len());
    let audit = media.audit().await.unwrap();
    assert!(audit.missing.is_empty() && audit.unreferenced.is_empty(), "{audit:?}");
    check_queue(&db).await;
    for table in [
        "SELECT COUNT(*) AS n FROM blobs WHERE state <> 'live'",
        "SELECT COUNT(*) AS n FROM images WHERE deleted_at IS NOT NULL",
    ] {
        use sqlx::Row as _;
        let n: i64 = sqlx::query(table).fetch_one(db.pool()).await.unwrap().get("n");
        assert_eq!(n, 0, "{table}");
    }
    // The quota's running total agrees with the live rows, whatever the kills interrupted.
    let mut live = 0;
    for image in &images {
        let versions = media.images().versions(image.id).await.unwrap();
        live += image.bytes + versions.iter().map(|v| v.bytes).sum::<i64>();
    }
    let used = fotobase_store::db::Quotas::new(db.clone()).get(1).await.unwrap().bytes_used;
    assert_eq!(used as i64, live, "bytes_used against the live originals and versions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_on_sqlite_and_local_blobs() {
    let url = dbs::fresh_urls().await.remove(0);
    let dir = std::env::temp_dir().join(format!("fotobase-crash-{}", dbs::suffix()));
    crash_many_times(&url, &format!("file://{}", dir.display()), 25).await;
}

#[cfg(feature = "s3")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_on_postgres_and_s3() {
    let Some(blob_url) = dbs::emulator_url("FOTOBASE_TEST_S3_URL") else { return };
    let Some(db_url) = dbs::fresh_urls().await.into_iter().find(|u| u.starts_with("postgres")) else { return };
    crash_many_times(&db_url, &blob_url, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_on_mariadb() {
    let Some(db_url) = dbs::fresh_urls().await.into_iter().find(|u| u.starts_with("mysql")) else { return };
    let dir = std::env::temp_dir().join(format!("fotobase-crash-{}", dbs::suffix()));
    crash_many_times(&db_url, &format!("file://{}", dir.display()), 10).await;
}
