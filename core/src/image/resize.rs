//! Resizing with sharp's semantics (`fit`, `position`, `withoutEnlargement`) on
//! top of `fast_image_resize` (SIMD convolution; alpha is premultiplied before
//! resampling and divided back after, so transparent pixels don't bleed colour).

use std::fmt;
use std::str::FromStr;

use ::image::DynamicImage;
use fast_image_resize as fir;
use serde::{Deserialize, Serialize};

use super::Limits;
use crate::{Error, ErrorKind, Result};

/// Resampling filter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Filter {
    Nearest,
    Bilinear,
    CatmullRom,
    Mitchell,
    #[default]
    Lanczos3,
}

/// How the image is fitted into the requested box (sharp's `fit`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fit {
    /// Preserve aspect ratio, fit inside the box (sharp's `inside`).
    #[default]
    Contain,
    /// Preserve aspect ratio, fill the box and crop the overflow by [`Gravity`].
    Cover,
    /// Ignore aspect ratio, stretch to exactly the box.
    Fill,
    /// Preserve aspect ratio, cover the box without cropping.
    Outside,
}

/// Which part of the image survives a `cover` crop.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gravity {
    #[default]
    Centre,
    North,
    NorthEast,
    East,
    SouthEast,
    South,
    SouthWest,
    West,
    NorthWest,
    /// Keep the window with the most detail (highest luma histogram entropy).
    Entropy,
}

/// A resize request. A missing side follows the aspect ratio; every member has a
/// default, so a request names only what it changes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResizeOptions {
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub width: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub height: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub fit: Fit,
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub filter: Filter,
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub gravity: Gravity,
    /// Never upscale: leave images smaller than the box as they are.
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub without_enlargement: bool,
}

impl ResizeOptions {
    pub fn new(width: Option<u32>, height: Option<u32>) -> Self {
        ResizeOptions { width, height, ..Default::default() }
    }

    pub fn is_noop(&self) -> bool {
        self.width.is_none() && self.height.is_none()
    }
}

/// The geometry a resize will produce: output size and optional source crop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plan {
    pub width: u32,
    pub height: u32,
    /// (left, top, width, height) in source pixels.
    pub crop: Option<(f64, f64, f64, f64)>,
}

/// Output dimensions `resize` would produce for a `width`×`height` source.
pub fn target_size(width: u32, height: u32, opts: &ResizeOptions) -> Result<(u32, u32)> {
    plan(width, height, opts, None).map(|p| (p.width, p.height))
}

fn plan(sw: u32, sh: u32, opts: &ResizeOptions, img: Option<&DynamicImage>) -> Result<Plan> {
    let identity = Plan { width: sw, height: sh, crop: None };
    if matches!(opts.width, Some(0)) || matches!(opts.height, Some(0)) {
        return Err(Error::new(ErrorKind::InvalidArgument, "resize width and height must be at least 1"));
    }
    if sw == 0 || sh == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "cannot resize an image with zero width or height"));
    }
    let (fw, fh) = (f64::from(sw), f64::from(sh));
    let scaled = |s: f64| ((fw * s).round().max(1.0) as u32, (fh * s).round().max(1.0) as u32);
    let mut p = match (opts.width, opts.height) {
        (None, None) => return Ok(identity),
        (Some(w), None) => Plan { width: w, height: scaled(f64::from(w) / fw).1, crop: None },
        (None, Some(h)) => Plan { width: scaled(f64::from(h) / fh).0, height: h, crop: None },
        (Some(w), Some(h)) => {
            let (sx, sy) = (f64::from(w) / fw, f64::from(h) / fh);
            match opts.fit {
                Fit::Fill => Plan { width: w, height: h, crop: None },
                Fit::Contain => {
                    let (ow, oh) = scaled(sx.min(sy));
                    Plan { width: ow.min(w), height: oh.min(h), crop: None }
                }
                Fit::Outside => {
                    let (ow, oh) = scaled(sx.max(sy));
                    Plan { width: ow.max(w), height: oh.max(h), crop: None }
                }
                Fit::Cover => {
                    let s = sx.max(sy);
                    let (cw, ch) = ((f64::from(w) / s).min(fw), (f64::from(h) / s).min(fh));
                    let (left, top) = crop_origin(opts.gravity, (fw, fh), (cw, ch), img);
                    Plan { width: w, height: h, crop: Some((left, top, cw, ch)) }
                }
            }
        }
    };
    if opts.without_enlargement && (p.width > sw || p.height > sh) {
        return Ok(identity);
    }
    if p.crop.is_some_and(|(_, _, cw, ch)| cw >= fw && ch >= fh) {
        p.crop = None;
    }
    let limits = Limits::default();
    limits.check_dimensions(p.width, p.height).map_err(|e| {
        Error::new(ErrorKind::LimitExceeded, "requested output size exceeds the pixel limit")
            .with_context("width", p.width)
            .with_context("height", p.height)
            .with_source(e)
    })?;
    Ok(p)
}

fn crop_origin(g: Gravity, (fw, fh): (f64, f64), (cw, ch): (f64, f64), img: Option<&DynamicImage>) -> (f64, f64) {
    let (ex, ey) = (fw - cw, fh - ch);
    let (fx, fy) = match g {
        Gravity::Centre => (0.5, 0.5),
        Gravity::North => (0.5, 0.0),
        Gravity::NorthEast => (1.0, 0.0),
        Gravity::East => (1.0, 0.5),
        Gravity::SouthEast => (1.0, 1.0),
        Gravity::South => (0.5, 1.0),
        Gravity::SouthWest => (0.0, 1.0),
        Gravity::West => (0.0, 0.5),
        Gravity::NorthWest => (0.0, 0.0),
        Gravity::Entropy => match img {
            Some(img) => entropy_fraction(img, (cw / fw, ch / fh)),
            None => (0.5, 0.5),
        },
    };
    (ex * fx, ey * fy)
}

/// Slide a window of relative size `rel` along the overflowing axis of a small
/// luma preview and return the origin (as a fraction of the slack) with the
/// highest Shannon entropy.
fn entropy_fraction(img: &DynamicImage, rel: (f64, f64)) -> (f64, f64) {
    const PREVIEW: u32 = 256;
    const STEPS: u32 = 16;
    let preview = img.thumbnail(PREVIEW, PREVIEW).to_luma8();
    let (pw, ph) = preview.dimensions();
    let ww = ((f64::from(pw) * rel.0).round() as u32).clamp(1, pw);
    let wh = ((f64::from(ph) * rel.1).round() as u32).clamp(1, ph);
    let (slack_x, slack_y) = (pw - ww, ph - wh);
    let mut best = (f64::MIN, (0.5, 0.5));
    for step in 0..=STEPS {
        let t = f64::from(step) / f64::from(STEPS);
        let (x, y) = ((f64::from(slack_x) * t).round() as u32, (f64::from(slack_y) * t).round() as u32);
        let mut hist = [0u32; 256];
        for yy in y..y + wh {
            for xx in x..x + ww {
                hist[usize::from(preview.get_pixel(xx, yy).0[0])] += 1;
            }
        }
        let n = f64::from(ww * wh);
        let entropy: f64 = hist.iter().filter(|&&c| c > 0).map(|&c| f64::from(c) / n).map(|p| -p * p.log2()).sum();
        // Strictly greater keeps the earliest window on ties (e.g. flat images → top/left).
        if entropy > best.0 + 1e-9 {
            best = (entropy, (if slack_x > 0 { t } else { 0.5 }, if slack_y > 0 { t } else { 0.5 }));
        }
    }
    best.1
}

/// Resize `img` according to `opts`. Returns a copy when nothing changes.
pub fn resize(img: &DynamicImage, opts: &ResizeOptions) -> Result<DynamicImage> {
    let p = plan(img.width(), img.height(), opts, Some(img))?;
    if p.crop.is_none() && (p.width, p.height) == (img.width(), img.height()) {
        return Ok(img.clone());
    }
    let alg = match opts.filter {
        Filter::Nearest => fir::ResizeAlg::Nearest,
        Filter::Bilinear => fir::ResizeAlg::Convolution(fir::FilterType::Bilinear),
        Filter::CatmullRom => fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom),
        Filter::Mitchell => fir::ResizeAlg::Convolution(fir::FilterType::Mitchell),
        Filter::Lanczos3 => fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3),
    };
    let mut fo = fir::ResizeOptions::new().resize_alg(alg);
    if let Some((l, t, w, h)) = p.crop {
        fo = fo.crop(l, t, w, h);
    }
    let mut dst = DynamicImage::new(p.width, p.height, img.color());
    fir::Resizer::new().resize(img, &mut dst, &fo).map_err(|e| {
        Error::new(ErrorKind::InvalidArgument, "resize failed")
            .with_source(e)
            .with_context("color", format!("{:?}", img.color()))
    })?;
    Ok(dst)
}

macro_rules! kebab_enum_str {
    ($ty:ty, $what:literal, [$($variant:ident = $name:literal $(| $alias:literal)*),+ $(,)?]) => {
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.to_ascii_lowercase().as_str() {
                    $($name $(| $alias)* => Ok(<$ty>::$variant),)+
                    _ => Err(Error::new(ErrorKind::InvalidArgument, format!("unknown {} {s:?}", $what))
                        .with_context("expected", [$($name),+].join("|"))),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(<$ty>::$variant => $name,)+ })
            }
        }
    };
}

kebab_enum_str!(
    Filter,
    "filter",
    [
        Nearest = "nearest",
        Bilinear = "bilinear" | "linear",
        CatmullRom = "catmull-rom" | "cubic",
        Mitchell = "mitchell",
        Lanczos3 = "lanczos3" | "lanczos",
    ]
);
kebab_enum_str!(Fit, "fit", [Contain = "contain" | "inside", Cover = "cover", Fill = "fill", Outside = "outside"]);
kebab_enum_str!(
    Gravity,
    "gravity",
    [
        Centre = "centre" | "center",
        North = "north" | "top",
        NorthEast = "north-east" | "right-top",
        East = "east" | "right",
        SouthEast = "south-east" | "right-bottom",
        South = "south" | "bottom",
        SouthWest = "south-west" | "left-bottom",
        West = "west" | "left",
        NorthWest = "north-west" | "left-top",
        Entropy = "entropy",
    ]
);

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::{Rgba, RgbaImage};

    fn opts(w: Option<u32>, h: Option<u32>, fit: Fit) -> ResizeOptions {
        ResizeOptions { width: w, height: h, fit, ..Default::default() }
    }

    #[test]
    fn fit_modes_follow_sharp() {
        assert_eq!(target_size(4000, 3000, &opts(Some(400), Some(400), Fit::Contain)).unwrap(), (400, 300));
        assert_eq!(target_size(4000, 3000, &opts(Some(400), Some(400), Fit::Cover)).unwrap(), (400, 400));
        assert_eq!(target_size(4000, 3000, &opts(Some(400), Some(400), Fit::Fill)).unwrap(), (400, 400));
        assert_eq!(target_size(4000, 3000, &opts(Some(400), Some(400), Fit::Outside)).unwrap(), (533, 400));
        assert_eq!(target_size(4000, 3000, &opts(Some(1000), None, Fit::Cover)).unwrap(), (1000, 750));
        assert_eq!(target_size(4000, 3000, &opts(None, Some(300), Fit::Contain)).unwrap(), (400, 300));
        assert_eq!(target_size(10, 10, &ResizeOptions::default()).unwrap(), (10, 10));
    }

    #[test]
    fn without_enlargement_keeps_small_images() {
        let o = ResizeOptions { without_enlargement: true, ..opts(Some(800), None, Fit::Contain) };
        assert_eq!(target_size(400, 300, &o).unwrap(), (400, 300));
        assert_eq!(target_size(1600, 1200, &o).unwrap(), (800, 600));
    }

    #[test]
    fn rejects_zero_and_huge_sizes() {
        assert_eq!(
            target_size(10, 10, &opts(Some(0), None, Fit::Fill)).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            target_size(10, 10, &opts(Some(100_000), Some(100_000), Fit::Fill)).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
    }

    #[test]
    fn cover_crops_by_gravity() {
        // Left half red, right half blue; cover to a square keeps one side with west/east gravity.
        let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(200, 100, |x, _| {
            if x < 100 { Rgba([255, 0, 0, 255]) } else { Rgba([0, 0, 255, 255]) }
        }));
        let west =
            resize(&img, &ResizeOptions { gravity: Gravity::West, ..opts(Some(50), Some(50), Fit::Cover) }).unwrap();
        let east =
            resize(&img, &ResizeOptions { gravity: Gravity::East, ..opts(Some(50), Some(50), Fit::Cover) }).unwrap();
        assert_eq!((west.width(), west.height()), (50, 50));
        assert_eq!(west.to_rgba8().get_pixel(25, 25).0, [255, 0, 0, 255]);
        assert_eq!(east.to_rgba8().get_pixel(25, 25).0, [0, 0, 255, 255]);
    }

    #[test]
    fn entropy_gravity_finds_the_detail() {
        // Flat grey except a noisy block on the right.
        let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(300, 100, |x, y| {
            let v = if x >= 200 { ((x * 7919 + y * 104_729) % 251) as u8 } else { 128 };
            Rgba([v, v, v, 255])
        }));
        let o = ResizeOptions { gravity: Gravity::Entropy, ..opts(Some(100), Some(100), Fit::Cover) };
        let p = plan(300, 100, &o, Some(&img)).unwrap();
        let (left, ..) = p.crop.unwrap();
        assert!(left >= 190.0, "crop should move to the noisy block, got left={left}");
    }

    #[test]
    fn alpha_does_not_bleed_colour() {
        // Transparent red next to opaque green: resized edge pixels must not turn reddish.
        let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(64, 64, |x, _| {
            if x < 32 { Rgba([255, 0, 0, 0]) } else { Rgba([0, 255, 0, 255]) }
        }));
        let out = resize(&img, &opts(Some(16), Some(16), Fit::Fill)).unwrap().to_rgba8();
        for p in out.pixels().filter(|p| p.0[3] > 16) {
            assert!(p.0[0] < 8, "red bled into {p:?}");
        }
    }

    #[test]
    fn parses_names_and_aliases() {
        assert_eq!("inside".parse::<Fit>().unwrap(), Fit::Contain);
        assert_eq!("catmull-rom".parse::<Filter>().unwrap(), Filter::CatmullRom);
        assert_eq!("center".parse::<Gravity>().unwrap(), Gravity::Centre);
        assert_eq!("sideways".parse::<Fit>().unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(Gravity::NorthEast.to_string(), "north-east");
    }
}
