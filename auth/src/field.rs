//! Encryption of sensitive columns (e-mail addresses, names) and blind indexes
//! so encrypted values can still be looked up.
//!
//! Ciphertexts are text, safe in any SQL column: `fbe1:<kid>:<base64url(nonce ‖
//! ciphertext ‖ tag)>`, XChaCha20-Poly1305 with a random 192-bit nonce (no
//! nonce-reuse risk at any volume). The key id and the caller's associated data
//! (e.g. `users.email:usr_…`) are authenticated, so a ciphertext copied to
//! another row or column fails to decrypt.

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use unicode_normalization::UnicodeNormalization as _;

use super::Secret;
use super::secret::{b64url, b64url_decode, check_key_id, hmac_sha256};
use fotobase::{Error, ErrorKind, Result};

const VERSION: &str = "fbe1";
const NONCE_LEN: usize = 24;
const MAX_PLAINTEXT: usize = 64 * 1024;

/// Encrypts with the active key; decrypts with any key it holds.
#[derive(Clone, Default)]
pub struct FieldCipher {
    keys: Vec<(String, XChaCha20Poly1305)>,
    active: Option<usize>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("key_ids", &self.keys.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .field("active", &self.active_kid())
            .finish()
    }
}

impl FieldCipher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a 32-byte key under `kid` and make it active (earlier keys remain for decryption).
    pub fn with_key(mut self, kid: &str, key: Secret) -> Result<Self> {
        check_key_id(kid, 32)?;
        if key.len() != 32 {
            return Err(Error::new(ErrorKind::InvalidArgument, "field encryption keys are 32 bytes")
                .with_context("bytes", key.len()));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(key.expose())
            .map_err(|_| Error::new(ErrorKind::InvalidArgument, "bad key length"))?;
        self.keys.retain(|(k, _)| k != kid);
        self.keys.push((kid.to_owned(), cipher));
        self.active = Some(self.keys.len() - 1);
        Ok(self)
    }

    /// Keys from a config string `kid:base64,kid:base64,…`; the first is active.
    /// This is the format of the `FOTOBASE_FIELD_KEYS` setting.
    pub fn from_spec(spec: &str) -> Result<Self> {
        let entries = super::parse_key_list(spec, 32)?;
        if entries.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "no field encryption keys given"));
        }
        let active = entries[0].0.clone();
        let mut cipher = FieldCipher::new();
        for (kid, key) in entries.into_iter().rev() {
            cipher = cipher.with_key(&kid, key)?;
        }
        debug_assert_eq!(cipher.active_kid(), Some(active.as_str()));
        Ok(cipher)
    }

    pub fn active_kid(&self) -> Option<&str> {
        self.active.map(|i| self.keys[i].0.as_str())
    }

    /// Encrypt `plaintext`, bound to `aad` (say which row and column it belongs to).
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<String> {
        let (kid, cipher) = self
            .active
            .map(|i| &self.keys[i])
            .ok_or_else(|| Error::new(ErrorKind::UnknownKey, "no active field encryption key"))?;
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(Error::new(ErrorKind::LimitExceeded, "field is too large to encrypt")
                .with_context("max_bytes", MAX_PLAINTEXT));
        }
        let nonce = super::random_bytes(NONCE_LEN);
        let full_aad = bound_aad(kid, aad);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &full_aad })
            .map_err(|_| Error::new(ErrorKind::Unexpected, "encryption failed"))?;
        let mut body = nonce;
        body.extend_from_slice(&ct);
        Ok(format!("{VERSION}:{kid}:{}", b64url(&body)))
    }

    /// Encrypt a UTF-8 string.
    pub fn encrypt_str(&self, plaintext: &str, aad: &str) -> Result<String> {
        self.encrypt(plaintext.as_bytes(), aad.as_bytes())
    }

    /// Decrypt a value made by [`FieldCipher::encrypt`] with the same `aad`.
    /// `unknown_key` if its key is not held, `decrypt_failed` if it was
    /// tampered with or belongs to another row/column, `invalid_argument` if it is not a fotobase ciphertext.
    pub fn decrypt(&self, ciphertext: &str, aad: &[u8]) -> Result<Vec<u8>> {
        let (kid, body) = parse(ciphertext)?;
        let (_, cipher) = self.keys.iter().find(|(k, _)| k == kid).ok_or_else(|| {
            Error::new(ErrorKind::UnknownKey, "value was encrypted with an unknown key").with_context("kid", kid)
        })?;
        let (nonce, ct) = body.split_at(NONCE_LEN);
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &bound_aad(kid, aad) })
            .map_err(|_| Error::new(ErrorKind::DecryptFailed, "ciphertext is not authentic for this key and context"))
    }

    pub fn decrypt_str(&self, ciphertext: &str, aad: &str) -> Result<String> {
        String::from_utf8(self.decrypt(ciphertext, aad.as_bytes())?)
            .map_err(|_| Error::new(ErrorKind::DecryptFailed, "decrypted value is not UTF-8"))
    }

    /// For key rotation: if `ciphertext` is not under the active key, return it
    /// re-encrypted under the active key; `None` if it already is.
    pub fn reencrypt(&self, ciphertext: &str, aad: &[u8]) -> Result<Option<String>> {
        let (kid, _) = parse(ciphertext)?;
        if Some(kid) == self.active_kid() {
            return Ok(None);
        }
        let plain = zeroize::Zeroizing::new(self.decrypt(ciphertext, aad)?);
        Ok(Some(self.encrypt(&plain, aad)?))
    }

    /// The key id a ciphertext was made with.
    pub fn key_id_of(ciphertext: &str) -> Result<&str> {
        Ok(parse(ciphertext)?.0)
    }
}

fn parse(ciphertext: &str) -> Result<(&str, Vec<u8>)> {
    let bad = || Error::new(ErrorKind::InvalidArgument, "not a fotobase field ciphertext");
    let mut parts = ciphertext.splitn(3, ':');
    let (Some(VERSION), Some(kid), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let body = b64url_decode(b64).ok_or_else(bad)?;
    if body.len() < NONCE_LEN + 16 {
        return Err(bad());
    }
    Ok((kid, body))
}

/// Length-prefixed so that (kid, aad) pairs can never collide.
fn bound_aad(kid: &str, aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(VERSION.len() + kid.len() + aad.len() + 10);
    out.extend_from_slice(VERSION.as_bytes());
    out.extend_from_slice(&(kid.len() as u32).to_be_bytes());
    out.extend_from_slice(kid.as_bytes());
    out.extend_from_slice(aad);
    out
}

/// Keyed, deterministic fingerprints of normalised values (HMAC-SHA256), for
/// equality lookups and unique constraints on encrypted columns. Use a key of
/// its own, not a field encryption key.
#[derive(Clone)]
pub struct BlindIndex {
    key: Secret,
}

impl std::fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndex([REDACTED])")
    }
}

impl BlindIndex {
    pub fn new(key: Secret) -> Result<Self> {
        if key.len() < 32 {
            return Err(Error::new(ErrorKind::InvalidArgument, "blind index key must be at least 32 bytes"));
        }
        Ok(BlindIndex { key })
    }

    /// Fingerprint of `value` within `domain` (e.g. `users.email`): the same value
    /// in another column gets an unrelated fingerprint. Base64url, 43 characters.
    pub fn compute(&self, domain: &str, value: &str) -> String {
        let len = (domain.len() as u32).to_be_bytes();
        b64url(&hmac_sha256(self.key.expose(), &[&len, domain.as_bytes(), value.as_bytes()]))
    }

    /// Fingerprint of an e-mail address after [`normalize_email`].
    pub fn email(&self, email: &str) -> String {
        self.compute("email", &normalize_email(email))
    }
}

/// Canonical form of an e-mail address for lookups: trimmed, NFKC, lower case.
/// (Providers treat the local part case-insensitively in practice.)
pub fn normalize_email(email: &str) -> String {
    email.trim().nfkc().collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> Secret {
        Secret::new(vec![b; 32])
    }

    #[test]
    fn round_trip_and_context_binding() {
        let c = FieldCipher::new().with_key("k1", key(1)).unwrap();
        let ct = c.encrypt_str("alice@example.com", "users.email:usr_1").unwrap();
        assert!(ct.starts_with("fbe1:k1:"), "{ct}");
        assert!(!ct.contains("alice"));
        assert_eq!(c.decrypt_str(&ct, "users.email:usr_1").unwrap(), "alice@example.com");
        assert_ne!(ct, c.encrypt_str("alice@example.com", "users.email:usr_1").unwrap(), "random nonce");
        let swapped = c.decrypt_str(&ct, "users.email:usr_2").unwrap_err();
        assert_eq!(swapped.kind(), ErrorKind::DecryptFailed, "ciphertext moved to another row");
    }

    #[test]
    fn tampering_is_detected_and_garbage_is_a_clean_error() {
        let c = FieldCipher::new().with_key("k1", key(1)).unwrap();
        let ct = c.encrypt_str("secret", "aad").unwrap();
        let (head, body) = ct.rsplit_once(':').unwrap();
        let mut bytes = b64url_decode(body).unwrap();
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[i] ^= 1;
            let forged = format!("{head}:{}", b64url(&bytes));
            assert_eq!(c.decrypt(&forged, b"aad").unwrap_err().kind(), ErrorKind::DecryptFailed);
            bytes[i] ^= 1;
        }
        // Relabelling the ciphertext with another key id fails too, even if that key exists.
        let c2 = c.clone().with_key("k2", key(1)).unwrap();
        assert_eq!(c2.decrypt(&ct.replacen("k1", "k2", 1), b"aad").unwrap_err().kind(), ErrorKind::DecryptFailed);
        for garbage in ["", "fbe1", "fbe1:k1", "fbe1:k1:!!", "fbe2:k1:AAAA", "fbe1:k1:AAAA"] {
            assert_eq!(c.decrypt(garbage, b"aad").unwrap_err().kind(), ErrorKind::InvalidArgument, "{garbage:?}");
        }
        assert_eq!(c.decrypt(&ct.replacen("k1", "k9", 1), b"aad").unwrap_err().kind(), ErrorKind::UnknownKey);
    }

    #[test]
    fn rotation_decrypts_old_and_reencrypts_to_active() {
        let old = FieldCipher::new().with_key("k1", key(1)).unwrap();
        let ct = old.encrypt(b"bob", b"row").unwrap();
        let spec = format!("k2:{},k1:{}", key(2).to_base64(), key(1).to_base64());
        let rotated = FieldCipher::from_spec(&spec).unwrap();
        assert_eq!(rotated.active_kid(), Some("k2"));
        assert_eq!(rotated.decrypt(&ct, b"row").unwrap(), b"bob");
        let new = rotated.reencrypt(&ct, b"row").unwrap().expect("moved to k2");
        assert_eq!(FieldCipher::key_id_of(&new).unwrap(), "k2");
        assert_eq!(rotated.reencrypt(&new, b"row").unwrap(), None);
        assert_eq!(old.decrypt(&new, b"row").unwrap_err().kind(), ErrorKind::UnknownKey);
        assert!(FieldCipher::from_spec("").is_err());
        assert!(FieldCipher::from_spec("k1:AAAA").is_err(), "short key");
        assert!(FieldCipher::new().encrypt(b"x", b"").is_err(), "no key");
        assert!(!format!("{rotated:?}").contains(&key(2).to_base64()));
    }

    proptest::proptest! {
        #[test]
        fn any_value_round_trips_and_any_other_aad_fails(
            value in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
            aad in ".{0,40}",
            other in ".{0,40}",
        ) {
            let c = FieldCipher::new().with_key("k1", key(3)).unwrap();
            let ct = c.encrypt(&value, aad.as_bytes()).unwrap();
            proptest::prop_assert_eq!(c.decrypt(&ct, aad.as_bytes()).unwrap(), value);
            if other != aad {
                proptest::prop_assert_eq!(c.decrypt(&ct, other.as_bytes()).unwrap_err().kind(), ErrorKind::DecryptFailed);
            }
        }
    }

    #[test]
    fn blind_index_is_normalised_keyed_and_domain_separated() {
        let bi = BlindIndex::new(key(7)).unwrap();
        assert_eq!(bi.email(" Alice@Example.COM "), bi.email("alice@example.com"));
        assert_ne!(bi.email("alice@example.com"), bi.email("alicia@example.com"));
        assert_ne!(bi.compute("users.email", "x"), bi.compute("users.name", "x"));
        assert_ne!(bi.email("a@b.c"), BlindIndex::new(key(8)).unwrap().email("a@b.c"));
        assert_eq!(bi.email("a@b.c").len(), 43);
        assert!(BlindIndex::new(Secret::new(vec![0; 16])).is_err());
    }
}
