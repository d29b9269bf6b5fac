//! SSIMULACRA2 (Jon Sneyers, libjxl `tools/ssimulacra2.cc`): SSIM and edge-
//! difference maps in XYB at six scales, combined by the metric's fitted
//! weights into a 0..100 score (90+: visually lossless, 70: high quality).
//!
//! Our own implementation of the published algorithm: given the same linear
//! light it scores exactly what the `ssimulacra2` crate (a port of the
//! reference) scores, operation for operation (the tests compare them; the
//! crate decodes sRGB with a polynomial `powf`, we use the exact curve: about
//! 0.001 apart). It is faster because 8-bit sRGB is linearised through a
//! table, planes stay planar with no copy per step, the products are formed
//! inside the blur instead of as planes of their own, the hot loops are built
//! for FMA when the CPU has it (`mul_add` is otherwise a libm call per
//! operation), and every pass runs on the rayon pool.

/// Call `$f($args)` compiled for FMA when the CPU has it (see `blur`: `mul_add`
/// without FMA is a libm call; with it, one instruction, and the same result).
/// Defined before `mod blur` so the blur kernels use it too.
macro_rules! with_fma {
    ($f:ident($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has FMA, checked just above.
                unsafe { $crate::image::metrics::ssimulacra2::fma_variants::$f($($arg),*) }
            } else {
                $f($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $f($($arg),*)
        }
    }};
}

/// The FMA builds of the hot loops `with_fma!` chooses between.
#[cfg(target_arch = "x86_64")]
mod fma_variants {
    use super::blur::{self, Kernel};

    #[target_feature(enable = "fma")]
    pub(super) fn row(k: &Kernel, width: usize, input: impl Fn(usize) -> f32, out: &mut [f32]) {
        blur::row(k, width, input, out);
    }

    #[target_feature(enable = "fma")]
    pub(super) fn columns(k: &Kernel, input: &[f32], width: usize, height: usize, x0: usize, bw: usize) -> Vec<f32> {
        blur::columns(k, input, width, height, x0, bw)
    }

    #[target_feature(enable = "fma")]
    pub(super) fn xyb_chunk(input: [&[f32]; 3], out: (&mut [f32], &mut [f32], &mut [f32])) {
        super::xyb_chunk(input, out);
    }

    #[target_feature(enable = "fma")]
    pub(super) fn block_sums(blurred: [&[f32]; 5], x1: &[f32], x2: &[f32], w: usize, h: usize, bw: usize) -> [f64; 6] {
        super::block_sums(blurred, x1, x2, w, h, bw)
    }
}

mod blur;

use rayon::prelude::*;

use super::Source;
use crate::{Error, ErrorKind, Result};
use blur::{BLOCK, Blurred, blur};

/// Checkerboard behind transparent pixels: 8 px squares of 40% and 60% grey,
/// so both dark and light artefacts in the alpha channel show.
const CHECKER: u32 = 8;
const CHECKER_DARK: f32 = 0.4;
const CHECKER_LIGHT: f32 = 0.6;
const SCALES: usize = 6;

/// Three planes (R, G, B or X, Y, B) of one size.
struct Planes {
    width: usize,
    height: usize,
    p: [Vec<f32>; 3],
}

pub(crate) fn score(reference: Source<'_>, distorted: Source<'_>) -> Result<f64> {
    let (w, h) = (reference.width() as usize, reference.height() as usize);
    let context = |e: Error| e.with_context("width", w).with_context("height", h);
    if (distorted.width() as usize, distorted.height() as usize) != (w, h) {
        return Err(context(Error::new(
            ErrorKind::DimensionMismatch,
            "SSIMULACRA2: Source and distorted image width and height must be equal",
        )));
    }
    if w < 8 || h < 8 {
        return Err(context(Error::new(ErrorKind::InvalidArgument, "SSIMULACRA2: Images must be at least 8x8 pixels")));
    }
    let (mut a, mut b) = rayon::join(|| linear_rgb(reference), || linear_rgb(distorted));
    let mut scales = Vec::with_capacity(SCALES);
    for scale in 0..SCALES {
        // As in the reference, the size test comes before the halving, so the last
        // scale may be smaller than 8 pixels.
        if a.width < 8 || a.height < 8 {
            break;
        }
        if scale > 0 {
            (a, b) = rayon::join(|| downscale_by_2(&a), || downscale_by_2(&b));
        }
        let (xa, xb) = rayon::join(|| xyb(&a), || xyb(&b));
        scales.push(std::array::from_fn(|c| channel_stats(&xa, &xb, c)));
    }
    Ok(combine(&scales))
}

/// sRGB to linear light, alpha composited over the checkerboard first.
fn linear_rgb(img: Source<'_>) -> Planes {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut p: [Vec<f32>; 3] = std::array::from_fn(|_| Vec::with_capacity(w * h));
    let mut push = |px: [f32; 3]| {
        for (plane, v) in p.iter_mut().zip(px) {
            plane.push(v);
        }
    };
    match (img.has_alpha(), img.bytes8()) {
        (true, _) => {
            for (x, y, px) in img.image().to_rgba32f().enumerate_pixels() {
                let bg = if ((x / CHECKER) + (y / CHECKER)).is_multiple_of(2) { CHECKER_DARK } else { CHECKER_LIGHT };
                let a = px.0[3];
                push([0, 1, 2].map(|c| srgb_to_linear(px.0[c] * a + bg * (1.0 - a))));
            }
        }
        // 8-bit gray or RGB: by table, straight from the samples.
        (false, Some(bytes)) => {
            let lut: [f32; 256] = std::array::from_fn(|v| srgb_to_linear(v as f32 / 255.0));
            if img.channels() == 1 {
                bytes.iter().for_each(|&v| push([lut[usize::from(v)]; 3]));
            } else {
                bytes.chunks_exact(3).for_each(|px| push([0, 1, 2].map(|c| lut[usize::from(px[c])])));
            }
        }
        (false, None) => {
            for px in img.image().to_rgb32f().pixels() {
                push(px.0.map(srgb_to_linear));
            }
        }
    }
    Planes { width: w, height: h, p }
}

/// The sRGB EOTF with the constants libjxl uses (continuous at the knee).
fn srgb_to_linear(v: f32) -> f32 {
    const ALPHA: f32 = 1.055_010_7;
    const BETA: f32 = 0.003_041_282_5;
    let v = v.max(0.0);
    if v < 12.92 * BETA { v / 12.92 } else { ((v + (ALPHA - 1.0)) / ALPHA).powf(2.4) }
}

/// Linear RGB to XYB (JPEG XL's opsin absorbance, cube root), then shifted to be
/// positive the way SSIMULACRA2 does: X·14 + 0.42, Y + 0.01, (B − Y) + 0.55.
fn xyb(rgb: &Planes) -> Planes {
    const CHUNK: usize = 4096;
    let n = rgb.width * rgb.height;
    let mut out: [Vec<f32>; 3] = std::array::from_fn(|_| vec![0f32; n]);
    let [ox, oy, ob] = &mut out;
    (ox.par_chunks_mut(CHUNK), oy.par_chunks_mut(CHUNK), ob.par_chunks_mut(CHUNK))
        .into_par_iter()
        .enumerate()
        .for_each(|(chunk, out)| {
            let range = chunk * CHUNK..chunk * CHUNK + out.0.len();
            let input = rgb.p.each_ref().map(|p| &p[range.clone()]);
            with_fma!(xyb_chunk(input, out));
        });
    Planes { width: rgb.width, height: rgb.height, p: out }
}

#[inline(always)]
fn xyb_chunk([r, g, b]: [&[f32]; 3], (ox, oy, ob): (&mut [f32], &mut [f32], &mut [f32])) {
    const M: [[f32; 3]; 3] = [
        [0.30, 1.0 - 0.078 - 0.30, 0.078],
        [0.23, 1.0 - 0.078 - 0.23, 0.078],
        [0.243_422_69, 0.204_767_45, 1.0 - 0.243_422_69 - 0.204_767_45],
    ];
    const BIAS: f32 = 0.003_793_073_4;
    let bias_cbrt = BIAS.cbrt();
    for i in 0..ox.len() {
        let [l, m, s] = M.map(|row| {
            let mixed = row[0].mul_add(r[i], row[1].mul_add(g[i], row[2].mul_add(b[i], BIAS)));
            mixed.max(0.0).cbrt() - bias_cbrt
        });
        let (x, y) = (0.5 * (l - m), 0.5 * (l + m));
        ox[i] = x.mul_add(14.0, 0.42);
        oy[i] = y + 0.01;
        ob[i] = (s - y) + 0.55;
    }
}

/// Box-filter halving; an odd last row or column averages with itself.
fn downscale_by_2(img: &Planes) -> Planes {
    let (w, h) = (img.width, img.height);
    let (ow, oh) = (w.div_ceil(2), h.div_ceil(2));
    let p = img.p.each_ref().map(|plane| {
        let mut out = vec![0f32; ow * oh];
        out.par_chunks_mut(ow).enumerate().for_each(|(oy, row)| {
            let (y0, y1) = (2 * oy, (2 * oy + 1).min(h - 1));
            let (r0, r1) = (&plane[y0 * w..][..w], &plane[y1 * w..][..w]);
            for (ox, o) in row.iter_mut().enumerate() {
                let (x0, x1) = (2 * ox, (2 * ox + 1).min(w - 1));
                *o = (r0[x0] + r0[x1] + r1[x0] + r1[x1]) * 0.25;
            }
        });
        out
    });
    Planes { width: ow, height: oh, p }
}

/// One channel at one scale: mean SSIM error (1-norm, 4-norm), then the edge
/// map's artefact and detail-lost terms (1-norm, 4-norm each).
#[derive(Clone, Copy, Default)]
struct Stats {
    ssim: [f64; 2],
    edge: [f64; 4],
}

fn channel_stats(a: &Planes, b: &Planes, c: usize) -> Stats {
    let (w, h) = (a.width, a.height);
    let (x1, x2) = (&a.p[c][..], &b.p[c][..]);
    let [mu1, mu2, s11, s22, s12]: [Blurred; 5] = [
        blur(w, h, |o, i| x1[o + i]),
        blur(w, h, |o, i| x2[o + i]),
        blur(w, h, |o, i| x1[o + i] * x1[o + i]),
        blur(w, h, |o, i| x2[o + i] * x2[o + i]),
        blur(w, h, |o, i| x1[o + i] * x2[o + i]),
    ];
    let sums = (0..w.div_ceil(BLOCK))
        .into_par_iter()
        .map(|blk| {
            let (x0, bw) = (blk * BLOCK, BLOCK.min(w - blk * BLOCK));
            let blurred = [&mu1, &mu2, &s11, &s22, &s12].map(|b| &b.blocks[blk][..]);
            let (x1, x2) = (&x1[x0..], &x2[x0..]);
            with_fma!(block_sums(blurred, x1, x2, w, h, bw))
        })
        .reduce(|| [0f64; 6], |a, b| std::array::from_fn(|i| a[i] + b[i]));
    let inv = 1.0 / (w * h) as f64;
    let norm4 = |v: f64| (inv * v).sqrt().sqrt();
    Stats {
        ssim: [inv * sums[0], norm4(sums[1])],
        edge: [inv * sums[2], norm4(sums[3]), inv * sums[4], norm4(sums[5])],
    }
}

/// One column block's sums: SSIM error (1-norm, 4th powers), edge artefact and
/// detail lost (the same). `x1`, `x2` start at the block's first column.
#[inline(always)]
fn block_sums(
    [mu1, mu2, s11, s22, s12]: [&[f32]; 5],
    x1: &[f32],
    x2: &[f32],
    w: usize,
    h: usize,
    bw: usize,
) -> [f64; 6] {
    const C2: f32 = 0.0009;
    let mut s = [0f64; 6];
    for y in 0..h {
        for i in 0..bw {
            let (j, k) = (y * bw + i, y * w + i);
            let (m1, m2) = (mu1[j], mu2[j]);
            let diff = m1 - m2;
            let num_m = diff.mul_add(-diff, 1.0);
            let num_s = 2f32.mul_add(s12[j] - m1 * m2, C2);
            let denom_s = (s11[j] - m1 * m1) + (s22[j] - m2 * m2) + C2;
            let d = (1.0 - f64::from((num_m * num_s) / denom_s)).max(0.0);
            s[0] += d;
            s[1] += d.powi(4);
            let ratio = (1.0 + f64::from((x2[k] - m2).abs())) / (1.0 + f64::from((x1[k] - m1).abs())) - 1.0;
            let (artefact, lost) = (ratio.max(0.0), (-ratio).max(0.0));
            s[2] += artefact;
            s[3] += artefact.powi(4);
            s[4] += lost;
            s[5] += lost.powi(4);
        }
    }
    s
}

/// The weighted sum over channels, scales and norms, then the reference's
/// cubic and power mapping to 0..100.
fn combine(scales: &[[Stats; 3]]) -> f64 {
    let mut weights = WEIGHTS.iter();
    let mut sum = 0.0f64;
    for c in 0..3 {
        for stats in scales {
            let s = stats[c];
            for n in 0..2 {
                for v in [s.ssim[n], s.edge[n], s.edge[n + 2]] {
                    sum += weights.next().copied().unwrap_or_default() * v.abs();
                }
            }
        }
    }
    let x = sum * 0.956_238_261_683_484_4;
    let x = (6.248_496_625_763_138e-5 * x * x) * x + (2.326_765_642_916_932 * x - 0.020_884_521_182_843_837 * x * x);
    if x > 0.0 { 100.0 - 10.0 * x.powf(0.627_633_646_783_138_7) } else { 100.0 }
}

/// The metric's fitted weights, in the reference's order (channel, scale, norm,
/// then SSIM / artefact / detail lost), as published in libjxl's `ssimulacra2.cc`.
#[rustfmt::skip]
const WEIGHTS: [f64; 108] = [
    0.0, 0.000_737_660_670_740_658_6, 0.0, 0.0, 0.000_779_348_168_286_730_9, 0.0,
    0.0, 0.000_437_115_573_010_737_9, 0.0, 1.104_172_642_665_734_6, 0.000_662_848_341_292_71, 0.000_152_316_327_837_187_52,
    0.0, 0.001_640_643_745_659_975_4, 0.0, 1.842_245_552_053_929_8, 11.441_172_603_757_666, 0.0,
    0.000_798_910_943_601_516_3, 0.000_176_816_438_078_653, 0.0, 1.878_759_497_954_638_7, 10.949_069_906_051_42, 0.0,
    0.000_728_934_699_150_807_2, 0.967_793_708_062_683_3, 0.0, 0.000_140_034_242_854_358_84, 0.998_176_697_785_496_7, 0.000_319_497_559_344_350_53,
    0.000_455_099_211_379_206_3, 0.0, 0.0, 0.001_364_876_616_324_339_8, 0.0, 0.0,
    0.0, 0.0, 0.0, 7.466_890_328_078_848, 0.0, 17.445_833_984_131_262,
    0.000_623_560_163_404_146_6, 0.0, 0.0, 6.683_678_146_179_332, 0.000_377_244_079_796_112_96, 1.027_889_937_768_264,
    225.205_153_008_492_74, 0.0, 0.0, 19.213_238_186_143_016, 0.001_140_152_458_661_836_1, 0.001_237_755_635_509_985,
    176.393_175_984_506_94, 0.0, 0.0, 24.433_009_998_704_76, 0.285_208_026_121_177_57, 0.000_448_543_692_383_340_8,
    0.0, 0.0, 0.0, 34.779_063_444_837_72, 44.835_625_328_877_896, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.000_868_055_657_329_169_8, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.000_531_319_187_435_874_7, 0.0, 0.000_165_338_141_613_791_12, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.000_417_917_180_325_133_6, 0.001_729_082_823_472_283_3, 0.0,
    0.002_082_700_584_663_643_7, 0.0, 0.0, 8.826_982_764_996_862, 23.192_433_439_989_26, 0.0,
    95.108_049_881_108_6, 0.986_397_803_440_068_2, 0.983_438_279_246_535_3, 0.001_228_640_504_827_849_3, 171.266_725_589_730_7, 0.980_785_887_243_537_9,
    0.0, 0.0, 0.0, 0.000_513_006_458_899_067_9, 0.0, 0.000_108_540_578_584_115_37,
];

#[cfg(test)]
mod tests {
    use ::image::{DynamicImage, Rgb, RgbImage};
    use ssimulacra2 as reference;

    use super::*;
    use crate::image::{synthetic_photo, synthetic_photo_rgba};

    fn score(a: &DynamicImage, b: &DynamicImage) -> Result<f64> {
        super::score(Source::Image(a), Source::Image(b))
    }

    /// The `ssimulacra2` crate's score. With `exact_srgb` the pixels are linearised
    /// here and handed over as linear light: the crate's own sRGB decoding uses a
    /// polynomial `powf` (yuvxyb's `fastmath`), which moves scores by up to ~0.1.
    fn reference_score(a: &DynamicImage, b: &DynamicImage, exact_srgb: bool) -> f64 {
        let frame = |img: &DynamicImage| {
            let (w, h) = (img.width() as usize, img.height() as usize);
            let pixels = img.to_rgb32f().pixels().map(|p| p.0).collect::<Vec<_>>();
            let (data, transfer) = if exact_srgb {
                let linear = pixels.into_iter().map(|p| p.map(srgb_to_linear)).collect();
                (linear, reference::TransferCharacteristic::Linear)
            } else {
                (pixels, reference::TransferCharacteristic::SRGB)
            };
            reference::Rgb::new(data, w, h, transfer, reference::ColorPrimaries::BT709).unwrap()
        };
        reference::compute_frame_ssimulacra2(frame(a), frame(b)).unwrap()
    }

    /// Deterministic distortions of different kinds: grain, a colour shift, a blur.
    fn distortions(img: &RgbImage) -> Vec<RgbImage> {
        let (w, h) = img.dimensions();
        let grain = RgbImage::from_fn(w, h, |x, y| {
            let p = img.get_pixel(x, y).0;
            let n = ((x * 7919 + y * 104_729) % 23) as i32 - 11;
            Rgb(p.map(|v| (i32::from(v) + n).clamp(0, 255) as u8))
        });
        let shift = RgbImage::from_fn(w, h, |x, y| {
            let [r, g, b] = img.get_pixel(x, y).0;
            Rgb([r.saturating_add(12), g, b.saturating_sub(9)])
        });
        let blur = RgbImage::from_fn(w, h, |x, y| {
            let at = |dx: i64| img.get_pixel((i64::from(x) + dx).clamp(0, i64::from(w) - 1) as u32, y).0;
            let (l, c, r) = (at(-1), at(0), at(1));
            Rgb(std::array::from_fn(|i| ((u16::from(l[i]) + 2 * u16::from(c[i]) + u16::from(r[i])) / 4) as u8))
        });
        vec![grain, shift, blur]
    }

    #[test]
    fn scores_what_the_reference_port_scores() {
        // Odd sizes exercise the halving's edge rows and the last, narrow column block.
        for (w, h, seed) in [(96, 64, 1), (333, 217, 2), (15, 40, 3)] {
            let src = synthetic_photo(w, h, seed).to_rgb8();
            for (i, d) in distortions(&src).into_iter().enumerate() {
                let (a, b) = (DynamicImage::ImageRgb8(src.clone()), DynamicImage::ImageRgb8(d));
                let ours = score(&a, &b).unwrap();
                let (exact, approx) = (reference_score(&a, &b, true), reference_score(&a, &b, false));
                assert!((ours - exact).abs() < 1e-6, "{w}x{h} distortion {i}: ours {ours}, reference {exact}");
                assert!((ours - approx).abs() < 0.2, "{w}x{h} distortion {i}: ours {ours}, crate's sRGB {approx}");
            }
        }
    }

    #[test]
    fn identical_images_score_100_and_sizes_are_checked() {
        let a = synthetic_photo(64, 48, 5);
        assert!((score(&a, &a).unwrap() - 100.0).abs() < 1e-9);
        let small = synthetic_photo(7, 48, 5);
        assert_eq!(score(&small, &small).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(score(&a, &synthetic_photo(48, 64, 5)).unwrap_err().kind(), ErrorKind::DimensionMismatch);
    }

    #[test]
    fn alpha_is_judged_over_a_checkerboard() {
        let a = synthetic_photo_rgba(80, 64, 9);
        let mut b = a.to_rgba8();
        for p in b.pixels_mut() {
            p.0[3] = p.0[3].saturating_sub(60);
        }
        let b = DynamicImage::ImageRgba8(b);
        let flat = |img: &DynamicImage| {
            let rgba = img.to_rgba32f();
            DynamicImage::ImageRgb32F(::image::Rgb32FImage::from_fn(img.width(), img.height(), |x, y| {
                let bg = if ((x / CHECKER) + (y / CHECKER)).is_multiple_of(2) { CHECKER_DARK } else { CHECKER_LIGHT };
                let p = rgba.get_pixel(x, y).0;
                Rgb([0, 1, 2].map(|c| p[c] * p[3] + bg * (1.0 - p[3])))
            }))
        };
        let (ours, theirs) = (score(&a, &b).unwrap(), reference_score(&flat(&a), &flat(&b), true));
        assert!(ours < 99.0 && (ours - theirs).abs() < 1e-6, "ours {ours}, reference {theirs}");
    }
}
