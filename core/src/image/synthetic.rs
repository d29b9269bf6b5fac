//! Deterministic, photo-like test images for tests, benchmarks and demos.
//!
//! Real photos have smooth gradients (sky), multi-scale texture (foliage),
//! hard edges (objects) and sensor grain; codecs and metrics behave
//! differently on each, so the generator mixes all four. Same seed, same pixels,
//! on every platform.

use ::image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};
use rayon::prelude::*;

fn hash(mut x: u64) -> u64 {
    // splitmix64 finaliser
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn unit(seed: u64, a: i64, b: i64) -> f32 {
    (hash(seed ^ (a as u64).wrapping_mul(0x1_0000_0001) ^ (b as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93)) >> 40) as f32
        / (1u64 << 24) as f32
}

/// Smooth value noise in 0..1 with cell size `cell` pixels.
fn value_noise(seed: u64, x: f32, y: f32, cell: f32) -> f32 {
    let (fx, fy) = (x / cell, y / cell);
    let (ix, iy) = (fx.floor() as i64, fy.floor() as i64);
    let (tx, ty) = (fx - ix as f32, fy - iy as f32);
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (s(tx), s(ty));
    let v00 = unit(seed, ix, iy);
    let v10 = unit(seed, ix + 1, iy);
    let v01 = unit(seed, ix, iy + 1);
    let v11 = unit(seed, ix + 1, iy + 1);
    let top = v00 + (v10 - v00) * sx;
    let bottom = v01 + (v11 - v01) * sx;
    top + (bottom - top) * sy
}

/// A `width`×`height` RGB image that compresses and scores like a photo.
pub fn synthetic_photo(width: u32, height: u32, seed: u64) -> DynamicImage {
    let (w, h) = (width as usize, height as usize);
    let scale = (width.max(height) as f32 / 512.0).max(1.0 / 8.0);
    let mut buf = vec![0u8; w * h * 3];
    // A few discs with hard edges; positions relative so every size looks alike.
    let discs: Vec<(f32, f32, f32, [f32; 3])> = (0..6)
        .map(|i| {
            let u = |k| unit(seed, i, k);
            let r = (0.04 + 0.12 * u(3)) * width.min(height) as f32;
            (u(1) * width as f32, u(2) * height as f32, r, [u(4) * 255.0, u(5) * 255.0, u(6) * 255.0])
        })
        .collect();
    buf.par_chunks_mut(w * 3).enumerate().for_each(|(y, row)| {
        let fy = y as f32;
        for x in 0..w {
            let fx = x as f32;
            let t = fy / h as f32;
            // Sky gradient.
            let mut c = [90.0 + 120.0 * (1.0 - t), 130.0 + 80.0 * (1.0 - t), 200.0 - 60.0 * t];
            // Multi-octave texture, stronger towards the bottom ("ground").
            let tex = 0.5 * value_noise(seed, fx, fy, 64.0 * scale)
                + 0.3 * value_noise(seed + 1, fx, fy, 16.0 * scale)
                + 0.2 * value_noise(seed + 2, fx, fy, 4.0 * scale);
            let ground = ((t - 0.45) * 4.0).clamp(0.0, 1.0);
            for (k, base) in [[60.0, 110.0, 40.0][0], 110.0, 40.0].iter().enumerate() {
                let g = base * (0.6 + 0.8 * tex);
                c[k] = c[k] * (1.0 - ground) + g * ground + (tex - 0.5) * 30.0;
            }
            for &(cx, cy, r, col) in &discs {
                let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
                let cover = (r - d + 0.5).clamp(0.0, 1.0); // anti-aliased edge
                if cover > 0.0 {
                    let shade = 0.75 + 0.25 * (1.0 - d / r);
                    for k in 0..3 {
                        c[k] = c[k] * (1.0 - cover) + col[k] * shade * cover;
                    }
                }
            }
            // Sensor grain.
            let grain = (unit(seed + 7, x as i64, y as i64) - 0.5) * 6.0;
            for k in 0..3 {
                row[x * 3 + k] = (c[k] + grain).round().clamp(0.0, 255.0) as u8;
            }
        }
    });
    DynamicImage::ImageRgb8(RgbImage::from_raw(width, height, buf).expect("buffer sized to dimensions"))
}

/// Like [`synthetic_photo`] with an alpha channel: an opaque centre fading to
/// transparent edges, plus a fully transparent corner.
pub fn synthetic_photo_rgba(width: u32, height: u32, seed: u64) -> DynamicImage {
    let rgb = synthetic_photo(width, height, seed).to_rgb8();
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    let img = RgbaImage::from_fn(width, height, |x, y| {
        let Rgb([r, g, b]) = *rgb.get_pixel(x, y);
        let d = (((x as f32 - cx) / cx).powi(2) + ((y as f32 - cy) / cy).powi(2)).sqrt();
        let a = if x < width / 8 && y < height / 8 { 0.0 } else { ((1.2 - d) * 255.0).clamp(0.0, 255.0) };
        Rgba([r, g, b, a as u8])
    });
    DynamicImage::ImageRgba8(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = synthetic_photo(64, 48, 1);
        assert_eq!(a.as_bytes(), synthetic_photo(64, 48, 1).as_bytes());
        assert_ne!(a.as_bytes(), synthetic_photo(64, 48, 2).as_bytes());
        assert_eq!((a.width(), a.height()), (64, 48));
        let rgba = synthetic_photo_rgba(64, 48, 1).to_rgba8();
        assert_eq!(rgba.get_pixel(0, 0).0[3], 0);
        assert_eq!(rgba.get_pixel(32, 24).0[3], 255);
    }
}
