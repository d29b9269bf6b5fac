//! SSIM (Wang et al. 2004) and MS-SSIM (Wang, Simoncelli, Bovik 2003).
//!
//! SSIM reproduces scikit-image's `structural_similarity(gaussian_weights=True,
//! sigma=1.5, use_sample_covariance=False, data_range=255)`: an 11-tap Gaussian
//! window (truncate 3.5), K1 = 0.01, K2 = 0.03, mean over the image cropped by
//! the window radius, and for colour the mean of per-channel values. Because the
//! crop equals the radius, border handling never reaches the averaged area, so
//! only interior pixels are filtered.
//!
//! Speed: the five local moments are filtered vertically, then horizontally, one
//! output row at a time into row-sized buffers that stay in cache, using the
//! window's symmetry (six multiplies for eleven taps); bands of rows run in
//! parallel, and on x86-64 the loops are compiled a second time for AVX2.
//! The filtering is in f32 (twice the lanes of f64 and half the cache) on samples
//! centred on 128: a variance is E[x²] − E[x]², and centred, both terms stay below
//! 128² instead of 255², so f32 keeps them to ~1e-3 absolute against a C2 of 58.5.
//! Row sums are f64. The mean agrees with scikit-image's all-f64 result to ~1e-7.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Planes;
use crate::{Error, ErrorKind, Result};

const SIGMA: f64 = 1.5;
const RADIUS: usize = 5; // int(3.5 * 1.5 + 0.5)
const WIN: usize = 2 * RADIUS + 1;
const C1: f32 = (0.01 * 255.0) * (0.01 * 255.0);
const C2: f32 = (0.03 * 255.0) * (0.03 * 255.0);
/// Subtracted from every sample before filtering (see the module docs).
const CENTRE: f32 = 128.0;
/// Wang 2003 scale weights, finest to coarsest.
const MS_WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
/// Output rows per parallel task: enough to amortise its buffers, few enough to balance.
const BAND_ROWS: usize = 16;

/// How SSIM treats colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SsimOptions {
    /// Compare luma only (BT.709 weights, as scikit-image's `rgb2gray`) instead
    /// of averaging the per-channel values.
    pub luma: bool,
}

/// The normalised Gaussian window, computed in f64 as scipy's.
fn kernel64() -> [f64; WIN] {
    let mut k = [0.0; WIN];
    for (i, v) in k.iter_mut().enumerate() {
        let x = i as f64 - RADIUS as f64;
        *v = (-0.5 / (SIGMA * SIGMA) * x * x).exp();
    }
    let sum: f64 = k.iter().sum();
    k.map(|v| v / sum)
}

fn kernel() -> [f32; WIN] {
    kernel64().map(|v| v as f32)
}

/// A float plane's sample type: 8-bit-range planes are f32, luma and pyramids f64.
trait Sample: Copy + Send + Sync {
    /// The sample minus [`CENTRE`], as the f32 the filters run on.
    fn centred(self) -> f32;
}
impl Sample for f32 {
    #[inline(always)]
    fn centred(self) -> f32 {
        self - CENTRE
    }
}
impl Sample for f64 {
    #[inline(always)]
    fn centred(self) -> f32 {
        (self - f64::from(CENTRE)) as f32
    }
}

/// What SSIM reads a comparison's two sides from.
pub(crate) enum Input<'a> {
    /// Float planes: alpha premultiplied, or samples wider than 8 bits.
    Planes(&'a Planes),
    /// Interleaved 8-bit gray (`channels` 1) or RGB (3), read in place: no 36 MB plane copies
    /// (and their page faults) per 12 MP side. `planes` is how many channels are compared:
    /// 3 when either side has colour, and gray then feeds each.
    Bytes { raw: &'a [u8], channels: usize, planes: usize, width: usize, height: usize },
}

impl Input<'_> {
    fn size(&self) -> (usize, usize) {
        match self {
            Input::Planes(p) => (p.width, p.height),
            Input::Bytes { width, height, .. } => (*width, *height),
        }
    }

    fn planes(&self) -> usize {
        match self {
            Input::Planes(p) => p.data.len(),
            Input::Bytes { planes, .. } => *planes,
        }
    }
}

/// One channel, read a row at a time as centred f32 samples.
trait Rows: Sync {
    fn read(&self, row: usize, out: &mut [f32]);
}

/// A row-major plane of `width` samples per row.
struct Plane<'a, T> {
    data: &'a [T],
    width: usize,
}

impl<T: Sample> Rows for Plane<'_, T> {
    #[inline(always)]
    fn read(&self, row: usize, out: &mut [f32]) {
        for (o, &v) in out.iter_mut().zip(&self.data[row * self.width..][..self.width]) {
            *o = v.centred();
        }
    }
}

/// Channel `offset` of interleaved 8-bit pixels of `channels` samples.
struct Interleaved<'a> {
    raw: &'a [u8],
    channels: usize,
    offset: usize,
    width: usize,
}

impl Rows for Interleaved<'_> {
    #[inline(always)]
    fn read(&self, row: usize, out: &mut [f32]) {
        let (c, w) = (self.channels, self.width);
        let line = &self.raw[row * w * c..][..w * c];
        // Constant strides for the layouts that occur, so the gathers compile to shuffles.
        match c {
            1 => out.iter_mut().zip(line).for_each(|(o, &v)| *o = f32::from(v) - CENTRE),
            3 => out.iter_mut().zip(line.chunks_exact(3)).for_each(|(o, p)| *o = f32::from(p[self.offset]) - CENTRE),
            _ => out.iter_mut().zip(line.chunks_exact(c)).for_each(|(o, p)| *o = f32::from(p[self.offset]) - CENTRE),
        }
    }
}

/// Mean SSIM and mean contrast-structure term of one channel.
fn stats<X: Rows, Y: Rows>(x: &X, y: &Y, w: usize, h: usize) -> Result<(f64, f64)> {
    if w < WIN || h < WIN {
        return Err(Error::new(ErrorKind::InvalidArgument, "SSIM needs images of at least 11x11 pixels")
            .with_context("width", w)
            .with_context("height", h));
    }
    let k = kernel();
    let rows: Vec<usize> = (RADIUS..h - RADIUS).step_by(BAND_ROWS).collect();
    let (s, cs) = rows
        .into_par_iter()
        .map(|first| band(x, y, w, first..(first + BAND_ROWS).min(h - RADIUS), &k))
        .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let n = ((w - 2 * RADIUS) * (h - 2 * RADIUS)) as f64;
    Ok((s / n, cs / n))
}

/// Sums of SSIM and CS over the interior pixels of output rows `rows`.
fn band<X: Rows, Y: Rows>(x: &X, y: &Y, w: usize, rows: std::ops::Range<usize>, k: &[f32; WIN]) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { band_avx2(x, y, w, rows, k) };
    }
    band_portable(x, y, w, rows, k)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn band_avx2<X: Rows, Y: Rows>(x: &X, y: &Y, w: usize, rows: std::ops::Range<usize>, k: &[f32; WIN]) -> (f64, f64) {
    band_portable(x, y, w, rows, k)
}

/// The five local moments of a row: means of x, y, x², y² and xy (of centred samples).
struct Moments {
    m: [Vec<f32>; 5],
}

impl Moments {
    fn new(len: usize) -> Self {
        Moments { m: std::array::from_fn(|_| vec![0.0; len]) }
    }
}

/// The last [`WIN`] input rows of one channel, row `r` in slot `r % WIN`.
struct Ring {
    data: Vec<f32>,
    width: usize,
}

impl Ring {
    fn new(width: usize) -> Self {
        Ring { data: vec![0.0; WIN * width], width }
    }

    #[inline(always)]
    fn load(&mut self, src: &impl Rows, row: usize) {
        src.read(row, &mut self.data[(row % WIN) * self.width..][..self.width]);
    }

    #[inline(always)]
    fn row(&self, row: usize) -> &[f32] {
        &self.data[(row % WIN) * self.width..][..self.width]
    }
}

// Indexing equal-length slices by one counter is what lets LLVM vectorise these loops.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn band_portable<X: Rows, Y: Rows>(x: &X, y: &Y, w: usize, rows: std::ops::Range<usize>, k: &[f32; WIN]) -> (f64, f64) {
    let ow = w - 2 * RADIUS;
    let (mut rx, mut ry) = (Ring::new(w), Ring::new(w));
    for r in rows.start - RADIUS..rows.start + RADIUS {
        rx.load(x, r);
        ry.load(y, r);
    }
    let mut vert = Moments::new(w);
    let mut horiz = Moments::new(ow);
    let mut s_row = vec![0.0f32; ow];
    let mut cs_row = vec![0.0f32; ow];
    let (mut s_sum, mut cs_sum) = (0.0, 0.0);
    for row in rows {
        rx.load(x, row + RADIUS);
        ry.load(y, row + RADIUS);
        vertical(&rx, &ry, w, row, k, &mut vert);
        for (src, dst) in vert.m.iter().zip(horiz.m.iter_mut()) {
            horizontal(src, dst, k);
        }
        let [ux, uy, uxx, uyy, uxy] = &horiz.m;
        let (ux, uy, uxx, uyy, uxy) = (&ux[..ow], &uy[..ow], &uxx[..ow], &uyy[..ow], &uxy[..ow]);
        let (s_row, cs_row) = (&mut s_row[..ow], &mut cs_row[..ow]);
        for j in 0..ow {
            let (mx, my) = (ux[j], uy[j]);
            // Variances and covariance are the same for centred samples; the means are not.
            let (vx, vy, vxy) = (uxx[j] - mx * mx, uyy[j] - my * my, uxy[j] - mx * my);
            let cs = (2.0 * vxy + C2) / (vx + vy + C2);
            let (mx, my) = (mx + CENTRE, my + CENTRE);
            let l = (2.0 * mx * my + C1) / (mx * mx + my * my + C1);
            s_row[j] = l * cs;
            cs_row[j] = cs;
        }
        s_sum += sum(s_row);
        cs_sum += sum(cs_row);
    }
    (s_sum, cs_sum)
}

/// Vertical pass for output row `row`: the window's rows weighted into `out` (full width).
// Indexing equal-length slices by one counter is what lets LLVM vectorise these loops.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn vertical(x: &Ring, y: &Ring, w: usize, row: usize, k: &[f32; WIN], out: &mut Moments) {
    let [o0, o1, o2, o3, o4] = &mut out.m;
    let (o0, o1, o2, o3, o4) = (&mut o0[..w], &mut o1[..w], &mut o2[..w], &mut o3[..w], &mut o4[..w]);
    let (xc, yc) = (&x.row(row)[..w], &y.row(row)[..w]);
    let kc = k[RADIUS];
    for j in 0..w {
        let (a, b) = (xc[j], yc[j]);
        o0[j] = kc * a;
        o1[j] = kc * b;
        o2[j] = kc * (a * a);
        o3[j] = kc * (b * b);
        o4[j] = kc * (a * b);
    }
    for (t, &kt) in k.iter().enumerate().take(RADIUS) {
        let (above, below) = (row - RADIUS + t, row + RADIUS - t);
        let (x1, x2, y1, y2) = (&x.row(above)[..w], &x.row(below)[..w], &y.row(above)[..w], &y.row(below)[..w]);
        for j in 0..w {
            let (a1, a2, b1, b2) = (x1[j], x2[j], y1[j], y2[j]);
            o0[j] += kt * (a1 + a2);
            o1[j] += kt * (b1 + b2);
            o2[j] += kt * (a1 * a1 + a2 * a2);
            o3[j] += kt * (b1 * b1 + b2 * b2);
            o4[j] += kt * (a1 * b1 + a2 * b2);
        }
    }
}

/// Horizontal pass: `dst[j]` is the window centred on `src[j + RADIUS]`.
// Indexing equal-length slices by one counter is what lets LLVM vectorise these loops.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn horizontal(src: &[f32], dst: &mut [f32], k: &[f32; WIN]) {
    let ow = dst.len();
    let centre = &src[RADIUS..][..ow];
    for j in 0..ow {
        dst[j] = k[RADIUS] * centre[j];
    }
    for (t, &kt) in k.iter().enumerate().take(RADIUS) {
        let (left, right) = (&src[t..][..ow], &src[WIN - 1 - t..][..ow]);
        for j in 0..ow {
            dst[j] += kt * (left[j] + right[j]);
        }
    }
}

/// Sum in f64, four lanes (vectorisable; the order differs from a plain fold only in rounding).
// Indexing equal-length slices by one counter is what lets LLVM vectorise these loops.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn sum(v: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let chunks = v.chunks_exact(4);
    let tail: f64 = chunks.remainder().iter().map(|&x| f64::from(x)).sum();
    for c in chunks {
        for i in 0..4 {
            lanes[i] += f64::from(c[i]);
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// One luma plane (BT.709 weights, as scikit-image's `rgb2gray`) in f64; gray feeds r, g and b.
fn luma(input: &Input<'_>) -> Vec<f64> {
    let y = |r: f64, g: f64, b: f64| 0.2125 * r + 0.7154 * g + 0.0721 * b;
    match input {
        Input::Planes(p) => {
            let (r, g, b) = (&p.data[0], &p.data[1], &p.data[2]);
            r.iter().zip(g).zip(b).map(|((&r, &g), &b)| y(r.into(), g.into(), b.into())).collect()
        }
        Input::Bytes { raw, channels, .. } => raw
            .chunks_exact(*channels)
            .map(|p| {
                let (r, g, b) = if *channels >= 3 { (p[0], p[1], p[2]) } else { (p[0], p[0], p[0]) };
                y(r.into(), g.into(), b.into())
            })
            .collect(),
    }
}

/// Apply `f` to each channel pair SSIM runs on (every plane, or one luma plane) and
/// average the results.
fn per_channel(
    a: &Input<'_>,
    b: &Input<'_>,
    opts: &SsimOptions,
    f: impl Fn(&dyn Channel) -> Result<f64>,
) -> Result<f64> {
    let (w, _) = a.size();
    let n = a.planes();
    if opts.luma && n >= 3 {
        let (x, y) = (luma(a), luma(b));
        return f(&(Plane { data: &x, width: w }, Plane { data: &y, width: w }));
    }
    let mut total = 0.0;
    for c in 0..n {
        total += match (a, b) {
            (Input::Planes(pa), Input::Planes(pb)) => {
                f(&(Plane { data: &pa.data[c], width: w }, Plane { data: &pb.data[c], width: w }))?
            }
            (Input::Bytes { raw: ra, channels: ca, .. }, Input::Bytes { raw: rb, channels: cb, .. }) => {
                let side = |raw, channels: usize| Interleaved {
                    raw,
                    channels,
                    offset: if channels >= 3 { c } else { 0 },
                    width: w,
                };
                f(&(side(ra, *ca), side(rb, *cb)))?
            }
            _ => unreachable!("both sides of a comparison are read the same way"),
        };
    }
    Ok(total / n as f64)
}

/// A pair of channels of any reader types, so `per_channel` needs no copies.
trait Channel {
    fn stats(&self, w: usize, h: usize) -> Result<(f64, f64)>;
    fn ms_ssim(&self, w: usize, h: usize, weights: &[f64]) -> Result<f64>;
}

impl<X: Rows, Y: Rows> Channel for (X, Y) {
    fn stats(&self, w: usize, h: usize) -> Result<(f64, f64)> {
        stats(&self.0, &self.1, w, h)
    }
    fn ms_ssim(&self, w: usize, h: usize, weights: &[f64]) -> Result<f64> {
        ms_ssim_channel(&self.0, &self.1, w, h, weights)
    }
}

pub(crate) fn ssim(a: &Input<'_>, b: &Input<'_>, opts: &SsimOptions) -> Result<f64> {
    let (w, h) = a.size();
    per_channel(a, b, opts, |c| Ok(c.stats(w, h)?.0))
}

/// MS-SSIM over up to 5 dyadic scales. Images too small for five scales use as
/// many as fit (the coarsest must be at least 11 px) with renormalised weights.
pub(crate) fn ms_ssim(a: &Input<'_>, b: &Input<'_>, opts: &SsimOptions) -> Result<f64> {
    let (w, h) = a.size();
    let min_side = w.min(h);
    let mut levels = 0;
    while levels < MS_WEIGHTS.len() && min_side >> levels >= WIN {
        levels += 1;
    }
    if levels == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "MS-SSIM needs images of at least 11x11 pixels")
            .with_context("width", w)
            .with_context("height", h));
    }
    per_channel(a, b, opts, |c| c.ms_ssim(w, h, &MS_WEIGHTS[..levels]))
}

/// MS-SSIM of one channel: contrast-structure at every scale but the coarsest, SSIM there.
fn ms_ssim_channel<X: Rows, Y: Rows>(x: &X, y: &Y, w: usize, h: usize, weights: &[f64]) -> Result<f64> {
    let wsum: f64 = weights.iter().sum();
    let last = weights.len() - 1;
    let term = |level: usize, (s, cs): (f64, f64)| {
        let v: f64 = if level == last { s } else { cs };
        v.max(0.0).powf(weights[level] / wsum)
    };
    let mut value = term(0, stats(x, y, w, h)?);
    if last == 0 {
        return Ok(value);
    }
    let (mut x, mut y, mut w, mut h) = (downsample(x, w, h), downsample(y, w, h), w / 2, h / 2);
    for level in 1..=last {
        let (px, py) = (Plane { data: &x, width: w }, Plane { data: &y, width: w });
        value *= term(level, stats(&px, &py, w, h)?);
        if level < last {
            (x, y) = (downsample(&px, w, h), downsample(&py, w, h));
            (w, h) = (w / 2, h / 2);
        }
    }
    Ok(value)
}

/// 2x2 box average, dropping an odd last row/column.
fn downsample(p: &impl Rows, w: usize, h: usize) -> Vec<f64> {
    let (nw, nh) = (w / 2, h / 2);
    let (mut r0, mut r1) = (vec![0.0f32; w], vec![0.0f32; w]);
    let mut out = Vec::with_capacity(nw * nh);
    for r in 0..nh {
        p.read(2 * r, &mut r0);
        p.read(2 * r + 1, &mut r1);
        for c in 0..nw {
            let s = f64::from(r0[2 * c]) + f64::from(r0[2 * c + 1]) + f64::from(r1[2 * c]) + f64::from(r1[2 * c + 1]);
            out.push(s * 0.25 + f64::from(CENTRE));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize, f: impl Fn(usize, usize) -> f32) -> Planes {
        Planes::from_gray(w, h, (0..w * h).map(|i| f(i % w, i / w)).collect())
    }

    fn plane(data: &[f32], width: usize) -> Plane<'_, f32> {
        Plane { data, width }
    }

    /// `scipy.ndimage._filters._gaussian_kernel1d(1.5, 0, 5)[5]`
    const KERNEL_CENTRE_SCIPY: f64 = 0.266_011_724_861_794_36;

    #[test]
    fn kernel_matches_scipy() {
        let k = kernel64();
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // scipy.ndimage._gaussian_kernel1d(1.5, 0, 5)[5]
        assert!((k[RADIUS] - KERNEL_CENTRE_SCIPY).abs() < 1e-15, "{}", k[RADIUS]);
    }

    #[test]
    fn constant_shift_only_hurts_luminance() {
        let a = ramp(40, 30, |x, y| ((x * 5 + y * 3) % 200) as f32);
        let b = ramp(40, 30, |x, y| ((x * 5 + y * 3) % 200) as f32 + 20.0);
        let s = ssim(&Input::Planes(&a), &Input::Planes(&b), &SsimOptions::default()).unwrap();
        assert!(s < 1.0 && s > 0.9, "{s}");
        let (_, cs) = stats(&plane(&a.data[0], 40), &plane(&b.data[0], 40), 40, 30).unwrap();
        // Up to f32 rounding (module docs): the shifted samples round differently.
        assert!((cs - 1.0).abs() < 1e-7, "contrast-structure unchanged: {cs}");
    }

    #[test]
    fn small_images_are_rejected_not_panicking() {
        let a = ramp(10, 40, |x, _| x as f32);
        let a = Input::Planes(&a);
        assert_eq!(ssim(&a, &a, &SsimOptions::default()).unwrap_err().kind(), ErrorKind::InvalidArgument);
        let b = ramp(30, 30, |x, y| (x ^ y) as f32);
        let v = ms_ssim(&Input::Planes(&b), &Input::Planes(&b), &SsimOptions::default()).unwrap();
        assert!((v - 1.0).abs() < 1e-12, "two scales fit a 30px image: {v}");
    }

    /// The textbook definition, one 11x11 window per pixel, for checking the separable kernel.
    fn naive_stats(x: &[f32], y: &[f32], w: usize, h: usize) -> (f64, f64) {
        let k = kernel64();
        let (mut s, mut c) = (0.0, 0.0);
        for r in RADIUS..h - RADIUS {
            for j in RADIUS..w - RADIUS {
                let mut m = [0.0; 5];
                for (dy, ky) in k.iter().enumerate() {
                    for (dx, kx) in k.iter().enumerate() {
                        let i = (r + dy - RADIUS) * w + j + dx - RADIUS;
                        let (a, b) = (f64::from(x[i]), f64::from(y[i]));
                        let wt = ky * kx;
                        m[0] += wt * a;
                        m[1] += wt * b;
                        m[2] += wt * a * a;
                        m[3] += wt * b * b;
                        m[4] += wt * a * b;
                    }
                }
                let [ux, uy, uxx, uyy, uxy] = m;
                let (c1, c2) = (f64::from(C1), f64::from(C2));
                let cs = (2.0 * (uxy - ux * uy) + c2) / (uxx - ux * ux + uyy - uy * uy + c2);
                s += (2.0 * ux * uy + c1) / (ux * ux + uy * uy + c1) * cs;
                c += cs;
            }
        }
        let n = ((w - 2 * RADIUS) * (h - 2 * RADIUS)) as f64;
        (s / n, c / n)
    }

    #[test]
    fn separable_bands_match_the_direct_window() {
        // Sizes around the band height and the vector width, including the 11 px minimum.
        for (w, h) in [(11, 11), (12, 27), (37, 16 + 2 * RADIUS), (53, 16 * 3 + 2 * RADIUS + 1), (64, 48)] {
            let noise = |seed: usize| -> Vec<f32> {
                (0..w * h).map(|i| ((i * 2_654_435_761 + seed * 40_503) % 251) as f32).collect()
            };
            let (x, y) = (noise(1), noise(7));
            let y: Vec<f32> = x.iter().zip(&y).map(|(a, b)| (a * 0.8 + b * 0.2).round()).collect();
            let (s, cs) = stats(&plane(&x, w), &plane(&y, w), w, h).unwrap();
            let (ns, ncs) = naive_stats(&x, &y, w, h);
            // f32 filtering (module docs) against this all-f64 reference.
            assert!((s - ns).abs() < 1e-6 && (cs - ncs).abs() < 1e-6, "{w}x{h}: {s} {cs} vs {ns} {ncs}");
            assert!(s < 0.99, "{w}x{h}: the pair differs, so must the score: {s}");
        }
    }

    /// Reading 8-bit pixels in place gives exactly what their f32 planes give, for RGB,
    /// gray, gray against RGB (gray feeds every plane), luma, and MS-SSIM's pyramid.
    #[test]
    fn bytes_in_place_equal_planes() {
        let (w, h) = (45, 37);
        let rgb =
            |seed: usize| -> Vec<u8> { (0..w * h * 3).map(|i| ((i * 2_654_435_761 + seed) % 256) as u8).collect() };
        let to_planes = |raw: &[u8], c: usize, n: usize| Planes {
            width: w,
            height: h,
            data: (0..n)
                .map(|p| raw.chunks_exact(c).map(|px| f32::from(px[if c >= 3 { p } else { 0 }])).collect())
                .collect(),
        };
        let (a3, b3) = (rgb(1), rgb(2));
        let a1: Vec<u8> = a3.chunks_exact(3).map(|p| p[1]).collect();
        fn bytes(raw: &[u8], channels: usize, planes: usize, (width, height): (usize, usize)) -> Input<'_> {
            Input::Bytes { raw, channels, planes, width, height }
        }
        for (ra, ca, rb, cb, n) in [(&a3, 3, &b3, 3, 3), (&a1, 1, &b3, 3, 3), (&a1, 1, &a1, 1, 1)] {
            let (pa, pb) = (to_planes(ra, ca, n), to_planes(rb, cb, n));
            for luma in [false, true] {
                let o = SsimOptions { luma };
                let (x, y) = (bytes(ra, ca, n, (w, h)), bytes(rb, cb, n, (w, h)));
                let (px, py) = (Input::Planes(&pa), Input::Planes(&pb));
                assert_eq!(ssim(&x, &y, &o).unwrap(), ssim(&px, &py, &o).unwrap(), "{ca} vs {cb}, luma {luma}");
                assert_eq!(ms_ssim(&x, &y, &o).unwrap(), ms_ssim(&px, &py, &o).unwrap(), "{ca} vs {cb}, luma {luma}");
            }
        }
    }
}
