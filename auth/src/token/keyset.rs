//! A set of keys: one active signer plus verify-only keys, so keys rotate
//! without logging anyone out. Persisted as a directory operators can manage.
//!
//! Directory layout: `keyset.json` (which keys exist, their algorithms, which
//! one signs, public JWKs of imported keys) and one private file per own key,
//! `<kid>.pem` (PKCS#8) or `<kid>.secret` (HS256, base64url), mode 0600.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::alg::Algorithm;
use super::keys::Key;
use crate::Secret;
use fotobase::{Error, ErrorKind, Result};

/// Keys by id. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<Key>,
    active: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    active: Option<String>,
    keys: Vec<ManifestEntry>,
}

#[derive(Serialize, Deserialize)]
struct ManifestEntry {
    kid: String,
    alg: Algorithm,
    /// Unix seconds when the key was added.
    added_at: i64,
    /// For verify-only keys imported from elsewhere: their public JWK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwk: Option<Value>,
}

const MANIFEST: &str = "keyset.json";

impl KeySet {
    pub fn new() -> Self {
        KeySet::default()
    }

    /// Add a key (replacing one with the same `kid`). The first signing key added becomes active;
    /// replacing the active key with a verify-only one leaves no active key.
    pub fn insert(&mut self, key: Key) {
        self.keys.retain(|k| k.kid() != key.kid());
        if self.active.as_deref() == Some(key.kid()) && !key.can_sign() {
            self.active = None;
        }
        if self.active.is_none() && key.can_sign() {
            self.active = Some(key.kid().to_owned());
        }
        self.keys.push(key);
    }

    /// Make `kid` the key new tokens are signed with.
    pub fn set_active(&mut self, kid: &str) -> Result<()> {
        match self.get(kid) {
            Some(k) if k.can_sign() => {
                self.active = Some(kid.to_owned());
                Ok(())
            }
            Some(_) => {
                Err(Error::new(ErrorKind::InvalidArgument, "a verify-only key cannot sign").with_context("kid", kid))
            }
            None => Err(Error::new(ErrorKind::UnknownKey, "no such key").with_context("kid", kid)),
        }
    }

    /// Drop a key: tokens signed with it stop verifying.
    pub fn remove(&mut self, kid: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.kid() != kid);
        if self.active.as_deref() == Some(kid) {
            self.active = None;
        }
        self.keys.len() != before
    }

    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.kid() == kid)
    }

    pub fn active(&self) -> Option<&Key> {
        self.active.as_deref().and_then(|kid| self.get(kid))
    }

    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Add every key of a JWKS document (`{"keys": [...]}`) or a single JWK, verify-only.
    pub fn add_jwks(&mut self, doc: &Value) -> Result<usize> {
        let list = match doc.get("keys") {
            Some(Value::Array(keys)) => keys.clone(),
            _ if doc.get("kty").is_some() => vec![doc.clone()],
            _ => return Err(Error::new(ErrorKind::InvalidArgument, "not a JWK or JWKS document")),
        };
        let keys = list.iter().map(Key::from_jwk).collect::<Result<Vec<_>>>()?;
        let n = keys.len();
        keys.into_iter().for_each(|k| self.insert(k));
        Ok(n)
    }

    /// The public keys as a JWKS document, for `/.well-known/jwks.json`. HS256 keys are never listed.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().filter_map(Key::public_jwk).cloned().collect::<Vec<_>>() })
    }

    /// Read a key directory written by [`KeySet::save_dir`] (or `fotobase keys generate`).
    pub fn load_dir(dir: &Path) -> Result<KeySet> {
        let manifest_path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            Error::new(ErrorKind::InvalidArgument, "cannot read key set")
                .with_context("path", manifest_path.display())
                .with_source(e)
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            Error::new(ErrorKind::InvalidArgument, "key set manifest is not valid")
                .with_context("path", manifest_path.display())
                .with_source(e)
        })?;
        let mut set = KeySet::new();
        for entry in manifest.keys {
            crate::secret::check_key_id(&entry.kid, 64)?;
            let key = if let Some(jwk) = &entry.jwk {
                Key::from_jwk(jwk)?
            } else if entry.alg == Algorithm::HS256 {
                let text = read_private(dir, &entry.kid, "secret")?;
                Key::hmac(&entry.kid, Secret::from_base64(&text, 32)?)?
            } else {
                Key::from_pem(entry.alg, &entry.kid, &read_private(dir, &entry.kid, "pem")?)?
            };
            set.insert(key);
        }
        set.active = None;
        if let Some(active) = manifest.active {
            set.set_active(&active)?;
        }
        Ok(set)
    }

    /// Write the set to `dir` (created if missing). Private files are mode 0600 and
    /// written before the manifest names them, so a crash never leaves a manifest
    /// pointing at a missing key.
    pub fn save_dir(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut entries = Vec::new();
        let previous: Option<Manifest> =
            std::fs::read_to_string(dir.join(MANIFEST)).ok().and_then(|t| serde_json::from_str(&t).ok());
        let now = crate::Clock::now(&crate::SystemClock);
        for key in &self.keys {
            let added_at = previous
                .as_ref()
                .and_then(|m| m.keys.iter().find(|e| e.kid == key.kid()).map(|e| e.added_at))
                .unwrap_or(now);
            let mut entry = ManifestEntry { kid: key.kid().to_owned(), alg: key.alg(), added_at, jwk: None };
            match key.private_material() {
                Some(secret) if key.alg() == Algorithm::HS256 => {
                    write_private(dir, &format!("{}.secret", key.kid()), secret.to_base64().as_bytes())?;
                }
                Some(pem) => write_private(dir, &format!("{}.pem", key.kid()), pem.expose())?,
                None => entry.jwk = key.public_jwk().cloned(),
            }
            entries.push(entry);
        }
        let manifest = Manifest { active: self.active.clone(), keys: entries };
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::new(ErrorKind::Unexpected, "manifest").with_source(e))?;
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, dir.join(MANIFEST))?;
        Ok(())
    }

    /// When each key was added (unix seconds), as recorded in a key directory.
    pub fn added_at(dir: &Path) -> Result<Vec<(String, i64)>> {
        let text = std::fs::read_to_string(dir.join(MANIFEST))?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, "manifest").with_source(e))?;
        Ok(m.keys.into_iter().map(|e| (e.kid, e.added_at)).collect())
    }
}

fn read_private(dir: &Path, kid: &str, ext: &str) -> Result<String> {
    let path = dir.join(format!("{kid}.{ext}"));
    std::fs::read_to_string(&path).map_err(|e| {
        Error::new(ErrorKind::InvalidArgument, "cannot read key file")
            .with_context("path", path.display())
            .with_source(e)
    })
}

fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let path = dir.join(name);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&path)?;
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
