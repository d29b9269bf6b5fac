//! AVIF via ravif (rav1e AV1 encoder, pure Rust + nasm SIMD).

use std::sync::LazyLock;

use ravif::{AlphaColorMode, BitDepth, ColorModel, Encoder, Img};
use rgb::FromSlice;

use super::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, encode_error};
use crate::Result;
use crate::image::Format;

static PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        ParamSpec::int("quality", 1, 100, 50, "quantisation quality; 50 matches sharp's default"),
        ParamSpec::int("speed", 1, 10, 6, "rav1e speed preset: lower is slower and smaller"),
        ParamSpec::int("alpha_quality", 1, 100, 90, "quality of the alpha plane"),
        ParamSpec::choice("bit_depth", &["8", "10"], "8", "AV1 bit depth; 10 avoids banding at a small size cost"),
        ParamSpec::choice(
            "chroma_subsampling",
            &["4:4:4"],
            "4:4:4",
            "colour resolution (rav1e via ravif encodes 4:4:4)",
        ),
    ]
});

pub(super) fn algorithms() -> Vec<Algorithm> {
    vec![Algorithm {
        info: AlgorithmInfo {
            name: "avif-rav1e",
            format: Format::Avif,
            lossless: false,
            description: "AVIF (AV1 intra) encoded by rav1e",
            quality_param: Some("quality"),
            params: PARAMS.as_slice(),
        },
        encode,
    }]
}

fn encode(input: &EncodeInput<'_>) -> Result<Vec<u8>> {
    let p = input.params;
    let (w, h) = (input.pixels.width() as usize, input.pixels.height() as usize);
    let mut enc = Encoder::new()
        .with_quality(p.int("quality") as f32)
        .with_speed(p.int("speed") as u8)
        .with_alpha_quality(p.int("alpha_quality") as f32)
        .with_bit_depth(if p.choice("bit_depth") == "10" { BitDepth::Ten } else { BitDepth::Eight })
        .with_internal_color_model(ColorModel::YCbCr)
        .with_alpha_color_mode(AlphaColorMode::UnassociatedClean);
    if let Some(exif) = input.exif {
        enc = enc.with_exif(exif.to_vec());
    }
    let out = if input.pixels.color().has_alpha() {
        let rgba = input.pixels.to_rgba8();
        enc.encode_rgba(Img::new(rgba.as_raw().as_rgba(), w, h))
    } else {
        let rgb = input.pixels.to_rgb8();
        enc.encode_rgb(Img::new(rgb.as_raw().as_rgb(), w, h))
    };
    out.map(|e| e.avif_file).map_err(|e| encode_error("AVIF", e))
}
