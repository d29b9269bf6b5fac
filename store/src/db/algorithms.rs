//! The `algorithms` table: which compression algorithms this deployment offers. Seeded from the
//! image engine's registry at start-up (`retired`: no longer in this build); `enabled` is the
//! admins' choice, kept across restarts, and what processing requests are checked against.

use serde::Serialize;

use super::model::Cols;
use super::{Db, db_err};
use fotobase::{Error, ErrorKind, Result};

/// One row of `algorithms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgorithmRow {
    pub name: String,
    pub format: String,
    pub lossless: bool,
    pub description: String,
    /// Offered to users (the admins' choice; new algorithms start enabled).
    pub enabled: bool,
    /// No longer in the image engine (old versions still name it).
    pub retired: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Db {
    /// Make `rows` the algorithms this build has: new ones are added enabled, known ones keep the
    /// admins' choice, and the rest stay (old versions refer to them) as retired.
    pub async fn sync_algorithms(&self, rows: &[AlgorithmRow]) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        sqlx::query(&self.sql("UPDATE algorithms SET retired = 1, updated_at = ?"))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot update algorithms", e))?;
        let update = self.sql(
            "UPDATE algorithms SET format = ?, lossless = ?, description = ?, retired = 0, updated_at = ? WHERE name = ?",
        );
        let insert = self.sql(
            "INSERT INTO algorithms (format, lossless, description, updated_at, name, enabled, retired) \
             VALUES (?, ?, ?, ?, ?, 1, 0)",
        );
        for r in rows {
            let mut done = 0;
            for q in [&update, &insert] {
                if done == 0 {
                    done = sqlx::query(q)
                        .bind(&r.format)
                        .bind(i32::from(r.lossless))
                        .bind(&r.description)
                        .bind(now)
                        .bind(&r.name)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| db_err("cannot store algorithm", e))?
                        .rows_affected();
                }
            }
        }
        tx.commit().await.map_err(|e| db_err("cannot commit algorithms", e))
    }

    /// [`Db::sync_algorithms`] with every algorithm this build of the image engine has.
    #[cfg(feature = "image")]
    pub async fn seed_algorithms(&self) -> Result<()> {
        let rows: Vec<AlgorithmRow> = fotobase::image::algorithms()
            .into_iter()
            .map(|a| AlgorithmRow {
                name: a.name.to_owned(),
                format: a.format.name().to_owned(),
                lossless: a.lossless,
                description: a.description.to_owned(),
                enabled: true,
                retired: false,
            })
            .collect();
        self.sync_algorithms(&rows).await
    }

    /// Offer `name` to users or stop offering it; `not_found` for an algorithm this build lacks.
    pub async fn set_algorithm_enabled(&self, name: &str, enabled: bool) -> Result<()> {
        let done =
            sqlx::query(&self.sql("UPDATE algorithms SET enabled = ?, updated_at = ? WHERE name = ? AND retired = 0"))
                .bind(i32::from(enabled))
                .bind(now())
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(|e| db_err("cannot update algorithm", e))?
                .rows_affected();
        if done == 0 {
            return Err(Error::new(ErrorKind::NotFound, "no such algorithm").with_context("algorithm", name));
        }
        Ok(())
    }

    /// Every algorithm ever offered, by name.
    pub async fn algorithms(&self) -> Result<Vec<AlgorithmRow>> {
        let rows =
            sqlx::query("SELECT name, format, lossless, description, enabled, retired FROM algorithms ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .map_err(|e| db_err("cannot list algorithms", e))?;
        rows.iter()
            .map(|r| {
                let c = Cols::new(r, "bad algorithm row");
                Ok(AlgorithmRow {
                    name: c.get("name")?,
                    format: c.get("format")?,
                    lossless: c.int("lossless")? != 0,
                    description: c.get("description")?,
                    enabled: c.int("enabled")? != 0,
                    retired: c.int("retired")? != 0,
                })
            })
            .collect()
    }
}
