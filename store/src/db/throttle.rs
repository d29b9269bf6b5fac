//! [`ThrottleStore`] on SQL: failure counters in `login_attempts`, shared by all replicas.

use sqlx::Row as _;

use super::{Db, DbBackend, db_err};
use fotobase::Result;
use fotobase_auth::throttle::{Attempts, ThrottleStore};

/// Login-failure counters in the `login_attempts` table.
#[derive(Debug, Clone)]
pub struct SqlThrottleStore {
    db: Db,
}

impl SqlThrottleStore {
    /// A store on `db` (run [`Db::migrate`] first).
    pub fn new(db: Db) -> Self {
        SqlThrottleStore { db }
    }
}

#[async_trait::async_trait]
impl ThrottleStore for SqlThrottleStore {
    async fn get(&self, key: &str) -> Result<Option<Attempts>> {
        let q = self.db.sql("SELECT failures, last_failure_at FROM login_attempts WHERE throttle_key = ?");
        let row = sqlx::query(&q)
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read attempts", e))?;
        row.map(|r| {
            Ok(Attempts {
                failures: r.try_get::<i32, _>("failures").map_err(|e| db_err("bad attempts row", e))? as u32,
                last_failure_at: r.try_get("last_failure_at").map_err(|e| db_err("bad attempts row", e))?,
            })
        })
        .transpose()
    }

    async fn record_failure(&self, key: &str, now: i64, forget_before: i64) -> Result<Attempts> {
        // One atomic upsert: restart from 1 if the last failure is forgotten, else add 1.
        let upsert = match self.db.backend {
            DbBackend::MySql => {
                "INSERT INTO login_attempts (throttle_key, failures, last_failure_at) VALUES (?, 1, ?) \
                 ON DUPLICATE KEY UPDATE failures = IF(last_failure_at <= ?, 1, failures + 1), last_failure_at = VALUES(last_failure_at)"
            }
            _ => {
                "INSERT INTO login_attempts (throttle_key, failures, last_failure_at) VALUES (?, 1, ?) \
                 ON CONFLICT (throttle_key) DO UPDATE SET \
                 failures = CASE WHEN login_attempts.last_failure_at <= ? THEN 1 ELSE login_attempts.failures + 1 END, \
                 last_failure_at = excluded.last_failure_at"
            }
        };
        let q = self.db.sql(upsert);
        sqlx::query(&q)
            .bind(key)
            .bind(now)
            .bind(forget_before)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot record attempt", e))?;
        Ok(self.get(key).await?.unwrap_or(Attempts { failures: 1, last_failure_at: now }))
    }

    async fn clear(&self, key: &str) -> Result<()> {
        let q = self.db.sql("DELETE FROM login_attempts WHERE throttle_key = ?");
        sqlx::query(&q).bind(key).execute(&self.db.pool).await.map_err(|e| db_err("cannot clear attempts", e))?;
        Ok(())
    }
}
