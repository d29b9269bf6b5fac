//! argon2id password hashing with pepper rotation and an NIST SP 800-63B input policy.
//!
//! Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), readable
//! by every argon2 library. A peppered hash records the pepper's id in the PHC
//! `keyid` parameter, so peppers can rotate: old hashes keep verifying with their
//! pepper and [`PasswordHasher::needs_rehash`] says when to upgrade them.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, KeyId, Params, ParamsBuilder, Version};
use subtle::ConstantTimeEq as _;
use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroize as _;

use super::Secret;
use super::secret::check_key_id;
use fotobase::{Error, ErrorKind, Result};

/// argon2id cost parameters. The default is OWASP's minimum recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        HashParams { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

/// Largest costs a stored hash may ask for before we refuse to verify it:
/// a hash row is not allowed to make one login burn gigabytes or minutes.
const MAX_MEMORY_KIB: u32 = 1 << 21;
const MAX_ITERATIONS: u32 = 64;
const MAX_PARALLELISM: u32 = 64;
const OUTPUT_LEN: usize = 32;
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// What passwords are acceptable (NIST SP 800-63B §3.1.1.2): length, not composition rules.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    /// Minimum length in Unicode characters after NFKC normalisation.
    pub min_chars: usize,
    /// Maximum length in UTF-8 bytes: bounds hashing cost and rejects abuse.
    pub max_bytes: usize,
    /// Reject passwords on the crate's list of common passwords.
    pub reject_common: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_chars: 8, max_bytes: 1024, reject_common: true }
    }
}

/// Hashes and verifies passwords. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct PasswordHasher {
    params: HashParams,
    policy: PasswordPolicy,
    peppers: Arc<Vec<(String, Secret)>>,
    active_pepper: Option<usize>,
    dummy: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .field("policy", &self.policy)
            .field("pepper_ids", &self.peppers.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>())
            .field("active_pepper", &self.active_pepper.map(|i| self.peppers[i].0.as_str()))
            .finish()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        PasswordHasher::new(HashParams::default()).expect("default parameters are valid")
    }
}

/// The result of [`PasswordHasher::verify_and_upgrade`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Whether the password matched.
    pub ok: bool,
    /// On a match with outdated parameters or pepper: the hash to store instead.
    pub new_hash: Option<String>,
}

impl PasswordHasher {
    /// A hasher with the given costs (validated against argon2's and our bounds).
    pub fn new(params: HashParams) -> Result<Self> {
        if params.memory_kib > MAX_MEMORY_KIB
            || params.iterations > MAX_ITERATIONS
            || params.parallelism > MAX_PARALLELISM
        {
            return Err(Error::new(ErrorKind::InvalidArgument, "argon2 parameters above fotobase's bounds")
                .with_context("max_memory_kib", MAX_MEMORY_KIB));
        }
        argon2_params(params, None)?;
        Ok(PasswordHasher {
            params,
            policy: PasswordPolicy::default(),
            peppers: Arc::new(Vec::new()),
            active_pepper: None,
            dummy: Arc::new(OnceLock::new()),
        })
    }

    #[must_use]
    pub fn with_policy(mut self, policy: PasswordPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Add a pepper (argon2 secret) under `id` (1 to 8 ASCII letters, digits, `-`, `_`)
    /// and make it the one new hashes use. Earlier peppers stay for verification.
    pub fn with_pepper(mut self, id: &str, secret: Secret) -> Result<Self> {
        check_key_id(id, KeyId::MAX_LEN)?;
        if secret.len() < 16 {
            return Err(Error::new(ErrorKind::InvalidArgument, "pepper must be at least 16 bytes"));
        }
        let mut peppers = (*self.peppers).clone();
        peppers.retain(|(p, _)| p != id);
        peppers.push((id.to_owned(), secret));
        self.active_pepper = Some(peppers.len() - 1);
        self.peppers = Arc::new(peppers);
        self.dummy = Arc::new(OnceLock::new());
        Ok(self)
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    /// Check `password` against the policy; `context` holds words specific to
    /// this user and service (user name, e-mail, "fotobase") that must not make up the password.
    pub fn check_policy(&self, password: &str, context: &[&str]) -> Result<()> {
        let normalized = self.normalize(password)?;
        let chars = normalized.chars().count();
        if chars < self.policy.min_chars {
            return Err(Error::new(ErrorKind::WeakPassword, "password is too short")
                .with_context("min_chars", self.policy.min_chars));
        }
        let lower = normalized.to_lowercase();
        if self.policy.reject_common && common_passwords().contains(lower.as_str()) {
            return Err(Error::new(ErrorKind::WeakPassword, "password is on the list of commonly used passwords"));
        }
        for word in context {
            let word = word.nfkc().collect::<String>().to_lowercase();
            let word = word.split('@').next().unwrap_or_default();
            if word.chars().count() >= 4 && lower.contains(word) && word.len() * 2 >= lower.len() {
                return Err(Error::new(ErrorKind::WeakPassword, "password is mostly the user name or service name"));
            }
        }
        Ok(())
    }

    /// Check the policy, then hash. Use at sign-up and password change.
    pub fn hash(&self, password: &str) -> Result<String> {
        self.check_policy(password, &[])?;
        self.hash_unchecked(password)
    }

    /// Hash without the policy (still normalised and length-bounded): for
    /// re-hashing a password that already verified under an older policy.
    pub fn hash_unchecked(&self, password: &str) -> Result<String> {
        let normalized = self.normalize(password)?;
        let pepper = self.active_pepper.map(|i| &self.peppers[i]);
        let keyid = pepper.map(|(id, _)| id.as_str());
        let params = argon2_params(self.params, keyid)?;
        let secret = pepper.map_or(&[][..], |(_, s)| s.expose());
        let salt = SaltString::encode_b64(&super::random_bytes(16))
            .map_err(|e| Error::new(ErrorKind::Unexpected, "salt encoding failed").with_source(e))?;
        phc(secret, &params, normalized.as_bytes(), &salt)
    }

    /// Constant-time check of `password` against a PHC `hash`. `Ok(false)` on a
    /// mismatch; an error for a malformed hash, an unknown pepper id or an over-long password.
    pub fn verify(&self, hash: &str, password: &str) -> Result<bool> {
        let normalized = self.normalize(password)?;
        let parsed = parse_hash(hash)?;
        let params = Params::try_from(&parsed)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, "bad argon2 parameters in hash").with_source(e))?;
        if params.m_cost() > MAX_MEMORY_KIB || params.t_cost() > MAX_ITERATIONS || params.p_cost() > MAX_PARALLELISM {
            return Err(Error::new(ErrorKind::LimitExceeded, "stored hash asks for more work than fotobase allows")
                .with_context("m", params.m_cost())
                .with_context("t", params.t_cost()));
        }
        let secret = match params.keyid() {
            [] => &[][..],
            id => {
                let id = String::from_utf8_lossy(id);
                let (_, s) = self.peppers.iter().find(|(p, _)| *p == id).ok_or_else(|| {
                    Error::new(ErrorKind::UnknownKey, "hash was made with a pepper this hasher does not know")
                        .with_context("pepper_id", &id)
                })?;
                s.expose()
            }
        };
        let unusable = |what: &'static str| {
            move |e: argon2::password_hash::Error| Error::new(ErrorKind::InvalidArgument, what).with_source(e)
        };
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(unusable("not an argon2 hash"))?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, "unknown argon2 version").with_source(e))?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(Error::new(ErrorKind::InvalidArgument, "hash has no salt or no output"));
        };
        let mut salt_buf = [0u8; 64];
        let salt = salt.decode_b64(&mut salt_buf).map_err(unusable("bad salt in hash"))?;
        let mut out = vec![0u8; expected.len()];
        derive(algorithm, version.unwrap_or_default(), &params, secret, normalized.as_bytes(), salt, &mut out)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, "hash could not be checked").with_source(e))?;
        let same = bool::from(out.as_slice().ct_eq(expected.as_bytes()));
        out.zeroize();
        Ok(same)
    }

    /// Whether `hash` was made with weaker settings than this hasher's (algorithm,
    /// version, memory, iterations, parallelism, output length) or another pepper.
    /// Unparseable hashes need a rehash too.
    pub fn needs_rehash(&self, hash: &str) -> bool {
        let Ok(parsed) = parse_hash(hash) else { return true };
        let Ok(params) = Params::try_from(&parsed) else { return true };
        let want_pepper = self.active_pepper.map(|i| self.peppers[i].0.as_bytes()).unwrap_or_default();
        parsed.algorithm != Algorithm::Argon2id.ident()
            || parsed.version != Some(Version::V0x13.into())
            || params.m_cost() < self.params.memory_kib
            || params.t_cost() < self.params.iterations
            || params.p_cost() < self.params.parallelism
            || params.output_len().unwrap_or(OUTPUT_LEN) < OUTPUT_LEN
            || params.keyid() != want_pepper
    }

    /// Verify, and on success say whether to store a fresh hash (the login flow).
    pub fn verify_and_upgrade(&self, hash: &str, password: &str) -> Result<Verified> {
        let ok = self.verify(hash, password)?;
        let new_hash = if ok && self.needs_rehash(hash) { Some(self.hash_unchecked(password)?) } else { None };
        Ok(Verified { ok, new_hash })
    }

    /// Spend the same work as a real verification and return `false`. Call it
    /// when the account does not exist, so "no such user" and "wrong password"
    /// cannot be told apart by timing.
    pub fn dummy_verify(&self, password: &str) -> bool {
        let hash = self
            .dummy
            .get_or_init(|| self.hash_unchecked(&super::secret::b64url(&super::random_bytes(24))).unwrap_or_default());
        let password = if password.len() > self.policy.max_bytes { "" } else { password };
        let _ = self.verify(hash, password);
        false
    }

    fn normalize(&self, password: &str) -> Result<String> {
        // Check before normalising too: NFKC can grow input up to 18x.
        let too_long = || {
            Error::new(ErrorKind::InvalidArgument, "password is too long")
                .with_context("max_bytes", self.policy.max_bytes)
        };
        if password.len() > self.policy.max_bytes {
            return Err(too_long());
        }
        let normalized: String = password.nfkc().collect();
        if normalized.len() > self.policy.max_bytes {
            return Err(too_long());
        }
        Ok(normalized)
    }
}

fn argon2_params(p: HashParams, keyid: Option<&str>) -> Result<Params> {
    let mut b = ParamsBuilder::new();
    b.m_cost(p.memory_kib).t_cost(p.iterations).p_cost(p.parallelism).output_len(OUTPUT_LEN);
    if let Some(id) = keyid {
        b.keyid(
            KeyId::new(id.as_bytes())
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, "pepper id too long for argon2").with_source(e))?,
        );
    }
    b.build().map_err(|e| Error::new(ErrorKind::InvalidArgument, "invalid argon2 parameters").with_source(e))
}

fn parse_hash(hash: &str) -> Result<PasswordHash<'_>> {
    if hash.len() > 512 {
        return Err(Error::new(ErrorKind::InvalidArgument, "hash string is too long"));
    }
    PasswordHash::new(hash).map_err(|e| Error::new(ErrorKind::InvalidArgument, "not a PHC hash string").with_source(e))
}

/// A PHC string of `password` under `params`, peppered with `secret` (may be empty), and `salt`:
/// what argon2's `PasswordHasher::hash_password` makes.
fn phc(secret: &[u8], params: &Params, password: &[u8], salt: &SaltString) -> Result<String> {
    let failed =
        |e: argon2::password_hash::Error| Error::new(ErrorKind::Unexpected, "argon2 hashing failed").with_source(e);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(failed)?;
    let mut out = [0u8; OUTPUT_LEN];
    derive(Algorithm::Argon2id, Version::V0x13, params, secret, password, salt_bytes, &mut out)
        .map_err(|e| Error::new(ErrorKind::Unexpected, "argon2 hashing failed").with_source(e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    out.zeroize();
    Ok(hash.to_string())
}

/// The raw argon2 tag of `password` into `out` (its length is the tag's), computed by
/// `argon2-rust` on working memory kept between hashes.
fn derive(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    secret: &[u8],
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> std::result::Result<(), argon2_rust::Error> {
    use argon2_rust::params::{Memory, TagLen};
    let algorithm = match algorithm {
        Algorithm::Argon2d => argon2_rust::Algorithm::Argon2d,
        Algorithm::Argon2i => argon2_rust::Algorithm::Argon2i,
        Algorithm::Argon2id => argon2_rust::Algorithm::Argon2id,
    };
    let version = match version {
        Version::V0x10 => argon2_rust::Version::V0x10,
        Version::V0x13 => argon2_rust::Version::V0x13,
    };
    let params = argon2_rust::Params::builder()
        .memory(Memory::kib(u64::from(params.m_cost())))
        .passes(params.t_cost())
        .lanes(params.p_cost())
        .tag_len(TagLen::bytes(out.len() as u64))
        .build()?;
    with_hasher(argon2_rust::Argon2::new(algorithm, version, params), |hasher| {
        hasher.hash_into_with_ad(password, salt, secret, &[], out)
    })
}

/// Hashers (with their working memory) kept between hashes: at most this many, each holding at
/// most this many 1 KiB blocks.
const KEPT_HASHERS: usize = 8;
const KEPT_BLOCKS: usize = 64 << 10; // 64 MiB

/// Run `f` on a hasher configured as `argon2` whose working memory is kept between hashes.
/// Allocating 19 MiB afresh for every hash mapped it and faulted it in page by page, a tenth of a
/// login's CPU; as many hashers as hash at once (up to [`KEPT_HASHERS`]) are kept instead. The
/// hasher wipes its memory after every hash, and when it is dropped.
fn with_hasher<R>(argon2: argon2_rust::Argon2, f: impl FnOnce(&mut argon2_rust::Hasher) -> R) -> R {
    static KEPT: std::sync::Mutex<Vec<argon2_rust::Hasher>> = std::sync::Mutex::new(Vec::new());
    let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut hasher = match kept {
        Some(mut hasher) => {
            hasher.set_argon2(argon2);
            hasher
        }
        None => argon2.hasher(),
    };
    let out = f(&mut hasher);
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if hasher.reserved_blocks() <= KEPT_BLOCKS && kept.len() < KEPT_HASHERS {
        kept.push(hasher);
    }
    out
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small costs keep unit tests fast; the defaults are exercised in tests/auth.rs.
    fn fast() -> PasswordHasher {
        PasswordHasher::new(HashParams { memory_kib: 256, iterations: 1, parallelism: 1 }).unwrap()
    }

    #[test]
    fn default_params_meet_owasp() {
        let p = HashParams::default();
        assert!(p.memory_kib >= 19_456 && p.iterations >= 2 && p.parallelism >= 1);
    }

    #[test]
    fn hash_verifies_and_rejects_wrong_password() {
        let h = fast();
        let hash = h.hash("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{hash}");
        assert!(h.verify(&hash, "correct horse battery").unwrap());
        assert!(!h.verify(&hash, "correct horse batterz").unwrap());
        assert_ne!(hash, h.hash("correct horse battery").unwrap(), "fresh salt every time");
    }

    /// Our hashing (`argon2-rust`, kept working memory) gives the same strings as RustCrypto's
    /// `argon2` (with and without a pepper's key id), and each side verifies the other's hashes:
    /// several sizes in turn (a larger arena reused for a smaller hash), both versions, all three
    /// algorithms, several lanes.
    #[test]
    fn same_hashes_as_rustcryptos_argon2() {
        use argon2::Argon2;
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        for (memory_kib, keyid) in [(256, None), (1024, Some("p1")), (64, None), (19_456, None)] {
            let params = argon2_params(HashParams { memory_kib, iterations: 1, parallelism: 1 }, keyid).unwrap();
            let secret = if keyid.is_some() { &b"pepper-secret-of-32-bytes-long!!"[..] } else { &[][..] };
            let argon = Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, params.clone()).unwrap();
            let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
            let ours = phc(secret, &params, b"correct horse", &salt).unwrap();
            let theirs = argon.hash_password(b"correct horse", &salt).unwrap().to_string();
            assert_eq!(ours, theirs);
            assert!(argon.verify_password(b"correct horse", &PasswordHash::new(&ours).unwrap()).is_ok());
        }
        let h = fast();
        let salt = SaltString::encode_b64(b"another salt!!").unwrap();
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i, Algorithm::Argon2d] {
            for version in [Version::V0x13, Version::V0x10] {
                for (m, t, p) in [(256, 1, 1), (512, 3, 2), (64, 2, 4)] {
                    let stock = Argon2::new(algorithm, version, Params::new(m, t, p, Some(32)).unwrap());
                    let theirs = stock.hash_password(b"fine photo 12", &salt).unwrap().to_string();
                    assert!(h.verify(&theirs, "fine photo 12").unwrap(), "{theirs}");
                    assert!(!h.verify(&theirs, "fine photo 13").unwrap(), "{theirs}");
                }
            }
        }
    }

    #[test]
    fn nfkc_makes_equivalent_spellings_equal() {
        let h = fast();
        // U+FB01 LATIN SMALL LIGATURE FI normalises to "fi"; full-width digits to ASCII.
        let hash = h.hash("\u{FB01}ne photo \u{FF11}\u{FF12}").unwrap();
        assert!(h.verify(&hash, "fine photo 12").unwrap());
    }

    #[test]
    fn policy_rejects_short_common_contextual_and_huge() {
        let h = fast();
        assert_eq!(h.hash("short").unwrap_err().kind(), ErrorKind::WeakPassword);
        assert_eq!(h.hash("Password123").unwrap_err().kind(), ErrorKind::WeakPassword);
        assert_eq!(h.check_policy("alice.smith!", &["alice.smith@example.com"]).unwrap_err().code(), "weak_password");
        assert!(h.check_policy("alice in the tall grass", &["alice"]).is_ok(), "short context words are allowed");
        let huge = "x".repeat(1025);
        assert_eq!(h.hash(&huge).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            h.verify("$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA", &huge).unwrap_err().code(),
            "invalid_argument"
        );
        // NFKC expansion is bounded too: U+FDFA becomes 18 characters.
        let expanding = "\u{FDFA}".repeat(100);
        assert!(expanding.len() <= 1024);
        assert_eq!(h.hash(&expanding).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn peppers_rotate_and_unknown_pepper_is_a_clear_error() {
        let p1 = Secret::new(vec![1u8; 32]);
        let p2 = Secret::new(vec![2u8; 32]);
        let old = fast().with_pepper("p1", p1.clone()).unwrap();
        let hash = old.hash("a long passphrase").unwrap();
        assert!(hash.contains("keyid="), "{hash}");
        assert!(!fast().needs_rehash(&fast().hash("a long passphrase").unwrap()));

        let rotated = fast().with_pepper("p1", p1).unwrap().with_pepper("p2", p2).unwrap();
        assert!(rotated.verify(&hash, "a long passphrase").unwrap());
        assert!(rotated.needs_rehash(&hash), "hash uses the old pepper");
        let up = rotated.verify_and_upgrade(&hash, "a long passphrase").unwrap();
        let new_hash = up.new_hash.expect("upgraded");
        assert!(!rotated.needs_rehash(&new_hash));

        let e = fast().verify(&hash, "a long passphrase").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownKey);
        assert!(e.to_string().contains("p1"));
        // Without the pepper the hash is useless even with the right password.
        let wrong = fast().with_pepper("p1", Secret::new(vec![9u8; 32])).unwrap();
        assert!(!wrong.verify(&hash, "a long passphrase").unwrap());
        assert!(fast().with_pepper("toolongid", Secret::new(vec![0u8; 32])).is_err());
        assert!(fast().with_pepper("p", Secret::new(vec![0u8; 8])).is_err());
    }

    #[test]
    fn needs_rehash_sees_weaker_parameters_and_other_algorithms() {
        let strong = PasswordHasher::new(HashParams { memory_kib: 512, iterations: 2, parallelism: 1 }).unwrap();
        let weak_hash = fast().hash("a long passphrase").unwrap();
        assert!(strong.needs_rehash(&weak_hash));
        assert!(!strong.needs_rehash(&strong.hash("a long passphrase").unwrap()));
        let argon2i = "$argon2i$v=19$m=512,t=2,p=1$c2FsdHNhbHQ$Ri1EIYRjIDbJ2FH0d0Ry4Q1rOGsT6U3ouZj0MLlqNaU";
        assert!(strong.needs_rehash(argon2i));
        assert!(strong.needs_rehash("$2b$12$abcdefghijklmnopqrstuv"), "bcrypt → upgrade");
        assert!(strong.needs_rehash("garbage"));
    }

    #[test]
    fn malformed_and_abusive_hashes_are_errors_not_panics() {
        let h = fast();
        for bad in ["", "$argon2id$", "$argon2id$v=19$m=x$salt$hash", "$md5$abc", &"$".repeat(600)] {
            assert!(h.verify(bad, "whatever1234").is_err(), "{bad:?}");
        }
        let bomb = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        assert_eq!(h.verify(bomb, "whatever1234").unwrap_err().kind(), ErrorKind::LimitExceeded);
    }

    #[test]
    fn dummy_verify_is_false_and_does_the_work() {
        let h = fast();
        assert!(!h.dummy_verify("anything at all"));
        assert!(!h.dummy_verify(&"x".repeat(5000)));
        assert!(h.dummy.get().unwrap().starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
    }

    #[test]
    fn debug_never_shows_peppers() {
        let h = fast().with_pepper("p1", Secret::new(b"super secret pepper value!".to_vec())).unwrap();
        let s = format!("{h:?}");
        assert!(s.contains("p1") && !s.contains("super secret"));
    }

    #[test]
    fn common_list_is_loaded_and_lower_case() {
        let set = common_passwords();
        assert!(set.len() > 300);
        assert!(set.iter().all(|w| *w == w.to_lowercase()));
    }
}
