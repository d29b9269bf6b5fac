//! The image engine: decode → orient → resize → encode, plus metrics and search.
//!
//! Pixels travel as [`DynamicImage`] (8- or 16-bit, gray or colour, with or
//! without alpha) so that lossless paths keep full precision; lossy encoders
//! and metrics convert to what they need.

#[cfg(feature = "icc")]
mod colour;
mod decode;
mod encode;
mod exif;
mod format;
mod limits;
mod location;
mod metadata;
pub mod metrics;
mod ops;
mod pipeline;
mod resize;
mod search;
mod synthetic;

pub use ::image::DynamicImage;
pub use decode::{DecodeOptions, Image, ImageInfo, decode, probe};
pub use encode::{
    AlgorithmInfo, EncodeOptions, Encoded, ParamKind, ParamSpec, ParamValue, Params, algorithm, algorithms, encode,
};
pub use exif::{Orientation, taken_at};
pub use format::Format;
pub use limits::Limits;
pub use location::strip_location;
pub use metadata::{Gps, Metadata};
pub use metrics::{CompareOptions, Comparison, Metric, Metrics, PixelsRef, compare, compare_images, compare_pixels};
pub use ops::{MAX_OPERATIONS, Operation, apply as apply_operations, check as check_operations};
pub use pipeline::{CompressOptions, Compressed, compress, load};
pub use resize::{Filter, Fit, Gravity, ResizeOptions, resize, target_size};
pub use search::{
    CompareAllOptions, CompareAllResult, CompareAllRow, DEFAULT_MAX_ENCODES, OptimizeOptions, Optimized, Step, Target,
    compare_all, optimize,
};
pub use synthetic::{synthetic_photo, synthetic_photo_rgba};

/// Which metadata survives an encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataPolicy {
    /// Keep only the ICC colour profile (default): EXIF can carry GPS position,
    /// camera serials and thumbnails of the unedited photo.
    #[default]
    KeepIcc,
    /// Keep ICC and EXIF (orientation reset to 1, since pixels are upright).
    KeepAll,
    /// Drop everything, including ICC (only safe for sRGB sources).
    StripAll,
}
