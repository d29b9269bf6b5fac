//! Accounts at OpenID Connect providers linked to fotobase accounts (`provider`, `subject`) →
//! account. A subject signs in to one account only; an account may link several providers.

use sqlx::Row as _;

use fotobase::{Error, ErrorKind, Result};

use super::{db_err, is_unique_violation};

/// One linked provider account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub provider: String,
    pub subject: String,
    pub user_id: i64,
    pub created_at: i64,
    pub last_used_at: i64,
}

repository!(Identities);

impl Identities {
    /// The account `subject` at `provider` signs in to, noting the use.
    pub async fn account_of(&self, provider: &str, subject: &str) -> Result<Option<i64>> {
        let q = self.db.sql("SELECT user_id FROM identities WHERE provider = ? AND subject = ?");
        let row = sqlx::query(&q)
            .bind(provider)
            .bind(subject)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read identity", e))?;
        let Some(row) = row else { return Ok(None) };
        let user: i64 = row.try_get("user_id").map_err(|e| db_err("bad identity row", e))?;
        let q = self.db.sql("UPDATE identities SET last_used_at = ? WHERE provider = ? AND subject = ?");
        sqlx::query(&q)
            .bind(self.clock.now())
            .bind(provider)
            .bind(subject)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot note identity use", e))?;
        Ok(Some(user))
    }

    /// Link `subject` at `provider` to `user`. `already_exists` if that subject is linked already
    /// (to this account or another), or this account already has another subject at `provider`.
    pub async fn link(&self, provider: &str, subject: &str, user: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let q = self.db.sql("SELECT COUNT(*) AS n FROM identities WHERE provider = ? AND user_id = ?");
        let n: i64 = sqlx::query(&q)
            .bind(provider)
            .bind(user)
            .fetch_one(&mut *tx)
            .await
            .and_then(|r| r.try_get("n"))
            .map_err(|e| db_err("cannot read identities", e))?;
        if n > 0 {
            return Err(taken());
        }
        let now = self.clock.now();
        let q = self.db.sql(
            "INSERT INTO identities (provider, subject, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)",
        );
        let inserted =
            sqlx::query(&q).bind(provider).bind(subject).bind(user).bind(now).bind(now).execute(&mut *tx).await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(taken()),
            other => other.map_err(|e| db_err("cannot store identity", e))?,
        };
        tx.commit().await.map_err(|e| db_err("cannot commit identity", e))
    }

    /// The providers an account is linked to, oldest link first.
    pub async fn of_user(&self, user: i64) -> Result<Vec<Identity>> {
        let q = self.db.sql(
            "SELECT provider, subject, user_id, created_at, last_used_at FROM identities WHERE user_id = ? \
             ORDER BY created_at, provider",
        );
        let rows = sqlx::query(&q)
            .bind(user)
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot list identities", e))?;
        rows.iter()
            .map(|r| {
                let get = |e| db_err("bad identity row", e);
                Ok(Identity {
                    provider: r.try_get("provider").map_err(get)?,
                    subject: r.try_get("subject").map_err(get)?,
                    user_id: r.try_get("user_id").map_err(get)?,
                    created_at: r.try_get("created_at").map_err(get)?,
                    last_used_at: r.try_get("last_used_at").map_err(get)?,
                })
            })
            .collect()
    }

    /// Unlink `provider` from an account; `false` if it was not linked.
    pub async fn unlink(&self, user: i64, provider: &str) -> Result<bool> {
        let q = self.db.sql("DELETE FROM identities WHERE user_id = ? AND provider = ?");
        let done = sqlx::query(&q)
            .bind(user)
            .bind(provider)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot unlink identity", e))?;
        Ok(done.rows_affected() > 0)
    }
}

fn taken() -> Error {
    Error::new(ErrorKind::AlreadyExists, "this provider account is already linked")
}
