//! Image operations. All are synchronous and CPU-bound: call them off the UI
//! thread (Kotlin `Dispatchers.Default`, Swift `Task.detached`).

use fotobase_bindings as fb;

use crate::errors::FotobaseError;
use crate::options::{CompressOptions, OptimizeOptions};
use crate::results::{AlgorithmInfo, CompareAll, Comparison, Compressed, ImageInfo, Metrics, read};

/// Raw 8-bit pixels, row-major, `channels` of 1 (grey), 2, 3 (RGB) or 4 (RGBA).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Pixels {
    fn as_facade(&self) -> fb::Pixels<'_> {
        fb::Pixels { width: self.width, height: self.height, channels: self.channels, data: &self.data }
    }
}

/// Decode, optionally resize, and encode: at a fixed `quality`, or the smallest
/// output meeting `target` (e.g. `ssimulacra2>=80` before an upload).
#[uniffi::export(default(options))]
pub fn compress(data: Vec<u8>, options: CompressOptions) -> Result<Compressed, FotobaseError> {
    Compressed::from_output(fb::compress(&data, &fb::parse("options", options.to_json()?)?)?)
}

/// The smallest encode by `algorithm` (or a format's default) that meets `target`.
#[uniffi::export(default(options))]
pub fn optimize(
    data: Vec<u8>,
    algorithm: String,
    target: String,
    options: OptimizeOptions,
) -> Result<Compressed, FotobaseError> {
    let opts = fb::parse("options", options.to_json()?)?;
    Compressed::from_output(fb::optimize(&data, &algorithm, fb::TargetSpec::Expression(target), opts)?)
}

/// A gallery rendition: fit inside `width` × `height` (or `width` wide), never
/// enlarged, in `format` (default: the input's family). `fit`: `contain` or `cover`, ….
#[uniffi::export(default(height = None, fit = None, format = None))]
pub fn thumbnail(
    data: Vec<u8>,
    width: u32,
    height: Option<u32>,
    fit: Option<String>,
    format: Option<String>,
) -> Result<Compressed, FotobaseError> {
    Compressed::from_output(fb::thumbnail(&data, width, height, fit.as_deref(), format.as_deref())?)
}

/// Metrics between two encoded images (`metrics`: names, default all five).
#[uniffi::export(default(metrics))]
pub fn compare(
    reference: Vec<u8>,
    distorted: Vec<u8>,
    metrics: Option<Vec<String>>,
) -> Result<Comparison, FotobaseError> {
    read("comparison", &fb::compare(&reference, &distorted, metrics.as_deref())?)
}

/// Metrics between two pixel buffers of the same shape (e.g. from a `Bitmap`).
#[uniffi::export(default(metrics))]
pub fn compare_pixels(
    reference: Pixels,
    distorted: Pixels,
    metrics: Option<Vec<String>>,
) -> Result<Metrics, FotobaseError> {
    read("metrics", &fb::compare_pixels(reference.as_facade(), distorted.as_facade(), metrics.as_deref())?)
}

/// Every algorithm (or `algorithms`) at one target, and the winner.
#[uniffi::export(default(algorithms))]
pub fn compare_all(
    data: Vec<u8>,
    target: String,
    algorithms: Option<Vec<String>>,
) -> Result<CompareAll, FotobaseError> {
    let req = fb::CompareAllRequest { target: fb::TargetSpec::Expression(target), algorithms };
    read("compare_all result", &fb::compare_all(&data, &req)?)
}

/// The algorithm registry.
#[uniffi::export]
pub fn algorithms() -> Vec<AlgorithmInfo> {
    // Infallible in the facade; a shape mismatch is a binding bug and panics (Kotlin: InternalException).
    read("algorithm registry", &fb::algorithms()).expect("the facade's algorithm registry has the documented shape")
}

/// Format, size, EXIF orientation and alpha, from the header only (cheap).
#[uniffi::export]
pub fn probe(data: Vec<u8>) -> Result<ImageInfo, FotobaseError> {
    read("probe result", &fb::probe(&data)?)
}

/// A deterministic photo-like test image, encoded in `format`.
#[uniffi::export]
pub fn synthetic(width: u32, height: u32, seed: u64, format: String) -> Result<Vec<u8>, FotobaseError> {
    Ok(fb::synthetic(width, height, seed, &format)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_operations_are_typed_records() {
        let png = synthetic(64, 48, 1, "png".into()).unwrap();
        let opts = CompressOptions {
            format: Some("png".into()),
            operations: vec![
                crate::Operation::Extract { left: 4, top: 2, width: 40, height: 30 },
                crate::Operation::Rotate { angle: 90.0, background: None },
                crate::Operation::Grayscale,
            ],
            ..Default::default()
        };
        let c = compress(png.clone(), opts).unwrap();
        assert_eq!((c.width, c.height), (30, 40));
        let bad = CompressOptions { operations: vec![crate::Operation::Blur { sigma: 0.0 }], ..Default::default() };
        assert_eq!(compress(png, bad).unwrap_err().code(), "invalid_argument");
    }

    #[test]
    fn compress_to_a_target_fills_the_record() {
        let png = synthetic(64, 48, 1, "png".into()).unwrap();
        let opts = CompressOptions {
            format: Some("webp".into()),
            target: Some("ssim>=0.95".into()),
            metrics: vec!["psnr".into()],
            ..Default::default()
        };
        let c = compress(png.clone(), opts).unwrap();
        assert_eq!((c.format.as_str(), c.width, c.height), ("webp", 64, 48));
        assert_eq!(c.bytes, c.data.len() as u64);
        assert_eq!(c.input_bytes, png.len() as u64);
        assert!(c.metrics.ssim.unwrap() >= 0.95 && c.metrics.psnr.is_some() && c.metrics.mse.is_none());
        assert!(!c.steps.is_empty() && c.quality.is_some());
        assert!(c.params.starts_with('{'));
    }

    #[test]
    fn identical_images_have_infinite_psnr() {
        let png = synthetic(32, 24, 1, "png".into()).unwrap();
        let c = compare(png.clone(), png, Some(vec!["psnr".into()])).unwrap();
        assert_eq!(c.metrics.psnr, Some(f64::INFINITY));
        assert_eq!(c.metrics.ssim, None);
    }

    #[test]
    fn every_algorithm_is_listed() {
        let all = algorithms();
        assert_eq!(all.len(), fb::algorithms().len());
        assert!(all.iter().any(|a| a.name == "webp-lossy" && a.quality_param.as_deref() == Some("quality")));
    }

    #[test]
    fn compare_all_names_its_target() {
        let png = synthetic(32, 24, 1, "png".into()).unwrap();
        let r = compare_all(png, "max_bytes=5".into(), Some(vec!["jpeg-mozjpeg".into()])).unwrap();
        assert_eq!(r.target, "max_bytes=5");
        assert_eq!(r.best, None);
    }
}
