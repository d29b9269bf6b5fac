//! Reading the tags of folders. A list reads the tags of all its rows in one query: one
//! query per row cost a pool round trip each, most of a page's time. (Images read theirs
//! in the same query as the rows, `images.rs`: `with_tags`.)

use std::collections::HashMap;

use super::model::{Cols, Val, bind_all, placeholders};
use super::{Db, db_err};
use fotobase::Result;

/// Each row's tags, sorted; rows without tags are absent from the map.
pub(crate) async fn tags_by_id(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let q = db.sql(&format!(
        "SELECT folder_id AS id, tag FROM folder_tags WHERE folder_id IN ({}) ORDER BY folder_id, tag",
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
pub(crate) async fn tags_of(db: &Db, id: i64) -> Result<Vec<String>> {
    Ok(tags_by_id(db, &[id]).await?.remove(&id).unwrap_or_default())
}
