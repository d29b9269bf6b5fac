//! The crash-safety contract of [`Media`] on one database and one blob store, as
//! an executable suite. Run it on a fresh database and an empty, dedicated store.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::join_all;
use serde_json::json;

use fotobase::ErrorKind;
use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
use fotobase_store::blob::BlobStore;
use fotobase_store::db::{Db, ImageFilter, ImageStatus, JobQueue, JobState, Lease, NewImage, NewJob, NewVersion};
use fotobase_store::media::{Completion, FollowUp, Media, MediaConfig, Source};

const HOUR: i64 = 3600;

fn content(seed: &str) -> Bytes {
    Bytes::from(format!("{seed}:{}", fotobase_auth::random::random_hex(16)).repeat(64))
}

fn image(owner: i64, name: &str) -> NewImage {
    NewImage {
        owner_id: owner,
        name: name.into(),
        format: "jpeg".into(),
        width: 4,
        height: 3,
        orientation: 1,
        ..Default::default()
    }
}

/// Run every check; panics with the failing expectation.
pub async fn run(db: &Db, blobs: &BlobStore) {
    // The clock starts at the real time: stray detection compares it with object mtimes.
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let media = Media::new(db.clone(), blobs.clone()).with_clock(clock.clone());
    shared_content_lives_until_its_last_row_goes(&media, &clock).await;
    versions_and_thumbnails_are_collected_with_their_image(&media, &clock).await;
    gc_finishes_interrupted_work_and_removes_strays(&media, &clock).await;
    uploads_wait_for_or_take_over_deletions(&media, &clock).await;
    concurrent_identical_uploads_store_one_blob(&media, &clock).await;
    deletes_racing_identical_uploads_never_lose_bytes(db, blobs).await;
    limits(&media).await;
    an_upload_and_its_job_commit_together(&media, &clock).await;
    a_version_and_its_job_succeed_together(&media, &clock).await;
}

async fn assert_clean(media: &Media, clock: &ManualClock, what: &str) {
    clock.advance(2 * HOUR);
    media.gc().await.expect("gc");
    let audit = media.audit().await.expect("audit");
    assert!(audit.missing.is_empty() && audit.unreferenced.is_empty(), "{what}: {audit:?}");
}

async fn shared_content_lives_until_its_last_row_goes(media: &Media, clock: &ManualClock) {
    let data = content("shared");
    let a = media.upload(&image(1, "a.jpg"), &data).await.expect("upload");
    let b = media.upload(&image(2, "b.jpg"), &data).await.expect("upload same bytes");
    assert_eq!(a.blob_key, b.blob_key, "identical bytes share one address");
    assert_eq!(media.blobs().list("cas").await.unwrap().len(), 1);
    assert_eq!(media.blobs().get(&a.blob_key).await.unwrap(), data);

    media.delete_image(a.id).await.expect("delete");
    assert_eq!(media.images().get(a.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(media.delete_image(a.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    clock.advance(2 * HOUR);
    media.gc().await.unwrap();
    assert_eq!(media.blobs().get(&b.blob_key).await.unwrap(), data, "still referenced by b");
    media.delete_image(b.id).await.unwrap();
    assert!(
        media.blobs().head(&b.blob_key).await.unwrap().is_none(),
        "last reference gone, claim old: deleted at once"
    );
    assert_clean(media, clock, "after deleting both").await;
}

async fn versions_and_thumbnails_are_collected_with_their_image(media: &Media, clock: &ManualClock) {
    let img = media.upload(&image(1, "v.jpg"), &content("original")).await.unwrap();
    let new = NewVersion {
        image_id: img.id,
        algorithm: "webp-lossy".into(),
        params: json!({"quality": 75}),
        format: "webp".into(),
        width: 4,
        height: 3,
        metrics: json!({"ssimulacra2": 81.5}),
        job_id: None,
    };
    let v = media.add_version(&new, &content("version")).await.unwrap();
    assert_eq!((v.image_id, v.ssimulacra2), (img.id, Some(81.5)));
    let missing = NewVersion { image_id: -5, ..new.clone() };
    assert_eq!(media.add_version(&missing, &content("x")).await.unwrap_err().kind(), ErrorKind::NotFound);
    media.images().set_status(img.id, ImageStatus::Processing).await.unwrap();
    media.set_thumbnail(img.id, &content("thumb1")).await.unwrap();
    let thumbed = media.images().get(img.id).await.unwrap();
    assert_eq!(thumbed.status, ImageStatus::Ready, "a thumbnail makes the image ready");
    let first_thumb = thumbed.thumbnail_key.unwrap();
    clock.advance(2 * HOUR);
    media.set_thumbnail(img.id, &content("thumb2")).await.unwrap();
    assert!(media.blobs().head(&first_thumb).await.unwrap().is_none(), "a replaced thumbnail is collected");
    let v2 = media.add_version(&new, &content("version2")).await.unwrap();
    media.delete_version(v2.id).await.unwrap();
    // A job run twice (again after a crash) keeps its first version; the second run's
    // bytes are not kept.
    let by_job = NewVersion { job_id: Some(7), ..new.clone() };
    let first = media.add_version(&by_job, &content("job 7, first run")).await.unwrap();
    let again = media.add_version(&by_job, &content("job 7, second run")).await.unwrap();
    assert_eq!((again.id, &again.blob_key), (first.id, &first.blob_key));
    assert_eq!(media.images().version_for_job(7).await.unwrap().map(|v| v.id), Some(first.id));
    assert_eq!(media.images().version_for_job(8).await.unwrap(), None);
    media.delete_version(first.id).await.unwrap();
    assert_eq!(media.images().versions(img.id).await.unwrap().len(), 1);
    assert_eq!(
        media.blobs().list("cas").await.unwrap().len(),
        5,
        "original, version, thumbnail, two deleted versions (claims fresh); not job 7's second run"
    );
    media.delete_image(img.id).await.unwrap();
    assert_eq!(media.images().version(v.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_clean(media, clock, "after deleting an image with versions").await;
}

async fn gc_finishes_interrupted_work_and_removes_strays(media: &Media, clock: &ManualClock) {
    // Back to the real time, so the objects made here count as young.
    clock.set(SystemClock.now());
    let db = media.db();
    // A deletion that crashed after committing its mark.
    let img = media.upload(&image(1, "half.jpg"), &content("half")).await.unwrap();
    let q = db.sql("UPDATE images SET deleted_at = ? WHERE id = ?");
    sqlx::query(&q).bind(clock.now()).bind(img.id).execute(db.pool()).await.unwrap();
    assert_eq!(media.images().get(img.id).await.unwrap_err().kind(), ErrorKind::NotFound, "marked rows are invisible");
    // An upload that crashed after claiming and storing, before its row.
    let orphan = content("orphan");
    media.claim(&fotobase_store::blob::cas_key(&sha(&orphan))).await.unwrap();
    media.blobs().put_bytes(orphan, None, u64::MAX).await.unwrap();
    // Bytes with no row at all, and an abandoned staged upload.
    media.blobs().put_bytes(content("stray"), None, u64::MAX).await.unwrap();
    let parts = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(content("staged"))]);
    let staged = media.blobs().stage(parts, None, u64::MAX).await.unwrap();
    // A deletion that crashed between marking the address and deleting it.
    let gone = media.upload(&image(1, "gone.jpg"), &content("gone")).await.unwrap();
    let q = db.sql("DELETE FROM images WHERE id = ?");
    sqlx::query(&q).bind(gone.id).execute(db.pool()).await.unwrap();
    let q = db.sql("UPDATE blobs SET state = 'deleting', deleting_since = ? WHERE blob_key = ?");
    sqlx::query(&q).bind(clock.now()).bind(&gone.blob_key).execute(db.pool()).await.unwrap();

    let fresh = media.gc().await.unwrap();
    assert_eq!(fresh.finished_deletions, 1, "{fresh:?}");
    assert_eq!((fresh.strays, fresh.taken_over), (0, 0), "nothing young is touched: {fresh:?}");
    clock.advance(2 * HOUR);
    let later = media.gc().await.unwrap();
    assert_eq!((later.taken_over, later.collected), (1, 2), "{later:?}");
    assert_eq!(later.strays, 2, "the stray object and the staged upload: {later:?}");
    assert!(media.blobs().list("tmp").await.unwrap().is_empty());
    drop(staged);
    assert_clean(media, clock, "after gc").await;
}

fn sha(data: &[u8]) -> String {
    use sha2::Digest as _;
    fotobase_auth::random::hex(&sha2::Sha256::digest(data))
}

async fn uploads_wait_for_or_take_over_deletions(media: &Media, clock: &ManualClock) {
    let db = media.db();
    let data = content("contended");
    let key = fotobase_store::blob::cas_key(&sha(&data));
    // A deletion in progress elsewhere (fresh mark): the upload waits until it is done.
    let q = db.sql("INSERT INTO blobs (blob_key, state, claimed_at, deleting_since) VALUES (?, 'deleting', 0, ?)");
    sqlx::query(&q).bind(&key).bind(clock.now()).execute(db.pool()).await.unwrap();
    let finisher = {
        let db = db.clone();
        let key = key.clone();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let q = db.sql("DELETE FROM blobs WHERE blob_key = ?");
            sqlx::query(&q).bind(&key).execute(db.pool()).await.unwrap();
        }
    };
    let waiting = image(1, "wait.jpg");
    let (uploaded, ()) = tokio::join!(media.upload(&waiting, &data), finisher);
    let uploaded = uploaded.expect("upload after the deletion finished");
    assert_eq!(media.blobs().get(&uploaded.blob_key).await.unwrap(), data);
    media.delete_image(uploaded.id).await.unwrap();
    clock.advance(2 * HOUR);
    media.gc().await.unwrap();
    // A deletion abandoned long ago: the upload takes it over.
    sqlx::query(&q).bind(&key).bind(clock.now() - 2 * HOUR).execute(db.pool()).await.unwrap();
    let again = media.upload(&image(1, "takeover.jpg"), &data).await.expect("upload takes over");
    assert_eq!(media.blobs().get(&again.blob_key).await.unwrap(), data);
    media.delete_image(again.id).await.unwrap();
    assert_clean(media, clock, "after contended uploads").await;
}

async fn concurrent_identical_uploads_store_one_blob(media: &Media, clock: &ManualClock) {
    let data = content("same");
    let uploads = (0..8).map(|i| {
        let media = media.clone();
        let data = data.clone();
        async move { media.upload(&image(3, &format!("{i}.jpg")), &data).await }
    });
    let images: Vec<_> = join_all(uploads).await.into_iter().collect::<fotobase::Result<_>>().expect("uploads");
    assert!(images.iter().all(|i| i.blob_key == images[0].blob_key));
    assert_eq!(media.blobs().list("cas").await.unwrap().len(), 1);
    for i in images {
        media.delete_image(i.id).await.unwrap();
    }
    assert_clean(media, clock, "after concurrent uploads").await;
}

/// With no claim window, every delete tries to collect at once: deletes and
/// uploads of the same bytes race on the address lock, and no live row may
/// ever point at missing bytes.
async fn deletes_racing_identical_uploads_never_lose_bytes(db: &Db, blobs: &BlobStore) {
    let eager = MediaConfig { claim_window_secs: 0, ..MediaConfig::default() };
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let media = Media::new(db.clone(), blobs.clone()).with_clock(clock.clone()).with_config(eager);
    let data = content("race");
    for round in 0..20 {
        let old = media.upload(&image(4, "old.jpg"), &data).await.unwrap();
        clock.advance(1); // the claim is now older than the (zero) window
        let racer = image(4, &format!("new{round}.jpg"));
        let (deleted, uploaded) = tokio::join!(media.delete_image(old.id), media.upload(&racer, &data));
        deleted.unwrap();
        let new = uploaded.unwrap();
        let audit = media.audit().await.unwrap();
        assert!(audit.missing.is_empty(), "round {round}: {audit:?}");
        assert_eq!(media.blobs().get(&new.blob_key).await.unwrap(), data, "round {round}");
        clock.advance(1);
        media.delete_image(new.id).await.unwrap();
    }
    clock.advance(2 * HOUR);
    media.gc().await.unwrap();
    let audit = media.audit().await.unwrap();
    assert!(audit.missing.is_empty() && audit.unreferenced.is_empty(), "{audit:?}");
}

/// `upload_with_job`: the image and its follow-up job are one transaction. A job that
/// cannot be queued (its key taken) takes the image with it; a good one is there with it.
async fn an_upload_and_its_job_commit_together(media: &Media, clock: &ManualClock) {
    let queue = JobQueue::new(media.db().clone());
    let job =
        |id: i64| NewJob::new("media-test", "thumbnail", json!({ "image_id": id })).idempotency_key(format!("t:{id}"));
    let data = content("with job");
    let img = media
        .upload_with_job(&image(7, "j.jpg"), Source::Bytes(&data), &FollowUp { queue: &queue, job: &job })
        .await
        .unwrap();
    let queued = queue.by_key(&format!("t:{}", img.id)).await.unwrap().expect("the job came with the image");
    assert_eq!(queued.payload, json!({ "image_id": img.id }));

    let taken = |_: i64| NewJob::new("media-test", "thumbnail", json!({})).idempotency_key(format!("t:{}", img.id));
    let before = media.images().list(&ImageFilter { owner_id: Some(7), ..Default::default() }).await.unwrap().items;
    let err = media
        .upload_with_job(
            &image(7, "k.jpg"),
            Source::Bytes(&content("no job")),
            &FollowUp { queue: &queue, job: &taken },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    let after = media.images().list(&ImageFilter { owner_id: Some(7), ..Default::default() }).await.unwrap().items;
    assert_eq!(after, before, "the image whose job failed was not kept");
    media.delete_image(img.id).await.unwrap();
    assert_clean(media, clock, "after an upload whose job failed").await;
}

/// `add_version_completing` and `set_thumbnail_completing`: what a job makes and its success are
/// one transaction. A worker that lost its lease (the job taken over after a crash) keeps
/// nothing; the holder's work comes with the job's result, so a job killed between the two can
/// never stand failed beside the version it made.
async fn a_version_and_its_job_succeed_together(media: &Media, clock: &ManualClock) {
    let queue = JobQueue::new(media.db().clone());
    let img = media.upload(&image(8, "v.jpg"), &content("versioned")).await.unwrap();
    queue.enqueue(NewJob::new("media-version-test", "process", json!({ "image_id": img.id }))).await.unwrap();
    let lease = queue.claim("media-version-test").await.unwrap().expect("the job is runnable");
    let new = NewVersion {
        image_id: img.id,
        algorithm: "webp-lossy".into(),
        params: json!({}),
        format: "webp".into(),
        width: 4,
        height: 3,
        metrics: json!({}),
        job_id: Some(lease.job.id),
    };
    let result = |id: i64, bytes: u64| json!({ "version": id, "bytes": bytes });
    let data = content("the version");

    let lost = Lease { token: "taken over".into(), ..lease.clone() };
    let err = media
        .add_version_completing(&new, &data, &Completion { queue: &queue, lease: &lost, result: &result })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(media.images().versions(img.id).await.unwrap().is_empty(), "a lost lease keeps no version");
    assert_eq!(queue.get(lease.job.id).await.unwrap().state, JobState::Running);

    let v = media
        .add_version_completing(&new, &data, &Completion { queue: &queue, lease: &lease, result: &result })
        .await
        .unwrap();
    let job = queue.get(lease.job.id).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.result, Some(json!({ "version": v.id, "bytes": data.len() })));
    assert_eq!(media.images().versions(img.id).await.unwrap().len(), 1);

    // The same for a thumbnail: it makes the image ready exactly when its job succeeds.
    let fresh = media.upload(&image(8, "t.jpg"), &content("thumbnailed")).await.unwrap();
    queue.enqueue(NewJob::new("media-version-test", "thumbnail", json!({ "image_id": fresh.id }))).await.unwrap();
    let lease = queue.claim("media-version-test").await.unwrap().expect("the job is runnable");
    let thumb = content("the thumbnail");
    let lost = Lease { token: "taken over".into(), ..lease.clone() };
    let done = Completion { queue: &queue, lease: &lost, result: &result };
    let err = media.set_thumbnail_completing(fresh.id, &thumb, &done).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(media.images().get(fresh.id).await.unwrap().status, ImageStatus::Processing);
    let done = Completion { queue: &queue, lease: &lease, result: &result };
    media.set_thumbnail_completing(fresh.id, &thumb, &done).await.unwrap();
    assert_eq!(media.images().get(fresh.id).await.unwrap().status, ImageStatus::Ready);
    let job = queue.get(lease.job.id).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.result, Some(json!({ "version": fresh.id, "bytes": thumb.len() })));

    media.delete_image(img.id).await.unwrap();
    media.delete_image(fresh.id).await.unwrap();
    assert_clean(media, clock, "after a version and a thumbnail made by jobs").await;
}

async fn limits(media: &Media) {
    let small = media.clone().with_config(MediaConfig { max_bytes: 10, ..MediaConfig::default() });
    let err = small.upload(&image(1, "big.jpg"), &Bytes::from(vec![0u8; 11])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let err = media.upload(&image(1, " "), &content("bad name")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let audit = media.audit().await.unwrap();
    assert!(audit.missing.is_empty(), "{audit:?}");
}
