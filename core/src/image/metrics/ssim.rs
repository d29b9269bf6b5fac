//! SSIM (Wang et al. 2004) and MS-SSIM (Wang, Simoncelli, Bovik 2003).
//!
//! SSIM reproduces scikit-image's `structural_similarity(gaussian_weights=True,
//! sigma=1.5, use_sample_covariance=False, data_range=255)`: an 11-tap Gaussian
//! window (truncate 3.5), K1 = 0.01, K2 = 0.03, mean over the image cropped by
//! the window radius, and for colour the mean of per-channel values. Because the
//! crop equals the radius, border handling never reaches the averaged area, so
//! only interior pixels are filtered. Arithmetic is in f64.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Planes;
use crate::{Error, ErrorKind, Result};

const SIGMA: f64 = 1.5;
const RADIUS: usize = 5; // int(3.5 * 1.5 + 0.5)
const WIN: usize = 2 * RADIUS + 1;
const C1: f64 = (0.01 * 255.0) * (0.01 * 255.0);
const C2: f64 = (0.03 * 255.0) * (0.03 * 255.0);
/// Wang 2003 scale weights, finest to coarsest.
const MS_WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/// How SSIM treats colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SsimOptions {
    /// Compare luma only (BT.709 weights, as scikit-image's `rgb2gray`) instead
    /// of averaging the per-channel values.
    pub luma: bool,
}

fn kernel() -> [f64; WIN] {
    let mut k = [0.0; WIN];
    for (i, v) in k.iter_mut().enumerate() {
        let x = i as f64 - RADIUS as f64;
        *v = (-0.5 / (SIGMA * SIGMA) * x * x).exp();
    }
    let sum: f64 = k.iter().sum();
    k.map(|v| v / sum)
}

/// Mean SSIM and mean contrast-structure term of one channel.
fn stats(x: &[f64], y: &[f64], w: usize, h: usize) -> Result<(f64, f64)> {
    if w < WIN || h < WIN {
        return Err(Error::new(ErrorKind::InvalidArgument, "SSIM needs images of at least 11x11 pixels")
            .with_context("width", w)
            .with_context("height", h));
    }
    let k = kernel();
    let ow = w - 2 * RADIUS;
    // Horizontal pass over every row, interior columns only: five moments per pixel.
    let mut horiz = vec![[0.0f64; 5]; ow * h];
    horiz.par_chunks_mut(ow).enumerate().for_each(|(row, out)| {
        let (xr, yr) = (&x[row * w..(row + 1) * w], &y[row * w..(row + 1) * w]);
        for (j, o) in out.iter_mut().enumerate() {
            let mut m = [0.0; 5];
            for (t, &kt) in k.iter().enumerate() {
                let (a, b) = (xr[j + t], yr[j + t]);
                m[0] += kt * a;
                m[1] += kt * b;
                m[2] += kt * a * a;
                m[3] += kt * b * b;
                m[4] += kt * a * b;
            }
            *o = m;
        }
    });
    // Vertical pass on interior rows, reducing straight to sums of S and CS.
    let (s, cs) = (RADIUS..h - RADIUS)
        .into_par_iter()
        .map(|row| {
            let (mut s_sum, mut cs_sum) = (0.0, 0.0);
            for j in 0..ow {
                let mut m = [0.0; 5];
                for (t, &kt) in k.iter().enumerate() {
                    let src = &horiz[(row - RADIUS + t) * ow + j];
                    for q in 0..5 {
                        m[q] += kt * src[q];
                    }
                }
                let [ux, uy, uxx, uyy, uxy] = m;
                let (vx, vy, vxy) = (uxx - ux * ux, uyy - uy * uy, uxy - ux * uy);
                let cs = (2.0 * vxy + C2) / (vx + vy + C2);
                let l = (2.0 * ux * uy + C1) / (ux * ux + uy * uy + C1);
                s_sum += l * cs;
                cs_sum += cs;
            }
            (s_sum, cs_sum)
        })
        .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let n = (ow * (h - 2 * RADIUS)) as f64;
    Ok((s / n, cs / n))
}

/// The channels SSIM runs on: each plane, or one luma plane.
fn channels(p: &Planes, opts: &SsimOptions) -> Vec<Vec<f64>> {
    if opts.luma && p.data.len() >= 3 {
        let (r, g, b) = (&p.data[0], &p.data[1], &p.data[2]);
        vec![
            (0..r.len())
                .map(|i| 0.2125 * f64::from(r[i]) + 0.7154 * f64::from(g[i]) + 0.0721 * f64::from(b[i]))
                .collect(),
        ]
    } else {
        p.data.iter().map(|c| c.iter().map(|&v| f64::from(v)).collect()).collect()
    }
}

pub(crate) fn ssim(a: &Planes, b: &Planes, opts: &SsimOptions) -> Result<f64> {
    let (ca, cb) = (channels(a, opts), channels(b, opts));
    let mut total = 0.0;
    for (x, y) in ca.iter().zip(&cb) {
        total += stats(x, y, a.width, a.height)?.0;
    }
    Ok(total / ca.len() as f64)
}

/// MS-SSIM over up to 5 dyadic scales. Images too small for five scales use as
/// many as fit (the coarsest must be at least 11 px) with renormalised weights.
pub(crate) fn ms_ssim(a: &Planes, b: &Planes, opts: &SsimOptions) -> Result<f64> {
    let (ca, cb) = (channels(a, opts), channels(b, opts));
    let min_side = a.width.min(a.height);
    let mut levels = 0;
    while levels < MS_WEIGHTS.len() && min_side >> levels >= WIN {
        levels += 1;
    }
    if levels == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "MS-SSIM needs images of at least 11x11 pixels")
            .with_context("width", a.width)
            .with_context("height", a.height));
    }
    let weights = &MS_WEIGHTS[..levels];
    let wsum: f64 = weights.iter().sum();
    let n = ca.len() as f64;
    let mut total = 0.0;
    for (x, y) in ca.into_iter().zip(cb) {
        let (mut x, mut y, mut w, mut h) = (x, y, a.width, a.height);
        let mut value = 1.0;
        for (level, &weight) in weights.iter().enumerate() {
            let (s, cs) = stats(&x, &y, w, h)?;
            let term = if level + 1 == levels { s } else { cs };
            value *= term.max(0.0).powf(weight / wsum);
            if level + 1 < levels {
                (x, _, _) = downsample(&x, w, h);
                (y, w, h) = downsample(&y, w, h);
            }
        }
        total += value;
    }
    Ok(total / n)
}

/// 2x2 box average, dropping an odd last row/column.
fn downsample(p: &[f64], w: usize, h: usize) -> (Vec<f64>, usize, usize) {
    let (nw, nh) = (w / 2, h / 2);
    let mut out = Vec::with_capacity(nw * nh);
    for r in 0..nh {
        let (r0, r1) = (&p[2 * r * w..], &p[(2 * r + 1) * w..]);
        for c in 0..nw {
            out.push((r0[2 * c] + r0[2 * c + 1] + r1[2 * c] + r1[2 * c + 1]) * 0.25);
        }
    }
    (out, nw, nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize, f: impl Fn(usize, usize) -> f32) -> Planes {
        Planes::from_gray(w, h, (0..w * h).map(|i| f(i % w, i / w)).collect())
    }

    /// `scipy.ndimage._filters._gaussian_kernel1d(1.5, 0, 5)[5]`
    const KERNEL_CENTRE_SCIPY: f64 = 0.266_011_724_861_794_36;

    #[test]
    fn kernel_matches_scipy() {
        let k = kernel();
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // scipy.ndimage._gaussian_kernel1d(1.5, 0, 5)[5]
        assert!((k[RADIUS] - KERNEL_CENTRE_SCIPY).abs() < 1e-15, "{}", k[RADIUS]);
    }

    #[test]
    fn constant_shift_only_hurts_luminance() {
        let a = ramp(40, 30, |x, y| ((x * 5 + y * 3) % 200) as f32);
        let b = ramp(40, 30, |x, y| ((x * 5 + y * 3) % 200) as f32 + 20.0);
        let s = ssim(&a, &b, &SsimOptions::default()).unwrap();
        assert!(s < 1.0 && s > 0.9, "{s}");
        let (_, cs) =
            stats(&channels(&a, &SsimOptions::default())[0], &channels(&b, &SsimOptions::default())[0], 40, 30)
                .unwrap();
        assert!((cs - 1.0).abs() < 1e-9, "contrast-structure unchanged: {cs}");
    }

    #[test]
    fn small_images_are_rejected_not_panicking() {
        let a = ramp(10, 40, |x, _| x as f32);
        assert_eq!(ssim(&a, &a, &SsimOptions::default()).unwrap_err().kind(), ErrorKind::InvalidArgument);
        let b = ramp(30, 30, |x, y| (x ^ y) as f32);
        let v = ms_ssim(&b, &b, &SsimOptions::default()).unwrap();
        assert!((v - 1.0).abs() < 1e-12, "two scales fit a 30px image: {v}");
    }
}
