//! Mean squared error and PSNR, per channel and combined.

use rayon::prelude::*;

use super::{Planes, Source};

pub(crate) struct Mse {
    pub combined: f64,
    pub channels: Vec<f64>,
}

impl Mse {
    fn from_sums(sums: &[f64], samples_per_channel: usize) -> Mse {
        let channels: Vec<f64> = sums.iter().map(|s| s / samples_per_channel.max(1) as f64).collect();
        let combined = channels.iter().sum::<f64>() / channels.len().max(1) as f64;
        Mse { combined, channels }
    }
}

/// Channel names for `n` compared planes (see the module docs of `metrics`).
pub(crate) fn channel_names(n: usize) -> &'static [&'static str] {
    match n {
        1 => &["L"],
        3 => &["R", "G", "B"],
        _ => &["R", "G", "B", "A"],
    }
}

pub(crate) fn mse(a: &Planes, b: &Planes) -> Mse {
    let sums: Vec<f64> = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| x.iter().zip(y).map(|(&p, &q)| f64::from(p - q).powi(2)).sum())
        .collect();
    Mse::from_sums(&sums, a.width * a.height)
}

/// Lanes of the byte loop: a multiple of 1 and 3 channels, wide enough to vectorise.
const LANES: usize = 48;
/// Bytes per parallel chunk: small enough that u32 lanes cannot overflow
/// (each lane adds at most 255² per 48 bytes).
const CHUNK: usize = LANES * 4096;

/// MSE of two 8-bit gray or RGB images of the same layout, from their bytes with
/// integer sums (the same values as from planes, computed exactly and without copies);
/// `None` for any other pair.
#[allow(clippy::needless_range_loop)] // lane-indexed so the loop vectorises
pub(crate) fn from_bytes(a: Source<'_>, b: Source<'_>) -> Option<Mse> {
    let c = a.channels();
    if c != b.channels() || !matches!(c, 1 | 3) {
        return None;
    }
    let (x, y) = (a.bytes8()?, b.bytes8()?);
    if x.len() != y.len() {
        return None;
    }
    let lanes = x
        .par_chunks(CHUNK)
        .zip(y.par_chunks(CHUNK))
        .map(|(x, y)| {
            let mut acc = [0u32; LANES];
            let (xs, ys) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
            let (xt, yt) = (xs.remainder(), ys.remainder());
            for (p, q) in xs.zip(ys) {
                for i in 0..LANES {
                    let d = i32::from(p[i]) - i32::from(q[i]);
                    acc[i] += (d * d) as u32;
                }
            }
            let mut wide = acc.map(u64::from);
            for (i, (p, q)) in xt.iter().zip(yt).enumerate() {
                let d = i64::from(*p) - i64::from(*q);
                wide[i] += (d * d) as u64;
            }
            wide
        })
        .reduce(
            || [0u64; LANES],
            |mut s, t| {
                s.iter_mut().zip(t).for_each(|(s, t)| *s += t);
                s
            },
        );
    let mut sums = vec![0.0; c];
    for (i, lane) in lanes.iter().enumerate() {
        sums[i % c] += *lane as f64;
    }
    Some(Mse::from_sums(&sums, x.len() / c))
}

/// PSNR in dB for 8-bit data range; infinite for identical images.
pub(crate) fn psnr(mse: f64) -> f64 {
    if mse == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64 * 255.0 / mse).log10() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::{DynamicImage, GrayImage, RgbImage};

    #[test]
    fn bytes_and_planes_agree() {
        // Odd sizes so the last chunk has a tail that is not a whole lane row.
        let (w, h) = (1031, 211);
        let f = |seed: u32| {
            RgbImage::from_fn(w, h, |x, y| {
                let v = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed;
                ::image::Rgb([(v % 256) as u8, (v / 7 % 256) as u8, (v / 31 % 256) as u8])
            })
        };
        for (a, b) in [
            (DynamicImage::ImageRgb8(f(1)), DynamicImage::ImageRgb8(f(9))),
            (
                DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(f(1)).to_luma8()),
                DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| ::image::Luma([((x * y) % 256) as u8]))),
            ),
        ] {
            let (a, b) = (Source::Image(&a), Source::Image(&b));
            let direct = from_bytes(a, b).expect("8-bit pair");
            let planes = mse(&Planes::premultiplied(a, b), &Planes::premultiplied(b, a));
            assert_eq!(direct.channels, planes.channels);
            assert_eq!(direct.combined, planes.combined);
            assert!(direct.combined > 10.0, "the pair differs: {}", direct.combined);
        }
        let rgba = DynamicImage::ImageRgba8(::image::RgbaImage::new(4, 4));
        assert!(
            from_bytes(Source::Image(&rgba), Source::Image(&rgba)).is_none(),
            "alpha is premultiplied: not a byte comparison"
        );
    }
}
