//! The caller's profile, account deletion, and administration.

use axum::body::Body;
use axum::http::{Method, header};
use serde_json::json;

use crate::harness::{App, PASSWORD};

#[tokio::test]
async fn profile_read_and_update() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let me = app.get("/api/v1/users/me", Some(&t)).await.ok(200);
    assert_eq!(me["display_name"], "ann");
    let img = app.upload(&t, "jpeg", "").await;
    let updated = app
        .patch(
            "/api/v1/users/me",
            Some(&t),
            json!({"display_name": "Ann A.", "avatar_image_id": img["id"], "preferences": {"theme": "dark"}}),
        )
        .await
        .ok(200);
    assert_eq!(updated["display_name"], "Ann A.");
    assert_eq!(updated["avatar_image_id"], img["id"]);
    assert_eq!(updated["preferences"]["theme"], "dark");
    let cleared = app.patch("/api/v1/users/me", Some(&t), json!({"avatar_image_id": null})).await.ok(200);
    assert!(cleared["avatar_image_id"].is_null());
    assert_eq!(cleared["display_name"], "Ann A.", "absent fields stay");
    app.patch("/api/v1/users/me", Some(&t), json!({"preferences": [1]})).await.problem(400, "invalid_argument");
    app.patch("/api/v1/users/me", Some(&t), json!({"avatar_image_id": "img_nope"}))
        .await
        .problem(400, "invalid_argument");
    app.patch("/api/v1/users/me", Some(&t), json!({"roles": ["admin"]})).await.problem(400, "invalid_argument");
    // Someone else's image cannot be an avatar.
    let bob = app.token("bob@example.com").await;
    let bobs = app.upload(&bob, "png", "").await;
    app.patch("/api/v1/users/me", Some(&t), json!({"avatar_image_id": bobs["id"]})).await.problem(404, "not_found");
}

#[tokio::test]
async fn admins_list_grant_revoke_and_disable() {
    let app = App::new().await;
    let admin = app.token("root@example.com").await;
    let bob = app.token("bob@example.com").await;
    let bob_id = app.get("/api/v1/users/me", Some(&bob)).await.ok(200)["id"].as_str().unwrap().to_owned();
    app.get("/api/v1/users", Some(&bob)).await.problem(403, "forbidden");
    let page = app.get("/api/v1/users?limit=1", Some(&admin)).await.ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next_cursor"].as_str().unwrap();
    let page2 = app.get(&format!("/api/v1/users?limit=1&cursor={next}"), Some(&admin)).await.ok(200);
    assert_eq!(page2["items"][0]["id"], bob_id.as_str());

    let granted = app
        .call(axum::http::Method::PUT, &format!("/api/v1/users/{bob_id}/roles/admin"), Some(&admin), None)
        .await
        .ok(200);
    assert_eq!(granted["roles"], json!(["admin", "user"]));
    app.get("/api/v1/users", Some(&bob)).await.ok(200);
    app.delete(&format!("/api/v1/users/{bob_id}/roles/admin"), Some(&admin)).await.ok(200);
    app.get("/api/v1/users", Some(&bob)).await.problem(403, "forbidden");
    app.call(axum::http::Method::PUT, &format!("/api/v1/users/{bob_id}/roles/wizard"), Some(&admin), None)
        .await
        .problem(400, "invalid_argument");
    app.get("/api/v1/users/usr_0000000000000000000000000", Some(&admin)).await.problem(404, "not_found");

    let disabled = app.patch(&format!("/api/v1/users/{bob_id}"), Some(&admin), json!({"disabled": true})).await.ok(200);
    assert_eq!(disabled["disabled"], true);
    app.get("/api/v1/users/me", Some(&bob)).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/login", None, json!({"email": "bob@example.com", "password": PASSWORD}))
        .await
        .problem(403, "forbidden");
    let root_id = app.get("/api/v1/users/me", Some(&admin)).await.ok(200)["id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/users/{root_id}"), Some(&admin), json!({"disabled": true}))
        .await
        .problem(400, "invalid_argument");
    app.delete(&format!("/api/v1/users/{root_id}/roles/admin"), Some(&admin)).await.problem(409, "conflict");
}

#[tokio::test]
async fn deleting_an_account_leaves_nothing_behind() {
    let app = App::new().await;
    let admin = app.token("root@example.com").await;
    let t = app.token("ann@example.com").await;
    let keep = app.upload(&admin, "jpeg", "").await;
    let a = app.upload(&t, "jpeg", "?tags=beach").await;
    app.upload(&t, "png", "").await;
    app.post(
        &format!("/api/v1/images/{}/process", a["id"].as_str().unwrap()),
        Some(&t),
        json!({"format": "webp", "quality": 70}),
    )
    .await
    .ok(202);
    app.drain().await;
    let folder = app.post("/api/v1/folders", Some(&t), json!({"name": "Trip", "visibility": "public"})).await.ok(201);
    app.post(
        &format!("/api/v1/folders/{}/images", folder["id"].as_str().unwrap()),
        Some(&t),
        json!({"image_ids": [a["id"]]}),
    )
    .await
    .ok(200);
    let share = app
        .post(&format!("/api/v1/folders/{}/share", folder["id"].as_str().unwrap()), Some(&t), json!({}))
        .await
        .ok(201);
    let blobs_before = app.state.media.blobs().list("").await.unwrap().len();

    // The access token alone is not enough: the password again, and a wrong one changes nothing.
    let me = "/api/v1/users/me";
    assert!(app.delete(me, Some(&t)).await.status.is_client_error());
    let wrong = app.call(Method::DELETE, me, Some(&t), Some(json!({"password": "not it at all"}))).await;
    assert_eq!(wrong.problem(403, "invalid_credentials")["field"], "password");
    assert_eq!(app.get(me, Some(&t)).await.ok(200)["email"], "ann@example.com", "still there");
    app.call(Method::DELETE, me, Some(&t), Some(json!({"password": PASSWORD}))).await.ok(204);
    app.get("/api/v1/users/me", Some(&t)).await.problem(401, "token_invalid");
    app.post("/api/v1/auth/login", None, json!({"email": "ann@example.com", "password": PASSWORD}))
        .await
        .problem(401, "invalid_credentials");
    app.get(&format!("/api/v1/shared/{}", share["token"].as_str().unwrap()), None).await.problem(404, "not_found");
    app.get(&format!("/api/v1/folders/{}", folder["id"].as_str().unwrap()), None).await.problem(404, "not_found");

    // Blobs written in the last few minutes are collected once the upload claim
    // window has passed (crash safety): run the collector as if two hours later.
    let now = fotobase_auth::clock::Clock::now(&fotobase_auth::clock::SystemClock);
    let later = fotobase_store::media::Media::new(app.state.db.clone(), app.state.media.blobs().clone())
        .with_clock(std::sync::Arc::new(fotobase_auth::clock::ManualClock::new(now + 7200)));
    later.gc().await.unwrap();
    let audit = later.audit().await.unwrap();
    assert!(audit.missing.is_empty() && audit.unreferenced.is_empty(), "{audit:?}");
    let stats = app.state.images().stats(None).await.unwrap();
    assert_eq!(stats.images, 1, "only the admin's image is left");
    assert_eq!(stats.versions, 0);
    // The admin's original and thumbnail are all that is stored (ann's identical
    // JPEG shared their content address and did not take them along).
    let blobs_after = app.state.media.blobs().list("").await.unwrap().len();
    assert_eq!((blobs_before, blobs_after), (5, 2));
    app.get(&format!("/api/v1/images/{}", keep["id"].as_str().unwrap()), Some(&admin)).await.ok(200);
    assert_eq!(app.state.queue.counts(None, None).await.unwrap().succeeded, 1, "only the admin's thumbnail job");

    // The last admin cannot leave without a successor.
    app.call(Method::DELETE, "/api/v1/users/me", Some(&admin), Some(json!({"password": PASSWORD})))
        .await
        .problem(409, "conflict");
}

/// Each account's security events, newest first: sign-ins and failures with the client's
/// address and user agent, password changes, what an admin did (and which admin); the holder
/// sees their own, admins anyone's, nobody else's.
#[tokio::test]
async fn security_events_are_recorded_and_shown_to_the_holder_and_admins() {
    let app = App::new().await;
    let admin = app.token("admin@example.com").await;
    let ann = app.token("ann@example.com").await;
    let login_from = |password: &str| {
        App::req(Method::POST, "/api/v1/auth/login", None)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "Firefox/140")
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from(([203, 0, 113, 9], 40_000))))
            .body(Body::from(json!({"email": "ann@example.com", "password": password}).to_string()))
            .unwrap()
    };
    app.send(login_from("a wrong password")).await.problem(401, "invalid_credentials");
    app.send(login_from(PASSWORD)).await.ok(200);
    let change = json!({"current_password": PASSWORD, "new_password": "another long passphrase"});
    app.post("/api/v1/auth/password", Some(&ann), change).await.ok(200);
    let ann_id = app.get("/api/v1/users/me", Some(&ann)).await.ok(200)["id"].as_str().unwrap().to_owned();
    app.call(Method::PUT, &format!("/api/v1/users/{ann_id}/roles/admin"), Some(&admin), None).await.ok(200);

    let mine = app.get("/api/v1/users/me/events", Some(&ann)).await.ok(200);
    let kinds: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["role_granted", "password_changed", "signed_in", "sign_in_failed", "signed_in"], "{mine}");
    let items = mine["items"].as_array().unwrap();
    assert_eq!((items[2]["ip"].as_str(), items[2]["user_agent"].as_str()), (Some("203.0.113.9"), Some("Firefox/140")));
    let admin_id = app.get("/api/v1/users/me", Some(&admin)).await.ok(200)["id"].clone();
    assert_eq!(items[0]["by"], admin_id, "the admin who acted is named");
    assert!(items[1]["by"].is_null());
    // Pages, newest first.
    let first = app.get("/api/v1/users/me/events?limit=2", Some(&ann)).await.ok(200);
    let cursor = first["next_cursor"].as_str().unwrap();
    let next = app.get(&format!("/api/v1/users/me/events?limit=2&cursor={cursor}"), Some(&ann)).await.ok(200);
    assert_eq!(next["items"][0]["kind"], "signed_in");
    // Admins see anyone's; others see only their own.
    let seen = app.get(&format!("/api/v1/users/{ann_id}/events"), Some(&admin)).await.ok(200);
    assert_eq!(seen["items"].as_array().unwrap().len(), 5);
    let bob = app.token("bob@example.com").await;
    app.get(&format!("/api/v1/users/{ann_id}/events"), Some(&bob)).await.problem(403, "forbidden");
}
