//! Opaque public ids: what API responses show instead of row numbers.
//!
//! `img_3kq0…` is the internal `u64` id, together with a 64-bit tag derived
//! from the type prefix, run through one AES-256 block (a keyed permutation)
//! and written in lower-case Crockford base32 (26 characters). Without the key
//! ids cannot be enumerated or guessed; a changed character or a wrong prefix
//! fails the tag check (probability 2⁻⁶⁴ of slipping through). The key cannot
//! rotate without changing every URL, so treat it as permanent.

use std::sync::{Arc, RwLock};

use aes::Aes256;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt as _, BlockEncrypt as _, KeyInit as _};

use super::Secret;
use super::secret::hmac_sha256;
use fotobase::{Error, ErrorKind, Result};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const BODY_LEN: usize = 26;

/// Encodes and decodes typed public ids with one secret key.
#[derive(Clone)]
pub struct PublicIds {
    cipher: Aes256,
    tag_key: Secret,
    /// Each prefix's tag, computed once: an HMAC per id was most of the cost of showing a page
    /// of ids. Prefixes come from code (a handful of constants), so this stays small.
    tags: Arc<RwLock<Vec<(String, Tag)>>>,
}

/// The 64-bit tag an id carries for its prefix.
type Tag = [u8; 8];

impl std::fmt::Debug for PublicIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicIds([REDACTED])")
    }
}

impl PublicIds {
    /// From a secret of at least 32 bytes (e.g. the `FOTOBASE_ID_KEY` setting).
    pub fn new(secret: &Secret) -> Result<Self> {
        if secret.len() < 32 {
            return Err(Error::new(ErrorKind::InvalidArgument, "public id key must be at least 32 bytes"));
        }
        let cipher_key = derive(secret, b"fotobase public-id cipher v1");
        let tag_key = Secret::new(derive(secret, b"fotobase public-id tag v1").to_vec());
        Ok(PublicIds { cipher: Aes256::new(GenericArray::from_slice(&cipher_key)), tag_key, tags: Arc::default() })
    }

    /// `prefix_…` for internal id `id`. Prefixes are 2 to 8 lower-case letters.
    pub fn encode(&self, prefix: &str, id: u64) -> Result<String> {
        check_prefix(prefix)?;
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(&self.tag(prefix));
        block[8..].copy_from_slice(&id.to_be_bytes());
        let mut ga = GenericArray::from(block);
        self.cipher.encrypt_block(&mut ga);
        Ok(format!("{prefix}_{}", base32(&ga)))
    }

    /// The internal id behind `public`, which must carry `prefix`.
    /// `invalid_argument` for a wrong prefix, bad characters or tampering.
    pub fn decode(&self, prefix: &str, public: &str) -> Result<u64> {
        check_prefix(prefix)?;
        let bad = |why: &'static str| {
            Error::new(ErrorKind::InvalidArgument, why)
                .with_context("expected_prefix", prefix)
                .with_context("id", public.chars().take(48).collect::<String>())
        };
        let body = public
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('_'))
            .ok_or_else(|| bad("id has the wrong type prefix"))?;
        let bytes = unbase32(body).ok_or_else(|| bad("malformed id"))?;
        let mut ga = GenericArray::from(bytes);
        self.cipher.decrypt_block(&mut ga);
        if ga[..8] != self.tag(prefix) {
            return Err(bad("id is not valid"));
        }
        Ok(u64::from_be_bytes(ga[8..].try_into().expect("8 bytes")))
    }

    fn tag(&self, prefix: &str) -> Tag {
        let known = |tags: &[(String, Tag)]| tags.iter().find(|(p, _)| p == prefix).map(|(_, t)| *t);
        if let Some(tag) = known(&self.tags.read().unwrap_or_else(|e| e.into_inner())) {
            return tag;
        }
        let tag = hmac_sha256(self.tag_key.expose(), &[prefix.as_bytes()])[..8].try_into().expect("8 bytes");
        let mut tags = self.tags.write().unwrap_or_else(|e| e.into_inner());
        if known(&tags).is_none() {
            tags.push((prefix.to_owned(), tag));
        }
        tag
    }
}

/// A random id with a type prefix, for rows that have no numeric id (sessions, uploads).
pub fn random_id(prefix: &str) -> Result<String> {
    check_prefix(prefix)?;
    let bytes: [u8; 16] = super::random_bytes(16).try_into().expect("16 bytes");
    Ok(format!("{prefix}_{}", base32(&bytes)))
}

fn check_prefix(prefix: &str) -> Result<()> {
    if (2..=8).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidArgument, "id prefix must be 2 to 8 lower-case letters")
            .with_context("prefix", prefix))
    }
}

fn derive(secret: &Secret, label: &[u8]) -> [u8; 32] {
    hmac_sha256(secret.expose(), &[label])
}

fn base32(bytes: &[u8]) -> String {
    let n = u128::from_be_bytes(bytes.try_into().expect("16 bytes"));
    // 26 groups of 5 bits = 130 bits: the top group holds the 3 highest bits.
    (0..BODY_LEN).rev().map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char).collect()
}

fn unbase32(text: &str) -> Option<[u8; 16]> {
    if text.len() != BODY_LEN {
        return None;
    }
    let mut n: u128 = 0;
    for (i, c) in text.bytes().enumerate() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u128;
        // The first character carries only 3 bits: larger values are not canonical.
        if i == 0 && v > 7 {
            return None;
        }
        n = (n << 5) | v;
    }
    Some(n.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids() -> PublicIds {
        PublicIds::new(&Secret::new(vec![42u8; 32])).unwrap()
    }

    #[test]
    fn encodes_typed_and_reverses() {
        let p = ids();
        let a = p.encode("img", 1).unwrap();
        let b = p.encode("img", 2).unwrap();
        assert!(a.starts_with("img_") && a.len() == 4 + BODY_LEN, "{a}");
        assert_eq!(p.decode("img", &a).unwrap(), 1);
        assert_eq!(p.decode("img", &b).unwrap(), 2);
        let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        assert!(common < 8, "neighbouring ids look unrelated: {a} {b}");
        assert_ne!(p.encode("usr", 1).unwrap()[4..], a[4..], "same number, other type, other id");
    }

    #[test]
    fn wrong_type_tampering_and_other_keys_are_rejected() {
        let p = ids();
        let img = p.encode("img", 77).unwrap();
        assert_eq!(p.decode("usr", &img).unwrap_err().kind(), ErrorKind::InvalidArgument);
        let relabelled = img.replacen("img_", "usr_", 1);
        assert_eq!(p.decode("usr", &relabelled).unwrap_err().kind(), ErrorKind::InvalidArgument);
        let other = PublicIds::new(&Secret::new(vec![43u8; 32])).unwrap();
        assert!(other.decode("img", &img).is_err());
        for bad in ["", "img_", "img", "img_0", "img_ABCDEFGHJKMNPQRSTVWXYZ01", "img_iiiiiiiiiiiiiiiiiiiiiiiiii"] {
            assert!(p.decode("img", bad).is_err(), "{bad:?}");
        }
        assert!(p.encode("IMG", 1).is_err() && p.encode("i", 1).is_err() && p.encode("img1", 1).is_err());
        assert!(PublicIds::new(&Secret::new(vec![1u8; 8])).is_err());
        assert!(!format!("{p:?}").contains("42"));
    }

    #[test]
    fn random_ids_are_distinct() {
        let a = random_id("ses").unwrap();
        assert_ne!(a, random_id("ses").unwrap());
        assert_eq!(a.len(), 4 + BODY_LEN);
    }

    proptest! {
        #[test]
        fn any_id_round_trips(id in any::<u64>()) {
            let p = ids();
            prop_assert_eq!(p.decode("fld", &p.encode("fld", id).unwrap()).unwrap(), id);
        }

        #[test]
        fn any_single_character_change_is_caught(id in any::<u64>(), pos in 0usize..BODY_LEN, c in 0usize..32) {
            let p = ids();
            let s = p.encode("img", id).unwrap();
            let mut bytes = s.into_bytes();
            let new = ALPHABET[c];
            prop_assume!(bytes[4 + pos] != new);
            bytes[4 + pos] = new;
            let forged = String::from_utf8(bytes).unwrap();
            prop_assert!(p.decode("img", &forged).is_err());
        }
    }
}
