//! AVIF: AV1 intra frames in a HEIF container from avif-serialize, encoded by rav1e
//! (`avif-rav1e`, pure Rust, always built with `avif`) or by the system's libaom (`avif-aom`,
//! feature `avif-aom`: the encoder sharp and libavif use, several times faster at its speeds).
//!
//! Both encoders get the same planes: BT.601 full range, chroma box-filtered for 4:2:0 and
//! 4:2:2. Alpha, when present and not fully opaque, is a second monochrome AV1 item encoded in
//! parallel with the colour.

#[cfg(feature = "avif-aom")]
mod aom;
mod rav1e;

use avif_serialize::Aviffy;
use avif_serialize::constants::MatrixCoefficients as ContainerMatrix;

use super::{Algorithm, EncodeInput, ParamSpec, Params};

pub(super) fn algorithms() -> Vec<Algorithm> {
    #[allow(unused_mut)] // as in the registry: only `avif-aom` adds to it
    let mut v = vec![rav1e::algorithm()];
    #[cfg(feature = "avif-aom")]
    v.push(aom::algorithm());
    v
}

/// The parameters both encoders take; each adds its `speed` (and libaom its `tune`).
fn common_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int(
            "quality",
            1,
            100,
            50,
            "quality, mapped linearly to the AV1 quantiser like libavif; 50 is sharp's default",
        ),
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
}

/// libavif's linear mapping of quality onto an encoder's quantiser scale `0..=max`: quality 100
/// is 0, quality 0 is `max` (rav1e's index runs to 255, libaom's cq-level to 63).
fn quantizer(quality: i64, max: i64) -> i64 {
    ((100 - quality.clamp(0, 100)) * max + 50) / 100
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

/// The image as either encoder takes it, with the choices the container must repeat.
struct Planes {
    width: usize,
    height: usize,
    depth: u32,
    /// Chroma subsampling shifts (x, y).
    dec: (usize, usize),
    /// AV1 `seq_profile`: 0 for 4:2:0, 1 for 4:4:4, 2 for 4:2:2 and for 12-bit.
    profile: u8,
    yuv: Yuv,
    /// Alpha scaled to `depth`, when the image has any transparency.
    alpha: Option<Vec<u16>>,
}

impl Planes {
    fn new(input: &EncodeInput<'_>) -> Planes {
        let p: &Params = input.params;
        let (w, h) = (input.pixels.width() as usize, input.pixels.height() as usize);
        let depth: u32 = p.choice("bit_depth").parse().unwrap_or(8);
        let (dec, mut profile) = match p.choice("chroma_subsampling") {
            "4:2:0" => ((1, 1), 0),
            "4:2:2" => ((1, 0), 2),
            _ => ((0, 0), 1),
        };
        if depth == 12 {
            profile = 2; // AV1 "professional" profile carries 12-bit in any subsampling
        }
        let rgba = input.pixels.to_rgba8();
        let rgb: Vec<[u8; 3]> = rgba.pixels().map(|px| [px.0[0], px.0[1], px.0[2]]).collect();
        let alpha = (input.pixels.color().has_alpha() && rgba.pixels().any(|px| px.0[3] < 255)).then(|| {
            let max = (1u32 << depth) - 1;
            rgba.pixels().map(|px| ((u32::from(px.0[3]) * max + 127) / 255) as u16).collect()
        });
        Planes { width: w, height: h, depth, dec, profile, yuv: to_yuv(&rgb, w, h, depth, dec), alpha }
    }

    /// The AVIF file around the encoded colour (and alpha) AV1 streams.
    fn container(&self, color: &[u8], alpha: Option<&[u8]>, exif: Option<&[u8]>) -> Vec<u8> {
        let mut avif = Aviffy::new();
        avif.set_matrix_coefficients(ContainerMatrix::Bt601)
            .set_full_color_range(true)
            .set_chroma_subsampling((self.dec.0 == 1, self.dec.1 == 1))
            .set_seq_profile(self.profile);
        if let Some(exif) = exif {
            avif.set_exif(exif.to_vec());
        }
        avif.to_vec(color, alpha, self.width as u32, self.height as u32, self.depth as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_maps_like_libavif() {
        assert_eq!(quantizer(100, 255), 0);
        assert_eq!(quantizer(0, 255), 255);
        assert_eq!(quantizer(50, 255), 128);
        assert_eq!((quantizer(100, 63), quantizer(50, 63), quantizer(0, 63)), (0, 32, 63));
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
