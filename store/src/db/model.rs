//! Small value types shared by the repositories.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use sqlx::postgres::PgRow;

use super::db_err;
use fotobase::{Error, ErrorKind, Result};

/// Who may see an image or folder without being its owner.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Private,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Public => "public",
        }
    }

    /// `private` or `public`; anything else is `invalid_argument`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "private" => Ok(Visibility::Private),
            "public" => Ok(Visibility::Public),
            other => Err(Error::new(ErrorKind::InvalidArgument, "visibility is private or public")
                .with_context("visibility", other)),
        }
    }
}

pub(crate) const MAX_TAGS: usize = 50;
const MAX_TAG_CHARS: usize = 64;
pub(crate) const MAX_NAME_CHARS: usize = 255;

/// Tags as stored: trimmed, lower-case, unique, sorted; at most 50 of 1–64 printable characters.
pub fn normalize_tags<S: AsRef<str>>(tags: &[S]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = t.as_ref().trim().to_lowercase();
        if t.is_empty() || t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_control) {
            return Err(
                Error::new(ErrorKind::InvalidArgument, "tags are 1 to 64 printable characters").with_context("tag", &t)
            );
        }
        out.push(t);
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_TAGS {
        return Err(Error::new(ErrorKind::LimitExceeded, "too many tags").with_context("max", MAX_TAGS));
    }
    Ok(out)
}

/// A name as stored: without control characters and those that reorder text (a name with
/// U+202E shows `gpj.exe` as `exe.jpg`), trimmed, 1–255 characters. Image names are file
/// names: no path separators, not `.` or `..`.
pub(crate) fn check_name(what: &'static str, name: &str) -> Result<String> {
    let name = displayable(name);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::new(ErrorKind::InvalidArgument, format!("{what} must be 1 to 255 printable characters")));
    }
    if what == IMAGE_NAME && (name.contains(['/', '\\']) || name == "." || name == "..") {
        return Err(Error::new(ErrorKind::InvalidArgument, "an image name is a file name, without path separators")
            .with_context("field", "name"));
    }
    Ok(name)
}

pub(crate) const IMAGE_NAME: &str = "image name";

/// `name` without control characters, Unicode bidirectional controls and the invisible
/// characters that make two names look alike (zero-width space, word joiner, byte-order mark,
/// soft hyphen, …), trimmed: how every name is stored, and what an uploaded file's name becomes.
/// The zero-width joiner and non-joiner stay: emoji sequences and several scripts need them.
pub fn displayable(name: &str) -> String {
    let bidi =
        |c: char| matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let invisible = |c: char| matches!(c, '\u{00ad}' | '\u{180e}' | '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}');
    name.chars().filter(|&c| !c.is_control() && !bidi(c) && !invisible(c)).collect::<String>().trim().to_owned()
}

/// `LIKE` pattern matching `needle` anywhere, with `!` escaping the wildcards
/// (a backslash means different things to PostgreSQL and MySQL string literals).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `?, ?, ?` for `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A value bound into dynamically built SQL (filters).
#[derive(Debug, Clone)]
pub(crate) enum Val {
    I(i64),
    S(String),
}

/// Bind `vals` in order (on the pool's `Any` queries and the PostgreSQL readers' alike).
pub(crate) fn bind_all<'q, DB>(
    mut q: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
    vals: &'q [Val],
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for v in vals {
        q = match v {
            Val::I(i) => q.bind(*i),
            Val::S(s) => q.bind(s.as_str()),
        };
    }
    q
}

/// A `WHERE` clause built from optional filters, with its bound values in order.
#[derive(Debug, Default)]
pub(crate) struct Where {
    cond: Vec<String>,
    pub vals: Vec<Val>,
}

impl Where {
    /// A condition with its values (`?` placeholders, in order).
    pub fn and(&mut self, cond: impl Into<String>, vals: impl IntoIterator<Item = Val>) -> &mut Self {
        self.cond.push(cond.into());
        self.vals.extend(vals);
        self
    }

    /// `col = v` when `v` is given.
    pub fn eq(&mut self, col: &str, v: Option<Val>) -> &mut Self {
        if let Some(v) = v {
            self.and(format!("{col} = ?"), [v]);
        }
        self
    }

    /// Case-insensitive substring match on `col` (wildcards in `needle` are literal).
    pub fn name_contains(&mut self, col: &str, needle: Option<&str>) -> &mut Self {
        if let Some(n) = needle.filter(|n| !n.is_empty()) {
            self.and(format!("LOWER({col}) LIKE ? ESCAPE '!'"), [Val::S(contains_pattern(n))]);
        }
        self
    }

    /// `from <= col < to`, either bound optional.
    pub fn range(&mut self, col: &str, from: Option<i64>, to: Option<i64>) -> &mut Self {
        if let Some(f) = from {
            self.and(format!("{col} >= ?"), [Val::I(f)]);
        }
        if let Some(t) = to {
            self.and(format!("{col} < ?"), [Val::I(t)]);
        }
        self
    }

    /// Rows of `table` (keyed by `fk` = `owner`) carrying any / all of the tags.
    pub fn tags(&mut self, table: &str, fk: &str, owner: &str, any: &[String], all: &[String]) -> Result<&mut Self> {
        let any = normalize_tags(any)?;
        if !any.is_empty() {
            let cond = format!(
                "EXISTS (SELECT 1 FROM {table} t WHERE t.{fk} = {owner} AND t.tag IN ({}))",
                placeholders(any.len())
            );
            self.and(cond, any.into_iter().map(Val::S));
        }
        let all = normalize_tags(all)?;
        if !all.is_empty() {
            let n = all.len();
            let cond = format!(
                "(SELECT COUNT(*) FROM {table} t WHERE t.{fk} = {owner} AND t.tag IN ({})) = {n}",
                placeholders(n)
            );
            self.and(cond, all.into_iter().map(Val::S));
        }
        Ok(self)
    }

    pub fn sql(&self) -> String {
        if self.cond.is_empty() { "1 = 1".to_owned() } else { self.cond.join(" AND ") }
    }
}

/// A result row: from sqlx (any database), a PostgreSQL reader (`read_pg.rs`) or a
/// SQLite reader (`read.rs`).
#[derive(Clone, Copy)]
pub(crate) enum Row<'r> {
    Any(&'r AnyRow),
    Pg(&'r PgRow),
    /// With the statement's column names, read once: rusqlite looks a name up by comparing it
    /// case-insensitively with every column's C string, a seventh of a list request's time.
    Sqlite(&'r rusqlite::Row<'r>, &'r [String]),
}

impl<'r> From<&'r AnyRow> for Row<'r> {
    fn from(row: &'r AnyRow) -> Self {
        Row::Any(row)
    }
}

/// A column type both kinds of [`Row`] read.
pub(crate) trait Col: Sized {
    fn any(row: &AnyRow, col: &str) -> std::result::Result<Self, sqlx::Error>;
    fn pg(row: &PgRow, col: &str) -> std::result::Result<Self, sqlx::Error>;
    fn sqlite(row: &rusqlite::Row<'_>, col: usize) -> rusqlite::Result<Self>;
}

macro_rules! col {
    ($($t:ty),*) => {$(
        impl Col for $t {
            fn any(row: &AnyRow, col: &str) -> std::result::Result<Self, sqlx::Error> {
                row.try_get(col)
            }
            fn pg(row: &PgRow, col: &str) -> std::result::Result<Self, sqlx::Error> {
                row.try_get(col)
            }
            fn sqlite(row: &rusqlite::Row<'_>, col: usize) -> rusqlite::Result<Self> {
                row.get(col)
            }
        }
    )*};
}
col!(i64, Option<i64>, f64, Option<f64>, String, Option<String>, bool, Option<bool>);

/// An INTEGER column of a sqlx row, whichever width the database reports.
fn int_of<R>(row: &R, col: &str) -> std::result::Result<i64, sqlx::Error>
where
    R: sqlx::Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get::<i64, _>(col).or_else(|_| row.try_get::<i32, _>(col).map(i64::from))
}

/// Typed column access with one error message per row kind. Not `Send` (a SQLite reader's
/// row is not): read the columns before the next `.await`.
pub(crate) struct Cols<'r> {
    pub row: Row<'r>,
    pub what: &'static str,
}

impl<'r> Cols<'r> {
    pub fn new(row: impl Into<Row<'r>>, what: &'static str) -> Self {
        Cols { row: row.into(), what }
    }

    pub fn get<T: Col>(&self, col: &str) -> Result<T> {
        match self.row {
            Row::Any(row) => T::any(row, col).map_err(|e| db_err(self.what, e)),
            Row::Pg(row) => T::pg(row, col).map_err(|e| db_err(self.what, e)),
            Row::Sqlite(row, names) => match names.iter().position(|n| n == col) {
                Some(i) => T::sqlite(row, i).map_err(|e| self.bad(e)),
                None => Err(self.bad(rusqlite::Error::InvalidColumnName(col.to_owned()))),
            },
        }
    }

    /// INTEGER columns come back as i32 on PostgreSQL/MySQL and i64 on SQLite.
    pub fn int(&self, col: &str) -> Result<i64> {
        match self.row {
            Row::Any(row) => int_of(row, col).map_err(|e| db_err(self.what, e)),
            Row::Pg(row) => int_of(row, col).map_err(|e| db_err(self.what, e)),
            Row::Sqlite(..) => self.get(col),
        }
    }

    /// A TEXT column (MySQL reports some as BLOBs).
    pub fn text(&self, col: &str) -> Result<String> {
        match self.row {
            Row::Any(row) => super::text(row, col),
            Row::Pg(..) | Row::Sqlite(..) => self.get(col),
        }
    }

    /// [`Cols::text`] for a nullable column.
    pub fn text_opt(&self, col: &str) -> Result<Option<String>> {
        match self.row {
            Row::Any(row) => super::text_opt(row, col),
            Row::Pg(..) | Row::Sqlite(..) => self.get(col),
        }
    }

    pub fn json(&self, col: &str) -> Result<serde_json::Value> {
        let text = self.text(col)?;
        serde_json::from_str(&text).map_err(|e| {
            Error::new(ErrorKind::Unexpected, "bad JSON column").with_context("column", col).with_source(e)
        })
    }

    fn bad(&self, e: rusqlite::Error) -> Error {
        Error::new(ErrorKind::Unexpected, self.what).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_and_bounded() {
        assert_eq!(normalize_tags(&[" Beach", "beach", "2024"]).unwrap(), vec!["2024", "beach"]);
        assert!(normalize_tags(&[""]).is_err());
        assert!(normalize_tags(&["a\u{7}"]).is_err());
        assert!(normalize_tags(&["x".repeat(65)]).is_err());
        let many: Vec<String> = (0..51).map(|i| i.to_string()).collect();
        assert_eq!(normalize_tags(&many).unwrap_err().kind(), ErrorKind::LimitExceeded);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_Off!"), "%50!%!_off!!%");
        assert_eq!(placeholders(3), "?, ?, ?");
        assert_eq!(Visibility::parse("public").unwrap(), Visibility::Public);
        assert!(Visibility::parse("secret").is_err());
    }
}
