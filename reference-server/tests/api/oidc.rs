//! Sign-in with an OpenID Connect provider, against a provider served by the test on loopback
//! (discovery, JWKS and a token endpoint that checks the client secret and PKCE, like a real
//! one), which can also answer the way attackers and broken providers do. The whole redirect
//! flow in a browser against a certified provider is `web/e2e/oidc.test.mjs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, Method, header};
use axum::routing::{get, post};
use fotobase_auth::Clock as _;
use fotobase_auth::token::{Algorithm, Key};
use fotobase_server::config::OidcProvider;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::harness::{App, PASSWORD, Res};

const SECRET: &str = "s3cret with spaces:and colons";

/// What the provider puts in (or does to) the next ID token.
#[derive(Clone, Default)]
struct Twist {
    claims: Value,
    /// Sign with a key the provider does not publish.
    foreign_key: bool,
    /// Leave the e-mail out of the ID token and answer this at the UserInfo endpoint.
    userinfo: Option<Value>,
}

/// What a code stands for: the authorization request it answers, the claims to issue, and
/// whether to sign them with the unpublished key.
type Grant = (HashMap<String, String>, Value, bool);

#[derive(Clone)]
struct Idp {
    issuer: String,
    key: Arc<Key>,
    stranger: Arc<Key>,
    /// Codes handed out.
    codes: Arc<Mutex<HashMap<String, Grant>>>,
    /// What UserInfo answers per access token.
    userinfo: Arc<Mutex<HashMap<String, Value>>>,
    token_requests: Arc<Mutex<u32>>,
}

impl Idp {
    async fn start() -> Idp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let idp = Idp {
            issuer,
            key: Arc::new(Key::generate(Algorithm::ES256).unwrap()),
            stranger: Arc::new(Key::generate(Algorithm::ES256).unwrap()),
            codes: Default::default(),
            userinfo: Default::default(),
            token_requests: Default::default(),
        };
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        idp
    }

    fn provider(&self) -> OidcProvider {
        OidcProvider {
            id: "test".into(),
            name: "Test IdP".into(),
            issuer: self.issuer.clone(),
            client_id: "fotobase".into(),
            client_secret: Some(SECRET.into()),
            scopes: vec![],
        }
    }

    /// The person signs in at the provider for the authorization request at `url`: a code.
    fn authorize(&self, url: &str, sub: &str, email: &str, twist: Twist) -> String {
        let q = query_of(url);
        let now = fotobase_auth::SystemClock.now();
        let mut claims = json!({"iss": self.issuer, "sub": sub, "aud": "fotobase", "iat": now, "exp": now + 300,
                                "nonce": q["nonce"], "email": email, "email_verified": true, "name": "Ann Example"});
        if let (Value::Object(c), Value::Object(t)) = (&mut claims, &twist.claims) {
            c.extend(t.clone());
        }
        let code = fotobase_auth::random::random_hex(16);
        if let (Value::Object(c), Some(info)) = (&mut claims, twist.userinfo) {
            c.retain(|k, _| !k.starts_with("email"));
            self.userinfo.lock().unwrap().insert(format!("at-{code}"), info);
        }
        self.codes.lock().unwrap().insert(code.clone(), (q, claims, twist.foreign_key));
        code
    }
}

async fn discovery(State(idp): State<Idp>) -> axum::Json<Value> {
    let i = &idp.issuer;
    axum::Json(
        json!({"issuer": i, "authorization_endpoint": format!("{i}/auth"), "token_endpoint": format!("{i}/token"),
                      "jwks_uri": format!("{i}/jwks"), "userinfo_endpoint": format!("{i}/userinfo"),
                      "response_types_supported": ["code"],
                      "id_token_signing_alg_values_supported": ["ES256"]}),
    )
}

async fn jwks(State(idp): State<Idp>) -> axum::Json<Value> {
    axum::Json(json!({"keys": [idp.key.public_jwk().unwrap()]}))
}

/// A token endpoint as RFC 6749 and 7636 have it: the client authenticated, the code used once,
/// the verifier matching the challenge, the redirect URI the same.
async fn token(
    State(idp): State<Idp>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    *idp.token_requests.lock().unwrap() += 1;
    let refuse = |e: &str| (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({"error": e}))).into_response();
    let basic = fotobase_auth::oidc::basic_auth("fotobase", SECRET);
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some((auth, claims, foreign)) = idp.codes.lock().unwrap().remove(&code) else {
        return refuse("invalid_grant");
    };
    let challenge = fotobase_auth_b64(&sha2::Sha256::digest(form.get("code_verifier").cloned().unwrap_or_default()));
    if form.get("grant_type").map(String::as_str) != Some("authorization_code")
        || auth.get("code_challenge") != Some(&challenge)
        || auth.get("code_challenge_method").map(String::as_str) != Some("S256")
        || form.get("redirect_uri") != auth.get("redirect_uri")
    {
        return refuse("invalid_grant");
    }
    let key = if foreign { &idp.stranger } else { &idp.key };
    axum::Json(json!({"access_token": format!("at-{code}"), "token_type": "Bearer", "id_token": sign(key, &claims)}))
        .into_response()
}

async fn userinfo(State(idp): State<Idp>, headers: HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let token =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| idp.userinfo.lock().unwrap().get(t).cloned()) {
        Some(info) => axum::Json(info).into_response(),
        None => axum::http::StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn fotobase_auth_b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(key: &Key, claims: &Value) -> String {
    let pem = key.private_material().unwrap();
    let enc = jsonwebtoken::EncodingKey::from_ec_pem(pem.expose()).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key.kid().to_owned());
    jsonwebtoken::encode(&header, claims, &enc).unwrap()
}

fn query_of(url: &str) -> HashMap<String, String> {
    let (_, q) = url.split_once('?').unwrap_or((url, ""));
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn location(res: &Res) -> String {
    assert_eq!(res.status.as_u16(), 303, "{}", String::from_utf8_lossy(&res.body));
    res.headers[header::LOCATION].to_str().unwrap().to_owned()
}

/// `name=value` of each `Set-Cookie` (attributes dropped), for the next request's `Cookie`.
fn cookies(res: &Res) -> Vec<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect()
}

fn cookie(res: &Res, name: &str) -> Option<String> {
    cookies(res)
        .into_iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_owned))
        .filter(|v| !v.is_empty())
}

async fn get_with(app: &App, path: &str, cookie: &[String]) -> Res {
    let req = App::req(Method::GET, path, None).header(header::COOKIE, cookie.join("; ")).body(Body::empty()).unwrap();
    app.send(req).await
}

async fn post_with(app: &App, path: &str, cookie: &[String], body: Value) -> Res {
    let mut b = App::req(Method::POST, path, None).header(header::CONTENT_TYPE, "application/json");
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie.join("; "));
    }
    app.send(b.body(Body::from(body.to_string())).unwrap()).await
}

/// Start a sign-in, sign in at the provider as `sub`/`email`, come back: the callback's answer.
async fn round_trip(app: &App, idp: &Idp, return_to: &str, sub: &str, email: &str, twist: Twist) -> Res {
    let started = app.get(&format!("/api/v1/auth/oidc/test/start?return_to={return_to}"), None).await;
    let url = location(&started);
    assert!(url.starts_with(&format!("{}/auth?", idp.issuer)), "{url}");
    let flow = cookies(&started);
    let code = idp.authorize(&url, sub, email, twist);
    let state = &query_of(&url)["state"];
    get_with(app, &format!("/api/v1/auth/oidc/test/callback?code={code}&state={state}"), &flow).await
}

/// The session a callback or completion started: an access token through the cookie refresh.
async fn session_of(app: &App, res: &Res) -> String {
    let refresh = cookie(res, "fotobase_refresh").expect("a session cookie");
    let csrf = cookie(res, "fotobase_csrf").unwrap();
    let req = App::req(Method::POST, "/api/v1/auth/refresh", None)
        .header(header::COOKIE, format!("fotobase_refresh={refresh}; fotobase_csrf={csrf}"))
        .header("x-csrf-token", csrf)
        .body(Body::empty())
        .unwrap();
    app.send(req).await.ok(200)["access_token"].as_str().unwrap().to_owned()
}

async fn app_with(idp: &Idp, tweak: impl FnOnce(&mut fotobase_server::config::Config)) -> App {
    let provider = idp.provider();
    App::with(move |c| {
        c.oidc = vec![provider];
        tweak(c);
    })
    .await
}

#[tokio::test]
async fn new_people_sign_up_through_a_provider_and_come_back_to_their_account() {
    let idp = Idp::start().await;
    let app = app_with(&idp, |_| {}).await;
    let list = app.get("/api/v1/auth/oidc/providers", None).await.ok(200);
    assert_eq!(list, json!({"providers": [{"id": "test", "name": "Test IdP"}]}));

    let back = round_trip(&app, &idp, "/folders", "sub-ann", "Ann@Example.com", Twist::default()).await;
    assert_eq!(location(&back), "/folders");
    assert_eq!(cookie(&back, "fotobase_oidc"), None, "the flow cookie is spent");
    let access = session_of(&app, &back).await;
    let me = app.get("/api/v1/users/me", Some(&access)).await.ok(200);
    assert_eq!((me["email"].as_str(), me["email_verified"].as_bool()), (Some("ann@example.com"), Some(true)));
    assert_eq!(me["display_name"], "Ann Example");
    let linked = app.get("/api/v1/auth/oidc/identities", Some(&access)).await.ok(200);
    assert_eq!(linked["identities"][0]["provider"], "test");
    assert_eq!(linked["identities"][0]["name"], "Test IdP");

    // The next sign-in finds the same account, whatever address the provider now has for them.
    let again = round_trip(&app, &idp, "/", "sub-ann", "ann@new.example", Twist::default()).await;
    assert_eq!(location(&again), "/");
    let access2 = session_of(&app, &again).await;
    assert_eq!(app.get("/api/v1/users/me", Some(&access2)).await.ok(200)["id"], me["id"]);
    let events = app.get("/api/v1/users/me/events", Some(&access2)).await.ok(200);
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(
        kinds.contains(&"identity_linked") && kinds.iter().filter(|k| **k == "signed_in").count() >= 2,
        "{kinds:?}"
    );

    // Unlinking takes the password again: this account's is random (it signed up through the
    // provider), so its token alone unlinks nothing; the holder sets a password first.
    let unlink =
        |body: Option<Value>| app.call(Method::DELETE, "/api/v1/auth/oidc/identities/test", Some(&access2), body);
    assert!(unlink(None).await.status.is_client_error());
    unlink(Some(json!({"password": PASSWORD}))).await.problem(403, "invalid_credentials");
    // (As a password reset would: auth.rs's reset test shows that flow.)
    let ann = app.state.users.by_email_index(&app.state.blind.email("ann@example.com")).await.unwrap().unwrap();
    app.state.users.set_password_hash(ann.id, &app.state.hasher.hash_unchecked(PASSWORD).unwrap()).await.unwrap();
    assert_eq!(unlink(Some(json!({"password": PASSWORD}))).await.status, 204);
    unlink(Some(json!({"password": PASSWORD}))).await.problem(404, "not_found");
    // Unlinked, the provider account is a stranger to it again: the address leads to a link ticket.
    let after = round_trip(&app, &idp, "/", "sub-ann", "ann@example.com", Twist::default()).await;
    assert_eq!(location(&after), "/login?oidc=link&provider=test");
    assert_eq!(cookie(&after, "fotobase_refresh"), None);
}

#[tokio::test]
async fn an_existing_account_is_linked_only_with_its_password() {
    let idp = Idp::start().await;
    let app = app_with(&idp, |_| {}).await;
    let own = app.token("bob@example.com").await;
    let back = round_trip(&app, &idp, "/folders", "sub-bob", "bob@example.com", Twist::default()).await;
    assert_eq!(location(&back), "/login?oidc=link&provider=test&next=%2Ffolders");
    assert_eq!(cookie(&back, "fotobase_refresh"), None, "no session before the password");
    let ticket = cookies(&back).into_iter().filter(|c| c.starts_with("fotobase_oidc_ticket=")).collect::<Vec<_>>();
    assert_eq!(ticket.len(), 1);

    post_with(&app, "/api/v1/auth/oidc/complete", &[], json!({"password": PASSWORD}))
        .await
        .problem(400, "oidc_invalid");
    let forged = vec!["fotobase_oidc_ticket=bm90IGEgdGlja2V0".to_owned()];
    post_with(&app, "/api/v1/auth/oidc/complete", &forged, json!({"password": PASSWORD}))
        .await
        .problem(400, "oidc_invalid");
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({})).await.problem(401, "invalid_credentials");
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"password": "not the password at all"}))
        .await
        .problem(401, "invalid_credentials");
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"password": PASSWORD, "extra": 1}))
        .await
        .problem(400, "invalid_argument");
    assert_eq!(app.get("/api/v1/auth/oidc/identities", Some(&own)).await.ok(200)["identities"], json!([]));

    let done = post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"password": PASSWORD})).await;
    let body = done.ok(200);
    assert_eq!(body.get("refresh_token"), None, "the refresh token is in the cookie only");
    let access = session_of(&app, &done).await;
    assert_eq!(
        app.get("/api/v1/auth/oidc/identities", Some(&access)).await.ok(200)["identities"][0]["provider"],
        "test"
    );
    // From now on the provider signs Bob in directly.
    let next = round_trip(&app, &idp, "/", "sub-bob", "bob@example.com", Twist::default()).await;
    assert_eq!(location(&next), "/");
    session_of(&app, &next).await;

    // Providers that keep the address for UserInfo (Core §5.4) are asked there, about the same person only.
    let info = |sub: &str| Twist {
        userinfo: Some(json!({"sub": sub, "email": "cy@example.com", "email_verified": true})),
        ..Twist::default()
    };
    let res = round_trip(&app, &idp, "/", "sub-cy", "ignored@example.com", info("sub-cy")).await;
    let cy = session_of(&app, &res).await;
    assert_eq!(app.get("/api/v1/users/me", Some(&cy)).await.ok(200)["email"], "cy@example.com");
    let res = round_trip(&app, &idp, "/", "sub-dan", "ignored@example.com", info("sub-cy")).await;
    assert_eq!(location(&res), "/login?oidc_error=oidc_failed");

    // A provider that has not verified the address links nothing and makes nothing.
    let unverified = Twist { claims: json!({"email_verified": false}), ..Twist::default() };
    let res = round_trip(&app, &idp, "/", "sub-mallory", "bob@example.com", unverified.clone()).await;
    assert_eq!(location(&res), "/login?oidc_error=oidc_email_unverified");
    let res = round_trip(&app, &idp, "/", "sub-mallory", "mallory@example.com", unverified).await;
    assert_eq!(location(&res), "/login?oidc_error=oidc_email_unverified");
}

#[tokio::test]
async fn forged_replayed_and_misdirected_answers_sign_nobody_in() {
    let idp = Idp::start().await;
    let app = app_with(&idp, |_| {}).await;
    let refused = |res: &Res, code: &str| {
        assert_eq!(location(res), format!("/login?oidc_error={code}"));
        assert_eq!(cookie(res, "fotobase_refresh"), None);
    };
    let twisted = async |claims: Value, foreign_key: bool| {
        round_trip(&app, &idp, "/", "sub-eve", "eve@example.com", Twist { claims, foreign_key, userinfo: None }).await
    };
    refused(&twisted(json!({"nonce": "another sign-in's"}), false).await, "oidc_failed");
    refused(&twisted(json!({"aud": "another-client"}), false).await, "oidc_failed");
    refused(&twisted(json!({"iss": "http://127.0.0.1:1"}), false).await, "oidc_failed");
    refused(&twisted(json!({"exp": 1_000}), false).await, "oidc_failed");
    refused(&twisted(json!({}), true).await, "oidc_failed");

    // The answer must come back to the browser that started, with its state, once.
    let started = app.get("/api/v1/auth/oidc/test/start", None).await;
    let url = location(&started);
    let flow = cookies(&started);
    let state = query_of(&url)["state"].clone();
    let code = idp.authorize(&url, "sub-eve", "eve@example.com", Twist::default());
    let cb = |code: &str, state: &str| format!("/api/v1/auth/oidc/test/callback?code={code}&state={state}");
    refused(&get_with(&app, &cb(&code, &state), &[]).await, "oidc_invalid");
    refused(&get_with(&app, &cb(&code, "forged"), &flow).await, "oidc_invalid");
    refused(
        &get_with(&app, &format!("/api/v1/auth/oidc/other/callback?code={code}&state={state}"), &flow).await,
        "oidc_invalid",
    );
    refused(&get_with(&app, &format!("{}&iss=https://evil.example", cb(&code, &state)), &flow).await, "oidc_failed");
    let ok = get_with(&app, &cb(&code, &state), &flow).await;
    assert_eq!(location(&ok), "/");
    session_of(&app, &ok).await;
    // The same code again: the provider refuses it.
    refused(&get_with(&app, &cb(&code, &state), &flow).await, "oidc_failed");
    refused(
        &get_with(&app, &format!("/api/v1/auth/oidc/test/callback?error=access_denied&state={state}"), &flow).await,
        "oidc_denied",
    );

    // No open redirects: whatever return_to says, the browser stays on this site.
    for evil in ["https://evil.example/", "//evil.example/x", "/%5Cevil.example", "javascript:alert(1)"] {
        let back = round_trip(&app, &idp, evil, "sub-eve", "eve@example.com", Twist::default()).await;
        assert_eq!(location(&back), "/", "{evil}");
    }
    app.get("/api/v1/auth/oidc/nope/start", None).await.problem(404, "not_found");
}

#[tokio::test]
async fn the_second_factor_and_the_sign_up_policy_still_apply() {
    let idp = Idp::start().await;
    let app = app_with(&idp, |c| c.registration = fotobase_server::config::Registration::Closed).await;
    let access = app.token("root@example.com").await;
    // Sign-up is closed: a stranger at the provider gets no account.
    let res = round_trip(&app, &idp, "/", "sub-x", "stranger@example.com", Twist::default()).await;
    assert_eq!(location(&res), "/login?oidc_error=registration_closed");

    let setup = app.post("/api/v1/auth/totp/setup", Some(&access), json!({"password": PASSWORD})).await.ok(200);
    let totp = fotobase_auth::totp::Totp::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let now = fotobase_auth::SystemClock.now();
    let enabled = app.post("/api/v1/auth/totp/enable", Some(&access), json!({"code": totp.code_at(now)})).await.ok(200);
    let recovery = enabled["recovery_codes"][0].as_str().unwrap().to_owned();
    // Linking asks for the password and then the code.
    let back = round_trip(&app, &idp, "/", "sub-root", "root@example.com", Twist::default()).await;
    let ticket = cookies(&back);
    assert_eq!(location(&back), "/login?oidc=link&provider=test");
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"password": PASSWORD}))
        .await
        .problem(401, "second_factor_required");
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"password": PASSWORD, "totp_code": "000000"}))
        .await
        .problem(401, "second_factor_invalid");
    let code = totp.code_at(now + 30);
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"password": PASSWORD, "totp_code": code}))
        .await
        .ok(200);
    // Linked: the provider is the first factor, the code is still asked.
    let back = round_trip(&app, &idp, "/", "sub-root", "root@example.com", Twist::default()).await;
    assert_eq!(location(&back), "/login?oidc=second_factor&provider=test");
    let ticket = cookies(&back);
    post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({})).await.problem(401, "second_factor_required");
    // Both codes of the window are taken now; a recovery code serves.
    let done = post_with(&app, "/api/v1/auth/oidc/complete", &ticket, json!({"recovery_code": recovery})).await;
    done.ok(200);
    session_of(&app, &done).await;
}

#[tokio::test]
async fn a_disabled_account_cannot_come_in_through_a_provider() {
    let idp = Idp::start().await;
    let app = app_with(&idp, |_| {}).await;
    let admin = app.token("root@example.com").await;
    let bob = app.token("bob@example.com").await;
    let bob_id = app.get("/api/v1/users/me", Some(&bob)).await.ok(200)["id"].as_str().unwrap().to_owned();
    let back = round_trip(&app, &idp, "/", "sub-bob", "bob@example.com", Twist::default()).await;
    post_with(&app, "/api/v1/auth/oidc/complete", &cookies(&back), json!({"password": PASSWORD})).await.ok(200);
    app.patch(&format!("/api/v1/users/{bob_id}"), Some(&admin), json!({"disabled": true})).await.ok(200);
    let res = round_trip(&app, &idp, "/", "sub-bob", "bob@example.com", Twist::default()).await;
    assert_eq!(location(&res), "/login?oidc_error=account_disabled");
    assert_eq!(cookie(&res, "fotobase_refresh"), None);
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_is_said_on_the_sign_in_page() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let app = App::with(|c| {
        c.oidc = vec![OidcProvider { id: "down".into(), issuer: closed, client_id: "x".into(), ..Default::default() }];
    })
    .await;
    let res = app.get("/api/v1/auth/oidc/down/start", None).await;
    assert_eq!(location(&res), "/login?oidc_error=oidc_failed");
}

#[tokio::test]
async fn without_providers_there_is_nothing_to_start() {
    let app = App::new().await;
    assert_eq!(app.get("/api/v1/auth/oidc/providers", None).await.ok(200), json!({"providers": []}));
    app.get("/api/v1/auth/oidc/test/start", None).await.problem(404, "not_found");
    let res = app.get("/api/v1/auth/oidc/test/callback?code=x&state=y", None).await;
    assert_eq!(location(&res), "/login?oidc_error=oidc_invalid");
}
