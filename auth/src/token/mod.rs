//! JWT access tokens (RFC 9068 profile): issue with the active key, verify
//! following RFC 8725.
//!
//! Verification order: size bound, header parse, explicit `typ`, `kid` lookup,
//! signature with the key's own algorithm, then `iss`, `aud`, `exp`, `nbf`,
//! `iat` against an injectable clock with leeway.

mod alg;
pub(crate) mod jws;
mod keys;
mod keyset;
mod verified;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use alg::Algorithm;
pub use keys::Key;
pub use keyset::KeySet;

use super::clock::{Clock, SystemClock};
use fotobase::{Error, ErrorKind, Result};

/// The claims fotobase puts in an access token. Unknown claims land in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    #[serde(with = "one_or_many")]
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Space-separated OAuth scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The session (refresh-token family) this token belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Whether `scope` lists `s`.
    pub fn has_scope(&self, s: &str) -> bool {
        self.scope.as_deref().is_some_and(|sc| sc.split(' ').any(|x| x == s))
    }

    pub fn has_role(&self, r: &str) -> bool {
        self.roles.iter().any(|x| x == r)
    }
}

/// What to put in a token beyond the standard claims.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub sub: String,
    /// Overrides [`TokenConfig::audience`] when set.
    pub aud: Option<Vec<String>>,
    /// Overrides [`TokenConfig::ttl`] when set.
    pub ttl: Option<Duration>,
    pub roles: Vec<String>,
    pub scope: Option<String>,
    pub sid: Option<String>,
    /// Not valid before now + this.
    pub not_before: Option<Duration>,
    pub extra: Map<String, Value>,
}

impl TokenRequest {
    pub fn new(sub: impl Into<String>) -> Self {
        TokenRequest { sub: sub.into(), ..Default::default() }
    }
}

/// Issuer, audience and time rules shared by issuing and verifying.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub issuer: String,
    /// Audiences put in new tokens; verification requires at least one of them.
    pub audience: Vec<String>,
    /// Access-token lifetime (default 15 minutes).
    pub ttl: Duration,
    /// Clock skew tolerated on `exp`, `nbf`, `iat` (default 30 s).
    pub leeway: Duration,
    /// Longest token accepted, in bytes (default 8 KiB).
    pub max_token_bytes: usize,
    /// Required JOSE `typ` header (default `at+jwt`, RFC 9068); `None` accepts any.
    pub typ: Option<String>,
}

impl TokenConfig {
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        TokenConfig {
            issuer: issuer.into(),
            audience: vec![audience.into()],
            ttl: Duration::from_secs(15 * 60),
            leeway: Duration::from_secs(30),
            max_token_bytes: 8 * 1024,
            typ: Some("at+jwt".into()),
        }
    }
}

/// Issues and verifies access tokens with a rotatable [`KeySet`].
#[derive(Debug, Clone)]
pub struct Tokens {
    keys: Arc<RwLock<Arc<KeySet>>>,
    config: TokenConfig,
    clock: Arc<dyn Clock>,
    verified: Option<Arc<verified::Verified>>,
}

impl Tokens {
    pub fn new(keys: KeySet, config: TokenConfig) -> Self {
        Tokens { keys: Arc::new(RwLock::new(Arc::new(keys))), config, clock: Arc::new(SystemClock), verified: None }
    }

    /// Remember up to `capacity` verified tokens, so that a token sent again skips the
    /// signature check while the key set is unchanged (expiry, audience and issuer are
    /// still checked every time). For servers, where each client repeats its token on
    /// every request. Zero (the default) verifies every time.
    #[must_use]
    pub fn with_verify_cache(mut self, capacity: usize) -> Self {
        self.verified = (capacity > 0).then(|| Arc::new(verified::Verified::new(capacity)));
        self
    }

    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &TokenConfig {
        &self.config
    }

    /// The current key set (a snapshot).
    pub fn keys(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Swap in a new key set (after rotation); tokens in flight keep verifying
    /// as long as their key is still in the new set.
    pub fn replace_keys(&self, keys: KeySet) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
    }

    pub fn jwks(&self) -> Value {
        self.keys().jwks()
    }

    /// Sign a new token for `req` with the active key. Returns the token and its claims.
    pub fn issue(&self, req: &TokenRequest) -> Result<(String, Claims)> {
        if req.sub.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "token subject must not be empty"));
        }
        let now = self.clock.now();
        let ttl = req.ttl.unwrap_or(self.config.ttl).as_secs() as i64;
        let mut extra = req.extra.clone();
        for reserved in ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "roles", "scope", "sid"] {
            extra.remove(reserved);
        }
        let claims = Claims {
            iss: self.config.issuer.clone(),
            sub: req.sub.clone(),
            aud: req.aud.clone().unwrap_or_else(|| self.config.audience.clone()),
            exp: now + ttl,
            iat: now,
            nbf: req.not_before.map(|d| now + d.as_secs() as i64),
            jti: crate::secret::b64url(&crate::random_bytes(16)),
            roles: req.roles.clone(),
            scope: req.scope.clone(),
            sid: req.sid.clone(),
            extra,
        };
        Ok((self.sign(&claims)?, claims))
    }

    /// Sign arbitrary claims with the active key (for tests and migrations; prefer [`Tokens::issue`]).
    pub fn sign(&self, claims: &Claims) -> Result<String> {
        let keys = self.keys();
        let key =
            keys.active().ok_or_else(|| Error::new(ErrorKind::UnknownKey, "the key set has no active signing key"))?;
        let signer = key.signer().ok_or_else(|| {
            Error::new(ErrorKind::UnknownKey, "the active key cannot sign").with_context("kid", key.kid())
        })?;
        let typ = self.config.typ.as_deref().unwrap_or("JWT");
        jws::encode(key.alg(), key.kid(), typ, claims, signer).map_err(|e| e.with_context("kid", key.kid()))
    }

    /// Verify a token and return its claims, or the precise reason it is refused.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        let token = token.trim();
        if token.len() > self.config.max_token_bytes {
            return Err(invalid("token is too large").with_context("max_bytes", self.config.max_token_bytes));
        }
        let keys = self.keys();
        if let Some(claims) = self.verified.as_ref().and_then(|v| v.get(token, &keys)) {
            self.check_claims(&claims)?;
            return Ok(claims);
        }
        let parsed = jws::parse(token)?;
        let header = &parsed.header;
        // An allowlist of algorithms before anything else (RFC 8725 §3.1): `none` and friends end here.
        // JOSE names are case-sensitive (RFC 7515 §4.1.1), so no `FromStr` here.
        let alg = Algorithm::ALL.into_iter().find(|a| a.name() == header.alg).ok_or_else(|| {
            invalid("unsupported token algorithm").with_context("alg", header.alg.chars().take(16).collect::<String>())
        })?;
        if let Some(want) = &self.config.typ {
            let typ = header.typ.as_deref().unwrap_or("");
            let typ = typ.strip_prefix("application/").unwrap_or(typ);
            if !typ.eq_ignore_ascii_case(want) {
                return Err(invalid("wrong token type").with_context("typ", typ).with_context("expected", want));
            }
        }
        let kid = header.kid.as_deref().ok_or_else(|| invalid("token has no kid"))?;
        let key = keys.get(kid).ok_or_else(|| {
            Error::new(ErrorKind::UnknownKey, "token was signed with an unknown key").with_context("kid", kid)
        })?;
        if alg != key.alg() {
            return Err(invalid("token algorithm does not match its key")
                .with_context("alg", alg)
                .with_context("key_alg", key.alg()));
        }
        let claims: Claims = parsed.verify(key.verifier())?;
        self.check_claims(&claims)?;
        if let Some(v) = &self.verified {
            v.put(token, keys.clone(), &claims);
        }
        Ok(claims)
    }

    fn check_claims(&self, c: &Claims) -> Result<()> {
        if c.iss != self.config.issuer {
            return Err(
                Error::new(ErrorKind::TokenIssuer, "token was issued by someone else").with_context("iss", &c.iss)
            );
        }
        if !c.aud.iter().any(|a| self.config.audience.contains(a)) {
            return Err(Error::new(ErrorKind::TokenAudience, "token is not for this audience")
                .with_context("aud", c.aud.join(" ")));
        }
        let now = self.clock.now();
        let leeway = self.config.leeway.as_secs() as i64;
        if now >= c.exp.saturating_add(leeway) {
            return Err(Error::new(ErrorKind::TokenExpired, "token has expired").with_context("exp", c.exp));
        }
        if let Some(nbf) = c.nbf
            && now.saturating_add(leeway) < nbf
        {
            return Err(Error::new(ErrorKind::TokenNotYetValid, "token is not valid yet").with_context("nbf", nbf));
        }
        if now.saturating_add(leeway) < c.iat {
            return Err(
                Error::new(ErrorKind::TokenNotYetValid, "token was issued in the future").with_context("iat", c.iat)
            );
        }
        Ok(())
    }
}

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorKind::TokenInvalid, msg)
}

/// `aud` may be a string or an array (RFC 7519 §4.1.3); we always write an array
/// only when there is more than one audience.
pub(crate) mod one_or_many {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
        match v {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        })
    }
}
