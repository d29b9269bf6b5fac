//! `avif-rav1e`: AV1 from rav1e, written directly on it (rather than through ravif) to offer
//! chroma subsampling and bit depth.

use std::sync::LazyLock;

use rav1e::prelude::*;

use super::{Planes, common_params, quantizer};
use crate::Result;
use crate::image::Format;
use crate::image::encode::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, encode_error};

static PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    let mut params = common_params();
    params.insert(1, ParamSpec::int("speed", 1, 10, 6, "rav1e speed preset: lower is slower and smaller"));
    params
});

pub(super) fn algorithm() -> Algorithm {
    Algorithm {
        info: AlgorithmInfo {
            name: "avif-rav1e",
            format: Format::Avif,
            lossless: false,
            description: "AVIF (AV1 intra) encoded by rav1e",
            quality_param: Some("quality"),
            params: PARAMS.as_slice(),
        },
        encode,
    }
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

pub(super) fn encode(input: &EncodeInput<'_>) -> Result<Vec<u8>> {
    let p = input.params;
    let planes = Planes::new(input);
    let (w, h, yuv) = (planes.width, planes.height, &planes.yuv);
    let sampling = match planes.dec {
        (1, 1) => ChromaSampling::Cs420,
        (1, 0) => ChromaSampling::Cs422,
        _ => ChromaSampling::Cs444,
    };
    let color_job = Av1Job {
        width: w,
        height: h,
        depth: planes.depth as usize,
        sampling,
        quantizer: quantizer(p.int("quality"), 255) as usize,
        speed: p.int("speed") as u8,
        color: Some(ColorDescription {
            color_primaries: ColorPrimaries::BT709,
            transfer_characteristics: TransferCharacteristics::SRGB,
            matrix_coefficients: MatrixCoefficients::BT601,
        }),
        planes: vec![(&yuv.y, w), (&yuv.u, yuv.chroma_w), (&yuv.v, yuv.chroma_w)],
    };
    let alpha_job = planes.alpha.as_deref().map(|a| Av1Job {
        sampling: ChromaSampling::Cs400,
        quantizer: quantizer(p.int("alpha_quality"), 255) as usize,
        color: None,
        planes: vec![(a, w)],
        ..color_job
    });
    let (color, alpha) = rayon::join(|| encode_any(&color_job), || alpha_job.as_ref().map(encode_any).transpose());
    let (color, alpha) = (color?, alpha?);
    Ok(planes.container(&color, alpha.as_deref(), input.exif))
}
