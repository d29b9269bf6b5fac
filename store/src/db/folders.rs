//! Folders (nested, tagged, public or private), which images they hold, and
//! share links that open one folder or image to anyone holding the token.

use std::sync::Arc;

use serde::Serialize;
use sqlx::any::AnyRow;

use super::images::not_found;
use super::model::{Cols, Val, Where, bind_all, check_name, normalize_tags, placeholders};
use super::page::{self, Page};
use super::tags::{tags_by_id, tags_of};
use super::{Db, Visibility, db_err, is_unique_violation};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::clock::{Clock, SystemClock};

/// How deep folders may nest: deep enough for album trees, and below InnoDB's
/// limit of 15 cascading deletes, which removing a folder tree relies on.
pub const MAX_DEPTH: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Folder {
    pub id: i64,
    pub owner_id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub image_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct NewFolder {
    pub owner_id: i64,
    pub name: String,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    pub parent_id: Option<i64>,
}

/// A partial update: `None` leaves a field alone; `parent_id: Some(None)` moves to the top.
#[derive(Debug, Clone, Default)]
pub struct FolderUpdate {
    pub name: Option<String>,
    pub visibility: Option<Visibility>,
    pub tags: Option<Vec<String>>,
    pub parent_id: Option<Option<i64>>,
}

/// Which folders [`Folders::list`] returns, by id.
#[derive(Debug, Clone, Default)]
pub struct FolderFilter {
    pub owner_id: Option<i64>,
    pub visibility: Option<Visibility>,
    pub name: Option<String>,
    pub tags_any: Vec<String>,
    pub tags_all: Vec<String>,
    /// `created_at >= from`.
    pub from: Option<i64>,
    /// `created_at < to`.
    pub to: Option<i64>,
    /// Only direct children of this folder.
    pub parent_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// What a share link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum ShareTarget {
    Folder(i64),
    Image(i64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareLink {
    pub id: i64,
    #[serde(skip)]
    pub token_hash: String,
    pub owner_id: i64,
    pub target: ShareTarget,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub has_password: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Originals go out with their location (EXIF GPS, XMP places); by default they do not.
    pub include_location: bool,
}

/// Typed access to `folders`, `folder_tags`, `folder_images` and `share_links`.
#[derive(Debug, Clone)]
pub struct Folders {
    db: Db,
    clock: Arc<dyn Clock>,
}

const COLUMNS: &str = "f.id, f.owner_id, f.parent_id, f.name, f.visibility, f.created_at, f.updated_at, \
     (SELECT COUNT(*) FROM folder_images m JOIN images i ON i.id = m.image_id WHERE m.folder_id = f.id AND i.deleted_at IS NULL) AS image_count";
const SHARE_COLUMNS: &str = "id, token_hash, owner_id, folder_id, image_id, password_hash, created_at, expires_at, revoked_at, include_location";

impl Folders {
    pub fn new(db: Db) -> Self {
        Folders { db, clock: Arc::new(SystemClock) }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Create a folder; a parent must belong to the same owner.
    pub async fn create(&self, new: &NewFolder) -> Result<Folder> {
        let name = check_name("folder name", &new.name)?;
        let tags = normalize_tags(&new.tags)?;
        if let Some(parent) = new.parent_id {
            self.check_parent(new.owner_id, None, parent).await?;
        }
        let now = self.clock.now();
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        let q = self.db.insert_sql(
            "INSERT INTO folders (owner_id, parent_id, name, visibility, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q)
            .bind(new.owner_id)
            .bind(new.parent_id)
            .bind(name)
            .bind(new.visibility.as_str())
            .bind(now)
            .bind(now);
        let id = self.db.inserted_id(&mut *tx, query).await?;
        self.write_tags(&mut tx, id, &tags).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit", e))?;
        self.get(id).await
    }

    /// `parent` exists, is the owner's, and is not `folder` itself or below it.
    async fn check_parent(&self, owner: i64, folder: Option<i64>, parent: i64) -> Result<()> {
        let mut cur = Some(parent);
        let mut depth = 0;
        while let Some(id) = cur {
            let f = self.get(id).await.map_err(|_| Error::new(ErrorKind::InvalidArgument, "no such parent folder"))?;
            if f.owner_id != owner {
                return Err(Error::new(ErrorKind::InvalidArgument, "no such parent folder"));
            }
            if Some(id) == folder {
                return Err(Error::new(ErrorKind::InvalidArgument, "a folder cannot be moved inside itself"));
            }
            depth += 1;
            if depth >= MAX_DEPTH {
                return Err(
                    Error::new(ErrorKind::LimitExceeded, "folders nest too deeply").with_context("max", MAX_DEPTH)
                );
            }
            cur = f.parent_id;
        }
        Ok(())
    }

    async fn write_tags(&self, conn: &mut sqlx::AnyConnection, id: i64, tags: &[String]) -> Result<()> {
        let q = self.db.sql("DELETE FROM folder_tags WHERE folder_id = ?");
        sqlx::query(&q).bind(id).execute(&mut *conn).await.map_err(|e| db_err("cannot retag folder", e))?;
        let q = self.db.sql("INSERT INTO folder_tags (folder_id, tag) VALUES (?, ?)");
        for tag in tags {
            sqlx::query(&q).bind(id).bind(tag).execute(&mut *conn).await.map_err(|e| db_err("cannot tag folder", e))?;
        }
        Ok(())
    }

    pub async fn get(&self, id: i64) -> Result<Folder> {
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM folders f WHERE f.id = ?"));
        let row = sqlx::query(&q)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read folder", e))?;
        let mut folder = row.as_ref().map(folder_from).transpose()?.ok_or_else(|| not_found("folder", id))?;
        folder.tags = tags_of(&self.db, id).await?;
        Ok(folder)
    }

    pub async fn update(&self, id: i64, update: &FolderUpdate) -> Result<Folder> {
        let current = self.get(id).await?;
        let name = match &update.name {
            Some(n) => check_name("folder name", n)?,
            None => current.name,
        };
        let parent = update.parent_id.unwrap_or(current.parent_id);
        if let Some(p) = parent.filter(|p| Some(*p) != current.parent_id) {
            self.check_parent(current.owner_id, Some(id), p).await?;
        }
        let tags = update.tags.as_deref().map(normalize_tags).transpose()?;
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        let q = self.db.sql("UPDATE folders SET name = ?, visibility = ?, parent_id = ?, updated_at = ? WHERE id = ?");
        sqlx::query(&q)
            .bind(name)
            .bind(update.visibility.unwrap_or(current.visibility).as_str())
            .bind(parent)
            .bind(self.clock.now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot update folder", e))?;
        if let Some(tags) = tags {
            self.write_tags(&mut tx, id, &tags).await?;
        }
        tx.commit().await.map_err(|e| db_err("cannot commit", e))?;
        self.get(id).await
    }

    /// Delete a folder and its sub-folders (the images stay; only membership goes).
    pub async fn delete(&self, id: i64) -> Result<()> {
        let q = self.db.sql("DELETE FROM folders WHERE id = ?");
        let done =
            sqlx::query(&q).bind(id).execute(&self.db.pool).await.map_err(|e| db_err("cannot delete folder", e))?;
        if done.rows_affected() == 0 {
            return Err(not_found("folder", id));
        }
        Ok(())
    }

    /// Folders matching `filter`, by id, a page at a time.
    pub async fn list(&self, filter: &FolderFilter) -> Result<Page<Folder>> {
        let limit = page::page_size(filter.limit);
        let mut w = Where::default();
        w.eq("f.owner_id", filter.owner_id.map(Val::I))
            .eq("f.visibility", filter.visibility.map(|v| Val::S(v.as_str().into())))
            .eq("f.parent_id", filter.parent_id.map(Val::I))
            .name_contains("f.name", filter.name.as_deref())
            .range("f.created_at", filter.from, filter.to)
            .tags("folder_tags", "folder_id", "f.id", &filter.tags_any, &filter.tags_all)?;
        if let Some(c) = &filter.cursor {
            w.and("f.id > ?", [Val::I(page::decode(c, 1)?[0])]);
        }
        let mut vals = w.vals.clone();
        vals.push(Val::I(i64::from(limit) + 1));
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM folders f WHERE {} ORDER BY f.id LIMIT ?", w.sql()));
        let rows = bind_all(sqlx::query(&q), &vals)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list folders", e))?;
        let mut folders = rows.iter().map(folder_from).collect::<Result<Vec<_>>>()?;
        let mut tags = tags_by_id(&self.db, &folders.iter().map(|f| f.id).collect::<Vec<_>>()).await?;
        for f in &mut folders {
            f.tags = tags.remove(&f.id).unwrap_or_default();
        }
        Ok(page::finish(folders, limit, |f| vec![f.id]))
    }

    /// Put images in a folder (idempotent). Every image must be live and the
    /// folder owner's, or nothing is added (`invalid_argument`).
    pub async fn add_images(&self, folder_id: i64, image_ids: &[i64]) -> Result<u64> {
        let folder = self.get(folder_id).await?;
        self.check_images(folder.owner_id, image_ids).await?;
        let now = self.clock.now();
        let mut added = 0;
        let q = self.db.sql("INSERT INTO folder_images (folder_id, image_id, added_at) VALUES (?, ?, ?)");
        for id in image_ids {
            match sqlx::query(&q).bind(folder_id).bind(id).bind(now).execute(&self.db.pool).await {
                Ok(_) => added += 1,
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(db_err("cannot add image to folder", e)),
            }
        }
        Ok(added)
    }

    async fn check_images(&self, owner: i64, ids: &[i64]) -> Result<()> {
        if ids.is_empty() || ids.len() > 1000 {
            return Err(Error::new(ErrorKind::InvalidArgument, "give 1 to 1000 image ids"));
        }
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let q = self.db.sql(&format!(
            "SELECT COUNT(*) AS n FROM images WHERE owner_id = ? AND deleted_at IS NULL AND id IN ({})",
            placeholders(unique.len())
        ));
        let vals: Vec<Val> = std::iter::once(owner).chain(unique.iter().copied()).map(Val::I).collect();
        let row = bind_all(sqlx::query(&q), &vals)
            .fetch_one(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot check images", e))?;
        let found = Cols::new(&row, "bad count").int("n")?;
        if found != unique.len() as i64 {
            return Err(Error::new(ErrorKind::InvalidArgument, "some images do not exist or belong to someone else"));
        }
        Ok(())
    }

    /// Whether a live image is in a folder (share links check reachability with it).
    pub async fn has_image(&self, folder_id: i64, image_id: i64) -> Result<bool> {
        let q = self.db.sql(
            "SELECT COUNT(*) AS n FROM folder_images fi JOIN images i ON i.id = fi.image_id \
             WHERE fi.folder_id = ? AND fi.image_id = ? AND i.deleted_at IS NULL",
        );
        let row = sqlx::query(&q)
            .bind(folder_id)
            .bind(image_id)
            .fetch_one(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot check folder", e))?;
        Ok(Cols::new(&row, "bad count").int("n")? > 0)
    }

    /// Take images out of a folder; returns how many were in it.
    pub async fn remove_images(&self, folder_id: i64, image_ids: &[i64]) -> Result<u64> {
        self.get(folder_id).await?;
        if image_ids.is_empty() || image_ids.len() > 1000 {
            return Err(Error::new(ErrorKind::InvalidArgument, "give 1 to 1000 image ids"));
        }
        let q = self.db.sql(&format!(
            "DELETE FROM folder_images WHERE folder_id = ? AND image_id IN ({})",
            placeholders(image_ids.len())
        ));
        let vals: Vec<Val> = std::iter::once(folder_id).chain(image_ids.iter().copied()).map(Val::I).collect();
        let done = bind_all(sqlx::query(&q), &vals)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot remove images", e))?;
        Ok(done.rows_affected())
    }

    /// Delete every folder and share link an owner has (account deletion).
    pub async fn delete_for_owner(&self, owner_id: i64) -> Result<u64> {
        let q = self.db.sql("DELETE FROM share_links WHERE owner_id = ?");
        sqlx::query(&q)
            .bind(owner_id)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot delete share links", e))?;
        // Children first is not needed: the parent key cascades.
        let q = self.db.sql("DELETE FROM folders WHERE owner_id = ? AND parent_id IS NULL");
        let top = sqlx::query(&q)
            .bind(owner_id)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot delete folders", e))?;
        let q = self.db.sql("DELETE FROM folders WHERE owner_id = ?");
        let rest = sqlx::query(&q)
            .bind(owner_id)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot delete folders", e))?;
        Ok(top.rows_affected() + rest.rows_affected())
    }

    /// Record a share link. `token_hash` is the SHA-256 of the secret token the
    /// owner hands out (the token itself is never stored); `password_hash` an
    /// `auth::password` PHC string when the link needs a password.
    pub async fn create_share(
        &self,
        owner_id: i64,
        target: ShareTarget,
        token_hash: &str,
        password_hash: Option<&str>,
        expires_at: Option<i64>,
    ) -> Result<ShareLink> {
        let (folder, image) = match target {
            ShareTarget::Folder(id) => {
                if self.get(id).await?.owner_id != owner_id {
                    return Err(not_found("folder", id));
                }
                (Some(id), None)
            }
            ShareTarget::Image(id) => {
                self.check_images(owner_id, &[id]).await.map_err(|_| not_found("image", id))?;
                (None, Some(id))
            }
        };
        let now = self.clock.now();
        if expires_at.is_some_and(|t| t <= now) {
            return Err(Error::new(ErrorKind::InvalidArgument, "a share link must expire in the future"));
        }
        let q = self.db.insert_sql(
            "INSERT INTO share_links (token_hash, owner_id, folder_id, image_id, password_hash, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q)
            .bind(token_hash)
            .bind(owner_id)
            .bind(folder)
            .bind(image)
            .bind(password_hash)
            .bind(now)
            .bind(expires_at);
        let id = match self.db.inserted_id(&self.db.pool, query).await {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::new(ErrorKind::AlreadyExists, "share token in use"));
            }
            Err(e) => return Err(e),
        };
        self.share(id).await
    }

    /// Let link `id` hand out originals with their location (only its owner may).
    pub async fn include_location(&self, owner_id: i64, id: i64) -> Result<ShareLink> {
        let q = self.db.sql("UPDATE share_links SET include_location = 1 WHERE id = ? AND owner_id = ?");
        let done = sqlx::query(&q)
            .bind(id)
            .bind(owner_id)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot update share", e))?;
        if done.rows_affected() == 0 {
            return Err(not_found("share link", id));
        }
        self.share(id).await
    }

    async fn share(&self, id: i64) -> Result<ShareLink> {
        let q = self.db.sql(&format!("SELECT {SHARE_COLUMNS} FROM share_links WHERE id = ?"));
        let row =
            sqlx::query(&q).bind(id).fetch_optional(&self.db.pool).await.map_err(|e| db_err("cannot read share", e))?;
        row.as_ref().map(share_from).transpose()?.ok_or_else(|| not_found("share link", id))
    }

    /// The live link for a token hash: revoked, expired, unknown, or pointing at
    /// something deleted are all `not_found` (a link holder learns nothing more).
    pub async fn open_share(&self, token_hash: &str) -> Result<ShareLink> {
        let q = self.db.sql(&format!("SELECT {SHARE_COLUMNS} FROM share_links WHERE token_hash = ?"));
        let row = sqlx::query(&q)
            .bind(token_hash)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read share", e))?;
        let gone = || Error::new(ErrorKind::NotFound, "no such share link");
        let link = row.as_ref().map(share_from).transpose()?.ok_or_else(gone)?;
        let now = self.clock.now();
        if link.revoked_at.is_some() || link.expires_at.is_some_and(|t| t <= now) {
            return Err(gone());
        }
        if let ShareTarget::Image(id) = link.target {
            self.check_images(link.owner_id, &[id]).await.map_err(|_| gone())?;
        }
        Ok(link)
    }

    /// Revoke a link by its token hash (only its owner may; others get `not_found`).
    pub async fn revoke_share(&self, owner_id: i64, token_hash: &str) -> Result<()> {
        self.revoke_share_where("token_hash", Val::S(token_hash.to_owned()), owner_id).await
    }

    /// Revoke link `id` (only its owner may; others, and revoked links, get `not_found`).
    pub async fn revoke_share_by_id(&self, owner_id: i64, id: i64) -> Result<()> {
        self.revoke_share_where("id", Val::I(id), owner_id).await
    }

    async fn revoke_share_where(&self, column: &str, key: Val, owner_id: i64) -> Result<()> {
        let q = self.db.sql(&format!(
            "UPDATE share_links SET revoked_at = ? WHERE {column} = ? AND owner_id = ? AND revoked_at IS NULL"
        ));
        let vals = [Val::I(self.clock.now()), key, Val::I(owner_id)];
        let done = bind_all(sqlx::query(&q), &vals)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot revoke share", e))?;
        if done.rows_affected() == 0 {
            return Err(Error::new(ErrorKind::NotFound, "no such share link"));
        }
        Ok(())
    }

    /// An owner's links, newest first.
    pub async fn shares_of(&self, owner_id: i64) -> Result<Vec<ShareLink>> {
        let q = self.db.sql(&format!("SELECT {SHARE_COLUMNS} FROM share_links WHERE owner_id = ? ORDER BY id DESC"));
        let rows = sqlx::query(&q)
            .bind(owner_id)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list shares", e))?;
        rows.iter().map(share_from).collect()
    }
}

fn folder_from(row: &AnyRow) -> Result<Folder> {
    let c = Cols::new(row, "bad folder row");
    Ok(Folder {
        id: c.get("id")?,
        owner_id: c.get("owner_id")?,
        parent_id: c.get("parent_id")?,
        name: c.get("name")?,
        visibility: Visibility::parse(&c.get::<String>("visibility")?)?,
        tags: Vec::new(),
        image_count: c.int("image_count")?,
        created_at: c.get("created_at")?,
        updated_at: c.get("updated_at")?,
    })
}

fn share_from(row: &AnyRow) -> Result<ShareLink> {
    let c = Cols::new(row, "bad share link row");
    let target = match (c.get::<Option<i64>>("folder_id")?, c.get::<Option<i64>>("image_id")?) {
        (Some(f), _) => ShareTarget::Folder(f),
        (None, Some(i)) => ShareTarget::Image(i),
        (None, None) => return Err(Error::new(ErrorKind::Unexpected, "share link without a target")),
    };
    let password_hash: Option<String> = c.get("password_hash")?;
    Ok(ShareLink {
        id: c.get("id")?,
        token_hash: c.get("token_hash")?,
        owner_id: c.get("owner_id")?,
        target,
        has_password: password_hash.is_some(),
        password_hash,
        created_at: c.get("created_at")?,
        expires_at: c.get("expires_at")?,
        include_location: c.get::<i64>("include_location")? != 0,
        revoked_at: c.get("revoked_at")?,
    })
}
