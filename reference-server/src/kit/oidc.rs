//! The configured OpenID Connect providers at run time: their discovery documents and signing
//! keys fetched when first needed and kept an hour (keys fetched again when a token names one
//! not seen yet: providers rotate), the token request, and the browser-bound state of a sign-in
//! in flight (an encrypted cookie, so any instance of the auth service can finish what another
//! started, and nothing is stored for flows that are abandoned: `kit::sealed`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::header;
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::oidc::{self, Challenge, IdClaims, IdTokenVerifier, ProviderKeys, ProviderMetadata};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::sealed::SealedCookie;
use crate::config::{Config, OidcProvider};

/// How long discovery documents and keys are trusted before they are fetched again.
const FRESH: Duration = Duration::from_secs(3600);
/// Keys are fetched again for an unknown `kid` at most this often (a forged `kid` cannot make
/// the server hammer the provider).
const REFETCH_KEYS: Duration = Duration::from_secs(10);
/// How long a person has at the provider, and then to confirm a link or a code.
pub const FLOW_SECS: i64 = 600;

const COOKIE_PATH: &str = "/api/v1/auth/oidc";

/// A sign-in in flight ([`Flow`]). Lax: the provider sends the browser back with a cross-site
/// navigation, which Strict cookies would not follow; nothing in it signs anyone in by itself.
pub const FLOW_COOKIE: SealedCookie = SealedCookie {
    name: "fotobase_oidc",
    path: COOKIE_PATH,
    purpose: "oidc.flow",
    same_site: "Lax",
    max_age: FLOW_SECS,
};
/// A verified identity waiting for the person's confirmation ([`Ticket`]).
pub const TICKET_COOKIE: SealedCookie = SealedCookie {
    name: "fotobase_oidc_ticket",
    path: COOKIE_PATH,
    purpose: "oidc.ticket",
    same_site: "Lax",
    max_age: FLOW_SECS,
};

/// Every configured provider.
#[derive(Debug)]
pub struct Providers {
    list: Vec<Provider>,
    http: reqwest::Client,
}

#[derive(Debug)]
pub struct Provider {
    pub config: OidcProvider,
    pub client: oidc::Client,
    cache: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    meta: Arc<ProviderMetadata>,
    keys: Arc<ProviderKeys>,
    fetched: Instant,
    keys_fetched: Instant,
}

impl Providers {
    pub fn new(config: &Config) -> Result<Providers> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // The token endpoint's answer is read whole; a provider has no reason to redirect it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::new(ErrorKind::Unexpected, "cannot build the HTTP client").with_source(e))?;
        let base = config.public_url();
        let list = config
            .oidc
            .iter()
            .map(|p| {
                let mut p = p.clone();
                if p.name.is_empty() {
                    p.name = p.id.clone();
                }
                let client = oidc::Client {
                    client_id: p.client_id.clone(),
                    redirect_uri: format!("{base}{COOKIE_PATH}/{}/callback", p.id),
                    scopes: p.scopes.clone(),
                };
                Provider { config: p, client, cache: Mutex::new(None) }
            })
            .collect();
        Ok(Providers { list, http })
    }

    pub fn all(&self) -> &[Provider] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.config.id == id)
    }

    /// The provider's discovery document.
    pub async fn metadata(&self, p: &Provider) -> Result<Arc<ProviderMetadata>> {
        Ok(self.cached(p, None).await?.0)
    }

    /// Exchange `code` for an ID token and verify it (signature, issuer, audience, lifetime, nonce).
    pub async fn sign_in(&self, p: &Provider, code: &str, challenge: &Challenge) -> Result<IdClaims> {
        let (meta, _) = self.cached(p, None).await?;
        let mut form = oidc::token_form(&p.client, code, challenge);
        let mut req = self.http.post(&meta.token_endpoint).header(header::ACCEPT, "application/json");
        match &p.config.client_secret {
            Some(secret) if meta.secret_in_form() => form.push(("client_secret", secret.clone())),
            Some(secret) => req = req.header(header::AUTHORIZATION, oidc::basic_auth(&p.client.client_id, secret)),
            None => {}
        }
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let res = req
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| unreachable_provider(&p.config.id, e))?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| unreachable_provider(&p.config.id, e))?;
        if !status.is_success() {
            // The provider's `error` member (invalid_grant, …) says why; its description is not logged.
            let error = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return Err(Error::new(ErrorKind::TokenInvalid, "the provider refused the code")
                .with_context("status", status.as_u16())
                .with_context("error", error.chars().take(64).collect::<String>()));
        }
        let tokens = oidc::TokenResponse::from_json(&bytes)?;
        let kid = IdTokenVerifier::kid_of(&tokens.id_token)?;
        let (meta, keys) = self.cached(p, kid.as_deref()).await?;
        let mut claims = IdTokenVerifier::new(&meta.issuer, &p.client.client_id).verify(
            &tokens.id_token,
            &keys,
            &challenge.nonce,
        )?;
        // Providers that follow Core §5.4 to the letter give the e-mail and profile claims at the
        // UserInfo endpoint only, when they issue an access token.
        if claims.email.is_none()
            && let (Some(endpoint), Some(access)) = (&meta.userinfo_endpoint, &tokens.access_token)
        {
            oidc::check_endpoint(endpoint)?;
            let res = self.http.get(endpoint).bearer_auth(access).send().await;
            let res = res.map_err(|e| unreachable_provider(&p.config.id, e))?;
            if !res.status().is_success() {
                return Err(Error::new(ErrorKind::TokenInvalid, "the provider's UserInfo endpoint refused the token")
                    .with_context("status", res.status().as_u16()));
            }
            let info = res.bytes().await.map_err(|e| unreachable_provider(&p.config.id, e))?;
            claims.add_userinfo(&info)?;
        }
        Ok(claims)
    }

    /// Discovery and keys, fetched when missing or stale; with `kid`, keys fetched again if they
    /// lack it (and were not fetched a moment ago).
    async fn cached(&self, p: &Provider, kid: Option<&str>) -> Result<(Arc<ProviderMetadata>, Arc<ProviderKeys>)> {
        let mut cache = p.cache.lock().await;
        let stale = cache.as_ref().is_none_or(|c| c.fetched.elapsed() > FRESH);
        if stale {
            let meta = Arc::new(self.discover(p).await?);
            let keys = Arc::new(self.keys(p, &meta).await?);
            *cache = Some(Cached { meta, keys, fetched: Instant::now(), keys_fetched: Instant::now() });
        } else if let (Some(kid), Some(c)) = (kid, cache.as_mut())
            && !c.keys.has(kid)
            && c.keys_fetched.elapsed() > REFETCH_KEYS
        {
            c.keys = Arc::new(self.keys(p, &c.meta).await?);
            c.keys_fetched = Instant::now();
        }
        let c = cache.as_ref().expect("filled above");
        Ok((c.meta.clone(), c.keys.clone()))
    }

    async fn discover(&self, p: &Provider) -> Result<ProviderMetadata> {
        let url = format!("{}/.well-known/openid-configuration", p.config.issuer.trim_end_matches('/'));
        ProviderMetadata::from_json(&self.get_json(&p.config.id, &url).await?, &p.config.issuer)
    }

    async fn keys(&self, p: &Provider, meta: &ProviderMetadata) -> Result<ProviderKeys> {
        let bytes = self.get_json(&p.config.id, &meta.jwks_uri).await?;
        let doc = serde_json::from_slice(&bytes)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, "the provider's JWKS is not JSON").with_source(e))?;
        ProviderKeys::from_jwks(&doc)
    }

    async fn get_json(&self, id: &str, url: &str) -> Result<bytes::Bytes> {
        let res = self.http.get(url).send().await.map_err(|e| unreachable_provider(id, e))?;
        if !res.status().is_success() {
            return Err(Error::new(ErrorKind::Unavailable, "the provider answered with an error")
                .with_context("provider", id)
                .with_context("status", res.status().as_u16()));
        }
        res.bytes().await.map_err(|e| unreachable_provider(id, e))
    }
}

fn unreachable_provider(id: &str, e: reqwest::Error) -> Error {
    Error::new(ErrorKind::Unavailable, "cannot reach the provider").with_context("provider", id).with_source(e)
}

/// A sign-in on its way to the provider and back: what the browser's cookie holds, encrypted.
#[derive(Debug, Serialize, Deserialize)]
pub struct Flow {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub return_to: String,
    pub expires_at: i64,
}

impl Flow {
    pub fn challenge(&self) -> Challenge {
        Challenge { state: self.state.clone(), nonce: self.nonce.clone(), code_verifier: self.verifier.clone() }
    }
}

/// A verified provider identity waiting for the person to confirm: the account's password to
/// link it (`link`), or the account's second factor.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ticket {
    pub provider: String,
    pub subject: String,
    pub user_id: i64,
    pub link: bool,
    pub return_to: String,
    pub expires_at: i64,
}

/// `return_to` if it is a path on this site, else `/`: no open redirects (`//evil.example`,
/// `/\evil.example` and absolute URLs all leave the site in some browser).
pub fn local_path(return_to: Option<&str>) -> String {
    match return_to {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && p.len() <= 512
                && !p.chars().any(|c| c.is_control() || c == '\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        for ok in ["/", "/images/img_1?x=1#a", "/login"] {
            assert_eq!(local_path(Some(ok)), ok);
        }
        for bad in ["https://evil.example/", "//evil.example", "/\\evil.example", "evil", "/a\\b", "/a\nb", ""] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
        assert_eq!(local_path(Some(&format!("/{}", "a".repeat(600)))), "/");
    }
}
