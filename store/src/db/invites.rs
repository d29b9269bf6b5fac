//! Single-use invitations for invite-only sign-up. Only a code's SHA-256 is stored (the
//! server shows the code once, to the admin who made it), like share-link tokens.

use sqlx::Row as _;

use fotobase::{Error, ErrorKind, Result};

use super::db_err;

repository!(Invites);

impl Invites {
    /// Record an invitation by its code's hash, valid for `ttl_secs`; returns when it expires.
    pub async fn create(&self, created_by: i64, code_hash: &str, ttl_secs: i64) -> Result<i64> {
        let now = self.clock.now();
        let expires_at = now.saturating_add(ttl_secs);
        let q = self.db.sql("INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)");
        sqlx::query(&q)
            .bind(code_hash)
            .bind(created_by)
            .bind(now)
            .bind(expires_at)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot store invitation", e))?;
        Ok(expires_at)
    }

    /// Take the invitation for a sign-up: once per code, before it expires. Unknown, used and
    /// expired codes are alike `not_found`. [`Invites::release`] gives it back if the sign-up
    /// then fails.
    pub async fn take(&self, code_hash: &str) -> Result<()> {
        let now = self.clock.now();
        let q =
            self.db.sql("UPDATE invites SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?");
        let done = sqlx::query(&q)
            .bind(now)
            .bind(code_hash)
            .bind(now)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot take invitation", e))?;
        if done.rows_affected() != 1 {
            return Err(Error::new(ErrorKind::NotFound, "no such invitation (unknown, used or expired)"));
        }
        Ok(())
    }

    /// Give back a taken invitation whose sign-up failed (a taken address, a weak password).
    pub async fn release(&self, code_hash: &str) -> Result<()> {
        let q = self.db.sql("UPDATE invites SET used_at = NULL WHERE code_hash = ? AND used_by IS NULL");
        sqlx::query(&q).bind(code_hash).execute(&self.db.pool).await.map_err(|e| db_err("cannot release", e))?;
        Ok(())
    }

    /// Note which account a taken invitation made.
    pub async fn used_by(&self, code_hash: &str, user_id: i64) -> Result<()> {
        let q = self.db.sql("UPDATE invites SET used_by = ? WHERE code_hash = ?");
        sqlx::query(&q)
            .bind(user_id)
            .bind(code_hash)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot record invitation use", e))?;
        Ok(())
    }

    /// The newest `limit` invitations (1 to 200), used and expired ones included; never a code.
    pub async fn list(&self, limit: u32) -> Result<Vec<Invite>> {
        let q = self.db.sql(
            "SELECT code_hash, created_by, created_at, expires_at, used_at, used_by FROM invites \
             ORDER BY created_at DESC, code_hash LIMIT ?",
        );
        let rows = sqlx::query(&q)
            .bind(i64::from(limit.clamp(1, 200)))
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list invitations", e))?;
        rows.iter()
            .map(|r| {
                let bad = |e| db_err("bad invitation row", e);
                Ok(Invite {
                    code_hash: r.try_get("code_hash").map_err(bad)?,
                    created_by: r.try_get("created_by").map_err(bad)?,
                    created_at: r.try_get("created_at").map_err(bad)?,
                    expires_at: r.try_get("expires_at").map_err(bad)?,
                    used_at: r.try_get("used_at").map_err(bad)?,
                    used_by: r.try_get("used_by").map_err(bad)?,
                })
            })
            .collect()
    }

    /// Withdraw an invitation nobody has used: its code stops working. `false` when there is no
    /// unused invitation with this hash (unknown, or already used: that stays on record).
    pub async fn revoke(&self, code_hash: &str) -> Result<bool> {
        let q = self.db.sql("DELETE FROM invites WHERE code_hash = ? AND used_at IS NULL");
        let done = sqlx::query(&q)
            .bind(code_hash)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot revoke invitation", e))?;
        Ok(done.rows_affected() == 1)
    }
}

/// An invitation as admins see it: the hash of its code (which is not the code), who made it
/// and whether and by whom it was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub code_hash: String,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_by: Option<i64>,
}
