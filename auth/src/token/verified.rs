//! Tokens recently verified. A client sends the same access token with every
//! request for its lifetime; checking its signature each time (EdDSA ~50 µs,
//! ES256 more) was a large share of an authenticated read. A token seen valid is
//! remembered with its claims and the key set that verified it: while that key
//! set is still the current one, the same bytes would verify the same way, so
//! only the time-dependent and configured checks (expiry, not-before, issuer,
//! audience) run again. Failures are never remembered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Claims, KeySet};

#[derive(Debug)]
pub(super) struct Verified {
    capacity: usize,
    seen: Mutex<HashMap<String, (Arc<KeySet>, Claims)>>,
}

impl Verified {
    pub(super) fn new(capacity: usize) -> Verified {
        Verified { capacity, seen: Mutex::new(HashMap::new()) }
    }

    /// The claims of `token` if it was verified under `keys` (the same key set object).
    pub(super) fn get(&self, token: &str, keys: &Arc<KeySet>) -> Option<Claims> {
        let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.get(token).filter(|(k, _)| Arc::ptr_eq(k, keys)).map(|(_, c)| c.clone())
    }

    pub(super) fn put(&self, token: &str, keys: Arc<KeySet>, claims: &Claims) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A bound on memory, not an LRU: past it the cache starts over.
        if seen.len() >= self.capacity {
            seen.clear();
        }
        seen.insert(token.to_owned(), (keys, claims.clone()));
    }
}
