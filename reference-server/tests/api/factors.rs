//! Two-step verification: TOTP enrolment, logins with a code or a recovery code, replay and
//! guessing refused, step-ups to turn it off or renew the recovery codes, security events.

use fotobase_auth::clock::{Clock as _, SystemClock};
use fotobase_auth::totp::Totp;
use serde_json::{Value, json};

use crate::harness::{App, PASSWORD};

const ANN: &str = "ann@example.com";

/// Ann's account with TOTP on: her access token, generator and recovery codes.
async fn enrolled(app: &App) -> (String, Totp, Vec<String>) {
    let access = app.token(ANN).await;
    let setup = app.post("/api/v1/auth/totp/setup", Some(&access), json!({"password": PASSWORD})).await.ok(200);
    let totp = Totp::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let codes = app
        .post("/api/v1/auth/totp/enable", Some(&access), json!({"code": totp.code_at(SystemClock.now())}))
        .await
        .ok(200);
    let codes = codes["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (access, totp, codes)
}

/// A six-digit code no step in the verification window has.
fn wrong_code(totp: &Totp) -> String {
    let now = SystemClock.now();
    let valid: Vec<String> = (-2..=2).map(|d| totp.code_at(now + d * 30)).collect();
    (0..).map(|n| format!("{n:06}")).find(|c| !valid.contains(c)).unwrap()
}

fn login(extra: Value) -> Value {
    let mut body = json!({"email": ANN, "password": PASSWORD});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn totp_enrolment_logins_replays_and_recovery_codes() {
    let app = App::new().await;
    let access = app.token(ANN).await;
    let status = app.get("/api/v1/auth/factors", Some(&access)).await.ok(200);
    assert_eq!(status, json!({"totp": false, "recovery_codes_left": 0}));
    // Enrolment asks for the password again.
    let wrong = app.post("/api/v1/auth/totp/setup", Some(&access), json!({"password": "not it at all"})).await;
    assert_eq!(wrong.problem(403, "invalid_credentials")["field"], "password");
    let setup = app.post("/api/v1/auth/totp/setup", Some(&access), json!({"password": PASSWORD})).await.ok(200);
    let uri = setup["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/fotobase:ann%40example.com?secret="), "{uri}");
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let totp = Totp::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    // Not confirmed yet: logins do not ask for a code, and a wrong code does not confirm it.
    app.post("/api/v1/auth/login", None, login(json!({}))).await.ok(200);
    let r = app.post("/api/v1/auth/totp/enable", Some(&access), json!({"code": wrong_code(&totp)})).await;
    r.problem(403, "second_factor_invalid");
    let now = SystemClock.now();
    let enabled = app.post("/api/v1/auth/totp/enable", Some(&access), json!({"code": totp.code_at(now)})).await.ok(200);
    let codes: Vec<String> =
        enabled["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10);
    app.post("/api/v1/auth/totp/enable", Some(&access), json!({"code": totp.code_at(now + 30)}))
        .await
        .problem(409, "conflict");
    app.post("/api/v1/auth/totp/setup", Some(&access), json!({"password": PASSWORD})).await.problem(409, "conflict");
    // Nor move the account to another address (and its reset links with it).
    let move_to = json!({"new_email": "thief@example.com", "password": PASSWORD});
    app.post("/api/v1/auth/email", Some(&access), move_to.clone()).await.problem(401, "second_factor_required");
    let mut with_code = move_to;
    with_code["totp_code"] = json!(wrong_code(&totp));
    app.post("/api/v1/auth/email", Some(&access), with_code).await.problem(403, "second_factor_invalid");
    let status = app.get("/api/v1/auth/factors", Some(&access)).await.ok(200);
    assert_eq!(status, json!({"totp": true, "recovery_codes_left": 10}));

    // A right password alone is not enough; a wrong password still says only that.
    app.post("/api/v1/auth/login", None, login(json!({}))).await.problem(401, "second_factor_required");
    app.post("/api/v1/auth/login", None, json!({"email": ANN, "password": "wrong wrong wrong", "totp_code": "123456"}))
        .await
        .problem(401, "invalid_credentials");
    // The enrolment's code was taken: it does not log in. The next step's code does, once.
    app.post("/api/v1/auth/login", None, login(json!({"totp_code": totp.code_at(now)})))
        .await
        .problem(401, "second_factor_invalid");
    let next = totp.code_at(now + 30);
    app.post("/api/v1/auth/login", None, login(json!({"totp_code": next}))).await.ok(200);
    app.post("/api/v1/auth/login", None, login(json!({"totp_code": next}))).await.problem(401, "second_factor_invalid");
    // A recovery code, typed loosely, works once.
    let loose = codes[0].to_uppercase().replace('-', " ");
    app.post("/api/v1/auth/login", None, login(json!({"recovery_code": loose}))).await.ok(200);
    app.post("/api/v1/auth/login", None, login(json!({"recovery_code": codes[0]})))
        .await
        .problem(401, "second_factor_invalid");
    let status = app.get("/api/v1/auth/factors", Some(&access)).await.ok(200);
    assert_eq!(status["recovery_codes_left"], 9);

    // New recovery codes: the password and a code again; the old codes stop working.
    app.post("/api/v1/auth/recovery-codes", Some(&access), json!({"password": PASSWORD}))
        .await
        .problem(401, "second_factor_required");
    let renewed = app
        .post("/api/v1/auth/recovery-codes", Some(&access), json!({"password": PASSWORD, "recovery_code": codes[1]}))
        .await
        .ok(200);
    let fresh = renewed["recovery_codes"][0].as_str().unwrap().to_owned();
    app.post("/api/v1/auth/login", None, login(json!({"recovery_code": codes[2]})))
        .await
        .problem(401, "second_factor_invalid");

    // Turning it off: a wrong code is refused; the password and a code turn it off.
    let off = |code: Value| json!({"password": PASSWORD, "totp_code": code});
    let r = app.post("/api/v1/auth/totp/disable", Some(&access), off(json!(wrong_code(&totp)))).await;
    r.problem(403, "second_factor_invalid");
    let r = app.post("/api/v1/auth/totp/disable", Some(&access), json!({"password": PASSWORD, "recovery_code": fresh}));
    assert_eq!(r.await.status, 204);
    app.post("/api/v1/auth/login", None, login(json!({}))).await.ok(200);
    let status = app.get("/api/v1/auth/factors", Some(&access)).await.ok(200);
    assert_eq!(status, json!({"totp": false, "recovery_codes_left": 0}));

    let events = app.get("/api/v1/users/me/events?limit=100", Some(&access)).await.ok(200);
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in [
        "second_factor_on",
        "second_factor_failed",
        "recovery_code_used",
        "recovery_codes_renewed",
        "second_factor_off",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

/// Guessing codes after a right password counts like guessing passwords: the account backs
/// off, and even the right code waits.
#[tokio::test]
async fn guessing_codes_is_throttled_like_passwords() {
    let app = App::new().await;
    let (_, totp, _) = enrolled(&app).await;
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, login(json!({"totp_code": wrong_code(&totp)})))
            .await
            .problem(401, "second_factor_invalid");
    }
    let right = totp.code_at(SystemClock.now() + 30);
    app.post("/api/v1/auth/login", None, login(json!({"totp_code": right}))).await.problem(429, "rate_limited");
}

/// A stolen access token cannot replace or remove the factor: both need the password, and
/// removing needs a code as well; so does a change of address.
#[tokio::test]
async fn an_access_token_alone_cannot_take_the_factor_over() {
    let app = App::new().await;
    let (access, totp, _) = enrolled(&app).await;
    let code = totp.code_at(SystemClock.now() + 30);
    let r =
        app.post("/api/v1/auth/totp/disable", Some(&access), json!({"password": "a guess", "totp_code": code})).await;
    r.problem(403, "invalid_credentials");
    app.post("/api/v1/auth/totp/disable", Some(&access), json!({"password": PASSWORD}))
        .await
        .problem(401, "second_factor_required");
    app.post("/api/v1/auth/totp/setup", Some(&access), json!({"password": PASSWORD})).await.problem(409, "conflict");
    // Nor move the account to another address (and its reset links with it).
    let move_to = json!({"new_email": "thief@example.com", "password": PASSWORD});
    app.post("/api/v1/auth/email", Some(&access), move_to.clone()).await.problem(401, "second_factor_required");
    let mut with_code = move_to;
    with_code["totp_code"] = json!(wrong_code(&totp));
    app.post("/api/v1/auth/email", Some(&access), with_code).await.problem(403, "second_factor_invalid");
    app.post("/api/v1/auth/totp/disable", None, json!({"password": PASSWORD, "totp_code": code}))
        .await
        .problem(401, "unauthenticated");
    let status = app.get("/api/v1/auth/factors", Some(&access)).await.ok(200);
    assert_eq!(status["totp"], true);
}

/// "Remember this browser": a login with a code and `remember_device` lets that browser (its
/// device cookie) sign in with the password alone for 30 days; other browsers, and browsers that
/// did not ask, are still asked for a code; turning the factor off, a new password and logging
/// out everywhere forget every browser.
#[tokio::test]
async fn a_remembered_browser_skips_the_code_until_the_account_changes() {
    let app = App::new().await;
    let (access, totp, codes) = enrolled(&app).await;
    let now = SystemClock.now();
    let here = [198, 51, 100, 7];
    let device_of = |r: &crate::harness::Res| {
        let cookie = r.headers.get_all(axum::http::header::SET_COOKIE).iter().find_map(|v| {
            v.to_str().unwrap().strip_prefix("fotobase_device=").map(|rest| rest.split(';').next().unwrap().to_owned())
        });
        cookie.expect("a device cookie")
    };
    let remembered = app
        .send(App::login_request(
            here,
            login(json!({"totp_code": totp.code_at(now + 30), "remember_device": true})),
            None,
        ))
        .await;
    let remembered = device_of(&remembered);
    let forgetful = app
        .send(App::login_request(here, login(json!({"recovery_code": codes[0], "remember_device": false})), None))
        .await;
    let forgetful = device_of(&forgetful);
    let password_only = |device: Option<&str>| App::login_request(here, login(json!({})), device);
    app.send(password_only(Some(&remembered))).await.ok(200);
    app.send(password_only(None)).await.problem(401, "second_factor_required");
    app.send(password_only(Some(&forgetful))).await.problem(401, "second_factor_required");
    // remember_device without a code remembers nothing.
    let asked = App::login_request(here, login(json!({"remember_device": true})), Some(&forgetful));
    app.send(asked).await.problem(401, "second_factor_required");
    app.send(password_only(Some(&forgetful))).await.problem(401, "second_factor_required");

    app.post("/api/v1/auth/logout-all", Some(&access), json!({})).await.ok(200);
    app.send(password_only(Some(&remembered))).await.problem(401, "second_factor_required");
}
