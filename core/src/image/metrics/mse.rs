//! Mean squared error and PSNR, per channel and combined.

use super::Planes;

pub(crate) struct Mse {
    pub combined: f64,
    pub channels: Vec<f64>,
}

pub(crate) fn mse(a: &Planes, b: &Planes) -> Mse {
    let channels: Vec<f64> = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| {
            let sum: f64 = x.iter().zip(y).map(|(&p, &q)| f64::from(p - q).powi(2)).sum();
            sum / x.len().max(1) as f64
        })
        .collect();
    let combined = channels.iter().sum::<f64>() / channels.len().max(1) as f64;
    Mse { combined, channels }
}

/// PSNR in dB for 8-bit data range; infinite for identical images.
pub(crate) fn psnr(mse: f64) -> f64 {
    if mse == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64 * 255.0 / mse).log10() }
}
