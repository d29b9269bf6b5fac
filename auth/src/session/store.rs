//! Where sessions and refresh-token hashes live. The trait's operations are the
//! atomic steps the protocol needs; [`MemorySessionStore`] is the reference
//! implementation and SQL stores implement the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use fotobase::Result;

/// One login: a family of refresh tokens that rotate into each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// `ses_…`, random.
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_used_at: i64,
    /// Absolute end: no refresh after this, however active the session.
    pub expires_at: i64,
    /// Idle end: moves forward with each refresh, never past `expires_at`.
    pub idle_expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    /// Roles and scope copied into access tokens minted from this session.
    pub roles: Vec<String>,
    pub scope: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl Session {
    /// Not revoked and neither expiry passed at `now`.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at && now < self.idle_expires_at
    }
}

/// A refresh token as stored: only its SHA-256, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// Lower-case hex SHA-256 of the token string.
    pub hash: String,
    pub session_id: String,
    /// 0 for the login token, +1 per rotation.
    pub generation: u32,
    pub issued_at: i64,
    /// Set when the token was exchanged; a second exchange is reuse.
    pub used_at: Option<i64>,
}

/// Storage for sessions. Every method must be atomic on its own; `rotate` is a
/// compare-and-set that exactly one of many concurrent callers wins.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// Store a new session and its first refresh token.
    async fn create(&self, session: &Session, first: &RefreshRecord) -> Result<()>;

    async fn session(&self, id: &str) -> Result<Option<Session>>;

    async fn token(&self, hash: &str) -> Result<Option<RefreshRecord>>;

    /// If the token `old_hash` is unused and its session is not revoked: mark it used
    /// at `now`, store `next`, set the session's `last_used_at = now` and
    /// `idle_expires_at`, and return `true`. Otherwise change nothing and return `false`.
    async fn rotate(&self, old_hash: &str, next: &RefreshRecord, now: i64, idle_expires_at: i64) -> Result<bool>;

    /// Revoke one session; `false` if it was missing or already revoked.
    async fn revoke(&self, session_id: &str, now: i64, reason: &str) -> Result<bool>;

    /// Revoke every unrevoked session of `user_id` except `keep`; returns how many.
    async fn revoke_user(&self, user_id: &str, keep: Option<&str>, now: i64, reason: &str) -> Result<u64>;

    /// All sessions of a user that are not revoked (expired ones included), oldest first.
    async fn list_user(&self, user_id: &str) -> Result<Vec<Session>>;

    /// Delete sessions (and their tokens) that expired or were revoked before `before`.
    async fn purge(&self, before: i64) -> Result<u64>;
}

/// In-process store: for tests, single-process servers and the embedded default
/// until the SQL stores land. Everything is lost on restart.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<String, Session>,
    tokens: HashMap<String, RefreshRecord>,
}

impl MemorySessionStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl SessionStore for MemorySessionStore {
    async fn create(&self, session: &Session, first: &RefreshRecord) -> Result<()> {
        let mut g = self.lock();
        g.sessions.insert(session.id.clone(), session.clone());
        g.tokens.insert(first.hash.clone(), first.clone());
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<Session>> {
        Ok(self.lock().sessions.get(id).cloned())
    }

    async fn token(&self, hash: &str) -> Result<Option<RefreshRecord>> {
        Ok(self.lock().tokens.get(hash).cloned())
    }

    async fn rotate(&self, old_hash: &str, next: &RefreshRecord, now: i64, idle_expires_at: i64) -> Result<bool> {
        let mut g = self.lock();
        let Inner { sessions, tokens } = &mut *g;
        let Some(old) = tokens.get_mut(old_hash) else { return Ok(false) };
        let Some(session) = sessions.get_mut(&old.session_id) else { return Ok(false) };
        if old.used_at.is_some() || session.revoked_at.is_some() {
            return Ok(false);
        }
        old.used_at = Some(now);
        session.last_used_at = now;
        session.idle_expires_at = idle_expires_at;
        tokens.insert(next.hash.clone(), next.clone());
        Ok(true)
    }

    async fn revoke(&self, session_id: &str, now: i64, reason: &str) -> Result<bool> {
        let mut g = self.lock();
        Ok(match g.sessions.get_mut(session_id) {
            Some(s) if s.revoked_at.is_none() => {
                s.revoked_at = Some(now);
                s.revoked_reason = Some(reason.to_owned());
                true
            }
            _ => false,
        })
    }

    async fn revoke_user(&self, user_id: &str, keep: Option<&str>, now: i64, reason: &str) -> Result<u64> {
        let mut g = self.lock();
        let mut n = 0;
        for s in g.sessions.values_mut() {
            if s.user_id == user_id && s.revoked_at.is_none() && Some(s.id.as_str()) != keep {
                s.revoked_at = Some(now);
                s.revoked_reason = Some(reason.to_owned());
                n += 1;
            }
        }
        Ok(n)
    }

    async fn list_user(&self, user_id: &str) -> Result<Vec<Session>> {
        let g = self.lock();
        let mut out: Vec<Session> =
            g.sessions.values().filter(|s| s.user_id == user_id && s.revoked_at.is_none()).cloned().collect();
        out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(out)
    }

    async fn purge(&self, before: i64) -> Result<u64> {
        let mut g = self.lock();
        let dead: Vec<String> = g
            .sessions
            .values()
            .filter(|s| s.expires_at < before || s.idle_expires_at < before || s.revoked_at.is_some_and(|r| r < before))
            .map(|s| s.id.clone())
            .collect();
        for id in &dead {
            g.sessions.remove(id);
        }
        g.tokens.retain(|_, t| !dead.contains(&t.session_id));
        Ok(dead.len() as u64)
    }
}
