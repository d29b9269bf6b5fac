//! Registration, login, refresh rotation, logout, password change, JWKS.

use axum::body::Body;
use axum::http::{Method, header};
use serde_json::json;

use crate::harness::{App, PASSWORD};

#[tokio::test]
async fn register_validates_and_rejects_duplicates() {
    let app = App::new().await;
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "Ann@Example.com", "password": PASSWORD, "display_name": "Ann"}),
        )
        .await;
    let user = r.ok(201);
    assert!(user["id"].as_str().unwrap().starts_with("usr_"));
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(user["roles"], json!(["admin", "user"]), "the first account is admin");
    assert!(user.get("password_hash").is_none());

    let dup = app.post("/api/v1/auth/register", None, json!({"email": "ann@example.COM", "password": PASSWORD})).await;
    assert_eq!(dup.problem(409, "already_exists")["field"], "email");
    app.post("/api/v1/auth/register", None, json!({"email": "bob@example.com", "password": "password"}))
        .await
        .problem(422, "weak_password");
    app.post("/api/v1/auth/register", None, json!({"email": "not-an-address", "password": PASSWORD}))
        .await
        .problem(400, "invalid_argument");
    app.post("/api/v1/auth/register", None, json!({"email": "b@example.com", "password": 12345678}))
        .await
        .problem(400, "invalid_argument");
    app.post("/api/v1/auth/register", None, json!({"email": "b@example.com", "password": PASSWORD, "admin": true}))
        .await
        .problem(400, "invalid_argument");
    let second = app
        .post("/api/v1/auth/register", None, json!({"email": "bob@example.com", "password": PASSWORD}))
        .await
        .ok(201);
    assert_eq!(second["roles"], json!(["user"]));
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_problems_not_500s() {
    let app = App::with(|c| c.max_json_bytes = 4096).await;
    let send = |body: Body, ct: &'static str| {
        App::req(Method::POST, "/api/v1/auth/login", None).header(header::CONTENT_TYPE, ct).body(body).unwrap()
    };
    app.send(send(Body::from("{\"email\": "), "application/json")).await.problem(400, "invalid_argument");
    app.send(send(Body::from("[]"), "application/json")).await.problem(400, "invalid_argument");
    app.send(send(Body::from("email=a"), "application/x-www-form-urlencoded")).await.problem(415, "bad_request");
    let huge = format!("{{\"email\": \"{}\", \"password\": \"x\"}}", "a".repeat(10_000));
    app.send(send(Body::from(huge), "application/json")).await.problem(413, "limit_exceeded");
    app.get("/api/v1/nowhere", None).await.problem(404, "not_found");
    app.call(Method::PUT, "/api/v1/auth/login", None, None).await.problem(405, "method_not_allowed");
}

#[tokio::test]
async fn login_refresh_rotation_and_reuse_detection() {
    let app = App::new().await;
    let tokens = app.signup("ann@example.com").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    app.get("/api/v1/users/me", Some(access)).await.ok(200);

    let first = tokens["refresh_token"].as_str().unwrap();
    let rotated = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first})).await.ok(200);
    let second = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(first, second);
    app.get("/api/v1/users/me", Some(rotated["access_token"].as_str().unwrap())).await.ok(200);
    // Presenting the first token again means it was copied: the whole session ends.
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first})).await.problem(401, "token_reused");
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": second})).await.problem(401, "token_invalid");
    app.get("/api/v1/users/me", Some(access)).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": "garbage"})).await.problem(401, "token_invalid");
    // The holder sees that a copy of a session was used and stopped.
    let fresh = app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD})).await;
    let fresh = fresh.ok(200)["access_token"].as_str().unwrap().to_owned();
    let events = app.get("/api/v1/users/me/events", Some(&fresh)).await.ok(200);
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["signed_in", "refresh_reused", "signed_in"], "{events}");
}

#[tokio::test]
async fn wrong_passwords_are_uniform_and_throttled() {
    let app = App::new().await;
    app.signup("ann@example.com").await;
    let wrong =
        app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": "nope nope nope"})).await;
    let unknown =
        app.post("/api/v1/auth/login", None, json!({"email": "who@example.com", "password": "nope nope nope"})).await;
    assert_eq!(
        wrong.problem(401, "invalid_credentials")["detail"],
        unknown.problem(401, "invalid_credentials")["detail"]
    );
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": "nope nope nope"})).await;
    }
    let limited = app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD})).await;
    limited.problem(429, "rate_limited");
    assert!(limited.headers[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() >= 1);
}

/// A login request as if from `ip`.
fn login_from(ip: [u8; 4], email: &str, password: &str) -> axum::http::Request<Body> {
    App::login_request(ip, json!({"email": email, "password": password}), None)
}

/// Guessing one account from many addresses is throttled by the account; guessing many
/// accounts from one address is throttled by the address, even for accounts that exist
/// nowhere; other addresses and accounts are unaffected.
#[tokio::test]
async fn brute_force_from_one_or_many_addresses_is_throttled() {
    let app = App::new().await;
    app.signup("ann@example.com").await;
    app.signup("bob@example.com").await;
    // Spread over many addresses, guesses at one account reach its limit from anywhere (50); five
    // from one address only slow that address (`strangers_cannot_lock_the_owner_out`).
    for i in 0..51 {
        let res = app.send(login_from([127, 1, 0, i], "ann@example.com", "nope nope nope")).await;
        assert!(matches!(res.status.as_u16(), 401 | 429), "{}", res.status);
    }
    app.send(login_from([127, 1, 0, 99], "ann@example.com", PASSWORD)).await.problem(429, "rate_limited");
    app.send(login_from([127, 1, 0, 99], "bob@example.com", PASSWORD)).await.ok(200);

    for i in 0..60 {
        let res = app.send(login_from([127, 2, 0, 1], &format!("guess{i}@example.com"), "nope nope nope")).await;
        assert!(matches!(res.status.as_u16(), 401 | 429), "{}", res.status);
    }
    app.send(login_from([127, 2, 0, 1], "bob@example.com", PASSWORD)).await.problem(429, "rate_limited");
    app.send(login_from([127, 2, 0, 2], "bob@example.com", PASSWORD)).await.ok(200);
}

/// A megabyte of password is refused before any hashing, the same way for an account that
/// exists and one that does not (a different answer would tell which e-mails have accounts),
/// and cannot be registered.
#[tokio::test]
async fn huge_passwords_are_refused_alike_for_known_and_unknown_accounts() {
    let app = App::new().await;
    app.signup("ann@example.com").await;
    let huge = "x".repeat(1_000_000);
    let known = app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": huge})).await;
    let unknown = app.post("/api/v1/auth/login", None, json!({"email": "who@example.com", "password": huge})).await;
    assert_eq!(
        known.problem(401, "invalid_credentials")["detail"],
        unknown.problem(401, "invalid_credentials")["detail"]
    );
    app.post("/api/v1/auth/register", None, json!({"email": "huge@example.com", "password": huge}))
        .await
        .problem(400, "invalid_argument");
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD})).await.ok(200);
}

#[tokio::test]
async fn logout_and_logout_all_end_sessions_at_once() {
    let app = App::new().await;
    let a = app.signup("ann@example.com").await;
    let b =
        app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD})).await.ok(200);
    let (a_access, b_access) = (a["access_token"].as_str().unwrap(), b["access_token"].as_str().unwrap());
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": a["refresh_token"]})).await.ok(204);
    // Again: nothing to end, still 204, and no second event.
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": a["refresh_token"]})).await.ok(204);
    app.get("/api/v1/users/me", Some(a_access)).await.problem(401, "token_invalid");
    app.get("/api/v1/users/me", Some(b_access)).await.ok(200);
    let events = app.get("/api/v1/users/me/events", Some(b_access)).await.ok(200);
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["signed_out", "signed_in", "signed_in"], "one event for the one session ended: {events}");
    let ended = app.post("/api/v1/auth/logout-all", Some(b_access), json!({})).await.ok(200);
    assert_eq!(ended["sessions_ended"], 1);
    app.get("/api/v1/users/me", Some(b_access)).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/logout-all", None, json!({})).await.problem(401, "unauthenticated");
}

#[tokio::test]
async fn password_change_keeps_this_session_and_ends_the_others() {
    let app = App::new().await;
    let a = app.signup("ann@example.com").await;
    let other =
        app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD})).await.ok(200);
    let access = a["access_token"].as_str().unwrap();
    let new = "a much better passphrase";
    app.post("/api/v1/auth/password", Some(access), json!({"current_password": "wrong wrong", "new_password": new}))
        .await
        .problem(403, "invalid_credentials");
    app.post("/api/v1/auth/password", Some(access), json!({"current_password": PASSWORD, "new_password": "short"}))
        .await
        .problem(422, "weak_password");
    let r = app
        .post("/api/v1/auth/password", Some(access), json!({"current_password": PASSWORD, "new_password": new}))
        .await
        .ok(200);
    assert_eq!(r["sessions_ended"], 1);
    app.get("/api/v1/users/me", Some(access)).await.ok(200);
    app.get("/api/v1/users/me", Some(other["access_token"].as_str().unwrap())).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD}))
        .await
        .problem(401, "invalid_credentials");
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": new})).await.ok(200);
}

/// A stolen access token cannot guess the password through the password change faster than
/// through login: wrong current passwords count as failed logins of the account and back off.
#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_login() {
    let app = App::new().await;
    let access = app.token("ann@example.com").await;
    let change = |current: &str| json!({"current_password": current, "new_password": "a much better passphrase"});
    for _ in 0..5 {
        let r = app.post("/api/v1/auth/password", Some(&access), change("guess guess")).await;
        assert_eq!(r.problem(403, "invalid_credentials")["field"], "current_password");
    }
    app.post("/api/v1/auth/password", Some(&access), change("guess guess")).await.problem(429, "rate_limited");
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD}))
        .await
        .problem(429, "rate_limited");
}

#[tokio::test]
async fn forged_and_malformed_tokens_are_401_with_their_code() {
    let app = App::new().await;
    let token = app.token("ann@example.com").await;
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    app.get("/api/v1/users/me", Some(&forged)).await.problem(401, "token_invalid");
    app.get("/api/v1/users/me", Some("not.a.jwt")).await.problem(401, "token_invalid");
    let basic = App::req(Method::GET, "/api/v1/users/me", None)
        .header(header::AUTHORIZATION, "Basic YTpi")
        .body(Body::empty())
        .unwrap();
    let r = app.send(basic).await;
    r.problem(401, "unauthenticated");
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    // A token from another server (other keys) is not accepted.
    let other = App::new().await;
    let foreign = other.token("eve@example.com").await;
    app.get("/api/v1/users/me", Some(&foreign)).await.problem(401, "unknown_key");
}

/// Every access token the API accepts belongs to a session and so can be revoked: one signed
/// with the server's own key but without `sid` (what `fotobase token issue` mints for other
/// services) is refused, even for a real account.
#[tokio::test]
async fn tokens_without_a_session_are_refused() {
    let app = App::new().await;
    let token = app.token("ann@example.com").await;
    let me = app.get("/api/v1/users/me", Some(&token)).await.ok(200);
    let mut req = fotobase_auth::token::TokenRequest::new(me["id"].as_str().unwrap());
    req.roles = vec!["admin".into()];
    let (bare, claims) = app.state.tokens().issue(&req).unwrap();
    assert!(claims.sid.is_none());
    let r = app.get("/api/v1/users/me", Some(&bare)).await.problem(401, "token_invalid");
    assert_eq!(r["detail"], "the token belongs to no session");
    req.sid = Some("no-such-session".into());
    let (unknown, _) = app.state.tokens().issue(&req).unwrap();
    app.get("/api/v1/users/me", Some(&unknown)).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn jwks_publishes_the_public_key_only() {
    let app = App::new().await;
    let r = app.get("/.well-known/jwks.json", None).await;
    let jwks = r.ok(200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "OKP");
    assert!(keys[0].get("d").is_none(), "no private material");
    assert!(r.headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"));
}

#[tokio::test]
async fn health_ready_and_security_headers() {
    let app = App::new().await;
    let r = app.get("/health", None).await;
    assert_eq!(r.ok(200)["status"], "ok");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(r.headers["referrer-policy"], "no-referrer");
    assert!(r.headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(!r.headers["x-request-id"].is_empty());
    assert_eq!(app.get("/ready", None).await.ok(200)["database"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload(&t, "jpeg", "").await;
    app.drain().await;
    app.get(&format!("/api/v1/images/{}", img["id"].as_str().unwrap()), Some(&t)).await.ok(200);
    app.get("/api/v1/images/img_missing", Some(&t)).await.problem(404, "not_found");
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200);
    let text = String::from_utf8_lossy(&r.body);
    assert!(
        text.contains(r#"fotobase_http_requests_total{method="GET",route="/api/v1/images/{id}",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="/api/v1/images/{id}",status="404"} 1"#), "{text}");
    assert!(!text.contains("img_"), "no ids in labels");
    assert!(text.contains("fotobase_http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"fotobase_job_duration_seconds_count{kind="thumbnail",outcome="succeeded"} 1"#), "{text}");
    assert!(text.contains(r#"fotobase_jobs{state="succeeded"} 1"#), "{text}");
    assert!(text.contains(r#"fotobase_image_bytes_processed_total{direction="in"}"#), "{text}");
}

/// With `FOTOBASE_METRICS_TOKEN` set, the counters are the scraper's alone: no token, another
/// token or a user's access token is refused with a code.
#[tokio::test]
async fn metrics_behind_a_configured_token() {
    let app = App::with(|c| c.metrics_token = Some("scrape-4f9a2c".into())).await;
    let user = app.token("ann@example.com").await;
    for sent in [None, Some("scrape-4f9a2"), Some("scrape-4f9a2c0"), Some(user.as_str())] {
        app.get("/metrics", sent).await.problem(401, "unauthenticated");
    }
    let r = app.get("/metrics", Some("scrape-4f9a2c")).await;
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("fotobase_http_requests_total"));
    assert_eq!(app.get("/health", None).await.status, 200, "liveness stays open to probes");
}

/// `registration = "closed"`: the first account (the admin) can still be made, nobody after it.
/// `"invite"`: only with an admin's single-use invitation, which a failed sign-up does not spend.
#[tokio::test]
async fn registration_policies() {
    use fotobase_server::config::Registration;
    let register = "/api/v1/auth/register";
    // Hashes wait for a slot as long as it takes: the racers must meet the policy, not the
    // overload shedding a busy machine would otherwise answer some of them with.
    let closed = App::with(|c| {
        c.registration = Registration::Closed;
        c.hash_wait_ms = 60_000;
    })
    .await;
    // Racing to be the first account of a closed server: one is made (the admin), the rest refused.
    let racers = (0..4)
        .map(|i| closed.post(register, None, json!({"email": format!("r{i}@example.com"), "password": PASSWORD})));
    let answers = futures_util::future::join_all(racers).await;
    let made: Vec<_> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(made.len(), 1, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in answers.iter().filter(|r| r.status != 201) {
        assert_eq!(r.json()["code"], "registration_closed");
    }
    closed
        .post(register, None, json!({"email": "eve@example.com", "password": PASSWORD}))
        .await
        .problem(403, "registration_closed");

    let app = App::with(|c| c.registration = Registration::Invite).await;
    let admin = app.token("admin@example.com").await;
    let bob = |invite: &str| json!({"email": "bob@example.com", "password": PASSWORD, "invite": invite});
    let p = app.post(register, None, json!({"email": "bob@example.com", "password": PASSWORD})).await;
    assert_eq!(p.problem(403, "registration_closed")["field"], "invite");
    app.post(register, None, bob("made-up")).await.problem(403, "invite_invalid");
    let invite = app.post("/api/v1/auth/invites", Some(&admin), json!({"expires_in": 3600})).await.ok(201);
    let code = invite["code"].as_str().unwrap();
    assert!(invite["expires_at"].as_i64().is_some(), "{invite}");
    let weak = json!({"email": "bob@example.com", "password": "password", "invite": code});
    app.post(register, None, weak).await.problem(422, "weak_password");
    app.post(register, None, bob(code)).await.ok(201);
    let carol = json!({"email": "carol@example.com", "password": PASSWORD, "invite": code});
    app.post(register, None, carol).await.problem(403, "invite_invalid");
    let login = json!({"email": "bob@example.com", "password": PASSWORD});
    let bob_token =
        app.post("/api/v1/auth/login", None, login).await.ok(200)["access_token"].as_str().unwrap().to_owned();
    app.post("/api/v1/auth/invites", Some(&bob_token), json!({})).await.problem(403, "forbidden");
    for bad in [0, 30 * 86_400 + 1] {
        app.post("/api/v1/auth/invites", Some(&admin), json!({"expires_in": bad}))
            .await
            .problem(400, "invalid_argument");
    }

    // Admins see what became of each invitation (never a code) and withdraw unused ones.
    let spare = app.post("/api/v1/auth/invites", Some(&admin), json!({})).await.ok(201);
    let spare = spare["code"].as_str().unwrap().to_owned();
    let list = app.get("/api/v1/auth/invites", Some(&admin)).await.ok(200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert!(!list.to_string().contains(code) && !list.to_string().contains(&spare), "codes are never listed");
    // Made within the same second: find each by its state.
    let by_state = |s: &str| items.iter().find(|i| i["state"] == s).unwrap_or_else(|| panic!("no {s} in {list}"));
    let bob_id = app.get("/api/v1/users/me", Some(&bob_token)).await.ok(200)["id"].clone();
    assert_eq!(by_state("used")["used_by"], bob_id);
    assert!(by_state("active")["used_by"].is_null());
    app.get("/api/v1/auth/invites", Some(&bob_token)).await.problem(403, "forbidden");
    let (active, used) = (by_state("active")["id"].as_str().unwrap(), by_state("used")["id"].as_str().unwrap());
    app.delete(&format!("/api/v1/auth/invites/{used}"), Some(&admin)).await.problem(404, "not_found");
    app.delete(&format!("/api/v1/auth/invites/{active}"), Some(&bob_token)).await.problem(403, "forbidden");
    assert_eq!(app.delete(&format!("/api/v1/auth/invites/{active}"), Some(&admin)).await.status, 204);
    let dave = json!({"email": "dave@example.com", "password": PASSWORD, "invite": spare});
    app.post(register, None, dave).await.problem(403, "invite_invalid");
    let list = app.get("/api/v1/auth/invites", Some(&admin)).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

/// A stranger's wrong passwords slow the stranger: the owner, from another address, still
/// signs in (otherwise anyone could lock anyone out with five guesses).
#[tokio::test]
async fn strangers_cannot_lock_the_owner_out() {
    let app = App::new().await;
    app.signup("ann@example.com").await;
    let from = |ip: [u8; 4], password: &str| login_from(ip, "ann@example.com", password);
    for _ in 0..5 {
        app.send(from([203, 0, 113, 9], "not the password")).await.problem(401, "invalid_credentials");
    }
    app.send(from([203, 0, 113, 9], PASSWORD)).await.problem(429, "rate_limited");
    app.send(from([198, 51, 100, 7], PASSWORD)).await.ok(200);
}

/// Guesses spread over many addresses back the account off for unknown clients, but a browser
/// that signed in to it before (its `fotobase_device` cookie) is counted on its own: the owner
/// still signs in. A device's own wrong passwords back it off; another account's cookie or a
/// made-up one is an unknown client.
#[tokio::test]
async fn a_browser_that_signed_in_before_is_not_locked_out_by_strangers() {
    let app = App::new().await;
    app.signup("ann@example.com").await;
    app.signup("bob@example.com").await;
    let login = |ip: [u8; 4], email: &str, password: &str, device: Option<&str>| {
        App::login_request(ip, json!({"email": email, "password": password}), device)
    };
    let home = [198, 51, 100, 7];
    let first = app.send(login(home, "ann@example.com", PASSWORD, None)).await;
    let (device, line) = set_cookie(&first, "fotobase_device");
    assert!(line.contains("HttpOnly") && line.contains("Secure") && line.contains("SameSite=Strict"), "{line}");
    assert!(line.contains("Path=/api/v1/auth"), "{line}");
    let again = app.send(login(home, "ann@example.com", PASSWORD, Some(&device))).await;
    again.ok(200);
    assert!(again.headers.get(header::SET_COOKIE).is_none(), "a known device keeps its cookie");
    let bobs = set_cookie(&app.send(login(home, "bob@example.com", PASSWORD, None)).await, "fotobase_device").0;

    for i in 0..50u8 {
        let r = app.send(login([192, 0, 2, i], "ann@example.com", "not the password", None)).await;
        r.problem(401, "invalid_credentials");
    }
    app.send(login([203, 0, 113, 1], "ann@example.com", PASSWORD, None)).await.problem(429, "rate_limited");
    app.send(login([203, 0, 113, 1], "ann@example.com", PASSWORD, Some(&bobs))).await.problem(429, "rate_limited");
    app.send(login([203, 0, 113, 1], "ann@example.com", PASSWORD, Some("made-up"))).await.problem(429, "rate_limited");
    app.send(login([203, 0, 113, 1], "ann@example.com", PASSWORD, Some(&device))).await.ok(200);
    for _ in 0..5 {
        let r = app.send(login(home, "ann@example.com", "a guess", Some(&device))).await;
        r.problem(401, "invalid_credentials");
    }
    app.send(login(home, "ann@example.com", PASSWORD, Some(&device))).await.problem(429, "rate_limited");
}

/// Behind a trusted proxy (the gateway, an ingress) the throttle sees each client, not the
/// proxy: one client's wrong passwords leave another's login alone. Anyone else's
/// `X-Forwarded-For` is ignored: a client cannot pick the address it is counted under.
#[tokio::test]
async fn the_client_behind_a_trusted_proxy_is_the_forwarded_address() {
    let app = App::with(|c| c.trusted_proxies = vec!["10.0.0.0/8".into()]).await;
    app.signup("ann@example.com").await;
    let via = |peer: [u8; 4], forwarded: &str, password: &str| {
        let mut req = login_from(peer, "ann@example.com", password);
        req.headers_mut().insert("x-forwarded-for", forwarded.parse().unwrap());
        req
    };
    for _ in 0..5 {
        app.send(via([10, 0, 0, 2], "203.0.113.9, 10.0.0.7", "not the password"))
            .await
            .problem(401, "invalid_credentials");
    }
    app.send(via([10, 0, 0, 2], "203.0.113.9", PASSWORD)).await.problem(429, "rate_limited");
    app.send(via([10, 0, 0, 2], "198.51.100.7", PASSWORD)).await.ok(200);
    for i in 0..5 {
        let forged = format!("198.51.100.{i}");
        app.send(via([192, 0, 2, 1], &forged, "not the password")).await.problem(401, "invalid_credentials");
    }
    app.send(via([192, 0, 2, 1], "198.51.100.50", PASSWORD)).await.problem(429, "rate_limited");
}

/// Proxies that write RFC 7239 `Forwarded` (`FOTOBASE_FORWARDED_HEADER=forwarded`): its `for=`
/// names the client, and then a client-written `X-Forwarded-For` is ignored, as `Forwarded` is
/// under the default.
#[tokio::test]
async fn the_forwarded_header_when_the_proxies_write_it() {
    use fotobase_server::config::ForwardedHeader;
    let app = App::with(|c| {
        c.trusted_proxies = vec!["10.0.0.0/8".into()];
        c.forwarded_header = ForwardedHeader::Forwarded;
    })
    .await;
    app.signup("ann@example.com").await;
    let via = |headers: &[(&'static str, &str)], password: &str| {
        let mut req = login_from([10, 0, 0, 2], "ann@example.com", password);
        for (name, value) in headers {
            req.headers_mut().append(*name, value.parse().unwrap());
        }
        req
    };
    let stranger = ("forwarded", "for=\"[2001:db8::9]:4711\";proto=https, for=10.0.0.7");
    for _ in 0..5 {
        app.send(via(&[stranger], "not the password")).await.problem(401, "invalid_credentials");
    }
    app.send(via(&[stranger], PASSWORD)).await.problem(429, "rate_limited");
    // The header the proxies do not write is the client's: its claim changes nothing. (Asked
    // right after the failures, like the line above: the back-off they earned lasts a second.)
    let claim = ("x-forwarded-for", "198.51.100.7");
    app.send(via(&[claim, stranger], PASSWORD)).await.problem(429, "rate_limited");
    app.send(via(&[("forwarded", "for=198.51.100.7")], PASSWORD)).await.ok(200);
}

/// `name=value` of a `Set-Cookie` header in the response.
fn set_cookie(r: &crate::harness::Res, name: &str) -> (String, String) {
    let line = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", r.headers));
    let value = line.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    (value, line)
}

#[tokio::test]
async fn browser_sessions_keep_the_refresh_token_in_an_httponly_cookie() {
    let app = App::new().await;
    app.post("/api/v1/auth/register", None, json!({"email": "ann@example.com", "password": PASSWORD})).await.ok(201);
    let login = app
        .post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD, "cookie": true}))
        .await;
    let body = login.ok(200);
    assert!(body.get("refresh_token").is_none(), "scripts never see it: {body}");
    app.get("/api/v1/users/me", body["access_token"].as_str()).await.ok(200);
    let (refresh, line) = set_cookie(&login, "fotobase_refresh");
    assert!(
        line.contains("HttpOnly")
            && line.contains("Secure")
            && line.contains("SameSite=Strict")
            && line.contains("Path=/api/v1/auth"),
        "{line}"
    );
    let (csrf, csrf_line) = set_cookie(&login, "fotobase_csrf");
    assert!(!csrf_line.contains("HttpOnly"));

    let cookie_req = |path: &str, csrf_header: Option<&str>, refresh: &str, csrf: &str| {
        let mut b = App::req(Method::POST, path, None)
            .header(header::COOKIE, format!("fotobase_refresh={refresh}; fotobase_csrf={csrf}"));
        if let Some(h) = csrf_header {
            b = b.header("x-csrf-token", h);
        }
        b.body(Body::empty()).unwrap()
    };
    // A cross-site form post carries the cookie but cannot know the CSRF token.
    app.send(cookie_req("/api/v1/auth/refresh", None, &refresh, &csrf)).await.problem(403, "csrf_failed");
    app.send(cookie_req("/api/v1/auth/refresh", Some("guess"), &refresh, &csrf)).await.problem(403, "csrf_failed");
    let rotated = app.send(cookie_req("/api/v1/auth/refresh", Some(&csrf), &refresh, &csrf)).await;
    assert!(rotated.ok(200)["access_token"].is_string());
    let (refresh2, _) = set_cookie(&rotated, "fotobase_refresh");
    let (csrf2, _) = set_cookie(&rotated, "fotobase_csrf");
    assert_ne!(refresh, refresh2);
    app.send(cookie_req("/api/v1/auth/refresh", Some(&csrf), &refresh, &csrf)).await.problem(401, "token_reused");

    // Reuse ended that session; a new browser login, then logout clears the cookies.
    let login = app
        .post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD, "cookie": true}))
        .await;
    let (refresh3, _) = set_cookie(&login, "fotobase_refresh");
    let (csrf3, _) = set_cookie(&login, "fotobase_csrf");
    let out = app.send(cookie_req("/api/v1/auth/logout", Some(&csrf3), &refresh3, &csrf3)).await;
    assert_eq!(out.status, 204);
    assert!(set_cookie(&out, "fotobase_refresh").1.contains("Max-Age=0"));
    app.send(cookie_req("/api/v1/auth/refresh", Some(&csrf3), &refresh3, &csrf3)).await.problem(401, "token_invalid");
    let _ = (refresh2, csrf2);
    app.post("/api/v1/auth/refresh", None, json!({})).await.problem(401, "unauthenticated");
}

/// Sign-ups are throttled per address, whatever their outcome: scripted account creation
/// stops after a few, and answers for taken addresses cannot be collected at speed; other
/// addresses sign up as usual.
#[tokio::test]
async fn sign_ups_from_one_address_are_throttled() {
    let app = App::new().await;
    let register = |ip: [u8; 4], email: &str| {
        App::req(Method::POST, "/api/v1/auth/register", None)
            .header(header::CONTENT_TYPE, "application/json")
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40_000))))
            .body(Body::from(json!({"email": email, "password": PASSWORD}).to_string()))
            .unwrap()
    };
    let here = [203, 0, 113, 9];
    app.send(register(here, "ann@example.com")).await.ok(201);
    for _ in 0..9 {
        app.send(register(here, "ann@example.com")).await.problem(409, "already_exists");
    }
    let slow = app.send(register(here, "new@example.com")).await;
    slow.problem(429, "rate_limited");
    let wait: u64 = slow.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "a minute from the last sign-up: {wait}");
    app.send(register([198, 51, 100, 7], "bob@example.com")).await.ok(201);
}

/// A message to `to` whose subject has `subject` in the server's outbox (the mailer without
/// SMTP), removed from it, with quoted-printable undone; waits for the background send.
async fn mail_to(app: &App, to: &str, subject: &str) -> String {
    let outbox = app.state.config.data_dir.join("outbox");
    for _ in 0..200 {
        if let Ok(dir) = std::fs::read_dir(&outbox) {
            for entry in dir.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let subject_line = text.lines().find(|l| l.starts_with("Subject:")).unwrap_or_default();
                if text.contains(&format!("To: {to}")) && subject_line.contains(subject) {
                    std::fs::remove_file(entry.path()).unwrap();
                    return text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no mail to {to} in {}", outbox.display());
}

/// The token of the first link in a mail.
fn link_token(mail: &str) -> String {
    let at = mail.find("?token=").expect("a link") + "?token=".len();
    mail[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// A forgotten password: asking answers alike for any address; the link sets a new password
/// once (a weak one is refused without spending it), ends every session, and works no more.
#[tokio::test]
async fn password_reset_by_email() {
    let app = App::new().await;
    let first = app.signup("ann@example.com").await;
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD})).await.ok(200);
    let asked = app.post("/api/v1/auth/password-reset", None, json!({"email": "Ann@Example.com"})).await.ok(202);
    let unknown = app.post("/api/v1/auth/password-reset", None, json!({"email": "nobody@example.com"})).await.ok(202);
    assert_eq!(asked, unknown, "the answer does not say whether the address has an account");
    let mail = mail_to(&app, "ann@example.com", "Reset").await;
    assert!(mail.contains("/reset-password?token=") && mail.contains("multipart/alternative"), "{mail}");
    let token = link_token(&mail);
    // A signed rendition URL handed out before: a reset means someone else may have had the
    // account, so what it minted stops working too.
    let owner = first["access_token"].as_str().unwrap();
    let img = app.upload(owner, "jpeg", "").await;
    let mint = format!("/api/v1/images/{}/transform-url", img["id"].as_str().unwrap());
    let minted = app.post(&mint, Some(owner), json!({"width": 32})).await.ok(200);
    let rendition = minted["path"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&rendition, None).await.status, 200);
    let confirm = |token: &str, password: &str| json!({"token": token, "new_password": password});
    let url = "/api/v1/auth/password-reset/confirm";
    app.post(url, None, confirm(&token, "short")).await.problem(422, "weak_password");
    app.post(url, None, confirm("not-a-token", "a fresh long passphrase")).await.problem(401, "token_invalid");
    let done = app.post(url, None, confirm(&token, "a fresh long passphrase")).await.ok(200);
    assert_eq!(done["sessions_ended"], 2);
    let revoked = app.get(&rendition, None).await.problem(403, "forbidden");
    assert!(revoked["detail"].as_str().unwrap().contains("revoked"), "{revoked}");
    app.post(url, None, confirm(&token, "another long passphrase")).await.problem(401, "token_invalid");
    app.get("/api/v1/users/me", Some(first["access_token"].as_str().unwrap())).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD}))
        .await
        .problem(401, "invalid_credentials");
    let again = json!({"email": "ann@example.com", "password": "a fresh long passphrase"});
    let t = app.post("/api/v1/auth/login", None, again).await.ok(200);
    let me = app.get("/api/v1/users/me", Some(t["access_token"].as_str().unwrap())).await.ok(200);
    assert_eq!(me["email_verified"], true, "following the link proved the mailbox");
    // Asking again and again for one account backs off (its mailbox is not flooded).
    for _ in 0..2 {
        app.post("/api/v1/auth/password-reset", None, json!({"email": "ann@example.com"})).await.ok(202);
    }
    app.post("/api/v1/auth/password-reset", None, json!({"email": "ann@example.com"}))
        .await
        .problem(429, "rate_limited");
}

/// Optional verification (the default): the account works at once and a link confirms it.
/// Required: sign-up answers the same for a taken address (whose holder is told by mail), and
/// signing in waits for the link.
#[tokio::test]
async fn email_verification_optional_and_required() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    assert_eq!(app.get("/api/v1/users/me", Some(&t)).await.ok(200)["email_verified"], false);
    let token = link_token(&mail_to(&app, "ann@example.com", "Confirm").await);
    app.post("/api/v1/auth/verify-email", None, json!({"token": token})).await.ok(200);
    app.post("/api/v1/auth/verify-email", None, json!({"token": token})).await.problem(401, "token_invalid");
    assert_eq!(app.get("/api/v1/users/me", Some(&t)).await.ok(200)["email_verified"], true);

    let app = App::with(|c| c.email_verification = Some(fotobase_server::config::EmailVerification::Required)).await;
    let register = json!({"email": "bob@example.com", "password": PASSWORD});
    let new = app.post("/api/v1/auth/register", None, register.clone()).await.ok(202);
    let taken = app.post("/api/v1/auth/register", None, register.clone()).await.ok(202);
    assert_eq!(new, taken, "a taken address is answered as a free one");
    assert_eq!(new["status"], "check_email");
    let login = json!({"email": "bob@example.com", "password": PASSWORD});
    app.post("/api/v1/auth/login", None, login.clone()).await.problem(403, "email_unverified");
    let confirm = mail_to(&app, "bob@example.com", "Confirm").await;
    let notice = mail_to(&app, "bob@example.com", "already have").await;
    assert!(notice.contains("already has one") && notice.contains("/reset-password?token="), "{notice}");
    // Asking again and again does not flood the holder's mailbox: two more notices, then none.
    for _ in 0..4 {
        app.post("/api/v1/auth/register", None, register.clone()).await.ok(202);
    }
    for _ in 0..2 {
        mail_to(&app, "bob@example.com", "already have").await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let outbox = app.state.config.data_dir.join("outbox");
    let more = std::fs::read_dir(&outbox)
        .unwrap()
        .flatten()
        .filter(|e| std::fs::read_to_string(e.path()).unwrap_or_default().contains("already have"));
    assert_eq!(more.count(), 0, "a fourth notice within the minute");
    app.post("/api/v1/auth/verify-email", None, json!({"token": link_token(&confirm)})).await.ok(200);
    app.post("/api/v1/auth/login", None, login).await.ok(200);
}

/// A change of address: the password again; the same answer for a taken address (whose holder
/// is told, and nothing else happens); a warning to the current address; the move only when the
/// new mailbox's link is followed, once; links still out for the old address stop working.
#[tokio::test]
async fn changing_the_address_waits_for_the_new_mailbox() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    app.signup("bob@example.com").await;
    let change = |to: &str, password: &str| json!({"new_email": to, "password": password});
    let url = "/api/v1/auth/email";
    let wrong = app.post(url, Some(&t), change("ann@new.example", "not the password")).await;
    assert_eq!(wrong.problem(403, "invalid_credentials")["field"], "password");
    let bad = app.post(url, Some(&t), change("not an address", PASSWORD)).await;
    assert_eq!(bad.problem(400, "invalid_argument")["field"], "new_email");
    app.post(url, Some(&t), change("ANN@example.com", PASSWORD)).await.problem(400, "invalid_argument");
    app.post(url, None, change("ann@new.example", PASSWORD)).await.problem(401, "unauthenticated");
    // A reset link out for the old address, before the move.
    app.post("/api/v1/auth/password-reset", None, json!({"email": "ann@example.com"})).await.ok(202);
    let reset = link_token(&mail_to(&app, "ann@example.com", "Reset").await);

    let free = app.post(url, Some(&t), change("Ann@New.Example", PASSWORD)).await.ok(202);
    let taken = app.post(url, Some(&t), change("bob@example.com", PASSWORD)).await.ok(202);
    assert_eq!(free, taken, "the answer does not say whether the address has an account");
    let notice = mail_to(&app, "bob@example.com", "already has").await;
    assert!(!notice.contains("?token="), "a taken address gets no link: {notice}");
    let warned = [
        mail_to(&app, "ann@example.com", "about to change").await,
        mail_to(&app, "ann@example.com", "about to change").await,
    ]
    .join("\n");
    assert!(warned.contains("to a***@new.example") && warned.contains("to b***@example.com"), "{warned}");
    assert!(!warned.contains("?token="), "the current address gets no link: {warned}");
    let link = mail_to(&app, "ann@new.example", "Confirm your new").await;
    assert!(link.contains("/confirm-email?token="), "{link}");
    let login = |email: &str| json!({"email": email, "password": PASSWORD});
    app.post("/api/v1/auth/login", None, login("ann@example.com")).await.ok(200);
    app.post("/api/v1/auth/login", None, login("ann@new.example")).await.problem(401, "invalid_credentials");

    let confirm = "/api/v1/auth/email/confirm";
    let done = app.post(confirm, None, json!({"token": link_token(&link)})).await.ok(200);
    assert_eq!(done, json!({"email": "ann@new.example", "email_verified": true}));
    app.post(confirm, None, json!({"token": link_token(&link)})).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/login", None, login("ann@example.com")).await.problem(401, "invalid_credentials");
    app.post("/api/v1/auth/login", None, login("ann@new.example")).await.ok(200);
    let me = app.get("/api/v1/users/me", Some(&t)).await.ok(200);
    assert_eq!((&me["email"], &me["email_verified"]), (&json!("ann@new.example"), &json!(true)));
    let reset = json!({"token": reset, "new_password": "a fresh long passphrase"});
    app.post("/api/v1/auth/password-reset/confirm", None, reset).await.problem(401, "token_invalid");
    let events = app.get("/api/v1/users/me/events", Some(&t)).await.ok(200);
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"email_changed") && kinds.contains(&"email_change_requested"), "{kinds:?}");
    // The old address is free again: someone else may now sign up with it.
    app.signup("ann@example.com").await;
}
