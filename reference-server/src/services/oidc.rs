//! Sign-in with OpenID Connect providers (`[[oidc]]` in the config): the authorization code flow
//! with PKCE, `state` bound to the browser by an encrypted cookie, the ID token checked against
//! the provider's keys (`fotobase_auth::oidc`).
//!
//! Who the person becomes: the account already linked to their provider account; else, if the
//! provider vouches for an e-mail address that has an account, that account once they confirm
//! with its password (linking by address alone would hand the account to whoever controls an
//! identity provider that claims the address); else a new account, where sign-up is open. An
//! account with two-step verification asks for its code after the provider, as after a password.
//!
//! The browser leaves and comes back by redirects, so failures come back as redirects too:
//! `/login?oidc_error=<code>`, a code from `kit::error::codes`.

use std::net::IpAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use fotobase_auth::clock::{Clock as _, SystemClock};
use fotobase_auth::field::normalize_email;
use fotobase_auth::oidc::{self as protocol, Challenge, IdClaims};
use fotobase_store::db::{AuditKind, AuditSource, NewUser, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::Registration;
use crate::kit::audit::{self, Origin};
use crate::kit::error::codes;
use crate::kit::extract::ClientAddr;
use crate::kit::oidc::{FLOW_COOKIE, FLOW_SECS, Flow, Provider, TICKET_COOKIE, Ticket, local_path};
use crate::kit::reauth::{self, Confirm};
use crate::kit::second_factor::{self, Proof};
use crate::kit::signin::{self, TokenResponse};
use crate::kit::{ApiError, ApiResult, Caller, Json, Path, Query, cookies, ids};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/auth/oidc/providers", get(providers))
        .route("/api/v1/auth/oidc/{provider}/start", get(start))
        .route("/api/v1/auth/oidc/{provider}/callback", get(callback))
        .route("/api/v1/auth/oidc/complete", post(complete))
        .route("/api/v1/auth/oidc/identities", get(identities))
        .route("/api/v1/auth/oidc/identities/{provider}", delete(unlink))
        .with_state(state)
}

/// A provider offered at sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    /// As in `/api/v1/auth/oidc/{id}/start`.
    id: String,
    /// What the button says: "Sign in with {name}".
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderList {
    providers: Vec<ProviderView>,
}

/// The OpenID Connect providers people may sign in with (none unless configured).
#[utoipa::path(get, path = "/api/v1/auth/oidc/providers", tag = "auth", operation_id = "oidc_providers",
    responses((status = 200, description = "The providers", body = ProviderList)))]
async fn providers(State(state): State<AppState>) -> Json<ProviderList> {
    let providers = state
        .oidc
        .all()
        .iter()
        .map(|p| ProviderView { id: p.config.id.clone(), name: p.config.name.clone() })
        .collect();
    Json(ProviderList { providers })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StartQuery {
    /// A path on this site to land on afterwards (anything else: `/`).
    return_to: Option<String>,
}

/// Start signing in with a provider: a redirect there (a browser navigation, not a fetch).
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/start", tag = "auth", operation_id = "oidc_start",
    params(("provider" = String, Path, description = "The provider's id"), StartQuery),
    responses((status = 303, description = "To the provider's authorization endpoint")))]
async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(q): Query<StartQuery>,
) -> ApiResult<Response> {
    let p = provider_of(&state, &provider)?;
    // A browser navigation: a provider that cannot be reached is said on the sign-in page.
    let meta = match state.oidc.metadata(p).await {
        Ok(meta) => meta,
        Err(e) => {
            tracing::warn!(provider, error = %e, "cannot read the provider's discovery document");
            return Ok(redirect(&format!("/login?oidc_error={}", codes::OIDC_FAILED), []));
        }
    };
    let challenge = Challenge::new();
    let url = protocol::authorization_url(&meta, &p.client, &challenge)?;
    let flow = Flow {
        provider: provider.clone(),
        state: challenge.state,
        nonce: challenge.nonce,
        verifier: challenge.code_verifier,
        return_to: local_path(q.return_to.as_deref()),
        expires_at: SystemClock.now() + FLOW_SECS,
    };
    let cookie = FLOW_COOKIE.seal(&state.fields, &flow)?;
    Ok(redirect(&url, [cookie]))
}

/// What the provider sends back. Providers add members of their own (`session_state`, …).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// RFC 9207: the issuer of the answer, checked when present (mix-up attacks).
    iss: Option<String>,
    /// `access_denied` when the person said no.
    error: Option<String>,
}

/// Where the provider sends the browser back: signs in and redirects to the `return_to` of the
/// start, or to `/login?oidc=link|second_factor&provider=…` when the person must confirm, or to
/// `/login?oidc_error=<code>`.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/callback", tag = "auth", operation_id = "oidc_callback",
    params(("provider" = String, Path, description = "The provider's id"), CallbackQuery),
    responses((status = 303, description = "Back into the app")))]
async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(q): Query<CallbackQuery>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    headers: HeaderMap,
) -> Response {
    let flow: Option<Flow> = FLOW_COOKIE.open(&state.fields, &headers);
    let done = FLOW_COOKIE.clear();
    let fail = |code: &str| redirect(&format!("/login?oidc_error={code}"), [done.clone()]);
    let Some(flow) = flow.filter(|f| f.provider == provider && f.expires_at > SystemClock.now()) else {
        return fail(codes::OIDC_INVALID);
    };
    let Some(p) = state.oidc.get(&provider) else { return fail(codes::OIDC_INVALID) };
    if let Some(error) = &q.error {
        tracing::info!(provider, error = %error.chars().take(64).collect::<String>(), "provider declined the sign-in");
        return fail(if error == "access_denied" { codes::OIDC_DENIED } else { codes::OIDC_FAILED });
    }
    if !q.state.as_deref().is_some_and(|s| protocol::same(s, &flow.state)) {
        return fail(codes::OIDC_INVALID);
    }
    let Some(code) = q.code.as_deref().filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return fail(codes::OIDC_INVALID);
    };
    if let Some(iss) = &q.iss
        && *iss != p.config.issuer
    {
        return fail(codes::OIDC_FAILED);
    }
    let claims = match state.oidc.sign_in(p, code, &flow.challenge()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(provider, code = e.kind().code(), error = %e, "OpenID Connect sign-in failed");
            return fail(codes::OIDC_FAILED);
        }
    };
    let ip = addr.map(|a| a.ip());
    match arrive(&state, p, &claims, flow.return_to, &origin, (&headers, ip)).await {
        Ok(mut res) => {
            res.headers_mut().append(header::SET_COOKIE, done);
            res
        }
        Err(e) => {
            if e.status.is_server_error() {
                tracing::warn!(provider, code = e.code, detail = %e.detail, "OpenID Connect sign-in failed");
            }
            fail(e.code)
        }
    }
}

/// The account a verified provider identity leads to: signed in, or a ticket to confirm.
async fn arrive(
    state: &AppState,
    p: &Provider,
    claims: &IdClaims,
    return_to: String,
    origin: &AuditSource,
    (headers, ip): (&HeaderMap, Option<IpAddr>),
) -> ApiResult<Response> {
    let provider = &p.config.id;
    let ticket = |user: &User, link: bool| -> ApiResult<Response> {
        let t = Ticket {
            provider: provider.clone(),
            subject: claims.sub.clone(),
            user_id: user.id,
            link,
            return_to: return_to.clone(),
            expires_at: SystemClock.now() + FLOW_SECS,
        };
        let cookie = TICKET_COOKIE.seal(&state.fields, &t)?;
        let what = if link { "link" } else { "second_factor" };
        let mut to = format!("/login?oidc={what}&provider={provider}");
        if return_to != "/" {
            to.push_str("&next=");
            to.extend(url::form_urlencoded::byte_serialize(return_to.as_bytes()));
        }
        Ok(redirect(&to, [cookie]))
    };
    if let Some(id) = state.identities.account_of(provider, &claims.sub).await? {
        let user = usable(state.users.get(id).await?)?;
        if second_factor::confirmed(state, user.id).await?.is_some() {
            return ticket(&user, false);
        }
        let cookies = session_for(state, &user, headers, ip, origin).await?;
        return Ok(redirect(&return_to, cookies));
    }
    let email = claims.verified_email().map(normalize_email).ok_or_else(|| {
        ApiError::new(StatusCode::FORBIDDEN, codes::OIDC_EMAIL_UNVERIFIED, "the provider vouches for no e-mail address")
    })?;
    let index = state.blind.email(&email);
    if let Some(user) = state.users.by_email_index(&index).await? {
        // Only the account's holder may link it: the password (and code) come next.
        return ticket(&usable(user)?, true);
    }
    if state.config.registration != Registration::Open {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::REGISTRATION_CLOSED,
            "sign-up is closed on this server",
        ));
    }
    let user = new_account(state, &email, claims).await?;
    state.identities.link(provider, &claims.sub, user.id).await?;
    audit::record(state, user.id, AuditKind::IdentityLinked, origin).await;
    let cookies = session_for(state, &user, headers, ip, origin).await?;
    Ok(redirect(&return_to, cookies))
}

/// An account for a person the provider vouches for. Its password is random and never shown:
/// the holder signs in through the provider, or sets one with a password reset.
async fn new_account(state: &AppState, email: &str, claims: &IdClaims) -> ApiResult<User> {
    let hasher = state.hasher.clone();
    let secret = fotobase_auth::random::random_hex(32);
    let password_hash = state.hashing.run(move || hasher.hash_unchecked(&secret)).await?;
    let local = email.split('@').next().unwrap_or_default();
    let name = claims.name.as_deref().or(claims.preferred_username.as_deref()).map(str::trim).filter(|n| !n.is_empty());
    let new = NewUser {
        email_cipher: state.fields.encrypt_str(email, "user.email")?,
        email_index: state.blind.email(email),
        password_hash,
        display_name: name.unwrap_or(local).chars().take(100).collect(),
    };
    let user = state.users.create(&new).await?;
    let user = state.users.set_email_verified(user.id).await?;
    tracing::info!(user = %state.public_id(ids::USER, user.id), "account registered through a provider");
    Ok(user)
}

fn usable(user: User) -> ApiResult<User> {
    if user.disabled_at.is_some() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, codes::ACCOUNT_DISABLED, "this account is disabled"));
    }
    Ok(user)
}

/// A new session for `user`: its cookies (the refresh token and the CSRF token).
async fn session_for(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    ip: Option<IpAddr>,
    origin: &AuditSource,
) -> ApiResult<Vec<HeaderValue>> {
    let issued = signin::start(state, user, headers, ip, origin).await?;
    let axum::response::AppendHeaders(set) =
        cookies::session(&issued.refresh_token, state.config.refresh_absolute_ttl_secs);
    Ok(set.into_iter().map(|(_, v)| v).collect())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complete {
    /// To link the provider to an existing account: that account's password.
    password: Option<String>,
    /// With two-step verification on: the authenticator app's current code.
    totp_code: Option<String>,
    /// Or one of the account's recovery codes.
    recovery_code: Option<String>,
}

/// Finish a provider sign-in that needed the person's confirmation (`/login?oidc=link` or
/// `?oidc=second_factor`): answers like a browser login (`cookie: true`).
#[utoipa::path(post, path = "/api/v1/auth/oidc/complete", tag = "auth", operation_id = "oidc_complete",
    request_body = Complete,
    responses((status = 200, description = "Signed in; the session is in cookies", body = TokenResponse)))]
async fn complete(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    headers: HeaderMap,
    Json(body): Json<Complete>,
) -> ApiResult<Response> {
    let ticket: Ticket = TICKET_COOKIE
        .open(&state.fields, &headers)
        .filter(|t: &Ticket| t.expires_at > SystemClock.now() && state.oidc.get(&t.provider).is_some())
        .ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, codes::OIDC_INVALID, "no sign-in to finish here: start again")
        })?;
    let ip = addr.map(|a| a.ip());
    let user = usable(state.users.get(ticket.user_id).await?)?;
    if ticket.link {
        // 401 like a login's wrong password: this is a sign-in, not a signed-in caller's step-up.
        let wrong = |e: ApiError| ApiError { status: StatusCode::UNAUTHORIZED, ..e };
        let password = body.password.ok_or_else(|| {
            wrong(ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::INVALID_CREDENTIALS,
                "the account's password is needed",
            ))
            .with_field("password")
        })?;
        if let Err(e) = reauth::password_again(&state, &user, password, "password", ip).await {
            if e.code != codes::INVALID_CREDENTIALS {
                return Err(e);
            }
            audit::record(&state, user.id, AuditKind::SignInFailed, &origin).await;
            return Err(wrong(e));
        }
    }
    if let Some(factor) = second_factor::confirmed(&state, user.id).await? {
        let proof = Proof { totp_code: body.totp_code, recovery_code: body.recovery_code };
        let passed = second_factor::check(&state, &user, &factor, proof, StatusCode::UNAUTHORIZED, ip).await;
        second_factor::settle(&state, user.id, passed, &origin).await?;
    }
    if ticket.link {
        match state.identities.link(&ticket.provider, &ticket.subject, user.id).await {
            Ok(()) => audit::record(&state, user.id, AuditKind::IdentityLinked, &origin).await,
            // Linked meanwhile (a second tab): fine if to this account.
            Err(e) if state.identities.account_of(&ticket.provider, &ticket.subject).await? == Some(user.id) => {
                tracing::debug!(error = %e, "identity already linked");
            }
            Err(e) => return Err(e.into()),
        }
        if user.email_verified_at.is_none() {
            // The provider vouched for the address and the holder proved the password.
            state.users.set_email_verified(user.id).await?;
        }
    }
    let issued = signin::start(&state, &user, &headers, ip, &origin).await?;
    let mut res = signin::respond(&state, issued, true);
    res.headers_mut().append(header::SET_COOKIE, TICKET_COOKIE.clear());
    Ok(res)
}

/// A provider account linked to the caller's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityView {
    provider: String,
    /// The provider's display name (the id if it is no longer configured).
    name: String,
    /// Unix seconds.
    linked_at: i64,
    /// Unix seconds: the last sign-in through it.
    last_used_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityList {
    identities: Vec<IdentityView>,
}

/// The provider accounts linked to the caller's account.
#[utoipa::path(get, path = "/api/v1/auth/oidc/identities", tag = "auth", operation_id = "oidc_identities",
    security(("bearer" = [])), responses((status = 200, description = "Linked providers", body = IdentityList)))]
async fn identities(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<IdentityList>> {
    let identities = state
        .identities
        .of_user(caller.user_id)
        .await?
        .into_iter()
        .map(|i| IdentityView {
            name: state.oidc.get(&i.provider).map_or_else(|| i.provider.clone(), |p| p.config.name.clone()),
            provider: i.provider,
            linked_at: i.created_at,
            last_used_at: i.last_used_at,
        })
        .collect();
    Ok(Json(IdentityList { identities }))
}

/// Unlink a provider from the caller's account (signing in with it then makes no use of this
/// account until linked again with the password): the password again (and a code with two-step
/// verification on).
#[utoipa::path(delete, path = "/api/v1/auth/oidc/identities/{provider}", tag = "auth", operation_id = "oidc_unlink",
    security(("bearer" = [])), params(("provider" = String, Path, description = "The provider's id")),
    request_body = Confirm, responses((status = 204, description = "Unlinked")))]
async fn unlink(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Origin(origin): Origin,
    caller: Caller,
    Path(provider): Path<String>,
    Json(body): Json<Confirm>,
) -> ApiResult<StatusCode> {
    reauth::confirm(&state, &caller, body, addr.map(|a| a.ip()), &origin).await?;
    if !state.identities.unlink(caller.user_id, &provider).await? {
        return Err(ApiError::not_found("linked provider"));
    }
    audit::record(&state, caller.user_id, AuditKind::IdentityUnlinked, &origin).await;
    Ok(StatusCode::NO_CONTENT)
}

fn provider_of<'a>(state: &'a AppState, id: &str) -> ApiResult<&'a Provider> {
    state.oidc.get(id).ok_or_else(|| ApiError::not_found("provider"))
}

/// `303 See Other` to `location`, setting `cookies`.
fn redirect(location: &str, cookies: impl IntoIterator<Item = HeaderValue>) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(providers, start, callback, complete, identities, unlink))]
pub struct Api;
