//! Hot reads on PostgreSQL, on connections of their own, typed.
//!
//! Through the pool every read paid twice: sqlx 0.8 pings a connection each time it comes
//! back (a second round trip to the server per query), and the `Any` driver copies every
//! value of every row into its own representation. The reads every authenticated request
//! makes (the caller's account, a page of images) use these connections instead: `PgRow`s
//! as they arrive, no ping on return, a ping before use only after an idle spell (the
//! pool's rule, and every time for a few seconds after an outage was noticed, so a database
//! restart costs no more than the requests that met it).
//! Writes and transactions stay on the pool.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::sync::Semaphore;

use super::db_err;
use super::model::{Row, Val, bind_all};
use fotobase::Result;

/// Connections reading at once; more readers wait for one (a pool's size, not a cache's).
const MAX: usize = 10;
/// Idle longer than this, a connection is pinged before it is used again.
const STALE: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub(crate) struct PgReaders {
    options: PgConnectOptions,
    permits: Semaphore,
    idle: Mutex<Vec<(PgConnection, Instant)>>,
}

impl PgReaders {
    pub(crate) fn new(options: PgConnectOptions) -> PgReaders {
        PgReaders { options, permits: Semaphore::new(MAX), idle: Mutex::new(Vec::new()) }
    }

    /// Run `sql` with `vals` bound in order and hand each row to `each`.
    pub(crate) async fn rows(
        &self,
        sql: &str,
        vals: &[Val],
        what: &'static str,
        each: impl FnMut(Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let _permit = self.permits.acquire().await.map_err(|_| db_err(what, sqlx::Error::PoolClosed))?;
        let mut conn = self.take().await.map_err(|e| db_err(what, e))?;
        let q = bind_all(sqlx::query(sql), vals);
        // A connection whose statement failed is closed, not trusted again.
        let rows = q.fetch_all(&mut conn).await.map_err(|e| db_err(what, e))?;
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push((conn, Instant::now()));
        rows.iter().map(Row::Pg).try_for_each(each)
    }

    async fn take(&self) -> std::result::Result<PgConnection, sqlx::Error> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if let Some((mut conn, since)) = idle
            && ((since.elapsed() < STALE && !super::outage::suspected()) || conn.ping().await.is_ok())
        {
            return Ok(conn);
        }
        PgConnection::connect_with(&self.options).await
    }
}
