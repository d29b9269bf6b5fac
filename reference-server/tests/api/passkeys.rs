//! Passkeys through the API, with a software authenticator playing the browser's part
//! (`fotobase_auth::webauthn::SoftAuthenticator`); in Chromium with its virtual authenticator:
//! `web/e2e/passkeys.test.mjs`.

use axum::body::Body;
use axum::http::{Method, header};
use fotobase_auth::webauthn::SoftAuthenticator;
use serde_json::{Value, json};

use crate::harness::{App, PASSWORD, Res};

const SITE: &str = "http://localhost:8080";

async fn app() -> App {
    App::with(|c| c.public_url = Some(SITE.into())).await
}

/// `name=value` of each `Set-Cookie`.
fn cookies(res: &Res) -> Vec<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .filter(|c| !c.ends_with('='))
        .collect()
}

async fn post(app: &App, path: &str, token: Option<&str>, cookie: &[String], body: Value) -> Res {
    let mut b = App::req(Method::POST, path, token).header(header::CONTENT_TYPE, "application/json");
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie.join("; "));
    }
    app.send(b.body(Body::from(body.to_string())).unwrap()).await
}

/// Add a passkey held by `auth` to the account of `token`: the created passkey.
async fn add(app: &App, token: &str, auth: &mut SoftAuthenticator, name: &str) -> Value {
    let started =
        post(app, "/api/v1/auth/passkeys/register/options", Some(token), &[], json!({"password": PASSWORD})).await;
    let options = started.ok(200)["publicKey"].clone();
    let credential = auth.register(&options, SITE);
    let body = json!({"name": name, "credential": credential});
    post(app, "/api/v1/auth/passkeys/register", Some(token), &cookies(&started), body).await.ok(201)
}

/// [`add`] for an account without two-step verification, named "Key".
async fn add_with(app: &App, token: &str, auth: &mut SoftAuthenticator) -> Value {
    add(app, token, auth, "Key").await
}

/// Sign in with the passkey `auth` holds: the answer.
async fn sign_in(app: &App, auth: &mut SoftAuthenticator) -> Res {
    let started = post(app, "/api/v1/auth/passkeys/login/options", None, &[], json!({})).await;
    let options = started.ok(200)["publicKey"].clone();
    let credential = auth.authenticate(&options, SITE);
    post(app, "/api/v1/auth/passkeys/login", None, &cookies(&started), json!({"credential": credential})).await
}

#[tokio::test]
async fn a_passkey_added_with_the_password_signs_in_by_itself() {
    let app = app().await;
    assert_eq!(
        app.get("/api/v1/auth/passkeys/config", None).await.ok(200),
        json!({"enabled": true, "rp_id": "localhost"})
    );
    let token = app.token("ann@example.com").await;
    let me = app.get("/api/v1/users/me", Some(&token)).await.ok(200);

    // Adding one takes the password again.
    let wrong = json!({"password": "not the password at all"});
    post(&app, "/api/v1/auth/passkeys/register/options", Some(&token), &[], wrong)
        .await
        .problem(403, "invalid_credentials");
    let started =
        post(&app, "/api/v1/auth/passkeys/register/options", Some(&token), &[], json!({"password": PASSWORD})).await;
    let options = started.ok(200)["publicKey"].clone();
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    assert!(!options["user"]["name"].as_str().unwrap().is_empty());
    let mut auth = SoftAuthenticator::new();
    let credential = auth.register(&options, SITE);
    let body = json!({"name": "Laptop", "credential": credential});
    // Without the ceremony's cookie, or with a forged one, nothing is added.
    post(&app, "/api/v1/auth/passkeys/register", Some(&token), &[], body.clone()).await.problem(400, "passkey_invalid");
    let forged = vec!["fotobase_passkey_new=Zm9yZ2Vk".to_owned()];
    post(&app, "/api/v1/auth/passkeys/register", Some(&token), &forged, body.clone())
        .await
        .problem(400, "passkey_invalid");
    let added =
        post(&app, "/api/v1/auth/passkeys/register", Some(&token), &cookies(&started), body.clone()).await.ok(201);
    assert_eq!(added["name"], "Laptop");
    assert!(added["id"].as_str().unwrap().starts_with("pk_"));
    // The same ceremony again: spent.
    post(&app, "/api/v1/auth/passkeys/register", Some(&token), &cookies(&started), body)
        .await
        .problem(400, "passkey_invalid");
    // The same authenticator again: excluded by the options, refused if it answers anyway.
    let started =
        post(&app, "/api/v1/auth/passkeys/register/options", Some(&token), &[], json!({"password": PASSWORD})).await;
    let options = started.ok(200)["publicKey"].clone();
    assert_eq!(options["excludeCredentials"][0]["id"], auth.id().as_str());
    let again = json!({"credential": auth.register(&options, SITE)});
    post(&app, "/api/v1/auth/passkeys/register", Some(&token), &cookies(&started), again)
        .await
        .problem(409, "already_exists");

    // Signing in needs nothing else.
    let res = sign_in(&app, &mut auth).await;
    let signed_in = res.ok(200);
    assert_eq!(signed_in.get("refresh_token"), None, "browser session: the refresh token is in a cookie");
    assert!(cookies(&res).iter().any(|c| c.starts_with("fotobase_refresh=")));
    let access = signed_in["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/users/me", Some(access)).await.ok(200)["id"], me["id"]);
    let listed = app.get("/api/v1/auth/passkeys", Some(access)).await.ok(200);
    assert_eq!(listed["passkeys"].as_array().unwrap().len(), 1);
    assert!(listed["passkeys"][0]["last_used_at"].is_i64());
    let events = app.get("/api/v1/users/me/events", Some(access)).await.ok(200);
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"passkey_added"), "{kinds:?}");

    // Removing a way in takes the password again: a stolen access token alone cannot.
    let id = added["id"].as_str().unwrap();
    let path = format!("/api/v1/auth/passkeys/{id}");
    let remove = |body: Option<Value>| app.call(Method::DELETE, &path, Some(&token), body);
    let bare = remove(None).await;
    assert!(bare.status.is_client_error() && bare.status != 404, "{}", bare.status);
    remove(Some(json!({"password": "not the password"}))).await.problem(403, "invalid_credentials");
    assert_eq!(app.get("/api/v1/auth/passkeys", Some(&token)).await.ok(200)["passkeys"].as_array().unwrap().len(), 1);
    // Removed, it signs in no more (the authenticator still holds it).
    assert_eq!(remove(Some(json!({"password": PASSWORD}))).await.status, 204);
    remove(Some(json!({"password": PASSWORD}))).await.problem(404, "not_found");
    sign_in(&app, &mut auth).await.problem(401, "passkey_invalid");
}

#[tokio::test]
async fn forged_replayed_and_foreign_assertions_sign_nobody_in() {
    let app = app().await;
    let ann = app.token("ann@example.com").await;
    let bob = app.token("bob@example.com").await;
    let mut anns = SoftAuthenticator::new();
    add(&app, &ann, &mut anns, "Ann's").await;
    let mut bobs = SoftAuthenticator::new();
    let bob_key = add(&app, &bob, &mut bobs, "Bob's").await;
    // Bob cannot remove Ann's passkey, nor see it.
    assert_eq!(app.get("/api/v1/auth/passkeys", Some(&bob)).await.ok(200)["passkeys"].as_array().unwrap().len(), 1);
    let bobs_path = format!("/api/v1/auth/passkeys/{}", bob_key["id"].as_str().unwrap());
    app.call(Method::DELETE, &bobs_path, Some(&ann), Some(json!({"password": PASSWORD})))
        .await
        .problem(404, "not_found");

    let started = post(&app, "/api/v1/auth/passkeys/login/options", None, &[], json!({})).await;
    let options = started.ok(200)["publicKey"].clone();
    let jar = cookies(&started);
    let login = |credential: Value| {
        let jar = jar.clone();
        let app = &app;
        async move { post(app, "/api/v1/auth/passkeys/login", None, &jar, json!({"credential": credential})).await }
    };
    // Bob's authenticator presenting Ann's credential id: the signature is not Ann's key's.
    let mut forged = serde_json::to_value(bobs.authenticate(&options, SITE)).unwrap();
    forged["id"] = anns.id().into();
    login(forged).await.problem(401, "passkey_invalid");
    // The challenge was spent by that attempt: even a good answer to it is refused now.
    login(serde_json::to_value(anns.authenticate(&options, SITE)).unwrap()).await.problem(401, "passkey_invalid");

    // A good answer works once.
    let started = post(&app, "/api/v1/auth/passkeys/login/options", None, &[], json!({})).await;
    let options = started.ok(200)["publicKey"].clone();
    let good = json!({"credential": anns.authenticate(&options, SITE)});
    post(&app, "/api/v1/auth/passkeys/login", None, &cookies(&started), good.clone()).await.ok(200);
    post(&app, "/api/v1/auth/passkeys/login", None, &cookies(&started), good.clone())
        .await
        .problem(401, "passkey_invalid");
    // Without the ceremony's cookie, or on a phishing origin, or without user verification.
    post(&app, "/api/v1/auth/passkeys/login", None, &[], good).await.problem(401, "passkey_invalid");
    let started = post(&app, "/api/v1/auth/passkeys/login/options", None, &[], json!({})).await;
    let options = started.ok(200)["publicKey"].clone();
    let phished = json!({"credential": anns.authenticate(&options, "http://localhost.evil.example")});
    post(&app, "/api/v1/auth/passkeys/login", None, &cookies(&started), phished).await.problem(401, "passkey_invalid");
    anns.flags = 0x01;
    let res = sign_in(&app, &mut anns).await;
    res.problem(401, "passkey_invalid");
    anns.flags = 0x05;
    // A cloned authenticator: the counter goes backwards.
    anns.sign_count = 10;
    sign_in(&app, &mut anns).await.ok(200);
    anns.sign_count = 3;
    sign_in(&app, &mut anns).await.problem(401, "passkey_invalid");
    // Malformed bodies are problems, not 500s.
    post(&app, "/api/v1/auth/passkeys/login", None, &[], json!({"credential": {"id": 1}}))
        .await
        .problem(400, "invalid_argument");
    let unknown = json!({"credential": {}, "extra": true});
    post(&app, "/api/v1/auth/passkeys/login", None, &[], unknown).await.problem(400, "invalid_argument");
}

#[tokio::test]
async fn adding_a_passkey_asks_for_the_second_factor_and_accounts_rules_hold() {
    let app = app().await;
    let admin = app.token("root@example.com").await;
    let token = app.token("ann@example.com").await;
    let setup = app.post("/api/v1/auth/totp/setup", Some(&token), json!({"password": PASSWORD})).await.ok(200);
    let totp = fotobase_auth::totp::Totp::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let now = <fotobase_auth::SystemClock as fotobase_auth::Clock>::now(&fotobase_auth::SystemClock);
    app.post("/api/v1/auth/totp/enable", Some(&token), json!({"code": totp.code_at(now)})).await.ok(200);
    let path = "/api/v1/auth/passkeys/register/options";
    post(&app, path, Some(&token), &[], json!({"password": PASSWORD})).await.problem(401, "second_factor_required");
    let with_code = json!({"password": PASSWORD, "totp_code": totp.code_at(now + 30)});
    let started = post(&app, path, Some(&token), &[], with_code).await;
    let mut auth = SoftAuthenticator::new();
    let credential = auth.register(&started.ok(200)["publicKey"], SITE);
    let added = post(
        &app,
        "/api/v1/auth/passkeys/register",
        Some(&token),
        &cookies(&started),
        json!({"credential": credential}),
    )
    .await
    .ok(201);
    // Removing one asks for the code too (here only asked: the passkey stays).
    let path_of_added = format!("/api/v1/auth/passkeys/{}", added["id"].as_str().unwrap());
    app.call(Method::DELETE, &path_of_added, Some(&token), Some(json!({"password": PASSWORD})))
        .await
        .problem(401, "second_factor_required");
    // Another account cannot finish Ann's ceremony.
    let started = post(&app, path, Some(&admin), &[], json!({"password": PASSWORD})).await;
    let credential = SoftAuthenticator::new().register(&started.ok(200)["publicKey"], SITE);
    post(&app, "/api/v1/auth/passkeys/register", Some(&token), &cookies(&started), json!({"credential": credential}))
        .await
        .problem(400, "passkey_invalid");
    // A passkey sign-in is whole by itself: no code after it.
    sign_in(&app, &mut auth).await.ok(200);
    // After the password, the account's passkey may stand in for the app's code; another
    // account's may not, nor an answer without this browser's ceremony.
    let password = json!({"email": "ann@example.com", "password": PASSWORD});
    app.post("/api/v1/auth/login", None, password.clone()).await.problem(401, "second_factor_required");
    let with_passkey = async |auth: &mut SoftAuthenticator, with_cookie: bool| {
        let started = post(&app, "/api/v1/auth/passkeys/login/options", None, &[], json!({})).await;
        let mut body = password.clone();
        body["passkey"] = serde_json::to_value(auth.authenticate(&started.ok(200)["publicKey"], SITE)).unwrap();
        let jar = if with_cookie { cookies(&started) } else { vec![] };
        post(&app, "/api/v1/auth/login", None, &jar, body).await
    };
    with_passkey(&mut auth, true).await.ok(200);
    with_passkey(&mut auth, false).await.problem(401, "second_factor_invalid");
    let mut admins = SoftAuthenticator::new();
    add_with(&app, &admin, &mut admins).await;
    with_passkey(&mut admins, true).await.problem(401, "second_factor_invalid");
    // A disabled account's passkey signs in no more.
    let ann_id = app.get("/api/v1/users/me", Some(&token)).await.ok(200)["id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/users/{ann_id}"), Some(&admin), json!({"disabled": true})).await.ok(200);
    sign_in(&app, &mut auth).await.problem(403, "account_disabled");
}

#[tokio::test]
async fn passkeys_are_off_where_the_site_is_an_ip_address() {
    let app = App::new().await;
    assert_eq!(app.get("/api/v1/auth/passkeys/config", None).await.ok(200), json!({"enabled": false, "rp_id": null}));
    app.post("/api/v1/auth/passkeys/login/options", None, json!({})).await.problem(409, "passkeys_off");
    let token = app.token("ann@example.com").await;
    app.post("/api/v1/auth/passkeys/register/options", Some(&token), json!({"password": PASSWORD}))
        .await
        .problem(409, "passkeys_off");
}
