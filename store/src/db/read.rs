//! Hot reads on a file-backed SQLite database, run on the calling thread.
//!
//! sqlx drives each SQLite connection from a thread of its own and sends every result row
//! back through a channel, so a page of 20 images cost 21 wake-ups and thread switches, and
//! the pool pings the connection again each time it comes back: most of a list request's time
//! went to the kernel switching threads (benches/README.md). The reads every authenticated
//! request makes (the caller's account, a page of images) run here instead, on read-only
//! connections of their own driven synchronously: in WAL mode readers never wait for the
//! writer, each statement sees everything committed before it, and the statements are short
//! (an indexed lookup, one bounded page). Writes, transactions and the other databases stay on
//! sqlx.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::OpenFlags;
use rusqlite::types::{ToSql, ToSqlOutput};

use super::model::{Row, Val};
use fotobase::{Error, ErrorKind, Result};

/// Idle connections kept; more are opened when more requests read at once, then dropped.
const KEEP: usize = 8;

/// Read-only connections to one SQLite file.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Readers {
        Readers { path, idle: Mutex::new(Vec::new()) }
    }

    /// Run `sql` with `vals` bound in order and hand each row to `each`.
    pub(crate) fn rows(
        &self,
        sql: &str,
        vals: &[Val],
        what: &'static str,
        mut each: impl FnMut(Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let conn = self.take().map_err(|e| failed(what, e))?;
        let done = (|| {
            let mut stmt = conn.prepare_cached(sql).map_err(|e| failed(what, e))?;
            let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
            let mut rows = stmt.query(rusqlite::params_from_iter(vals)).map_err(|e| failed(what, e))?;
            while let Some(row) = rows.next().map_err(|e| failed(what, e))? {
                each(Row::Sqlite(row, &names))?;
            }
            Ok(())
        })();
        // A connection whose statement failed is not trusted again.
        if done.is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < KEEP {
                idle.push(conn);
            }
        }
        done
    }

    fn take(&self) -> rusqlite::Result<rusqlite::Connection> {
        if let Some(conn) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags)?;
        // Only a checkpoint or WAL recovery can hold a reader up; this thread also serves other
        // requests, so it waits briefly and then reports the database busy.
        conn.busy_timeout(Duration::from_millis(250))?;
        Ok(conn)
    }
}

/// Bound as they are, without copying the text.
impl ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::I(i) => ToSqlOutput::from(*i),
            Val::S(s) => ToSqlOutput::from(s.as_str()),
        })
    }
}

fn failed(what: &'static str, e: rusqlite::Error) -> Error {
    let busy =
        matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked));
    Error::new(if busy { ErrorKind::Unavailable } else { ErrorKind::Unexpected }, what).with_source(e)
}
