//! Lossless PNG via oxipng: colour-type, bit-depth and palette reduction, then
//! filter and deflate search at the chosen optimisation level.

use std::sync::LazyLock;

use ::image::DynamicImage;
use oxipng::{BitDepth, ColorType, Options, RawImage};

use super::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, encode_error};
use crate::Result;
use crate::image::Format;

static PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        // Default 0 (the MinSum filter, one libdeflate pass at 5): on a 12 MP photo 1.17x sharp's
        // compressionLevel 9 speed at 0.63x its bytes; level 2 saves 4 % more for 8x the time
        // (benches/peers/README.md). Higher levels stay for "smallest".
        ParamSpec::int("level", 0, 6, 0, "oxipng optimisation preset: higher tries more filters and deflate settings"),
        ParamSpec::bool("interlace", false, "Adam7 interlacing (progressive display, usually larger)"),
    ]
});

pub(super) fn algorithms() -> Vec<Algorithm> {
    vec![Algorithm {
        info: AlgorithmInfo {
            name: "png-oxipng",
            format: Format::Png,
            lossless: true,
            description: "lossless PNG optimised by oxipng, with automatic palette and bit-depth reduction",
            quality_param: None,
            params: PARAMS.as_slice(),
        },
        encode,
    }]
}

fn encode(input: &EncodeInput<'_>) -> Result<Vec<u8>> {
    let img = input.pixels;
    let (w, h) = (img.width(), img.height());
    let be16 = |v: &[u16]| v.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<u8>>();
    let gray = ColorType::Grayscale { transparent_shade: None };
    let rgb = ColorType::RGB { transparent_color: None };
    let (ct, depth, data) = match img {
        DynamicImage::ImageLuma8(b) => (gray, BitDepth::Eight, b.as_raw().clone()),
        DynamicImage::ImageLumaA8(b) => (ColorType::GrayscaleAlpha, BitDepth::Eight, b.as_raw().clone()),
        DynamicImage::ImageRgb8(b) => (rgb, BitDepth::Eight, b.as_raw().clone()),
        DynamicImage::ImageRgba8(b) => (ColorType::RGBA, BitDepth::Eight, b.as_raw().clone()),
        DynamicImage::ImageLuma16(b) => (gray, BitDepth::Sixteen, be16(b.as_raw())),
        DynamicImage::ImageLumaA16(b) => (ColorType::GrayscaleAlpha, BitDepth::Sixteen, be16(b.as_raw())),
        DynamicImage::ImageRgb16(b) => (rgb, BitDepth::Sixteen, be16(b.as_raw())),
        other if other.color().has_alpha() => (ColorType::RGBA, BitDepth::Sixteen, be16(other.to_rgba16().as_raw())),
        other => (rgb, BitDepth::Sixteen, be16(other.to_rgb16().as_raw())),
    };
    let mut raw = RawImage::new(w, h, ct, depth, data).map_err(|e| encode_error("PNG", e))?;
    if let Some(icc) = input.icc {
        raw.add_icc_profile(icc);
    }
    if let Some(exif) = input.exif {
        raw.add_png_chunk(*b"eXIf", exif.to_vec());
    }
    let mut opts = Options::from_preset(input.params.int("level") as u8);
    opts.interlace = Some(input.params.flag("interlace"));
    raw.create_optimized_png(&opts).map_err(|e| encode_error("PNG", e))
}
