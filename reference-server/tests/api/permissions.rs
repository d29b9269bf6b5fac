//! The permission matrix: every endpoint × {anonymous, owner, other user, admin}
//! × {public, private} → the expected status. Nobody reads or changes another
//! user's data; private things are indistinguishable from missing ones.

use axum::http::Method;
use serde_json::{Value, json};

use crate::harness::App;

/// Expected statuses for [anonymous, owner, other user, admin].
type Row = [u16; 4];

/// Read access: anyone for public, only the owner for private (others: 404).
const READ_PUBLIC: Row = [200, 200, 200, 200];
const READ_PRIVATE: Row = [404, 200, 404, 404];

fn write(owner: u16, public: bool) -> Row {
    if public { [401, owner, 403, 403] } else { [401, owner, 404, 404] }
}

struct World {
    app: App,
    /// anonymous, owner, other, admin
    tokens: [Option<String>; 4],
}

impl World {
    async fn new() -> World {
        let app = App::new().await;
        let admin = app.token("root@example.com").await; // first account: admin
        let owner = app.token("ann@example.com").await;
        let other = app.token("bob@example.com").await;
        World { app, tokens: [None, Some(owner), Some(other), Some(admin)] }
    }

    fn owner(&self) -> &str {
        self.tokens[1].as_deref().unwrap()
    }

    async fn check(&self, method: Method, path: &str, body: Option<Value>, expected: Row) {
        for (who, want) in expected.into_iter().enumerate() {
            self.one(method.clone(), path, body.clone(), who, want).await;
        }
    }

    /// Only the callers at `who` (indexes into the row).
    async fn check_some(&self, method: Method, path: &str, who: &[usize], expected: Row) {
        for &w in who {
            self.one(method.clone(), path, None, w, expected[w]).await;
        }
    }

    async fn one(&self, method: Method, path: &str, body: Option<Value>, who: usize, want: u16) {
        let r = self.app.call(method.clone(), path, self.tokens[who].as_deref(), body).await;
        let name = ["anonymous", "owner", "other user", "admin"][who];
        assert_eq!(r.status.as_u16(), want, "{method} {path} as {name}: {}", String::from_utf8_lossy(&r.body));
        // Refusals speak public ids only: no context value is an internal row number.
        if let Ok(problem) = serde_json::from_slice::<Value>(&r.body)
            && let Some(context) = problem["context"].as_object()
        {
            let row_number = context.values().any(|v| v.as_str().is_some_and(|s| s.parse::<i64>().is_ok()));
            assert!(!row_number, "{method} {path} as {name}: a row number in {problem}");
        }
    }
}

#[tokio::test]
async fn every_endpoint_by_caller_and_visibility() {
    let w = World::new().await;
    let app = &w.app;
    for public in [true, false] {
        let vis = if public { "public" } else { "private" };
        let read = if public { READ_PUBLIC } else { READ_PRIVATE };
        let img = app.upload(w.owner(), "jpeg", &format!("?visibility={vis}")).await;
        let img_id = img["id"].as_str().unwrap().to_owned();
        let job = app
            .post(
                &format!("/api/v1/images/{img_id}/process"),
                Some(w.owner()),
                json!({"format": "webp", "quality": 50}),
            )
            .await
            .ok(202);
        app.drain().await;
        let job_id = job["job_id"].as_str().unwrap();
        let ver = app.get(&format!("/api/v1/jobs/{job_id}"), Some(w.owner())).await.ok(200)["result"]["version_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let folder =
            app.post("/api/v1/folders", Some(w.owner()), json!({"name": "F", "visibility": vis})).await.ok(201);
        let fld = folder["id"].as_str().unwrap().to_owned();
        let i = format!("/api/v1/images/{img_id}");
        let f = format!("/api/v1/folders/{fld}");

        // Images: reading.
        for path in [
            i.clone(),
            format!("{i}/original"),
            format!("{i}/thumbnail"),
            format!("{i}/versions"),
            format!("{i}/versions/{ver}"),
            format!("{i}/versions/{ver}/download"),
        ] {
            w.check(Method::GET, &path, None, read).await;
        }
        // Images: changing and working on them.
        w.check(Method::PATCH, &i, Some(json!({"tags": ["x"]})), write(200, public)).await;
        w.check(Method::POST, &format!("{i}/process"), Some(json!({"format": "png"})), write(202, public)).await;
        w.check(Method::POST, &format!("{i}/compare-all"), Some(json!({"target": "ssim>=0.9"})), write(202, public))
            .await;
        w.check(Method::POST, &format!("{i}/compare"), Some(json!({"version": ver})), write(200, public)).await;
        w.check(Method::GET, &format!("{i}/comparisons"), None, write(200, public)).await;
        w.check(Method::POST, &format!("{i}/share"), Some(json!({})), write(201, public)).await;
        w.check(Method::POST, &format!("{i}/transform-url"), Some(json!({"width": 10})), write(200, public)).await;
        // Jobs belong to their owner whatever the image's visibility.
        w.check(Method::GET, &format!("/api/v1/jobs/{job_id}"), None, [401, 200, 404, 404]).await;
        w.check(Method::GET, &format!("/api/v1/jobs/{job_id}/events"), None, [401, 200, 404, 404]).await;

        // Folders.
        w.check(Method::GET, &f, None, read).await;
        w.check(Method::GET, &format!("{f}/images"), None, read).await;
        w.check(Method::PATCH, &f, Some(json!({"tags": ["y"]})), write(200, public)).await;
        w.check(Method::POST, &format!("{f}/images"), Some(json!({"image_ids": [img_id]})), write(200, public)).await;
        w.check(Method::DELETE, &format!("{f}/images"), Some(json!({"image_ids": [img_id]})), write(200, public)).await;
        w.check(Method::POST, &format!("{f}/share"), Some(json!({})), write(201, public)).await;

        // Deleting: everyone else is refused, then the owner succeeds.
        for path in [format!("{i}/versions/{ver}"), f.clone(), i.clone()] {
            w.check_some(Method::DELETE, &path, &[0, 2, 3], write(204, public)).await;
            w.check_some(Method::DELETE, &path, &[1], write(204, public)).await;
        }
    }

    // Collections are always the caller's own; administration is for admins.
    w.check(Method::GET, "/api/v1/images", None, [401, 200, 200, 200]).await;
    w.check(Method::GET, "/api/v1/folders", None, [401, 200, 200, 200]).await;
    w.check(Method::GET, "/api/v1/shares", None, [401, 200, 200, 200]).await;
    w.check(Method::GET, "/api/v1/stats", None, [401, 200, 200, 200]).await;
    w.check(Method::GET, "/api/v1/users/me", None, [401, 200, 200, 200]).await;
    w.check(Method::GET, "/api/v1/stats/global", None, [401, 403, 403, 200]).await;
    w.check(Method::GET, "/api/v1/users", None, [401, 403, 403, 200]).await;
    w.check(Method::GET, "/api/v1/algorithms", None, [200, 200, 200, 200]).await;
    let on = Some(json!({"enabled": true}));
    w.check(Method::PATCH, "/api/v1/algorithms/png-oxipng", on, [401, 403, 403, 200]).await;
    let bob = app.get("/api/v1/users/me", w.tokens[2].as_deref()).await.ok(200)["id"].as_str().unwrap().to_owned();
    w.check(Method::GET, &format!("/api/v1/users/{bob}"), None, [401, 403, 403, 200]).await;
    w.check(Method::PUT, &format!("/api/v1/users/{bob}/roles/admin"), None, [401, 403, 403, 200]).await;
    w.check(Method::DELETE, &format!("/api/v1/users/{bob}/roles/admin"), None, [401, 403, 200, 200]).await;
    w.check(Method::PATCH, &format!("/api/v1/users/{bob}"), Some(json!({"disabled": false})), [401, 403, 403, 200])
        .await;
    // Nothing of the owner's was visible to anyone else in all of that.
    let others_images = app.get("/api/v1/images", w.tokens[2].as_deref()).await.ok(200);
    assert_eq!(others_images["items"], json!([]));
}
