//! The surface every fotobase binding exposes (Python, Node, Kotlin/Swift), in
//! one place so the languages cannot drift apart: operation names, option names
//! and defaults, result shapes and error codes are decided here once.
//!
//! Options and results are JSON values with snake_case keys (the Node and mobile
//! bindings convert to camelCase with [`keys_to_camel`] / [`keys_to_snake`]).
//! Unknown option names are `invalid_argument`, so a typo never goes unnoticed.

use fotobase::image::{
    self, CompareAllOptions, CompareOptions, CompressOptions, DecodeOptions, Format, MetadataPolicy, Metric,
    ResizeOptions, Target,
};
use serde_json::{Map, Value, json};

pub use fotobase::{Error, ErrorKind, Result};

mod auth;
mod case;

pub use auth::{TokenIssuer, hash_password, needs_rehash, public_id_decode, public_id_encode, verify_password};
pub use case::keys_to_camel;
pub use case::keys_to_snake;

/// Encoded image bytes and what is known about them.
#[derive(Debug, Clone)]
pub struct Output {
    pub data: Vec<u8>,
    /// `algorithm, format, quality, width, height, bytes, input_bytes, ratio, params, metrics, steps`.
    pub info: Value,
}

/// Raw 8-bit pixels (NumPy arrays, canvases): row-major, `channels` of 1, 2, 3 or 4.
#[derive(Debug, Clone, Copy)]
pub struct Pixels<'a> {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: &'a [u8],
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, msg)
}

/// The options object as a map, rejecting names not in `allowed`.
fn options<'a>(value: &'a Value, allowed: &[&str]) -> Result<std::borrow::Cow<'a, Map<String, Value>>> {
    let map = match value {
        Value::Null => return Ok(std::borrow::Cow::Owned(Map::new())),
        Value::Object(m) => m,
        _ => return Err(invalid("options must be an object")),
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(format!("unknown option {k:?}")).with_context("allowed", allowed.join(", ")));
    }
    Ok(std::borrow::Cow::Borrowed(map))
}

fn from_value<T: serde::de::DeserializeOwned>(what: &str, v: &Value) -> Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| invalid(format!("bad {what}: {e}")))
}

/// `"ssimulacra2>=80"` or `{"metric": "ssim", "value": 0.98}` or `{"max_bytes": 50000}`.
pub fn parse_target(v: &Value) -> Result<Target> {
    match v {
        Value::String(s) => s.parse(),
        Value::Object(m) if m.contains_key("max_bytes") => {
            let bytes = m["max_bytes"].as_u64().ok_or_else(|| invalid("max_bytes must be a positive integer"))?;
            Ok(Target::max_bytes(bytes as usize))
        }
        Value::Object(m) => {
            let metric: Metric =
                m.get("metric").and_then(Value::as_str).ok_or_else(|| invalid("target needs a metric"))?.parse()?;
            let value =
                m.get("value").and_then(Value::as_f64).ok_or_else(|| invalid("target needs a numeric value"))?;
            Ok(Target::at_least(metric, value))
        }
        _ => Err(invalid("target must be a string such as \"ssimulacra2>=80\" or an object")),
    }
}

fn parse_metrics(v: Option<&Value>) -> Result<Option<Vec<Metric>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|m| m.as_str().ok_or_else(|| invalid("metric names are strings"))?.parse())
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(invalid("metrics must be a list of names")),
    }
}

fn output(c: image::Compressed) -> Result<Output> {
    let mut info = serde_json::to_value(&c)
        .map_err(|e| Error::new(ErrorKind::Unexpected, "cannot describe output").with_source(e))?;
    if let Some(m) = info.as_object_mut() {
        m.remove("encode_ms");
    }
    Ok(Output { data: c.encoded.data, info })
}

const COMPRESS_OPTIONS: &[&str] = &[
    "algorithm",
    "format",
    "quality",
    "target",
    "resize",
    "params",
    "metrics",
    "keep_metadata",
    "max_encodes",
    "to_srgb",
];

/// Decode, optionally resize, and encode with an algorithm (or a format's
/// default algorithm) at a fixed quality or the smallest size meeting a target.
///
/// Options: `algorithm` | `format`, `quality`, `target`, `resize` (`width`,
/// `height`, `fit`, `gravity`, `filter`, `without_enlargement`), `params`,
/// `metrics` (measured on the result), `keep_metadata`, `max_encodes`.
pub fn compress(data: &[u8], opts: &Value) -> Result<Output> {
    output(image::compress(data, &compress_options(opts, Format::sniff(data))?)?)
}

/// The options of [`compress`] parsed and checked without running anything
/// (servers validate a request before queueing it). `input` is the format of
/// the image they will apply to, which picks the algorithm when none is named.
pub fn compress_options(opts: &Value, input: Option<Format>) -> Result<CompressOptions> {
    let o = options(opts, COMPRESS_OPTIONS)?;
    let algorithm = match (o.get("algorithm"), o.get("format")) {
        (Some(_), Some(_)) => return Err(invalid("give algorithm or format, not both")),
        (Some(a), None) | (None, Some(a)) => {
            a.as_str().ok_or_else(|| invalid("algorithm must be a string"))?.to_owned()
        }
        (None, None) => Format::default_for(input).to_owned(),
    };
    let quality = match o.get("quality") {
        None | Some(Value::Null) => None,
        Some(q) => Some(q.as_i64().ok_or_else(|| invalid("quality must be an integer"))?),
    };
    let keep = o
        .get("keep_metadata")
        .map(|v| v.as_bool().ok_or_else(|| invalid("keep_metadata must be a boolean")))
        .transpose()?;
    let opts = CompressOptions {
        algorithm,
        params: o.get("params").map(|p| from_value("params", p)).transpose()?.unwrap_or_default(),
        quality,
        target: o.get("target").filter(|t| !t.is_null()).map(parse_target).transpose()?,
        resize: o
            .get("resize")
            .filter(|r| !r.is_null())
            .map(|r| from_value::<ResizeOptions>("resize", r))
            .transpose()?
            .unwrap_or_default(),
        metadata: if keep == Some(true) { MetadataPolicy::KeepAll } else { MetadataPolicy::KeepIcc },
        decode: DecodeOptions {
            to_srgb: o
                .get("to_srgb")
                .map(|v| v.as_bool().ok_or_else(|| invalid("to_srgb must be a boolean")))
                .transpose()?
                .unwrap_or(false),
            ..DecodeOptions::default()
        },
        metrics: parse_metrics(o.get("metrics"))?.unwrap_or_default(),
        max_encodes: match o.get("max_encodes") {
            None => image::DEFAULT_MAX_ENCODES,
            Some(v) => v.as_u64().ok_or_else(|| invalid("max_encodes must be a positive integer"))? as usize,
        },
    };
    image::algorithm(&opts.algorithm)?.resolve(&opts.params)?;
    Ok(opts)
}

/// The smallest encode by `algorithm` that meets `target` (a quality search).
pub fn optimize(data: &[u8], algorithm: &str, target: &Value, opts: &Value) -> Result<Output> {
    let o = options(opts, &["resize", "params", "metrics", "keep_metadata", "max_encodes", "to_srgb"])?;
    let mut all = o.into_owned();
    all.insert("algorithm".into(), json!(algorithm));
    all.insert("target".into(), target.clone());
    compress(data, &Value::Object(all))
}

/// Metrics between two encoded images (`metrics`: names, default all five).
pub fn compare(reference: &[u8], distorted: &[u8], metrics: Option<&Value>) -> Result<Value> {
    let opts = metric_options(metrics)?;
    let c = image::compare(reference, distorted, &opts)?;
    to_json(&c)
}

fn metric_options(metrics: Option<&Value>) -> Result<CompareOptions> {
    let mut opts = CompareOptions::default();
    if let Some(list) = parse_metrics(metrics)? {
        if list.is_empty() {
            return Err(invalid("ask for at least one metric"));
        }
        opts.metrics = list;
    }
    Ok(opts)
}

/// Metrics between two pixel buffers of the same shape.
pub fn compare_pixels(reference: Pixels<'_>, distorted: Pixels<'_>, metrics: Option<&Value>) -> Result<Value> {
    let opts = metric_options(metrics)?;
    let m = image::compare_pixels(borrowed(reference)?, borrowed(distorted)?, &opts)?;
    to_json(&m)
}

fn borrowed(p: Pixels<'_>) -> Result<image::PixelsRef<'_>> {
    image::PixelsRef::new(p.width, p.height, p.channels, p.data)
}

/// Every algorithm (or `algorithms`) at one target: a table and the winner (`best`).
pub fn compare_all(data: &[u8], target: &Value, algorithms: Option<&Value>) -> Result<Value> {
    let img = image::decode(data, &DecodeOptions::default())?;
    let algorithms = match algorithms {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|n| n.as_str().map(str::to_owned).ok_or_else(|| invalid("algorithm names are strings")))
                .collect::<Result<_>>()?,
        ),
        Some(_) => return Err(invalid("algorithms must be a list of names")),
    };
    let r = image::compare_all(&img, &parse_target(target)?, &CompareAllOptions { algorithms, ..Default::default() })?;
    let mut v = to_json(&r)?;
    for row in v["results"].as_array_mut().into_iter().flatten() {
        if let Some(m) = row.as_object_mut() {
            m.remove("encode_ms");
        }
    }
    Ok(v)
}

/// The registry: name, format, lossless, description, quality parameter, params.
pub fn algorithms() -> Value {
    // The registry's own serialisation: `params` keyed by parameter name (as the CLI prints it).
    Value::Array(image::algorithms().iter().map(|a| serde_json::to_value(a).unwrap_or(Value::Null)).collect())
}

/// A small rendition for galleries: fit inside `width` × `height` (or `width`
/// wide), never enlarged, in `format` (default: the input's family).
pub fn thumbnail(
    data: &[u8],
    width: u32,
    height: Option<u32>,
    fit: Option<&str>,
    format: Option<&str>,
) -> Result<Output> {
    if width == 0 || height == Some(0) {
        return Err(invalid("thumbnail sizes must be positive"));
    }
    let mut opts = json!({
        "resize": {"width": width, "height": height, "fit": fit.unwrap_or("contain"), "without_enlargement": true},
        // Thumbnails are sRGB without a profile, as sharp makes them: small, and alike everywhere.
        "to_srgb": true,
    });
    if let Some(f) = format {
        opts["format"] = json!(f);
    }
    compress(data, &opts)
}

/// Format, stored dimensions, EXIF orientation, alpha, frame count and camera facts (date,
/// camera, lens, exposure, GPS), from the header and metadata only.
pub fn probe(data: &[u8]) -> Result<Value> {
    let info = image::probe(data)?;
    let (w, h) = info.upright_size();
    Ok(json!({
        "format": info.format,
        "width": info.width,
        "height": info.height,
        "orientation": info.orientation.exif_value(),
        "upright_width": w,
        "upright_height": h,
        "has_alpha": info.has_alpha,
        "frames": info.frames,
        "metadata": info.metadata,
    }))
}

/// A deterministic photo-like test image, encoded in `format` (for examples and tests).
pub fn synthetic(width: u32, height: u32, seed: u64, format: &str) -> Result<Vec<u8>> {
    if width == 0 || height == 0 || width > 4096 || height > 4096 {
        return Err(invalid("synthetic images are 1 to 4096 pixels a side"));
    }
    let img = image::Image::from_pixels(image::synthetic_photo(width, height, seed));
    let alg = image::algorithm(format)?;
    Ok(image::encode(&img, alg.name, &Default::default())?.data)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::Unexpected, "cannot describe result").with_source(e))
}

/// Every error code, in the core's order (bindings build their error classes from this).
pub fn error_codes() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_options_are_rejected() {
        let png = synthetic(16, 12, 1, "png").unwrap();
        let e = compress(&png, &json!({"qualty": 80})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("qualty"));
    }

    #[test]
    fn targets_parse_from_strings_and_objects() {
        assert_eq!(parse_target(&json!("ssim>=0.9")).unwrap(), Target::at_least(Metric::Ssim, 0.9));
        assert_eq!(
            parse_target(&json!({"metric": "psnr", "value": 40})).unwrap(),
            Target::at_least(Metric::Psnr, 40.0)
        );
        assert_eq!(parse_target(&json!({"max_bytes": 1000})).unwrap(), Target::max_bytes(1000));
        assert!(parse_target(&json!(3)).is_err());
    }
}
