//! Single-use links sent by e-mail (address verification, password reset, a change of address).
//! Only a token's SHA-256 is stored, like invitations and share links: a leaked table opens nothing.

use sqlx::Row as _;

use fotobase::{Error, ErrorKind, Result};

use super::{db_err, text_opt};

/// What a link is for; a token of one purpose is never taken for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailPurpose {
    Verify,
    Reset,
    /// Sent to a new address; carries it ([`NewAddress`]) until the link is followed.
    ChangeEmail,
}

/// An address an account is moving to, as stored: field-encrypted and its blind index.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAddress {
    pub email_cipher: String,
    pub email_index: String,
}

impl std::fmt::Debug for NewAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewAddress(..)")
    }
}

impl EmailPurpose {
    fn as_str(self) -> &'static str {
        match self {
            EmailPurpose::Verify => "verify",
            EmailPurpose::Reset => "reset",
            EmailPurpose::ChangeEmail => "change_email",
        }
    }
}

repository!(EmailTokens);

impl EmailTokens {
    /// Record a token (by its hash) for `user`, valid for `ttl_secs`. Earlier unused tokens of
    /// the same purpose stop working: only the latest link does.
    pub async fn create(&self, user: i64, purpose: EmailPurpose, token_hash: &str, ttl_secs: i64) -> Result<()> {
        self.insert(user, purpose, token_hash, ttl_secs, None).await
    }

    /// Record a change-of-address token for `user` that carries the address it confirms; an
    /// earlier unfollowed change link stops working.
    pub async fn create_change(&self, user: i64, token_hash: &str, ttl_secs: i64, to: &NewAddress) -> Result<()> {
        self.insert(user, EmailPurpose::ChangeEmail, token_hash, ttl_secs, Some(to)).await
    }

    async fn insert(
        &self,
        user: i64,
        purpose: EmailPurpose,
        token_hash: &str,
        ttl_secs: i64,
        to: Option<&NewAddress>,
    ) -> Result<()> {
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
            "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at, new_email_cipher, \
             new_email_index) VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        sqlx::query(&q)
            .bind(token_hash)
            .bind(user)
            .bind(purpose.as_str())
            .bind(now)
            .bind(now.saturating_add(ttl_secs))
            .bind(to.map(|a| a.email_cipher.as_str()))
            .bind(to.map(|a| a.email_index.as_str()))
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
        Ok(self.take_row(purpose, token_hash).await?.0)
    }

    /// Spend a change-of-address token: the account and the address it moves to.
    pub async fn take_change(&self, token_hash: &str) -> Result<(i64, NewAddress)> {
        match self.take_row(EmailPurpose::ChangeEmail, token_hash).await? {
            (user, Some(to)) => Ok((user, to)),
            (_, None) => Err(invalid()),
        }
    }

    async fn take_row(&self, purpose: EmailPurpose, token_hash: &str) -> Result<(i64, Option<NewAddress>)> {
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
        let q = self.db.sql("SELECT user_id, new_email_cipher, new_email_index FROM email_tokens WHERE token_hash = ?");
        let row = sqlx::query(&q)
            .bind(token_hash)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read token", e))?
            .ok_or_else(invalid)?;
        let get = |e| db_err("bad token row", e);
        let user = row.try_get("user_id").map_err(get)?;
        let (cipher, index) = (text_opt(&row, "new_email_cipher")?, text_opt(&row, "new_email_index")?);
        Ok((user, cipher.zip(index).map(|(email_cipher, email_index)| NewAddress { email_cipher, email_index })))
    }
}

fn invalid() -> Error {
    Error::new(ErrorKind::TokenInvalid, "the link is unknown, used or expired").with_context("field", "token")
}
