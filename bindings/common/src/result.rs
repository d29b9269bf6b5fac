//! The results every binding returns, as typed structs. Each language turns
//! them into its own values through serde ([`to_json`]), so a field added here
//! reaches Python, Node and the mobile records alike.
//!
//! Timings (`encode_ms` of a table row) stay out: they differ between runs, and
//! results are compared across languages.

use fotobase::image::{self, Format, Metadata, Metrics, Params, Step};
use serde::Serialize;
use serde_json::Value;

use crate::{Error, ErrorKind, Result};

/// A result as a JSON value, for the languages' own conversions.
pub fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::Unexpected, "cannot describe result").with_source(e))
}

/// Encoded image bytes and what is known about them.
#[derive(Debug, Clone)]
pub struct Output {
    pub data: Vec<u8>,
    pub info: CompressInfo,
}

/// What `compress`, `optimize` and `thumbnail` made.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompressInfo {
    pub algorithm: &'static str,
    pub format: Format,
    /// The quality setting used (none for lossless algorithms).
    pub quality: Option<i64>,
    pub width: u32,
    pub height: u32,
    /// Size of the output.
    pub bytes: usize,
    pub input_bytes: usize,
    /// Input bytes / output bytes (2.0 = half the size).
    pub ratio: f64,
    /// The complete encoder parameters used, defaults included.
    pub params: Params,
    /// The metrics asked for, and the target's metric after a search.
    pub metrics: Metrics,
    /// The encodes a target search tried (empty at a fixed quality).
    pub steps: Vec<Step>,
}

impl From<image::Compressed> for Output {
    fn from(c: image::Compressed) -> Output {
        let e = c.encoded;
        let info = CompressInfo {
            algorithm: e.algorithm,
            format: e.format,
            quality: c.quality,
            width: e.width,
            height: e.height,
            bytes: e.bytes,
            input_bytes: c.input_bytes,
            ratio: c.ratio,
            params: e.params,
            metrics: c.metrics,
            steps: c.steps,
        };
        Output { data: e.data, info }
    }
}

/// What an image's header and metadata say, without decoding pixels.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeInfo {
    pub format: Format,
    /// Stored size, before EXIF rotation.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation, 1 (upright) to 8.
    pub orientation: u8,
    /// Size as displayed, after EXIF rotation.
    pub upright_width: u32,
    pub upright_height: u32,
    pub has_alpha: bool,
    /// Frames of an animation; 1 for a still (the first is decoded).
    pub frames: u32,
    /// Camera facts from the EXIF.
    pub metadata: Metadata,
}

impl From<image::ImageInfo> for ProbeInfo {
    fn from(info: image::ImageInfo) -> ProbeInfo {
        let (upright_width, upright_height) = info.upright_size();
        ProbeInfo {
            format: info.format,
            width: info.width,
            height: info.height,
            orientation: info.orientation.exif_value(),
            upright_width,
            upright_height,
            has_alpha: info.has_alpha,
            frames: info.frames,
            metadata: info.metadata,
        }
    }
}

/// "Compare all algorithms" as the bindings return it: the core's table without timings.
pub fn table_without_timings(mut table: image::CompareAllResult) -> image::CompareAllResult {
    for row in &mut table.results {
        row.encode_ms = None;
    }
    table
}
