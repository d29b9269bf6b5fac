//! Faults while serving, against the real binary on loopback: the process killed with
//! SIGKILL in the middle of uploads, processing jobs and deletions, round after round; and
//! the database stopped and started again under a running server.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fotobase_auth::clock::{Clock as _, ManualClock, SystemClock};
use fotobase_store::blob::BlobStore;
use fotobase_store::db::{Db, JobQueue};
use fotobase_store::media::Media;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::{Api, PASSWORD, Server};

/// What the server acknowledged before it was killed.
#[derive(Default, Clone)]
struct Ledger {
    /// Uploads answered 201: image id → SHA-256 of the bytes sent.
    stored: HashMap<String, String>,
    /// Deletions answered 204.
    deleted: HashSet<String>,
    /// Deletions sent but never answered: either outcome is right.
    unsure: HashSet<String>,
    /// Process jobs answered 202: job id → image id.
    jobs: HashMap<String, String>,
}

impl Ledger {
    /// Images stored and neither deleted nor possibly deleted.
    fn live(&self) -> impl Iterator<Item = &String> {
        self.stored.keys().filter(|id| !self.deleted.contains(*id) && !self.unsure.contains(*id))
    }
}

fn sha256(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

/// Uploads, process jobs and deletions until `stop`, as one client would send them; a
/// request cut off by the kill has an unknown outcome and is not recorded.
async fn load(api: Api, token: String, ledger: Arc<Mutex<Ledger>>, stop: Arc<AtomicBool>, seed: u64) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        match n % 4 {
            0 => {
                let victim = {
                    let mut l = ledger.lock().unwrap();
                    let id = l.live().next().cloned();
                    if let Some(id) = &id {
                        l.unsure.insert(id.clone());
                    }
                    id
                };
                let Some(id) = victim else { continue };
                let url = format!("{}/api/v1/images/{id}", api.base);
                if let Ok(res) = api.http.delete(url).bearer_auth(&token).send().await {
                    assert_eq!(res.status(), 204, "delete {id}");
                    let mut l = ledger.lock().unwrap();
                    l.unsure.remove(&id);
                    l.deleted.insert(id);
                }
            }
            1 => {
                let target = {
                    let l = ledger.lock().unwrap();
                    l.live().next().cloned()
                };
                let Some(id) = target else { continue };
                let url = format!("{}/api/v1/images/{id}/process", api.base);
                let body = json!({"format": "webp", "quality": 40 + (n % 50)});
                if let Ok(res) = api.http.post(url).bearer_auth(&token).json(&body).send().await {
                    let status = res.status();
                    let v: Value = res.json().await.unwrap_or_default();
                    if status == 202 {
                        ledger.lock().unwrap().jobs.insert(v["job_id"].as_str().unwrap().to_owned(), id);
                    } else if status == 429 {
                        // The account's queued-jobs quota: nothing was queued.
                        assert_eq!(v["code"], "quota_exceeded", "{v}");
                    } else {
                        // Only this client deletes: an image is gone only if a delete was cut off.
                        assert_eq!(status, 404, "{v}");
                    }
                }
            }
            _ => {
                let data = fotobase_bindings::synthetic(72, 48, seed * 10_000 + n, "png").unwrap();
                let url = format!("{}/api/v1/images", api.base);
                let sent =
                    api.http.post(url).bearer_auth(&token).header("content-type", "image/png").body(data.clone());
                if let Ok(res) = sent.send().await {
                    let status = res.status();
                    let v: Value = res.json().await.unwrap();
                    if status == 429 {
                        // The account's uploads per minute: nothing was stored.
                        assert_eq!(v["code"], "quota_exceeded", "{v}");
                        continue;
                    }
                    assert_eq!(status, 201, "{v}");
                    ledger.lock().unwrap().stored.insert(v["id"].as_str().unwrap().to_owned(), sha256(&data));
                }
            }
        }
    }
}

/// Everything acknowledged is there, byte for byte; everything deleted is gone.
async fn check(api: &Api, token: &str, ledger: &Ledger) {
    for (id, digest) in &ledger.stored {
        let res =
            api.http.get(format!("{}/api/v1/images/{id}/original", api.base)).bearer_auth(token).send().await.unwrap();
        let status = res.status();
        let body = res.bytes().await.unwrap();
        if ledger.deleted.contains(id) {
            assert_eq!(status, 404, "{id} was deleted");
        } else if !(ledger.unsure.contains(id) && status == 404) {
            assert_eq!(status, 200, "{id} was stored");
            assert_eq!(&sha256(&body), digest, "{id} comes back byte for byte");
        }
    }
}

/// SIGKILL during uploads, processing jobs and deletions, round after round, on the
/// embedded default (SQLite and local files). After each restart every upload answered
/// 201 downloads byte for byte unless its deletion was answered 204; at the end every job
/// finishes (a killed worker's job is run again once its lease runs out), each process job
/// made exactly one version, and a collection hours later leaves no orphan and nothing missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_uploads_jobs_and_deletions_loses_nothing() {
    // `make soak` runs many more rounds.
    let rounds: u64 = std::env::var("FOTOBASE_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(6);
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let env = [("FOTOBASE_WORKERS", "2"), ("FOTOBASE_JOB_LEASE_SECS", "2")];
    let http = Client::new();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut token = String::new();
    for round in 0..rounds {
        let server = Server::spawn(&["serve"], &data, &env);
        let api = Api { http: http.clone(), base: server.base.clone() };
        if round == 0 {
            let creds = json!({"email": "ann@example.com", "password": PASSWORD});
            api.ok(Method::POST, "/api/v1/auth/register", None, Some(creds.clone()), 201).await;
            let login = api.ok(Method::POST, "/api/v1/auth/login", None, Some(creds), 200).await;
            token = login["access_token"].as_str().unwrap().to_owned();
        }
        let acknowledged = ledger.lock().unwrap().clone();
        check(&api, &token, &acknowledged).await;
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..3)
            .map(|i| {
                let api = Api { http: http.clone(), base: server.base.clone() };
                tokio::spawn(load(api, token.clone(), ledger.clone(), stop.clone(), round * 3 + i))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500 + 300 * (round % 3))).await;
        drop(server); // SIGKILL (and reap)
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.await.expect("a client saw an answer no request should get");
        }
    }

    let server = Server::spawn(&["serve"], &data, &env);
    let api = Api { http: http.clone(), base: server.base.clone() };
    let ledger = Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap();
    assert!(
        ledger.stored.len() >= 10 && !ledger.deleted.is_empty() && !ledger.jobs.is_empty(),
        "too little load to mean anything"
    );
    check(&api, &token, &ledger).await;

    // No job stays claimed or queued: the ones whose worker died are taken again once
    // their lease runs out, and finish.
    let db = Db::connect(&format!("sqlite://{}", data.join("fotobase.db").display())).await.unwrap();
    let queue = JobQueue::new(db.clone());
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let c = queue.counts(None, None).await.unwrap();
        if c.queued == 0 && c.running == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "jobs never finished: {c:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Each process job that succeeded made one version of its image: none made two.
    let mut made: HashMap<&str, usize> = HashMap::new();
    for (job, image) in &ledger.jobs {
        let (status, j) = api.send(Method::GET, &format!("/api/v1/jobs/{job}"), Some(&token), None).await;
        if status == 200 && j["state"] == "succeeded" {
            *made.entry(image).or_default() += 1;
        }
    }
    for id in ledger.live() {
        let versions = api.ok(Method::GET, &format!("/api/v1/images/{id}/versions"), Some(&token), None, 200).await;
        let n = versions.as_array().expect("a list of versions").len();
        assert_eq!(n, made.get(id.as_str()).copied().unwrap_or(0), "{id}: versions vs succeeded process jobs");
        let img = api.ok(Method::GET, &format!("/api/v1/images/{id}"), Some(&token), None, 200).await;
        assert_eq!(img["status"], "ready", "{id}: its thumbnail job ran to the end");
    }
    server.stop();

    let blobs =
        BlobStore::from_url(&format!("file://{}", std::path::absolute(data.join("blobs")).unwrap().display())).unwrap();
    let later = Media::new(db.clone(), blobs).with_clock(Arc::new(ManualClock::new(SystemClock.now() + 7200)));
    later.gc().await.unwrap();
    let audit = later.audit().await.unwrap();
    assert!(audit.missing.is_empty() && audit.unreferenced.is_empty(), "{audit:?}");
    db.close().await;
}

/// A PostgreSQL server of this test's own (`scripts/databases.sh pg-instance`), so stopping
/// it disturbs no other test.
struct Postgres {
    dir: String,
    url: String,
}

impl Postgres {
    fn script() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/databases.sh")
    }

    fn run(args: &[&str]) -> String {
        let out = Command::new("bash").arg(Self::script()).arg("pg-instance").args(args).output().unwrap();
        assert!(out.status.success(), "pg-instance {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// `None` where PostgreSQL is not installed (and `make test` did not ask for it).
    fn new() -> Option<Postgres> {
        let installed = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|mut d| d.next().is_some());
        if !installed && std::env::var_os("FOTOBASE_REQUIRE_DATABASES").is_none() {
            return None;
        }
        let line = Self::run(&["new"]);
        let (dir, url) = line.trim().split_once(' ').expect("DIR URL");
        Some(Postgres { dir: dir.to_owned(), url: url.to_owned() })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(Self::script()).args(["pg-instance", "remove", &self.dir]).status();
    }
}

/// PostgreSQL stopped under a running server: requests get 503 problems with
/// `Retry-After` (never a 500, never a hang past the request timeout) and `/ready` says
/// the database is down; once it is back the same process serves again, data intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_restart_while_serving() {
    let Some(pg) = Postgres::new() else {
        eprintln!("skipped: no PostgreSQL server installed (make test installs one)");
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let server = Server::spawn(
        &["serve"],
        &root.path().join("data"),
        &[("FOTOBASE_DATABASE_URL", &pg.url), ("FOTOBASE_WORKERS", "1")],
    );
    let api =
        Api { http: Client::builder().timeout(Duration::from_secs(60)).build().unwrap(), base: server.base.clone() };
    let creds = json!({"email": "ann@example.com", "password": PASSWORD});
    api.ok(Method::POST, "/api/v1/auth/register", None, Some(creds.clone()), 201).await;
    let token = api.ok(Method::POST, "/api/v1/auth/login", None, Some(creds.clone()), 200).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let photo = fotobase_bindings::synthetic(64, 48, 1, "jpeg").unwrap();
    let img = api.upload(&token, photo.clone(), "image/jpeg", "").await;
    let id = img["id"].as_str().unwrap().to_owned();

    Postgres::run(&["stop", &pg.dir]);
    for (method, path, body) in [
        (Method::GET, "/api/v1/images".to_owned(), None),
        (Method::GET, format!("/api/v1/images/{id}"), None),
        (Method::POST, "/api/v1/auth/login".to_owned(), Some(creds.clone())),
        (Method::POST, "/api/v1/folders".to_owned(), Some(json!({"name": "while down"}))),
    ] {
        let mut req = api.http.request(method.clone(), format!("{}{path}", api.base)).bearer_auth(&token);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{method} {path}");
        assert!(res.headers().contains_key("retry-after"), "{method} {path}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "unavailable", "{problem}");
    }
    let (status, ready) = api.send(Method::GET, "/ready", None, None).await;
    assert_eq!((status, ready["database"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")));

    Postgres::run(&["start", &pg.dir]);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, v) = api.send(Method::GET, "/api/v1/images", Some(&token), None).await;
        if status == 200 {
            assert_eq!(v["items"][0]["id"], id.as_str());
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
        assert!(Instant::now() < deadline, "the server never recovered");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let back =
        api.http.get(format!("{}/api/v1/images/{id}/original", api.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(sha256(&back.bytes().await.unwrap()), sha256(&photo));
    api.upload(&token, fotobase_bindings::synthetic(64, 48, 2, "png").unwrap(), "image/png", "").await;
    api.ok(Method::POST, "/api/v1/auth/login", None, Some(creds), 200).await;
    api.wait_for(&format!("/api/v1/images/{id}"), &token, |v| v["status"] == "ready").await;
    assert_eq!(api.send(Method::GET, "/ready", None, None).await.0, StatusCode::OK);
    server.stop();
}
