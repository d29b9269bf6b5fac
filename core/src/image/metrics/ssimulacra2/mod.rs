//! SSIMULACRA2 through the `ssimulacra2` crate (a port of libjxl's reference).

use ::image::DynamicImage;
use ssimulacra2::{ColorPrimaries, Rgb, TransferCharacteristic, compute_frame_ssimulacra2};

use crate::{Error, ErrorKind, Result};

/// Checkerboard behind transparent pixels: 8 px squares of 40% and 60% grey,
/// so both dark and light artefacts in the alpha channel show.
const CHECKER: u32 = 8;
const CHECKER_DARK: f32 = 0.4;
const CHECKER_LIGHT: f32 = 0.6;

pub(crate) fn score(reference: &DynamicImage, distorted: &DynamicImage) -> Result<f64> {
    let (w, h) = (reference.width() as usize, reference.height() as usize);
    let a = to_rgb(reference)?;
    let b = to_rgb(distorted)?;
    compute_frame_ssimulacra2(a, b).map_err(|e| {
        let kind = match e {
            ssimulacra2::Ssimulacra2Error::NonMatchingImageDimensions => ErrorKind::DimensionMismatch,
            _ => ErrorKind::InvalidArgument,
        };
        Error::new(kind, format!("SSIMULACRA2: {e}")).with_context("width", w).with_context("height", h)
    })
}

/// sRGB floats in 0..1, alpha composited over the checkerboard.
fn to_rgb(img: &DynamicImage) -> Result<Rgb> {
    let (w, h) = (img.width(), img.height());
    let data: Vec<[f32; 3]> = if img.color().has_alpha() {
        img.to_rgba32f()
            .enumerate_pixels()
            .map(|(x, y, p)| {
                let bg = if ((x / CHECKER) + (y / CHECKER)).is_multiple_of(2) { CHECKER_DARK } else { CHECKER_LIGHT };
                let a = p.0[3];
                [0, 1, 2].map(|c| p.0[c] * a + bg * (1.0 - a))
            })
            .collect()
    } else {
        img.to_rgb32f().pixels().map(|p| p.0).collect()
    };
    Rgb::new(data, w as usize, h as usize, TransferCharacteristic::SRGB, ColorPrimaries::BT709)
        .map_err(|e| Error::new(ErrorKind::Unexpected, format!("SSIMULACRA2 input: {e:?}")))
}
