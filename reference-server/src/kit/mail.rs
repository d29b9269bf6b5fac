//! Account e-mail as the services send it: single-use links (a random token, its hash stored),
//! and sending off the request path, so an answer takes as long whether or not a message went
//! out (a reset request for an unknown address must look like one for a known address).

use fotobase_auth::field::normalize_email;
use fotobase_auth::mail::Mail;
use fotobase_store::db::{EmailPurpose, NewAddress};

use crate::kit::{self, ApiError, ApiResult};
use crate::state::AppState;

/// How long a verification link works.
pub const VERIFY_HOURS: u64 = 48;
/// How long a password-reset link works.
pub const RESET_MINUTES: u64 = 30;

/// A plausible address, normalised: one `@`, something on both sides, no spaces, ≤ 254 bytes;
/// a refusal names the request member `field`.
pub fn checked_address(email: &str, field: &'static str) -> ApiResult<String> {
    let e = normalize_email(email);
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && matches!(e.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok { Ok(e) } else { Err(ApiError::invalid(format!("{field} is not a valid address")).with_field(field)) }
}

/// An address with its local part hidden but for the first character (`a***@example.com`), for
/// a message to someone who should recognise it without reading it in full.
pub fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

/// A new single-use link for `user` to the web UI's `page` (`verify-email`, `reset-password`);
/// earlier links of the same purpose stop working.
pub async fn link(state: &AppState, user: i64, purpose: EmailPurpose, page: &str) -> ApiResult<String> {
    let token = kit::random_token();
    state.email_tokens.create(user, purpose, &kit::token_hash(&token), ttl_secs(purpose)).await?;
    Ok(page_link(state, page, &token))
}

/// A new single-use link (the web UI's `confirm-email` page) that moves `user` to `to` when
/// followed; an earlier change link stops working.
pub async fn change_link(state: &AppState, user: i64, to: &NewAddress) -> ApiResult<String> {
    let token = kit::random_token();
    let ttl = ttl_secs(EmailPurpose::ChangeEmail);
    state.email_tokens.create_change(user, &kit::token_hash(&token), ttl, to).await?;
    Ok(page_link(state, "confirm-email", &token))
}

/// How long a link of `purpose` works: a change of address as long as a verification.
fn ttl_secs(purpose: EmailPurpose) -> i64 {
    let secs = match purpose {
        EmailPurpose::Verify | EmailPurpose::ChangeEmail => VERIFY_HOURS * 3600,
        EmailPurpose::Reset => RESET_MINUTES * 60,
    };
    secs as i64
}

fn page_link(state: &AppState, page: &str, token: &str) -> String {
    format!("{}/{page}?token={token}", state.config.public_url())
}

/// Send `mail` in the background; a failure is logged (without the message) and not the
/// request's.
pub fn send_later(state: &AppState, mail: Mail) {
    let mailer = state.mailer.clone();
    tokio::spawn(async move {
        if let Err(e) = mailer.send(&mail).await {
            tracing::warn!(error = %e, subject = %mail.subject, "account e-mail not sent");
        }
    });
}

/// The name mails call the service by.
pub const SERVICE: &str = "fotobase";

/// Mail a new verification link for `user` to `to`.
pub async fn send_verification(state: &AppState, user: i64, to: &str) -> ApiResult<()> {
    let link = link(state, user, EmailPurpose::Verify, "verify-email").await?;
    send_later(state, Mail::verification(to, SERVICE, &link, VERIFY_HOURS));
    Ok(())
}

/// The answer to a request whose outcome only a mailbox learns.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Pending {
    /// `check_email`.
    pub status: &'static str,
}

impl Pending {
    pub const CHECK_EMAIL: Pending = Pending { status: "check_email" };
}
