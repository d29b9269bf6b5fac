//! Each account's security events (sign-ins and their failures, password and address changes,
//! sessions ended, what admins did to it), newest first, for the account holder and admins:
//! "was that me?" needs when, from where and with what.

use std::sync::Arc;

use serde::Serialize;
use sqlx::Row as _;

use super::page::{self, Page};
use super::{Db, db_err};
use fotobase::Result;
use fotobase_auth::clock::{Clock, SystemClock};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    SignedIn,
    SignInFailed,
    SignedOut,
    SignedOutEverywhere,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailVerified,
    /// A refresh token was presented twice: its whole session family was ended.
    RefreshReused,
    Disabled,
    Enabled,
    RoleGranted,
    RoleRevoked,
    QuotaSet,
    /// A second factor (TOTP) was confirmed.
    SecondFactorOn,
    /// The second factor was turned off (by its holder, with a step-up).
    SecondFactorOff,
    /// A wrong or replayed second-factor code after a right password.
    SecondFactorFailed,
    /// A recovery code was spent.
    RecoveryCodeUsed,
    /// New recovery codes replaced the old ones.
    RecoveryCodesRenewed,
    /// A link to move the account to another address was sent there.
    EmailChangeRequested,
    /// The account moved to another address (its link was followed).
    EmailChanged,
    /// An account at an OpenID Connect provider was linked (at sign-in, with the password).
    IdentityLinked,
    /// A linked provider account was unlinked by the holder.
    IdentityUnlinked,
    /// A passkey was added (with the password again).
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
}

impl AuditKind {
    const ALL: &[AuditKind] = &[
        AuditKind::SignedIn,
        AuditKind::SignInFailed,
        AuditKind::SignedOut,
        AuditKind::SignedOutEverywhere,
        AuditKind::PasswordChanged,
        AuditKind::PasswordResetRequested,
        AuditKind::PasswordReset,
        AuditKind::EmailVerified,
        AuditKind::RefreshReused,
        AuditKind::Disabled,
        AuditKind::Enabled,
        AuditKind::RoleGranted,
        AuditKind::RoleRevoked,
        AuditKind::QuotaSet,
        AuditKind::SecondFactorOn,
        AuditKind::SecondFactorOff,
        AuditKind::SecondFactorFailed,
        AuditKind::RecoveryCodeUsed,
        AuditKind::RecoveryCodesRenewed,
        AuditKind::EmailChangeRequested,
        AuditKind::EmailChanged,
        AuditKind::IdentityLinked,
        AuditKind::IdentityUnlinked,
        AuditKind::PasskeyAdded,
        AuditKind::PasskeyRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignedIn => "signed_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::SignedOut => "signed_out",
            AuditKind::SignedOutEverywhere => "signed_out_everywhere",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::PasswordResetRequested => "password_reset_requested",
            AuditKind::PasswordReset => "password_reset",
            AuditKind::EmailVerified => "email_verified",
            AuditKind::RefreshReused => "refresh_reused",
            AuditKind::Disabled => "disabled",
            AuditKind::Enabled => "enabled",
            AuditKind::RoleGranted => "role_granted",
            AuditKind::RoleRevoked => "role_revoked",
            AuditKind::QuotaSet => "quota_set",
            AuditKind::SecondFactorOn => "second_factor_on",
            AuditKind::SecondFactorOff => "second_factor_off",
            AuditKind::SecondFactorFailed => "second_factor_failed",
            AuditKind::RecoveryCodeUsed => "recovery_code_used",
            AuditKind::RecoveryCodesRenewed => "recovery_codes_renewed",
            AuditKind::EmailChangeRequested => "email_change_requested",
            AuditKind::EmailChanged => "email_changed",
            AuditKind::IdentityLinked => "identity_linked",
            AuditKind::IdentityUnlinked => "identity_unlinked",
            AuditKind::PasskeyAdded => "passkey_added",
            AuditKind::PasskeyRemoved => "passkey_removed",
        }
    }

    fn parse(s: &str) -> Option<AuditKind> {
        AuditKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// Where an event came from: the client's address and user agent, and the admin who acted on
/// someone else's account.
#[derive(Debug, Clone, Default)]
pub struct AuditSource {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub actor_id: Option<i64>,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub user_id: i64,
    pub kind: AuditKind,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The admin who did it, when not the account itself.
    pub actor_id: Option<i64>,
    pub created_at: i64,
}

/// Typed access to `audit_events`.
#[derive(Debug, Clone)]
pub struct Audit {
    db: Db,
    clock: Arc<dyn Clock>,
}

impl Audit {
    pub fn new(db: Db) -> Self {
        Audit { db, clock: Arc::new(SystemClock) }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Record an event of `user`'s account.
    pub async fn record(&self, user: i64, kind: AuditKind, source: &AuditSource) -> Result<()> {
        let q = self.db.sql(
            "INSERT INTO audit_events (user_id, kind, ip, user_agent, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        );
        let ua = source.user_agent.as_deref().map(|u| u.chars().take(255).collect::<String>());
        sqlx::query(&q)
            .bind(user)
            .bind(kind.as_str())
            .bind(source.ip.as_deref())
            .bind(ua)
            .bind(source.actor_id)
            .bind(self.clock.now())
            .execute(self.db.pool())
            .await
            .map_err(|e| db_err("cannot record event", e))?;
        Ok(())
    }

    /// `user`'s events, newest first, a page at a time.
    pub async fn list(&self, user: i64, cursor: Option<&str>, limit: u32) -> Result<Page<AuditEvent>> {
        let limit = page::page_size(limit);
        let before = match cursor {
            Some(c) => page::decode(c, 1)?[0],
            None => i64::MAX,
        };
        let q = self.db.sql(
            "SELECT id, user_id, kind, ip, user_agent, actor_id, created_at FROM audit_events \
             WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        );
        let rows = sqlx::query(&q)
            .bind(user)
            .bind(before)
            .bind(i64::from(limit) + 1)
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| db_err("cannot list events", e))?;
        let get = |e: sqlx::Error| db_err("bad event row", e);
        let events = rows
            .iter()
            .filter_map(|r| {
                let kind: String = r.try_get("kind").ok()?;
                // A kind this version does not know (written by a newer one) is left out.
                Some((AuditKind::parse(&kind)?, r))
            })
            .map(|(kind, r)| {
                Ok(AuditEvent {
                    id: r.try_get("id").map_err(get)?,
                    user_id: r.try_get("user_id").map_err(get)?,
                    kind,
                    ip: r.try_get("ip").map_err(get)?,
                    user_agent: r.try_get("user_agent").map_err(get)?,
                    actor_id: r.try_get("actor_id").map_err(get)?,
                    created_at: r.try_get("created_at").map_err(get)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page::finish(events, limit, |e| vec![e.id]))
    }

    /// Forget events older than `before` (unix seconds); how many went.
    pub async fn purge(&self, before: i64) -> Result<u64> {
        let q = self.db.sql("DELETE FROM audit_events WHERE created_at < ?");
        let done =
            sqlx::query(&q).bind(before).execute(self.db.pool()).await.map_err(|e| db_err("cannot purge events", e))?;
        Ok(done.rows_affected())
    }
}
