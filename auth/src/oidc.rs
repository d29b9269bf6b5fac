//! Sign-in with an OpenID Connect provider, as a relying party (OpenID Connect Core 1.0,
//! authorization code flow with PKCE, RFC 7636).
//!
//! The protocol only, no HTTP client: the caller fetches the provider's discovery document and
//! JWKS and posts the token request (a server has its own client, pool and timeouts), and this
//! module builds the authorization URL, the token request's form, and checks the ID token.
//! What it checks is what makes the flow safe:
//! - `state` binds the answer to the browser that started the flow (the caller keeps it, e.g. in a
//!   cookie, and compares it with [`same`]), so nobody can log a victim into the attacker's account;
//! - PKCE's verifier binds the code to this client instance, so a code caught on its way back is
//!   worthless elsewhere;
//! - the ID token's signature against the provider's published keys (asymmetric algorithms only:
//!   an HMAC keyed with the client secret would let anyone who has the secret forge identities),
//!   its issuer, audience (`azp` when there are several), lifetime and `nonce` (replays).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::{Clock, SystemClock};
use crate::secret::b64url;
use crate::token::{Algorithm, Key, KeySet, jws};
use fotobase::{Error, ErrorKind, Result};

/// The parts of a provider's discovery document (`/.well-known/openid-configuration`) a relying
/// party needs. Other members are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// Absent: `client_secret_basic` (the specification's default).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

impl ProviderMetadata {
    /// Parse a discovery document fetched for `issuer`. Its `issuer` must be exactly the one
    /// configured (OpenID Connect Discovery §4.3: otherwise a provider could speak for another),
    /// and every endpoint must be HTTPS, or HTTP on a loopback address (development, tests).
    pub fn from_json(bytes: &[u8], issuer: &str) -> Result<ProviderMetadata> {
        let meta: ProviderMetadata = serde_json::from_slice(bytes).map_err(|e| {
            Error::new(ErrorKind::InvalidArgument, "the provider's discovery document is malformed").with_source(e)
        })?;
        if meta.issuer != issuer {
            return Err(Error::new(ErrorKind::TokenIssuer, "the discovery document names another issuer")
                .with_context("issuer", &meta.issuer)
                .with_context("expected", issuer));
        }
        for url in [&meta.issuer, &meta.authorization_endpoint, &meta.token_endpoint, &meta.jwks_uri] {
            check_endpoint(url)?;
        }
        Ok(meta)
    }

    /// Whether the token endpoint takes the client secret in the form instead of HTTP Basic.
    pub fn secret_in_form(&self) -> bool {
        let m = &self.token_endpoint_auth_methods_supported;
        !m.is_empty() && !m.iter().any(|m| m == "client_secret_basic") && m.iter().any(|m| m == "client_secret_post")
    }
}

/// `https://…`, or `http://` to a loopback host.
pub fn check_endpoint(url: &str) -> Result<()> {
    let bad = || Error::new(ErrorKind::InvalidArgument, "provider URLs must be https (or http on loopback)");
    let parsed = url::Url::parse(url).map_err(|_| bad().with_context("url", url))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(bad().with_context("url", url)),
    }
}

/// This application as the provider knows it.
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    /// Where the provider sends the browser back; registered with the provider.
    pub redirect_uri: String,
    /// Default: `openid email profile`.
    pub scopes: Vec<String>,
}

/// The secrets of one sign-in attempt, kept by the caller between the redirect to the provider
/// and the browser's return: 256 random bits each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

impl Challenge {
    pub fn new() -> Challenge {
        let r = || b64url(&crate::random_bytes(32));
        Challenge { state: r(), nonce: r(), code_verifier: r() }
    }

    /// PKCE's `S256` challenge: base64url(SHA-256(verifier)).
    pub fn code_challenge(&self) -> String {
        b64url(&Sha256::digest(self.code_verifier.as_bytes()))
    }
}

impl Default for Challenge {
    fn default() -> Self {
        Challenge::new()
    }
}

/// The URL to send the browser to.
pub fn authorization_url(meta: &ProviderMetadata, client: &Client, challenge: &Challenge) -> Result<String> {
    let mut url = url::Url::parse(&meta.authorization_endpoint)
        .map_err(|_| Error::new(ErrorKind::InvalidArgument, "bad authorization endpoint"))?;
    let scopes = if client.scopes.is_empty() { "openid email profile".to_owned() } else { client.scopes.join(" ") };
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", &scopes)
        .append_pair("state", &challenge.state)
        .append_pair("nonce", &challenge.nonce)
        .append_pair("code_challenge", &challenge.code_challenge())
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

/// The form of the token request exchanging `code` (RFC 6749 §4.1.3 with RFC 7636's verifier).
/// The client authenticates apart from it: HTTP Basic, or `client_secret` added to the form when
/// [`ProviderMetadata::secret_in_form`].
pub fn token_form(client: &Client, code: &str, challenge: &Challenge) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.into()),
        ("redirect_uri", client.redirect_uri.clone()),
        ("client_id", client.client_id.clone()),
        ("code_verifier", challenge.code_verifier.clone()),
    ]
}

/// HTTP Basic credentials for the token endpoint: both parts form-urlencoded first (RFC 6749 §2.3.1).
pub fn basic_auth(client_id: &str, secret: &str) -> String {
    use base64::Engine as _;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(client_id), enc(secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// The token endpoint's answer: the ID token is what matters here.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub id_token: String,
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
}

impl TokenResponse {
    pub fn from_json(bytes: &[u8]) -> Result<TokenResponse> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::new(ErrorKind::TokenInvalid, "the token response has no ID token").with_source(e))
    }
}

/// Compare two secrets (a returned `state` with the kept one) in constant time.
pub fn same(a: &str, b: &str) -> bool {
    crate::secret::same_secret(a, b)
}

/// The provider's signing keys, from its JWKS. Keys for encryption and of types fotobase does
/// not verify (P-384, …) are passed over rather than failing the whole set; a key without `kid`
/// gets a placeholder one, and a token without `kid` is tried against every key of its algorithm.
#[derive(Debug, Clone, Default)]
pub struct ProviderKeys {
    keys: KeySet,
}

impl ProviderKeys {
    pub fn from_jwks(doc: &Value) -> Result<ProviderKeys> {
        let list = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "the provider's JWKS has no keys array"))?;
        let mut keys = KeySet::new();
        for (i, jwk) in list.iter().enumerate() {
            if jwk.get("use").and_then(Value::as_str).is_some_and(|u| u != "sig") {
                continue;
            }
            let mut jwk = jwk.clone();
            if let Value::Object(m) = &mut jwk {
                if !m.get("kid").is_some_and(Value::is_string) {
                    m.insert("kid".into(), format!("_{i}").into());
                }
                // A JWKS may list `alg` for RSA keys as e.g. RS384: not one we verify.
                if m.get("alg").and_then(Value::as_str).is_some_and(|a| a.parse::<Algorithm>().is_err()) {
                    continue;
                }
            }
            if let Ok(key) = Key::from_jwk(&jwk) {
                keys.insert(key);
            }
        }
        Ok(ProviderKeys { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.keys().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a key with this id is known (an unknown one: the provider may have rotated; fetch again).
    pub fn has(&self, kid: &str) -> bool {
        self.keys.get(kid).is_some()
    }
}

/// The claims of a verified ID token that account linking needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct IdClaims {
    pub iss: String,
    /// The person's stable identifier at this provider (never reassigned).
    pub sub: String,
    #[serde(deserialize_with = "crate::token::one_or_many::deserialize")]
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Some providers send `"true"` as a string.
    #[serde(default, deserialize_with = "loose_bool")]
    pub email_verified: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
}

impl IdClaims {
    /// The e-mail address, only when the provider says it verified it.
    pub fn verified_email(&self) -> Option<&str> {
        self.email.as_deref().filter(|_| self.email_verified)
    }

    /// Take the e-mail and name claims from a UserInfo response (Core §5.3), which must be about
    /// the same subject (§5.3.2: otherwise it may be a substituted response).
    pub fn add_userinfo(&mut self, json: &[u8]) -> Result<()> {
        #[derive(Deserialize)]
        struct UserInfo {
            sub: String,
            #[serde(default)]
            email: Option<String>,
            #[serde(default, deserialize_with = "loose_bool")]
            email_verified: bool,
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            preferred_username: Option<String>,
        }
        let info: UserInfo =
            serde_json::from_slice(json).map_err(|e| invalid("the UserInfo response is malformed").with_source(e))?;
        if info.sub != self.sub {
            return Err(invalid("the UserInfo response is about another subject"));
        }
        self.email = info.email;
        self.email_verified = info.email_verified;
        self.name = info.name.or(self.name.take());
        self.preferred_username = info.preferred_username.or(self.preferred_username.take());
        Ok(())
    }
}

/// Checks ID tokens from one provider for one client.
#[derive(Debug, Clone)]
pub struct IdTokenVerifier {
    pub issuer: String,
    pub client_id: String,
    /// Clock skew allowed on `exp` and `iat` (seconds).
    pub leeway: i64,
    /// Longest accepted age of a token (`iat`), in seconds: the code was just exchanged.
    pub max_age: i64,
    clock: std::sync::Arc<dyn Clock>,
}

/// ID tokens over this size are refused before parsing.
const MAX_ID_TOKEN_BYTES: usize = 16 * 1024;

impl IdTokenVerifier {
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> IdTokenVerifier {
        IdTokenVerifier {
            issuer: issuer.into(),
            client_id: client_id.into(),
            leeway: 60,
            max_age: 600,
            clock: std::sync::Arc::new(SystemClock),
        }
    }

    pub fn with_clock(mut self, clock: std::sync::Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The key id a token names (`None`: it names none), read before verifying, to decide whether
    /// the provider's keys need fetching again.
    pub fn kid_of(token: &str) -> Result<Option<String>> {
        Ok(jws::parse(token)?.header.kid)
    }

    /// Verify `token` (signature, issuer, audience, lifetime) and that it carries `nonce`.
    pub fn verify(&self, token: &str, keys: &ProviderKeys, nonce: &str) -> Result<IdClaims> {
        if token.len() > MAX_ID_TOKEN_BYTES {
            return Err(invalid("ID token is too large"));
        }
        let parsed = jws::parse(token)?;
        let alg = match parsed.header.alg.as_str() {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            "EdDSA" => Algorithm::EdDSA,
            other => {
                return Err(invalid("ID token algorithm not accepted (RS256, ES256 or EdDSA)")
                    .with_context("alg", other.chars().take(16).collect::<String>()));
            }
        };
        let candidates: Vec<&Key> = match &parsed.header.kid {
            Some(kid) => keys.keys.get(kid).into_iter().collect(),
            None => keys.keys.keys().iter().filter(|k| k.alg() == alg).collect(),
        };
        if candidates.is_empty() {
            return Err(Error::new(ErrorKind::UnknownKey, "ID token was signed with a key the provider does not list"));
        }
        let mut last = invalid("bad signature");
        let mut claims = None;
        for key in candidates {
            if key.alg() != alg {
                last = invalid("ID token algorithm does not match its key");
                continue;
            }
            match parsed.verify::<IdClaims>(key.verifier()) {
                Ok(c) => {
                    claims = Some(c);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let claims = claims.ok_or(last)?;
        self.check(&claims, nonce)?;
        Ok(claims)
    }

    fn check(&self, c: &IdClaims, nonce: &str) -> Result<()> {
        if c.iss != self.issuer {
            return Err(
                Error::new(ErrorKind::TokenIssuer, "ID token was issued by someone else").with_context("iss", &c.iss)
            );
        }
        if !c.aud.contains(&self.client_id) {
            return Err(Error::new(ErrorKind::TokenAudience, "ID token is not for this client")
                .with_context("aud", c.aud.join(" ")));
        }
        // Core §3.1.3.7: with several audiences the authorized party must be us.
        if (c.aud.len() > 1 || c.azp.is_some()) && c.azp.as_deref() != Some(self.client_id.as_str()) {
            return Err(Error::new(ErrorKind::TokenAudience, "ID token was issued to another party")
                .with_context("azp", c.azp.as_deref().unwrap_or("")));
        }
        let now = self.clock.now();
        if now >= c.exp.saturating_add(self.leeway) {
            return Err(Error::new(ErrorKind::TokenExpired, "ID token has expired").with_context("exp", c.exp));
        }
        if now.saturating_add(self.leeway) < c.iat {
            return Err(
                Error::new(ErrorKind::TokenNotYetValid, "ID token was issued in the future").with_context("iat", c.iat)
            );
        }
        if now.saturating_sub(c.iat) > self.max_age.saturating_add(self.leeway) {
            return Err(Error::new(ErrorKind::TokenExpired, "ID token is too old for a sign-in just made")
                .with_context("iat", c.iat));
        }
        if !c.nonce.as_deref().is_some_and(|n| same(n, nonce)) {
            return Err(invalid("ID token does not carry this sign-in's nonce"));
        }
        if c.sub.is_empty() || c.sub.len() > 255 {
            return Err(invalid("ID token subject is empty or longer than 255 bytes"));
        }
        Ok(())
    }
}

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorKind::TokenInvalid, msg)
}

fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

#[cfg(test)]
mod tests;
