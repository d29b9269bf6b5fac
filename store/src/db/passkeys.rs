//! Passkeys (WebAuthn credentials) of accounts, found by their credential id's SHA-256.

use sha2::{Digest as _, Sha256};
use sqlx::Row as _;

use fotobase::{Error, ErrorKind, Result};

use super::{db_err, is_unique_violation, text};

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    pub id: i64,
    pub user_id: i64,
    /// base64url, as the browser names it.
    pub credential_id: String,
    /// The COSE key, base64url.
    pub public_key: String,
    pub sign_count: u32,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, credential_id, public_key, sign_count, name, created_at, last_used_at";

repository!(Passkeys);

impl Passkeys {
    /// Store a new passkey of `user`; `already_exists` if that credential is registered (to anyone).
    pub async fn add(
        &self,
        user: i64,
        credential_id: &str,
        public_key: &str,
        sign_count: u32,
        name: &str,
    ) -> Result<Passkey> {
        let q = self.db.insert_sql(
            "INSERT INTO passkeys (user_id, credential_hash, credential_id, public_key, sign_count, name, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        let query = sqlx::query(&q)
            .bind(user)
            .bind(hash(credential_id))
            .bind(credential_id)
            .bind(public_key)
            .bind(i64::from(sign_count))
            .bind(name)
            .bind(self.clock.now());
        let id = match self.db.inserted_id(self.db.pool(), query).await {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::new(ErrorKind::AlreadyExists, "this passkey is registered already"));
            }
            Err(e) => return Err(e),
        };
        self.get(user, id).await?.ok_or_else(|| Error::new(ErrorKind::Unexpected, "stored passkey vanished"))
    }

    /// The passkey the browser names `credential_id`, whoever's it is.
    pub async fn by_credential(&self, credential_id: &str) -> Result<Option<Passkey>> {
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM passkeys WHERE credential_hash = ?"));
        let row = sqlx::query(&q)
            .bind(hash(credential_id))
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read passkey", e))?;
        row.as_ref().map(from_row).transpose()
    }

    /// One of `user`'s passkeys.
    pub async fn get(&self, user: i64, id: i64) -> Result<Option<Passkey>> {
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM passkeys WHERE id = ? AND user_id = ?"));
        let row = sqlx::query(&q)
            .bind(id)
            .bind(user)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| db_err("cannot read passkey", e))?;
        row.as_ref().map(from_row).transpose()
    }

    /// `user`'s passkeys, oldest first.
    pub async fn of_user(&self, user: i64) -> Result<Vec<Passkey>> {
        let q = self.db.sql(&format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = ? ORDER BY id"));
        let rows = sqlx::query(&q)
            .bind(user)
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot list passkeys", e))?;
        rows.iter().map(from_row).collect()
    }

    /// Note a sign-in: the new counter, if it still moves forward from `seen` (of two sign-ins
    /// racing with one assertion, one passes). `false` if it did not.
    pub async fn used(&self, id: i64, seen: u32, count: u32) -> Result<bool> {
        let q = self.db.sql("UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?");
        let done = sqlx::query(&q)
            .bind(i64::from(count))
            .bind(self.clock.now())
            .bind(id)
            .bind(i64::from(seen))
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot note passkey use", e))?;
        Ok(done.rows_affected() == 1)
    }

    /// Remove one of `user`'s passkeys; `false` if there was none.
    pub async fn remove(&self, user: i64, id: i64) -> Result<bool> {
        let q = self.db.sql("DELETE FROM passkeys WHERE id = ? AND user_id = ?");
        let done = sqlx::query(&q)
            .bind(id)
            .bind(user)
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot remove passkey", e))?;
        Ok(done.rows_affected() == 1)
    }
}

fn hash(credential_id: &str) -> String {
    fotobase_auth::random::hex(&Sha256::digest(credential_id.as_bytes()))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Passkey> {
    let get = |e| db_err("bad passkey row", e);
    let count: i64 = r.try_get("sign_count").map_err(get)?;
    Ok(Passkey {
        id: r.try_get("id").map_err(get)?,
        user_id: r.try_get("user_id").map_err(get)?,
        credential_id: text(r, "credential_id")?,
        public_key: text(r, "public_key")?,
        sign_count: u32::try_from(count).unwrap_or(u32::MAX),
        name: r.try_get("name").map_err(get)?,
        created_at: r.try_get("created_at").map_err(get)?,
        last_used_at: r.try_get("last_used_at").map_err(get)?,
    })
}

repository!(
    /// Challenges used once: the server keeps no ceremony state, so it remembers what was spent.
    SpentChallenges
);

impl SpentChallenges {
    /// Spend `challenge` (valid until `expires_at`): `false` if it was spent before. Spent
    /// challenges past their expiry are forgotten on the way.
    pub async fn spend(&self, challenge: &str, expires_at: i64) -> Result<bool> {
        let q = self.db.sql("DELETE FROM spent_challenges WHERE expires_at < ?");
        sqlx::query(&q)
            .bind(self.clock.now())
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot forget spent challenges", e))?;
        let q = self.db.sql("INSERT INTO spent_challenges (challenge_hash, expires_at) VALUES (?, ?)");
        match sqlx::query(&q).bind(hash(challenge)).bind(expires_at).execute(self.db.pool()).await {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(db_err("cannot spend challenge", e)),
        }
    }
}
