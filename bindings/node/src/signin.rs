//! Sign-in protocols: an OpenID Connect relying party and passkeys (WebAuthn). The application
//! does the HTTP and keeps each attempt's secrets in its session; these check what came back.
//!
//! Wire documents (discovery, JWKS, the browser's credential) are taken as JSON text or the
//! parsed object, verbatim (not camelCased: they are other parties' formats); the WebAuthn options
//! go back as the object the browser's `PublicKeyCredential.parse…OptionsFromJSON` takes.

use fotobase_bindings as fb;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::convert::{Bytes, Json, whole};
use crate::errors;

/// A wire document as JSON text: a string is taken as is, an object is serialized.
fn text(doc: Value) -> String {
    match doc {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// JSON text made by the facade, as a JS object.
fn parsed(text: &str) -> fb::Result<Json> {
    serde_json::from_str(text)
        .map(Json)
        .map_err(|e| fb::Error::new(fb::ErrorKind::Unexpected, "options are not JSON").with_source(e))
}

/// The provider's discovery document (from `{issuer}/.well-known/openid-configuration`), checked:
/// its `issuer` must be `issuer` (`token_issuer`) and its endpoints https (or http on loopback).
#[napi(ts_return_type = "OidcProvider")]
pub fn oidc_provider(
    env: Env,
    #[napi(ts_arg_type = "string | Record<string, unknown>")] discovery: Value,
    issuer: String,
) -> napi::Result<Json> {
    errors::sync(&env, || Json::camel(&fb::oidc_provider(&text(discovery), &issuer)?))
}

/// Begin a sign-in: the authorization URL to redirect to, and `state`, `nonce` and
/// `codeVerifier` to keep in the session until the browser comes back.
#[napi(ts_return_type = "OidcStart")]
pub fn oidc_start(
    env: Env,
    #[napi(ts_arg_type = "string | Record<string, unknown>")] discovery: Value,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    scopes: Option<Vec<String>>,
) -> napi::Result<Json> {
    errors::sync(&env, || {
        Json::camel(&fb::oidc_start(&text(discovery), &issuer, &client_id, &redirect_uri, scopes.as_deref())?)
    })
}

/// The form body (`application/x-www-form-urlencoded`) of the token request exchanging `code`,
/// with the PKCE verifier.
#[napi]
pub fn oidc_token_request_body(
    env: Env,
    client_id: String,
    redirect_uri: String,
    code: String,
    code_verifier: String,
) -> napi::Result<String> {
    errors::sync(&env, || fb::oidc_token_request_body(&client_id, &redirect_uri, &code, &code_verifier))
}

/// The verified claims of the token response's `id_token`, checked against the provider's JWKS,
/// `issuer`, `clientId` and this sign-in's `nonce`; `now` (Unix seconds) defaults to the clock.
#[napi(ts_return_type = "IdTokenClaims")]
pub fn oidc_verify_id_token(
    env: Env,
    #[napi(ts_arg_type = "string | Jwks")] jwks: Value,
    issuer: String,
    client_id: String,
    id_token: String,
    nonce: String,
    now: Option<i64>,
) -> napi::Result<Json> {
    errors::sync(&env, || {
        Json::camel(&fb::oidc_verify_id_token(&text(jwks), &issuer, &client_id, &id_token, &nonce, now)?)
    })
}

/// A fresh ceremony challenge (base64url): keep it in the session and use it once.
#[napi]
pub fn webauthn_challenge() -> String {
    fb::webauthn_challenge()
}

/// `PublicKeyCredentialCreationOptionsJSON` for a discoverable passkey of the account whose opaque
/// `userHandle` is given; `exclude` lists its credential ids already registered.
#[napi(ts_return_type = "Record<string, unknown>")]
#[allow(clippy::too_many_arguments)] // One argument per WebAuthn field, as in every binding.
pub fn webauthn_registration_options(
    env: Env,
    rp_id: String,
    rp_name: String,
    challenge: String,
    #[napi(ts_arg_type = "Uint8Array")] user_handle: Bytes,
    user_name: String,
    display_name: String,
    exclude: Option<Vec<String>>,
) -> napi::Result<Json> {
    errors::sync(&env, || {
        parsed(&fb::webauthn_registration_options(
            &rp_id,
            &rp_name,
            &challenge,
            &user_handle,
            &user_name,
            &display_name,
            &exclude.unwrap_or_default(),
        )?)
    })
}

/// `PublicKeyCredentialRequestOptionsJSON` to sign in with any passkey for `rpId`.
#[napi(ts_return_type = "Record<string, unknown>")]
pub fn webauthn_authentication_options(env: Env, rp_id: String, challenge: String) -> napi::Result<Json> {
    errors::sync(&env, || parsed(&fb::webauthn_authentication_options(&rp_id, &challenge)?))
}

/// Check the browser's registration (`PublicKeyCredential.toJSON()`, as text or object) for this
/// ceremony's `challenge` at one of `origins`: the passkey to store.
#[napi(ts_return_type = "Passkey")]
pub fn webauthn_verify_registration(
    env: Env,
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    #[napi(ts_arg_type = "string | Record<string, unknown>")] response: Value,
) -> napi::Result<Json> {
    errors::sync(&env, || {
        Json::camel(&fb::webauthn_verify_registration(&rp_id, &origins, &challenge, &text(response))?)
    })
}

/// Check the browser's sign-in (text or object) against the stored passkey its `id` names: the
/// new signature count to store. A count that does not move forward (a cloned authenticator) is
/// `token_invalid`.
#[napi]
pub fn webauthn_verify_authentication(
    env: Env,
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    #[napi(ts_arg_type = "string | Record<string, unknown>")] response: Value,
    public_key: String,
    sign_count: f64,
) -> napi::Result<u32> {
    errors::sync(&env, || {
        let count = whole("signCount", sign_count)?;
        fb::webauthn_verify_authentication(&rp_id, &origins, &challenge, &text(response), &public_key, count)
    })
}
