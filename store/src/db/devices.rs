//! Device cookies: a browser that signed in to an account gets a random token, kept here only as
//! its SHA-256. Presented again with a login of that account, it is throttled on its own counter
//! (so a stranger's failures, which lock the account for unknown clients, do not lock its owner
//! out), and, if the second factor was passed with "remember", the factor is not asked again
//! until `second_factor_until`. Devices expire after [`DEVICE_DAYS`].

use sqlx::Row as _;

use fotobase::Result;

use super::db_err;

/// How long a device is known after it was first seen.
pub const DEVICE_DAYS: i64 = 180;

/// A known device of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    pub user_id: i64,
    /// Until when (unix seconds) it may skip the second factor; `None`: it may not.
    pub second_factor_until: Option<i64>,
}

repository!(Devices);

impl Devices {
    /// Remember a device (by its token's hash) for `user`.
    pub async fn add(&self, user: i64, token_hash: &str, second_factor_until: Option<i64>) -> Result<()> {
        let now = self.clock.now();
        let q = self.db.sql(
            "INSERT INTO devices (token_hash, user_id, created_at, last_used_at, second_factor_until) VALUES (?, ?, ?, ?, ?)",
        );
        sqlx::query(&q)
            .bind(token_hash)
            .bind(user)
            .bind(now)
            .bind(now)
            .bind(second_factor_until)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot store device", e))?;
        Ok(())
    }

    /// The live device with this token's hash, if any.
    pub async fn get(&self, token_hash: &str) -> Result<Option<Device>> {
        let q = self.db.sql("SELECT user_id, second_factor_until FROM devices WHERE token_hash = ? AND created_at > ?");
        let row = sqlx::query(&q)
            .bind(token_hash)
            .bind(self.clock.now() - DEVICE_DAYS * 86_400)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read device", e))?;
        let get = |e| db_err("bad device row", e);
        row.map(|r| {
            Ok(Device {
                user_id: r.try_get("user_id").map_err(get)?,
                second_factor_until: r.try_get("second_factor_until").map_err(get)?,
            })
        })
        .transpose()
    }

    /// Note a sign-in from the device; with `second_factor_until`, it may skip the factor until then.
    pub async fn seen(&self, token_hash: &str, second_factor_until: Option<i64>) -> Result<()> {
        let q = self.db.sql(
            "UPDATE devices SET last_used_at = ?, second_factor_until = COALESCE(?, second_factor_until) WHERE token_hash = ?",
        );
        sqlx::query(&q)
            .bind(self.clock.now())
            .bind(second_factor_until)
            .bind(token_hash)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot update device", e))?;
        Ok(())
    }

    /// Forget every device of `user` (a new password, a reset, logging out everywhere, a changed
    /// second factor); the number forgotten.
    pub async fn forget_all(&self, user: i64) -> Result<u64> {
        let q = self.db.sql("DELETE FROM devices WHERE user_id = ?");
        let done =
            sqlx::query(&q).bind(user).execute(self.db.pool()).await.map_err(|e| db_err("cannot forget devices", e))?;
        Ok(done.rows_affected())
    }
}
