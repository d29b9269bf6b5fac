//! WebP via libwebp: `webp-lossy` (VP8) and `webp-lossless` (VP8L).
//!
//! libwebp's simple encoder writes no metadata, so ICC and EXIF are added here
//! by rewriting the RIFF container into the extended (VP8X) layout.

use std::sync::LazyLock;

use ::image::DynamicImage;
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
    // 8-bit RGB(A) is handed to libwebp as it is; other layouts are converted first.
    let converted;
    let data: &[u8] = match input.pixels {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => input.pixels.as_bytes(),
        px if has_alpha => {
            converted = px.to_rgba8().into_raw();
            &converted
        }
        px => {
            converted = px.to_rgb8().into_raw();
            &converted
        }
    };
    let enc = if has_alpha { Encoder::from_rgba(data, w, h) } else { Encoder::from_rgb(data, w, h) };
    let mut c = WebPConfig::new().map_err(|()| encode_error("WebP", "config init failed"))?;
    c.method = p.int("effort") as i32;
    // libwebp's own second thread (analysis pass, alpha plane beside the colour): only when the
    // caller's pool has more than one thread, so single-thread mode stays single-threaded.
    c.thread_level = i32::from(rayon::current_num_threads() > 1);
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
    with_metadata(&mem, input.icc, input.exif, w, h)
}

const FLAG_ICC: u8 = 0x20;
const FLAG_ALPHA: u8 = 0x10;
const FLAG_EXIF: u8 = 0x08;

/// Rebuild a WebP as VP8X + ICCP + image chunks + EXIF (the order the spec requires).
fn with_metadata(webp: &[u8], icc: Option<&[u8]>, exif: Option<&[u8]>, w: u32, h: u32) -> Result<Vec<u8>> {
    if icc.is_none() && exif.is_none() {
        return Ok(webp.to_vec());
    }
    let malformed = || encode_error("WebP", "libwebp produced an unexpected container");
    let mut image_chunks: Vec<(&[u8], &[u8])> = Vec::new();
    let mut i = 12;
    while i + 8 <= webp.len() {
        let fourcc = &webp[i..i + 4];
        let size = u32::from_le_bytes(webp[i + 4..i + 8].try_into().map_err(|_| malformed())?) as usize;
        let data = webp.get(i + 8..i + 8 + size).ok_or_else(malformed)?;
        if fourcc != b"VP8X" {
            image_chunks.push((fourcc, data));
        }
        i += 8 + size + (size & 1);
    }
    let vp8l_alpha = |d: &[u8]| d.len() >= 5 && (u32::from_le_bytes([d[1], d[2], d[3], d[4]]) >> 28) & 1 == 1;
    let has_alpha = image_chunks.iter().any(|(f, d)| *f == b"ALPH" || (*f == b"VP8L" && vp8l_alpha(d)));
    let mut flags = 0;
    if icc.is_some() {
        flags |= FLAG_ICC;
    }
    if exif.is_some() {
        flags |= FLAG_EXIF;
    }
    if has_alpha {
        flags |= FLAG_ALPHA;
    }
    let mut vp8x = vec![flags, 0, 0, 0];
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    let mut body = b"WEBP".to_vec();
    write_chunk(&mut body, b"VP8X", &vp8x);
    if let Some(icc) = icc {
        write_chunk(&mut body, b"ICCP", icc);
    }
    for (fourcc, data) in image_chunks {
        write_chunk(&mut body, fourcc, data);
    }
    if let Some(exif) = exif {
        write_chunk(&mut body, b"EXIF", exif);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

fn write_chunk(out: &mut Vec<u8>, fourcc: &[u8], data: &[u8]) {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0); // RIFF chunks are padded to even sizes
    }
}
