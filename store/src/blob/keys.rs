//! Blob key rules: content addresses and validation of caller-supplied keys.

use fotobase::{Error, ErrorKind, Result};

/// Longest key accepted (S3 allows 1024 bytes).
pub const MAX_KEY_BYTES: usize = 1024;

/// `cas/<aa>/<bb>/<sha256>`: two levels of 256-way sharding keep directories
/// small on local disks and spread S3 prefixes.
pub fn cas_key(sha256_hex: &str) -> String {
    format!("cas/{}/{}/{}", &sha256_hex[..2], &sha256_hex[2..4], sha256_hex)
}

/// Accept only plain relative keys: no empty, `.` or `..` segments, no leading
/// or doubled `/`, no backslashes or control characters, at most 1024 bytes.
pub fn validate_key(key: &str) -> Result<()> {
    let bad = |why: &'static str| {
        Error::new(ErrorKind::InvalidArgument, why).with_context("key", key.chars().take(80).collect::<String>())
    };
    if key.is_empty() {
        return Err(bad("blob key is empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(bad("blob key is longer than 1024 bytes"));
    }
    if key.chars().any(|c| c.is_control() || c == '\\') {
        return Err(bad("blob key contains control characters or backslashes"));
    }
    if key.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(bad("blob key must be a relative path without empty, '.' or '..' segments"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated() {
        for ok in ["cas/ab/cd/abcd", "a", "photos/2026/img.jpg", "ünï/cøde"] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        let long = "x".repeat(1025);
        for bad in ["", "/etc/passwd", "a/../b", "..", "a//b", "a/", "./a", "a\\b", "a\nb", "a\0b", long.as_str()] {
            assert_eq!(validate_key(bad).unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad:?}");
        }
        let sha = "ab".repeat(32);
        assert_eq!(cas_key(&sha), format!("cas/ab/ab/{sha}"));
    }
}
