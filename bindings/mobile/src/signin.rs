//! Sign-in protocols: an OpenID Connect relying party and passkeys (WebAuthn), for apps and
//! services on the JVM and Apple platforms that run their own sign-in. The application does the
//! HTTP and keeps each attempt's secrets; wire documents (discovery, JWKS, the browser's
//! credential, the WebAuthn options) cross as JSON text.

use fotobase_bindings as fb;
use serde::Deserialize;

use crate::errors::FotobaseError;
use crate::results::read;

/// A provider's discovery document, checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, uniffi::Record)]
pub struct OidcProvider {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    /// Send `client_secret` in the token request's form rather than HTTP Basic.
    pub secret_in_form: bool,
}

/// Where to send the browser, and the secrets to keep until it comes back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, uniffi::Record)]
pub struct OidcStart {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// The verified claims of an ID token. Key an account on (`iss`, `sub`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, uniffi::Record)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub nonce: Option<String>,
    pub azp: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
}

/// A passkey that registered: what to store with the account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, uniffi::Record)]
pub struct Passkey {
    pub credential_id: String,
    /// The COSE public key (base64url).
    pub public_key: String,
    pub sign_count: u32,
    pub backup_eligible: bool,
}

/// The provider's discovery document (JSON text), checked: its `issuer` must be `issuer`
/// (`TokenIssuer`) and its endpoints https (or http on loopback).
#[uniffi::export]
pub fn oidc_provider(discovery_json: String, issuer: String) -> Result<OidcProvider, FotobaseError> {
    read("provider", &fb::oidc_provider(&discovery_json, &issuer)?)
}

/// Begin a sign-in: the authorization URL and the `state`, `nonce` and `code_verifier` to keep.
#[uniffi::export(default(scopes))]
pub fn oidc_start(
    discovery_json: String,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    scopes: Option<Vec<String>>,
) -> Result<OidcStart, FotobaseError> {
    read("start", &fb::oidc_start(&discovery_json, &issuer, &client_id, &redirect_uri, scopes.as_deref())?)
}

/// The form body of the token request exchanging `code`, with the PKCE verifier.
#[uniffi::export]
pub fn oidc_token_request_body(
    client_id: String,
    redirect_uri: String,
    code: String,
    code_verifier: String,
) -> Result<String, FotobaseError> {
    Ok(fb::oidc_token_request_body(&client_id, &redirect_uri, &code, &code_verifier)?)
}

/// The verified claims of `id_token` against the provider's JWKS (JSON text), `issuer`,
/// `client_id` and this sign-in's `nonce`; `now` (Unix seconds) defaults to the clock.
#[uniffi::export(default(now))]
pub fn oidc_verify_id_token(
    jwks_json: String,
    issuer: String,
    client_id: String,
    id_token: String,
    nonce: String,
    now: Option<i64>,
) -> Result<IdTokenClaims, FotobaseError> {
    read("claims", &fb::oidc_verify_id_token(&jwks_json, &issuer, &client_id, &id_token, &nonce, now)?)
}

/// A fresh ceremony challenge (base64url): keep it and use it once.
#[uniffi::export]
pub fn webauthn_challenge() -> String {
    fb::webauthn_challenge()
}

/// `PublicKeyCredentialCreationOptionsJSON` (JSON text) for a discoverable passkey of the account
/// whose opaque `user_handle` is given; `exclude` lists its credential ids already registered.
#[uniffi::export(default(exclude))]
pub fn webauthn_registration_options(
    rp_id: String,
    rp_name: String,
    challenge: String,
    user_handle: Vec<u8>,
    user_name: String,
    display_name: String,
    exclude: Option<Vec<String>>,
) -> Result<String, FotobaseError> {
    Ok(fb::webauthn_registration_options(
        &rp_id,
        &rp_name,
        &challenge,
        &user_handle,
        &user_name,
        &display_name,
        &exclude.unwrap_or_default(),
    )?)
}

/// `PublicKeyCredentialRequestOptionsJSON` (JSON text) to sign in with any passkey for `rp_id`.
#[uniffi::export]
pub fn webauthn_authentication_options(rp_id: String, challenge: String) -> Result<String, FotobaseError> {
    Ok(fb::webauthn_authentication_options(&rp_id, &challenge)?)
}

/// Check the browser's registration (`PublicKeyCredential.toJSON()` as JSON text) for this
/// ceremony's `challenge` at one of `origins`: the passkey to store.
#[uniffi::export]
pub fn webauthn_verify_registration(
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    response_json: String,
) -> Result<Passkey, FotobaseError> {
    read("passkey", &fb::webauthn_verify_registration(&rp_id, &origins, &challenge, &response_json)?)
}

/// Check the browser's sign-in (JSON text) against the stored passkey its `id` names: the new
/// signature count to store (a count that does not move forward is `TokenInvalid`).
#[uniffi::export]
pub fn webauthn_verify_authentication(
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    response_json: String,
    public_key: String,
    sign_count: u32,
) -> Result<u32, FotobaseError> {
    Ok(fb::webauthn_verify_authentication(&rp_id, &origins, &challenge, &response_json, &public_key, sign_count)?)
}
