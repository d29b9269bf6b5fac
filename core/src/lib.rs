//! # fotobase
//!
//! The embeddable core of fotobase: decode photos safely (limits, EXIF
//! orientation), resize, encode with a registry of named compression
//! algorithms, measure quality (MSE, PSNR, SSIM, MS-SSIM, SSIMULACRA2), and
//! search for the smallest file that meets a quality target ([`image`]).
//! Credentials and tokens are `fotobase-auth`; storage (blobs, databases, the
//! job queue) is `fotobase-store`; both return this crate's [`Error`].
//!
//! ```no_run
//! use fotobase::image::{self, Target, Metric};
//! # fn main() -> fotobase::Result<()> {
//! let input = std::fs::read("photo.jpg")?;
//! let decoded = image::decode(&input, &image::DecodeOptions::default())?;
//! let best = image::optimize(&decoded, "webp-lossy", &Target::at_least(Metric::Ssimulacra2, 80.0), &Default::default())?;
//! std::fs::write("photo.webp", &best.encoded.data)?;
//! # Ok(()) }
//! ```
//!
//! Every fallible call returns [`Error`], whose [`ErrorKind::code`] is a stable
//! snake_case string shared with the bindings and the HTTP API.

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_debug_implementations)]

mod error;

pub use error::{Error, ErrorKind, Result};

#[cfg(feature = "image")]
pub mod image;

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Unexpected, "I/O error").with_source(e)
    }
}
