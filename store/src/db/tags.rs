//! Reading the tags of images and folders. A list reads the tags of all its rows
//! in one query: one query per row cost a pool round trip each, most of a page's time.

use std::collections::HashMap;

use super::model::{Cols, Val, bind_all, placeholders};
use super::{Db, db_err};
use fotobase::Result;

/// Which tag table: images' or folders'.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tagged {
    Images,
    Folders,
}

impl Tagged {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Tagged::Images => ("image_tags", "image_id"),
            Tagged::Folders => ("folder_tags", "folder_id"),
        }
    }
}

/// Each row's tags, sorted; rows without tags are absent from the map.
pub(crate) async fn tags_by_id(db: &Db, kind: Tagged, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let (table, fk) = kind.table();
    let q = db.sql(&format!(
        "SELECT {fk} AS id, tag FROM {table} WHERE {fk} IN ({}) ORDER BY {fk}, tag",
        placeholders(ids.len())
    ));
    let vals: Vec<Val> = ids.iter().map(|&id| Val::I(id)).collect();
    let rows = bind_all(sqlx::query(&q), &vals).fetch_all(&db.pool).await.map_err(|e| db_err("cannot read tags", e))?;
    for row in &rows {
        let cols = Cols::new(row, "bad tag row");
        out.entry(cols.int("id")?).or_default().push(cols.get("tag")?);
    }
    Ok(out)
}

/// One row's tags, sorted.
pub(crate) async fn tags_of(db: &Db, kind: Tagged, id: i64) -> Result<Vec<String>> {
    Ok(tags_by_id(db, kind, &[id]).await?.remove(&id).unwrap_or_default())
}
