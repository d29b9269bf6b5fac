//! Keyset pagination: pages end with an opaque cursor naming the last row's sort
//! key, so the next page is a range scan on an index (no OFFSET, stable under inserts).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use fotobase::{Error, ErrorKind, Result};

/// One page of results and the cursor for the next (absent on the last page).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each item converted (rows to API views, say).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// Most rows one page may hold; callers asking for more get this many.
pub const MAX_PAGE: u32 = 500;

/// `limit` made sane: 0 means the default of 50, anything above [`MAX_PAGE`] is capped.
pub(crate) fn page_size(limit: u32) -> u32 {
    match limit {
        0 => 50,
        n => n.min(MAX_PAGE),
    }
}

/// Build a page from `limit + 1` fetched rows: the extra row only says whether more exist.
pub(crate) fn finish<T>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> Vec<i64>) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| encode(&key(r))) } else { None };
    Page { items: rows, next_cursor }
}

/// [`finish`] for cursors made by [`encode_position`]: `cursor` gives the last row's.
pub(crate) fn finish_at<T>(mut rows: Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(cursor) } else { None };
    Page { items: rows, next_cursor }
}

pub(crate) fn encode(parts: &[i64]) -> String {
    let text = parts.iter().map(i64::to_string).collect::<Vec<_>>().join(".");
    URL_SAFE_NO_PAD.encode(text)
}

/// The `n` numbers in a cursor made by [`encode`]; anything else is `invalid_argument`.
pub(crate) fn decode(cursor: &str, n: usize) -> Result<Vec<i64>> {
    let bad = || Error::new(ErrorKind::InvalidArgument, "malformed page cursor");
    if cursor.len() > 200 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let parts = text.split('.').map(|p| p.parse::<i64>().map_err(|_| bad())).collect::<Result<Vec<_>>>()?;
    if parts.len() != n {
        return Err(bad());
    }
    Ok(parts)
}

/// The sort value of a keyset position: a number, or text (a name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyValue {
    Int(i64),
    Text(String),
}

/// A cursor for the row (`value`, `id`) of a listing in the order called `order`; [`decode_position`]
/// refuses it for any other order, so a page of one order cannot continue another.
pub(crate) fn encode_position(order: &str, value: &KeyValue, id: i64) -> String {
    let value = match value {
        KeyValue::Int(n) => format!("i{n}"),
        KeyValue::Text(t) => format!("s{t}"),
    };
    URL_SAFE_NO_PAD.encode(format!("{order}.{id}.{value}"))
}

/// The position in a cursor made by [`encode_position`] for `order`; anything else is `invalid_argument`.
pub(crate) fn decode_position(cursor: &str, order: &str) -> Result<(KeyValue, i64)> {
    let bad = || Error::new(ErrorKind::InvalidArgument, "malformed page cursor");
    // A name is at most 255 characters of up to 4 bytes, in base64.
    if cursor.len() > 1500 {
        return Err(bad());
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = text.splitn(3, '.');
    let (Some(tag), Some(id), Some(value)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    if tag != order {
        return Err(Error::new(ErrorKind::InvalidArgument, "the page cursor belongs to another sort order"));
    }
    let id = id.parse::<i64>().map_err(|_| bad())?;
    let value = match value.split_at_checked(1) {
        Some(("i", n)) => KeyValue::Int(n.parse().map_err(|_| bad())?),
        Some(("s", t)) => KeyValue::Text(t.to_owned()),
        _ => return Err(bad()),
    };
    Ok((value, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode(&[1_700_000_000, -5]);
        assert_eq!(decode(&c, 2).unwrap(), vec![1_700_000_000, -5]);
        for bad in ["", "!!", &encode(&[1]), "bm90LWEtbnVtYmVy", &"A".repeat(300)] {
            assert_eq!(decode(bad, 2).unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn positions_round_trip_for_their_own_order_only() {
        for value in [KeyValue::Int(-7), KeyValue::Int(1_700_000_000), KeyValue::Text("a.b.c ünï 🐈".into())] {
            let c = encode_position("name_asc", &value, 42);
            assert_eq!(decode_position(&c, "name_asc").unwrap(), (value, 42));
            assert_eq!(decode_position(&c, "bytes_desc").unwrap_err().kind(), ErrorKind::InvalidArgument);
        }
        for bad in ["", "!!", &encode(&[1, 2]), &URL_SAFE_NO_PAD.encode("o.1.x5"), &"A".repeat(2000)] {
            assert_eq!(decode_position(bad, "o").unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn pages_know_whether_more_rows_exist() {
        let p = finish(vec![1i64, 2, 3], 2, |r| vec![*r]);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(decode(p.next_cursor.as_deref().unwrap(), 1).unwrap(), vec![2]);
        assert_eq!(finish(vec![1i64, 2], 2, |r| vec![*r]).next_cursor, None);
        assert_eq!(page_size(0), 50);
        assert_eq!(page_size(10_000), MAX_PAGE);
    }
}
