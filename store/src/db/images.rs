//! Images, their tags, processed versions and comparisons, and the statistics
//! over them. Rows that point at blobs are written by `storage::media`, which
//! orders them against the blob store; everything else is here.

use std::sync::Arc;

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::model::{Cols, IMAGE_NAME, Row, Val, Where, bind_all, check_name, normalize_tags};
use super::page::{self, KeyValue, Page};
use super::{Db, Tx, Visibility, db_err};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::clock::{Clock, SystemClock};

/// Where an image is in its life: thumbnails and metadata are made by a job after upload.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    Processing,
    Ready,
    Failed,
}

impl ImageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageStatus::Processing => "processing",
            ImageStatus::Ready => "ready",
            ImageStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "ready" => ImageStatus::Ready,
            "failed" => ImageStatus::Failed,
            _ => ImageStatus::Processing,
        }
    }
}

/// What the uploader knows about an image (from probing the bytes) besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct NewImage {
    pub owner_id: i64,
    pub name: String,
    /// Short format name (`jpeg`, `png`, `webp`, `avif`, `gif`).
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8 (1 when absent).
    pub orientation: u8,
    /// EXIF DateTimeOriginal as unix seconds, when the file says.
    pub taken_at: Option<i64>,
    /// Camera facts as JSON (the server writes `fotobase::image::Metadata`; storage does not
    /// depend on the image engine, so it keeps the text as given). Includes GPS: show it to the
    /// owner only.
    pub photo_metadata: Option<String>,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    /// The client's `Idempotency-Key`: a second image of the owner with the same key is refused
    /// (see [`Images::by_idempotency_key`]).
    pub idempotency_key: Option<String>,
}

impl NewImage {
    /// The stored name and tags, or why the metadata cannot be stored.
    pub(crate) fn validated(&self) -> Result<(String, Vec<String>)> {
        let name = check_name(IMAGE_NAME, &self.name)?;
        let tags = normalize_tags(&self.tags)?;
        if !(1..=8).contains(&self.orientation) {
            return Err(Error::new(ErrorKind::InvalidArgument, "orientation must be 1 to 8"));
        }
        if self.format.is_empty() || self.format.len() > 16 {
            return Err(Error::new(ErrorKind::InvalidArgument, "format must be a short name such as jpeg"));
        }
        if self.idempotency_key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 200) {
            return Err(Error::new(ErrorKind::InvalidArgument, "an idempotency key has 1 to 200 bytes")
                .with_context("field", "idempotency-key"));
        }
        Ok((name, tags))
    }
}

/// An original image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    #[serde(skip)]
    pub blob_key: String,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub orientation: u8,
    pub taken_at: Option<i64>,
    /// See [`NewImage::photo_metadata`].
    #[serde(skip)]
    pub photo_metadata: Option<String>,
    pub uploaded_at: i64,
    /// `taken_at`, or the upload time when the file has no date: the timeline's sort key.
    pub captured_at: i64,
    pub updated_at: i64,
    pub visibility: Visibility,
    pub status: ImageStatus,
    #[serde(skip)]
    pub thumbnail_key: Option<String>,
    pub tags: Vec<String>,
}

/// A partial metadata update: `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ImageUpdate {
    pub name: Option<String>,
    pub visibility: Option<Visibility>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
}

/// The orders [`Images::list`] walks, each ending with the id so that pages are stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImageSort {
    /// When the photo was taken (EXIF), or uploaded when it does not say: the gallery's order.
    #[default]
    TakenAt,
    UploadedAt,
    /// In the database's collation.
    Name,
    Bytes,
}

impl ImageSort {
    pub const NAMES: [&str; 4] = ["taken_at", "uploaded_at", "name", "bytes"];

    pub fn parse(s: &str) -> Result<ImageSort> {
        Ok(match s {
            "taken_at" => ImageSort::TakenAt,
            "uploaded_at" => ImageSort::UploadedAt,
            "name" => ImageSort::Name,
            "bytes" => ImageSort::Bytes,
            _ => {
                return Err(Error::new(ErrorKind::InvalidArgument, "unknown sort order")
                    .with_context("allowed", Self::NAMES.join(", ")));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn column(self) -> &'static str {
        match self {
            ImageSort::TakenAt => "captured_at",
            ImageSort::UploadedAt => "uploaded_at",
            ImageSort::Name => "name",
            ImageSort::Bytes => "bytes",
        }
    }

    /// Names A to Z; dates and sizes newest and largest first.
    pub fn descending_by_default(self) -> bool {
        self != ImageSort::Name
    }

    fn key(self, image: &Image) -> KeyValue {
        match self {
            ImageSort::TakenAt => KeyValue::Int(image.captured_at),
            ImageSort::UploadedAt => KeyValue::Int(image.uploaded_at),
            ImageSort::Name => KeyValue::Text(image.name.clone()),
            ImageSort::Bytes => KeyValue::Int(image.bytes),
        }
    }
}

/// Which images [`Images::list`] returns, and in which order (default: newest `captured_at` first).
#[derive(Debug, Clone, Default)]
pub struct ImageFilter {
    pub owner_id: Option<i64>,
    pub visibility: Option<Visibility>,
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    /// Images with at least one of these tags.
    pub tags_any: Vec<String>,
    /// Images with every one of these tags.
    pub tags_all: Vec<String>,
    /// `captured_at >= from` (unix seconds).
    pub from: Option<i64>,
    /// `captured_at < to`.
    pub to: Option<i64>,
    pub folder_id: Option<i64>,
    pub sort: ImageSort,
    /// `None`: the sort's own direction ([`ImageSort::descending_by_default`]).
    pub descending: Option<bool>,
    pub cursor: Option<String>,
    /// 0 = default page size.
    pub limit: u32,
}

/// A processed rendition of an image (one algorithm and its parameters).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub id: i64,
    pub image_id: i64,
    pub algorithm: String,
    pub params: serde_json::Value,
    #[serde(skip)]
    pub blob_key: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub ssimulacra2: Option<f64>,
    /// Every metric measured against the original (`mse`, `psnr`, `ssim`, …).
    pub metrics: serde_json::Value,
    pub created_at: i64,
}

/// What a processing job produced, besides the bytes.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub image_id: i64,
    pub algorithm: String,
    pub params: serde_json::Value,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub metrics: serde_json::Value,
    /// The job that made it, if any: a job adds at most one version, so one run again after
    /// a crash gets back the version its first run stored.
    pub job_id: Option<i64>,
}

/// Metrics between the original (`version_a = None`) or one version, and another version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub id: i64,
    pub image_id: i64,
    pub version_a: Option<i64>,
    pub version_b: i64,
    pub metrics: serde_json::Value,
    pub created_at: i64,
}

/// Totals for one user or for everyone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub images: i64,
    /// Bytes of the originals.
    pub bytes_stored: i64,
    pub versions: i64,
    pub version_bytes: i64,
    pub by_algorithm: Vec<AlgorithmStats>,
}

/// How one algorithm did over all the images it processed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgorithmStats {
    pub algorithm: String,
    pub versions: i64,
    /// Bytes of the originals these versions were made from.
    pub bytes_in: i64,
    pub bytes_out: i64,
    /// `bytes_in - bytes_out` (negative when the algorithm made files larger).
    pub bytes_saved: i64,
    pub mean_ssimulacra2: Option<f64>,
}

/// Typed access to `images`, `image_tags`, `processed_images` and `comparisons`.
#[derive(Debug, Clone)]
pub struct Images {
    db: Db,
    clock: Arc<dyn Clock>,
}

const IMAGE_COLUMNS: &str = "i.id, i.owner_id, i.name, i.blob_key, i.sha256, i.format, i.width, i.height, i.bytes, \
     i.orientation, i.taken_at, i.photo_metadata, i.uploaded_at, i.captured_at, i.updated_at, i.visibility, i.status, \
     i.thumbnail_key";
const VERSION_COLUMNS: &str =
    "id, image_id, algorithm, params, blob_key, format, width, height, bytes, ssimulacra2, metrics, created_at";

impl Images {
    pub fn new(db: Db) -> Self {
        Images { db, clock: Arc::new(SystemClock) }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    #[doc(hidden)]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Insert the row for an image whose blob is already at `blob_key` (see `storage::media`).
    #[doc(hidden)] // the conformance suite writes rows without bytes
    pub async fn insert<'c>(
        &self,
        tx: &mut sqlx::Transaction<'c, sqlx::Any>,
        new: &NewImage,
        blob_key: &str,
        sha256: &str,
        bytes: u64,
    ) -> Result<i64> {
        let (name, tags) = new.validated()?;
        let now = self.clock.now();
        let q = self.db.insert_sql(
            "INSERT INTO images (owner_id, name, blob_key, sha256, format, width, height, bytes, orientation, taken_at, \
             photo_metadata, uploaded_at, captured_at, updated_at, visibility, status, idempotency_key) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q)
            .bind(new.owner_id)
            .bind(name)
            .bind(blob_key)
            .bind(sha256)
            .bind(&new.format)
            .bind(new.width as i32)
            .bind(new.height as i32)
            .bind(bytes as i64)
            .bind(i32::from(new.orientation))
            .bind(new.taken_at)
            .bind(new.photo_metadata.as_deref())
            .bind(now)
            .bind(new.taken_at.unwrap_or(now))
            .bind(now)
            .bind(new.visibility.as_str())
            .bind(ImageStatus::Processing.as_str())
            .bind(new.idempotency_key.as_deref());
        let id = match self.db.inserted_id(&mut **tx, query).await {
            Err(e)
                if new.idempotency_key.is_some()
                    && std::error::Error::source(&e).is_some_and(super::is_unique_violation) =>
            {
                return Err(Error::new(ErrorKind::AlreadyExists, "this Idempotency-Key was used for another upload")
                    .with_context("field", "idempotency-key"));
            }
            other => other?,
        };
        self.write_tags(tx, id, &tags).await?;
        Ok(id)
    }

    /// Insert the row for a version whose blob is already at `blob_key`.
    #[doc(hidden)] // the conformance suite writes rows without bytes
    pub async fn insert_version<'c>(
        &self,
        tx: &mut sqlx::Transaction<'c, sqlx::Any>,
        new: &NewVersion,
        blob_key: &str,
        bytes: u64,
    ) -> Result<i64> {
        let ssimulacra2 = new.metrics.get("ssimulacra2").and_then(serde_json::Value::as_f64);
        let q = self.db.insert_sql(
            "INSERT INTO processed_images (image_id, algorithm, params, blob_key, format, width, height, bytes, \
             ssimulacra2, metrics, created_at, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q)
            .bind(new.image_id)
            .bind(&new.algorithm)
            .bind(new.params.to_string())
            .bind(blob_key)
            .bind(&new.format)
            .bind(new.width as i32)
            .bind(new.height as i32)
            .bind(bytes as i64)
            .bind(ssimulacra2)
            .bind(new.metrics.to_string())
            .bind(self.clock.now())
            .bind(new.job_id);
        self.db.inserted_id(&mut **tx, query).await
    }

    async fn write_tags(&self, conn: &mut sqlx::AnyConnection, id: i64, tags: &[String]) -> Result<()> {
        let q = self.db.sql("INSERT INTO image_tags (image_id, tag) VALUES (?, ?)");
        for tag in tags {
            sqlx::query(&q).bind(id).bind(tag).execute(&mut *conn).await.map_err(|e| db_err("cannot tag image", e))?;
        }
        Ok(())
    }

    /// Point a live image at a new thumbnail, in the transaction holding the address's claim;
    /// false when no live image has `id`.
    pub(crate) async fn set_thumbnail_in(&self, tx: &mut Tx, id: i64, key: &str) -> Result<bool> {
        let q = self
            .db
            .sql("UPDATE images SET thumbnail_key = ?, status = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL");
        let done = sqlx::query(&q)
            .bind(key)
            .bind(ImageStatus::Ready.as_str())
            .bind(self.clock.now())
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(|e| db_err("cannot set thumbnail", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// Mark an image and its versions deleted (one transaction; their rows and bytes go
    /// afterwards, see `storage::media`) and give their bytes back to the owner's quota;
    /// false when no live image has `id`.
    ///
    /// The image row is marked first: that row lock orders this against a version being added
    /// (which locks the live image, see `quotas::owner_of_image`), so the versions summed and
    /// marked below are exactly the ones charged, and a second deletion finds nothing to give back.
    pub(crate) async fn mark_deleted(&self, id: i64) -> Result<bool> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let q = self.db.sql("UPDATE images SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL");
        let done =
            sqlx::query(&q).bind(now).bind(id).execute(&mut *tx).await.map_err(|e| db_err("cannot delete image", e))?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let q = self.db.sql("SELECT owner_id, bytes FROM images WHERE id = ?");
        let row = sqlx::query(&q).bind(id).fetch_one(&mut *tx).await.map_err(|e| db_err("cannot read image", e))?;
        let get = |e: sqlx::Error| db_err("bad image row", e);
        let (owner, mut bytes): (i64, i64) =
            (row.try_get("owner_id").map_err(get)?, row.try_get("bytes").map_err(get)?);
        // Locking reads: the committed versions, whatever snapshot the transaction holds.
        let q = self.db.sql(&format!(
            "SELECT bytes FROM processed_images WHERE image_id = ? AND deleted_at IS NULL{}",
            self.db.for_update()
        ));
        for r in sqlx::query(&q).bind(id).fetch_all(&mut *tx).await.map_err(|e| db_err("cannot read versions", e))? {
            bytes += r.try_get::<i64, _>("bytes").map_err(get)?;
        }
        let q = self.db.sql("UPDATE processed_images SET deleted_at = ? WHERE image_id = ? AND deleted_at IS NULL");
        sqlx::query(&q).bind(now).bind(id).execute(&mut *tx).await.map_err(|e| db_err("cannot delete versions", e))?;
        super::quotas::credit(&self.db, &mut tx, owner, bytes).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit deletion", e))?;
        Ok(true)
    }

    /// Mark one version deleted and give its bytes back; false when no live version has `id`.
    pub(crate) async fn mark_version_deleted(&self, id: i64) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let q = self.db.sql("UPDATE processed_images SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL");
        let done = sqlx::query(&q)
            .bind(self.clock.now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot delete version", e))?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let q = self.db.sql(
            "SELECT v.bytes AS bytes, i.owner_id AS owner_id FROM processed_images v JOIN images i ON i.id = v.image_id \
             WHERE v.id = ?",
        );
        let row = sqlx::query(&q).bind(id).fetch_one(&mut *tx).await.map_err(|e| db_err("cannot read version", e))?;
        let get = |e: sqlx::Error| db_err("bad version row", e);
        let (owner, bytes): (i64, i64) = (row.try_get("owner_id").map_err(get)?, row.try_get("bytes").map_err(get)?);
        super::quotas::credit(&self.db, &mut tx, owner, bytes).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit deletion", e))?;
        Ok(true)
    }

    /// The addresses an image's rows use: original, thumbnail, versions.
    pub(crate) async fn blob_keys(&self, id: i64) -> Result<Vec<String>> {
        let q = self.db.sql(
            "SELECT blob_key AS k FROM images WHERE id = ? UNION SELECT thumbnail_key AS k FROM images WHERE id = ? \
             UNION SELECT blob_key AS k FROM processed_images WHERE image_id = ?",
        );
        let rows = sqlx::query(&q)
            .bind(id)
            .bind(id)
            .bind(id)
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read image", e))?;
        Ok(rows.iter().filter_map(|r| r.try_get::<Option<String>, _>("k").ok().flatten()).collect())
    }

    /// Remove a marked image's row (its versions, tags, memberships and links go with it).
    pub(crate) async fn purge(&self, id: i64) -> Result<()> {
        let q = self.db.sql("DELETE FROM images WHERE id = ? AND deleted_at IS NOT NULL");
        sqlx::query(&q).bind(id).execute(self.db.pool()).await.map_err(|e| db_err("cannot delete image", e))?;
        Ok(())
    }

    /// The address a version's row uses.
    pub(crate) async fn version_blob_key(&self, id: i64) -> Result<Option<String>> {
        let q = self.db.sql("SELECT blob_key FROM processed_images WHERE id = ?");
        let row = sqlx::query(&q)
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read version", e))?;
        Ok(row.and_then(|r| r.try_get("blob_key").ok()))
    }

    /// Remove a marked version's row.
    pub(crate) async fn purge_version(&self, id: i64) -> Result<()> {
        let q = self.db.sql("DELETE FROM processed_images WHERE id = ? AND deleted_at IS NOT NULL");
        sqlx::query(&q).bind(id).execute(self.db.pool()).await.map_err(|e| db_err("cannot delete version", e))?;
        Ok(())
    }

    /// Images and versions marked deleted whose rows are still there (interrupted deletions).
    pub(crate) async fn marked_deleted(&self) -> Result<(Vec<i64>, Vec<i64>)> {
        Ok((self.marked_ids("images").await?, self.marked_ids("processed_images").await?))
    }

    async fn marked_ids(&self, table: &'static str) -> Result<Vec<i64>> {
        let rows = sqlx::query(&format!("SELECT id FROM {table} WHERE deleted_at IS NOT NULL"))
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot list deletions", e))?;
        rows.iter().map(|r| r.try_get("id").map_err(|e| db_err("bad row", e))).collect()
    }

    /// The owner's live image stored under an upload's idempotency key, if any.
    pub async fn by_idempotency_key(&self, owner_id: i64, key: &str) -> Result<Option<Image>> {
        let q = self
            .db
            .sql("SELECT i.id FROM images i WHERE i.owner_id = ? AND i.idempotency_key = ? AND i.deleted_at IS NULL");
        let row = sqlx::query(&q)
            .bind(owner_id)
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read image", e))?;
        match row {
            Some(r) => Ok(Some(self.get(r.try_get("id").map_err(|e| db_err("bad image row", e))?).await?)),
            None => Ok(None),
        }
    }

    /// A live (not deleted) image, `not_found` otherwise.
    pub async fn get(&self, id: i64) -> Result<Image> {
        let q = self.db.sql(&with_tags(
            &format!("SELECT {IMAGE_COLUMNS} FROM images i WHERE i.id = ? AND i.deleted_at IS NULL"),
            "p.id",
        ));
        let mut images = Vec::new();
        self.db.rows(&q, &[Val::I(id)], "cannot read image", |row| push_image(&mut images, row)).await?;
        images.pop().ok_or_else(|| not_found("image", id))
    }

    /// Change name, visibility or tags.
    pub async fn update(&self, id: i64, update: &ImageUpdate) -> Result<Image> {
        let current = self.get(id).await?;
        let name = match &update.name {
            Some(n) => check_name(IMAGE_NAME, n)?,
            None => current.name,
        };
        let visibility = update.visibility.unwrap_or(current.visibility);
        let tags = update.tags.as_deref().map(normalize_tags).transpose()?;
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        let q = self
            .db
            .sql("UPDATE images SET name = ?, visibility = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL");
        sqlx::query(&q)
            .bind(name)
            .bind(visibility.as_str())
            .bind(self.clock.now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot update image", e))?;
        if let Some(tags) = tags {
            let q = self.db.sql("DELETE FROM image_tags WHERE image_id = ?");
            sqlx::query(&q).bind(id).execute(&mut *tx).await.map_err(|e| db_err("cannot retag image", e))?;
            self.write_tags(&mut tx, id, &tags).await?;
        }
        tx.commit().await.map_err(|e| db_err("cannot commit", e))?;
        self.get(id).await
    }

    /// Record what the post-upload job found.
    pub async fn set_status(&self, id: i64, status: ImageStatus) -> Result<()> {
        let q = self.db.sql("UPDATE images SET status = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL");
        let done = sqlx::query(&q)
            .bind(status.as_str())
            .bind(self.clock.now())
            .bind(id)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot update image", e))?;
        if done.rows_affected() == 0 {
            return Err(not_found("image", id));
        }
        Ok(())
    }

    /// Images matching `filter`, newest first, a page at a time.
    pub async fn list(&self, filter: &ImageFilter) -> Result<Page<Image>> {
        let limit = page::page_size(filter.limit);
        let mut w = Where::default();
        w.and("i.deleted_at IS NULL", [])
            .eq("i.owner_id", filter.owner_id.map(Val::I))
            .eq("i.visibility", filter.visibility.map(|v| Val::S(v.as_str().into())))
            .name_contains("i.name", filter.name.as_deref())
            .range("i.captured_at", filter.from, filter.to)
            .tags("image_tags", "image_id", "i.id", &filter.tags_any, &filter.tags_all)?;
        if let Some(folder) = filter.folder_id {
            w.and(
                "EXISTS (SELECT 1 FROM folder_images f WHERE f.image_id = i.id AND f.folder_id = ?)",
                [Val::I(folder)],
            );
        }
        let (sort, desc) = (filter.sort, filter.descending.unwrap_or(filter.sort.descending_by_default()));
        let (col, dir, past) = (sort.column(), if desc { "DESC" } else { "ASC" }, if desc { "<" } else { ">" });
        let order = format!("{}_{}", sort.as_str(), dir.to_ascii_lowercase());
        if let Some(cursor) = &filter.cursor {
            let (value, id) = page::decode_position(cursor, &order)?;
            let value = match value {
                KeyValue::Int(n) => Val::I(n),
                KeyValue::Text(t) => Val::S(t),
            };
            w.and(format!("(i.{col} {past} ? OR (i.{col} = ? AND i.id {past} ?))"), [value.clone(), value, Val::I(id)]);
        }
        let mut vals = w.vals.clone();
        vals.push(Val::I(i64::from(limit) + 1));
        // The page and its tags in one query (a row per tag): each query is a round trip,
        // on SQLite to the connection's own thread, and a page's time was mostly round trips.
        let q = self.db.sql(&with_tags(
            &format!(
                "SELECT {IMAGE_COLUMNS} FROM images i WHERE {} ORDER BY i.{col} {dir}, i.id {dir} LIMIT ?",
                w.sql()
            ),
            &format!("p.{col} {dir}, p.id {dir}"),
        ));
        let mut images = Vec::new();
        self.db.rows(&q, &vals, "cannot list images", |row| push_image(&mut images, row)).await?;
        Ok(page::finish_at(images, limit, |i| page::encode_position(&order, &sort.key(i), i.id)))
    }

    /// Ids of every live image an owner has (account deletion walks these).
    pub async fn ids_of_owner(&self, owner_id: i64) -> Result<Vec<i64>> {
        let q = self.db.sql("SELECT id FROM images WHERE owner_id = ? AND deleted_at IS NULL ORDER BY id");
        let rows = sqlx::query(&q)
            .bind(owner_id)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list images", e))?;
        rows.iter().map(|r| Cols::new(r, "bad image row").get("id")).collect()
    }

    /// The versions of an image, oldest first.
    pub async fn versions(&self, image_id: i64) -> Result<Vec<Version>> {
        self.get(image_id).await?;
        let q = self.db.sql(&format!(
            "SELECT {VERSION_COLUMNS} FROM processed_images WHERE image_id = ? AND deleted_at IS NULL ORDER BY id"
        ));
        let rows = sqlx::query(&q)
            .bind(image_id)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list versions", e))?;
        rows.iter().map(version_from).collect()
    }

    /// One version, `not_found` if it or its image is gone.
    pub async fn version(&self, id: i64) -> Result<Version> {
        let q = self.db.sql(&format!(
            "SELECT {VERSION_COLUMNS} FROM processed_images v WHERE id = ? AND deleted_at IS NULL \
             AND EXISTS (SELECT 1 FROM images i WHERE i.id = v.image_id AND i.deleted_at IS NULL)"
        ));
        let row = sqlx::query(&q)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read version", e))?;
        row.as_ref().map(version_from).transpose()?.ok_or_else(|| not_found("version", id))
    }

    /// The live version job `job_id` made, if it made one.
    pub async fn version_for_job(&self, job_id: i64) -> Result<Option<Version>> {
        let q = self.db.sql("SELECT id FROM processed_images WHERE job_id = ? AND deleted_at IS NULL");
        let row = sqlx::query(&q)
            .bind(job_id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read version", e))?;
        let Some(row) = row else { return Ok(None) };
        let id = Cols::new(&row, "bad version row").get("id")?;
        Ok(Some(self.version(id).await?))
    }

    /// Record a comparison between the original (`None`) or a version, and a version of the same image.
    pub async fn add_comparison(
        &self,
        image_id: i64,
        version_a: Option<i64>,
        version_b: i64,
        metrics: &serde_json::Value,
    ) -> Result<Comparison> {
        for v in version_a.into_iter().chain([version_b]) {
            if self.version(v).await?.image_id != image_id {
                return Err(Error::new(ErrorKind::InvalidArgument, "the version belongs to another image"));
            }
        }
        let now = self.clock.now();
        let q = self.db.insert_sql(
            "INSERT INTO comparisons (image_id, version_a, version_b, metrics, created_at) VALUES (?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q).bind(image_id).bind(version_a).bind(version_b).bind(metrics.to_string()).bind(now);
        let id = self.db.inserted_id(&self.db.pool, query).await?;
        Ok(Comparison { id, image_id, version_a, version_b, metrics: metrics.clone(), created_at: now })
    }

    /// Comparisons recorded for an image, oldest first.
    pub async fn comparisons(&self, image_id: i64) -> Result<Vec<Comparison>> {
        self.get(image_id).await?;
        let q = self.db.sql(
            "SELECT id, image_id, version_a, version_b, metrics, created_at FROM comparisons WHERE image_id = ? ORDER BY id",
        );
        let rows = sqlx::query(&q)
            .bind(image_id)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list comparisons", e))?;
        rows.iter()
            .map(|r| {
                let c = Cols::new(r, "bad comparison row");
                Ok(Comparison {
                    id: c.get("id")?,
                    image_id: c.get("image_id")?,
                    version_a: c.get("version_a")?,
                    version_b: c.get("version_b")?,
                    metrics: c.json("metrics")?,
                    created_at: c.get("created_at")?,
                })
            })
            .collect()
    }

    /// Totals for one owner (`Some`) or everybody (`None`).
    pub async fn stats(&self, owner_id: Option<i64>) -> Result<Stats> {
        let (owner_cond, vals) = match owner_id {
            Some(o) => (" AND i.owner_id = ?", vec![Val::I(o)]),
            None => ("", vec![]),
        };
        let sum = |e: &str| self.db.int(&format!("COALESCE(SUM({e}), 0)"));
        let q = self.db.sql(&format!(
            "SELECT COUNT(*) AS n, {} AS bytes FROM images i WHERE i.deleted_at IS NULL{owner_cond}",
            sum("i.bytes")
        ));
        let row = bind_all(sqlx::query(&q), &vals)
            .fetch_one(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot count images", e))?;
        let (images, bytes_stored) = {
            let c = Cols::new(&row, "bad stats row");
            (c.int("n")?, c.int("bytes")?)
        };
        let q = self.db.sql(&format!(
            "SELECT v.algorithm AS algorithm, COUNT(*) AS n, {} AS bytes_in, {} AS bytes_out, AVG(v.ssimulacra2) AS mean_s2 \
             FROM processed_images v JOIN images i ON i.id = v.image_id \
             WHERE v.deleted_at IS NULL AND i.deleted_at IS NULL{owner_cond} GROUP BY v.algorithm ORDER BY v.algorithm",
            sum("i.bytes"),
            sum("v.bytes")
        ));
        let rows = bind_all(sqlx::query(&q), &vals)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot sum versions", e))?;
        let by_algorithm = rows
            .iter()
            .map(|r| {
                let c = Cols::new(r, "bad stats row");
                let (bytes_in, bytes_out) = (c.int("bytes_in")?, c.int("bytes_out")?);
                Ok(AlgorithmStats {
                    algorithm: c.get("algorithm")?,
                    versions: c.int("n")?,
                    bytes_in,
                    bytes_out,
                    bytes_saved: bytes_in - bytes_out,
                    mean_ssimulacra2: c.get("mean_s2")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Stats {
            images,
            bytes_stored,
            versions: by_algorithm.iter().map(|a| a.versions).sum(),
            version_bytes: by_algorithm.iter().map(|a| a.bytes_out).sum(),
            by_algorithm,
        })
    }
}

pub(crate) fn not_found(what: &'static str, id: i64) -> Error {
    Error::new(ErrorKind::NotFound, format!("no such {what}")).with_context("id", id)
}

/// `images` (a query of [`IMAGE_COLUMNS`], in its order) with a row per tag (`tag`, NULL for
/// none): each query is a round trip, and an image with its tags was two of them.
fn with_tags(images: &str, order: &str) -> String {
    format!(
        "SELECT p.*, t.tag AS tag FROM ({images}) p LEFT JOIN image_tags t ON t.image_id = p.id ORDER BY {order}, t.tag"
    )
}

/// Add a [`with_tags`] row to `images`: a new image, or a tag of the last one.
fn push_image(images: &mut Vec<Image>, row: Row<'_>) -> Result<()> {
    let cols = Cols::new(row, "bad image row");
    let id: i64 = cols.get("id")?;
    if images.last().is_none_or(|i| i.id != id) {
        images.push(image_from(row)?);
    }
    if let Some(tag) = cols.get::<Option<String>>("tag")? {
        images.last_mut().expect("pushed above").tags.push(tag);
    }
    Ok(())
}

fn image_from<'r>(row: impl Into<Row<'r>>) -> Result<Image> {
    let c = Cols::new(row, "bad image row");
    Ok(Image {
        id: c.get("id")?,
        owner_id: c.get("owner_id")?,
        name: c.get("name")?,
        blob_key: c.get("blob_key")?,
        sha256: c.get("sha256")?,
        format: c.get("format")?,
        width: c.int("width")? as u32,
        height: c.int("height")? as u32,
        bytes: c.get("bytes")?,
        orientation: c.int("orientation")? as u8,
        taken_at: c.get("taken_at")?,
        // TEXT: MySQL reports it as a BLOB.
        photo_metadata: c.text_opt("photo_metadata")?,
        uploaded_at: c.get("uploaded_at")?,
        captured_at: c.get("captured_at")?,
        updated_at: c.get("updated_at")?,
        visibility: Visibility::parse(&c.get::<String>("visibility")?)?,
        status: ImageStatus::parse(&c.get::<String>("status")?),
        thumbnail_key: c.get("thumbnail_key")?,
        tags: Vec::new(),
    })
}

fn version_from(row: &AnyRow) -> Result<Version> {
    let c = Cols::new(row, "bad version row");
    Ok(Version {
        id: c.get("id")?,
        image_id: c.get("image_id")?,
        algorithm: c.get("algorithm")?,
        params: c.json("params")?,
        blob_key: c.get("blob_key")?,
        format: c.get("format")?,
        width: c.int("width")? as u32,
        height: c.int("height")? as u32,
        bytes: c.get("bytes")?,
        ssimulacra2: c.get("ssimulacra2")?,
        metrics: c.json("metrics")?,
        created_at: c.get("created_at")?,
    })
}
