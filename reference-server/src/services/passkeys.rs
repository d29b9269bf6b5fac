//! Passkeys: sign in without a password (WebAuthn, `fotobase_auth::webauthn`). A passkey is
//! added from a signed-in session with the password again (and the code, with two-step
//! verification on), like any change of how one signs in; signing in with it needs nothing else,
//! since the authenticator itself verified the person (PIN or biometrics). Each ceremony's
//! challenge travels in a sealed cookie (`kit::sealed`) and is used once.
//!
//! The relying party is the site's domain (`public_url`); WebAuthn refuses IP addresses, so on a
//! server reached by one, passkeys are off (`GET /api/v1/auth/passkeys/config`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use fotobase_auth::clock::{Clock as _, SystemClock};
use fotobase_auth::webauthn::{self, AuthenticationResponse, RegistrationResponse};
use fotobase_store::db::{AuditKind, Passkey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::config::EmailVerification;
use crate::kit::audit::{self, Origin};
use crate::kit::error::codes;
use crate::kit::extract::{ClientAddr, JsonOrEmpty};
use crate::kit::passkeys::{self, CEREMONY_SECS, Ceremony, LOGIN, passkey_invalid, relying_party, rp_or_off};
use crate::kit::reauth::{self, Confirm};
use crate::kit::sealed::SealedCookie;
use crate::kit::signin::{self, TokenResponse};
use crate::kit::{ApiError, ApiResult, Caller, Json, Path, ids};
use crate::state::AppState;

const PATH: &str = "/api/v1/auth/passkeys";
const REGISTER: SealedCookie = SealedCookie {
    name: "fotobase_passkey_new",
    path: PATH,
    purpose: "passkey.register",
    same_site: "Strict",
    max_age: CEREMONY_SECS,
};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/auth/passkeys/config", get(config))
        .route("/api/v1/auth/passkeys", get(list))
        .route("/api/v1/auth/passkeys/{id}", delete(remove))
        .route("/api/v1/auth/passkeys/register/options", post(register_options))
        .route("/api/v1/auth/passkeys/register", post(register))
        .route("/api/v1/auth/passkeys/login/options", post(login_options))
        .route("/api/v1/auth/passkeys/login", post(login))
        .with_state(state)
}

/// Whether passkeys work on this server, and for which domain.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyConfig {
    enabled: bool,
    /// The relying-party id: the site's domain.
    rp_id: Option<String>,
}

/// Whether passkeys can be used here (not when the site is reached by an IP address).
#[utoipa::path(get, path = "/api/v1/auth/passkeys/config", tag = "auth", operation_id = "passkey_config",
    responses((status = 200, description = "Passkeys on or off", body = PasskeyConfig)))]
async fn config(State(state): State<AppState>) -> Json<PasskeyConfig> {
    let rp = relying_party(&state);
    Json(PasskeyConfig { enabled: rp.is_some(), rp_id: rp.map(|r| r.id) })
}

/// A passkey of the caller's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyView {
    /// `pk_…`
    id: String,
    name: String,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds: the last sign-in with it.
    last_used_at: Option<i64>,
}

impl PasskeyView {
    fn new(state: &AppState, p: Passkey) -> PasskeyView {
        PasskeyView {
            id: state.public_id(ids::PASSKEY, p.id),
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyList {
    passkeys: Vec<PasskeyView>,
}

/// The caller's passkeys.
#[utoipa::path(get, path = "/api/v1/auth/passkeys", tag = "auth", operation_id = "list_passkeys",
    security(("bearer" = [])), responses((status = 200, description = "The passkeys", body = PasskeyList)))]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<PasskeyList>> {
    let passkeys = state.passkeys.of_user(caller.user_id).await?;
    Ok(Json(PasskeyList { passkeys: passkeys.into_iter().map(|p| PasskeyView::new(&state, p)).collect() }))
}

/// Remove one of the caller's passkeys (it signs in no more; the authenticator may still list it):
/// the password again (and a code with two-step verification on), as for adding one.
#[utoipa::path(delete, path = "/api/v1/auth/passkeys/{id}", tag = "auth", operation_id = "remove_passkey",
    security(("bearer" = [])), params(("id" = String, Path, description = "`pk_…`")), request_body = Confirm,
    responses((status = 204, description = "Removed")))]
async fn remove(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<Confirm>,
) -> ApiResult<StatusCode> {
    let row = state.row_id(ids::PASSKEY, &id, "passkey")?;
    reauth::confirm(&state, &caller, body, addr.map(|a| a.ip()), &origin).await?;
    if !state.passkeys.remove(caller.user_id, row).await? {
        return Err(ApiError::not_found("passkey"));
    }
    audit::record(&state, caller.user_id, AuditKind::PasskeyRemoved, &origin).await;
    Ok(StatusCode::NO_CONTENT)
}

/// WebAuthn options for `navigator.credentials.create` / `get`, as JSON (Level 3).
#[derive(Debug, Serialize, ToSchema)]
pub struct Options {
    #[serde(rename = "publicKey")]
    #[schema(value_type = Object)]
    public_key: Value,
}

/// Start adding a passkey: the password again (and a code with two-step verification on); the
/// options for `navigator.credentials.create`.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/options", tag = "auth",
    operation_id = "passkey_register_options", security(("bearer" = [])), request_body = Confirm,
    responses((status = 200, description = "PublicKeyCredentialCreationOptionsJSON", body = Options)))]
async fn register_options(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Json(body): Json<Confirm>,
) -> ApiResult<Response> {
    let rp = rp_or_off(&state)?;
    let user = reauth::confirm(&state, &caller, body, addr.map(|a| a.ip()), &origin).await?;
    let email = state.fields.decrypt_str(&user.email_cipher, "user.email").unwrap_or_default();
    let existing: Vec<String> = state.passkeys.of_user(user.id).await?.into_iter().map(|p| p.credential_id).collect();
    let challenge = webauthn::challenge();
    let options =
        webauthn::creation_options(&rp, &challenge, caller.public_id.as_bytes(), &email, &user.display_name, &existing);
    let ceremony = Ceremony { challenge, user_id: Some(user.id), expires_at: SystemClock.now() + CEREMONY_SECS };
    let cookie = REGISTER.seal(&state.fields, &ceremony)?;
    Ok(([(header::SET_COOKIE, cookie)], Json(Options { public_key: options })).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPasskey {
    /// 1 to 64 characters; default "Passkey".
    name: Option<String>,
    /// RegistrationResponseJSON: what `navigator.credentials.create` gave, as JSON.
    #[schema(value_type = Object)]
    credential: RegistrationResponse,
}

/// Finish adding a passkey with what the browser's authenticator made.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register", tag = "auth", operation_id = "passkey_register",
    security(("bearer" = [])), request_body = NewPasskey,
    responses((status = 201, description = "The passkey", body = PasskeyView)))]
async fn register(
    State(state): State<AppState>,
    Origin(origin): Origin,
    caller: Caller,
    headers: HeaderMap,
    Json(body): Json<NewPasskey>,
) -> ApiResult<Response> {
    let rp = rp_or_off(&state)?;
    let ceremony: Ceremony = REGISTER
        .open(&state.fields, &headers)
        .filter(|c: &Ceremony| c.expires_at > SystemClock.now() && c.user_id == Some(caller.user_id))
        .ok_or_else(|| passkey_invalid(StatusCode::BAD_REQUEST, "no passkey is being added here: start again"))?;
    if !state.spent_challenges.spend(&ceremony.challenge, ceremony.expires_at).await? {
        return Err(passkey_invalid(StatusCode::BAD_REQUEST, "this passkey was added already: start again"));
    }
    let new = webauthn::verify_registration(&rp, &ceremony.challenge, &body.credential).map_err(|e| {
        tracing::info!(error = %e, "passkey registration refused");
        passkey_invalid(StatusCode::BAD_REQUEST, "the browser's answer did not verify")
    })?;
    let name = body.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("Passkey");
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(
            ApiError::invalid("a passkey's name is 1 to 64 characters, without control characters").with_field("name")
        );
    }
    let stored = state
        .passkeys
        .add(caller.user_id, &new.credential_id, &new.public_key, new.sign_count, name)
        .await
        .map_err(|e| ApiError::from(e).with_field("credential"))?;
    audit::record(&state, caller.user_id, AuditKind::PasskeyAdded, &origin).await;
    let view = Json(PasskeyView::new(&state, stored));
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, REGISTER.clear())], view).into_response())
}

/// Start signing in with a passkey: the options for `navigator.credentials.get` (the browser
/// offers the passkeys it holds for this site).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login/options", tag = "auth",
    operation_id = "passkey_login_options",
    responses((status = 200, description = "PublicKeyCredentialRequestOptionsJSON", body = Options)))]
async fn login_options(State(state): State<AppState>, JsonOrEmpty(_): JsonOrEmpty<Empty>) -> ApiResult<Response> {
    let rp = rp_or_off(&state)?;
    let challenge = webauthn::challenge();
    let options = webauthn::request_options(&rp, &challenge);
    let cookie = LOGIN
        .seal(&state.fields, &Ceremony { challenge, user_id: None, expires_at: SystemClock.now() + CEREMONY_SECS })?;
    Ok(([(header::SET_COOKIE, cookie)], Json(Options { public_key: options })).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyLogin {
    /// AuthenticationResponseJSON: what `navigator.credentials.get` gave, as JSON.
    #[schema(value_type = Object)]
    credential: AuthenticationResponse,
}

/// Sign in with a passkey: answers like a browser login (`cookie: true`).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login", tag = "auth", operation_id = "passkey_login",
    request_body = PasskeyLogin,
    responses((status = 200, description = "Signed in; the session is in cookies", body = TokenResponse)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    headers: HeaderMap,
    Json(body): Json<PasskeyLogin>,
) -> ApiResult<Response> {
    let user = passkeys::assertion(&state, &headers, &body.credential, &origin).await?;
    if user.disabled_at.is_some() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, codes::ACCOUNT_DISABLED, "this account is disabled"));
    }
    if state.config.email_verification() == EmailVerification::Required && user.email_verified_at.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::EMAIL_UNVERIFIED,
            "confirm your e-mail address first: follow the link sent to it",
        ));
    }
    let issued = signin::start(&state, &user, &headers, addr.map(|a| a.ip()), &origin).await?;
    let mut res = signin::respond(&state, issued, true);
    res.headers_mut().append(header::SET_COOKIE, LOGIN.clear());
    Ok(res)
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(config, list, remove, register_options, register, login_options, login))]
pub struct Api;
