//! The surface every fotobase binding exposes (Python, Node, Kotlin/Swift), in
//! one place so the languages cannot drift apart: operation names, option names
//! and defaults, result shapes and error codes are decided here once.
//!
//! Requests and results are typed ([`request`], [`result`]); each language turns
//! its own values into a request with [`parse`] and a result into its own values
//! through serde, with snake_case keys (the Node and mobile bindings convert to
//! camelCase with [`keys_to_camel`] / [`keys_to_snake`]).

use fotobase::image::{self, CompareAllOptions, CompareOptions, DecodeOptions, Format, ResizeOptions};

pub use fotobase::{Error, ErrorKind, Result};

mod auth;
mod case;
pub mod request;
pub mod result;
mod signin;

pub use auth::{
    TokenIssuer, hash_password, needs_rehash, public_id_decode, public_id_encode, totp_code, totp_secret, totp_uri,
    totp_verify, verify_password,
};
pub use case::keys_to_snake;
pub use case::{camel, keys_to_camel};
pub use request::{CompareAllRequest, CompressRequest, OptimizeRequest, TargetSpec, TokenOptions, parse, value};
pub use result::{CompressInfo, Output, ProbeInfo, to_json};
pub use signin::{
    IdTokenClaims, OidcProvider, OidcStart, Passkey, oidc_provider, oidc_start, oidc_token_request_body,
    oidc_verify_id_token, webauthn_authentication_options, webauthn_challenge, webauthn_registration_options,
    webauthn_verify_authentication, webauthn_verify_registration,
};

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

/// Decode, optionally resize, and encode with an algorithm (or a format's
/// default algorithm) at a fixed quality or the smallest size meeting a target.
pub fn compress(data: &[u8], req: &CompressRequest) -> Result<Output> {
    Ok(Output::from(image::compress(data, &req.options(Format::sniff(data))?)?))
}

/// The smallest encode by `algorithm` that meets `target` (a quality search).
pub fn optimize(data: &[u8], algorithm: &str, target: TargetSpec, opts: OptimizeRequest) -> Result<Output> {
    compress(data, &opts.compress(algorithm, target))
}

/// Metrics between two encoded images (`metrics`: names, default all five).
pub fn compare(reference: &[u8], distorted: &[u8], metrics: Option<&[String]>) -> Result<image::Comparison> {
    image::compare(reference, distorted, &metric_options(metrics)?)
}

fn metric_options(metrics: Option<&[String]>) -> Result<CompareOptions> {
    let mut opts = CompareOptions::default();
    if let Some(list) = request::metric_names(metrics)? {
        if list.is_empty() {
            return Err(invalid("ask for at least one metric"));
        }
        opts.metrics = list;
    }
    Ok(opts)
}

/// Metrics between two pixel buffers of the same shape.
pub fn compare_pixels(
    reference: Pixels<'_>,
    distorted: Pixels<'_>,
    metrics: Option<&[String]>,
) -> Result<image::Metrics> {
    image::compare_pixels(borrowed(reference)?, borrowed(distorted)?, &metric_options(metrics)?)
}

fn borrowed(p: Pixels<'_>) -> Result<image::PixelsRef<'_>> {
    image::PixelsRef::new(p.width, p.height, p.channels, p.data)
}

/// Every algorithm (or `algorithms`) at one target: a table and the winner (`best`).
pub fn compare_all(data: &[u8], req: &CompareAllRequest) -> Result<image::CompareAllResult> {
    let (target, algorithms) = req.check()?;
    let img = image::decode(data, &DecodeOptions::default())?;
    let table = image::compare_all(&img, &target, &CompareAllOptions { algorithms, ..Default::default() })?;
    Ok(result::table_without_timings(table))
}

/// The registry: name, format, lossless, description, quality parameter, params
/// (keyed by parameter name, as the CLI prints them).
pub fn algorithms() -> Vec<image::AlgorithmInfo> {
    image::algorithms()
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
    let fit = match fit {
        Some(f) => parse("fit", serde_json::json!({ "fit": f }))?,
        None => ResizeOptions::default(),
    };
    let req = CompressRequest {
        format: format.map(str::to_owned),
        resize: Some(ResizeOptions { width: Some(width), height, without_enlargement: true, ..fit }),
        // Thumbnails are sRGB without a profile, as sharp makes them: small, and alike everywhere.
        to_srgb: Some(true),
        ..CompressRequest::default()
    };
    compress(data, &req)
}

/// Format, stored dimensions, EXIF orientation, alpha, frame count and camera facts (date,
/// camera, lens, exposure, GPS), from the header and metadata only.
pub fn probe(data: &[u8]) -> Result<ProbeInfo> {
    image::probe(data).map(ProbeInfo::from)
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

/// Every error code, in the core's order (bindings build their error classes from this).
pub fn error_codes() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

#[cfg(test)]
mod tests {
    use fotobase::image::{Metric, Target};
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn unknown_options_are_rejected() {
        let e = parse::<CompressRequest>("options", json!({"qualty": 80})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("qualty"));
        assert!(e.context().iter().any(|(k, v)| *k == "allowed" && v.contains("quality")));
        let e = parse::<CompressRequest>("options", json!({"max_encodes": -1})).unwrap_err();
        assert!(e.to_string().contains("max_encodes"), "{e}");
        let e = parse::<CompressRequest>("options", json!({"resize": {"widht": 10}})).unwrap_err();
        assert!(e.to_string().contains("widht"), "{e}");
        let png = synthetic(16, 12, 1, "png").unwrap();
        let req = parse::<CompressRequest>("options", json!({"format": "webp", "quality": 70})).unwrap();
        assert_eq!(compress(&png, &req).unwrap().info.format, Format::Webp);
    }

    #[test]
    fn targets_parse_from_strings_and_objects() {
        let target = |v: Value| -> Result<Target> {
            parse::<CompareAllRequest>("request", json!({ "target": v }))?.target.resolve()
        };
        assert_eq!(target(json!("ssim>=0.9")).unwrap(), Target::at_least(Metric::Ssim, 0.9));
        assert_eq!(target(json!({"metric": "psnr", "value": 40})).unwrap(), Target::at_least(Metric::Psnr, 40.0));
        assert_eq!(target(json!({"max_bytes": 1000})).unwrap(), Target::max_bytes(1000));
        let e = target(json!(3)).unwrap_err();
        assert!(e.to_string().contains("ssimulacra2>=80"), "{e}");
        assert!(target(json!({"metric": "psnr", "value": 40, "x": 1})).is_err());
        assert!(target(json!("sharpness>=3")).is_err());
    }
}
