//! The server's secrets: from the environment when set (the only way for a split
//! deployment, whose processes must agree on them), otherwise generated once
//! into `<data>/secrets/` with mode 0600 so a single-machine install just works.
//! Values are never logged; only where each one came from is.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::field::{BlindIndex, FieldCipher};
use fotobase_auth::public_id::PublicIds;
use fotobase_auth::token::{Algorithm, Key, KeySet};
use fotobase_auth::{Secret, parse_key_list};

/// Every secret a process may need.
pub struct Secrets {
    pub ids: PublicIds,
    pub fields: FieldCipher,
    pub blind: BlindIndex,
    /// HMAC keys of signed transform URLs by id, the first signing: each URL names its key
    /// (`k:`), so a new key can sign while the old one still verifies until it is removed.
    pub transform: Vec<(String, Secret)>,
    /// `id:base64` list of password peppers, if configured.
    pub peppers: Vec<(String, Secret)>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([REDACTED])")
    }
}

impl Secrets {
    /// Load from `env`, falling back to (and creating) files under `data_dir/secrets`.
    pub fn load(data_dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Secrets> {
        let dir = data_dir.join("secrets");
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let single = |var: &str, file: &str| -> Result<Secret> {
            match get(var) {
                Some(v) => Secret::from_base64(v.trim(), 32).map_err(|e| named(e, var)),
                None => {
                    let text = read_or_create(&dir, file, || Secret::random(32).to_base64())?;
                    Secret::from_base64(text.trim(), 32).map_err(|e| named(e, file))
                }
            }
        };
        let ids = PublicIds::new(&single("FOTOBASE_ID_KEY", "id.key")?)?;
        let blind = BlindIndex::new(single("FOTOBASE_BLIND_INDEX_KEY", "blind-index.key")?)?;
        let transform = match get("FOTOBASE_TRANSFORM_KEYS") {
            Some(v) => transform_keys(v.trim()).map_err(|e| named(e, "FOTOBASE_TRANSFORM_KEYS"))?,
            None => vec![(DEFAULT_TRANSFORM_KEY_ID.to_owned(), single("FOTOBASE_TRANSFORM_KEY", "transform.key")?)],
        };
        let field_spec = match get("FOTOBASE_FIELD_KEYS") {
            Some(v) => v,
            None => read_or_create(&dir, "field.keys", || format!("k1:{}", Secret::random(32).to_base64()))?,
        };
        let fields = FieldCipher::from_spec(field_spec.trim()).map_err(|e| named(e, "FOTOBASE_FIELD_KEYS"))?;
        let peppers = match get("FOTOBASE_PASSWORD_PEPPERS") {
            Some(v) => parse_key_list(v.trim(), 16).map_err(|e| named(e, "FOTOBASE_PASSWORD_PEPPERS"))?,
            None => Vec::new(),
        };
        Ok(Secrets { ids, fields, blind, transform, peppers })
    }

    /// The JWT signing keys, for the process that issues tokens (auth, or all-in-one):
    /// `FOTOBASE_JWT_KEYS_DIR`, else `<data>/keys`, with an Ed25519 key made on first start.
    pub fn signing_keys(data_dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<KeySet> {
        let dir = env("FOTOBASE_JWT_KEYS_DIR").filter(|v| !v.trim().is_empty()).map(PathBuf::from);
        load_or_create_keys(&dir.unwrap_or_else(|| data_dir.join("keys")))
    }
}

/// The id of the one transform key of `FOTOBASE_TRANSFORM_KEY` (or the generated file).
pub const DEFAULT_TRANSFORM_KEY_ID: &str = "k1";

/// `id:base64,…` transform keys: at least one, ids of letters, digits, `_` and `-` (they
/// travel in URLs), none twice.
fn transform_keys(spec: &str) -> Result<Vec<(String, Secret)>> {
    let keys = parse_key_list(spec, 32)?;
    let bad = |what: &str| Err(Error::new(ErrorKind::InvalidArgument, format!("transform keys: {what}")));
    if keys.is_empty() {
        return bad("at least one id:base64 key");
    }
    for (i, (id, _)) in keys.iter().enumerate() {
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return bad("ids are 1 to 32 letters, digits, _ or -");
        }
        if keys[..i].iter().any(|(other, _)| other == id) {
            return bad("an id appears twice");
        }
    }
    Ok(keys)
}

fn named(e: Error, name: &str) -> Error {
    e.with_context("setting", name)
}

/// A signing key set: the one in `dir`, or a new Ed25519 key saved there.
fn load_or_create_keys(dir: &Path) -> Result<KeySet> {
    if dir.join("keyset.json").exists() {
        let set = KeySet::load_dir(dir)?;
        if set.active().is_none() {
            return Err(Error::new(ErrorKind::UnknownKey, "the JWT key set has no active signing key")
                .with_context("dir", dir.display()));
        }
        return Ok(set);
    }
    let mut set = KeySet::new();
    let key = Key::generate(Algorithm::EdDSA)?;
    let kid = key.kid().to_owned();
    set.insert(key);
    set.set_active(&kid)?;
    create_private_dir(dir)?;
    set.save_dir(dir)?;
    tracing::info!(dir = %dir.display(), kid, "generated a JWT signing key");
    Ok(set)
}

fn read_or_create(dir: &Path, name: &str, make: impl FnOnce() -> String) -> Result<String> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_private_dir(dir)?;
            let value = make();
            let mut file = private_file(&path)?;
            file.write_all(value.as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated a secret");
            Ok(value)
        }
        Err(e) => Err(Error::new(ErrorKind::Unexpected, "cannot read secret file")
            .with_context("path", path.display())
            .with_source(e)),
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)?;
    Ok(())
}

/// Created exclusively with mode 0600: two processes starting at once cannot
/// both write a different secret (the loser's `create_new` fails).
fn private_file(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map_err(|e| {
        Error::new(ErrorKind::Conflict, "cannot create secret file").with_context("path", path.display()).with_source(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let none = |_: &str| None;
        let a = Secrets::load(dir.path(), &none).unwrap();
        let b = Secrets::load(dir.path(), &none).unwrap();
        assert_eq!(a.ids.encode("img", 7).unwrap(), b.ids.encode("img", 7).unwrap());
        assert_eq!(a.transform[0].1.expose(), b.transform[0].1.expose());
        let (ka, kb) =
            (Secrets::signing_keys(dir.path(), &none).unwrap(), Secrets::signing_keys(dir.path(), &none).unwrap());
        assert_eq!(ka.active().unwrap().kid(), kb.active().unwrap().kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for f in ["id.key", "blind-index.key", "transform.key", "field.keys"] {
                let mode = std::fs::metadata(dir.path().join("secrets").join(f)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }
    }

    #[test]
    fn env_overrides_and_bad_values_name_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let key = Secret::random(32).to_base64();
        let env = |k: &str| (k == "FOTOBASE_ID_KEY").then(|| key.clone());
        let s = Secrets::load(dir.path(), &env).unwrap();
        let expected = PublicIds::new(&Secret::from_base64(&key, 32).unwrap()).unwrap();
        assert_eq!(s.ids.encode("usr", 1).unwrap(), expected.encode("usr", 1).unwrap());
        assert!(!dir.path().join("secrets/id.key").exists());
        let short = |k: &str| (k == "FOTOBASE_TRANSFORM_KEY").then(|| "c2hvcnQ=".to_owned());
        let e = Secrets::load(dir.path(), &short).unwrap_err();
        assert!(e.context().iter().any(|(k, v)| *k == "setting" && v == "FOTOBASE_TRANSFORM_KEY"), "{e:?}");
    }

    #[test]
    fn transform_keys_are_a_list_whose_first_signs() {
        let dir = tempfile::tempdir().unwrap();
        let one = Secrets::load(dir.path(), &|_| None).unwrap();
        assert_eq!(one.transform.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), [DEFAULT_TRANSFORM_KEY_ID]);
        let key = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
        let list = format!("k2:{key}, k1:{key}");
        let two = Secrets::load(dir.path(), &|v| (v == "FOTOBASE_TRANSFORM_KEYS").then(|| list.clone())).unwrap();
        assert_eq!(two.transform.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["k2", "k1"]);
        for bad in [format!("k1:{key},k1:{key}"), format!("a,b:{key}"), format!("k/1:{key}"), "k1:c2hvcnQ=".into()] {
            let e = Secrets::load(dir.path(), &|v| (v == "FOTOBASE_TRANSFORM_KEYS").then(|| bad.clone())).unwrap_err();
            assert!(e.context().iter().any(|(k, v)| *k == "setting" && v == "FOTOBASE_TRANSFORM_KEYS"), "{bad}: {e:?}");
        }
    }
}
