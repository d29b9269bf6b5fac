//! Key material handling shared by the auth modules.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use fotobase::{Error, ErrorKind, Result};

/// Bytes of key material: zeroed on drop, never printed.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Secret(Zeroizing::new(bytes.into()))
    }

    /// A fresh random secret of `len` bytes from the OS generator.
    pub fn random(len: usize) -> Self {
        Secret::new(random_bytes(len))
    }

    /// Parse base64 (standard or URL-safe, padded or not), as secrets are usually
    /// passed in environment variables. `min_len` is the minimum decoded length.
    pub fn from_base64(text: &str, min_len: usize) -> Result<Self> {
        let text = text.trim();
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(text))
            .map_err(|_| Error::new(ErrorKind::InvalidArgument, "secret is not valid base64"))?;
        if bytes.len() < min_len {
            return Err(Error::new(ErrorKind::InvalidArgument, "secret is too short")
                .with_context("min_bytes", min_len)
                .with_context("bytes", bytes.len()));
        }
        Ok(Secret::new(bytes))
    }

    /// URL-safe base64 without padding (how fotobase writes secrets out).
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.expose())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret([REDACTED; {} bytes])", self.0.len())
    }
}

pub use crate::random::random_bytes;

/// Parse a list of rotating secrets, `id:base64,id:base64,…` (the form they take in
/// environment variables such as `FOTOBASE_FIELD_KEYS`); by convention the first
/// entry is the active one. Each secret must decode to at least `min_len` bytes.
pub fn parse_key_list(spec: &str, min_len: usize) -> Result<Vec<(String, Secret)>> {
    spec.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (id, b64) = part
                .split_once(':')
                .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "key list entries are id:base64"))?;
            Ok((id.trim().to_owned(), Secret::from_base64(b64, min_len)?))
        })
        .collect()
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::Mac as _;
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Two secrets (a TOTP code, a returned `state`, a challenge) compared in constant time.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Key ids appear in tokens, hashes and file names: keep them boring.
pub(crate) fn check_key_id(kid: &str, max_len: usize) -> Result<()> {
    let ok = !kid.is_empty()
        && kid.len() <= max_len
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidArgument, "key id must be 1.. ASCII letters, digits, '-' or '_'")
            .with_context("kid", kid.chars().take(64).collect::<String>())
            .with_context("max_len", max_len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_both_base64_alphabets_and_hide_in_debug() {
        let s = Secret::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 32).unwrap();
        assert_eq!(s.expose()[31], 31);
        let t = Secret::from_base64(&s.to_base64(), 32).unwrap();
        assert_eq!(s.expose(), t.expose());
        assert!(!format!("{s:?}").contains("AAEC"));
        assert_eq!(Secret::from_base64("AAEC", 32).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(Secret::from_base64("not base64!", 1).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn key_lists_keep_order_and_reject_bad_entries() {
        let k = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        let list = parse_key_list(&format!(" k2:{k} , k1:{k},"), 32).unwrap();
        assert_eq!(list.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["k2", "k1"]);
        assert!(parse_key_list("", 32).unwrap().is_empty());
        assert_eq!(parse_key_list("no-colon", 32).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(parse_key_list("k:AAAA", 32).unwrap_err().kind(), ErrorKind::InvalidArgument, "too short");
    }

    #[test]
    fn key_ids_are_restricted() {
        assert!(check_key_id("k-2026_01", 32).is_ok());
        for bad in ["", "a/b", "../x", "é", "x".repeat(33).as_str()] {
            assert!(check_key_id(bad, 32).is_err(), "{bad:?}");
        }
    }
}
