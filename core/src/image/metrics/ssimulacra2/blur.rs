//! The recursive Gaussian (σ = 1.5) SSIMULACRA2 filters with: libjxl's
//! three-pole IIR approximation (Charalampidis, "Recursive implementation of the
//! Gaussian filter using truncated cosine functions", 2016), zero outside the
//! image, as the reference implementation does.
//!
//! The arithmetic follows the reference operation by operation, `mul_add` where
//! it fuses: the SSIM terms subtract blurred squares from squared blurs, and
//! that cancellation turns a last-bit difference here into a visible one in the
//! score. `mul_add` is a libm call on x86-64 without FMA, so the two kernels are
//! compiled for FMA too and `with_fma!` chooses at run time (same results: both
//! round once).
//!
//! Rows are filtered in parallel. Columns are filtered in blocks of [`BLOCK`]
//! adjacent columns (one vector step per row) and each block is returned as its
//! own `height × block width` buffer, so blocks run in parallel without sharing
//! an output; [`Blurred`] indexes them.

use std::f64::consts::PI;
use std::sync::LazyLock;

use rayon::prelude::*;

/// Columns per vertical-pass block: 32 floats are four AVX registers per row.
pub(super) const BLOCK: usize = 32;

pub(super) struct Kernel {
    radius: usize,
    /// Per pole: input weight, and the previous output's weight (`out = n·in − d·prev − prev2`).
    n: [f32; 3],
    d: [f32; 3],
}

static KERNEL: LazyLock<Kernel> = LazyLock::new(|| Kernel::new(1.5));

impl Kernel {
    fn new(sigma: f64) -> Kernel {
        let radius = 3.2795f64.mul_add(sigma, 0.2546).round();
        let omega = [1.0, 3.0, 5.0].map(|k| k * PI / (2.0 * radius));
        let p = [1.0 / (0.5 * omega[0]).tan(), -1.0 / (0.5 * omega[1]).tan(), 1.0 / (0.5 * omega[2]).tan()];
        let r = [p[0] * p[0] / omega[0].sin(), -p[1] * p[1] / omega[1].sin(), p[2] * p[2] / omega[2].sin()];
        let rho = omega.map(|w| (-0.5 * sigma * sigma * w * w).exp() / radius);
        let d13 = p[0].mul_add(r[1], -r[0] * p[1]);
        let d35 = p[1].mul_add(r[2], -r[1] * p[2]);
        let d51 = p[2].mul_add(r[0], -r[2] * p[0]);
        let (zeta15, zeta35) = (d35 / d13, d51 / d13);
        // Solve A·β = γ (Cramer's rule) for the three poles' gains.
        let a = [p, r, [zeta15, zeta35, 1.0]];
        let gamma = [1.0, radius.mul_add(radius, -sigma * sigma), zeta15.mul_add(rho[0], zeta35 * rho[1]) + rho[2]];
        let det = |m: [[f64; 3]; 3]| {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        };
        let det_a = det(a);
        let beta: [f64; 3] = std::array::from_fn(|col| {
            let mut m = a;
            for (row, g) in m.iter_mut().zip(gamma) {
                row[col] = g;
            }
            det(m) / det_a
        });
        let n = std::array::from_fn(|i| (-beta[i] * (omega[i] * (radius + 1.0)).cos()) as f32);
        let d = omega.map(|w| (-2.0 * w.cos()) as f32);
        Kernel { radius: radius as usize, n, d }
    }
}

/// One row: `input(i)` for i in 0..width, written to `out`. `with_fma!` picks its build.
#[inline(always)]
pub(super) fn row(kernel: &Kernel, width: usize, input: impl Fn(usize) -> f32, out: &mut [f32]) {
    let big_n = kernel.radius as isize;
    let at = |i: isize| if (0..width as isize).contains(&i) { input(i as usize) } else { 0.0 };
    let (mut prev, mut prev2) = ([0f32; 3], [0f32; 3]);
    for n in (1 - big_n)..width as isize {
        let sum = at(n - big_n - 1) + at(n + big_n - 1);
        let mut total = 0.0;
        for k in 0..3 {
            // The reference's operation order, fused where it fuses.
            let o = (-kernel.d[k]).mul_add(prev[k], sum * kernel.n[k] - prev2[k]);
            prev2[k] = prev[k];
            prev[k] = o;
            total += o;
        }
        if n >= 0 {
            out[n as usize] = total;
        }
    }
}

/// Columns `x0..x0 + bw` of the row-major `input`, into a `height × bw` block.
#[inline(always)]
pub(super) fn columns(kernel: &Kernel, input: &[f32], width: usize, height: usize, x0: usize, bw: usize) -> Vec<f32> {
    let big_n = kernel.radius as isize;
    let zeros = [0f32; BLOCK];
    let row = |y: isize| {
        if (0..height as isize).contains(&y) { &input[y as usize * width + x0..][..bw] } else { &zeros[..bw] }
    };
    let mut out = vec![0f32; height * bw];
    let (mut prev, mut prev2) = ([[0f32; BLOCK]; 3], [[0f32; BLOCK]; 3]);
    for n in (1 - big_n)..height as isize {
        let (top, bottom) = (row(n - big_n - 1), row(n + big_n - 1));
        let mut total = [0f32; BLOCK];
        for k in 0..3 {
            let (nk, dk) = (kernel.n[k], kernel.d[k]);
            for i in 0..bw {
                let o = (top[i] + bottom[i]).mul_add(nk, -prev[k][i].mul_add(dk, prev2[k][i]));
                prev2[k][i] = prev[k][i];
                prev[k][i] = o;
                total[i] += o;
            }
        }
        if n >= 0 {
            out[n as usize * bw..][..bw].copy_from_slice(&total[..bw]);
        }
    }
    out
}

/// A blurred plane, stored as column blocks (see the module doc).
pub(super) struct Blurred {
    pub blocks: Vec<Vec<f32>>,
}

/// Blur the `width × height` plane whose pixel `i` (row-major) is `input(row, i)`,
/// where `row` is the row's offset: a plane, or a product of two computed on the fly.
pub(super) fn blur(width: usize, height: usize, input: impl Fn(usize, usize) -> f32 + Sync) -> Blurred {
    let k = &*KERNEL;
    let mut rows = vec![0f32; width * height];
    rows.par_chunks_mut(width).enumerate().for_each(|(y, out)| {
        let offset = y * width;
        with_fma!(row(k, width, |i| input(offset, i), out));
    });
    let blocks = (0..width.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let x0 = b * BLOCK;
            with_fma!(columns(k, &rows, width, height, x0, BLOCK.min(width - x0)))
        })
        .collect();
    Blurred { blocks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_matches_libjxl() {
        // The constants libjxl's CreateRecursiveGaussian(1.5) derives (as the ssimulacra2 crate prints them).
        let k = Kernel::new(1.5);
        assert_eq!(k.radius, 5);
        for (got, want) in k.n.iter().zip([0.055_295_236, -0.058_836_687, 0.012_955_819]) {
            assert!((got - want).abs() < 1e-7, "n {got} vs {want}");
        }
        for (got, want) in k.d.iter().zip([-1.902_113_1, -1.175_570_5, 0.0]) {
            assert!((got - want).abs() < 1e-6, "d {got} vs {want}");
        }
    }

    #[test]
    fn a_constant_plane_stays_constant_inside_and_sums_are_preserved() {
        let (w, h) = (70, 50);
        let b = blur(w, h, |_, _| 1.0);
        // Far from the zero-padded border the Gaussian of a constant is the constant.
        let block = &b.blocks[0];
        let bw = BLOCK;
        assert!((block[25 * bw + 20] - 1.0).abs() < 1e-3, "{}", block[25 * bw + 20]);
        // An impulse spreads symmetrically and keeps (almost) all its mass.
        let imp = blur(w, h, |o, i| if o + i == 25 * w + 40 { 1.0 } else { 0.0 });
        let at = |x: usize, y: usize| imp.blocks[x / BLOCK][y * BLOCK.min(w - x / BLOCK * BLOCK) + x % BLOCK];
        let total: f32 = (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).map(|(x, y)| at(x, y)).sum();
        assert!((total - 1.0).abs() < 1e-3, "{total}");
        assert!((at(38, 25) - at(42, 25)).abs() < 1e-6 && (at(40, 23) - at(40, 27)).abs() < 1e-6);
        assert!(at(40, 25) > at(41, 25) && at(41, 25) > at(43, 25));
    }
}
