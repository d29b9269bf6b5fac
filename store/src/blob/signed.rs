//! Expiring, HMAC-signed URLs for the local backend, which has no presigning
//! of its own: the server hands out `/<base>/<key>?method=GET&expires=…&sig=…`
//! and verifies it when the request comes back.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use super::validate_key;
use fotobase::{Error, ErrorKind, Result};

/// The parts of a signed URL's query, as the server parses them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    pub key: String,
    pub expires: i64,
    pub sig: String,
}

/// Signs and verifies local blob URLs with a server secret (≥ 32 bytes).
#[derive(Clone)]
pub struct LocalUrlSigner {
    secret: Vec<u8>,
    base: String,
}

impl std::fmt::Debug for LocalUrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalUrlSigner").field("base", &self.base).finish_non_exhaustive()
    }
}

const MAX_TTL: Duration = Duration::from_secs(7 * 86_400);

impl LocalUrlSigner {
    /// `base` is the URL path the server serves blobs under, e.g. `/blobs`.
    pub fn new(secret: &[u8], base: &str) -> Result<Self> {
        if secret.len() < 32 {
            return Err(Error::new(ErrorKind::InvalidArgument, "URL signing secret must be at least 32 bytes"));
        }
        Ok(LocalUrlSigner { secret: secret.to_vec(), base: base.trim_end_matches('/').to_owned() })
    }

    /// A URL allowing `method` (GET or PUT) on `key` until `now + ttl` (at most 7 days).
    pub fn sign(&self, method: &str, key: &str, now: i64, ttl: Duration) -> Result<String> {
        validate_key(key)?;
        let method = method.to_ascii_uppercase();
        if method != "GET" && method != "PUT" {
            return Err(Error::new(ErrorKind::InvalidArgument, "only GET and PUT URLs can be signed"));
        }
        if ttl.is_zero() || ttl > MAX_TTL {
            return Err(Error::new(ErrorKind::InvalidArgument, "signed URL lifetime must be between 1 s and 7 days"));
        }
        let expires = now + ttl.as_secs() as i64;
        let sig = self.mac(&method, key, expires);
        let path: String = key.split('/').map(encode_segment).collect::<Vec<_>>().join("/");
        Ok(format!("{}/{path}?method={method}&expires={expires}&sig={sig}", self.base))
    }

    /// Check a request against its signature: `token_invalid` if forged or for
    /// another key or method, `token_expired` once the time has passed.
    pub fn verify(&self, req: &SignedRequest, now: i64) -> Result<()> {
        validate_key(&req.key)?;
        let want = self.mac(&req.method.to_ascii_uppercase(), &req.key, req.expires);
        if want.as_bytes().ct_eq(req.sig.as_bytes()).unwrap_u8() != 1 {
            return Err(Error::new(ErrorKind::TokenInvalid, "URL signature does not match"));
        }
        if now >= req.expires {
            return Err(
                Error::new(ErrorKind::TokenExpired, "signed URL has expired").with_context("expires", req.expires)
            );
        }
        Ok(())
    }

    fn mac(&self, method: &str, key: &str, expires: i64) -> String {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.secret).expect("any key length");
        mac.update(format!("fotobase-blob-url-v1\n{method}\n{key}\n{expires}").as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

fn encode_segment(seg: &str) -> String {
    seg.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_urls_verify_until_expiry_and_only_for_their_key_and_method() {
        let s = LocalUrlSigner::new(&[5u8; 32], "/blobs/").unwrap();
        let url = s.sign("get", "cas/ab/cd/x y", 1_000, Duration::from_secs(60)).unwrap();
        assert!(url.starts_with("/blobs/cas/ab/cd/x%20y?method=GET&expires=1060&sig="), "{url}");
        let sig = url.rsplit("sig=").next().unwrap().to_owned();
        let req = SignedRequest { method: "GET".into(), key: "cas/ab/cd/x y".into(), expires: 1060, sig };
        s.verify(&req, 1_059).unwrap();
        assert_eq!(s.verify(&req, 1_060).unwrap_err().kind(), ErrorKind::TokenExpired);
        let other_key = SignedRequest { key: "cas/ab/cd/other".into(), ..req.clone() };
        assert_eq!(s.verify(&other_key, 1_000).unwrap_err().kind(), ErrorKind::TokenInvalid);
        let put = SignedRequest { method: "PUT".into(), ..req.clone() };
        assert_eq!(s.verify(&put, 1_000).unwrap_err().kind(), ErrorKind::TokenInvalid);
        let later = SignedRequest { expires: 9_999, ..req.clone() };
        assert_eq!(s.verify(&later, 1_000).unwrap_err().kind(), ErrorKind::TokenInvalid, "expiry is signed");
        let other_secret = LocalUrlSigner::new(&[6u8; 32], "/blobs").unwrap();
        assert_eq!(other_secret.verify(&req, 1_000).unwrap_err().kind(), ErrorKind::TokenInvalid);
        assert!(s.sign("DELETE", "a", 0, Duration::from_secs(1)).is_err());
        assert!(s.sign("GET", "../etc/passwd", 0, Duration::from_secs(1)).is_err());
        assert!(s.sign("GET", "a", 0, Duration::from_secs(8 * 86_400)).is_err());
        assert!(LocalUrlSigner::new(&[0u8; 8], "/b").is_err());
    }
}
