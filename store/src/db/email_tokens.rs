//! Single-use links sent by e-mail (address verification, password reset). Only a token's
//! SHA-256 is stored, like invitations and share links: a leaked table opens nothing.

use sqlx::Row as _;

use fotobase::{Error, ErrorKind, Result};

use super::db_err;

/// What a link is for; a token of one purpose is never taken for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailPurpose {
    Verify,
    Reset,
}

impl EmailPurpose {
    fn as_str(self) -> &'static str {
        match self {
            EmailPurpose::Verify => "verify",
            EmailPurpose::Reset => "reset",
        }
    }
}

repository!(EmailTokens);

impl EmailTokens {
    /// Record a token (by its hash) for `user`, valid for `ttl_secs`. Earlier unused tokens of
    /// the same purpose stop working: only the latest link does.
    pub async fn create(&self, user: i64, purpose: EmailPurpose, token_hash: &str, ttl_secs: i64) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let q =
            self.db.sql("UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL");
        sqlx::query(&q)
            .bind(now)
            .bind(user)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot retire tokens", e))?;
        let q = self.db.sql(
            "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        );
        sqlx::query(&q)
            .bind(token_hash)
            .bind(user)
            .bind(purpose.as_str())
            .bind(now)
            .bind(now.saturating_add(ttl_secs))
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot store token", e))?;
        tx.commit().await.map_err(|e| db_err("cannot commit token", e))
    }

    /// The account a live token (unused, unexpired, of this purpose) is for, without spending
    /// it: to check a request before [`EmailTokens::take`].
    pub async fn peek(&self, purpose: EmailPurpose, token_hash: &str) -> Result<i64> {
        let q = self.db.sql(
            "SELECT user_id FROM email_tokens WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
        );
        let row = sqlx::query(&q)
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(self.clock.now())
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read token", e))?
            .ok_or_else(invalid)?;
        row.try_get("user_id").map_err(|e| db_err("bad token row", e))
    }

    /// Spend a token: once, before it expires, for its purpose; the account it was for.
    /// Unknown, used, expired and other-purpose tokens are alike `token_invalid`.
    pub async fn take(&self, purpose: EmailPurpose, token_hash: &str) -> Result<i64> {
        let now = self.clock.now();
        let q = self.db.sql(
            "UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
        );
        let done = sqlx::query(&q)
            .bind(now)
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot take token", e))?;
        if done.rows_affected() != 1 {
            return Err(invalid());
        }
        let q = self.db.sql("SELECT user_id FROM email_tokens WHERE token_hash = ?");
        let row = sqlx::query(&q)
            .bind(token_hash)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read token", e))?
            .ok_or_else(invalid)?;
        row.try_get("user_id").map_err(|e| db_err("bad token row", e))
    }
}

fn invalid() -> Error {
    Error::new(ErrorKind::TokenInvalid, "the link is unknown, used or expired").with_context("field", "token")
}
