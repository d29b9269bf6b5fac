//! Server configuration: defaults, then a TOML file, then `FOTOBASE_*`
//! environment variables (env wins). Secrets are never read from the file: they
//! come from the environment or from files the server generates in its data dir.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use fotobase::{Error, ErrorKind, Result};
use fotobase_store::db::QuotaLimits;
use serde::{Deserialize, Serialize};

/// Which part of the system a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Every service, the job workers and the web UI on one port.
    All,
    Gateway,
    Auth,
    Users,
    Images,
    Folders,
}

impl Service {
    /// The name `parse` takes, as logs and metrics label it.
    pub fn name(self) -> &'static str {
        match self {
            Service::All => "all",
            Service::Gateway => "gateway",
            Service::Auth => "auth",
            Service::Users => "users",
            Service::Images => "images",
            Service::Folders => "folders",
        }
    }

    pub fn parse(s: &str) -> Result<Service> {
        Ok(match s {
            "all" => Service::All,
            "gateway" => Service::Gateway,
            "auth" => Service::Auth,
            "users" => Service::Users,
            "images" => Service::Images,
            "folders" => Service::Folders,
            _ => {
                return Err(Error::new(ErrorKind::InvalidArgument, "unknown service")
                    .with_context("service", s)
                    .with_context("known", "all,gateway,auth,users,images,folders"));
            }
        })
    }
}

/// Who may create an account. Whatever the policy, the first account (which becomes admin)
/// can always be made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Anyone.
    #[default]
    Open,
    /// Only with a single-use invitation an admin made (`POST /api/v1/invites`).
    Invite,
    /// Nobody: the server keeps the accounts it has (switch to `invite` to add someone).
    Closed,
}

/// Quotas of an account an admin has not set apart: room for a large personal library, a
/// handful of processing jobs at once, and uploads at a phone's backup pace, so one account (or
/// a stranger who signed up) cannot fill the disk or the job queue. In the file (`[quota]`) and
/// the environment each is a number or `"unlimited"`; one left out keeps its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaConfig {
    pub max_bytes: Limit,
    pub max_queued_jobs: Limit,
    pub uploads_per_minute: Limit,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            max_bytes: Limit(Some(100 << 30)),
            max_queued_jobs: Limit(Some(20)),
            uploads_per_minute: Limit(Some(600)),
        }
    }
}

impl QuotaConfig {
    pub fn limits(&self) -> QuotaLimits {
        QuotaLimits {
            max_bytes: self.max_bytes.0,
            max_queued_jobs: self.max_queued_jobs.0,
            uploads_per_minute: self.uploads_per_minute.0,
        }
    }
}

/// A limit: a number, or `None` for "unlimited".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LimitText", into = "LimitText")]
pub struct Limit(pub Option<u64>);

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum LimitText {
    Number(u64),
    Word(String),
}

impl TryFrom<LimitText> for Limit {
    type Error = String;
    fn try_from(t: LimitText) -> std::result::Result<Self, String> {
        match t {
            LimitText::Number(n) => Ok(Limit(Some(n))),
            LimitText::Word(w) => w.parse(),
        }
    }
}

impl From<Limit> for LimitText {
    fn from(l: Limit) -> Self {
        l.0.map_or_else(|| LimitText::Word("unlimited".into()), LimitText::Number)
    }
}

impl std::str::FromStr for Limit {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "unlimited" => Ok(Limit(None)),
            n => n.parse().map(|n| Limit(Some(n))).map_err(|_| format!("{s:?} is not a number or \"unlimited\"")),
        }
    }
}

/// The header a trusted proxy writes the client's address into. Only the one the proxies write is
/// read: a client could send the other one, and the proxies would pass it on untouched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx, most ingresses, the gateway).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for="[2001:db8::1]:4711"`.
    Forwarded,
}

/// How long a presigned download URL works ([`Config::presigned_downloads`]): long enough to
/// follow the redirect and read a large original, short enough that a leaked one soon dies.
pub const PRESIGNED_DOWNLOAD_SECS: u64 = 300;

/// Whether an account's e-mail address must be confirmed through a link sent to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailVerification {
    /// No link is sent.
    Off,
    /// A link is sent at sign-up; accounts work before it is followed.
    #[default]
    Optional,
    /// Accounts sign in only once the link was followed; sign-up answers alike for taken and
    /// free addresses (the holder of a taken one is told by e-mail), so it reveals no account.
    Required,
}

/// An OpenID Connect provider people may sign in with (`[[oidc]]` in the file). Its client
/// secret comes from `FOTOBASE_OIDC_<ID>_CLIENT_SECRET` only, never from the file. The provider
/// must list `<public_url>/api/v1/auth/oidc/<id>/callback` as a redirect URI of the client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// In URLs and the database: 1 to 32 of `a-z`, `0-9`, `-`, `_`. Renaming it unlinks every account.
    pub id: String,
    /// What the sign-in button says ("Sign in with …"); default: the id.
    #[serde(default)]
    pub name: String,
    /// Exactly as the provider's discovery document states it (`https://…`, or `http://` on loopback).
    pub issuer: String,
    pub client_id: String,
    #[serde(skip)]
    pub client_secret: Option<String>,
    /// Default: `openid email profile`.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Base URLs of each service's instances, for the gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Upstreams {
    pub auth: Vec<String>,
    pub users: Vec<String>,
    pub images: Vec<String>,
    pub folders: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Which service this process runs (`all`: everything on one port).
    pub service: Service,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the embedded defaults live: SQLite file, blob folder, generated secrets.
    pub data_dir: PathBuf,
    /// `sqlite://…`, `postgres://…` or `mysql://…`; default: SQLite in the data dir.
    pub database_url: Option<String>,
    /// `file:///…`, `memory://`, `s3://bucket/prefix` or `az://container/prefix`; default: a folder in the data dir.
    pub blob_url: Option<String>,
    /// Base URL clients reach this server at (share links, transform URLs).
    pub public_url: Option<String>,
    /// JWT `iss` and `aud`.
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_idle_ttl_secs: u64,
    pub refresh_absolute_ttl_secs: u64,
    /// Largest image upload accepted.
    pub max_upload_bytes: u64,
    /// Uploads up to this size are held in memory; larger ones stream to the blob store.
    pub upload_memory_bytes: u64,
    /// Largest decoded image, in pixels (decompression-bomb guard).
    pub max_pixels: u64,
    /// Largest JSON body.
    pub max_json_bytes: usize,
    /// In-process job workers (`serve` on the `all` or `images` service; `worker`): jobs
    /// computing at once, each slot fed by two job loops so its I/O overlaps another's compute.
    pub workers: usize,
    /// How long a worker's claim on a job lasts without a heartbeat: after a crash, the
    /// job is run again by another worker this long after the last beat.
    pub job_lease_secs: u64,
    /// Requests handled at once before new ones get 503 + Retry-After.
    pub max_concurrency: usize,
    /// Password hashes (argon2id: logins, sign-ups, password changes, share-link passwords) run
    /// at once; default: the cores. More at once only makes each slower.
    pub hash_slots: usize,
    /// Hashes that may wait for a slot; beyond them a request gets 503 + Retry-After at once.
    pub hash_queue: usize,
    /// Longest a hash waits for a slot before its request gets 503 + Retry-After.
    pub hash_wait_ms: u64,
    /// How long a session seen live is trusted without asking the database again when an
    /// access token is checked. Revocations through this process take effect at once; through
    /// another process (a split deployment's auth service, the CLI) within this time. 0: ask
    /// every time.
    pub session_cache_ms: u64,
    /// Who may sign up: `open` (default), `invite` or `closed`.
    pub registration: Registration,
    /// `off`, `optional` or `required`. Unset: `required` when an SMTP relay is configured (the
    /// holder of a taken address is told by mail, so sign-up answers alike and reveals no
    /// account), else `optional` (the outbox reaches nobody, and accounts must still work).
    /// Read it through [`Config::email_verification`].
    pub email_verification: Option<EmailVerification>,
    /// The sender of account e-mail.
    pub mail_from: String,
    /// SMTP relay for account e-mail (`smtp://host:587?tls=required`, `smtps://user:pass@host:465`);
    /// unset, messages are written to `<data>/outbox/` instead. May carry a password: from
    /// `FOTOBASE_SMTP_URL` only, never from the file.
    #[serde(skip)]
    pub smtp_url: Option<String>,
    /// PEM certificates to trust for the SMTP relay's TLS besides the system's (a relay with a
    /// private CA). Environment: `FOTOBASE_SMTP_CA_FILE`.
    pub smtp_ca_file: Option<PathBuf>,
    /// Every account's quotas unless an admin set its own (`PUT /api/v1/users/{id}/quota`);
    /// a limit left out is no limit. Environment: `FOTOBASE_QUOTA_BYTES`,
    /// `FOTOBASE_QUOTA_QUEUED_JOBS`, `FOTOBASE_QUOTA_UPLOADS_PER_MINUTE` (a number or `unlimited`).
    pub quota: QuotaConfig,
    /// Longest a request may take (uploads and downloads included).
    pub request_timeout_secs: u64,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>` (Prometheus'
    /// `authorization.credentials`); unset, it is public, for deployments that keep the port
    /// private. A secret: from `FOTOBASE_METRICS_TOKEN` only, never from the file.
    #[serde(skip)]
    pub metrics_token: Option<String>,
    /// Origins allowed by CORS (none: same-origin only).
    pub cors_origins: Vec<String>,
    /// Proxies (CIDRs, e.g. the gateway's network) whose `X-Forwarded-For` names the client:
    /// behind them, throttles and logs see the client's address, not the proxy's. None by default:
    /// a client-sent header is never believed.
    pub trusted_proxies: Vec<String>,
    /// Which header those proxies write: `x-forwarded-for` (default) or `forwarded` (RFC 7239).
    pub forwarded_header: ForwardedHeader,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Send `Strict-Transport-Security` (always on when this process terminates TLS; set it
    /// when a proxy in front does).
    pub hsts: bool,
    /// With an S3 or Azure blob store, downloads of stored bytes (an owner's original, versions,
    /// thumbnails; not the copies without location made for others) answer `302` to a URL the
    /// store presigned for [`PRESIGNED_DOWNLOAD_SECS`], so the bytes need not pass through the
    /// server. Browser `fetch`es (`Sec-Fetch-Mode: cors`) are still served directly: following
    /// the redirect would need a CORS rule on the bucket. Ignored for local and memory stores.
    pub presigned_downloads: bool,
    /// Serve HTTPS (rustls) with this PEM certificate chain and private key.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Services other than auth fetch the token-verification keys (JWKS) from here.
    pub auth_url: Option<String>,
    /// The gateway's upstream instances per service.
    pub upstreams: Upstreams,
    /// How long the gateway waits for an upstream's response headers.
    pub upstream_timeout_secs: u64,
    /// A built web UI (`index.html` and `assets/`) to serve at `/` (by `all` and the gateway)
    /// instead of the one built into the binary.
    pub web_dir: Option<PathBuf>,
    /// OpenID Connect providers to offer at sign-in. Environment: `FOTOBASE_OIDC_PROVIDERS`
    /// (ids, comma-separated), then per id `FOTOBASE_OIDC_<ID>_ISSUER`, `_CLIENT_ID`, `_NAME`,
    /// `_SCOPES` (space-separated) and `_CLIENT_SECRET`.
    pub oidc: Vec<OidcProvider>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            service: Service::All,
            listen: "127.0.0.1:8080".parse().expect("literal address"),
            data_dir: PathBuf::from("data"),
            database_url: None,
            blob_url: None,
            public_url: None,
            issuer: "fotobase".into(),
            audience: "fotobase".into(),
            access_ttl_secs: 15 * 60,
            refresh_idle_ttl_secs: 7 * 86_400,
            refresh_absolute_ttl_secs: 30 * 86_400,
            max_upload_bytes: 64 << 20,
            upload_memory_bytes: 4 << 20,
            // 100 MP: a decoded RGBA frame stays under 400 MiB per worker.
            max_pixels: 100_000_000,
            max_json_bytes: 1 << 20,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()).min(4),
            job_lease_secs: 60,
            max_concurrency: 512,
            hash_slots: std::thread::available_parallelism().map_or(1, |n| n.get()),
            hash_queue: 64,
            hash_wait_ms: 100,
            session_cache_ms: 1000,
            registration: Registration::Open,
            email_verification: None,
            mail_from: "fotobase <noreply@localhost>".into(),
            smtp_url: None,
            smtp_ca_file: None,
            quota: QuotaConfig::default(),
            request_timeout_secs: 120,
            metrics_token: None,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::default(),
            log_format: "text".into(),
            hsts: false,
            presigned_downloads: false,
            tls_cert: None,
            tls_key: None,
            auth_url: None,
            upstreams: Upstreams::default(),
            upstream_timeout_secs: 60,
            web_dir: None,
            oidc: Vec::new(),
        }
    }
}

impl Config {
    /// Defaults, overlaid with `file` (if given), overlaid with the environment.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::new(ErrorKind::InvalidArgument, "cannot read config file")
                        .with_context("path", path.display())
                        .with_source(e)
                })?;
                toml::from_str(&text).map_err(|e| {
                    Error::new(ErrorKind::InvalidArgument, format!("config file is not valid: {}", e.message()))
                        .with_context("path", path.display())
                })?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        // Resolved here so that `fotobase config` shows what the server will do.
        config.email_verification = Some(config.email_verification());
        Ok(config)
    }

    /// The e-mail verification policy in force (see the field for the default).
    pub fn email_verification(&self) -> EmailVerification {
        self.email_verification.unwrap_or(if self.smtp_url.is_some() {
            EmailVerification::Required
        } else {
            EmailVerification::Optional
        })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        /// One of a setting's words (its enum's snake_case names, as in the file).
        fn word<T: serde::de::DeserializeOwned>(name: &str, v: &str, allowed: &str) -> Result<T> {
            T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(v.trim())).map_err(|_| {
                Error::new(ErrorKind::InvalidArgument, format!("{name} is {allowed}")).with_context("value", v)
            })
        }
        fn parsed<T: std::str::FromStr>(name: &str, v: &str) -> Result<T> {
            v.trim().parse().map_err(|_| {
                Error::new(ErrorKind::InvalidArgument, "environment variable has an invalid value")
                    .with_context("variable", name)
            })
        }
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        macro_rules! overlay {
            ($($field:ident).+, $name:literal) => {
                if let Some(v) = get($name) {
                    self.$($field).+ = parsed($name, &v)?;
                }
            };
            ($field:ident, $name:literal, some) => {
                if let Some(v) = get($name) {
                    self.$field = Some(v);
                }
            };
        }
        overlay!(listen, "FOTOBASE_LISTEN");
        overlay!(data_dir, "FOTOBASE_DATA");
        overlay!(database_url, "FOTOBASE_DATABASE_URL", some);
        overlay!(blob_url, "FOTOBASE_BLOB_URL", some);
        overlay!(public_url, "FOTOBASE_PUBLIC_URL", some);
        overlay!(issuer, "FOTOBASE_ISSUER");
        overlay!(audience, "FOTOBASE_AUDIENCE");
        overlay!(access_ttl_secs, "FOTOBASE_ACCESS_TTL_SECS");
        overlay!(refresh_idle_ttl_secs, "FOTOBASE_REFRESH_IDLE_TTL_SECS");
        overlay!(refresh_absolute_ttl_secs, "FOTOBASE_REFRESH_ABSOLUTE_TTL_SECS");
        overlay!(max_upload_bytes, "FOTOBASE_MAX_UPLOAD_BYTES");
        overlay!(upload_memory_bytes, "FOTOBASE_UPLOAD_MEMORY_BYTES");
        overlay!(max_pixels, "FOTOBASE_MAX_PIXELS");
        overlay!(max_json_bytes, "FOTOBASE_MAX_JSON_BYTES");
        overlay!(workers, "FOTOBASE_WORKERS");
        overlay!(job_lease_secs, "FOTOBASE_JOB_LEASE_SECS");
        overlay!(max_concurrency, "FOTOBASE_MAX_CONCURRENCY");
        overlay!(hash_slots, "FOTOBASE_HASH_SLOTS");
        overlay!(hash_queue, "FOTOBASE_HASH_QUEUE");
        overlay!(hash_wait_ms, "FOTOBASE_HASH_WAIT_MS");
        overlay!(session_cache_ms, "FOTOBASE_SESSION_CACHE_MS");
        overlay!(request_timeout_secs, "FOTOBASE_REQUEST_TIMEOUT_SECS");
        overlay!(log_format, "FOTOBASE_LOG_FORMAT");
        overlay!(hsts, "FOTOBASE_HSTS");
        overlay!(presigned_downloads, "FOTOBASE_PRESIGNED_DOWNLOADS");
        overlay!(auth_url, "FOTOBASE_AUTH_URL", some);
        for (name, field) in [
            ("FOTOBASE_WEB_DIR", &mut self.web_dir),
            ("FOTOBASE_TLS_CERT", &mut self.tls_cert),
            ("FOTOBASE_TLS_KEY", &mut self.tls_key),
            ("FOTOBASE_SMTP_CA_FILE", &mut self.smtp_ca_file),
        ] {
            if let Some(v) = get(name) {
                *field = Some(PathBuf::from(v));
            }
        }
        overlay!(upstream_timeout_secs, "FOTOBASE_UPSTREAM_TIMEOUT_SECS");
        if let Some(v) = get("FOTOBASE_REGISTRATION") {
            self.registration = word("FOTOBASE_REGISTRATION", &v, "open, invite or closed")?;
        }
        overlay!(quota.max_bytes, "FOTOBASE_QUOTA_BYTES");
        overlay!(quota.max_queued_jobs, "FOTOBASE_QUOTA_QUEUED_JOBS");
        overlay!(quota.uploads_per_minute, "FOTOBASE_QUOTA_UPLOADS_PER_MINUTE");
        overlay!(mail_from, "FOTOBASE_MAIL_FROM");
        if let Some(v) = get("FOTOBASE_EMAIL_VERIFICATION") {
            self.email_verification = Some(word("FOTOBASE_EMAIL_VERIFICATION", &v, "off, optional or required")?);
        }
        if let Some(v) = get("FOTOBASE_SMTP_URL") {
            self.smtp_url = Some(v);
        }
        if let Some(v) = get("FOTOBASE_METRICS_TOKEN").filter(|v| !v.is_empty()) {
            self.metrics_token = Some(v);
        }
        if let Some(v) = get("FOTOBASE_SERVICE") {
            self.service = Service::parse(v.trim())?;
        }
        let list = |v: String| {
            v.split(',').map(|s| s.trim().trim_end_matches('/').to_owned()).filter(|s| !s.is_empty()).collect()
        };
        if let Some(v) = get("FOTOBASE_CORS_ORIGINS") {
            self.cors_origins = list(v);
        }
        if let Some(v) = get("FOTOBASE_TRUSTED_PROXIES") {
            self.trusted_proxies = list(v);
        }
        if let Some(v) = get("FOTOBASE_FORWARDED_HEADER") {
            self.forwarded_header =
                word("FOTOBASE_FORWARDED_HEADER", &v.to_lowercase(), "x-forwarded-for or forwarded")?;
        }
        if let Some(v) = get("FOTOBASE_OIDC_PROVIDERS") {
            for id in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !self.oidc.iter().any(|p| p.id == id) {
                    self.oidc.push(OidcProvider { id: id.to_owned(), ..OidcProvider::default() });
                }
            }
        }
        for p in &mut self.oidc {
            let var = |part: &str| get(&format!("FOTOBASE_OIDC_{}_{part}", p.id.to_uppercase().replace('-', "_")));
            if let Some(v) = var("ISSUER") {
                p.issuer = v.trim().to_owned();
            }
            if let Some(v) = var("CLIENT_ID") {
                p.client_id = v.trim().to_owned();
            }
            if let Some(v) = var("NAME") {
                p.name = v.trim().to_owned();
            }
            if let Some(v) = var("SCOPES") {
                p.scopes = v.split_whitespace().map(str::to_owned).collect();
            }
            p.client_secret = var("CLIENT_SECRET");
        }
        for (name, field) in [
            ("FOTOBASE_UPSTREAM_AUTH", &mut self.upstreams.auth),
            ("FOTOBASE_UPSTREAM_USERS", &mut self.upstreams.users),
            ("FOTOBASE_UPSTREAM_IMAGES", &mut self.upstreams.images),
            ("FOTOBASE_UPSTREAM_FOLDERS", &mut self.upstreams.folders),
        ] {
            if let Some(v) = get(name) {
                *field = list(v);
            }
        }
        Ok(())
    }

    /// `trusted_proxies` parsed; a bare address is a /32 (or /128).
    pub fn trusted_proxy_nets(&self) -> std::result::Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("trusted_proxies: {s:?} is not an address or CIDR"))
            })
            .collect()
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::new(ErrorKind::InvalidArgument, format!("config: {what}")));
        if let Err(e) = self.trusted_proxy_nets() {
            return bad(&e);
        }
        if self.access_ttl_secs == 0 || self.refresh_idle_ttl_secs == 0 || self.refresh_absolute_ttl_secs == 0 {
            return bad("token lifetimes must be positive");
        }
        if self.max_upload_bytes == 0 || self.max_pixels == 0 || self.max_json_bytes == 0 || self.job_lease_secs == 0 {
            return bad("limits must be positive");
        }
        if self.max_concurrency == 0 || self.request_timeout_secs == 0 || self.hash_slots == 0 {
            return bad("max_concurrency, request_timeout_secs and hash_slots must be positive");
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return bad("TLS needs both tls_cert and tls_key (FOTOBASE_TLS_CERT, FOTOBASE_TLS_KEY)");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad("log_format must be text or json");
        }
        let u = &self.upstreams;
        if self.service == Service::Gateway && [&u.auth, &u.users, &u.images, &u.folders].iter().any(|l| l.is_empty()) {
            return bad("the gateway needs upstreams for auth, users, images and folders (FOTOBASE_UPSTREAM_*)");
        }
        if matches!(self.service, Service::Users | Service::Images | Service::Folders) && self.auth_url.is_none() {
            return bad("this service verifies tokens with the auth service's keys: set auth_url (FOTOBASE_AUTH_URL)");
        }
        for (i, p) in self.oidc.iter().enumerate() {
            let id_ok = (1..=32).contains(&p.id.len())
                && p.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !id_ok {
                return bad("an oidc provider's id is 1 to 32 of a-z, 0-9, - and _");
            }
            if self.oidc[..i].iter().any(|q| q.id == p.id) {
                return bad(&format!("oidc provider {} is listed twice", p.id));
            }
            if p.client_id.is_empty() {
                return bad(&format!("oidc provider {} needs client_id (FOTOBASE_OIDC_<ID>_CLIENT_ID)", p.id));
            }
            if fotobase_auth::oidc::check_endpoint(&p.issuer).is_err() {
                return bad(&format!("oidc provider {}: issuer must be an https URL (or http on loopback)", p.id));
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("fotobase.db").display()))
    }

    pub fn blob_url(&self) -> String {
        self.blob_url.clone().unwrap_or_else(|| {
            let dir = self.data_dir.join("blobs");
            let abs = std::path::absolute(&dir).unwrap_or(dir);
            format!("file://{}", abs.display())
        })
    }

    /// The certificate and key files when this process serves HTTPS.
    pub fn tls(&self) -> Option<(&Path, &Path)> {
        self.tls_cert.as_deref().zip(self.tls_key.as_deref())
    }

    /// Where to serve the web UI from instead of the copy built into the binary (`kit::web`).
    pub fn web_dir(&self) -> Option<PathBuf> {
        self.web_dir.clone()
    }

    pub fn public_url(&self) -> String {
        self.public_url.clone().map(|u| u.trim_end_matches('/').to_owned()).unwrap_or_else(|| {
            let scheme = if self.tls().is_some() { "https" } else { "http" };
            format!("{scheme}://{}", self.listen)
        })
    }

    /// The effective configuration as TOML, with passwords in URLs masked.
    pub fn masked(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(mask_url(&self.database_url()));
        shown.blob_url = Some(mask_url(&self.blob_url()));
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// `scheme://user:secret@host` → `scheme://user:***@host`; query strings (which
/// may carry access keys) are masked too.
pub fn mask_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((cred, host)) => {
                let user = cred.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            None => base.to_owned(),
        },
        None => base.to_owned(),
    };
    if let Some(q) = query {
        let masked: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if is_secret_key(k) => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{out}?{}", masked.join("&"));
    }
    out
}

fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["secret", "password", "key", "token", "sig"].iter().any(|s| k.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_over_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fotobase.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nworkers = 3\nmax_upload_bytes = 1000\n").unwrap();
        let env = |k: &str| match k {
            "FOTOBASE_WORKERS" => Some("5".to_owned()),
            "FOTOBASE_CORS_ORIGINS" => Some("http://a.test, http://b.test".to_owned()),
            _ => None,
        };
        let c = Config::load(Some(&file), env).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.workers, 5);
        assert_eq!(c.max_upload_bytes, 1000);
        assert_eq!(c.cors_origins, ["http://a.test", "http://b.test"]);
        assert_eq!(c.access_ttl_secs, 900);
    }

    #[test]
    fn oidc_providers_from_the_file_and_the_environment_with_secrets_from_the_environment_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fotobase.toml");
        let toml = "[[oidc]]\nid = \"google\"\nname = \"Google\"\nissuer = \"https://accounts.google.com\"\nclient_id = \"g\"\n";
        std::fs::write(&file, toml).unwrap();
        let env = |k: &str| match k {
            "FOTOBASE_OIDC_PROVIDERS" => Some("corp-sso, google".to_owned()),
            "FOTOBASE_OIDC_CORP_SSO_ISSUER" => Some("https://sso.corp.example/realms/x".to_owned()),
            "FOTOBASE_OIDC_CORP_SSO_CLIENT_ID" => Some("photos".to_owned()),
            "FOTOBASE_OIDC_CORP_SSO_SCOPES" => Some("openid email".to_owned()),
            "FOTOBASE_OIDC_GOOGLE_CLIENT_SECRET" => Some("shh".to_owned()),
            _ => None,
        };
        let c = Config::load(Some(&file), env).unwrap();
        let ids: Vec<&str> = c.oidc.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["google", "corp-sso"]);
        assert_eq!((c.oidc[0].client_secret.as_deref(), c.oidc[1].client_secret.as_deref()), (Some("shh"), None));
        assert_eq!(c.oidc[1].scopes, ["openid", "email"]);
        assert!(!c.masked().contains("shh"), "the secret is never shown");
        // A secret in the file is refused; so are bad ids, missing client ids and plain-http issuers.
        std::fs::write(&file, format!("{toml}client_secret = \"x\"\n")).unwrap();
        assert!(Config::load(Some(&file), |_| None).is_err());
        for (var, value) in [
            ("FOTOBASE_OIDC_PROVIDERS", "Bad Id"),
            ("FOTOBASE_OIDC_X_ISSUER", "http://sso.example"),
            ("FOTOBASE_OIDC_X_CLIENT_ID", ""),
        ] {
            let env = |k: &str| match k {
                _ if k == var => Some(value.to_owned()),
                "FOTOBASE_OIDC_PROVIDERS" => Some("x".to_owned()),
                "FOTOBASE_OIDC_X_ISSUER" => Some("https://sso.example".to_owned()),
                "FOTOBASE_OIDC_X_CLIENT_ID" => Some("c".to_owned()),
                _ => None,
            };
            assert_eq!(Config::load(None, env).unwrap_err().code(), "invalid_argument", "{var}={value}");
        }
    }

    #[test]
    fn bad_values_are_invalid_argument_naming_the_variable() {
        let e = Config::load(None, |k| (k == "FOTOBASE_WORKERS").then(|| "many".to_owned())).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.context().iter().any(|(k, v)| *k == "variable" && v == "FOTOBASE_WORKERS"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "jwt_secret = \"x\"\n").unwrap();
        assert_eq!(Config::load(Some(&file), |_| None).unwrap_err().code(), "invalid_argument");
        assert!(Config::load(None, |k| (k == "FOTOBASE_LOG_FORMAT").then(|| "xml".into())).is_err());
        // TLS needs both files; with both, public URLs are https.
        assert!(Config::load(None, |k| (k == "FOTOBASE_TLS_CERT").then(|| "cert.pem".into())).is_err());
        let tls = Config::load(None, |k| k.starts_with("FOTOBASE_TLS_").then(|| "x.pem".into())).unwrap();
        assert!(tls.public_url().starts_with("https://"));
    }

    #[test]
    fn policy_words_and_limits_come_from_the_environment() {
        let env = |k: &str| match k {
            "FOTOBASE_EMAIL_VERIFICATION" => Some("required".to_owned()),
            "FOTOBASE_REGISTRATION" => Some(" invite ".to_owned()),
            "FOTOBASE_QUOTA_BYTES" => Some("unlimited".to_owned()),
            "FOTOBASE_QUOTA_QUEUED_JOBS" => Some("3".to_owned()),
            _ => None,
        };
        let c = Config::load(None, env).unwrap();
        assert_eq!((c.email_verification(), c.registration), (EmailVerification::Required, Registration::Invite));
        assert_eq!((c.quota.max_bytes, c.quota.max_queued_jobs), (Limit(None), Limit(Some(3))));
        assert_eq!(c.quota.uploads_per_minute, QuotaConfig::default().uploads_per_minute, "left out: the default");
        // Unset, verification is required exactly when mail can reach the address's holder.
        let smtp = |verification: Option<&'static str>| {
            move |k: &str| match k {
                "FOTOBASE_SMTP_URL" => Some("smtp://127.0.0.1:2525".to_owned()),
                "FOTOBASE_EMAIL_VERIFICATION" => verification.map(str::to_owned),
                _ => None,
            }
        };
        assert_eq!(Config::load(None, smtp(None)).unwrap().email_verification, Some(EmailVerification::Required));
        assert_eq!(
            Config::load(None, smtp(Some("optional"))).unwrap().email_verification(),
            EmailVerification::Optional
        );
        assert_eq!(Config::load(None, |_| None).unwrap().email_verification(), EmailVerification::Optional);
        let e = Config::load(None, |k| (k == "FOTOBASE_EMAIL_VERIFICATION").then(|| "sometimes".into())).unwrap_err();
        assert_eq!(e.message(), "FOTOBASE_EMAIL_VERIFICATION is off, optional or required");
        assert!(Config::load(None, |k| (k == "FOTOBASE_QUOTA_BYTES").then(|| "lots".into())).is_err());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[quota]\nmax_bytes = \"unlimited\"\nuploads_per_minute = 5\n").unwrap();
        let c = Config::load(Some(&file), |_| None).unwrap();
        assert_eq!((c.quota.max_bytes, c.quota.uploads_per_minute), (Limit(None), Limit(Some(5))));
        assert_eq!(c.quota.max_queued_jobs, QuotaConfig::default().max_queued_jobs);
    }

    #[test]
    fn secrets_in_urls_are_masked() {
        assert_eq!(mask_url("postgres://app:hunter2@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(
            mask_url("s3://bucket?endpoint=http://h&secret_access_key=abc&region=x"),
            "s3://bucket?endpoint=http://h&secret_access_key=***&region=x"
        );
        let c = Config { database_url: Some("mysql://u:pw@h/d".into()), ..Config::default() };
        let shown = c.masked();
        assert!(shown.contains("u:***@h") && !shown.contains("pw@"), "{shown}");
    }
}
