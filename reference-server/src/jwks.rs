//! Services other than auth verify tokens themselves (no trust in a forwarded
//! header) with the public keys the auth service publishes at
//! `/.well-known/jwks.json`, fetched at start and refreshed every minute so key
//! rotations reach every service.

use std::time::Duration;

use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::token::KeySet;

const REFRESH: Duration = Duration::from_secs(60);

/// The auth service's key set, now.
pub async fn fetch(base: &str) -> Result<KeySet> {
    let url = format!("{}/.well-known/jwks.json", base.trim_end_matches('/'));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().map_err(unexpected)?;
    let res = client.get(&url).send().await.map_err(unexpected)?;
    if !res.status().is_success() {
        return Err(Error::new(ErrorKind::Unexpected, "the auth service did not return its keys")
            .with_context("status", res.status().as_u16()));
    }
    let doc: serde_json::Value = res.json().await.map_err(unexpected)?;
    let mut set = KeySet::new();
    set.add_jwks(&doc)?;
    Ok(set)
}

/// [`fetch`], retried for up to a minute: services may start before auth does.
pub async fn fetch_until_ready(base: &str) -> Result<KeySet> {
    let mut last = None;
    for _ in 0..120 {
        match fetch(base).await {
            Ok(set) => return Ok(set),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(last.unwrap_or_else(|| Error::new(ErrorKind::Unexpected, "no keys")).with_context("auth_url", base))
}

/// Refresh the verification keys for as long as the process runs, handing each new set to `apply`.
pub async fn keep_fresh(base: String, apply: impl Fn(KeySet)) {
    loop {
        tokio::time::sleep(REFRESH).await;
        match fetch(&base).await {
            Ok(set) => apply(set),
            Err(e) => tracing::warn!(error = %e, "cannot refresh the auth service's keys; keeping the old ones"),
        }
    }
}

fn unexpected(e: reqwest::Error) -> Error {
    Error::new(ErrorKind::Unexpected, "cannot reach the auth service").with_source(e)
}
