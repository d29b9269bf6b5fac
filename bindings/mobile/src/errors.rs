//! The one place fotobase errors become Kotlin/Swift errors.
//!
//! `FotobaseError` (Kotlin: `FotobaseException`) has one variant per stable
//! error code, so callers can catch exactly what they handle
//! (`catch (e: FotobaseException.TokenExpired)`, `catch FotobaseError.TokenExpired`),
//! and `code()` gives the snake_case string for logs and generic handling.

use fotobase_bindings::{Error, ErrorKind};

macro_rules! fotobase_error {
    ($($(#[$doc:meta])* $variant:ident,)*) => {
        /// A failed fotobase call. `code()` is the stable snake_case code (`token_expired`, …);
        /// `reason` says what went wrong, with diagnostics.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        pub enum FotobaseError {
            $($(#[$doc])* $variant { reason: String },)*
        }

        impl FotobaseError {
            fn new(kind: ErrorKind, reason: String) -> Self {
                match kind {
                    $(ErrorKind::$variant => FotobaseError::$variant { reason },)*
                    // A kind newer than this binding: `every_code_has_a_variant` fails first.
                    _ => FotobaseError::Unexpected { reason },
                }
            }

            fn kind(&self) -> ErrorKind {
                match self {
                    $(FotobaseError::$variant { .. } => ErrorKind::$variant,)*
                }
            }

            fn reason_text(&self) -> &str {
                match self {
                    $(FotobaseError::$variant { reason } => reason,)*
                }
            }
        }
    };
}

fotobase_error! {
    /// The bytes are not in a format fotobase can read.
    UnsupportedFormat,
    /// The input claims a supported format but is truncated or malformed.
    CorruptInput,
    /// A limit (pixels, dimensions, bytes, argon2 memory) would be exceeded.
    LimitExceeded,
    /// Two images that must have the same size do not.
    DimensionMismatch,
    /// An argument or option is out of range, unknown or malformed.
    InvalidArgument,
    /// No setting meets the quality or size target.
    TargetUnreachable,
    /// An encoder failed on valid input.
    EncodeFailed,
    /// The password fails the input policy (too short, too common).
    WeakPassword,
    /// The token's lifetime is over.
    TokenExpired,
    /// The token is malformed, forged or signed with the wrong algorithm.
    TokenInvalid,
    /// The token's `nbf` or `iat` lies in the future.
    TokenNotYetValid,
    /// The token was issued for another audience.
    TokenAudience,
    /// The token was issued by another issuer.
    TokenIssuer,
    /// A refresh token was presented twice.
    TokenReused,
    /// The token's key id is not in the key set (refresh the JWKS).
    UnknownKey,
    /// Authenticated decryption failed.
    DecryptFailed,
    /// Too many attempts.
    RateLimited,
    /// The thing asked for does not exist.
    NotFound,
    /// The thing to create exists already.
    AlreadyExists,
    /// The state changed under the caller.
    Conflict,
    /// The database or blob store cannot be reached right now; try again later.
    Unavailable,
    /// Anything else; `reason` says what.
    Unexpected,
}

#[uniffi::export]
impl FotobaseError {
    /// The stable snake_case code, identical in every binding and the HTTP API.
    pub fn code(&self) -> String {
        self.kind().code().to_owned()
    }
}

impl From<Error> for FotobaseError {
    fn from(e: Error) -> Self {
        // The core's text is "code: message (context): source"; the code is the variant.
        let text = e.to_string();
        let reason = text.strip_prefix(e.code()).and_then(|t| t.strip_prefix(": ")).unwrap_or(&text).to_owned();
        FotobaseError::new(e.kind(), reason)
    }
}

impl std::fmt::Display for FotobaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind().code(), self.reason_text())
    }
}

impl std::error::Error for FotobaseError {}

/// An `invalid_argument` raised by the binding itself (malformed JSON in an escape hatch).
pub(crate) fn invalid(reason: impl Into<String>) -> FotobaseError {
    Error::new(ErrorKind::InvalidArgument, reason).into()
}

/// A facade result that does not have the documented shape: a binding bug, not the caller's.
pub(crate) fn unexpected(what: &str, e: impl std::fmt::Display) -> FotobaseError {
    Error::new(ErrorKind::Unexpected, format!("cannot read the {what}: {e}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_variant() {
        for code in fotobase_bindings::error_codes() {
            let kind = ErrorKind::from_code(code).unwrap();
            let e = FotobaseError::from(Error::new(kind, "boom").with_context("k", "v"));
            assert_eq!(e.code(), code);
            assert_eq!(e.reason_text(), "boom (k=v)");
        }
    }
}
