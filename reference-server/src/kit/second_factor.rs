//! The second factor as login and step-ups check it: a TOTP code of the account's confirmed
//! factor (each time step taken once, by a compare-and-set in the database) or one of its unused
//! recovery codes. A wrong code counts as a failed login of the account, so guessing codes is
//! as slow as guessing passwords; a missing one is answered `second_factor_required`, which
//! clients meet only after a right password.

use std::net::IpAddr;

use axum::http::StatusCode;
use fotobase_auth::clock::{Clock as _, SystemClock};
use fotobase_auth::totp::{Totp, normalize_recovery_code};
use fotobase_store::db::{AuditKind, AuditSource, User};

use super::error::codes;
use super::{ApiError, ApiResult};
use crate::state::AppState;

/// What the client sent as its second factor.
#[derive(Debug, Default)]
pub struct Proof {
    pub totp_code: Option<String>,
    pub recovery_code: Option<String>,
}

/// Which kind of proof was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    Totp,
    RecoveryCode,
    /// A passkey of the account, instead of the app's code.
    Passkey,
}

/// The field-encryption context of TOTP secrets (bound to the column).
pub const SECRET_AAD: &str = "totp_factors.secret";

/// A confirmed TOTP factor: its generator and the last time step a code was taken for.
#[derive(Debug)]
pub struct Confirmed {
    pub totp: Totp,
    pub last_step: u64,
}

/// The account's confirmed TOTP factor, if it has one (one read, which [`check`] reuses).
pub async fn confirmed(state: &AppState, user: i64) -> ApiResult<Option<Confirmed>> {
    match state.factors.totp(user).await? {
        Some(f) if f.enabled_at.is_some() => {
            Ok(Some(Confirmed { totp: totp_of(state, &f.secret_cipher)?, last_step: f.last_step as u64 }))
        }
        _ => Ok(None),
    }
}

/// The generator of a stored (encrypted) secret.
pub fn totp_of(state: &AppState, secret_cipher: &str) -> ApiResult<Totp> {
    let secret = state.fields.decrypt(secret_cipher, SECRET_AAD.as_bytes())?;
    Ok(Totp::from_secret(&secret)?)
}

/// Check `proof` against `user`'s confirmed `factor`. Wrong answers are `status`
/// (401 at login, 403 for a signed-in caller's step-up) with code `second_factor_invalid`.
pub async fn check(
    state: &AppState,
    user: &User,
    factor: &Confirmed,
    proof: Proof,
    status: StatusCode,
    ip: Option<IpAddr>,
) -> ApiResult<Passed> {
    let passed = match (proof.totp_code, proof.recovery_code) {
        (None, None) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::SECOND_FACTOR_REQUIRED,
                "this account has two-step verification: send `totp_code` (or a `recovery_code`) too",
            ));
        }
        (Some(code), _) => {
            // A step at or before `last_step` is refused here; one taken since that read is refused
            // by the database: of two requests with one code, one passes.
            match factor.totp.verify(&code, SystemClock.now(), Some(factor.last_step)) {
                Some(step) => state.factors.take_totp_step(user.id, step as i64).await?.then_some(Passed::Totp),
                None => None,
            }
        }
        (None, Some(code)) => {
            state.factors.take_recovery_code(user.id, &recovery_code_hash(&code)).await?.then_some(Passed::RecoveryCode)
        }
    };
    match passed {
        Some(p) => Ok(p),
        None => {
            state.throttle.failed(&user.email_index, ip).await?;
            Err(ApiError::new(status, codes::SECOND_FACTOR_INVALID, "the code is wrong, used or expired")
                .with_field("totp_code"))
        }
    }
}

/// A passkey given at the code step instead of the app's code (an assertion to this browser's
/// passkey sign-in ceremony, `kit::passkeys`): it must be one of `user`'s. Wrong answers count
/// like wrong codes.
pub async fn check_passkey(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    user: &User,
    cred: &fotobase_auth::webauthn::AuthenticationResponse,
    origin: &AuditSource,
    ip: Option<IpAddr>,
) -> ApiResult<Passed> {
    match super::passkeys::assertion(state, headers, cred, origin).await {
        Ok(owner) if owner.id == user.id => Ok(Passed::Passkey),
        Err(e) if e.code == super::error::codes::PASSKEYS_OFF => Err(e),
        _ => {
            state.throttle.failed(&user.email_index, ip).await?;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::SECOND_FACTOR_INVALID,
                "that passkey is not this account's, or its answer did not verify",
            )
            .with_field("passkey"))
        }
    }
}

/// What is stored of a recovery code, typed loosely or as issued: the SHA-256 of its normal form.
pub fn recovery_code_hash(code: &str) -> String {
    super::token_hash(&normalize_recovery_code(code))
}

/// The end of a sign-in's second-factor step: a pass is noted, a wrong answer recorded as a
/// failed second factor in the account's security events; the error goes on to the client.
pub async fn settle(state: &AppState, user: i64, result: ApiResult<Passed>, origin: &AuditSource) -> ApiResult<()> {
    match result {
        Ok(passed) => {
            note(state, user, passed, origin).await;
            Ok(())
        }
        Err(e) => {
            if e.code == codes::SECOND_FACTOR_INVALID {
                super::audit::record(state, user, AuditKind::SecondFactorFailed, origin).await;
            }
            Err(e)
        }
    }
}

/// Record a spent recovery code in the account's security events.
pub async fn note(state: &AppState, user: i64, passed: Passed, origin: &AuditSource) {
    if passed == Passed::RecoveryCode {
        super::audit::record(state, user, AuditKind::RecoveryCodeUsed, origin).await;
    }
}
