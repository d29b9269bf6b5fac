//! Blobs over `object_store`: image bytes by content address.
//!
//! Keys are `cas/<aa>/<bb>/<sha256 hex>`: identical uploads land on the same
//! key and are stored once. Uploads stream to `tmp/<random>` while hashing and
//! counting (a size limit aborts mid-stream with `limit_exceeded`), then move to
//! their content address, so a reader never sees a partial blob under a `cas/`
//! key. Whatever a crash leaves in `tmp/` is removed by [`BlobStore::gc`].

#[cfg(any(feature = "s3", feature = "azure"))]
mod cloud;
#[cfg(not(any(feature = "s3", feature = "azure")))]
mod cloud {
    //! Without the `s3` and `azure` features, cloud URLs are a clear error.
    use super::BlobStore;
    use fotobase::{Error, ErrorKind, Result};

    /// No backend can presign without a cloud feature.
    pub type Signer = std::convert::Infallible;

    pub async fn presign(
        signer: &Signer,
        _: &str,
        _: &object_store::path::Path,
        _: std::time::Duration,
    ) -> Result<String> {
        match *signer {}
    }

    pub fn s3(_: &str) -> Result<BlobStore> {
        Err(Error::new(ErrorKind::InvalidArgument, "s3:// needs fotobase's `s3` feature"))
    }

    pub fn azure(_: &str) -> Result<BlobStore> {
        Err(Error::new(ErrorKind::InvalidArgument, "az:// needs fotobase's `azure` feature"))
    }
}
mod keys;
mod signed;

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload, WriteMultipart};
use sha2::{Digest as _, Sha256};

pub use keys::{cas_key, validate_key};
pub use signed::{LocalUrlSigner, SignedRequest};

use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::random::hex;

/// Where blobs live, from a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `file:///absolute/dir`: the embedded default.
    Local,
    /// `memory://`: tests and throwaway servers.
    Memory,
    /// `s3://bucket/prefix` (AWS S3, MinIO, moto, R2 …; feature `s3`).
    S3,
    /// `az://container/prefix` (Azure Blob Storage, azurite; feature `azure`).
    Azure,
}

/// Facts about a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    pub key: String,
    pub bytes: u64,
    /// Unix seconds of the last write.
    pub modified_at: i64,
}

/// The result of storing bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Content address (`cas/…`).
    pub key: String,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub bytes: u64,
    /// `false` when identical bytes were already stored (nothing was written).
    pub created: bool,
}

/// Bytes hashed and held under a temporary key by [`BlobStore::stage`].
#[derive(Debug)]
pub struct Staged {
    tmp: Path,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub bytes: u64,
}

impl Staged {
    /// The content address publishing will use.
    pub fn key(&self) -> String {
        cas_key(&self.sha256)
    }
}

/// What a [`BlobStore::gc`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    pub deleted_blobs: u64,
    pub deleted_temp: u64,
    /// Cache objects ([`BlobStore::put_cache`]) past the grace period.
    pub deleted_cache: u64,
    pub kept: u64,
}

/// Where derived data may be cached (see [`BlobStore::put_cache`]).
pub const CACHE_PREFIX: &str = "cache/";

/// A content-addressed blob store on any `object_store` backend.
#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Presigning for backends that can (S3, Azure).
    signer: Option<cloud::Signer>,
    backend: Backend,
    /// Multipart part size for streamed uploads.
    part_size: usize,
}

const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;

impl BlobStore {
    /// Open by URL: `file:///var/lib/fotobase/blobs` (created if missing), `memory://`,
    /// `s3://bucket/prefix` or `az://container/prefix`. Cloud credentials, region and
    /// endpoint come from the standard environment variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`;
    /// `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, `AZURE_STORAGE_SAS_KEY`,
    /// `AZURE_STORAGE_USE_EMULATOR`, …), never from the URL. S3 requests are path-style
    /// unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.
    pub fn from_url(url: &str) -> Result<BlobStore> {
        if let Some(rest) = url.strip_prefix("s3://") {
            return cloud::s3(rest);
        }
        if let Some(rest) = url.strip_prefix("az://") {
            return cloud::azure(rest);
        }
        let (backend, store): (Backend, Arc<dyn ObjectStore>) = if url == "memory://" || url == "memory:" {
            (Backend::Memory, Arc::new(object_store::memory::InMemory::new()))
        } else if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(Error::new(ErrorKind::InvalidArgument, "file:// blob URLs need an absolute path")
                    .with_context("url", url));
            }
            std::fs::create_dir_all(path)?;
            let local = object_store::local::LocalFileSystem::new_with_prefix(path)
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, "cannot open blob directory").with_source(e))?
                .with_automatic_cleanup(true);
            (Backend::Local, Arc::new(local))
        } else {
            let scheme = url.split("://").next().unwrap_or(url);
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "unsupported blob store URL (use file:// or memory://)",
            )
            .with_context("scheme", scheme));
        };
        Ok(BlobStore { store, signer: None, backend, part_size: DEFAULT_PART_SIZE })
    }

    /// A presigned URL that lets a client `GET` or `PUT` `key` directly at the
    /// cloud backend for `ttl`. Local and memory stores cannot presign: the
    /// server signs its own URLs with [`LocalUrlSigner`] instead.
    pub async fn presigned_url(&self, method: &str, key: &str, ttl: std::time::Duration) -> Result<String> {
        let path = checked(key)?;
        let method = method.to_ascii_uppercase();
        if method != "GET" && method != "PUT" {
            return Err(Error::new(ErrorKind::InvalidArgument, "only GET and PUT URLs can be presigned"));
        }
        let signer = self.signer.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "this backend cannot presign URLs; use LocalUrlSigner")
                .with_context("backend", format!("{:?}", self.backend))
        })?;
        cloud::presign(signer, &method, &path, ttl).await
    }

    /// Use smaller multipart parts (tests exercise multi-part uploads with small data).
    #[must_use]
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1024);
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Store bytes already in memory at their content address (one atomic put).
    /// `expected_sha256`, when given, must match or nothing is stored.
    pub async fn put_bytes(&self, data: Bytes, expected_sha256: Option<&str>, max_bytes: u64) -> Result<Stored> {
        check_size(data.len() as u64, max_bytes)?;
        let sha = hex(&Sha256::digest(&data));
        check_digest(&sha, expected_sha256)?;
        self.put_digested(data, sha).await
    }

    /// [`BlobStore::put_bytes`] for bytes whose SHA-256 (lower-case hex) the caller has just
    /// computed from them: hashing a 0.6 MB upload twice was a tenth of the upload endpoint's time.
    pub(crate) async fn put_digested(&self, data: Bytes, sha: String) -> Result<Stored> {
        let key = cas_key(&sha);
        let path = Path::from(key.as_str());
        if self.exists(&path).await? {
            return Ok(Stored { key, sha256: sha, bytes: data.len() as u64, created: false });
        }
        let bytes = data.len() as u64;
        self.store.put(&path, PutPayload::from_bytes(data)).await.map_err(store_err)?;
        Ok(Stored { key, sha256: sha, bytes, created: true })
    }

    /// Store derived bytes (a resized rendition, say) at `key`, which must start
    /// with [`CACHE_PREFIX`], replacing what is there. Not content addressed and
    /// not tracked by `storage::media`: collectors delete cache objects older than
    /// their grace period, so an entry lives about that long after its last write.
    pub async fn put_cache(&self, key: &str, data: Bytes) -> Result<()> {
        if !key.starts_with(CACHE_PREFIX) {
            return Err(Error::new(ErrorKind::InvalidArgument, "cache keys start with cache/").with_context("key", key));
        }
        let path = checked(key)?;
        self.store.put(&path, PutPayload::from_bytes(data)).await.map_err(store_err)?;
        Ok(())
    }

    /// Stream bytes in without holding them all in memory: multipart upload to a
    /// temporary key while hashing, then a move to the content address. Stops
    /// with `limit_exceeded` as soon as `max_bytes` is passed, leaving nothing behind.
    pub async fn put_stream<S, E>(&self, stream: S, expected_sha256: Option<&str>, max_bytes: u64) -> Result<Stored>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let staged = self.stage(stream, expected_sha256, max_bytes).await?;
        let stored = self.publish(&staged).await;
        self.discard(staged).await?;
        stored
    }

    /// The first half of [`BlobStore::put_stream`]: the bytes land under a temporary
    /// key, hashed and size-checked, but not yet at their address. Callers that must
    /// order the address against a database (`storage::media`) publish when ready.
    pub async fn stage<S, E>(&self, mut stream: S, expected_sha256: Option<&str>, max_bytes: u64) -> Result<Staged>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let tmp = Path::from(format!("tmp/{}", fotobase_auth::random::random_hex(16)));
        let upload = self.store.put_multipart(&tmp).await.map_err(store_err)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        let failed = loop {
            match stream.next().await {
                None => break None,
                Some(Err(e)) => {
                    break Some(Error::new(ErrorKind::Unexpected, "upload stream failed").with_source(e.into()));
                }
                Some(Ok(chunk)) => {
                    total += chunk.len() as u64;
                    if let Err(e) = check_size(total, max_bytes) {
                        break Some(e);
                    }
                    hasher.update(&chunk);
                    if let Err(e) = writer.wait_for_capacity(4).await {
                        break Some(store_err(e));
                    }
                    writer.put(chunk);
                }
            }
        };
        if let Some(e) = failed {
            let _ = writer.abort().await;
            return Err(e);
        }
        writer.finish().await.map_err(store_err)?;
        let sha = hex(&hasher.finalize());
        let staged = Staged { tmp, sha256: sha, bytes: total };
        if let Err(e) = check_digest(&staged.sha256, expected_sha256) {
            self.discard(staged).await?;
            return Err(e);
        }
        Ok(staged)
    }

    /// Make staged bytes available at their content address (a copy, so the staged
    /// copy survives until [`BlobStore::discard`] and publishing can be repeated).
    pub async fn publish(&self, staged: &Staged) -> Result<Stored> {
        let key = cas_key(&staged.sha256);
        let path = Path::from(key.as_str());
        let created = !self.exists(&path).await?;
        if created {
            // Same content, same key: a concurrent identical upload overwriting us is harmless.
            self.store.copy(&staged.tmp, &path).await.map_err(store_err)?;
        }
        Ok(Stored { key, sha256: staged.sha256.clone(), bytes: staged.bytes, created })
    }

    /// Drop the temporary copy of staged bytes.
    pub async fn discard(&self, staged: Staged) -> Result<()> {
        match self.store.delete(&staged.tmp).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_err(e)),
        }
    }

    /// The whole of a staged upload, before it is published (for a format whose header cannot be
    /// read from the upload's first part alone).
    pub async fn get_staged(&self, staged: &Staged) -> Result<Bytes> {
        self.store.get(&staged.tmp).await.map_err(store_err)?.bytes().await.map_err(store_err)
    }

    /// The whole blob.
    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let path = checked(key)?;
        self.store.get(&path).await.map_err(|e| not_found_or(e, key))?.bytes().await.map_err(store_err)
    }

    /// The blob as a stream of chunks (for serving large files).
    pub async fn get_stream(&self, key: &str) -> Result<impl Stream<Item = Result<Bytes>> + use<>> {
        let path = checked(key)?;
        let res = self.store.get(&path).await.map_err(|e| not_found_or(e, key))?;
        Ok(res.into_stream().map_err(store_err))
    }

    /// Bytes `range` of the blob (HTTP range requests).
    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes> {
        let path = checked(key)?;
        if range.start > range.end {
            return Err(Error::new(ErrorKind::InvalidArgument, "range start is after its end"));
        }
        self.store.get_range(&path, range).await.map_err(|e| not_found_or(e, key))
    }

    /// Size and time of a blob, `None` if absent.
    pub async fn head(&self, key: &str) -> Result<Option<BlobMeta>> {
        let path = checked(key)?;
        match self.store.head(&path).await {
            Ok(m) => Ok(Some(meta(m))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_err(e)),
        }
    }

    /// Delete a blob; deleting a missing blob is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        let path = checked(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_err(e)),
        }
    }

    /// Blobs whose key starts with `prefix` (a folder such as `cas/ab`; empty for all).
    pub async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>> {
        let prefix = prefix.trim_end_matches('/');
        let prefix = if prefix.is_empty() { None } else { Some(checked(prefix)?) };
        let mut out: Vec<BlobMeta> =
            self.store.list(prefix.as_ref()).map_ok(meta).try_collect().await.map_err(store_err)?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Delete content-addressed blobs that `is_referenced` does not claim and
    /// temporary uploads, both only if older than `older_than` (unix seconds), so
    /// uploads in flight and blobs whose row is about to commit survive.
    pub async fn gc(&self, older_than: i64, is_referenced: impl Fn(&str) -> bool) -> Result<GcReport> {
        let mut report = GcReport::default();
        for m in self.list("tmp").await? {
            if m.modified_at < older_than {
                self.delete(&m.key).await?;
                report.deleted_temp += 1;
            }
        }
        for m in self.list("cache").await? {
            if m.modified_at < older_than {
                self.delete(&m.key).await?;
                report.deleted_cache += 1;
            }
        }
        for m in self.list("cas").await? {
            if m.modified_at < older_than && !is_referenced(&m.key) {
                self.delete(&m.key).await?;
                report.deleted_blobs += 1;
            } else {
                report.kept += 1;
            }
        }
        Ok(report)
    }

    async fn exists(&self, path: &Path) -> Result<bool> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_err(e)),
        }
    }
}

fn checked(key: &str) -> Result<Path> {
    validate_key(key)?;
    Ok(Path::from(key))
}

fn meta(m: object_store::ObjectMeta) -> BlobMeta {
    BlobMeta { key: m.location.to_string(), bytes: m.size, modified_at: m.last_modified.timestamp() }
}

fn check_size(bytes: u64, max: u64) -> Result<()> {
    if bytes > max {
        return Err(Error::new(ErrorKind::LimitExceeded, "blob is larger than allowed").with_context("max_bytes", max));
    }
    Ok(())
}

fn check_digest(actual: &str, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(want) if !want.eq_ignore_ascii_case(actual) => {
            Err(Error::new(ErrorKind::CorruptInput, "content does not match its declared SHA-256")
                .with_context("expected", want)
                .with_context("actual", actual))
        }
        _ => Ok(()),
    }
}

fn not_found_or(e: object_store::Error, key: &str) -> Error {
    match e {
        object_store::Error::NotFound { .. } => {
            Error::new(ErrorKind::NotFound, "no such blob").with_context("key", key)
        }
        e => store_err(e),
    }
}

fn store_err(e: object_store::Error) -> Error {
    Error::new(ErrorKind::Unexpected, "blob store error").with_source(e)
}
