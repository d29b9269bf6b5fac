//! Back-off for failed logins, per account and per client address.
//!
//! After `free_failures` failures a key must wait `base_delay · 2^(n - free)`
//! (capped at `max_delay`) after its latest failure before the next attempt;
//! failures are forgotten `forget_after` after the last one. When the client's
//! address is known, an account's low allowance applies per address: a stranger's
//! wrong passwords slow the stranger, not the owner signing in from elsewhere
//! (a lock-out anyone could otherwise cause); the account as a whole keeps a
//! higher allowance against guesses spread over many addresses, and each address
//! (shared by NAT, offices) a high one across accounts. Without an address the
//! account's low allowance applies to the account. IPv6 clients are keyed by their
//! /64, since one host usually owns the whole prefix.
//! A correct password never bypasses an active back-off (it would tell an
//! attacker the guess was right). A client that shows a device it signed in from
//! before (a device cookie, OWASP's defence) is counted on that device alone, so
//! guesses spread over many addresses, which back the account off for everyone
//! else, do not lock its owner out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::clock::{Clock, SystemClock};
use fotobase::{Error, ErrorKind, Result};

/// Failure count and time of the latest failure for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    pub failures: u32,
    pub last_failure_at: i64,
}

/// Where failure counters live (memory now; SQL or Redis for several replicas).
#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync + std::fmt::Debug {
    async fn get(&self, key: &str) -> Result<Option<Attempts>>;
    /// Atomically add one failure at `now`, starting from zero if the previous
    /// failure is at or before `forget_before`; returns the new state.
    async fn record_failure(&self, key: &str, now: i64, forget_before: i64) -> Result<Attempts>;
    async fn clear(&self, key: &str) -> Result<()>;
}

/// In-process counters.
#[derive(Debug, Default)]
pub struct MemoryThrottleStore {
    map: Mutex<HashMap<String, Attempts>>,
}

impl MemoryThrottleStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ThrottleStore for MemoryThrottleStore {
    async fn get(&self, key: &str) -> Result<Option<Attempts>> {
        Ok(self.map.lock().unwrap_or_else(|p| p.into_inner()).get(key).copied())
    }

    async fn record_failure(&self, key: &str, now: i64, forget_before: i64) -> Result<Attempts> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a flood of distinct keys: drop forgotten entries.
        if map.len() > 100_000 {
            map.retain(|_, a| a.last_failure_at > forget_before);
        }
        let a = map.entry(key.to_owned()).or_default();
        if a.last_failure_at <= forget_before {
            a.failures = 0;
        }
        a.failures = a.failures.saturating_add(1);
        a.last_failure_at = now;
        Ok(*a)
    }

    async fn clear(&self, key: &str) -> Result<()> {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
        Ok(())
    }
}

/// Back-off parameters for one kind of key.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub free_failures: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub forget_after: Duration,
}

impl Backoff {
    /// Seconds a key with `a` must wait after its last failure.
    pub fn delay(&self, a: Attempts) -> i64 {
        if a.failures < self.free_failures {
            return 0;
        }
        let exp = (a.failures - self.free_failures).min(30);
        let d = self.base_delay.as_secs().saturating_mul(1u64 << exp).min(self.max_delay.as_secs());
        d as i64
    }
}

/// Throttle settings: accounts (per address, and from anywhere) and addresses.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// One account from one address (or the account, when the address is unknown).
    pub account: Backoff,
    /// One account from all addresses together: guesses spread over a botnet.
    pub account_anywhere: Backoff,
    /// One address across all accounts: password spraying.
    pub address: Backoff,
    /// Sign-ups from one address, whatever their outcome: scripted account creation, and
    /// taken-address answers used as a directory of who has an account.
    pub sign_up: Backoff,
    /// Recovery e-mail (password reset) per account: a mailbox is not flooded.
    pub recovery: Backoff,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        let forget_after = Duration::from_secs(24 * 3600);
        ThrottleConfig {
            account: Backoff {
                free_failures: 5,
                base_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(15 * 60),
                forget_after,
            },
            account_anywhere: Backoff {
                free_failures: 50,
                base_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(15 * 60),
                forget_after,
            },
            address: Backoff {
                free_failures: 50,
                base_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(60 * 60),
                forget_after,
            },
            // A household or an office behind one address signs up a few people at once; a
            // script making accounts waits a minute, doubling to an hour.
            sign_up: Backoff {
                free_failures: 10,
                base_delay: Duration::from_secs(60),
                max_delay: Duration::from_secs(60 * 60),
                forget_after: Duration::from_secs(3600),
            },
            recovery: Backoff {
                free_failures: 3,
                base_delay: Duration::from_secs(60),
                max_delay: Duration::from_secs(60 * 60),
                forget_after: Duration::from_secs(3600),
            },
        }
    }
}

/// The login throttle. Call [`LoginThrottle::check`] before verifying a
/// password, then [`LoginThrottle::failed`] or [`LoginThrottle::succeeded`].
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    store: Arc<dyn ThrottleStore>,
    config: ThrottleConfig,
    clock: Arc<dyn Clock>,
}

impl LoginThrottle {
    pub fn new(store: Arc<dyn ThrottleStore>, config: ThrottleConfig) -> Self {
        LoginThrottle { store, config, clock: Arc::new(SystemClock) }
    }

    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// `rate_limited` (with [`Error::retry_after`]) if either the account or the
    /// address is in back-off.
    pub async fn check(&self, account: &str, addr: Option<IpAddr>) -> Result<()> {
        self.check_keys(self.keys(account, addr)).await
    }

    /// [`LoginThrottle::check`] for a client that showed a known device of the account (`device`:
    /// an opaque id of it): only the device's own counter, with the per-address allowance.
    pub async fn check_device(&self, device: &str) -> Result<()> {
        self.check_keys(vec![(device_key(device), self.config.account)]).await
    }

    /// A failed attempt from a known device counts on the device only.
    pub async fn failed_device(&self, device: &str) -> Result<()> {
        self.record(vec![(device_key(device), self.config.account)]).await
    }

    /// A successful login from a known device clears the device's count (not the account's:
    /// the owner signing in must not reset what strangers' guesses built up).
    pub async fn succeeded_device(&self, device: &str) -> Result<()> {
        self.store.clear(&device_key(device)).await
    }

    async fn check_keys(&self, keys: Vec<(String, Backoff)>) -> Result<()> {
        let now = self.clock.now();
        let mut wait = 0;
        for (key, backoff) in keys {
            if let Some(a) = self.store.get(&key).await?
                && now - a.last_failure_at < backoff.forget_after.as_secs() as i64
            {
                wait = wait.max(a.last_failure_at + backoff.delay(a) - now);
            }
        }
        if wait > 0 {
            return Err(Error::new(ErrorKind::RateLimited, "too many failed attempts; try again later")
                .with_context("retry_after_secs", wait));
        }
        Ok(())
    }

    /// Count a failed attempt against the account and the address.
    pub async fn failed(&self, account: &str, addr: Option<IpAddr>) -> Result<()> {
        self.record(self.keys(account, addr)).await
    }

    async fn record(&self, keys: Vec<(String, Backoff)>) -> Result<()> {
        let now = self.clock.now();
        for (key, backoff) in keys {
            self.store.record_failure(&key, now, now - backoff.forget_after.as_secs() as i64).await?;
        }
        Ok(())
    }

    /// A successful login resets the account's counters (the address keeps its
    /// count: one good password must not launder a spray from that address).
    pub async fn succeeded(&self, account: &str, addr: Option<IpAddr>) -> Result<()> {
        self.store.clear(&account_key(account)).await?;
        if let Some(ip) = addr {
            self.store.clear(&pair_key(account, ip)).await?;
        }
        Ok(())
    }

    /// Count a sign-up attempt from `addr` (IPv6 by /64), or `rate_limited` when that address
    /// is in back-off. Every attempt counts, made or refused: a taken address must not be a free
    /// lookup. Without a known address nothing is counted.
    pub async fn sign_up(&self, addr: Option<IpAddr>) -> Result<()> {
        let Some(ip) = addr else { return Ok(()) };
        self.count(&format!("signup|{}", address_key(ip)), self.config.sign_up).await
    }

    /// Count a recovery request (a password-reset e-mail) for `account` (known or not: the
    /// answer must not differ) and from `addr` (as sign-ups), or `rate_limited` when either is
    /// in back-off.
    pub async fn recovery(&self, account: &str, addr: Option<IpAddr>) -> Result<()> {
        self.count(&format!("recovery|{}", account_key(account)), self.config.recovery).await?;
        match addr {
            Some(ip) => self.count(&format!("recovery|{}", address_key(ip)), self.config.sign_up).await,
            None => Ok(()),
        }
    }

    /// Record one event under `key`, unless the key is in back-off (then `rate_limited`).
    async fn count(&self, key: &str, backoff: Backoff) -> Result<()> {
        let now = self.clock.now();
        if let Some(a) = self.store.get(key).await?
            && now - a.last_failure_at < backoff.forget_after.as_secs() as i64
        {
            let wait = a.last_failure_at + backoff.delay(a) - now;
            if wait > 0 {
                return Err(Error::new(ErrorKind::RateLimited, "too many requests; try again later")
                    .with_context("retry_after_secs", wait));
            }
        }
        self.store.record_failure(key, now, now - backoff.forget_after.as_secs() as i64).await?;
        Ok(())
    }

    fn keys(&self, account: &str, addr: Option<IpAddr>) -> Vec<(String, Backoff)> {
        match addr {
            Some(ip) => vec![
                (pair_key(account, ip), self.config.account),
                (account_key(account), self.config.account_anywhere),
                (address_key(ip), self.config.address),
            ],
            None => vec![(account_key(account), self.config.account)],
        }
    }
}

fn device_key(device: &str) -> String {
    format!("device:{device}")
}

fn pair_key(account: &str, ip: IpAddr) -> String {
    format!("{}|{}", account_key(account), address_key(ip))
}

fn account_key(account: &str) -> String {
    format!("acct:{}", account.trim().to_lowercase())
}

fn address_key(ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(seg.into())
            }
        },
        v4 => v4,
    };
    format!("ip:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn throttle(clock: &Arc<ManualClock>) -> LoginThrottle {
        LoginThrottle::new(Arc::new(MemoryThrottleStore::new()), ThrottleConfig::default()).with_clock(clock.clone())
    }

    #[tokio::test]
    async fn sign_ups_from_one_address_back_off_and_others_are_free() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let t = throttle(&clock);
        let (here, there) = ("203.0.113.9".parse().ok(), "198.51.100.7".parse().ok());
        for _ in 0..10 {
            t.sign_up(here).await.unwrap();
        }
        let e = t.sign_up(here).await.unwrap_err();
        assert_eq!((e.kind(), e.retry_after()), (ErrorKind::RateLimited, Some(Duration::from_secs(60))));
        t.sign_up(there).await.unwrap();
        t.sign_up(None).await.unwrap();
        clock.advance(60);
        t.sign_up(here).await.unwrap();
        assert_eq!(t.sign_up(here).await.unwrap_err().retry_after(), Some(Duration::from_secs(120)), "doubling");
        clock.advance(3600);
        t.sign_up(here).await.unwrap();
    }

    #[tokio::test]
    async fn account_backs_off_exponentially_and_success_resets() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let t = throttle(&clock);
        for _ in 0..5 {
            t.check("Alice@Example.com", None).await.unwrap();
            t.failed("alice@example.com", None).await.unwrap();
        }
        // Five free failures used: the fifth started a 1 s back-off.
        let e = t.check("alice@example.com ", None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        clock.advance(1);
        t.check("alice@example.com", None).await.unwrap();
        t.failed("alice@example.com", None).await.unwrap();
        assert_eq!(t.check("alice@example.com", None).await.unwrap_err().retry_after(), Some(Duration::from_secs(2)));
        for _ in 0..20 {
            t.failed("alice@example.com", None).await.unwrap();
        }
        assert_eq!(
            t.check("alice@example.com", None).await.unwrap_err().retry_after(),
            Some(Duration::from_secs(900)),
            "capped"
        );
        t.check("bob@example.com", None).await.expect("other accounts unaffected");
        t.succeeded("alice@example.com", None).await.unwrap();
        t.check("alice@example.com", None).await.unwrap();
    }

    proptest::proptest! {
        #[test]
        fn delay_never_shrinks_with_more_failures_and_respects_the_cap(n in 0u32..10_000) {
            let b = ThrottleConfig::default().account;
            let (d0, d1) = (b.delay(Attempts { failures: n, last_failure_at: 0 }), b.delay(Attempts { failures: n + 1, last_failure_at: 0 }));
            proptest::prop_assert!(d0 <= d1);
            proptest::prop_assert!(d1 <= b.max_delay.as_secs() as i64);
            proptest::prop_assert_eq!(d0 == 0, n < b.free_failures);
        }
    }

    #[tokio::test]
    async fn a_strangers_failures_do_not_lock_the_owner_out() {
        let clock = Arc::new(ManualClock::new(0));
        let t = throttle(&clock);
        let (stranger, owner): (IpAddr, IpAddr) = ("203.0.113.9".parse().unwrap(), "198.51.100.7".parse().unwrap());
        for _ in 0..5 {
            t.failed("dana@example.com", Some(stranger)).await.unwrap();
        }
        assert_eq!(t.check("dana@example.com", Some(stranger)).await.unwrap_err().code(), "rate_limited");
        t.check("dana@example.com", Some(owner)).await.expect("the owner, elsewhere, signs in");
        t.succeeded("dana@example.com", Some(owner)).await.unwrap();
        assert!(t.check("dana@example.com", Some(stranger)).await.is_err(), "the stranger stays slowed");
        // Guesses spread over many addresses still reach the account's own limit.
        for i in 0..50u8 {
            t.failed("dana@example.com", Some(IpAddr::from([192, 0, 2, i]))).await.unwrap();
        }
        assert!(
            t.check("dana@example.com", Some(owner)).await.is_err(),
            "a distributed attack backs off unknown clients"
        );
        // Except a device the owner signed in from before: it is counted on its own.
        t.check_device("dana-laptop").await.expect("the owner's known browser signs in");
        for _ in 0..5 {
            t.failed_device("stolen-cookie").await.unwrap();
        }
        assert_eq!(t.check_device("stolen-cookie").await.unwrap_err().code(), "rate_limited", "a device backs off too");
        t.check_device("dana-laptop").await.expect("one device's failures are not another's");
        t.succeeded_device("dana-laptop").await.unwrap();
        assert!(
            t.check("dana@example.com", Some(owner)).await.is_err(),
            "the owner's success does not reset the account"
        );
    }

    #[tokio::test]
    async fn failures_are_forgotten_after_a_quiet_day() {
        let clock = Arc::new(ManualClock::new(0));
        let t = throttle(&clock);
        for _ in 0..8 {
            t.failed("carol", None).await.unwrap();
        }
        assert!(t.check("carol", None).await.is_err());
        clock.advance(24 * 3600);
        t.check("carol", None).await.unwrap();
        t.failed("carol", None).await.unwrap();
        t.check("carol", None).await.expect("counter restarted from zero");
    }

    #[tokio::test]
    async fn address_spray_is_limited_across_accounts_and_ipv6_by_prefix() {
        let clock = Arc::new(ManualClock::new(0));
        let t = throttle(&clock);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for i in 0..50 {
            t.failed(&format!("user{i}"), Some(if i % 2 == 0 { a } else { b })).await.unwrap();
        }
        let e = t.check("fresh-account", Some(a)).await.unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        t.check("fresh-account", Some("2001:db8:1:3::1".parse().unwrap())).await.expect("other /64 is fine");
        t.succeeded("user0", Some(a)).await.unwrap();
        assert!(t.check("user0", Some(a)).await.is_err(), "success does not clear the address");
        assert_eq!(address_key("::ffff:192.0.2.7".parse().unwrap()), "ip:192.0.2.7");
    }
}
