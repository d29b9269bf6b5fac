//! YUV (or GBR, YCgCo) planes of decoded AV1 frames to interleaved RGB / gray samples,
//! written straight into the output canvas (so grid tiles land in place).
//!
//! Chroma of 4:2:0 and 4:2:2 frames is upsampled bilinearly with centred siting
//! (each chroma sample sits between its two luma samples: weights 3/4 and 1/4 on
//! each subsampled axis, edges clamped), which is what fotobase's own encoder
//! assumes when it averages 2×2 blocks. Samples are converted at the stream's
//! bit depth; 10/12-bit results are then widened to 16 bits by bit replication
//! (`v << (16 - bpc) | v >> (2 * bpc - 16)`), so full scale maps to 65535.

use rayon::prelude::*;

use super::av1::{Layout, Picture, Plane};
use super::heif::unsupported;
use crate::Result;

/// An input sample: u8 for 8-bit frames, u16 for 10/12-bit.
pub(super) trait Sample: Copy + Send + Sync {
    fn get(self) -> u32;
}

impl Sample for u8 {
    fn get(self) -> u32 {
        u32::from(self)
    }
}

impl Sample for u16 {
    fn get(self) -> u32 {
        u32::from(self)
    }
}

/// An output sample: u8 (8-bit images) or u16 (10/12-bit images, widened to 16 bits).
pub(super) trait Out: Copy + Send + Sync + Default {
    const MAX: u32;
    /// `v` in [0, 1] at `bpc` bits, widened to this type.
    fn quantize(v: f32, bpc: u32) -> Self;
    fn get(self) -> u32;
    fn set(v: u32) -> Self;
}

impl Out for u8 {
    const MAX: u32 = 255;
    fn quantize(v: f32, _bpc: u32) -> u8 {
        (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
    }
    fn get(self) -> u32 {
        u32::from(self)
    }
    fn set(v: u32) -> u8 {
        v.min(255) as u8
    }
}

impl Out for u16 {
    const MAX: u32 = 65535;
    fn quantize(v: f32, bpc: u32) -> u16 {
        let max = ((1u32 << bpc) - 1) as f32;
        let n = (v.clamp(0.0, 1.0) * max + 0.5) as u32;
        widen(n, bpc)
    }
    fn get(self) -> u32 {
        u32::from(self)
    }
    fn set(v: u32) -> u16 {
        v.min(65535) as u16
    }
}

/// A `bpc`-bit sample (9..=16 bits) widened to 16 bits by bit replication.
pub(super) fn widen(v: u32, bpc: u32) -> u16 {
    if bpc >= 16 { v.min(65535) as u16 } else { ((v << (16 - bpc)) | (v >> (2 * bpc).saturating_sub(16))) as u16 }
}

/// Where a frame goes in the canvas.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement {
    pub canvas_width: usize,
    pub channels: usize,
    pub x0: usize,
    pub y0: usize,
    /// Columns and rows of the frame that fall inside the canvas.
    pub width: usize,
    pub height: usize,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Y'CbCr with these luma weights.
    YCbCr {
        kr: f32,
        kb: f32,
    },
    /// GBR in the Y, U, V planes (matrix_coefficients 0).
    Identity,
    YCgCo,
}

/// Sample normalisation for the stream's range and depth.
#[derive(Debug, Clone, Copy)]
struct Range {
    y_off: f32,
    y_scale: f32,
    c_off: f32,
    c_scale: f32,
}

impl Range {
    fn new(full: bool, bpc: u32) -> Range {
        let s = (1u32 << (bpc - 8)) as f32;
        let max = ((1u32 << bpc) - 1) as f32;
        let c_off = (1u32 << (bpc - 1)) as f32;
        if full {
            Range { y_off: 0.0, y_scale: 1.0 / max, c_off, c_scale: 1.0 / max }
        } else {
            Range { y_off: 16.0 * s, y_scale: 1.0 / (219.0 * s), c_off, c_scale: 1.0 / (224.0 * s) }
        }
    }
}

fn kind(matrix: u32, primaries: u32) -> Result<Kind> {
    let ycbcr = |kr, kb| Ok(Kind::YCbCr { kr, kb });
    match matrix {
        0 => Ok(Kind::Identity),
        1 => ycbcr(0.2126, 0.0722),
        // 2 = unspecified: BT.601, as libavif does; 5, 6 = BT.601 (470BG, SMPTE 170M).
        2 | 3 | 5 | 6 => ycbcr(0.299, 0.114),
        4 => ycbcr(0.30, 0.11),
        7 => ycbcr(0.212, 0.087),
        8 => Ok(Kind::YCgCo),
        // BT.2020 constant luminance is approximated by its non-constant-luminance matrix.
        9 | 10 => ycbcr(0.2627, 0.0593),
        // Chromaticity-derived: the weights of the stream's primaries, for the common ones.
        12 | 13 => match primaries {
            1 | 2 => ycbcr(0.2126, 0.0722),
            9 => ycbcr(0.2627, 0.0593),
            12 => ycbcr(0.2290, 0.0793),
            _ => ycbcr(0.299, 0.114),
        },
        _ => Err(unsupported("AVIF matrix coefficients (ICtCp, SMPTE 2085) are not supported")
            .with_context("matrix_coefficients", matrix)),
    }
}

/// Upsampled chroma for one output row, scaled by `scale` (1, 4 or 16).
struct ChromaRow {
    u: Vec<u32>,
    v: Vec<u32>,
    scale: f32,
}

fn chroma_row<T: Sample>(u: &Plane<'_, T>, v: &Plane<'_, T>, layout: Layout, y: usize, width: usize) -> ChromaRow {
    let (sx, sy) = layout.shifts();
    // Vertical: rows k (weight 3) and its neighbour on the side of `y` (weight 1).
    let vertical = |p: &Plane<'_, T>| -> Vec<u32> {
        if sy == 0 {
            return p.row(y).iter().map(|s| s.get()).collect();
        }
        let k = y >> 1;
        let nb = if y & 1 == 0 { k.saturating_sub(1) } else { (k + 1).min(p.rows - 1) };
        p.row(k).iter().zip(p.row(nb)).map(|(a, b)| 3 * a.get() + b.get()).collect()
    };
    let horizontal = |col: Vec<u32>| -> Vec<u32> {
        if sx == 0 {
            return col;
        }
        let last = col.len() - 1;
        (0..width)
            .map(|x| {
                let k = (x >> 1).min(last);
                let nb = if x & 1 == 0 { k.saturating_sub(1) } else { (k + 1).min(last) };
                3 * col[k] + col[nb]
            })
            .collect()
    };
    let scale = (1u32 << (2 * (sx + sy))) as f32;
    ChromaRow { u: horizontal(vertical(u)), v: horizontal(vertical(v)), scale }
}

/// Write the colour (or gray) samples of `pic` into `canvas`.
/// `container_matrix` (the `colr` nclx box's) is used when the stream leaves its matrix unspecified.
pub(super) fn color_into<O: Out>(
    pic: &Picture,
    container_matrix: Option<u16>,
    canvas: &mut [O],
    at: Placement,
    out_bpc: u32,
) -> Result<()> {
    if pic.bit_depth() > 8 {
        let planes = pic.planes_u16().ok_or_else(|| unsupported("AVIF frame planes are unreadable"))?;
        color_planes(pic, container_matrix, planes, canvas, at, out_bpc)
    } else {
        let planes = pic.planes_u8().ok_or_else(|| unsupported("AVIF frame planes are unreadable"))?;
        color_planes(pic, container_matrix, planes, canvas, at, out_bpc)
    }
}

fn color_planes<T: Sample, O: Out>(
    pic: &Picture,
    container_matrix: Option<u16>,
    planes: [Option<Plane<'_, T>>; 3],
    canvas: &mut [O],
    at: Placement,
    out_bpc: u32,
) -> Result<()> {
    let bpc = pic.bit_depth();
    let layout = pic.layout();
    let range = Range::new(pic.full_range(), bpc);
    let matrix = match (pic.matrix(), container_matrix) {
        (2, Some(m)) => u32::from(m),
        (m, _) => m,
    };
    let kind = kind(matrix, pic.primaries())?;
    let [Some(y_plane), u_plane, v_plane] = planes else {
        return Err(unsupported("AVIF frame has no luma plane"));
    };
    let row_len = at.canvas_width * at.channels;
    let rows = canvas.par_chunks_mut(row_len).skip(at.y0).take(at.height).enumerate();
    rows.for_each(|(y, row)| {
        let out = &mut row[at.x0 * at.channels..(at.x0 + at.width) * at.channels];
        let luma = y_plane.row(y);
        let (Some(u_plane), Some(v_plane)) = (u_plane, v_plane) else {
            // Monochrome: gray.
            for (px, &l) in out.chunks_exact_mut(at.channels).zip(luma) {
                px[0] = O::quantize((l.get() as f32 - range.y_off) * range.y_scale, out_bpc);
            }
            return;
        };
        let c = chroma_row(&u_plane, &v_plane, layout, y, y_plane.width);
        let inv = 1.0 / c.scale;
        for (x, (px, &l)) in out.chunks_exact_mut(at.channels).zip(luma).enumerate() {
            let (u, v) = (c.u[x] as f32 * inv, c.v[x] as f32 * inv);
            let (r, g, b) = match kind {
                Kind::YCbCr { kr, kb } => {
                    let yy = (l.get() as f32 - range.y_off) * range.y_scale;
                    let cb = (u - range.c_off) * range.c_scale;
                    let cr = (v - range.c_off) * range.c_scale;
                    let kg = 1.0 - kr - kb;
                    let r = yy + (2.0 - 2.0 * kr) * cr;
                    let b = yy + (2.0 - 2.0 * kb) * cb;
                    let g = yy - (kb * (2.0 - 2.0 * kb) * cb + kr * (2.0 - 2.0 * kr) * cr) / kg;
                    (r, g, b)
                }
                Kind::Identity => {
                    let n = |s: f32| (s - range.y_off) * range.y_scale;
                    (n(v), n(l.get() as f32), n(u))
                }
                Kind::YCgCo => {
                    let yy = (l.get() as f32 - range.y_off) * range.y_scale;
                    let cg = (u - range.c_off) * range.c_scale;
                    let co = (v - range.c_off) * range.c_scale;
                    let t = yy - cg;
                    (t + co, yy + cg, t - co)
                }
            };
            px[0] = O::quantize(r, out_bpc);
            px[1] = O::quantize(g, out_bpc);
            px[2] = O::quantize(b, out_bpc);
        }
    });
    Ok(())
}

/// Write the alpha plane of `pic` (a monochrome auxiliary frame) into the last channel.
pub(super) fn alpha_into<O: Out>(pic: &Picture, canvas: &mut [O], at: Placement, out_bpc: u32) -> Result<()> {
    if pic.bit_depth() > 8 {
        let planes = pic.planes_u16().ok_or_else(|| unsupported("AVIF alpha plane is unreadable"))?;
        alpha_plane(pic, planes[0], canvas, at, out_bpc)
    } else {
        let planes = pic.planes_u8().ok_or_else(|| unsupported("AVIF alpha plane is unreadable"))?;
        alpha_plane(pic, planes[0], canvas, at, out_bpc)
    }
}

fn alpha_plane<T: Sample, O: Out>(
    pic: &Picture,
    plane: Option<Plane<'_, T>>,
    canvas: &mut [O],
    at: Placement,
    out_bpc: u32,
) -> Result<()> {
    let plane = plane.ok_or_else(|| unsupported("AVIF alpha frame has no plane"))?;
    // Limited-range alpha is expanded like luma.
    let range = Range::new(pic.full_range(), pic.bit_depth());
    let row_len = at.canvas_width * at.channels;
    let slot = at.channels - 1;
    canvas.par_chunks_mut(row_len).skip(at.y0).take(at.height).enumerate().for_each(|(y, row)| {
        let out = &mut row[at.x0 * at.channels..(at.x0 + at.width) * at.channels];
        for (px, &a) in out.chunks_exact_mut(at.channels).zip(plane.row(y)) {
            px[slot] = O::quantize((a.get() as f32 - range.y_off) * range.y_scale, out_bpc);
        }
    });
    Ok(())
}

/// Premultiplied colour back to straight alpha (colour = 0 where alpha = 0).
pub(super) fn unpremultiply<O: Out>(canvas: &mut [O], channels: usize) {
    canvas.par_chunks_mut(channels * 1024).for_each(|chunk| {
        for px in chunk.chunks_exact_mut(channels) {
            let a = px[channels - 1].get();
            if a == O::MAX {
                continue;
            }
            for c in &mut px[..channels - 1] {
                *c = (c.get() * O::MAX + a / 2).checked_div(a).map_or(O::default(), O::set);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_replicates_bits() {
        assert_eq!(widen(1023, 10), 65535);
        assert_eq!(widen(4095, 12), 65535);
        assert_eq!(widen(0, 10), 0);
        assert_eq!(widen(512, 10), 512 << 6 | 512 >> 4);
        assert_eq!(u16::quantize(1.0, 12), 65535);
        assert_eq!(u8::quantize(0.5, 8), 128);
    }

    #[test]
    fn limited_range_is_expanded() {
        let r = Range::new(false, 8);
        assert_eq!(u8::quantize((16.0 - r.y_off) * r.y_scale, 8), 0);
        assert_eq!(u8::quantize((235.0 - r.y_off) * r.y_scale, 8), 255);
        let r = Range::new(false, 10);
        assert_eq!(u16::quantize((940.0 - r.y_off) * r.y_scale, 10), 65535);
    }

    #[test]
    fn unpremultiplies() {
        let mut px = [64u8, 32, 0, 128, 10, 10, 10, 0];
        unpremultiply(&mut px, 4);
        assert_eq!(px, [128, 64, 0, 128, 0, 0, 0, 0]);
    }

    #[test]
    fn matrices_are_known() {
        assert!(matches!(kind(0, 1), Ok(Kind::Identity)));
        assert!(matches!(kind(9, 9), Ok(Kind::YCbCr { .. })));
        assert!(kind(14, 1).is_err());
    }
}
