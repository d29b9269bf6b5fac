//! Image comparison metrics.
//!
//! Alpha handling, documented once for all metrics:
//! - MSE, PSNR, SSIM and MS-SSIM compare premultiplied RGBA (colour under
//!   transparent pixels does not count; alpha itself is a fourth channel).
//!   An image without alpha is treated as opaque.
//! - SSIMULACRA2 composites both images over the same checkerboard first,
//!   because it models human perception of what is displayed.
//!
//! Two gray images without alpha are compared on one channel; anything else on
//! RGB(A). 16-bit images are scaled to the 0–255 range, so PSNR and SSIM
//! constants are always those of 8-bit data (`data_range = 255`).

mod mse;
mod source;
mod ssim;
mod ssimulacra2;

use std::fmt;
use std::str::FromStr;

use ::image::DynamicImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{DecodeOptions, Format, decode};
use crate::{Error, ErrorKind, Result};

pub use source::PixelsRef;
use source::Source;
pub use ssim::SsimOptions;

/// A comparison metric. Higher is better except for MSE.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Mse,
    Psnr,
    Ssim,
    MsSsim,
    Ssimulacra2,
}

impl Metric {
    pub const ALL: [Metric; 5] = [Metric::Mse, Metric::Psnr, Metric::Ssim, Metric::MsSsim, Metric::Ssimulacra2];

    pub const fn name(self) -> &'static str {
        match self {
            Metric::Mse => "mse",
            Metric::Psnr => "psnr",
            Metric::Ssim => "ssim",
            Metric::MsSsim => "ms_ssim",
            Metric::Ssimulacra2 => "ssimulacra2",
        }
    }

    /// True when a larger value means more similar.
    pub const fn higher_is_better(self) -> bool {
        !matches!(self, Metric::Mse)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Metric::ALL.into_iter().find(|m| m.name() == norm || (norm == "msssim" && *m == Metric::MsSsim)).ok_or_else(
            || {
                Error::new(ErrorKind::InvalidArgument, format!("unknown metric {s:?}"))
                    .with_context("expected", "mse|psnr|ssim|ms_ssim|ssimulacra2")
            },
        )
    }
}

/// Values of the requested metrics; those not asked for are absent.
///
/// PSNR of identical images is infinite, written as JSON `null`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psnr: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssim: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_ssim: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssimulacra2: Option<f64>,
    /// Per-channel MSE/PSNR (channel order R, G, B, A or just L), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<ChannelMetrics>,
}

/// Per-channel MSE and PSNR.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelMetrics {
    pub names: Vec<String>,
    pub mse: Vec<f64>,
    pub psnr: Vec<f64>,
}

impl Metrics {
    pub fn get(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::Mse => self.mse,
            Metric::Psnr => self.psnr,
            Metric::Ssim => self.ssim,
            Metric::MsSsim => self.ms_ssim,
            Metric::Ssimulacra2 => self.ssimulacra2,
        }
    }

    pub(crate) fn merge(&mut self, m: Metric, v: Option<f64>) {
        if let Some(v) = v {
            self.set(m, v);
        }
    }

    fn set(&mut self, m: Metric, v: f64) {
        *match m {
            Metric::Mse => &mut self.mse,
            Metric::Psnr => &mut self.psnr,
            Metric::Ssim => &mut self.ssim,
            Metric::MsSsim => &mut self.ms_ssim,
            Metric::Ssimulacra2 => &mut self.ssimulacra2,
        } = Some(v);
    }
}

/// Options for [`compare_images`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareOptions {
    pub metrics: Vec<Metric>,
    pub ssim: SsimOptions,
    /// Also report MSE/PSNR for each channel.
    pub per_channel: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { metrics: Metric::ALL.to_vec(), ssim: SsimOptions::default(), per_channel: false }
    }
}

impl CompareOptions {
    pub fn with_metrics(metrics: &[Metric]) -> Self {
        CompareOptions { metrics: metrics.to_vec(), ..Default::default() }
    }
}

/// Compare two images pixel by pixel. `reference` is the original.
pub fn compare_images(reference: &DynamicImage, distorted: &DynamicImage, opts: &CompareOptions) -> Result<Metrics> {
    compare_sources(Source::Image(reference), Source::Image(distorted), opts)
}

/// [`compare_images`] of 8-bit pixels the caller owns (a NumPy array, a Node
/// `Buffer`), read in place.
pub fn compare_pixels(reference: PixelsRef<'_>, distorted: PixelsRef<'_>, opts: &CompareOptions) -> Result<Metrics> {
    compare_sources(Source::Pixels(reference), Source::Pixels(distorted), opts)
}

fn compare_sources(reference: Source<'_>, distorted: Source<'_>, opts: &CompareOptions) -> Result<Metrics> {
    let size = |s: &Source<'_>| (s.width(), s.height());
    if size(&reference) != size(&distorted) {
        return Err(Error::new(ErrorKind::DimensionMismatch, "images must have the same width and height")
            .with_context("reference", format!("{}x{}", reference.width(), reference.height()))
            .with_context("distorted", format!("{}x{}", distorted.width(), distorted.height())));
    }
    if opts.metrics.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "no metrics requested"));
    }
    if reference.width() == 0 || reference.height() == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "cannot compare images with zero width or height"));
    }
    let wants = |m: Metric| opts.metrics.contains(&m);
    let wants_mse = wants(Metric::Mse) || wants(Metric::Psnr) || opts.per_channel;
    // 8-bit images of one layout without alpha: MSE straight from the bytes, exactly.
    let direct_mse = if wants_mse { mse::from_bytes(reference, distorted) } else { None };
    let wants_ssim = wants(Metric::Ssim) || wants(Metric::MsSsim);
    let in_place = if wants_ssim { ssim_in_place(reference, distorted) } else { None };
    let needs_planes = (wants_ssim && in_place.is_none()) || (wants_mse && direct_mse.is_none());
    let planes = needs_planes
        .then(|| (Planes::premultiplied(reference, distorted), Planes::premultiplied(distorted, reference)));
    let ssim_inputs =
        in_place.or_else(|| planes.as_ref().map(|(a, b)| (ssim::Input::Planes(a), ssim::Input::Planes(b))));
    let per = direct_mse.or_else(|| {
        let (a, b) = planes.as_ref().filter(|_| wants_mse)?;
        Some(mse::mse(a, b))
    });
    let results: Vec<Result<(Metric, f64)>> = opts
        .metrics
        .par_iter()
        .filter(|m| matches!(m, Metric::Ssim | Metric::MsSsim | Metric::Ssimulacra2))
        .map(|&m| {
            let v = match (m, &ssim_inputs) {
                (Metric::Ssimulacra2, _) => ssimulacra2::score(reference, distorted)?,
                (Metric::Ssim, Some((a, b))) => ssim::ssim(a, b, &opts.ssim)?,
                (Metric::MsSsim, Some((a, b))) => ssim::ms_ssim(a, b, &opts.ssim)?,
                _ => unreachable!("SSIM inputs are prepared whenever SSIM or MS-SSIM is asked for"),
            };
            Ok((m, v))
        })
        .collect();
    let mut out = Metrics::default();
    for r in results {
        let (m, v) = r?;
        out.set(m, v);
    }
    if let Some(per) = per {
        if wants(Metric::Mse) {
            out.set(Metric::Mse, per.combined);
        }
        if wants(Metric::Psnr) {
            out.set(Metric::Psnr, mse::psnr(per.combined));
        }
        if opts.per_channel {
            let names = mse::channel_names(per.channels.len());
            out.channels = Some(ChannelMetrics {
                names: names.iter().map(|s| s.to_string()).collect(),
                psnr: per.channels.iter().map(|&m| mse::psnr(m)).collect(),
                mse: per.channels,
            });
        }
    }
    Ok(out)
}

/// Both sides as SSIM reads 8-bit gray or RGB pixels: in place, with no float planes.
/// `None` when either side has alpha (SSIM then compares premultiplied planes) or wider samples.
fn ssim_in_place<'a>(reference: Source<'a>, distorted: Source<'a>) -> Option<(ssim::Input<'a>, ssim::Input<'a>)> {
    if reference.has_alpha() || distorted.has_alpha() {
        return None;
    }
    let (ra, rb) = (reference.bytes8()?, distorted.bytes8()?);
    let planes = shared_planes(reference, distorted);
    let (width, height) = (reference.width() as usize, reference.height() as usize);
    let side = |raw, s: &Source<'_>| ssim::Input::Bytes { raw, channels: s.channels(), planes, width, height };
    Some((side(ra, &reference), side(rb, &distorted)))
}

/// How many channels a comparison of `a` with `b` has: 4 when either has alpha, else 3 when
/// either has colour (gray then feeds each), else 1.
fn shared_planes(a: Source<'_>, b: Source<'_>) -> usize {
    if a.has_alpha() || b.has_alpha() {
        4
    } else if a.has_color() || b.has_color() {
        3
    } else {
        1
    }
}

/// Facts about one side of a comparison.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSide {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
}

/// Result of comparing two encoded files.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub metrics: Metrics,
    pub reference: ImageSide,
    pub distorted: ImageSide,
    /// Compression ratio: reference bytes / distorted bytes (2.0 = half the size).
    pub ratio: f64,
}

/// Decode two encoded images and compare them.
pub fn compare(reference: &[u8], distorted: &[u8], opts: &CompareOptions) -> Result<Comparison> {
    let dopts = DecodeOptions::default();
    let a = decode(reference, &dopts)?;
    let b = decode(distorted, &dopts)?;
    let metrics = compare_images(a.pixels(), b.pixels(), opts)?;
    let side = |i: &super::Image, bytes: usize| ImageSide {
        format: i.info().format,
        width: i.width(),
        height: i.height(),
        bytes,
    };
    Ok(Comparison {
        metrics,
        reference: side(&a, reference.len()),
        distorted: side(&b, distorted.len()),
        ratio: reference.len() as f64 / distorted.len().max(1) as f64,
    })
}

/// Channel planes in f32, values in 0..=255.
pub(crate) struct Planes {
    pub width: usize,
    pub height: usize,
    pub data: Vec<Vec<f32>>,
}

impl Planes {
    /// Planes of `img` in the channel layout shared with `other` (see module docs).
    /// Integer samples are converted exactly (8-bit as is, 16-bit / 257), so the
    /// same pixel gives the same float whatever its source layout.
    fn premultiplied(img: Source<'_>, other: Source<'_>) -> Planes {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let alpha = img.has_alpha() || other.has_alpha();
        let n = shared_planes(img, other);
        let data = match img.bytes8() {
            Some(bytes) => from_8bit(bytes, img.channels(), n, alpha),
            None => from_rgba(&img.image(), n, alpha),
        };
        Planes { width: w, height: h, data }
    }

    #[cfg(test)]
    pub(crate) fn from_gray(width: usize, height: usize, data: Vec<f32>) -> Planes {
        Planes { width, height, data: vec![data] }
    }
}

/// Planes from interleaved 8-bit samples (`c` per pixel: L, LA, RGB or RGBA), read in
/// parallel straight from the buffer: gray feeds every colour plane, colour is
/// premultiplied by alpha when the comparison has alpha.
fn from_8bit(raw: &[u8], c: usize, n: usize, alpha: bool) -> Vec<Vec<f32>> {
    let has_alpha = c == 2 || c == 4;
    (0..n)
        .map(|plane| {
            raw.par_chunks_exact(c)
                .map(|p| {
                    let a = if has_alpha { p[c - 1] } else { 255 };
                    if plane == 3 {
                        return f32::from(a);
                    }
                    let v = f32::from(if c >= 3 { p[plane] } else { p[0] });
                    if alpha { v * (f32::from(a) / 255.0) } else { v }
                })
                .collect()
        })
        .collect()
}

/// Planes of any other layout, through RGBA: 16-bit samples / 257, float ones × 255.
fn from_rgba(img: &DynamicImage, n: usize, alpha: bool) -> Vec<Vec<f32>> {
    let rgba: Vec<[f32; 4]> = match img {
        DynamicImage::ImageRgb32F(_) | DynamicImage::ImageRgba32F(_) => {
            img.to_rgba32f().pixels().map(|p| p.0.map(|v| v * 255.0)).collect()
        }
        _ if img.color().bits_per_pixel() / u16::from(img.color().channel_count()) > 8 => {
            img.to_rgba16().pixels().map(|p| p.0.map(|v| f32::from(v) / 257.0)).collect()
        }
        _ => img.to_rgba8().pixels().map(|p| p.0.map(f32::from)).collect(),
    };
    let mut data = vec![Vec::with_capacity(rgba.len()); n];
    for p in rgba {
        let a = if alpha { p[3] / 255.0 } else { 1.0 };
        for (c, plane) in data.iter_mut().enumerate().take(n.min(3)) {
            plane.push(p[c] * a);
        }
        if alpha {
            data[3].push(p[3]);
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::{GrayImage, RgbImage, RgbaImage};

    fn noise(w: u32, h: u32, seed: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed.wrapping_mul(97)) % 256;
            ::image::Rgb([v as u8, (v * 3 % 256) as u8, (255 - v) as u8])
        })
    }

    #[test]
    fn identical_images_are_perfect() {
        let a = DynamicImage::ImageRgb8(noise(200, 180, 1));
        let m = compare_images(&a, &a, &CompareOptions::default()).unwrap();
        assert_eq!(m.mse, Some(0.0));
        assert_eq!(m.psnr, Some(f64::INFINITY));
        assert!((m.ssim.unwrap() - 1.0).abs() < 1e-12);
        assert!((m.ms_ssim.unwrap() - 1.0).abs() < 1e-12);
        assert!(m.ssimulacra2.unwrap() > 99.9, "{m:?}");
        let json = serde_json::to_value(&m).unwrap();
        assert!(json["psnr"].is_null());
        let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["ms_ssim", "mse", "psnr", "ssim", "ssimulacra2"]);
    }

    #[test]
    fn different_sizes_are_a_dimension_mismatch() {
        let a = DynamicImage::ImageRgb8(noise(20, 20, 1));
        let b = DynamicImage::ImageRgb8(noise(21, 20, 1));
        assert_eq!(
            compare_images(&a, &b, &CompareOptions::default()).unwrap_err().kind(),
            ErrorKind::DimensionMismatch
        );
    }

    #[test]
    fn worse_images_score_worse() {
        let a = DynamicImage::ImageRgb8(noise(96, 96, 1));
        let mut slightly = a.to_rgb8();
        let mut very = a.to_rgb8();
        for (i, p) in slightly.pixels_mut().enumerate() {
            p.0[0] = p.0[0].saturating_add((i % 3) as u8);
        }
        for p in very.pixels_mut() {
            p.0[1] /= 2;
        }
        let o = CompareOptions::default();
        let s = compare_images(&a, &DynamicImage::ImageRgb8(slightly), &o).unwrap();
        let v = compare_images(&a, &DynamicImage::ImageRgb8(very), &o).unwrap();
        for m in Metric::ALL {
            let (s, v) = (s.get(m).unwrap(), v.get(m).unwrap());
            if m.higher_is_better() { assert!(s > v, "{m}: {s} vs {v}") } else { assert!(s < v, "{m}: {s} vs {v}") }
        }
    }

    #[test]
    fn psnr_has_the_textbook_value() {
        // Every pixel off by 1 on one 8-bit gray channel: MSE 1, PSNR 10*log10(255^2).
        let a = DynamicImage::ImageLuma8(GrayImage::from_pixel(16, 16, ::image::Luma([100])));
        let b = DynamicImage::ImageLuma8(GrayImage::from_pixel(16, 16, ::image::Luma([101])));
        let m = compare_images(
            &a,
            &b,
            &CompareOptions { per_channel: true, ..CompareOptions::with_metrics(&[Metric::Mse, Metric::Psnr]) },
        )
        .unwrap();
        assert!((m.mse.unwrap() - 1.0).abs() < 1e-9);
        assert!((m.psnr.unwrap() - 48.130_803_608_679_1).abs() < 1e-9);
        assert_eq!(m.channels.unwrap().names, ["L"]);
    }

    #[test]
    fn colour_under_transparent_pixels_does_not_count() {
        let a = DynamicImage::ImageRgba8(RgbaImage::from_pixel(32, 32, ::image::Rgba([255, 0, 0, 0])));
        let b = DynamicImage::ImageRgba8(RgbaImage::from_pixel(32, 32, ::image::Rgba([0, 0, 255, 0])));
        let m = compare_images(&a, &b, &CompareOptions::with_metrics(&[Metric::Mse, Metric::Ssim])).unwrap();
        assert_eq!(m.mse, Some(0.0));
    }

    #[test]
    fn metric_names_parse() {
        for m in Metric::ALL {
            assert_eq!(m.name().parse::<Metric>().unwrap(), m);
        }
        assert_eq!("ms-ssim".parse::<Metric>().unwrap(), Metric::MsSsim);
        assert_eq!("vmaf".parse::<Metric>().unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn borrowed_pixels_score_as_images() {
        let rgb = |seed| DynamicImage::ImageRgb8(noise(67, 41, seed));
        let gray = |seed| DynamicImage::ImageLuma8(rgb(seed).to_luma8());
        let rgba = |seed| DynamicImage::ImageRgba8(rgb(seed).to_rgba8());
        let opts = CompareOptions { per_channel: true, ..CompareOptions::default() };
        for (a, b) in [(rgb(1), rgb(2)), (gray(1), gray(2)), (rgba(1), rgba(2))] {
            fn view(i: &DynamicImage) -> PixelsRef<'_> {
                PixelsRef::new(i.width(), i.height(), i.color().channel_count(), i.as_bytes()).unwrap()
            }
            let borrowed = compare_pixels(view(&a), view(&b), &opts).unwrap();
            assert_eq!(borrowed, compare_images(&a, &b, &opts).unwrap());
            assert!(borrowed.mse.unwrap() > 100.0, "the pair differs: {borrowed:?}");
        }
        let bytes = [0u8; 12];
        assert_eq!(PixelsRef::new(2, 2, 3, &bytes[..11]).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(PixelsRef::new(0, 2, 3, &[]).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(PixelsRef::new(1, 2, 6, &bytes).unwrap_err().kind(), ErrorKind::InvalidArgument);
        let (small, large) = (PixelsRef::new(2, 2, 3, &bytes).unwrap(), PixelsRef::new(4, 1, 3, &bytes).unwrap());
        assert_eq!(compare_pixels(small, large, &opts).unwrap_err().kind(), ErrorKind::DimensionMismatch);
    }
}
