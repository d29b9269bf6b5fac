//! Everything a request handler needs, opened once per process and shared.

use std::sync::Arc;
use std::time::Duration;

use fotobase::Result;
use fotobase::image::Limits;
use fotobase_auth::Secret;
use fotobase_auth::field::{BlindIndex, FieldCipher};
use fotobase_auth::mail::{Mailer, OutboxMailer, SmtpMailer};
use fotobase_auth::password::{HashParams, PasswordHasher};
use fotobase_auth::public_id::PublicIds;
use fotobase_auth::session::{SessionConfig, Sessions};
use fotobase_auth::throttle::{LoginThrottle, ThrottleConfig};
use fotobase_auth::token::{TokenConfig, Tokens};
use fotobase_store::blob::BlobStore;
use fotobase_store::db::{
    Audit, Db, Devices, EmailTokens, Factors, Folders, Identities, Images, Invites, JobQueue, Passkeys, QueueConfig,
    Quotas, SpentChallenges, SqlSessionStore, SqlThrottleStore, Users,
};
use fotobase_store::media::{Media, MediaConfig};
use tokio::sync::{Notify, Semaphore};

use crate::config::Config;
use crate::kit::hashing::HashSlots;
use crate::kit::metrics::Metrics;
use crate::kit::{ApiError, ApiResult};
use crate::secrets::Secrets;

/// Access tokens remembered as verified (about 1 KiB each).
const VERIFIED_TOKENS: usize = 16_384;

/// Cheap to clone: one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub users: Users,
    pub media: Media,
    pub folders: Folders,
    /// Single-use sign-up invitations (`registration = "invite"`).
    pub invites: Invites,
    /// Per-account limits and usage; the defaults are `config.quota`.
    pub quotas: Quotas,
    /// Each account's security events.
    pub audit: Audit,
    /// Single-use links sent by e-mail (verification, password reset), by hash.
    pub email_tokens: EmailTokens,
    /// Second factors: TOTP secrets (encrypted) and recovery codes (hashed).
    pub factors: Factors,
    /// Browsers accounts signed in from (device cookies, by hash).
    pub devices: Devices,
    /// Provider accounts (OpenID Connect) linked to accounts.
    pub identities: Identities,
    /// Passkeys (WebAuthn credentials) of accounts.
    pub passkeys: Passkeys,
    /// Challenges of ceremonies carried in sealed cookies, spent once.
    pub spent_challenges: SpentChallenges,
    /// The configured OpenID Connect providers, their keys fetched when needed.
    pub oidc: crate::kit::oidc::Providers,
    /// Account e-mail: SMTP when `smtp_url` is set, else files in `<data>/outbox`.
    pub mailer: Arc<dyn Mailer>,
    pub queue: JobQueue,
    pub sessions: Sessions,
    pub hasher: PasswordHasher,
    pub throttle: LoginThrottle,
    pub ids: PublicIds,
    pub fields: FieldCipher,
    pub blind: BlindIndex,
    /// Transform-URL keys by id, the first signing (see `services::transform`).
    pub transform_keys: Vec<(String, Secret)>,
    /// Woken when a job is enqueued, so idle workers start at once.
    pub jobs_ready: Notify,
    /// Transforms rendered at once (the rest wait): bounds CPU and memory.
    pub transform_slots: Semaphore,
    /// Password hashes run at once and waiting (the rest: 503).
    pub hashing: HashSlots,
    pub metrics: Arc<Metrics>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Where a process gets the keys that sign or verify access tokens.
#[derive(Debug, Clone)]
pub enum Keys {
    /// Issue tokens: the signing keys of the data dir (auth service, all-in-one).
    Signing,
    /// Only verify: the JWKS published by the auth service at this base URL.
    Remote(String),
    /// Neither (job workers).
    None,
}

impl Keys {
    /// What `config.service` needs.
    pub fn for_config(config: &Config) -> Keys {
        use crate::config::Service;
        match (config.service, &config.auth_url) {
            (Service::All | Service::Auth, _) => Keys::Signing,
            (_, Some(url)) => Keys::Remote(url.clone()),
            (_, None) => Keys::None,
        }
    }
}

impl AppState {
    /// Open the database (migrating it) and the blob store named by `config`, and
    /// load or create the secrets; token keys as `config.service` needs them.
    pub async fn open(config: Config, env: &dyn Fn(&str) -> Option<String>) -> Result<AppState> {
        let keys = Keys::for_config(&config);
        Self::open_with(config, env, keys).await
    }

    pub async fn open_with(config: Config, env: &dyn Fn(&str) -> Option<String>, keys: Keys) -> Result<AppState> {
        std::fs::create_dir_all(&config.data_dir)?;
        let secrets = Secrets::load(&config.data_dir, env)?;
        let key_set = match &keys {
            Keys::Signing => Secrets::signing_keys(&config.data_dir, env)?,
            Keys::Remote(url) => crate::jwks::fetch_until_ready(url).await?,
            Keys::None => fotobase_auth::token::KeySet::new(),
        };
        let db = Db::connect(&config.database_url()).await?;
        db.migrate().await?;
        db.seed_algorithms().await?;
        let blobs = BlobStore::from_url(&config.blob_url())?;
        let mut hasher = PasswordHasher::new(HashParams::default())?;
        for (id, pepper) in &secrets.peppers {
            hasher = hasher.with_pepper(id, pepper.clone())?;
        }
        let mut token_config = TokenConfig::new(config.issuer.clone(), config.audience.clone());
        token_config.ttl = Duration::from_secs(config.access_ttl_secs);
        // Clients repeat one access token for its lifetime: its signature is checked once.
        let tokens = Tokens::new(key_set, token_config).with_verify_cache(VERIFIED_TOKENS);
        let session_config = SessionConfig {
            absolute_ttl: Duration::from_secs(config.refresh_absolute_ttl_secs),
            idle_ttl: Duration::from_secs(config.refresh_idle_ttl_secs),
        };
        let sessions = Sessions::new(Arc::new(SqlSessionStore::new(db.clone())), tokens, session_config)
            .with_active_cache(std::time::Duration::from_millis(config.session_cache_ms));
        let throttle = LoginThrottle::new(Arc::new(SqlThrottleStore::new(db.clone())), ThrottleConfig::default());
        let mailer: Arc<dyn Mailer> = match &config.smtp_url {
            Some(url) => {
                let ca = match &config.smtp_ca_file {
                    Some(path) => Some(std::fs::read(path).map_err(|e| {
                        fotobase::Error::new(fotobase::ErrorKind::InvalidArgument, "cannot read the SMTP CA file")
                            .with_context("path", path.display())
                            .with_source(e)
                    })?),
                    None => None,
                };
                Arc::new(SmtpMailer::from_url_trusting(url, &config.mail_from, ca.as_deref())?)
            }
            None => Arc::new(OutboxMailer::new(config.data_dir.join("outbox"), &config.mail_from)?),
        };
        let media = Media::new(db.clone(), blobs).with_config(MediaConfig {
            max_bytes: config.max_upload_bytes,
            default_quota_bytes: config.quota.limits().max_bytes,
            default_uploads_per_minute: config.quota.limits().uploads_per_minute,
            ..MediaConfig::default()
        });
        let state = AppState(Arc::new(Inner {
            users: Users::new(db.clone()),
            folders: Folders::new(db.clone()),
            invites: Invites::new(db.clone()),
            quotas: Quotas::new(db.clone()),
            email_tokens: EmailTokens::new(db.clone()),
            factors: Factors::new(db.clone()),
            devices: Devices::new(db.clone()),
            identities: Identities::new(db.clone()),
            passkeys: Passkeys::new(db.clone()),
            spent_challenges: SpentChallenges::new(db.clone()),
            oidc: crate::kit::oidc::Providers::new(&config)?,
            audit: Audit::new(db.clone()),
            mailer,
            queue: JobQueue::new(db.clone()).with_config(QueueConfig {
                lease_secs: i64::try_from(config.job_lease_secs).unwrap_or(i64::MAX),
                ..QueueConfig::default()
            }),
            media,
            sessions,
            hasher,
            throttle,
            ids: secrets.ids,
            fields: secrets.fields,
            blind: secrets.blind,
            transform_keys: secrets.transform,
            jobs_ready: Notify::new(),
            transform_slots: Semaphore::new(config.workers.max(1) * 2),
            hashing: HashSlots::new(
                config.hash_slots,
                config.hash_queue,
                std::time::Duration::from_millis(config.hash_wait_ms),
            ),
            metrics: Default::default(),
            db,
            config,
        }));
        if let Keys::Remote(url) = keys {
            let keys = state.clone();
            tokio::spawn(crate::jwks::keep_fresh(url, move |set| keys.tokens().replace_keys(set)));
        }
        Ok(state)
    }

    pub fn images(&self) -> &Images {
        self.media.images()
    }

    pub fn tokens(&self) -> &Tokens {
        self.sessions.tokens()
    }

    /// Decode limits for uploads and jobs.
    pub fn limits(&self) -> Limits {
        Limits {
            max_pixels: self.config.max_pixels,
            max_input_bytes: self.config.max_upload_bytes,
            ..Limits::default()
        }
    }
}

/// Public ids (`kit::ids`): rows are never shown by number.
impl AppState {
    /// The public form of row `id` of kind `prefix`.
    pub fn public_id(&self, prefix: &str, id: i64) -> String {
        self.ids.encode(prefix, id as u64).expect("constant prefixes are valid")
    }

    pub fn public_opt(&self, prefix: &str, id: Option<i64>) -> Option<String> {
        id.map(|id| self.public_id(prefix, id))
    }

    /// Decode an id from a path: anything that is not one of ours is `not_found`.
    pub fn row_id(&self, prefix: &str, public: &str, what: &str) -> ApiResult<i64> {
        match self.ids.decode(prefix, public) {
            Ok(id) if id <= i64::MAX as u64 => Ok(id as i64),
            _ => Err(ApiError::not_found(what)),
        }
    }

    /// Decode an id named in a request body: a bad one is the caller's mistake.
    pub fn body_id(&self, prefix: &str, public: &str, field: &str) -> ApiResult<i64> {
        match self.ids.decode(prefix, public) {
            Ok(id) if id <= i64::MAX as u64 => Ok(id as i64),
            _ => Err(ApiError::invalid(format!("{field}: {public:?} is not a valid id")).with_field(field)),
        }
    }
}
