//! Refresh-token sessions (RFC 9700 §4.14): opaque rotating refresh tokens,
//! one family per login, and reuse detection that revokes the whole family.
//!
//! A refresh token is `fbr_` + 256 random bits in base64url; the prefix lets
//! secret scanners recognise leaked tokens. Only its SHA-256 is stored.

mod recent;
mod store;

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

pub use store::{MemorySessionStore, RefreshRecord, Session, SessionStore};

use super::clock::{Clock, SystemClock};
use super::secret::b64url;
use super::token::{Claims, TokenRequest, Tokens};
use crate::random::hex;
use fotobase::{Error, ErrorKind, Result};

const TOKEN_PREFIX: &str = "fbr_";
/// `fbr_` + 43 base64url characters (32 bytes).
const TOKEN_LEN: usize = 4 + 43;

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    /// Hard end of a login, however active (default 30 days).
    pub absolute_ttl: Duration,
    /// A session unused this long ends (default 7 days).
    pub idle_ttl: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig { absolute_ttl: Duration::from_secs(30 * 86_400), idle_ttl: Duration::from_secs(7 * 86_400) }
    }
}

/// What a login knows about the caller.
#[derive(Debug, Clone, Default)]
pub struct LoginInfo {
    pub roles: Vec<String>,
    pub scope: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// Tokens handed to the client after login or refresh.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub access_claims: Claims,
    /// Shown to the client once; fotobase keeps only its hash.
    pub refresh_token: String,
    pub session: Session,
}

/// Logs users in and out and rotates their refresh tokens.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Arc<dyn SessionStore>,
    tokens: Tokens,
    config: SessionConfig,
    clock: Arc<dyn Clock>,
    recent: Option<Arc<recent::Recent>>,
}

impl Sessions {
    pub fn new(store: Arc<dyn SessionStore>, tokens: Tokens, config: SessionConfig) -> Self {
        Sessions { store, tokens, config, clock: Arc::new(SystemClock), recent: None }
    }

    /// Trust a session seen live for `ttl` without asking the store again in [`is_active`](Self::is_active).
    /// Revocations through this `Sessions` (and its clones) take effect at once; revocations
    /// made elsewhere (another process, another `Sessions` on the same store) within `ttl`.
    /// Zero (the default) asks the store every time.
    #[must_use]
    pub fn with_active_cache(mut self, ttl: Duration) -> Self {
        self.recent = (!ttl.is_zero()).then(|| Arc::new(recent::Recent::new(ttl)));
        self
    }

    /// Use `clock` for session times (give the same clock to [`Tokens::with_clock`]).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// Start a session for a user whose credentials were just checked.
    pub async fn login(&self, user_id: &str, info: LoginInfo) -> Result<Issued> {
        if user_id.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "user id must not be empty"));
        }
        let now = self.clock.now();
        let expires_at = now + self.config.absolute_ttl.as_secs() as i64;
        let session = Session {
            id: super::public_id::random_id("ses")?,
            user_id: user_id.to_owned(),
            created_at: now,
            last_used_at: now,
            expires_at,
            idle_expires_at: (now + self.config.idle_ttl.as_secs() as i64).min(expires_at),
            revoked_at: None,
            revoked_reason: None,
            roles: info.roles,
            scope: info.scope,
            user_agent: info.user_agent.map(|s| s.chars().take(512).collect()),
            ip: info.ip,
        };
        let (refresh_token, record) = new_refresh(&session.id, 0, now);
        self.store.create(&session, &record).await?;
        self.issue(session, refresh_token)
    }

    /// Exchange a refresh token for a new access token and a new refresh token.
    ///
    /// Errors: `token_invalid` (unknown, malformed or revoked), `token_expired`
    /// (absolute or idle end passed), `token_reused` (the token was already
    /// exchanged: the session is revoked, since a thief or the owner holds a copy).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Issued> {
        let hash = hash_refresh(refresh_token)?;
        let now = self.clock.now();
        let record = self.store.token(&hash).await?.ok_or_else(|| invalid("unknown refresh token"))?;
        let session =
            self.store.session(&record.session_id).await?.ok_or_else(|| invalid("session no longer exists"))?;
        if session.revoked_at.is_some() {
            return Err(
                invalid("session was revoked").with_context("reason", session.revoked_reason.unwrap_or_default())
            );
        }
        if record.used_at.is_some() {
            return Err(self.reuse_detected(&session.id, now).await);
        }
        if now >= session.expires_at || now >= session.idle_expires_at {
            return Err(Error::new(ErrorKind::TokenExpired, "session has expired").with_context("session", &session.id));
        }
        let idle_expires_at = (now + self.config.idle_ttl.as_secs() as i64).min(session.expires_at);
        let (token, next) = new_refresh(&session.id, record.generation + 1, now);
        if !self.store.rotate(&hash, &next, now, idle_expires_at).await? {
            // Someone exchanged this token between our read and our write.
            return Err(self.reuse_detected(&session.id, now).await);
        }
        let session = Session { last_used_at: now, idle_expires_at, ..session };
        self.issue(session, token)
    }

    /// The user (`sub`) whose session a refresh token belongs to, used or not: to record who a
    /// logout or a detected reuse concerns. `None` for unknown tokens.
    pub async fn owner_of(&self, refresh_token: &str) -> Result<Option<String>> {
        let hash = hash_refresh(refresh_token)?;
        let Some(record) = self.store.token(&hash).await? else { return Ok(None) };
        Ok(self.store.session(&record.session_id).await?.map(|s| s.user_id))
    }

    /// End the session a refresh token belongs to. Unknown tokens are not an error.
    pub async fn logout(&self, refresh_token: &str) -> Result<bool> {
        let hash = hash_refresh(refresh_token)?;
        match self.store.token(&hash).await? {
            Some(rec) => {
                let ended = self.store.revoke(&rec.session_id, self.clock.now(), "logout").await;
                self.forget(&rec.session_id);
                ended
            }
            None => Ok(false),
        }
    }

    /// End one session by id (e.g. from a "your devices" page).
    pub async fn revoke(&self, session_id: &str) -> Result<bool> {
        let ended = self.store.revoke(session_id, self.clock.now(), "revoked").await;
        self.forget(session_id);
        ended
    }

    /// "Log out everywhere": end every session of the user.
    pub async fn logout_all(&self, user_id: &str) -> Result<u64> {
        let ended = self.store.revoke_user(user_id, None, self.clock.now(), "logout_all").await;
        self.forget_user(user_id, None);
        ended
    }

    /// After a password change: end every session except the one that changed it.
    pub async fn password_changed(&self, user_id: &str, current_session: Option<&str>) -> Result<u64> {
        let ended = self.store.revoke_user(user_id, current_session, self.clock.now(), "password_changed").await;
        self.forget_user(user_id, current_session);
        ended
    }

    /// The user's live sessions, oldest first.
    pub async fn list(&self, user_id: &str) -> Result<Vec<Session>> {
        let now = self.clock.now();
        Ok(self.store.list_user(user_id).await?.into_iter().filter(|s| s.is_active(now)).collect())
    }

    /// Whether a session (an access token's `sid`) is still live: for servers
    /// that check revocation on every request instead of waiting for expiry.
    pub async fn is_active(&self, session_id: &str) -> Result<bool> {
        let now = self.clock.now();
        if let Some(recent) = &self.recent
            && recent.is_live(session_id, now)
        {
            return Ok(true);
        }
        let Some(session) = self.store.session(session_id).await?.filter(|s| s.is_active(now)) else {
            return Ok(false);
        };
        if let Some(recent) = &self.recent {
            recent.saw_live(&session);
        }
        Ok(true)
    }

    fn forget(&self, session_id: &str) {
        if let Some(recent) = &self.recent {
            recent.forget(session_id);
        }
    }

    fn forget_user(&self, user_id: &str, keep: Option<&str>) {
        if let Some(recent) = &self.recent {
            recent.forget_user(user_id, keep);
        }
    }

    /// Delete sessions that ended more than `keep` ago.
    pub async fn purge(&self, keep: Duration) -> Result<u64> {
        self.store.purge(self.clock.now() - keep.as_secs() as i64).await
    }

    async fn reuse_detected(&self, session_id: &str, now: i64) -> Error {
        let revoked = self.store.revoke(session_id, now, "refresh_token_reused").await;
        self.forget(session_id);
        if let Err(e) = revoked {
            return e;
        }
        Error::new(ErrorKind::TokenReused, "refresh token was already used; the session has been revoked")
            .with_context("session", session_id)
    }

    fn issue(&self, session: Session, refresh_token: String) -> Result<Issued> {
        let req = TokenRequest {
            roles: session.roles.clone(),
            scope: session.scope.clone(),
            sid: Some(session.id.clone()),
            ..TokenRequest::new(session.user_id.clone())
        };
        let (access_token, access_claims) = self.tokens.issue(&req)?;
        Ok(Issued { access_token, access_claims, refresh_token, session })
    }
}

fn new_refresh(session_id: &str, generation: u32, now: i64) -> (String, RefreshRecord) {
    let token = format!("{TOKEN_PREFIX}{}", b64url(&super::random_bytes(32)));
    let hash = digest(&token);
    (token, RefreshRecord { hash, session_id: session_id.to_owned(), generation, issued_at: now, used_at: None })
}

/// The stored form of a refresh token; rejects anything not shaped like one
/// before touching the store.
pub fn hash_refresh(token: &str) -> Result<String> {
    let token = token.trim();
    let well_formed = token.len() == TOKEN_LEN
        && token.starts_with(TOKEN_PREFIX)
        && token[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(invalid("malformed refresh token"));
    }
    Ok(digest(token))
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorKind::TokenInvalid, msg)
}
