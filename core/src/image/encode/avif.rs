//! AVIF: AV1 intra frames from rav1e in a HEIF container from avif-serialize.
//!
//! Written directly on rav1e (rather than through ravif) to offer chroma
//! subsampling. Colour is BT.601 full range; chroma planes are box-filtered
//! for 4:2:0 and 4:2:2. Alpha, when present and not fully opaque, is a second
//! monochrome AV1 item encoded in parallel with the colour.

use std::sync::LazyLock;

use avif_serialize::Aviffy;
use avif_serialize::constants::MatrixCoefficients as ContainerMatrix;
use rav1e::prelude::*;

use super::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, encode_error};
use crate::Result;
use crate::image::Format;

static PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    vec![
        ParamSpec::int(
            "quality",
            1,
            100,
            50,
            "quality, mapped linearly to the AV1 quantiser like libavif; 50 is sharp's default",
        ),
        ParamSpec::int("speed", 1, 10, 6, "rav1e speed preset: lower is slower and smaller"),
        ParamSpec::int("alpha_quality", 1, 100, 90, "quality of the alpha plane"),
        ParamSpec::choice(
            "bit_depth",
            &["8", "10", "12"],
            "8",
            "AV1 bit depth; 10 avoids banding at a small size cost",
        ),
        ParamSpec::choice(
            "chroma_subsampling",
            &["4:2:0", "4:2:2", "4:4:4"],
            "4:4:4",
            "colour resolution; 4:4:4 is sharp's AVIF default",
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

/// libavif's mapping: quality 100 is quantiser 0, quality 0 is 255.
fn quantizer(quality: i64) -> usize {
    (((100 - quality.clamp(0, 100)) * 255 + 50) / 100) as usize
}

/// Planes in the encoder's layout: full-resolution luma, possibly subsampled chroma.
struct Yuv {
    y: Vec<u16>,
    u: Vec<u16>,
    v: Vec<u16>,
    chroma_w: usize,
}

fn to_yuv(rgb: &[[u8; 3]], w: usize, h: usize, depth: u32, (xdec, ydec): (usize, usize)) -> Yuv {
    let max = ((1u32 << depth) - 1) as f32;
    let scale = max / 255.0;
    let mid = (max + 1.0) / 2.0;
    let mut y = Vec::with_capacity(w * h);
    let (mut cb, mut cr) = (Vec::with_capacity(w * h), Vec::with_capacity(w * h));
    for &[r, g, b] in rgb {
        let (r, g, b) = (f32::from(r) * scale, f32::from(g) * scale, f32::from(b) * scale);
        let luma = 0.299 * r + 0.587 * g + 0.114 * b;
        y.push(luma.round().clamp(0.0, max) as u16);
        cb.push((b - luma) / 1.772 + mid);
        cr.push((r - luma) / 1.402 + mid);
    }
    let (cw, ch) = ((w + xdec) >> xdec, (h + ydec) >> ydec);
    let sub = |plane: &[f32]| -> Vec<u16> {
        let mut out = Vec::with_capacity(cw * ch);
        for cy in 0..ch {
            for cx in 0..cw {
                let (mut sum, mut n) = (0.0, 0.0);
                for yy in (cy << ydec)..((cy + 1) << ydec).min(h) {
                    for xx in (cx << xdec)..((cx + 1) << xdec).min(w) {
                        sum += plane[yy * w + xx];
                        n += 1.0;
                    }
                }
                out.push((sum / n).round().clamp(0.0, max) as u16);
            }
        }
        out
    };
    Yuv { y, u: sub(&cb), v: sub(&cr), chroma_w: cw }
}

struct Av1Job<'a> {
    width: usize,
    height: usize,
    depth: usize,
    sampling: ChromaSampling,
    quantizer: usize,
    speed: u8,
    color: Option<ColorDescription>,
    /// Plane data and row width for each plane (1 for monochrome, 3 for YUV).
    planes: Vec<(&'a [u16], usize)>,
}

fn encode_av1<P: Pixel>(job: &Av1Job<'_>) -> Result<Vec<u8>> {
    let threads = rayon::current_num_threads();
    let cfg = Config::new()
        .with_encoder_config(EncoderConfig {
            width: job.width,
            height: job.height,
            bit_depth: job.depth,
            chroma_sampling: job.sampling,
            pixel_range: PixelRange::Full,
            color_description: job.color,
            still_picture: true,
            quantizer: job.quantizer,
            min_quantizer: job.quantizer as u8,
            // Tiles give rav1e parallelism; tiny tiles would cost compression.
            tiles: threads.min((job.width * job.height) / (128 * 128)).max(1),
            speed_settings: SpeedSettings::from_preset(job.speed),
            ..Default::default()
        })
        .with_threads(threads);
    let mut ctx: Context<P> = cfg.new_context().map_err(|e| encode_error("AVIF", e))?;
    let mut frame = ctx.new_frame();
    for (plane, &(data, row_w)) in frame.planes.iter_mut().zip(&job.planes) {
        let mut slice = plane.mut_slice(Default::default());
        for (dst, src) in slice.rows_iter_mut().zip(data.chunks_exact(row_w)) {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = P::cast_from(s);
            }
        }
    }
    ctx.send_frame(frame).map_err(|e| encode_error("AVIF", e))?;
    ctx.flush();
    let mut out = Vec::new();
    loop {
        match ctx.receive_packet() {
            Ok(packet) => out.extend_from_slice(&packet.data),
            // A frame was encoded but its packet is not out yet: ask again.
            Err(EncoderStatus::Encoded) => continue,
            Err(EncoderStatus::LimitReached | EncoderStatus::NeedMoreData) => break,
            Err(e) => return Err(encode_error("AVIF", e)),
        }
    }
    Ok(out)
}

fn encode_any(job: &Av1Job<'_>) -> Result<Vec<u8>> {
    if job.depth > 8 { encode_av1::<u16>(job) } else { encode_av1::<u8>(job) }
}

fn encode(input: &EncodeInput<'_>) -> Result<Vec<u8>> {
    let p = input.params;
    let (w, h) = (input.pixels.width() as usize, input.pixels.height() as usize);
    let depth: u32 = p.choice("bit_depth").parse().unwrap_or(8);
    let (sampling, dec, mut profile) = match p.choice("chroma_subsampling") {
        "4:2:0" => (ChromaSampling::Cs420, (1, 1), 0),
        "4:2:2" => (ChromaSampling::Cs422, (1, 0), 2),
        _ => (ChromaSampling::Cs444, (0, 0), 1),
    };
    if depth == 12 {
        profile = 2; // AV1 "professional" profile carries 12-bit in any subsampling
    }
    let rgba = input.pixels.to_rgba8();
    let rgb: Vec<[u8; 3]> = rgba.pixels().map(|px| [px.0[0], px.0[1], px.0[2]]).collect();
    let yuv = to_yuv(&rgb, w, h, depth, dec);
    let color_job = Av1Job {
        width: w,
        height: h,
        depth: depth as usize,
        sampling,
        quantizer: quantizer(p.int("quality")),
        speed: p.int("speed") as u8,
        color: Some(ColorDescription {
            color_primaries: ColorPrimaries::BT709,
            transfer_characteristics: TransferCharacteristics::SRGB,
            matrix_coefficients: MatrixCoefficients::BT601,
        }),
        planes: vec![(&yuv.y, w), (&yuv.u, yuv.chroma_w), (&yuv.v, yuv.chroma_w)],
    };
    let alpha: Option<Vec<u16>> =
        (input.pixels.color().has_alpha() && rgba.pixels().any(|px| px.0[3] < 255)).then(|| {
            let max = (1u32 << depth) - 1;
            let up = |a: u8| ((u32::from(a) * max + 127) / 255) as u16;
            rgba.pixels().map(|px| up(px.0[3])).collect()
        });
    let alpha_job = alpha.as_deref().map(|a| Av1Job {
        width: w,
        height: h,
        depth: depth as usize,
        sampling: ChromaSampling::Cs400,
        quantizer: quantizer(p.int("alpha_quality")),
        speed: color_job.speed,
        color: None,
        planes: vec![(a, w)],
    });
    let (color, alpha) = rayon::join(|| encode_any(&color_job), || alpha_job.as_ref().map(encode_any).transpose());
    let (color, alpha) = (color?, alpha?);
    let mut avif = Aviffy::new();
    avif.set_matrix_coefficients(ContainerMatrix::Bt601)
        .set_full_color_range(true)
        .set_chroma_subsampling((dec.0 == 1, dec.1 == 1))
        .set_seq_profile(profile);
    if let Some(exif) = input.exif {
        avif.set_exif(exif.to_vec());
    }
    Ok(avif.to_vec(&color, alpha.as_deref(), w as u32, h as u32, depth as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_maps_like_libavif() {
        assert_eq!(quantizer(100), 0);
        assert_eq!(quantizer(0), 255);
        assert_eq!(quantizer(50), 128);
    }

    #[test]
    fn chroma_is_averaged_over_blocks() {
        // Two pixels: pure red and pure blue; 4:2:2 averages their chroma.
        let yuv = to_yuv(&[[255, 0, 0], [0, 0, 255]], 2, 1, 8, (1, 0));
        assert_eq!(yuv.y, vec![76, 29]);
        assert_eq!((yuv.u.len(), yuv.chroma_w), (1, 1));
        let full = to_yuv(&[[255, 0, 0], [0, 0, 255]], 2, 1, 8, (0, 0));
        assert_eq!(yuv.u[0], ((f32::from(full.u[0]) + f32::from(full.u[1])) / 2.0).round() as u16);
    }
}
