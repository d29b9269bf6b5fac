//! Images and their blobs, kept consistent across a database and a blob store
//! that cannot share a transaction, whatever crashes in between.
//!
//! The rule: **nothing a live row points to is ever missing**. Content is stored
//! once per address and shared, so a `blobs` row per address acts as the lock
//! that orders writers against deleters:
//!
//! - *upload*: claim the address (`blobs` row live, `claimed_at = now`), put the
//!   bytes at the address, then insert the row in a transaction that re-checks the
//!   claim. A crash leaves at worst an unreferenced blob, which GC removes.
//! - *delete*: mark the row deleted and commit, then remove the rows, then collect
//!   each address that no live row references and no upload claimed within the
//!   claim window: mark its `blobs` row `deleting`, delete the bytes, drop the row.
//!   Uploads meeting a `deleting` address wait for it to finish.
//! - *GC* finishes half-done deletions, collects unreferenced addresses, takes over
//!   deletions abandoned by a crashed process, and removes stray objects (failed
//!   stages, bytes whose claim was lost) older than the grace period.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use super::blob::{BlobStore, Staged};
use super::db::{Db, Image, Images, JobQueue, Lease, Ledger, NewImage, NewJob, NewVersion, Tx, Version};
use crate::db::{is_unique_violation, quotas};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::clock::{Clock, SystemClock};

/// Time windows of the protocol, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct MediaConfig {
    /// An upload must get from claiming an address to committing its row within
    /// this window; until it passes, a claimed address is never collected.
    pub claim_window_secs: i64,
    /// Stray objects (no `blobs` row) younger than this are left alone.
    pub grace_secs: i64,
    /// A deletion marked this long ago is taken to be abandoned by a crashed process.
    pub takeover_secs: i64,
    /// Largest original or version accepted.
    pub max_bytes: u64,
    /// Bytes of originals and versions an account may keep unless an admin set its own
    /// quota (`db::Quotas`); `None`: no limit.
    pub default_quota_bytes: Option<u64>,
    /// Originals an account may store per minute unless an admin set its own rate; `None`: no
    /// limit. Counted in the transaction that stores each one.
    pub default_uploads_per_minute: Option<u64>,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            claim_window_secs: 15 * 60,
            grace_secs: 60 * 60,
            takeover_secs: 5 * 60,
            max_bytes: 200 << 20,
            default_quota_bytes: None,
            default_uploads_per_minute: None,
        }
    }
}

/// What a [`Media::gc`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MediaGcReport {
    /// Image and version deletions that had been interrupted and were finished.
    pub finished_deletions: u64,
    /// Addresses no row referenced any more, removed.
    pub collected: u64,
    /// Deletions abandoned by a crashed process, taken over and finished.
    pub taken_over: u64,
    /// Objects without a `blobs` row (and temporary uploads) past the grace period, removed.
    pub strays: u64,
    /// Cache entries (`BlobStore::put_cache`) past the grace period, removed.
    pub evicted_cache: u64,
}

/// Where live rows and stored objects disagree (see [`Media::audit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// Addresses a live row points to whose bytes are missing. Must always be empty.
    pub missing: Vec<String>,
    /// Stored objects that no live row references (GC's work; empty after a GC
    /// that runs after the grace period).
    pub unreferenced: Vec<String>,
}

/// Images, versions and thumbnails across a [`Db`] and a [`BlobStore`].
#[derive(Debug, Clone)]
pub struct Media {
    db: Db,
    blobs: BlobStore,
    images: Images,
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    config: MediaConfig,
}

/// Where the bytes of a new blob come from: in memory, or staged by
/// [`BlobStore::stage`] (large uploads streamed from a request body).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Bytes(&'a Bytes),
    Staged(&'a Staged),
}

/// A job that follows an upload (its thumbnail), made from the new image's id and
/// queued in the upload's own transaction.
pub struct FollowUp<'a> {
    pub queue: &'a JobQueue,
    pub job: &'a (dyn Fn(i64) -> NewJob + Sync),
}

/// The running job whose work (a version, a thumbnail) is being stored, completed in the same
/// transaction: a job never stands failed or running beside what it made, nor succeeded without
/// it. `result` makes the job's result from the stored row's id and the stored bytes' size.
pub struct Completion<'a> {
    pub queue: &'a JobQueue,
    pub lease: &'a Lease,
    pub result: &'a (dyn Fn(i64, u64) -> serde_json::Value + Sync),
}

impl Media {
    pub fn new(db: Db, blobs: BlobStore) -> Self {
        let images = Images::new(db.clone());
        let ledger = Ledger::new(db.clone());
        Media { db, blobs, images, ledger, clock: Arc::new(SystemClock), config: MediaConfig::default() }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.images = self.images.with_clock(clock.clone());
        self.clock = clock;
        self
    }

    pub fn with_config(mut self, config: MediaConfig) -> Self {
        self.config = config;
        self
    }

    /// Reads and metadata changes that need no blob ordering.
    pub fn images(&self) -> &Images {
        &self.images
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Store an original held in memory and its row.
    pub async fn upload(&self, new: &NewImage, data: &Bytes) -> Result<Image> {
        let id = self.store_image(new, Source::Bytes(data), None).await?;
        self.images.get(id).await
    }

    /// Store an original and queue the job that follows it in the same transaction:
    /// neither a crash nor a failing queue can leave an image without its thumbnail job.
    pub async fn upload_with_job(&self, new: &NewImage, source: Source<'_>, then: &FollowUp<'_>) -> Result<Image> {
        let id = self.store_image(new, source, Some(then)).await?;
        self.images.get(id).await
    }

    /// Store an original already staged with [`BlobStore::stage`] (large uploads
    /// streamed from a request body). The staged copy is left for the caller to discard.
    pub async fn upload_staged(&self, new: &NewImage, staged: &Staged) -> Result<Image> {
        let id = self.store_image(new, Source::Staged(staged), None).await?;
        self.images.get(id).await
    }

    async fn store_image(&self, new: &NewImage, source: Source<'_>, then: Option<&FollowUp<'_>>) -> Result<i64> {
        new.validated()?;
        let (key, sha, bytes) = self.prepare(&source)?;
        let mut tx = self.stored_and_claimed(&key, &sha, &source).await?;
        let id = self.images.insert(&mut tx, new, &key, &sha, bytes).await?;
        let count = quotas::UploadCount { default_per_minute: self.config.default_uploads_per_minute, now: self.now() };
        quotas::charge(&self.db, &mut tx, new.owner_id, bytes, self.config.default_quota_bytes, Some(count)).await?;
        if let Some(then) = then {
            then.queue.enqueue_in(&mut tx, &(then.job)(id)).await?;
        }
        tx.commit().await.map_err(|e| sql_err("cannot commit image", e))?;
        Ok(id)
    }

    /// Store a processed version of a live image. A job stores at most one: when
    /// `new.job_id` already made a version (the job is running again after a crash), that
    /// version is the answer and nothing new is kept.
    pub async fn add_version(&self, new: &NewVersion, data: &Bytes) -> Result<Version> {
        self.store_version(new, data, None).await
    }

    /// [`Self::add_version`] for the running job `done.lease`, which succeeds in the same
    /// transaction (or, if its lease was lost, nothing is kept).
    pub async fn add_version_completing(
        &self,
        new: &NewVersion,
        data: &Bytes,
        done: &Completion<'_>,
    ) -> Result<Version> {
        self.store_version(new, data, Some(done)).await
    }

    async fn store_version(&self, new: &NewVersion, data: &Bytes, done: Option<&Completion<'_>>) -> Result<Version> {
        let earlier = async || match new.job_id {
            Some(job) => self.images.version_for_job(job).await,
            None => Ok(None),
        };
        // Only a version stored before jobs completed with their version can be found here.
        let finish_earlier = async |v: Version| {
            if let Some(done) = done {
                done.queue.complete(done.lease, (done.result)(v.id, v.bytes as u64)).await?;
            }
            Ok(v)
        };
        if let Some(v) = earlier().await? {
            return finish_earlier(v).await;
        }
        let source = Source::Bytes(data);
        let (key, sha, bytes) = self.prepare(&source)?;
        self.images.get(new.image_id).await?;
        let mut tx = self.stored_and_claimed(&key, &sha, &source).await?;
        // Locks the live image: its deletion waits for this version or refuses it (quotas).
        let owner = quotas::owner_of_image(&self.db, &mut tx, new.image_id).await?;
        let id = match self.images.insert_version(&mut tx, new, &key, bytes).await {
            Ok(id) => {
                quotas::charge(&self.db, &mut tx, owner, bytes, self.config.default_quota_bytes, None).await?;
                id
            }
            // Another run of the same job got there first (its bytes are collected if unused).
            Err(e) if std::error::Error::source(&e).is_some_and(is_unique_violation) => {
                drop(tx);
                return finish_earlier(earlier().await?.ok_or(e)?).await;
            }
            Err(e) => return Err(e),
        };
        if let Some(done) = done {
            done.queue.complete_in(&mut tx, done.lease, &(done.result)(id, bytes)).await?;
        }
        tx.commit().await.map_err(|e| sql_err("cannot commit version", e))?;
        self.images.version(id).await
    }

    /// Set (or replace) an image's thumbnail, which makes it ready (in the same
    /// write: no moment with a thumbnail but still processing); the old one is collected.
    pub async fn set_thumbnail(&self, image_id: i64, data: &Bytes) -> Result<()> {
        self.store_thumbnail(image_id, data, None).await
    }

    /// [`Self::set_thumbnail`] for the running job `done.lease`, which succeeds in the same
    /// transaction (`done.result` is given the image's id and the thumbnail's size).
    pub async fn set_thumbnail_completing(&self, image_id: i64, data: &Bytes, done: &Completion<'_>) -> Result<()> {
        self.store_thumbnail(image_id, data, Some(done)).await
    }

    async fn store_thumbnail(&self, image_id: i64, data: &Bytes, done: Option<&Completion<'_>>) -> Result<()> {
        let source = Source::Bytes(data);
        let (key, sha, bytes) = self.prepare(&source)?;
        let old = self.images.get(image_id).await?.thumbnail_key;
        let mut tx = self.stored_and_claimed(&key, &sha, &source).await?;
        if !self.images.set_thumbnail_in(&mut tx, image_id, &key).await? {
            return Err(Error::new(ErrorKind::NotFound, "no such image").with_context("id", image_id));
        }
        if let Some(done) = done {
            done.queue.complete_in(&mut tx, done.lease, &(done.result)(image_id, bytes)).await?;
        }
        tx.commit().await.map_err(|e| sql_err("cannot commit thumbnail", e))?;
        if let Some(old) = old.filter(|o| *o != key) {
            self.collect(&old, self.now() - self.config.claim_window_secs).await?;
        }
        Ok(())
    }

    fn prepare(&self, source: &Source<'_>) -> Result<(String, String, u64)> {
        let (sha, bytes) = match source {
            Source::Bytes(b) => {
                use sha2::Digest as _;
                (fotobase_auth::random::hex(&sha2::Sha256::digest(b)), b.len() as u64)
            }
            Source::Staged(s) => (s.sha256.clone(), s.bytes),
        };
        if bytes > self.config.max_bytes {
            return Err(Error::new(ErrorKind::LimitExceeded, "file is larger than allowed")
                .with_context("max_bytes", self.config.max_bytes));
        }
        Ok((super::blob::cas_key(&sha), sha, bytes))
    }

    /// The bytes stored at `key` and an open transaction in which the claim was
    /// renewed: the caller's row, written in it, commits before GC can take the
    /// address. A claim that expired meanwhile (and its bytes collected) means
    /// putting them again.
    async fn stored_and_claimed(&self, key: &str, sha: &str, source: &Source<'_>) -> Result<Tx> {
        for _ in 0..3 {
            self.claim_and_put(key, sha, source).await?;
            let mut tx = self.db.begin().await?;
            if self.ledger.renew(&mut *tx, key, self.now()).await? {
                return Ok(tx);
            }
        }
        Err(Error::new(ErrorKind::Conflict, "the stored bytes kept being collected; try again"))
    }

    async fn claim_and_put(&self, key: &str, sha: &str, source: &Source<'_>) -> Result<()> {
        self.claim(key).await?;
        match source {
            // `prepare` hashed these bytes for `key`.
            Source::Bytes(b) => self.blobs.put_digested((*b).clone(), sha.to_owned()).await?,
            Source::Staged(s) => self.blobs.publish(s).await?,
        };
        Ok(())
    }

    /// Take the address for an upload: a live `blobs` row with a fresh claim. An
    /// address being deleted is waited for, or taken over once abandoned.
    #[doc(hidden)] // the conformance suite claims addresses to stage crashes
    pub async fn claim(&self, key: &str) -> Result<()> {
        for _ in 0..200 {
            let now = self.now();
            if self.ledger.claim_live(key, now).await? {
                return Ok(());
            }
            // The row exists and is not live: a deletion is under way.
            if let Some(since) = self.ledger.deleting_since(key).await?
                && since < now - self.config.takeover_secs
            {
                self.finish_deletion(key, since).await?;
                continue;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(Error::new(ErrorKind::Conflict, "the stored bytes are being deleted; try again").with_context("key", key))
    }

    /// Delete an image with its versions, thumbnail, tags, memberships and share links.
    pub async fn delete_image(&self, id: i64) -> Result<()> {
        if !self.images.mark_deleted(id).await? {
            return Err(Error::new(ErrorKind::NotFound, "no such image").with_context("id", id));
        }
        self.finish_image_deletion(id).await
    }

    /// Delete one processed version.
    pub async fn delete_version(&self, id: i64) -> Result<()> {
        if !self.images.mark_version_deleted(id).await? {
            return Err(Error::new(ErrorKind::NotFound, "no such version").with_context("id", id));
        }
        self.finish_version_deletion(id).await
    }

    /// Delete every image an owner has (account deletion); returns how many.
    pub async fn delete_owner(&self, owner_id: i64) -> Result<u64> {
        let ids = self.images.ids_of_owner(owner_id).await?;
        for id in &ids {
            match self.delete_image(*id).await {
                Err(e) if e.kind() != ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(ids.len() as u64)
    }

    /// Rows of a marked image go, then the addresses they used are collected.
    async fn finish_image_deletion(&self, id: i64) -> Result<()> {
        let keys = self.images.blob_keys(id).await?;
        self.images.purge(id).await?;
        let cutoff = self.now() - self.config.claim_window_secs;
        for key in keys {
            self.collect(&key, cutoff).await?;
        }
        Ok(())
    }

    async fn finish_version_deletion(&self, id: i64) -> Result<()> {
        let key = self.images.version_blob_key(id).await?;
        self.images.purge_version(id).await?;
        if let Some(key) = key {
            self.collect(&key, self.now() - self.config.claim_window_secs).await?;
        }
        Ok(())
    }

    /// Delete an address if no live row references it and nobody claimed it since
    /// `cutoff`. Returns whether it was deleted.
    async fn collect(&self, key: &str, cutoff: i64) -> Result<bool> {
        let now = self.now();
        let marked = self.ledger.mark_if_unreferenced(key, now, cutoff).await?;
        if marked {
            self.finish_deletion(key, now).await?;
        }
        Ok(marked)
    }

    /// Remove the bytes of an address marked `deleting` at `since`, then its row.
    async fn finish_deletion(&self, key: &str, since: i64) -> Result<()> {
        // After the takeover time another process may finish this deletion and a new
        // upload reuse the address: a delete still in flight then could remove the new
        // bytes. So a delete that takes that long is abandoned (and taken over later).
        let limit = Duration::from_secs(self.config.takeover_secs.max(2) as u64 / 2);
        tokio::time::timeout(limit, self.blobs.delete(key))
            .await
            .map_err(|_| Error::new(ErrorKind::Unexpected, "blob store did not answer a delete in time"))??;
        self.ledger.drop_deleted(key, since).await
    }

    /// One garbage-collection pass (safe to run from several replicas at once).
    pub async fn gc(&self) -> Result<MediaGcReport> {
        let mut report = MediaGcReport::default();
        let now = self.now();
        // 1. Deletions interrupted after their mark was committed.
        let (images, versions) = self.images.marked_deleted().await?;
        for id in images {
            self.finish_image_deletion(id).await?;
            report.finished_deletions += 1;
        }
        for id in versions {
            self.finish_version_deletion(id).await?;
            report.finished_deletions += 1;
        }
        // 2. Deletions abandoned by a crashed process.
        for (key, since) in self.ledger.deletions_before(now - self.config.takeover_secs).await? {
            self.finish_deletion(&key, since).await?;
            report.taken_over += 1;
        }
        // 3. Addresses no live row references (crashed uploads, finished deletions).
        let cutoff = now - self.config.claim_window_secs;
        for key in self.ledger.unreferenced(cutoff).await? {
            if self.collect(&key, cutoff).await? {
                report.collected += 1;
            }
        }
        // 4. Objects with no row at all, and abandoned temporary uploads.
        let stray_before = now - self.config.grace_secs;
        for m in self.blobs.list("tmp").await? {
            if m.modified_at < stray_before {
                self.blobs.delete(&m.key).await?;
                report.strays += 1;
            }
        }
        for m in self.blobs.list("cache").await? {
            if m.modified_at < stray_before {
                self.blobs.delete(&m.key).await?;
                report.evicted_cache += 1;
            }
        }
        for m in self.blobs.list("cas").await? {
            // The row is the lock: if an upload claims the address first, this fails.
            if m.modified_at < stray_before && self.ledger.mark_stray(&m.key, now).await? {
                self.finish_deletion(&m.key, now).await?;
                report.strays += 1;
            }
        }
        Ok(report)
    }

    /// Compare live rows with stored objects (tests, `fotobase doctor`-style checks).
    pub async fn audit(&self) -> Result<Audit> {
        let referenced = self.ledger.referenced_keys().await?;
        let stored: std::collections::BTreeSet<String> =
            self.blobs.list("cas").await?.into_iter().map(|m| m.key).collect();
        Ok(Audit {
            missing: referenced.difference(&stored).cloned().collect(),
            unreferenced: stored.difference(&referenced).cloned().collect(),
        })
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }
}

fn sql_err(what: &'static str, e: sqlx::Error) -> Error {
    crate::db::db_err(what, e)
}
