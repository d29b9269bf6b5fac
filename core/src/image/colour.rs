//! Colour management through moxcms: pixels described by an embedded ICC profile (Display P3
//! from phones, Adobe RGB from cameras, CMYK from print workflows) turned into sRGB, what
//! browsers assume of untagged images and what sharp and libvips output by default.
//!
//! Profiles that cannot be parsed or transformed leave the pixels as they are (with their
//! profile kept for the encoder): a wrong profile must not cost a user the photo.

use ::image::{DynamicImage, ImageBuffer};
use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

/// CMYK samples (4 per pixel, 0 = no ink) through their ICC profile to 8-bit sRGB; `None` when
/// the profile is not a usable CMYK profile.
pub(crate) fn cmyk_to_srgb(cmyk: &[u8], icc: &[u8]) -> Option<Vec<u8>> {
    let source = ColorProfile::new_from_slice(icc).ok()?;
    if source.color_space != DataColorSpace::Cmyk {
        return None;
    }
    let transform =
        source.create_transform_8bit(Layout::Rgba, &ColorProfile::new_srgb(), Layout::Rgb, options()).ok()?;
    let mut rgb = vec![0u8; cmyk.len() / 4 * 3];
    transform.transform(cmyk, &mut rgb).ok()?;
    Some(rgb)
}

/// `pixels` (described by `icc`) converted to sRGB, or `None` when there is nothing to do (the
/// profile is sRGB already) or it cannot be done (unparsable profile, a CMYK or Lab profile on
/// RGB pixels, float samples).
pub(crate) fn to_srgb(pixels: &DynamicImage, icc: &[u8]) -> Option<DynamicImage> {
    let source = ColorProfile::new_from_slice(icc).ok()?;
    let gray = matches!(
        pixels,
        DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_)
    );
    let expected = if gray { DataColorSpace::Gray } else { DataColorSpace::Rgb };
    if source.color_space != expected || is_srgb(&source) {
        return None;
    }
    let srgb = if gray { gray_srgb() } else { ColorProfile::new_srgb() };
    let (w, h) = (pixels.width(), pixels.height());
    macro_rules! eight {
        ($buf:expr, $layout:expr, $variant:ident) => {{
            let t = source.create_transform_8bit($layout, &srgb, $layout, options()).ok()?;
            let mut out = vec![0u8; $buf.len()];
            t.transform($buf, &mut out).ok()?;
            DynamicImage::$variant(ImageBuffer::from_raw(w, h, out)?)
        }};
    }
    macro_rules! sixteen {
        ($buf:expr, $layout:expr, $variant:ident) => {{
            let t = source.create_transform_16bit($layout, &srgb, $layout, options()).ok()?;
            let mut out = vec![0u16; $buf.len()];
            t.transform($buf, &mut out).ok()?;
            DynamicImage::$variant(ImageBuffer::from_raw(w, h, out)?)
        }};
    }
    Some(match pixels {
        DynamicImage::ImageRgb8(b) => eight!(b.as_raw(), Layout::Rgb, ImageRgb8),
        DynamicImage::ImageRgba8(b) => eight!(b.as_raw(), Layout::Rgba, ImageRgba8),
        DynamicImage::ImageLuma8(b) => eight!(b.as_raw(), Layout::Gray, ImageLuma8),
        DynamicImage::ImageLumaA8(b) => eight!(b.as_raw(), Layout::GrayAlpha, ImageLumaA8),
        DynamicImage::ImageRgb16(b) => sixteen!(b.as_raw(), Layout::Rgb, ImageRgb16),
        DynamicImage::ImageRgba16(b) => sixteen!(b.as_raw(), Layout::Rgba, ImageRgba16),
        DynamicImage::ImageLuma16(b) => sixteen!(b.as_raw(), Layout::Gray, ImageLuma16),
        DynamicImage::ImageLumaA16(b) => sixteen!(b.as_raw(), Layout::GrayAlpha, ImageLumaA16),
        _ => return None,
    })
}

/// Perceptual intent (what photo viewers use) in moxcms's defaults otherwise.
fn options() -> TransformOptions {
    TransformOptions { rendering_intent: moxcms::RenderingIntent::Perceptual, ..TransformOptions::default() }
}

/// A gray profile with sRGB's tone curve: where gray pixels land when their profile is converted.
fn gray_srgb() -> ColorProfile {
    let mut p = ColorProfile::new_gray_with_gamma(2.2);
    p.gray_trc = ColorProfile::new_srgb().red_trc;
    p
}

/// sRGB already (by primaries, white point and curve), so a transform would only add rounding.
fn is_srgb(profile: &ColorProfile) -> bool {
    let srgb = ColorProfile::new_srgb();
    let close = |a: moxcms::Xyzd, b: moxcms::Xyzd| {
        (a.x - b.x).abs() < 2e-3 && (a.y - b.y).abs() < 2e-3 && (a.z - b.z).abs() < 2e-3
    };
    close(profile.red_colorant, srgb.red_colorant)
        && close(profile.green_colorant, srgb.green_colorant)
        && close(profile.blue_colorant, srgb.blue_colorant)
        && profile.red_trc.is_some()
        && profile.red_trc == srgb.red_trc
}
