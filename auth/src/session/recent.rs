//! Sessions recently seen live. A server checks an access token's session on
//! every request (so a logout takes effect before the token expires); asking the
//! store each time is most of an authenticated read's cost. A session seen live
//! is trusted for a short while without asking again. Revocations through the
//! same [`Sessions`](super::Sessions) forget it at once; revocations elsewhere (another
//! process of a split deployment, the CLI) take effect within that while.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Session;

/// Above this many entries the cache starts over (a bound on memory, not an LRU).
const MAX_ENTRIES: usize = 65_536;

#[derive(Debug)]
pub(super) struct Recent {
    ttl: Duration,
    seen: Mutex<HashMap<String, Seen>>,
}

#[derive(Debug)]
struct Seen {
    user_id: String,
    /// The session's own end (absolute or idle), unix seconds, as last read.
    ends_at: i64,
    at: Instant,
}

impl Recent {
    pub(super) fn new(ttl: Duration) -> Recent {
        Recent { ttl, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether `session_id` was seen live within the while and has not ended since.
    pub(super) fn is_live(&self, session_id: &str, now: i64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.get(session_id).is_some_and(|s| s.at.elapsed() < self.ttl && now < s.ends_at)
    }

    pub(super) fn saw_live(&self, session: &Session) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= MAX_ENTRIES {
            seen.clear();
        }
        let ends_at = session.expires_at.min(session.idle_expires_at);
        seen.insert(session.id.clone(), Seen { user_id: session.user_id.clone(), ends_at, at: Instant::now() });
    }

    pub(super) fn forget(&self, session_id: &str) {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(session_id);
    }

    /// Forget every session of `user_id` except `keep`.
    pub(super) fn forget_user(&self, user_id: &str, keep: Option<&str>) {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|sid, s| s.user_id != user_id || Some(sid.as_str()) == keep);
    }
}
