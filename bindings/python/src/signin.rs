//! Sign-in protocols: an OpenID Connect relying party and passkeys (WebAuthn). The application
//! does the HTTP and keeps each attempt's secrets in its session; these check what came back.
//! Wire documents (discovery, JWKS, the browser's credential) are taken as JSON text or a dict.

use fotobase_bindings as facade;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::convert::{bytes_like, result, to_json, to_py};
use crate::errors::{OrRaise, invalid};

/// A wire document given as JSON text (what the application received) or as a parsed dict.
fn json_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(text) => Ok(text.to_cow()?.into_owned()),
        Err(_) => Ok(to_json(obj)?.to_string()),
    }
}

/// JSON text made by the facade, as a dict.
fn parsed<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::from_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
    to_py(py, &value)
}

/// The provider's discovery document (fetched from ``{issuer}/.well-known/openid-configuration``),
/// checked: its ``issuer`` must be ``issuer`` (``TokenIssuerError`` otherwise) and its endpoints
/// https (or http on loopback).
#[pyfunction]
pub fn oidc_provider<'py>(
    py: Python<'py>,
    discovery: &Bound<'py, PyAny>,
    issuer: String,
) -> PyResult<Bound<'py, PyAny>> {
    let provider = facade::oidc_provider(&json_text(discovery)?, &issuer).or_raise()?;
    result(py, &provider)
}

/// Begin a sign-in: the authorization URL to redirect to, and ``state``, ``nonce`` and
/// ``code_verifier`` to keep in the session until the browser comes back.
#[pyfunction]
#[pyo3(signature = (discovery, issuer, client_id, redirect_uri, scopes=None))]
pub fn oidc_start<'py>(
    py: Python<'py>,
    discovery: &Bound<'py, PyAny>,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    scopes: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let start =
        facade::oidc_start(&json_text(discovery)?, &issuer, &client_id, &redirect_uri, scopes.as_deref()).or_raise()?;
    result(py, &start)
}

/// The form body (``application/x-www-form-urlencoded``) of the token request exchanging
/// ``code``, with the PKCE verifier.
#[pyfunction]
pub fn oidc_token_request_body(
    client_id: String,
    redirect_uri: String,
    code: String,
    code_verifier: String,
) -> PyResult<String> {
    facade::oidc_token_request_body(&client_id, &redirect_uri, &code, &code_verifier).or_raise()
}

/// The verified claims of the token response's ``id_token``, checked against the provider's JWKS,
/// ``issuer``, ``client_id`` and this sign-in's ``nonce``; ``now`` (Unix seconds) defaults to the
/// system clock.
#[pyfunction]
#[pyo3(signature = (jwks, issuer, client_id, id_token, nonce, now=None))]
pub fn oidc_verify_id_token<'py>(
    py: Python<'py>,
    jwks: &Bound<'py, PyAny>,
    issuer: String,
    client_id: String,
    id_token: String,
    nonce: String,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let jwks = json_text(jwks)?;
    let claims =
        py.detach(|| facade::oidc_verify_id_token(&jwks, &issuer, &client_id, &id_token, &nonce, now)).or_raise()?;
    result(py, &claims)
}

/// A fresh ceremony challenge (base64url): keep it in the session and use it once.
#[pyfunction]
pub fn webauthn_challenge() -> String {
    facade::webauthn_challenge()
}

/// The options (a dict, ``PublicKeyCredentialCreationOptionsJSON``) for
/// ``navigator.credentials.create``: a discoverable passkey for the account whose opaque
/// ``user_handle`` (bytes) is given; ``exclude`` lists its credential ids already registered.
#[pyfunction]
#[pyo3(signature = (rp_id, rp_name, challenge, user_handle, user_name, display_name, exclude=None))]
#[allow(clippy::too_many_arguments)] // Python arguments, one per WebAuthn field.
pub fn webauthn_registration_options<'py>(
    py: Python<'py>,
    rp_id: String,
    rp_name: String,
    challenge: String,
    user_handle: &Bound<'py, PyAny>,
    user_name: String,
    display_name: String,
    exclude: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let handle = bytes_like(user_handle)?;
    let text = facade::webauthn_registration_options(
        &rp_id,
        &rp_name,
        &challenge,
        &handle,
        &user_name,
        &display_name,
        &exclude.unwrap_or_default(),
    )
    .or_raise()?;
    parsed(py, &text)
}

/// The options (a dict, ``PublicKeyCredentialRequestOptionsJSON``) for
/// ``navigator.credentials.get``: sign in with any passkey for ``rp_id``.
#[pyfunction]
pub fn webauthn_authentication_options<'py>(
    py: Python<'py>,
    rp_id: String,
    challenge: String,
) -> PyResult<Bound<'py, PyAny>> {
    let text = facade::webauthn_authentication_options(&rp_id, &challenge).or_raise()?;
    parsed(py, &text)
}

/// Check the browser's registration (``PublicKeyCredential.toJSON()``, JSON text or dict) for this
/// ceremony's ``challenge`` at one of ``origins``: the passkey to store (a dict).
#[pyfunction]
pub fn webauthn_verify_registration<'py>(
    py: Python<'py>,
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    response: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let passkey =
        facade::webauthn_verify_registration(&rp_id, &origins, &challenge, &json_text(response)?).or_raise()?;
    result(py, &passkey)
}

/// Check the browser's sign-in (JSON text or dict) against the stored passkey its ``id`` names:
/// the new signature count to store. A count that does not move forward (a cloned authenticator)
/// raises ``TokenInvalidError``.
#[pyfunction]
pub fn webauthn_verify_authentication(
    py: Python<'_>,
    rp_id: String,
    origins: Vec<String>,
    challenge: String,
    response: &Bound<'_, PyAny>,
    public_key: String,
    sign_count: u32,
) -> PyResult<u32> {
    let response = json_text(response)?;
    py.detach(|| {
        facade::webauthn_verify_authentication(&rp_id, &origins, &challenge, &response, &public_key, sign_count)
    })
    .or_raise()
}
