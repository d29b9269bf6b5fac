//! Two-step verification: enrolling a TOTP authenticator (a QR code to scan, confirmed with a
//! code), recovery codes for a lost phone, and turning it off. Everything that adds, removes or
//! replaces a factor asks for the password again (and, once a factor is on, a code too), so a
//! stolen access token cannot take the account's second factor over.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use fotobase_auth::totp::{Totp, recovery_codes};
use fotobase_store::db::AuditKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kit::audit::{self, Origin};
use crate::kit::extract::ClientAddr;
use crate::kit::second_factor::{self, Passed, Proof, SECRET_AAD};
use crate::kit::{self, ApiError, ApiResult, Caller, Json, mail, reauth};
use crate::state::AppState;

/// Recovery codes issued at a time.
pub const RECOVERY_CODES: usize = 10;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/auth/factors", get(status))
        .route("/api/v1/auth/totp/setup", post(setup))
        .route("/api/v1/auth/totp/enable", post(enable))
        .route("/api/v1/auth/totp/disable", post(disable))
        .route("/api/v1/auth/recovery-codes", post(renew_codes))
        .with_state(state)
}

/// The caller's second factors.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactorStatus {
    /// A TOTP authenticator is confirmed: logins need a code.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
}

/// The second factors of the caller's account.
#[utoipa::path(get, path = "/api/v1/auth/factors", tag = "auth", operation_id = "second_factors",
    security(("bearer" = [])), responses((status = 200, description = "Second factors", body = FactorStatus)))]
async fn status(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<FactorStatus>> {
    let totp = state.factors.totp(caller.user_id).await?.is_some_and(|f| f.enabled_at.is_some());
    let recovery_codes_left = state.factors.recovery_codes_left(caller.user_id).await?;
    Ok(Json(FactorStatus { totp, recovery_codes_left }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordAgain {
    /// The account's password.
    password: String,
}

/// A new authenticator secret, shown once: scan `qr_svg` or type `secret` into the app, then
/// confirm with a code (`/api/v1/auth/totp/enable`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpSetup {
    /// Base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://totp/…` URI the QR code holds.
    pub uri: String,
    /// The URI as a QR code (an SVG document).
    pub qr_svg: String,
}

/// Start enrolling an authenticator app (the password again). Replaces an unconfirmed
/// enrolment; with a confirmed one, `conflict` (turn it off first).
#[utoipa::path(post, path = "/api/v1/auth/totp/setup", tag = "auth", operation_id = "setup_totp",
    security(("bearer" = [])), request_body = PasswordAgain,
    responses((status = 200, description = "The secret to enrol", body = TotpSetup)))]
async fn setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    caller: Caller,
    Json(body): Json<PasswordAgain>,
) -> ApiResult<Json<TotpSetup>> {
    let user = state.users.get(caller.user_id).await?;
    reauth::password_again(&state, &user, body.password, "password", addr.map(|a| a.ip())).await?;
    let totp = Totp::generate();
    state.factors.begin_totp(user.id, &state.fields.encrypt(totp.secret(), SECRET_AAD.as_bytes())?).await?;
    let email = state.fields.decrypt_str(&user.email_cipher, "user.email")?;
    let uri = totp.uri(mail::SERVICE, &email);
    let qr_svg = qr_svg(&uri)?;
    Ok(Json(TotpSetup { secret: totp.secret_base32(), uri, qr_svg }))
}

/// `text` as a QR code in SVG, black on white with the standard quiet zone.
fn qr_svg(text: &str) -> ApiResult<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).map_err(|e| {
        tracing::error!(error = %e, "cannot draw the QR code");
        ApiError::internal()
    })?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The 6-digit code the app shows now.
    code: String,
}

/// Recovery codes, shown once: each lets its holder in once instead of a TOTP code.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Confirm the enrolment with a code from the app: from now on logins need a code. Answers
/// the first recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/totp/enable", tag = "auth", operation_id = "enable_totp",
    security(("bearer" = [])), request_body = TotpCode,
    responses((status = 200, description = "On; the recovery codes", body = RecoveryCodes)))]
async fn enable(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Json(body): Json<TotpCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    let user = state.users.get(caller.user_id).await?;
    let ip = addr.map(|a| a.ip());
    state.throttle.check(&user.email_index, ip).await?;
    let pending = match state.factors.totp(user.id).await? {
        Some(f) if f.enabled_at.is_none() => f,
        Some(_) => return Err(already_on()),
        None => return Err(ApiError::invalid("start with /api/v1/auth/totp/setup").with_field("code")),
    };
    let totp = second_factor::totp_of(&state, &pending.secret_cipher)?;
    let now = fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock);
    let Some(step) = totp.verify(&body.code, now, None) else {
        state.throttle.failed(&user.email_index, ip).await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            kit::error::codes::SECOND_FACTOR_INVALID,
            "the code is wrong or expired: check the phone's clock",
        )
        .with_field("code"));
    };
    let codes = recovery_codes(RECOVERY_CODES);
    if !state.factors.enable_totp(user.id, step as i64, &hashes(&codes)).await? {
        return Err(already_on());
    }
    audit::record(&state, user.id, AuditKind::SecondFactorOn, &origin).await;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// The password and a current code (or a recovery code): what removing or replacing a factor asks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUp {
    password: String,
    /// A code from the authenticator app.
    totp_code: Option<String>,
    /// Or one of the recovery codes.
    recovery_code: Option<String>,
}

/// Check a step-up: the password, then a code of the confirmed factor.
async fn step_up(state: &AppState, caller: &Caller, body: StepUp, addr: Option<std::net::IpAddr>) -> ApiResult<Passed> {
    let user = state.users.get(caller.user_id).await?;
    reauth::password_again(state, &user, body.password, "password", addr).await?;
    let Some(factor) = second_factor::confirmed(state, user.id).await? else {
        return Err(ApiError::invalid("two-step verification is off").with_field("totp_code"));
    };
    let proof = Proof { totp_code: body.totp_code, recovery_code: body.recovery_code };
    second_factor::check(state, &user, &factor, proof, StatusCode::FORBIDDEN, addr).await
}

/// Turn two-step verification off (the password and a code again). Recovery codes go with it.
#[utoipa::path(post, path = "/api/v1/auth/totp/disable", tag = "auth", operation_id = "disable_totp",
    security(("bearer" = [])), request_body = StepUp, responses((status = 204, description = "Off")))]
async fn disable(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Json(body): Json<StepUp>,
) -> ApiResult<StatusCode> {
    let passed = step_up(&state, &caller, body, addr.map(|a| a.ip())).await?;
    second_factor::note(&state, caller.user_id, passed, &origin).await;
    state.factors.remove_totp(caller.user_id).await?;
    state.devices.forget_all(caller.user_id).await?;
    audit::record(&state, caller.user_id, AuditKind::SecondFactorOff, &origin).await;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes (the password and a code again); the old ones stop working.
#[utoipa::path(post, path = "/api/v1/auth/recovery-codes", tag = "auth", operation_id = "renew_recovery_codes",
    security(("bearer" = [])), request_body = StepUp,
    responses((status = 200, description = "The new recovery codes", body = RecoveryCodes)))]
async fn renew_codes(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Json(body): Json<StepUp>,
) -> ApiResult<Json<RecoveryCodes>> {
    let passed = step_up(&state, &caller, body, addr.map(|a| a.ip())).await?;
    second_factor::note(&state, caller.user_id, passed, &origin).await;
    let codes = recovery_codes(RECOVERY_CODES);
    state.factors.replace_recovery_codes(caller.user_id, &hashes(&codes)).await?;
    audit::record(&state, caller.user_id, AuditKind::RecoveryCodesRenewed, &origin).await;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// What is stored of recovery codes.
fn hashes(codes: &[String]) -> Vec<String> {
    codes.iter().map(|c| second_factor::recovery_code_hash(c)).collect()
}

fn already_on() -> ApiError {
    fotobase::Error::new(fotobase::ErrorKind::Conflict, "two-step verification is already on").into()
}

/// The two-step verification part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(status, setup, enable, disable, renew_codes))]
pub struct Api;
