//! JPEG via mozjpeg: `jpeg-mozjpeg` (trellis quantisation, progressive scan
//! optimisation) and `jpeg-baseline` (libjpeg-turbo's fast defaults).

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use ::image::DynamicImage;
use mozjpeg::{ColorSpace, Compress, Marker, qtable};

use super::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, check_max_side, encode_error, flatten_to_rgb8};
use crate::Result;
use crate::image::Format;

const SUBSAMPLING: &[&str] = &["4:2:0", "4:2:2", "4:4:4"];

static MOZJPEG_PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        ParamSpec::int("quality", 1, 100, 80, "quantisation quality; 80 matches sharp's default"),
        ParamSpec::choice(
            "chroma_subsampling",
            SUBSAMPLING,
            "4:2:0",
            "colour resolution; 4:4:4 keeps sharp colour edges",
        ),
    ]
});

static BASELINE_PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        ParamSpec::int("quality", 1, 100, 80, "quantisation quality"),
        ParamSpec::choice("chroma_subsampling", SUBSAMPLING, "4:2:0", "colour resolution"),
        ParamSpec::bool("progressive", false, "write progressive scans"),
        ParamSpec::bool("optimize_coding", true, "compute optimal Huffman tables"),
    ]
});

pub(super) fn algorithms() -> Vec<Algorithm> {
    vec![
        Algorithm {
            info: AlgorithmInfo {
                name: "jpeg-mozjpeg",
                format: Format::Jpeg,
                lossless: false,
                description: "mozjpeg: trellis quantisation and optimised progressive scans, the smallest JPEGs",
                quality_param: Some("quality"),
                params: MOZJPEG_PARAMS.as_slice(),
            },
            encode: |i| encode(i, false),
        },
        Algorithm {
            info: AlgorithmInfo {
                name: "jpeg-baseline",
                format: Format::Jpeg,
                lossless: false,
                description: "libjpeg-turbo defaults: fast, universally compatible baseline JPEG",
                quality_param: Some("quality"),
                params: BASELINE_PARAMS.as_slice(),
            },
            encode: |i| encode(i, true),
        },
    ]
}

/// Drop the optional 18-byte JFIF APP0 segment libjpeg always writes: it only
/// says "1:1 pixel aspect, no DPI", which is every decoder's default anyway.
fn strip_jfif(mut jpeg: Vec<u8>) -> Vec<u8> {
    if jpeg.len() > 20 && jpeg[2..4] == [0xFF, 0xE0] && &jpeg[6..11] == b"JFIF\0" {
        let len = usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
        jpeg.drain(2..4 + len);
    }
    jpeg
}

fn encode(input: &EncodeInput<'_>, baseline: bool) -> Result<Vec<u8>> {
    check_max_side(input.pixels, 65_500, Format::Jpeg)?;
    let p = input.params;
    let gray = matches!(input.pixels, DynamicImage::ImageLuma8(_) | DynamicImage::ImageLuma16(_));
    // 8-bit gray and RGB go to libjpeg as they are (a 12 MP copy is 36 MB); the rest is converted.
    let (space, data): (_, Cow<'_, [u8]>) = match input.pixels {
        DynamicImage::ImageLuma8(_) => (ColorSpace::JCS_GRAYSCALE, Cow::Borrowed(input.pixels.as_bytes())),
        DynamicImage::ImageRgb8(_) => (ColorSpace::JCS_RGB, Cow::Borrowed(input.pixels.as_bytes())),
        px if gray => (ColorSpace::JCS_GRAYSCALE, Cow::Owned(px.to_luma8().into_raw())),
        px => (ColorSpace::JCS_RGB, Cow::Owned(flatten_to_rgb8(px).into_raw())),
    };
    let (w, h) = (input.pixels.width() as usize, input.pixels.height() as usize);
    // mozjpeg reports errors by unwinding; keep that inside this function.
    let run = || -> std::io::Result<Vec<u8>> {
        let mut c = Compress::new(space);
        if baseline {
            c.set_fastest_defaults();
        }
        c.set_size(w, h);
        // Like libjpeg's jpeg_set_quality(q, force_baseline = TRUE) (what sharp/libvips
        // call): 8-bit tables, so files stay baseline-compatible and no 16-bit DQT
        // segment wastes bytes. mozjpeg's default table is N. Robidoux's (index 3),
        // libjpeg-turbo's is Annex K.
        let q = p.int("quality") as f32;
        if baseline {
            c.set_luma_qtable(&qtable::AnnexK_Luma.scaled(q, q));
            c.set_chroma_qtable(&qtable::AnnexK_Chroma.scaled(q, q));
        } else {
            c.set_luma_qtable(&qtable::NRobidoux.scaled(q, q));
            c.set_chroma_qtable(&qtable::NRobidoux.scaled(q, q));
        }
        if baseline {
            c.set_optimize_coding(p.flag("optimize_coding"));
            if p.flag("progressive") {
                c.set_progressive_mode();
            }
        }
        if !gray {
            let s = match p.choice("chroma_subsampling") {
                "4:4:4" => (1, 1),
                "4:2:2" => (2, 1),
                _ => (2, 2),
            };
            c.set_chroma_sampling_pixel_sizes(s, s);
        }
        let mut s = c.start_compress(Vec::with_capacity(data.len() / 8))?;
        if let Some(icc) = input.icc {
            s.write_icc_profile(icc);
        }
        if let Some(exif) = input.exif.filter(|e| e.len() + 6 <= 65_533) {
            s.write_marker(Marker::APP(1), &[b"Exif\0\0".as_slice(), exif].concat());
        }
        s.write_scanlines(&data)?;
        s.finish()
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(v)) => Ok(strip_jfif(v)),
        Ok(Err(e)) => Err(encode_error("JPEG", e)),
        Err(payload) => {
            Err(encode_error("JPEG", payload.downcast_ref::<String>().map_or("libjpeg error", |s| s.as_str())))
        }
    }
}
