//! The `algorithms` table: which compression algorithms this deployment offers,
//! so statistics and job parameters refer to known names. Seeded from the
//! image engine's registry at start-up.

use serde::Serialize;

use super::model::Cols;
use super::{Db, db_err};
use fotobase::Result;

/// One row of `algorithms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgorithmRow {
    pub name: String,
    pub format: String,
    pub lossless: bool,
    pub description: String,
    pub enabled: bool,
}

impl Db {
    /// Make the table list exactly `rows` as enabled; algorithms no longer offered
    /// stay (old versions refer to them) but are disabled.
    pub async fn sync_algorithms(&self, rows: &[AlgorithmRow]) -> Result<()> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let mut tx = self.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        sqlx::query(&self.sql("UPDATE algorithms SET enabled = 0, updated_at = ?"))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot update algorithms", e))?;
        let update = self.sql("UPDATE algorithms SET format = ?, lossless = ?, description = ?, enabled = 1, updated_at = ? WHERE name = ?");
        let insert = self.sql(
            "INSERT INTO algorithms (format, lossless, description, enabled, updated_at, name) VALUES (?, ?, ?, 1, ?, ?)",
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
            })
            .collect();
        self.sync_algorithms(&rows).await
    }

    /// Every algorithm ever offered, by name.
    pub async fn algorithms(&self) -> Result<Vec<AlgorithmRow>> {
        let rows = sqlx::query("SELECT name, format, lossless, description, enabled FROM algorithms ORDER BY name")
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
                })
            })
            .collect()
    }
}
