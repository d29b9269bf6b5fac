//! The one error type of the crate.
//!
//! Modelled on Apache OpenDAL: a small, stable [`ErrorKind`] that callers match
//! on, a human message, key/value context for diagnostics, and the underlying
//! cause. [`ErrorKind::code`] is the public contract: bindings and the HTTP API
//! expose exactly these snake_case strings, so they never change meaning.

use std::fmt;

/// Result alias used throughout fotobase.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The list of error kinds, written once: the enum, [`ErrorKind::ALL`], [`ErrorKind::code`] and
/// [`ErrorKind::description`] are generated from it, and bindings that need a variant per kind
/// (uniffi's Kotlin/Swift exceptions) generate theirs from it too, through [`for_each_error_kind!`].
macro_rules! error_kinds {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)+) => {
        /// What went wrong, at the granularity callers act on.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorKind {
            /// Every kind, in declaration order: used by bindings and docs to list codes.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant,)+];

            /// Stable snake_case code, identical in every binding and in the HTTP API.
            pub const fn code(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $code,)+
                }
            }

            /// What the kind means, in one sentence (its doc comment): for generated
            /// documentation and the bindings' exception docs.
            pub const fn description(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => concat!($($doc),+).trim_ascii(),)+
                }
            }
        }

        /// Calls `$callback! { $(#[doc = "…"] Variant,)* }` with every kind: how a binding
        /// derives its own per-kind types from the one list.
        #[macro_export]
        macro_rules! for_each_error_kind {
            ($callback:ident) => {
                $callback! { $($(#[doc = $doc])+ $variant,)+ }
            };
        }
    };
}

error_kinds! {
    /// The bytes are not in a format fotobase can read (or the codec feature is off).
    UnsupportedFormat = "unsupported_format",
    /// The input claims a supported format but is truncated or malformed.
    CorruptInput = "corrupt_input",
    /// A configured limit (pixels, dimensions, bytes) would be exceeded.
    LimitExceeded = "limit_exceeded",
    /// Two images that must have the same size do not.
    DimensionMismatch = "dimension_mismatch",
    /// A caller-supplied argument is out of range or unknown.
    InvalidArgument = "invalid_argument",
    /// A quality search could not meet its target with any setting.
    TargetUnreachable = "target_unreachable",
    /// An encoder failed on valid input (a bug or resource problem, not the caller's fault).
    EncodeFailed = "encode_failed",
    /// A password fails the input policy (too short, too common, contains the user's name).
    WeakPassword = "weak_password",
    /// An access or refresh token's lifetime is over.
    TokenExpired = "token_expired",
    /// A token is malformed, forged, revoked, or signed with the wrong algorithm.
    TokenInvalid = "token_invalid",
    /// A token's `nbf` lies in the future.
    TokenNotYetValid = "token_not_yet_valid",
    /// A token was issued for another audience.
    TokenAudience = "token_audience",
    /// A token was issued by another issuer.
    TokenIssuer = "token_issuer",
    /// A refresh token was presented a second time: its whole session was revoked.
    TokenReused = "token_reused",
    /// A key id (JWT `kid`, pepper id, field-encryption key id) is not in the key set.
    UnknownKey = "unknown_key",
    /// Authenticated decryption failed: wrong key, tampered ciphertext, or wrong associated data.
    DecryptFailed = "decrypt_failed",
    /// Too many attempts; `Error::retry_after` says when to try again.
    RateLimited = "rate_limited",
    /// An account's quota (stored bytes, queued jobs, uploads per minute) would be exceeded;
    /// the `quota` context names which, and `Error::retry_after` says when a rate frees up.
    QuotaExceeded = "quota_exceeded",
    /// The thing asked for (a blob, a row) does not exist.
    NotFound = "not_found",
    /// The thing to create exists already (an e-mail address, an idempotency key with other content).
    AlreadyExists = "already_exists",
    /// The state changed under the caller: a job lease was lost, a row was deleted meanwhile.
    Conflict = "conflict",
    /// A service fotobase depends on (the database, the blob store) cannot be reached
    /// right now; the same call may succeed later.
    Unavailable = "unavailable",
    /// Anything else; the message says what.
    Unexpected = "unexpected",
}

impl ErrorKind {
    /// Inverse of [`ErrorKind::code`].
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error returned by every fallible fotobase operation.
pub struct Error {
    kind: ErrorKind,
    message: String,
    context: Vec<(&'static str, String)>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// New error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), context: Vec::new(), source: None }
    }

    /// Attach a key/value pair that helps diagnose the error (e.g. `format=png`).
    #[must_use]
    pub fn with_context(mut self, key: &'static str, value: impl ToString) -> Self {
        self.context.push((key, value.to_string()));
        self
    }

    /// Attach the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Shorthand for `self.kind().code()`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn context(&self) -> &[(&'static str, String)] {
        &self.context
    }

    /// For [`ErrorKind::RateLimited`]: how long the caller must wait (the
    /// `retry_after_secs` context entry), so HTTP layers can send `Retry-After`.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.context
            .iter()
            .find(|(k, _)| *k == "retry_after_secs")
            .and_then(|(_, v)| v.parse().ok())
            .map(std::time::Duration::from_secs)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if !self.context.is_empty() {
            f.write_str(" (")?;
            for (i, (k, v)) in self.context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{k}={v}")?;
            }
            f.write_str(")")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug is what `unwrap()` prints: make it as readable as Display.
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            assert!(seen.insert(kind.code()), "duplicate code {}", kind.code());
            assert_eq!(ErrorKind::from_code(kind.code()), Some(*kind));
            assert!(kind.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn display_carries_code_context_and_source() {
        let io = std::io::Error::other("disk on fire");
        let e = Error::new(ErrorKind::CorruptInput, "bad huffman table").with_context("format", "jpeg").with_source(io);
        assert_eq!(e.to_string(), "corrupt_input: bad huffman table (format=jpeg): disk on fire");
        assert!(std::error::Error::source(&e).is_some());
    }
}
