//! WebP via libwebp: `webp-lossy` (VP8) and `webp-lossless` (VP8L).
//!
//! ICC and EXIF are not written yet: the `webp` crate has no mux API.

use std::sync::LazyLock;

use webp::{Encoder, WebPConfig};

use super::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, check_max_side, encode_error};
use crate::Result;
use crate::image::Format;

static LOSSY_PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        ParamSpec::int("quality", 0, 100, 80, "quantisation quality; 80 matches sharp's default"),
        ParamSpec::int("effort", 0, 6, 4, "libwebp method: higher is slower and smaller"),
        ParamSpec::int("alpha_quality", 0, 100, 100, "quality of the alpha plane"),
        ParamSpec::bool("sharp_yuv", false, "sharper RGB→YUV conversion (slower, better colour edges)"),
    ]
});

static LOSSLESS_PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        ParamSpec::int("effort", 0, 6, 4, "libwebp method: higher is slower and smaller"),
        ParamSpec::bool("exact", false, "keep RGB values under fully transparent pixels"),
    ]
});

pub(super) fn algorithms() -> Vec<Algorithm> {
    vec![
        Algorithm {
            info: AlgorithmInfo {
                name: "webp-lossy",
                format: Format::Webp,
                lossless: false,
                description: "lossy WebP (VP8) with optional alpha",
                quality_param: Some("quality"),
                params: LOSSY_PARAMS.as_slice(),
            },
            encode: |i| encode(i, false),
        },
        Algorithm {
            info: AlgorithmInfo {
                name: "webp-lossless",
                format: Format::Webp,
                lossless: true,
                description: "lossless WebP (VP8L)",
                quality_param: None,
                params: LOSSLESS_PARAMS.as_slice(),
            },
            encode: |i| encode(i, true),
        },
    ]
}

fn encode(input: &EncodeInput<'_>, lossless: bool) -> Result<Vec<u8>> {
    check_max_side(input.pixels, 16_383, Format::Webp)?;
    let p = input.params;
    let (w, h) = (input.pixels.width(), input.pixels.height());
    let has_alpha = input.pixels.color().has_alpha();
    let data = if has_alpha { input.pixels.to_rgba8().into_raw() } else { input.pixels.to_rgb8().into_raw() };
    let enc = if has_alpha { Encoder::from_rgba(&data, w, h) } else { Encoder::from_rgb(&data, w, h) };
    let mut c = WebPConfig::new().map_err(|()| encode_error("WebP", "config init failed"))?;
    c.method = p.int("effort") as i32;
    if lossless {
        c.lossless = 1;
        // In lossless mode "quality" is compression effort; tie it to the method.
        c.quality = (p.int("effort") as f32 * 100.0 / 6.0).round();
        c.exact = i32::from(p.flag("exact"));
    } else {
        c.quality = p.int("quality") as f32;
        c.alpha_quality = p.int("alpha_quality") as i32;
        c.use_sharp_yuv = i32::from(p.flag("sharp_yuv"));
    }
    let mem = enc.encode_advanced(&c).map_err(|e| encode_error("WebP", format!("{e:?}")))?;
    Ok(mem.to_vec())
}
