//! Editing operations, sharp-style: a list of typed steps applied in order to the decoded,
//! upright image before it is resized and encoded ([`super::CompressOptions::operations`]).
//!
//! Flips, extracts, trims and quarter turns move pixels exactly and keep their depth; the others
//! compute in 8 bits per channel and keep the channel layout (gray, gray + alpha, RGB, RGBA),
//! except where the step adds alpha (a see-through rotation background) or removes colour
//! (`grayscale`). They follow the references they are tested against: scikit-image for `blur` and
//! `sharpen` (a true Gaussian, edges extended), Pillow for `grayscale` (ITU-R 601 luma),
//! `modulate` (`ImageEnhance`), `rotate` (an affine bilinear turn onto the expanded canvas),
//! `composite` (`alpha_composite`) and `trim`.

use image::{DynamicImage, GenericImageView as _, Rgba, RgbaImage};
use serde::{Deserialize, Serialize};

use super::Image;
use crate::{Error, ErrorKind, Result};

/// One editing step. As JSON: `{"op": "rotate", "angle": 30, "background": "#ffffff"}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Turn clockwise by `angle` degrees. Multiples of 90 are exact; other angles resample
    /// bilinearly onto a canvas that holds the whole turned image, `background` in the corners.
    Rotate {
        angle: f64,
        /// `#rrggbb` or `#rrggbbaa`; default opaque black.
        #[serde(default)]
        background: Option<String>,
    },
    /// Mirror top to bottom. (Braces: serde refuses unknown fields only on struct variants.)
    Flip {},
    /// Mirror left to right.
    Flop {},
    /// Keep the rectangle `width` × `height` at (`left`, `top`); it must lie inside the image.
    Extract { left: u32, top: u32, width: u32, height: u32 },
    /// Gaussian blur with standard deviation `sigma` (0.3 to 100 pixels).
    Blur { sigma: f32 },
    /// Unsharp mask: `amount` × (pixel − its Gaussian blur of `sigma`) is added where that
    /// difference exceeds `threshold` (0 to 255).
    Sharpen {
        sigma: f32,
        #[serde(default)]
        amount: Option<f32>,
        #[serde(default)]
        threshold: Option<u8>,
    },
    /// To gray (ITU-R 601 luma), alpha kept.
    Grayscale {},
    /// Scale `brightness` (0 black, 1 unchanged) then `saturation` (0 gray, 1 unchanged), 0 to 10.
    Modulate {
        #[serde(default)]
        brightness: Option<f32>,
        #[serde(default)]
        saturation: Option<f32>,
    },
    /// Lay `overlay` (image bytes, base64 in JSON) over the image with its top-left corner at
    /// (`left`, `top`) (negative or beyond the edge: clipped), its alpha scaled by `opacity` (0 to 1).
    Composite {
        #[serde(with = "base64_bytes")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
        overlay: Vec<u8>,
        #[serde(default)]
        left: i64,
        #[serde(default)]
        top: i64,
        #[serde(default)]
        opacity: Option<f32>,
    },
    /// Cut away borders the colour of the top-left pixel (within `threshold`, default 10, in every
    /// channel). An image that is all border is left as it is.
    Trim {
        #[serde(default)]
        threshold: Option<u8>,
    },
}

/// Most operations one request may chain: each may cost a pass over every pixel.
pub const MAX_OPERATIONS: usize = 32;

/// Check `ops` without running them (servers validate a request before queueing it).
pub fn check(ops: &[Operation]) -> Result<()> {
    if ops.len() > MAX_OPERATIONS {
        return Err(invalid(format!("at most {MAX_OPERATIONS} operations")));
    }
    for op in ops {
        match op {
            Operation::Rotate { angle, background } => {
                if !angle.is_finite() {
                    return Err(invalid("rotate: angle must be a number of degrees"));
                }
                background.as_deref().map(colour).transpose()?;
            }
            Operation::Extract { width, height, .. } if *width == 0 || *height == 0 => {
                return Err(invalid("extract: width and height must be at least 1"));
            }
            Operation::Blur { sigma } | Operation::Sharpen { sigma, .. } if !(0.3..=100.0).contains(sigma) => {
                return Err(invalid("sigma must be 0.3 to 100"));
            }
            Operation::Sharpen { amount: Some(a), .. } if !(0.0..=10.0).contains(a) => {
                return Err(invalid("sharpen: amount must be 0 to 10"));
            }
            Operation::Modulate { brightness, saturation } => {
                for f in [brightness, saturation].into_iter().flatten() {
                    if !(0.0..=10.0).contains(f) {
                        return Err(invalid("modulate: brightness and saturation must be 0 to 10"));
                    }
                }
            }
            Operation::Composite { opacity: Some(o), .. } if !(0.0..=1.0).contains(o) => {
                return Err(invalid("composite: opacity must be 0 to 1"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Apply `ops` in order. `limits` bound what an overlay may decode to.
pub fn apply(img: Image, ops: &[Operation], decode: &super::DecodeOptions) -> Result<Image> {
    check(ops)?;
    let mut pixels = img.pixels().clone();
    for op in ops {
        pixels = step(pixels, op, decode)?;
    }
    Ok(img.with_pixels(pixels))
}

fn step(px: DynamicImage, op: &Operation, decode: &super::DecodeOptions) -> Result<DynamicImage> {
    Ok(match op {
        Operation::Flip {} => px.flipv(),
        Operation::Flop {} => px.fliph(),
        Operation::Extract { left, top, width, height } => {
            let fits = u64::from(*left) + u64::from(*width) <= u64::from(px.width())
                && u64::from(*top) + u64::from(*height) <= u64::from(px.height());
            if !fits {
                return Err(invalid(format!(
                    "extract: {width}x{height} at {left},{top} is outside the {}x{} image",
                    px.width(),
                    px.height()
                )));
            }
            px.crop_imm(*left, *top, *width, *height)
        }
        Operation::Rotate { angle, background } => {
            rotate(px, *angle, background.as_deref().map(colour).transpose()?, &decode.limits)?
        }
        Operation::Blur { sigma } => per_channel(&px, |c| gaussian(c, *sigma)),
        Operation::Sharpen { sigma, amount, threshold } => {
            let (amount, threshold) = (amount.unwrap_or(1.0), f32::from(threshold.unwrap_or(0)));
            per_channel(&px, |c| {
                let blurred = gaussian(c, *sigma);
                c.iter()
                    .zip(&blurred)
                    .map(|(&v, &b)| if (v - b).abs() > threshold { v + amount * (v - b) } else { v })
                    .collect()
            })
        }
        Operation::Grayscale {} => grayscale(&px),
        Operation::Modulate { brightness, saturation } => {
            modulate(&px, brightness.unwrap_or(1.0), saturation.unwrap_or(1.0))
        }
        Operation::Composite { overlay, left, top, opacity } => {
            let over = super::decode(overlay, decode).map_err(|e| e.with_context("field", "overlay"))?;
            composite(&px, &over.pixels().to_rgba8(), *left, *top, opacity.unwrap_or(1.0))
        }
        Operation::Trim { threshold } => trim(px, threshold.unwrap_or(10)),
    })
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// `#rrggbb` or `#rrggbbaa`.
fn colour(s: &str) -> Result<Rgba<u8>> {
    let hex = s.strip_prefix('#').filter(|h| (h.len() == 6 || h.len() == 8) && h.is_ascii());
    let byte = |h: &str, i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    let parsed = hex.and_then(|h| {
        Some(Rgba([byte(h, 0)?, byte(h, 2)?, byte(h, 4)?, if h.len() == 8 { byte(h, 6)? } else { 255 }]))
    });
    parsed.ok_or_else(|| invalid(format!("{s:?} is not a #rrggbb or #rrggbbaa colour")))
}

/// Whether the image is in colour and has alpha: the layout an 8-bit result keeps.
fn layout(px: &DynamicImage) -> (bool, bool) {
    let c = px.color();
    (c.has_color(), c.has_alpha())
}

fn from_rgba(rgba: RgbaImage, colour: bool, alpha: bool) -> DynamicImage {
    let img = DynamicImage::ImageRgba8(rgba);
    match (colour, alpha) {
        (true, true) => img,
        (true, false) => DynamicImage::ImageRgb8(img.to_rgb8()),
        (false, true) => DynamicImage::ImageLumaA8(img.to_luma_alpha8()),
        (false, false) => DynamicImage::ImageLuma8(img.to_luma8()),
    }
}

/// `f` on each channel as a plane of `f32` (alpha too, as scikit-image does), rounded and clipped
/// back to 8 bits in the image's layout.
fn per_channel(px: &DynamicImage, f: impl Fn(&Plane) -> Vec<f32> + Sync) -> DynamicImage {
    let (colour, alpha) = layout(px);
    let (w, h) = px.dimensions();
    let mut rgba = px.to_rgba8();
    let channels: Vec<usize> = match (colour, alpha) {
        (true, true) => vec![0, 1, 2, 3],
        (true, false) => vec![0, 1, 2],
        (false, true) => vec![0, 3],
        (false, false) => vec![0],
    };
    use rayon::prelude::*;
    let done: Vec<(usize, Vec<f32>)> = channels
        .par_iter()
        .map(|&c| {
            let plane = Plane { w: w as usize, h: h as usize, v: rgba.pixels().map(|p| f32::from(p[c])).collect() };
            (c, f(&plane))
        })
        .collect();
    for (c, values) in done {
        for (p, v) in rgba.pixels_mut().zip(values) {
            p[c] = v.round().clamp(0.0, 255.0) as u8;
            if !colour && c == 0 {
                (p[1], p[2]) = (p[0], p[0]);
            }
        }
    }
    from_rgba(rgba, colour, alpha)
}

/// One channel of an image, row-major.
struct Plane {
    w: usize,
    h: usize,
    v: Vec<f32>,
}

impl std::ops::Deref for Plane {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.v
    }
}

/// A Gaussian of `sigma`, truncated at 4 σ, edges extended (scipy's `mode="nearest"`).
fn gaussian(p: &Plane, sigma: f32) -> Vec<f32> {
    let radius = (4.0 * sigma + 0.5) as isize;
    let weights: Vec<f32> = (-radius..=radius).map(|i| (-0.5 * (i as f32 / sigma).powi(2)).exp()).collect();
    let total: f32 = weights.iter().sum();
    let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
    let (w, h) = (p.w as isize, p.h as isize);
    let mut rows = vec![0.0; p.v.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, wt) in weights.iter().enumerate() {
                let sx = (x + k as isize - radius).clamp(0, w - 1);
                acc += wt * p.v[(y * w + sx) as usize];
            }
            rows[(y * w + x) as usize] = acc;
        }
    }
    let mut out = vec![0.0; p.v.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, wt) in weights.iter().enumerate() {
                let sy = (y + k as isize - radius).clamp(0, h - 1);
                acc += wt * rows[(sy * w + x) as usize];
            }
            out[(y * w + x) as usize] = acc;
        }
    }
    out
}

/// Pillow's `convert("L")` of one pixel: (299 R + 587 G + 114 B) / 1000 in its fixed point.
fn luma(p: &Rgba<u8>) -> u8 {
    ((u32::from(p[0]) * 19595 + u32::from(p[1]) * 38470 + u32::from(p[2]) * 7471 + 0x8000) >> 16) as u8
}

/// To gray by [`luma`], alpha kept: equal channels, which [`from_rgba`]'s gray conversion keeps as they are.
fn grayscale(px: &DynamicImage) -> DynamicImage {
    let (_, alpha) = layout(px);
    let mut rgba = px.to_rgba8();
    for p in rgba.pixels_mut() {
        let l = luma(p);
        (p[0], p[1], p[2]) = (l, l, l);
    }
    from_rgba(rgba, false, alpha)
}

/// Pillow's `ImageEnhance.Brightness` (a blend with black) then `ImageEnhance.Color` (a blend
/// with the gray image); alpha untouched.
fn modulate(px: &DynamicImage, brightness: f32, saturation: f32) -> DynamicImage {
    let (colour, alpha) = layout(px);
    let mut rgba = px.to_rgba8();
    let clip = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    for p in rgba.pixels_mut() {
        for c in 0..3 {
            p[c] = clip(f32::from(p[c]) * brightness);
        }
        let gray = f32::from(luma(p));
        for c in 0..3 {
            p[c] = clip(gray + saturation * (f32::from(p[c]) - gray));
        }
    }
    from_rgba(rgba, colour, alpha)
}

/// Turn clockwise by `degrees`. Quarter turns move pixels; other angles map each pixel of the
/// expanded canvas back into the source (Pillow's `rotate(-angle, expand=True)` geometry) and
/// sample bilinearly, the background standing in beyond the edges.
fn rotate(
    px: DynamicImage,
    degrees: f64,
    background: Option<Rgba<u8>>,
    limits: &super::Limits,
) -> Result<DynamicImage> {
    let turns = degrees.rem_euclid(360.0);
    if turns.fract() == 0.0 && (turns as u32).is_multiple_of(90) {
        return Ok(match turns as u32 {
            90 => px.rotate90(),
            180 => px.rotate180(),
            270 => px.rotate270(),
            _ => px,
        });
    }
    let bg = background.unwrap_or(Rgba([0, 0, 0, 255]));
    let (colour, alpha) = layout(&px);
    let src = px.to_rgba8();
    let (w, h) = (f64::from(src.width()), f64::from(src.height()));
    // Output → input, about the centre: Pillow's matrix for `rotate(-degrees)` (it turns
    // anticlockwise; y points down, so this angle turns clockwise on screen).
    let r = degrees.to_radians();
    let round15 = |v: f64| (v * 1e15).round() / 1e15;
    let (cos, sin) = (round15(r.cos()), round15(r.sin()));
    let map = |x: f64, y: f64, c: f64, f: f64| (cos * x + sin * y + c, -sin * x + cos * y + f);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (mut c, mut f) = map(-cx, -cy, 0.0, 0.0);
    (c, f) = (c + cx, f + cy);
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|(x, y)| map(x, y, c, f));
    let span = |v: [f64; 4]| {
        let max = v.iter().copied().fold(f64::MIN, f64::max);
        let min = v.iter().copied().fold(f64::MAX, f64::min);
        (max.ceil() - min.floor()) as u32
    };
    let (nw, nh) = (span(corners.map(|p| p.0)), span(corners.map(|p| p.1)));
    // The turned canvas is larger: the decode limits hold for it before it is allocated.
    limits.check_dimensions(nw, nh)?;
    (c, f) = map(-(f64::from(nw) - w) / 2.0, -(f64::from(nh) - h) / 2.0, c, f);
    let mut out = RgbaImage::new(nw, nh);
    let texel = |x: i64, y: i64| -> [f64; 4] {
        if x < 0 || y < 0 || x >= i64::from(src.width()) || y >= i64::from(src.height()) {
            bg.0.map(f64::from)
        } else {
            src.get_pixel(x as u32, y as u32).0.map(f64::from)
        }
    };
    for (ox, oy, p) in out.enumerate_pixels_mut() {
        let (sx, sy) = map(f64::from(ox) + 0.5, f64::from(oy) + 0.5, c, f);
        if sx < 0.0 || sy < 0.0 || sx >= w || sy >= h {
            *p = bg;
            continue;
        }
        let (fx, fy) = (sx - 0.5, sy - 0.5);
        let (x0, y0) = (fx.floor() as i64, fy.floor() as i64);
        let (dx, dy) = (fx - fx.floor(), fy - fy.floor());
        let (a, b, cc, d) = (texel(x0, y0), texel(x0 + 1, y0), texel(x0, y0 + 1), texel(x0 + 1, y0 + 1));
        for i in 0..4 {
            let top = a[i] + (b[i] - a[i]) * dx;
            let bottom = cc[i] + (d[i] - cc[i]) * dx;
            p[i] = (top + (bottom - top) * dy).round().clamp(0.0, 255.0) as u8;
        }
    }
    // A see-through background adds alpha; a gray image stays gray unless the background is coloured.
    let bg_colour = bg[0] != bg[1] || bg[1] != bg[2];
    Ok(from_rgba(out, colour || bg_colour, alpha || bg[3] < 255))
}

/// `over` laid on `px` at (`left`, `top`) with its alpha scaled by `opacity` (Pillow's
/// `alpha_composite`); the result has alpha only if `px` had.
fn composite(px: &DynamicImage, over: &RgbaImage, left: i64, top: i64, opacity: f32) -> DynamicImage {
    let (colour, alpha) = layout(px);
    let mut base = px.to_rgba8();
    let (bw, bh) = (i64::from(base.width()), i64::from(base.height()));
    for (x, y, o) in over.enumerate_pixels() {
        let (tx, ty) = (left + i64::from(x), top + i64::from(y));
        if tx < 0 || ty < 0 || tx >= bw || ty >= bh {
            continue;
        }
        let d = base.get_pixel_mut(tx as u32, ty as u32);
        let sa = f32::from(o[3]) / 255.0 * opacity;
        let da = f32::from(d[3]) / 255.0;
        let oa = sa + da * (1.0 - sa);
        if oa <= 0.0 {
            *d = Rgba([0, 0, 0, 0]);
            continue;
        }
        for c in 0..3 {
            let v = (f32::from(o[c]) * sa + f32::from(d[c]) * da * (1.0 - sa)) / oa;
            d[c] = v.round().clamp(0.0, 255.0) as u8;
        }
        d[3] = (oa * 255.0).round() as u8;
    }
    from_rgba(base, colour || over.pixels().any(|p| p[0] != p[1] || p[1] != p[2]), alpha)
}

/// The smallest rectangle holding every pixel that differs from the top-left one by more than
/// `threshold` in some channel.
fn trim(px: DynamicImage, threshold: u8) -> DynamicImage {
    let rgba = px.to_rgba8();
    let corner = *rgba.get_pixel(0, 0);
    let differs = |p: &Rgba<u8>| (0..4).any(|c| p[c].abs_diff(corner[c]) > threshold);
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in rgba.enumerate_pixels() {
        if differs(p) {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if x0 == u32::MAX {
        return px;
    }
    px.crop_imm(x0, y0, x1 - x0 + 1, y1 - y0 + 1)
}

/// Bytes as standard base64 text in JSON.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text.trim()).map_err(|e| serde::de::Error::custom(format!("overlay is not base64: {e}")))
    }
}

#[cfg(test)]
mod tests;
