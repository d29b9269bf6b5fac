//! [`SessionStore`] on SQL. `rotate` is one transaction of conditional UPDATEs:
//! the row locks (PostgreSQL, MySQL) or the single writer (SQLite) let exactly
//! one of many concurrent callers see the token unused.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::{Db, db_err};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::session::{RefreshRecord, Session, SessionStore};

/// Sessions and refresh-token hashes in the `sessions` and `refresh_tokens` tables.
#[derive(Debug, Clone)]
pub struct SqlSessionStore {
    db: Db,
}

impl SqlSessionStore {
    /// A store on `db` (run [`Db::migrate`] first).
    pub fn new(db: Db) -> Self {
        SqlSessionStore { db }
    }
}

const SESSION_COLUMNS: &str = "id, user_id, created_at, last_used_at, expires_at, idle_expires_at, revoked_at, \
     revoked_reason, roles, scope, user_agent, ip";

fn session_from(row: &AnyRow) -> Result<Session> {
    let get = |e: sqlx::Error| db_err("bad session row", e);
    let roles: String = row.try_get("roles").map_err(get)?;
    Ok(Session {
        id: row.try_get("id").map_err(get)?,
        user_id: row.try_get("user_id").map_err(get)?,
        created_at: row.try_get("created_at").map_err(get)?,
        last_used_at: row.try_get("last_used_at").map_err(get)?,
        expires_at: row.try_get("expires_at").map_err(get)?,
        idle_expires_at: row.try_get("idle_expires_at").map_err(get)?,
        revoked_at: row.try_get("revoked_at").map_err(get)?,
        revoked_reason: row.try_get("revoked_reason").map_err(get)?,
        roles: serde_json::from_str(&roles)
            .map_err(|e| Error::new(ErrorKind::Unexpected, "bad roles column").with_source(e))?,
        scope: row.try_get("scope").map_err(get)?,
        user_agent: row.try_get("user_agent").map_err(get)?,
        ip: row.try_get("ip").map_err(get)?,
    })
}

fn record_from(row: &AnyRow) -> Result<RefreshRecord> {
    let get = |e: sqlx::Error| db_err("bad refresh token row", e);
    Ok(RefreshRecord {
        hash: row.try_get("hash").map_err(get)?,
        session_id: row.try_get("session_id").map_err(get)?,
        generation: row.try_get::<i32, _>("generation").map_err(get)? as u32,
        issued_at: row.try_get("issued_at").map_err(get)?,
        used_at: row.try_get("used_at").map_err(get)?,
    })
}

impl SqlSessionStore {
    async fn insert_token<'e, E>(&self, exec: E, r: &RefreshRecord) -> Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let q = self.db.sql(
            "INSERT INTO refresh_tokens (hash, session_id, generation, issued_at, used_at) VALUES (?, ?, ?, ?, ?)",
        );
        sqlx::query(&q)
            .bind(&r.hash)
            .bind(&r.session_id)
            .bind(r.generation as i32)
            .bind(r.issued_at)
            .bind(r.used_at)
            .execute(exec)
            .await
            .map_err(|e| db_err("cannot store refresh token", e))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, s: &Session, first: &RefreshRecord) -> Result<()> {
        let roles = serde_json::to_string(&s.roles).expect("strings serialise");
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        let q = self
            .db
            .sql(&format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        sqlx::query(&q)
            .bind(&s.id)
            .bind(&s.user_id)
            .bind(s.created_at)
            .bind(s.last_used_at)
            .bind(s.expires_at)
            .bind(s.idle_expires_at)
            .bind(s.revoked_at)
            .bind(&s.revoked_reason)
            .bind(roles)
            .bind(&s.scope)
            .bind(&s.user_agent)
            .bind(&s.ip)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot store session", e))?;
        self.insert_token(&mut *tx, first).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit session", e))
    }

    async fn session(&self, id: &str) -> Result<Option<Session>> {
        let q = self.db.sql(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?"));
        let row = sqlx::query(&q)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read session", e))?;
        row.as_ref().map(session_from).transpose()
    }

    async fn token(&self, hash: &str) -> Result<Option<RefreshRecord>> {
        let q =
            self.db.sql("SELECT hash, session_id, generation, issued_at, used_at FROM refresh_tokens WHERE hash = ?");
        let row = sqlx::query(&q)
            .bind(hash)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read token", e))?;
        row.as_ref().map(record_from).transpose()
    }

    async fn rotate(&self, old_hash: &str, next: &RefreshRecord, now: i64, idle_expires_at: i64) -> Result<bool> {
        // Lock order: the session row first, then the token, as `revoke` does (it only
        // touches the session row). Taking them the other way round deadlocked on MariaDB
        // when a reuse-revocation raced a rotation.
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        let q = self
            .db
            .sql("UPDATE sessions SET last_used_at = ?, idle_expires_at = ? WHERE id = ? AND revoked_at IS NULL");
        let live = sqlx::query(&q)
            .bind(now)
            .bind(idle_expires_at)
            .bind(&next.session_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot touch session", e))?
            .rows_affected()
            == 1;
        let q =
            self.db.sql("UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND session_id = ?");
        let won = live
            && sqlx::query(&q)
                .bind(now)
                .bind(old_hash)
                .bind(&next.session_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_err("cannot rotate token", e))?
                .rows_affected()
                == 1;
        if !won {
            tx.rollback().await.map_err(|e| db_err("cannot roll back", e))?;
            return Ok(false);
        }
        self.insert_token(&mut *tx, next).await?;
        tx.commit().await.map_err(|e| db_err("cannot commit rotation", e))?;
        Ok(true)
    }

    async fn revoke(&self, session_id: &str, now: i64, reason: &str) -> Result<bool> {
        let q =
            self.db.sql("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL");
        let res = sqlx::query(&q)
            .bind(now)
            .bind(reason)
            .bind(session_id)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot revoke session", e))?;
        Ok(res.rows_affected() == 1)
    }

    async fn revoke_user(&self, user_id: &str, keep: Option<&str>, now: i64, reason: &str) -> Result<u64> {
        let q = self.db.sql(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?",
        );
        let res = sqlx::query(&q)
            .bind(now)
            .bind(reason)
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot revoke sessions", e))?;
        Ok(res.rows_affected())
    }

    async fn list_user(&self, user_id: &str) -> Result<Vec<Session>> {
        let q = self.db.sql(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at, id"
        ));
        let rows = sqlx::query(&q)
            .bind(user_id)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot list sessions", e))?;
        rows.iter().map(session_from).collect()
    }

    async fn purge(&self, before: i64) -> Result<u64> {
        // Tokens go with their session (ON DELETE CASCADE), so locks are taken
        // sessions-then-tokens like everywhere else.
        let dead = "expires_at < ? OR idle_expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)";
        let q = self.db.sql(&format!("DELETE FROM sessions WHERE {dead}"));
        let res = sqlx::query(&q)
            .bind(before)
            .bind(before)
            .bind(before)
            .execute(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot purge sessions", e))?;
        Ok(res.rows_affected())
    }
}
