//! The signature algorithms, and the one way key problems are reported (shared by the key
//! parsing in `keys` and the signing and verification in `jws`).

use fotobase::{Error, ErrorKind, Result};

/// Signature algorithms fotobase issues and accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Algorithm {
    /// Ed25519 (the default: small, fast, deterministic).
    EdDSA,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys when generated.
    RS256,
    /// HMAC-SHA256: a shared secret, so no JWKS entry; for single-service setups.
    HS256,
}

impl Algorithm {
    pub const ALL: [Algorithm; 4] = [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256, Algorithm::HS256];

    /// The JOSE name (`EdDSA`, `ES256`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
            Algorithm::HS256 => "HS256",
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Algorithm::ALL.into_iter().find(|a| a.name().eq_ignore_ascii_case(s)).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "unknown algorithm (use EdDSA, ES256, RS256 or HS256)")
                .with_context("alg", s)
        })
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub(super) fn key_err(e: impl std::fmt::Display) -> Error {
    // The source text of key errors can echo key bytes; keep only the message.
    Error::new(ErrorKind::InvalidArgument, "invalid key material").with_context("reason", e)
}
