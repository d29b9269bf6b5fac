//! The `blobs` table: one row per content address, the lock that orders uploads
//! against deletions of shared bytes (the protocol is `storage::media`'s), and the
//! queries over the rows that reference an address.

use std::collections::BTreeSet;

use sqlx::Row as _;

use super::{Db, db_err, is_unique_violation};
use fotobase::Result;

/// SQL that is true when a live row references the address `key` (a column or `?`).
fn referenced(key: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM images WHERE blob_key = {key} AND deleted_at IS NULL) \
         OR EXISTS (SELECT 1 FROM images WHERE thumbnail_key = {key} AND deleted_at IS NULL) \
         OR EXISTS (SELECT 1 FROM processed_images WHERE blob_key = {key} AND deleted_at IS NULL))"
    )
}

/// The claims and deletion marks of content addresses.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    db: Db,
}

impl Ledger {
    pub(crate) fn new(db: Db) -> Self {
        Ledger { db }
    }

    /// Renew the claim on a live address; false when it has no live row. Run in the transaction
    /// that writes the referencing row, the address cannot be marked for deletion before that
    /// row commits.
    pub(crate) async fn renew<'e>(
        &self,
        exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
        key: &str,
        now: i64,
    ) -> Result<bool> {
        let q = self.db.sql("UPDATE blobs SET claimed_at = ? WHERE blob_key = ? AND state = 'live'");
        let done =
            sqlx::query(&q).bind(now).bind(key).execute(exec).await.map_err(|e| db_err("cannot claim blob", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// Claim `key` now: a new live row, or a fresh claim on its live row; false when its row is
    /// being deleted. One statement where the database has an upsert with a condition (SQLite,
    /// PostgreSQL): every upload makes it on the one SQLite writer, so each round trip counts.
    pub(crate) async fn claim_live(&self, key: &str, now: i64) -> Result<bool> {
        if self.db.backend() == super::DbBackend::MySql {
            return Ok(self.insert_live(key, now).await? || self.renew(self.db.pool(), key, now).await?);
        }
        let q = self.db.sql(
            "INSERT INTO blobs (blob_key, state, claimed_at) VALUES (?, 'live', ?) \
             ON CONFLICT (blob_key) DO UPDATE SET claimed_at = excluded.claimed_at WHERE blobs.state = 'live'",
        );
        let done = sqlx::query(&q)
            .bind(key)
            .bind(now)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot claim blob", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// A live row claimed now for a new address; false when the address has a row already.
    async fn insert_live(&self, key: &str, now: i64) -> Result<bool> {
        let q = self.db.sql("INSERT INTO blobs (blob_key, state, claimed_at) VALUES (?, 'live', ?)");
        match sqlx::query(&q).bind(key).bind(now).execute(self.db.pool()).await {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(db_err("cannot claim blob", e)),
        }
    }

    /// When the address was marked for deletion, if it is.
    pub(crate) async fn deleting_since(&self, key: &str) -> Result<Option<i64>> {
        let q = self.db.sql("SELECT deleting_since FROM blobs WHERE blob_key = ? AND state = 'deleting'");
        let row = sqlx::query(&q)
            .bind(key)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read blob", e))?;
        Ok(row.and_then(|r| r.try_get::<Option<i64>, _>("deleting_since").ok().flatten()))
    }

    /// Mark a live address `deleting` (at `now`) if no live row references it and nobody
    /// claimed it since `cutoff`; whether it was marked.
    pub(crate) async fn mark_if_unreferenced(&self, key: &str, now: i64, cutoff: i64) -> Result<bool> {
        let q = self.db.sql(&format!(
            "UPDATE blobs SET state = 'deleting', deleting_since = ? \
             WHERE blob_key = ? AND state = 'live' AND claimed_at < ? AND NOT {}",
            referenced("?")
        ));
        let done = sqlx::query(&q)
            .bind(now)
            .bind(key)
            .bind(cutoff)
            .bind(key)
            .bind(key)
            .bind(key)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot mark blob", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// A `deleting` row for an address that has none (a stray object found in the store):
    /// the lock that keeps uploads off it while its bytes go. False when the address has a row.
    pub(crate) async fn mark_stray(&self, key: &str, now: i64) -> Result<bool> {
        let q =
            self.db.sql("INSERT INTO blobs (blob_key, state, claimed_at, deleting_since) VALUES (?, 'deleting', 0, ?)");
        match sqlx::query(&q).bind(key).bind(now).execute(self.db.pool()).await {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(db_err("cannot lock blob", e)),
        }
    }

    /// Drop the row of an address whose bytes are gone (only the deletion marked at `since`).
    pub(crate) async fn drop_deleted(&self, key: &str, since: i64) -> Result<()> {
        let q = self.db.sql("DELETE FROM blobs WHERE blob_key = ? AND state = 'deleting' AND deleting_since = ?");
        sqlx::query(&q)
            .bind(key)
            .bind(since)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot drop blob row", e))?;
        Ok(())
    }

    /// Deletions marked before `before` (abandoned by a crashed process): `(key, since)`.
    pub(crate) async fn deletions_before(&self, before: i64) -> Result<Vec<(String, i64)>> {
        let q =
            self.db.sql("SELECT blob_key, deleting_since FROM blobs WHERE state = 'deleting' AND deleting_since < ?");
        let rows = sqlx::query(&q)
            .bind(before)
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot list deletions", e))?;
        rows.iter()
            .map(|r| {
                let key = r.try_get("blob_key").map_err(|e| db_err("bad row", e))?;
                Ok((key, r.try_get("deleting_since").map_err(|e| db_err("bad row", e))?))
            })
            .collect()
    }

    /// Live addresses that no live row references and nobody claimed since `cutoff`.
    pub(crate) async fn unreferenced(&self, cutoff: i64) -> Result<Vec<String>> {
        let q = self.db.sql(&format!(
            "SELECT blob_key FROM blobs WHERE state = 'live' AND claimed_at < ? AND NOT {}",
            referenced("blobs.blob_key")
        ));
        let rows =
            sqlx::query(&q).bind(cutoff).fetch_all(self.db.pool()).await.map_err(|e| db_err("cannot list blobs", e))?;
        rows.iter().map(|r| r.try_get("blob_key").map_err(|e| db_err("bad row", e))).collect()
    }

    /// Every address a live row references.
    pub(crate) async fn referenced_keys(&self) -> Result<BTreeSet<String>> {
        let rows = sqlx::query(
            "SELECT blob_key AS k FROM images WHERE deleted_at IS NULL \
             UNION SELECT thumbnail_key AS k FROM images WHERE deleted_at IS NULL AND thumbnail_key IS NOT NULL \
             UNION SELECT blob_key AS k FROM processed_images WHERE deleted_at IS NULL",
        )
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| db_err("cannot list references", e))?;
        Ok(rows.iter().filter_map(|r| r.try_get::<Option<String>, _>("k").ok().flatten()).collect())
    }
}
