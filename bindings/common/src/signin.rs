//! Sign-in protocols for the bindings: an OpenID Connect relying party (authorization code with
//! PKCE, ID-token checks) and passkeys (WebAuthn ceremonies), the same checks the reference server
//! makes. Protocol only: the application does the HTTP (fetching the discovery document and JWKS,
//! posting the token request) and keeps the per-attempt secrets (state, nonce, verifier, challenge)
//! in its session between the two halves of a flow.
//!
//! Wire documents cross as JSON text (discovery, JWKS, the browser's credential): that is what the
//! application received, and each language parses it its own way.

use std::sync::Arc;

use fotobase_auth::clock::ManualClock;
use fotobase_auth::oidc::{self, Challenge, Client, IdTokenVerifier, ProviderKeys, ProviderMetadata};
use fotobase_auth::webauthn::{self, AuthenticationResponse, RegistrationResponse, RelyingParty};
use serde::Serialize;
use serde_json::Value;

use crate::{Result, invalid};

/// A provider's discovery document, checked (its `issuer` is the one expected; endpoints are
/// https, or http on loopback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcProvider {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    /// Send `client_secret` in the token request's form rather than HTTP Basic
    /// (the provider lists `client_secret_post` and not `client_secret_basic`).
    pub secret_in_form: bool,
}

/// The start of one sign-in: where to send the browser, and the secrets to keep until it returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcStart {
    pub url: String,
    /// Compare with the `state` the browser brings back (a mismatch is a forged callback).
    pub state: String,
    /// Pass to [`oidc_verify_id_token`].
    pub nonce: String,
    /// Pass to [`oidc_token_request_body`].
    pub code_verifier: String,
}

/// The claims of a verified ID token that identify the person. Key an account on (`iss`, `sub`):
/// `sub` is stable and never reassigned; an e-mail address is trustworthy only with `email_verified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub nonce: Option<String>,
    /// The authorized party (the client), present when the token has several audiences.
    pub azp: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
}

/// Parse and check the discovery document fetched from `issuer`'s
/// `/.well-known/openid-configuration`.
pub fn oidc_provider(discovery: &str, issuer: &str) -> Result<OidcProvider> {
    let meta = ProviderMetadata::from_json(discovery.as_bytes(), issuer)?;
    Ok(OidcProvider {
        secret_in_form: meta.secret_in_form(),
        issuer: meta.issuer,
        authorization_endpoint: meta.authorization_endpoint,
        token_endpoint: meta.token_endpoint,
        jwks_uri: meta.jwks_uri,
        userinfo_endpoint: meta.userinfo_endpoint,
    })
}

/// Begin a sign-in: fresh `state`, `nonce` and PKCE verifier (256 random bits each) and the
/// authorization URL carrying them (`scopes` default: `openid email profile`).
pub fn oidc_start(
    discovery: &str,
    issuer: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: Option<&[String]>,
) -> Result<OidcStart> {
    let meta = ProviderMetadata::from_json(discovery.as_bytes(), issuer)?;
    let client = client(client_id, redirect_uri, scopes)?;
    let challenge = Challenge::new();
    let url = oidc::authorization_url(&meta, &client, &challenge)?;
    Ok(OidcStart { url, state: challenge.state, nonce: challenge.nonce, code_verifier: challenge.code_verifier })
}

fn client(client_id: &str, redirect_uri: &str, scopes: Option<&[String]>) -> Result<Client> {
    if client_id.is_empty() {
        return Err(invalid("client_id must not be empty"));
    }
    url::Url::parse(redirect_uri).map_err(|_| invalid("redirect_uri must be an absolute URL"))?;
    let scopes = scopes.map(<[String]>::to_vec).unwrap_or_default();
    if !scopes.is_empty() && !scopes.iter().any(|s| s == "openid") {
        return Err(invalid("scopes must include \"openid\""));
    }
    Ok(Client { client_id: client_id.into(), redirect_uri: redirect_uri.into(), scopes })
}

/// The `application/x-www-form-urlencoded` body of the token request exchanging `code` (with the
/// PKCE verifier). Authenticate the client apart from it: HTTP Basic, or `client_secret` appended
/// when the provider's `secret_in_form`.
pub fn oidc_token_request_body(client_id: &str, redirect_uri: &str, code: &str, code_verifier: &str) -> Result<String> {
    if code.is_empty() || code_verifier.is_empty() {
        return Err(invalid("code and code_verifier must not be empty"));
    }
    let client = client(client_id, redirect_uri, None)?;
    let challenge = Challenge { state: String::new(), nonce: String::new(), code_verifier: code_verifier.into() };
    let form = oidc::token_form(&client, code, &challenge);
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())));
    Ok(body.finish())
}

/// Verify an ID token from the token response: signature against the provider's JWKS (RS256,
/// ES256 or EdDSA), `iss`, `aud` (and `azp`), `exp`, `iat` (not in the future, at most 10 minutes
/// old), and this sign-in's `nonce`. `now` (Unix seconds) defaults to the system clock.
pub fn oidc_verify_id_token(
    jwks: &str,
    issuer: &str,
    client_id: &str,
    id_token: &str,
    nonce: &str,
    now: Option<i64>,
) -> Result<IdTokenClaims> {
    let jwks: Value = serde_json::from_str(jwks).map_err(|e| invalid(format!("the JWKS is not JSON: {e}")))?;
    let keys = ProviderKeys::from_jwks(&jwks)?;
    let mut verifier = IdTokenVerifier::new(issuer, client_id);
    if let Some(now) = now {
        verifier = verifier.with_clock(Arc::new(ManualClock::new(now)));
    }
    let c = verifier.verify(id_token, &keys, nonce)?;
    Ok(IdTokenClaims {
        iss: c.iss,
        sub: c.sub,
        aud: c.aud,
        exp: c.exp,
        iat: c.iat,
        nonce: c.nonce,
        azp: c.azp,
        email: c.email,
        email_verified: c.email_verified,
        name: c.name,
        preferred_username: c.preferred_username,
    })
}

/// A passkey that registered: what to store with the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Passkey {
    /// base64url, as the browser names the credential in later sign-ins.
    pub credential_id: String,
    /// The COSE public key (base64url), for [`webauthn_verify_authentication`].
    pub public_key: String,
    pub sign_count: u32,
    /// Whether the passkey may be synced to the holder's other devices.
    pub backup_eligible: bool,
}

fn relying_party(rp_id: &str, rp_name: &str, origins: &[String]) -> Result<RelyingParty> {
    if rp_id.is_empty() || rp_id.contains(['/', ':']) {
        return Err(invalid("rp_id is the site's domain (e.g. photos.example), without scheme or port"));
    }
    Ok(RelyingParty { id: rp_id.to_ascii_lowercase(), name: rp_name.into(), origins: origins.to_vec() })
}

/// A fresh ceremony challenge (32 random bytes, base64url): keep it server-side, use it once.
pub fn webauthn_challenge() -> String {
    webauthn::challenge()
}

/// `PublicKeyCredentialCreationOptionsJSON` (as JSON text) for a new discoverable passkey of the
/// account whose opaque `user_handle` (bytes, 1 to 64; never an e-mail address) is given;
/// `exclude` lists the account's credential ids already registered.
pub fn webauthn_registration_options(
    rp_id: &str,
    rp_name: &str,
    challenge: &str,
    user_handle: &[u8],
    user_name: &str,
    display_name: &str,
    exclude: &[String],
) -> Result<String> {
    if user_handle.is_empty() || user_handle.len() > 64 {
        return Err(invalid("user_handle must be 1 to 64 bytes"));
    }
    let rp = relying_party(rp_id, rp_name, &[])?;
    let opts = webauthn::creation_options(&rp, challenge, user_handle, user_name, display_name, exclude);
    Ok(opts.to_string())
}

/// `PublicKeyCredentialRequestOptionsJSON` (as JSON text) to sign in with any passkey for `rp_id`.
pub fn webauthn_authentication_options(rp_id: &str, challenge: &str) -> Result<String> {
    let rp = relying_party(rp_id, "", &[])?;
    Ok(webauthn::request_options(&rp, challenge).to_string())
}

fn credential<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| invalid(format!("the credential is not a {what}: {e}")))
}

/// Check the browser's answer to `navigator.credentials.create` (`PublicKeyCredential.toJSON()`,
/// as JSON text) for this ceremony's `challenge` at one of `origins`: what to store.
pub fn webauthn_verify_registration(
    rp_id: &str,
    origins: &[String],
    challenge: &str,
    response: &str,
) -> Result<Passkey> {
    let rp = relying_party(rp_id, "", origins)?;
    let res: RegistrationResponse = credential(response, "RegistrationResponseJSON")?;
    let key = webauthn::verify_registration(&rp, challenge, &res)?;
    Ok(Passkey {
        credential_id: key.credential_id,
        public_key: key.public_key,
        sign_count: key.sign_count,
        backup_eligible: key.backup_eligible,
    })
}

/// Check the browser's answer to `navigator.credentials.get` (JSON text) against the stored
/// passkey named by its `id` (`public_key`, `sign_count`): the new count to store. A counter that
/// does not move forward means a cloned authenticator (`token_invalid`).
pub fn webauthn_verify_authentication(
    rp_id: &str,
    origins: &[String],
    challenge: &str,
    response: &str,
    public_key: &str,
    sign_count: u32,
) -> Result<u32> {
    let rp = relying_party(rp_id, "", origins)?;
    let res: AuthenticationResponse = credential(response, "AuthenticationResponseJSON")?;
    webauthn::verify_authentication(&rp, challenge, &res, public_key, sign_count)
}
