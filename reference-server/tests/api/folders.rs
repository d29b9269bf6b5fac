//! Folders: CRUD, nesting, tags, search, membership; share links end to end.

use serde_json::{Value, json};

use crate::harness::App;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn folders_nest_tag_search_and_hold_photos() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let trips = app
        .post("/api/v1/folders", Some(&t), json!({"name": "Trips", "visibility": "private", "tags": ["Travel"]}))
        .await
        .ok(201);
    assert!(id(&trips).starts_with("fld_"));
    assert_eq!(trips["tags"], json!(["travel"]));
    let italy = app
        .post("/api/v1/folders", Some(&t), json!({"name": "Italy 2024", "parent": id(&trips), "visibility": "public"}))
        .await
        .ok(201);
    assert_eq!(italy["parent_id"], id(&trips).as_str());
    app.post("/api/v1/folders", Some(&t), json!({"name": ""})).await.problem(400, "invalid_argument");
    app.post("/api/v1/folders", Some(&t), json!({"name": "x", "parent": "fld_nope"}))
        .await
        .problem(400, "invalid_argument");
    app.post("/api/v1/folders", Some(&t), json!({"name": "x", "visibility": "friends"}))
        .await
        .problem(400, "invalid_argument");

    let names = |v: Value| {
        v["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(app.get("/api/v1/folders?name=ital", Some(&t)).await.ok(200)), ["Italy 2024"]);
    assert_eq!(names(app.get("/api/v1/folders?tag=travel", Some(&t)).await.ok(200)), ["Trips"]);
    assert_eq!(
        names(app.get(&format!("/api/v1/folders?parent={}", id(&trips)), Some(&t)).await.ok(200)),
        ["Italy 2024"]
    );
    assert_eq!(names(app.get("/api/v1/folders?visibility=public", Some(&t)).await.ok(200)), ["Italy 2024"]);

    let a = app.upload(&t, "jpeg", "?visibility=public").await;
    let b = app.upload(&t, "png", "").await;
    let path = format!("/api/v1/folders/{}/images", id(&italy));
    let added = app.post(&path, Some(&t), json!({"image_ids": [id(&a), id(&b)]})).await.ok(200);
    assert_eq!(added["changed"], 2);
    assert_eq!(added["folder"]["image_count"], 2);
    let inside = app.get(&format!("/api/v1/images?folder={}", id(&italy)), Some(&t)).await.ok(200);
    assert_eq!(inside["items"].as_array().unwrap().len(), 2);
    app.post(&path, Some(&t), json!({"image_ids": []})).await.problem(400, "invalid_argument");
    app.post(&path, Some(&t), json!({"image_ids": ["img_forged"]})).await.problem(400, "invalid_argument");
    let bob = app.token("bob@example.com").await;
    let bobs = app.upload(&bob, "jpeg", "").await;
    app.post(&path, Some(&t), json!({"image_ids": [id(&bobs)]})).await.problem(400, "invalid_argument");

    // Anyone may look into the public folder, and sees only its public photos.
    let public_view = app.get(&path, None).await.ok(200);
    assert_eq!(public_view["items"].as_array().unwrap().len(), 1);
    assert_eq!(public_view["items"][0]["id"], id(&a).as_str());

    let removed =
        app.call(axum::http::Method::DELETE, &path, Some(&t), Some(json!({"image_ids": [id(&b)]}))).await.ok(200);
    assert_eq!(removed["changed"], 1);

    let moved = app
        .patch(&format!("/api/v1/folders/{}", id(&italy)), Some(&t), json!({"parent": null, "name": "Italia"}))
        .await
        .ok(200);
    assert!(moved["parent_id"].is_null());
    assert_eq!(moved["name"], "Italia");
    app.patch(&format!("/api/v1/folders/{}", id(&trips)), Some(&t), json!({"parent": id(&trips)}))
        .await
        .problem(400, "invalid_argument");

    app.delete(&format!("/api/v1/folders/{}", id(&italy)), Some(&t)).await.ok(204);
    app.get(&format!("/api/v1/folders/{}", id(&italy)), Some(&t)).await.problem(404, "not_found");
    // The photos outlive their folder.
    app.get(&format!("/api/v1/images/{}", id(&a)), Some(&t)).await.ok(200);
}

#[tokio::test]
async fn share_links_open_without_an_account() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let folder = app.post("/api/v1/folders", Some(&t), json!({"name": "Private album"})).await.ok(201);
    let a = app.upload(&t, "jpeg", "").await;
    let outside = app.upload(&t, "png", "").await;
    app.post(&format!("/api/v1/folders/{}/images", id(&folder)), Some(&t), json!({"image_ids": [id(&a)]}))
        .await
        .ok(200);
    app.drain().await;

    let link = app
        .post(&format!("/api/v1/folders/{}/share", id(&folder)), Some(&t), json!({"expires_in": 3600}))
        .await
        .ok(201);
    let token = link["token"].as_str().unwrap();
    assert!(link["url"].as_str().unwrap().ends_with(&format!("/s/{token}")));
    assert!(link["expires_at"].is_i64());

    let shared = app.get(&format!("/api/v1/shared/{token}"), None).await.ok(200);
    assert_eq!(shared["folder"]["name"], "Private album");
    assert_eq!(shared["images"].as_array().unwrap().len(), 1);
    let original_url = shared["images"][0]["original_url"].as_str().unwrap();
    let file = app.get(original_url, None).await;
    assert_eq!(file.status, 200);
    assert!(file.headers[axum::http::header::CACHE_CONTROL].to_str().unwrap().starts_with("private"));
    app.get(shared["images"][0]["thumbnail_url"].as_str().unwrap(), None).await;
    // The link reaches what it shares and nothing else.
    app.get(&format!("/api/v1/shared/{token}/images/{}/original", id(&outside)), None).await.problem(404, "not_found");
    app.get(&format!("/api/v1/images/{}", id(&a)), None).await.problem(404, "not_found");
    app.get(&format!("/api/v1/images/{}", id(&a)), Some(token)).await.problem(401, "token_invalid");
    app.get("/api/v1/shared/not-a-token", None).await.problem(404, "not_found");

    let listed = app.get("/api/v1/shares", Some(&t)).await.ok(200);
    assert_eq!(listed[0]["folder_id"], id(&folder).as_str());
    let bob = app.token("bob@example.com").await;
    app.delete(&format!("/api/v1/shares/{token}"), Some(&bob)).await.problem(404, "not_found");
    app.delete(&format!("/api/v1/shares/{token}"), Some(&t)).await.ok(204);
    app.get(&format!("/api/v1/shared/{token}"), None).await.problem(404, "not_found");
    app.get(original_url, None).await.problem(404, "not_found");

    app.post(&format!("/api/v1/folders/{}/share", id(&folder)), Some(&t), json!({"expires_in": 0}))
        .await
        .problem(400, "invalid_argument");
    app.post(&format!("/api/v1/folders/{}/share", id(&folder)), Some(&t), json!({"expires_in": "soon"}))
        .await
        .problem(400, "invalid_argument");

    // The list's id revokes a link without its token (the owner's only).
    let second = app.post(&format!("/api/v1/images/{}/share", id(&a)), Some(&t), json!({})).await.ok(201);
    let listed = app.get("/api/v1/shares", Some(&t)).await.ok(200);
    let entry = listed.as_array().unwrap().iter().find(|l| l["image_id"] == id(&a).as_str()).unwrap().clone();
    let link_id = entry["id"].as_str().unwrap();
    assert!(link_id.starts_with("shr_"), "{entry}");
    assert!(entry["revoked_at"].is_null());
    app.delete(&format!("/api/v1/shares/{link_id}"), Some(&bob)).await.problem(404, "not_found");
    app.delete(&format!("/api/v1/shares/{link_id}"), Some(&t)).await.ok(204);
    app.delete(&format!("/api/v1/shares/{link_id}"), Some(&t)).await.problem(404, "not_found");
    app.get(&format!("/api/v1/shared/{}", second["token"].as_str().unwrap()), None).await.problem(404, "not_found");
}

#[tokio::test]
async fn password_protected_image_link() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let a = app.upload(&t, "jpeg", "").await;
    let link = app
        .post(&format!("/api/v1/images/{}/share", id(&a)), Some(&t), json!({"password": "open sesame"}))
        .await
        .ok(201);
    assert_eq!(link["has_password"], true);
    let path = format!("/api/v1/shared/{}", link["token"].as_str().unwrap());
    app.get(&path, None).await.problem(401, "unauthenticated");
    let with = |pw: &str| {
        App::req(axum::http::Method::GET, &path, None)
            .header("x-share-password", pw)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    app.send(with("guess")).await.problem(403, "invalid_credentials");
    let ok = app.send(with("open sesame")).await.ok(200);
    assert!(ok["folder"].is_null());
    assert_eq!(ok["images"][0]["id"], id(&a).as_str());
    // Guessing is throttled per link.
    for _ in 0..6 {
        app.send(with("guess")).await;
    }
    app.send(with("open sesame")).await.problem(429, "rate_limited");
}

/// Once its time is up a link opens nothing, for anyone, and says only "not found" (as for a
/// link that never existed).
#[tokio::test]
async fn expired_share_links_open_nothing() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let folder =
        app.post("/api/v1/folders", Some(&t), json!({"name": "Soon gone", "visibility": "private"})).await.ok(201);
    let fid = folder["id"].as_str().unwrap();
    let link = app.post(&format!("/api/v1/folders/{fid}/share"), Some(&t), json!({"expires_in": 1})).await.ok(201);
    let token = link["token"].as_str().unwrap();
    app.get(&format!("/api/v1/shared/{token}"), None).await.ok(200);
    // Waits out the one-second lifetime (a deadline, not a measured time).
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let gone = app.get(&format!("/api/v1/shared/{token}"), None).await.problem(404, "not_found");
    let never = app.get("/api/v1/shared/not-a-token", None).await.problem(404, "not_found");
    assert_eq!(gone["detail"], never["detail"]);
}
