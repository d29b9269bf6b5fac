//! Second factors: an account's TOTP secret (stored as the caller encrypted it) and its recovery
//! codes (stored as hashes). Taking a code is a compare-and-set in the database, so two requests
//! racing with the same code cannot both pass, on any backend.

use sqlx::Row as _;

use fotobase::{Error, ErrorKind, Result};

use super::{Tx, db_err, is_unique_violation, text};

/// An account's TOTP factor as stored.
#[derive(Debug, Clone)]
pub struct TotpFactor {
    pub secret_cipher: String,
    /// Unix seconds it was confirmed with a code; `None` while enrolment is unfinished.
    pub enabled_at: Option<i64>,
    /// The last time step a code was accepted for.
    pub last_step: i64,
}

repository!(Factors);

impl Factors {
    /// The account's TOTP factor, confirmed or not.
    pub async fn totp(&self, user: i64) -> Result<Option<TotpFactor>> {
        let q = self.db.sql("SELECT secret_cipher, enabled_at, last_step FROM totp_factors WHERE user_id = ?");
        let row = sqlx::query(&q)
            .bind(user)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read factor", e))?;
        row.map(|r| {
            Ok(TotpFactor {
                secret_cipher: text(&r, "secret_cipher")?,
                enabled_at: r.try_get("enabled_at").map_err(|e| db_err("bad factor row", e))?,
                last_step: r.try_get("last_step").map_err(|e| db_err("bad factor row", e))?,
            })
        })
        .transpose()
    }

    /// Start enrolment with a new secret, replacing an unfinished one. An account whose factor is
    /// already confirmed gets `conflict`: it is turned off first (with a step-up), never overwritten.
    pub async fn begin_totp(&self, user: i64, secret_cipher: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let q = self.db.sql("DELETE FROM totp_factors WHERE user_id = ? AND enabled_at IS NULL");
        sqlx::query(&q).bind(user).execute(&mut *tx).await.map_err(|e| db_err("cannot replace factor", e))?;
        let q = self.db.sql(
            "INSERT INTO totp_factors (user_id, secret_cipher, created_at, enabled_at, last_step) VALUES (?, ?, ?, NULL, 0)",
        );
        let inserted = sqlx::query(&q).bind(user).bind(secret_cipher).bind(self.clock.now()).execute(&mut *tx).await;
        if let Err(e) = inserted {
            return Err(if is_unique_violation(&e) {
                Error::new(ErrorKind::Conflict, "a second factor is already on: turn it off first")
            } else {
                db_err("cannot store factor", e)
            });
        }
        tx.commit().await.map_err(|e| db_err("cannot commit factor", e))
    }

    /// Confirm enrolment with the code's time `step`, and store the first recovery codes (by hash).
    /// `false` when there was no unfinished enrolment (already confirmed, or never begun).
    pub async fn enable_totp(&self, user: i64, step: i64, recovery_hashes: &[String]) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let q = self.db.sql(
            "UPDATE totp_factors SET enabled_at = ?, last_step = ? WHERE user_id = ? AND enabled_at IS NULL AND last_step < ?",
        );
        let done = sqlx::query(&q)
            .bind(self.clock.now())
            .bind(step)
            .bind(user)
            .bind(step)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot enable factor", e))?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        self.store_recovery_codes(&mut tx, user, recovery_hashes).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit factor", e))?;
        Ok(true)
    }

    /// Accept a code of time `step` for a confirmed factor, once: `false` if a code of this
    /// step or a later one was already taken (a replay, or a race lost).
    pub async fn take_totp_step(&self, user: i64, step: i64) -> Result<bool> {
        let q = self.db.sql(
            "UPDATE totp_factors SET last_step = ? WHERE user_id = ? AND enabled_at IS NOT NULL AND last_step < ?",
        );
        let done = sqlx::query(&q)
            .bind(step)
            .bind(user)
            .bind(step)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot take code", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// Spend a recovery code (by hash), once.
    pub async fn take_recovery_code(&self, user: i64, code_hash: &str) -> Result<bool> {
        let q = self
            .db
            .sql("UPDATE recovery_codes SET used_at = ? WHERE code_hash = ? AND user_id = ? AND used_at IS NULL");
        let done = sqlx::query(&q)
            .bind(self.clock.now())
            .bind(code_hash)
            .bind(user)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot take recovery code", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// Replace every recovery code of the account (the old ones stop working).
    pub async fn replace_recovery_codes(&self, user: i64, hashes: &[String]) -> Result<()> {
        let mut tx = self.db.begin().await?;
        self.store_recovery_codes(&mut tx, user, hashes).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit recovery codes", e))
    }

    /// Recovery codes not used yet.
    pub async fn recovery_codes_left(&self, user: i64) -> Result<i64> {
        let q = self.db.sql("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL");
        let row = sqlx::query(&q)
            .bind(user)
            .fetch_one(self.db.pool())
            .await
            .map_err(|e| db_err("cannot count recovery codes", e))?;
        row.try_get("n").map_err(|e| db_err("bad count", e))
    }

    /// Remove the account's TOTP factor and recovery codes; `false` if it had none.
    pub async fn remove_totp(&self, user: i64) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let q = self.db.sql("DELETE FROM recovery_codes WHERE user_id = ?");
        sqlx::query(&q).bind(user).execute(&mut *tx).await.map_err(|e| db_err("cannot remove codes", e))?;
        let q = self.db.sql("DELETE FROM totp_factors WHERE user_id = ?");
        let done = sqlx::query(&q).bind(user).execute(&mut *tx).await.map_err(|e| db_err("cannot remove factor", e))?;
        tx.commit().await.map_err(|e| db_err("cannot commit factor removal", e))?;
        Ok(done.rows_affected() == 1)
    }

    async fn store_recovery_codes(&self, tx: &mut Tx, user: i64, hashes: &[String]) -> Result<()> {
        let q = self.db.sql("DELETE FROM recovery_codes WHERE user_id = ?");
        sqlx::query(&q).bind(user).execute(&mut **tx).await.map_err(|e| db_err("cannot replace codes", e))?;
        let q = self.db.sql("INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES (?, ?, ?)");
        let now = self.clock.now();
        for hash in hashes {
            sqlx::query(&q)
                .bind(hash)
                .bind(user)
                .bind(now)
                .execute(&mut **tx)
                .await
                .map_err(|e| db_err("cannot store recovery code", e))?;
        }
        Ok(())
    }
}
