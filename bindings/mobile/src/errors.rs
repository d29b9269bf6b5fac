//! The one place fotobase errors become Kotlin/Swift errors.
//!
//! `FotobaseError` (Kotlin: `FotobaseException`) has one variant per stable
//! error code, so callers can catch exactly what they handle
//! (`catch (e: FotobaseException.TokenExpired)`, `catch FotobaseError.TokenExpired`),
//! and `code()` gives the snake_case string for logs and generic handling. The
//! variants come from the core's one list of kinds (`for_each_error_kind!`), with
//! the core's doc comments; `context` carries the same diagnostics as in Python
//! and Node (`field`, `limit`, `retry_after_secs`, …).

use std::collections::HashMap;

use fotobase_bindings::{Error, ErrorKind};

macro_rules! fotobase_error {
    ($($(#[$doc:meta])* $variant:ident,)*) => {
        /// A failed fotobase call. `code()` is the stable snake_case code (`token_expired`, …);
        /// `reason` says what went wrong, with diagnostics; `context` has them as key/value pairs.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        pub enum FotobaseError {
            $($(#[$doc])* $variant { reason: String, context: HashMap<String, String> },)*
        }

        impl FotobaseError {
            fn new(kind: ErrorKind, reason: String, context: HashMap<String, String>) -> Self {
                match kind {
                    $(ErrorKind::$variant => FotobaseError::$variant { reason, context },)*
                    // Not reached: the variants are generated from the core's list of kinds.
                    _ => FotobaseError::Unexpected { reason, context },
                }
            }

            fn kind(&self) -> ErrorKind {
                match self {
                    $(FotobaseError::$variant { .. } => ErrorKind::$variant,)*
                }
            }

            fn reason_text(&self) -> &str {
                match self {
                    $(FotobaseError::$variant { reason, .. } => reason,)*
                }
            }

            #[cfg(test)]
            fn context_map(&self) -> &HashMap<String, String> {
                match self {
                    $(FotobaseError::$variant { context, .. } => context,)*
                }
            }
        }
    };
}

fotobase::for_each_error_kind!(fotobase_error);

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
        let context = e.context().iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        FotobaseError::new(e.kind(), reason, context)
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
            assert_eq!(e.context_map().get("k").map(String::as_str), Some("v"));
        }
    }
}
