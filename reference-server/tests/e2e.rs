//! The real `fotobase serve` binary on loopback, through the whole journey a user
//! makes, on each database: SQLite + local files (the embedded default), then
//! PostgreSQL with S3 (moto) and MariaDB with local files when `make test` started
//! those servers. After the account is deleted and the server stopped, a garbage
//! collection run as if hours later must leave no rows and no blobs behind.

#[path = "../../store/tests/dbs/mod.rs"]
mod dbs;
#[path = "e2e/faults.rs"]
mod faults;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
use fotobase_store::blob::BlobStore;
use fotobase_store::db::Db;
use fotobase_store::media::Media;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &std::path::Path, db_url: &str, blob_url: &str) -> Server {
        let env = [("FOTOBASE_DATABASE_URL", db_url), ("FOTOBASE_BLOB_URL", blob_url), ("FOTOBASE_WORKERS", "2")];
        Server::spawn(&["serve"], data, &env)
    }

    /// `fotobase <args> --listen 127.0.0.1:0 --data <data>` (no listen for `worker`);
    /// waits for the line it prints once it is up and takes the URL from it.
    fn spawn(args: &[&str], data: &std::path::Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fotobase"));
        cmd.args(args);
        if matches!(args[0], "serve" | "worker") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        cmd.arg("--data").arg(data).env("FOTOBASE_LOG", "warn").stdout(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start fotobase");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "fotobase {args:?} exited before it was up");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_default()
            .to_owned();
        Server { child, base }
    }

    /// SIGTERM, then the process must finish in-flight work and exit cleanly.
    fn stop(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "server exited with {exit}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Api {
    http: Client,
    base: String,
}

impl Api {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let bytes = res.bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn ok(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        want: u16,
    ) -> Value {
        let (status, v) = self.send(method.clone(), path, token, body).await;
        assert_eq!(status.as_u16(), want, "{method} {path}: {v}");
        v
    }

    async fn upload(&self, token: &str, data: Vec<u8>, content_type: &str, query: &str) -> Value {
        let res = self
            .http
            .post(format!("{}/api/v1/images{query}", self.base))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(data)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Poll until `done(value)` or a generous deadline (a failure bound, not a timing assertion).
    async fn wait_for(&self, path: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let v = self.ok(reqwest::Method::GET, path, Some(token), None, 200).await;
            if done(&v) {
                return v;
            }
            assert!(Instant::now() < deadline, "{path} never got there: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn journey(api: &Api) {
    use reqwest::Method as M;
    let reg = |email: &str| json!({"email": email, "password": PASSWORD});
    api.ok(M::POST, "/api/v1/auth/register", None, Some(reg("root@example.com")), 201).await;
    let admin = api.ok(M::POST, "/api/v1/auth/login", None, Some(reg("root@example.com")), 200).await;
    let admin = admin["access_token"].as_str().unwrap().to_owned();
    api.ok(M::POST, "/api/v1/auth/register", None, Some(reg("ann@example.com")), 201).await;
    let login = api.ok(M::POST, "/api/v1/auth/login", None, Some(reg("ann@example.com")), 200).await;
    let t = login["access_token"].as_str().unwrap().to_owned();

    let jpeg =
        api.upload(&t, fotobase_bindings::synthetic(200, 150, 3, "jpeg").unwrap(), "image/jpeg", "?tags=beach").await;
    let png =
        api.upload(&t, fotobase_bindings::synthetic(160, 120, 4, "png").unwrap(), "image/png", "?name=cat.png").await;
    let (jpeg_id, png_id) = (jpeg["id"].as_str().unwrap(), png["id"].as_str().unwrap());
    for id in [jpeg_id, png_id] {
        api.wait_for(&format!("/api/v1/images/{id}"), &t, |v| v["status"] == "ready").await;
    }
    let thumb =
        api.http.get(format!("{}/api/v1/images/{jpeg_id}/thumbnail", api.base)).bearer_auth(&t).send().await.unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/webp");

    let job = api
        .ok(
            M::POST,
            &format!("/api/v1/images/{png_id}/process"),
            Some(&t),
            Some(json!({"format": "avif", "target": "ssimulacra2>=60"})),
            202,
        )
        .await;
    let job = api
        .wait_for(&format!("/api/v1/jobs/{}", job["job_id"].as_str().unwrap()), &t, |v| {
            v["state"] != "queued" && v["state"] != "running"
        })
        .await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let version = job["result"]["version_id"].as_str().unwrap().to_owned();
    let cmp = api
        .ok(M::POST, &format!("/api/v1/images/{png_id}/compare"), Some(&t), Some(json!({"version": version})), 200)
        .await;
    assert!(cmp["metrics"]["ssimulacra2"].as_f64().unwrap() >= 60.0, "{cmp}");
    let all = api
        .ok(
            M::POST,
            &format!("/api/v1/images/{jpeg_id}/compare-all"),
            Some(&t),
            Some(json!({"target": "ssim>=0.95", "algorithms": ["jpeg-mozjpeg", "webp-lossy", "avif-rav1e"]})),
            202,
        )
        .await;
    let all = api
        .wait_for(&format!("/api/v1/jobs/{}", all["job_id"].as_str().unwrap()), &t, |v| {
            v["state"] == "succeeded" || v["state"] == "failed"
        })
        .await;
    assert_eq!(all["state"], "succeeded", "{all}");
    assert!(all["result"]["best"].is_string());
    let stats = api.ok(M::GET, "/api/v1/stats", Some(&t), None, 200).await;
    assert_eq!((stats["images"].as_i64(), stats["versions"].as_i64()), (Some(2), Some(1)));

    let folder = api
        .ok(
            M::POST,
            "/api/v1/folders",
            Some(&t),
            Some(json!({"name": "Summer", "visibility": "private", "tags": ["holiday"]})),
            201,
        )
        .await;
    let fid = folder["id"].as_str().unwrap();
    api.ok(
        M::POST,
        &format!("/api/v1/folders/{fid}/images"),
        Some(&t),
        Some(json!({"image_ids": [jpeg_id, png_id]})),
        200,
    )
    .await;
    let found = api.ok(M::GET, "/api/v1/folders?tag=holiday", Some(&t), None, 200).await;
    assert_eq!(found["items"][0]["image_count"], 2);
    let share =
        api.ok(M::POST, &format!("/api/v1/folders/{fid}/share"), Some(&t), Some(json!({"expires_in": 600})), 201).await;
    let shared = api.ok(M::GET, &format!("/api/v1/shared/{}", share["token"].as_str().unwrap()), None, None, 200).await;
    assert_eq!(shared["images"].as_array().unwrap().len(), 2);
    let original = api
        .http
        .get(format!("{}{}", api.base, shared["images"][0]["original_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(original.status(), 200);

    let first = login["refresh_token"].as_str().unwrap();
    let rotated = api.ok(M::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": first})), 200).await;
    assert_ne!(rotated["refresh_token"], first);
    let t = rotated["access_token"].as_str().unwrap().to_owned();
    api.ok(M::DELETE, "/api/v1/users/me", Some(&t), Some(json!({"password": PASSWORD})), 204).await;
    let global = api.ok(M::GET, "/api/v1/stats/global", Some(&admin), None, 200).await;
    assert_eq!((global["images"].as_i64(), global["users"].as_i64()), (Some(0), Some(1)), "{global}");
}

/// After the run: hours later, a collection leaves nothing stored and nothing dangling.
async fn nothing_left(db_url: &str, blob_url: &str) {
    let db = Db::connect(db_url).await.unwrap();
    let blobs = BlobStore::from_url(blob_url).unwrap();
    let later = Media::new(db.clone(), blobs.clone()).with_clock(Arc::new(ManualClock::new(SystemClock.now() + 7200)));
    later.gc().await.unwrap();
    let audit = later.audit().await.unwrap();
    assert!(audit.missing.is_empty() && audit.unreferenced.is_empty(), "{audit:?}");
    assert_eq!(blobs.list("").await.unwrap(), vec![], "no blobs left");
    let stats = later.images().stats(None).await.unwrap();
    assert_eq!((stats.images, stats.versions), (0, 0));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_journey_on_every_database() {
    let urls = dbs::fresh_urls().await;
    for db_url in &urls {
        let data = tempfile::tempdir().unwrap();
        let blob_url = match (db_url.starts_with("postgres"), dbs::emulator_url("FOTOBASE_TEST_S3_URL")) {
            (true, Some(s3)) => s3,
            _ => format!("file://{}", data.path().join("blobs").display()),
        };
        eprintln!("journey on {} with {}", db_url.split(':').next().unwrap(), blob_url.split(':').next().unwrap());
        let server = Server::start(data.path(), db_url, &blob_url);
        let api = Api { http: Client::new(), base: server.base.clone() };
        api.ok(reqwest::Method::GET, "/ready", None, None, 200).await;
        journey(&api).await;
        server.stop();
        nothing_left(db_url, &blob_url).await;
    }
}

#[test]
fn config_check_prints_the_effective_config_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fotobase.toml");
    std::fs::write(&file, "workers = 3\nlisten = \"127.0.0.1:9999\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fotobase"))
        .args(["--json", "config", "check", "--config"])
        .arg(&file)
        .env("FOTOBASE_DATABASE_URL", "postgres://app:hunter2@db.internal/photos")
        .env("FOTOBASE_WORKERS", "5")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["database_url"], "postgres://app:***@db.internal/photos");
    assert_eq!((v["workers"].as_i64(), v["listen"].as_str()), (Some(5), Some("127.0.0.1:9999")));

    std::fs::write(&file, "workers = \"many\"\n").unwrap();
    let bad =
        Command::new(env!("CARGO_BIN_EXE_fotobase")).args(["config", "check", "--config"]).arg(&file).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid_argument"));
}

/// HTTPS from a certificate and key in files (rustls): the API answers over TLS
/// with HSTS, plain HTTP on that port gets no answer, and shutdown stays graceful.
#[test]
fn serves_https_with_a_certificate_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/setup.sh installs it)");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (c, k) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server =
        Server::spawn(&["serve"], &dir.path().join("data"), &[("FOTOBASE_TLS_CERT", c), ("FOTOBASE_TLS_KEY", k)]);
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    let curl = |url: String| {
        Command::new("curl").args(["-sS", "-i", "--max-time", "10", "--cacert", c]).arg(url).output().unwrap()
    };
    let out = curl(format!("{}/health", server.base));
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("http/") && text.lines().next().unwrap().contains(" 200"), "{text}");
    assert!(text.contains("strict-transport-security: max-age="), "{text}");
    assert!(text.contains("\"status\":\"ok\""), "{text}");
    let plain = curl(server.base.replacen("https://", "http://", 1) + "/health");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("\"status\":\"ok\""), "plain HTTP must not be served");
    server.stop();
}

fn random_key() -> String {
    fotobase_auth::Secret::random(32).to_base64()
}

/// Gateway, auth, users, images, two folder instances and a job worker, each its
/// own process, on PostgreSQL and S3: the same journey through the gateway, with
/// one folder instance killed on the way (the gateway routes around it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_services_behind_the_gateway() {
    let urls = dbs::fresh_urls().await;
    let Some(db_url) = urls.iter().find(|u| u.starts_with("postgres")).cloned() else {
        eprintln!("skipped: no PostgreSQL (make test starts one)");
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let blob_url = dbs::emulator_url("FOTOBASE_TEST_S3_URL")
        .unwrap_or_else(|| format!("file://{}", root.path().join("blobs").display()));
    let (id_key, blind, transform, field) = (random_key(), random_key(), random_key(), format!("k1:{}", random_key()));
    let shared = |extra: &[(&'static str, String)]| {
        let mut env: Vec<(&'static str, String)> = vec![
            ("FOTOBASE_DATABASE_URL", db_url.clone()),
            ("FOTOBASE_BLOB_URL", blob_url.clone()),
            ("FOTOBASE_ID_KEY", id_key.clone()),
            ("FOTOBASE_BLIND_INDEX_KEY", blind.clone()),
            ("FOTOBASE_TRANSFORM_KEY", transform.clone()),
            ("FOTOBASE_FIELD_KEYS", field.clone()),
            // As deployed: the services believe the X-Forwarded-For of the gateway (127.0.0.1) and of
            // the ingress in front of it (127.0.0.2; the whole of 127/8 is loopback on Linux).
            ("FOTOBASE_TRUSTED_PROXIES", "127.0.0.1,127.0.0.2".into()),
        ];
        env.extend(extra.iter().cloned());
        env
    };
    let start = |name: &str, args: &[&str], env: Vec<(&'static str, String)>| {
        let dir = root.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Server::spawn(args, &dir, &env)
    };
    let auth = start("auth", &["serve", "--service", "auth"], shared(&[]));
    let with_auth = |extra: &[(&'static str, String)]| {
        let mut e = shared(&[("FOTOBASE_AUTH_URL", auth.base.clone())]);
        e.extend(extra.iter().cloned());
        e
    };
    let users = start("users", &["serve", "--service", "users"], with_auth(&[]));
    let images = start("images", &["serve", "--service", "images"], with_auth(&[("FOTOBASE_WORKERS", "0".into())]));
    let folders_a = start("folders-a", &["serve", "--service", "folders"], with_auth(&[]));
    let folders_b = start("folders-b", &["serve", "--service", "folders"], with_auth(&[]));
    let worker = start("worker", &["worker"], shared(&[("FOTOBASE_WORKERS", "2".into())]));
    let gateway = start(
        "gateway",
        &["serve", "--service", "gateway"],
        vec![
            ("FOTOBASE_UPSTREAM_AUTH", auth.base.clone()),
            ("FOTOBASE_UPSTREAM_USERS", users.base.clone()),
            ("FOTOBASE_UPSTREAM_IMAGES", images.base.clone()),
            ("FOTOBASE_UPSTREAM_FOLDERS", format!("{},{}", folders_a.base, folders_b.base)),
            ("FOTOBASE_TRUSTED_PROXIES", "127.0.0.2".into()),
        ],
    );
    let api = Api { http: Client::new(), base: gateway.base.clone() };
    api.ok(reqwest::Method::GET, "/ready", None, None, 200).await;
    // Each service checks tokens itself: one sent straight to a service still needs to be valid.
    let direct = Api { http: Client::new(), base: images.base.clone() };
    direct.ok(reqwest::Method::GET, "/api/v1/images", Some("forged.token.here"), None, 401).await;

    // One folder instance dies; reads through the gateway are retried on the other,
    // which also teaches the gateway to send writes there.
    folders_b.stop();
    for _ in 0..2 {
        api.ok(reqwest::Method::GET, "/api/v1/shared/unknown-token", None, None, 404).await;
    }
    journey(&api).await;
    clients_are_told_apart_through_the_gateway(&gateway.base).await;

    // Each process exports its own series; the queue's counts come from the images service only.
    let scrape = |base: String| async move {
        let res = Client::new().get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{base}/metrics");
        res.text().await.unwrap()
    };
    let worker_health = Client::new().get(format!("{}/health", worker.base)).send().await.unwrap();
    assert_eq!(worker_health.json::<Value>().await.unwrap()["role"], "worker");
    let worker_metrics = scrape(worker.base.clone()).await;
    assert!(worker_metrics.contains("fotobase_job_duration_seconds_count{kind="), "{worker_metrics}");
    assert!(worker_metrics.contains("fotobase_database_up 1"), "{worker_metrics}");
    assert!(!worker_metrics.contains("fotobase_jobs{"), "{worker_metrics}");
    let images_metrics = scrape(images.base.clone()).await;
    assert!(images_metrics.contains("fotobase_jobs{state=\"succeeded\"}"), "{images_metrics}");
    assert!(!scrape(auth.base.clone()).await.contains("fotobase_jobs{"));
    let gateway_metrics = scrape(gateway.base.clone()).await;
    for series in [
        "fotobase_gateway_requests_total{service=\"images\",status=\"200\"}",
        "fotobase_gateway_upstream_up{service=\"auth\"",
        "fotobase_gateway_request_duration_seconds_bucket{",
    ] {
        assert!(gateway_metrics.contains(series), "{series} missing from {gateway_metrics}");
    }

    for s in [gateway, worker, folders_a, images, users, auth] {
        s.stop();
    }
    nothing_left(&db_url, &blob_url).await;
}

/// The services see each client, not the gateway: through the ingress (a proxy the gateway
/// trusts) the address the ingress saw, so a stranger's wrong passwords there do not lock out the
/// owner behind the same ingress; straight at the gateway the caller's own address, whatever
/// X-Forwarded-For it writes. The account's security log records which.
async fn clients_are_told_apart_through_the_gateway(base: &str) {
    let from = |local: [u8; 4]| {
        let http = Client::builder().local_address(std::net::IpAddr::from(local)).build().unwrap();
        move |forwarded: &str, password: &str| {
            http.post(format!("{base}/api/v1/auth/login"))
                .header("x-forwarded-for", forwarded)
                .json(&json!({"email": "eve@example.com", "password": password}))
                .send()
        }
    };
    let api = Api { http: Client::new(), base: base.to_owned() };
    let eve = json!({"email": "eve@example.com", "password": PASSWORD});
    api.ok(reqwest::Method::POST, "/api/v1/auth/register", None, Some(eve), 201).await;
    let (ingress, direct) = (from([127, 0, 0, 2]), from([127, 0, 0, 3]));
    for _ in 0..5 {
        assert_eq!(ingress("203.0.113.50", "a guess").await.unwrap().status(), 401);
    }
    let owner = ingress("198.51.100.1, 203.0.113.51", PASSWORD).await.unwrap();
    assert_eq!(owner.status(), 200, "the owner is not locked out by the stranger");
    let token = owner.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(direct("198.51.100.9", "a guess").await.unwrap().status(), 401);
    let events = api.ok(reqwest::Method::GET, "/api/v1/users/me/events", Some(&token), None, 200).await;
    let seen: Vec<(String, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "signed_in" || e["kind"] == "sign_in_failed")
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["ip"].as_str().unwrap_or("-").to_owned()))
        .collect();
    let mut want = vec![("sign_in_failed", "127.0.0.3"), ("signed_in", "203.0.113.51")];
    want.extend([("sign_in_failed", "203.0.113.50"); 5]);
    let want: Vec<(String, String)> = want.into_iter().map(|(k, ip)| (k.to_owned(), ip.to_owned())).collect();
    assert_eq!(seen, want, "newest first: {events}");
}

/// A real SMTP server (aiosmtpd from PyPI, installed into `.venv` by scripts/setup.sh) that
/// keeps each message it receives in a maildir; stopped when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: std::path::PathBuf,
}

fn venv_python() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python")
}

impl SmtpSink {
    fn start(dir: &std::path::Path) -> SmtpSink {
        Self::start_with(dir, &[])
    }

    /// A relay that requires STARTTLS with a certificate for 127.0.0.1 that no public CA signed;
    /// the certificate's PEM file is returned too, for the client to trust.
    fn start_tls(dir: &std::path::Path) -> (SmtpSink, std::path::PathBuf) {
        let (cert, key) = (dir.join("relay.pem"), dir.join("relay.key"));
        let made = Command::new(venv_python())
            .args(["-c", SELF_SIGNED_PY])
            .args([&cert, &key])
            .status()
            .expect("python with `cryptography` (scripts/requirements-test.txt)");
        assert!(made.success(), "cannot make the relay's certificate");
        let args = [std::ffi::OsStr::new("--tlscert"), cert.as_os_str(), "--tlskey".as_ref(), key.as_os_str()];
        (Self::start_with(dir, &args), cert)
    }

    fn start_with(dir: &std::path::Path, extra: &[&std::ffi::OsStr]) -> SmtpSink {
        let python = venv_python();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = dir.join("maildir");
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} -m aiosmtpd: {e} (scripts/setup.sh installs it)", python.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on {port} (is it in .venv? scripts/setup.sh)");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, port, maildir }
    }

    /// The first received message whose text has `needle`, quoted-printable undone.
    async fn message_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            for sub in ["new", "cur"] {
                for entry in std::fs::read_dir(self.maildir.join(sub)).into_iter().flatten().flatten() {
                    let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                    let text = text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                    if text.contains(needle) {
                        return text;
                    }
                }
            }
            assert!(Instant::now() < deadline, "no message with {needle:?} reached the SMTP server");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A self-signed P-256 certificate for the address 127.0.0.1, valid for a day: argv[1] the
/// certificate, argv[2] the key (PEM).
const SELF_SIGNED_PY: &str = r#"
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fotobase test relay")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256()))
open(sys.argv[1], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(sys.argv[2], "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
"#;

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Account e-mail through a real SMTP server: with `FOTOBASE_SMTP_URL` set, verification is
/// required unless configured otherwise, so a sign-up answers alike for a taken address (whose
/// holder is told by mail); the verification link and a reset link arrive, and following them
/// works end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_mail_goes_through_a_real_smtp_server() {
    use reqwest::Method as M;
    let root = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(root.path());
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let env = [("FOTOBASE_SMTP_URL", url.as_str()), ("FOTOBASE_MAIL_FROM", "Photos <photos@example.org>")];
    let server = Server::spawn(&["serve"], &root.path().join("data"), &env);
    let api = Api { http: Client::new(), base: server.base.clone() };
    let creds = json!({"email": "ann@example.com", "password": PASSWORD});
    api.ok(M::POST, "/api/v1/auth/register", None, Some(creds.clone()), 202).await;
    api.ok(M::POST, "/api/v1/auth/login", None, Some(creds.clone()), 403).await;
    let mail = smtp.message_with("verify-email?token=").await;
    assert!(mail.contains("From: Photos <photos@example.org>") && mail.contains("To: ann@example.com"), "{mail}");
    let token = |mail: &str| {
        let at = mail.find("?token=").unwrap() + 7;
        mail[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>()
    };
    api.ok(M::POST, "/api/v1/auth/verify-email", None, Some(json!({"token": token(&mail)})), 200).await;
    api.ok(M::POST, "/api/v1/auth/login", None, Some(creds), 200).await;
    api.ok(M::POST, "/api/v1/auth/password-reset", None, Some(json!({"email": "ann@example.com"})), 202).await;
    let reset = smtp.message_with("reset-password?token=").await;
    let body = json!({"token": token(&reset), "new_password": "a brand new passphrase"});
    api.ok(M::POST, "/api/v1/auth/password-reset/confirm", None, Some(body), 200).await;
    let creds = json!({"email": "ann@example.com", "password": "a brand new passphrase"});
    api.ok(M::POST, "/api/v1/auth/login", None, Some(creds.clone()), 200).await;
    let again = api.ok(M::POST, "/api/v1/auth/register", None, Some(creds), 202).await;
    let fresh = json!({"email": "bea@example.com", "password": PASSWORD});
    assert_eq!(again, api.ok(M::POST, "/api/v1/auth/register", None, Some(fresh), 202).await);
    let told = smtp.message_with("already has one").await;
    assert!(told.contains("To: ann@example.com"), "{told}");
    server.stop();
}

/// Account e-mail over STARTTLS to a relay whose certificate comes from a private CA: refused
/// until `FOTOBASE_SMTP_CA_FILE` trusts that CA (the certificate is checked, not waved through),
/// then delivered; the relay refuses plain text, so nothing went unencrypted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_mail_goes_over_starttls_to_a_relay_with_a_private_ca() {
    use reqwest::Method as M;
    let root = tempfile::tempdir().unwrap();
    let (smtp, ca) = SmtpSink::start_tls(root.path());
    let url = format!("smtp://127.0.0.1:{}?tls=required", smtp.port);
    let sign_up = |email: &str| json!({"email": email, "password": PASSWORD});
    let env = [("FOTOBASE_SMTP_URL", url.as_str()), ("FOTOBASE_EMAIL_VERIFICATION", "optional")];

    let untrusting = Server::spawn(&["serve"], &root.path().join("data-a"), &env);
    let api = Api { http: Client::new(), base: untrusting.base.clone() };
    api.ok(M::POST, "/api/v1/auth/register", None, Some(sign_up("ann@example.com")), 201).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let delivered = |sub: &str| std::fs::read_dir(smtp.maildir.join(sub)).map(|d| d.count()).unwrap_or(0);
    assert_eq!(delivered("new") + delivered("cur"), 0, "a certificate nobody vouched for was accepted");
    untrusting.stop();

    let ca = ca.to_str().unwrap().to_owned();
    let env = [
        ("FOTOBASE_SMTP_URL", url.as_str()),
        ("FOTOBASE_SMTP_CA_FILE", ca.as_str()),
        ("FOTOBASE_EMAIL_VERIFICATION", "optional"),
    ];
    let trusting = Server::spawn(&["serve"], &root.path().join("data-b"), &env);
    let api = Api { http: Client::new(), base: trusting.base.clone() };
    api.ok(M::POST, "/api/v1/auth/register", None, Some(sign_up("bob@example.com")), 201).await;
    let mail = smtp.message_with("verify-email?token=").await;
    assert!(mail.contains("To: bob@example.com"), "{mail}");
    trusting.stop();
}
