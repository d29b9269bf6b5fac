//! AVIF: our own small HEIF container reader ([`heif`]) and the rav1d AV1 decoder
//! (BSD-2-Clause Rust port of dav1d, built from source by cargo, so wheels and
//! mobile builds need no system libdav1d), with YUV → RGB done here ([`yuv`]).
//!
//! Output: `Rgb8`/`Rgba8` for 8-bit streams, `Rgb16`/`Rgba16` for 10/12-bit ones
//! (samples widened to 16 bits), `Luma*`/`LumaA*` for monochrome streams. Grids
//! (tiled images) are assembled; for image sequences the primary still item is
//! decoded (files with no still item are `unsupported_format`).

mod av1;
mod heif;
mod yuv;

use ::image::{DynamicImage, ImageBuffer};

use self::av1::{Decoder, Layout, Picture};
use self::heif::{Avif, Coded, ImageItem, corrupt, unsupported};
use self::yuv::{Out, Placement};
use super::{DecodeOptions, Image, ImageInfo};
use crate::image::{Format, Limits, Orientation};
use crate::{Error, ErrorKind, Result};

pub(super) fn probe(data: &[u8]) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    let avif = heif::parse(data)?;
    Ok((to_info(&avif), avif.exif))
}

pub(super) fn decode(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
    let avif = heif::parse(data)?;
    let mut info = to_info(&avif);
    opts.limits.check_dimensions(info.width, info.height)?;
    if let Coded::Grid(g) = &avif.color.coded {
        opts.limits.check_dimensions(g.width, g.height)?;
    }
    // rav1d refuses larger frames itself (0 would mean "no limit": check_dimensions refused 0 above).
    let frame_limit = u32::try_from(opts.limits.max_pixels).unwrap_or(u32::MAX);
    let (w, h) = match &avif.color.coded {
        Coded::Grid(g) => (g.width, g.height),
        _ => (avif.color.width, avif.color.height),
    };
    let mut decoder = Decoder::new(frame_limit, u64::from(w) * u64::from(h))?;
    let mut pixels = decode_pixels(&mut decoder, &avif, &opts.limits)?;
    // The decoded frame is authoritative for dimensions; the crop comes first of the transforms
    // (the orientation is applied by the caller, on the cropped pixels).
    if let Some((x, y, w, h)) = avif.crop.and_then(|c| c.rect(pixels.width(), pixels.height())) {
        pixels = pixels.crop_imm(x, y, w, h);
    }
    (info.width, info.height) = (pixels.width(), pixels.height());
    Ok(Image { pixels, info, icc: avif.icc, exif: avif.exif, input_bytes: data.len() })
}

fn to_info(avif: &Avif<'_>) -> ImageInfo {
    let (w, h) = (avif.color.width, avif.color.height);
    let size = avif.crop.and_then(|c| c.rect(w, h)).map_or((w, h), |(_, _, cw, ch)| (cw, ch));
    ImageInfo::new(Format::Avif, size, heif_orientation(avif.rotation, avif.mirror), avif.alpha.is_some())
}

/// HEIF applies `irot` (counter-clockwise) and then `imir`, whose mode 0 exchanges top and
/// bottom and mode 1 left and right (ISO/IEC 23008-12:2022 6.5.12; its note maps mode 0 to
/// EXIF orientation 4 and mode 1 to 2). Expressed as the equivalent EXIF orientation so one
/// code path makes pixels upright.
fn heif_orientation(angle_ccw: u16, mirror_mode: Option<u8>) -> Orientation {
    use Orientation::*;
    match (angle_ccw % 360, mirror_mode) {
        (0, None) => Normal,
        (0, Some(1)) | (180, Some(0)) => FlipHorizontal,
        (0, Some(_)) | (180, Some(_)) => FlipVertical,
        (180, None) => Rotate180,
        (90, None) => Rotate270,
        (90, Some(1)) | (270, Some(0)) => Transverse,
        (90, Some(_)) | (270, Some(_)) => Transpose,
        (270, None) => Rotate90,
        _ => Normal,
    }
}

/// Decoded frames of an image item, one at a time, with where each goes.
struct Frames<'i, 'a> {
    item: &'i ImageItem<'a>,
    next: usize,
    /// Tile size, fixed by the first tile of a grid.
    tile: Option<(u32, u32)>,
}

impl<'i, 'a> Frames<'i, 'a> {
    fn new(item: &'i ImageItem<'a>) -> Self {
        Frames { item, next: 0, tile: None }
    }

    fn count(&self) -> usize {
        match &self.item.coded {
            Coded::Av1(_) => 1,
            Coded::Grid(g) => g.tiles.len(),
        }
    }

    /// Canvas size: the grid's output size, or the (first) frame's own size.
    fn canvas(&self, first: &Picture) -> (u32, u32) {
        match &self.item.coded {
            Coded::Av1(_) => (first.width(), first.height()),
            Coded::Grid(g) => (g.width, g.height),
        }
    }

    fn decode_next(&mut self, decoder: &mut Decoder, limits: &Limits) -> Result<Option<(Picture, Placement)>> {
        let i = self.next;
        if i >= self.count() {
            return Ok(None);
        }
        self.next += 1;
        let pic = match &self.item.coded {
            Coded::Av1(obus) => decoder.decode(obus)?,
            Coded::Grid(g) => decoder.decode(&g.tiles[i])?,
        };
        limits.check_dimensions(pic.width(), pic.height())?;
        let (w, h) = (pic.width(), pic.height());
        let at = match &self.item.coded {
            Coded::Av1(_) => {
                Placement { canvas_width: w as usize, channels: 0, x0: 0, y0: 0, width: w as usize, height: h as usize }
            }
            Coded::Grid(g) => {
                let (tw, th) = *self.tile.get_or_insert((w, h));
                if (w, h) != (tw, th) {
                    return Err(corrupt("AVIF grid tiles differ in size"));
                }
                // The tiles must cover the output exactly, with only the last row and column cropped.
                let covers = |tile: u32, n: u32, out: u32| {
                    let (tile, n, out) = (u64::from(tile), u64::from(n), u64::from(out));
                    tile * n >= out && tile * (n - 1) < out
                };
                if !covers(tw, g.columns, g.width) || !covers(th, g.rows, g.height) {
                    return Err(corrupt("AVIF grid tiles do not cover the output size"));
                }
                let (col, row) = (i as u32 % g.columns, i as u32 / g.columns);
                let (x0, y0) = ((col * tw) as usize, (row * th) as usize);
                Placement {
                    canvas_width: g.width as usize,
                    channels: 0,
                    x0,
                    y0,
                    width: (tw as usize).min(g.width as usize - x0),
                    height: (th as usize).min(g.height as usize - y0),
                }
            }
        };
        Ok(Some((pic, at)))
    }
}

/// Shape of the output, fixed by the first colour frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    bit_depth: u32,
    gray: bool,
}

impl Shape {
    fn of(pic: &Picture) -> Shape {
        Shape { bit_depth: pic.bit_depth(), gray: pic.layout() == Layout::I400 }
    }
}

fn decode_pixels(decoder: &mut Decoder, avif: &Avif<'_>, limits: &Limits) -> Result<DynamicImage> {
    let mut frames = Frames::new(&avif.color);
    let (first, at) = frames.decode_next(decoder, limits)?.ok_or_else(|| corrupt("AVIF image has no frames"))?;
    let shape = Shape::of(&first);
    let (w, h) = frames.canvas(&first);
    limits.check_dimensions(w, h)?;
    let channels = usize::from(!shape.gray) * 2 + 1 + usize::from(avif.alpha.is_some());
    let len = (w as usize).checked_mul(h as usize).and_then(|n| n.checked_mul(channels));
    let len = len.ok_or_else(|| Error::new(ErrorKind::LimitExceeded, "AVIF image is too large to address"))?;
    if shape.bit_depth > 8 {
        let mut canvas = vec![0u16; len];
        fill(decoder, avif, limits, frames, (first, at), shape, &mut canvas, (w, h, channels))?;
        to_dynamic16(w, h, channels, canvas)
    } else {
        let mut canvas = vec![0u8; len];
        fill(decoder, avif, limits, frames, (first, at), shape, &mut canvas, (w, h, channels))?;
        super::raw8(w, h, channels, canvas)
            .ok_or_else(|| Error::new(ErrorKind::CorruptInput, "AVIF decoder produced an unexpected buffer size"))
    }
}

#[allow(clippy::too_many_arguments)]
fn fill<O: Out>(
    decoder: &mut Decoder,
    avif: &Avif<'_>,
    limits: &Limits,
    mut frames: Frames<'_, '_>,
    first: (Picture, Placement),
    shape: Shape,
    canvas: &mut [O],
    (w, h, channels): (u32, u32, usize),
) -> Result<()> {
    let mut next = Some(first);
    while let Some((pic, at)) = next {
        if Shape::of(&pic) != shape {
            return Err(corrupt("AVIF grid tiles differ in bit depth or chroma format"));
        }
        yuv::color_into(&pic, avif.nclx.map(|n| n.matrix), canvas, Placement { channels, ..at }, shape.bit_depth)?;
        drop(pic);
        next = frames.decode_next(decoder, limits)?;
    }
    let Some(alpha) = &avif.alpha else {
        return Ok(());
    };
    let mut frames = Frames::new(alpha);
    while let Some((pic, at)) = frames.decode_next(decoder, limits)? {
        // Only the luma of the alpha stream is used (it should be monochrome).
        if frames.canvas(&pic) != (w, h) {
            return Err(corrupt("AVIF alpha plane size differs from the colour image"));
        }
        yuv::alpha_into(&pic, canvas, Placement { channels, ..at }, shape.bit_depth)?;
    }
    if avif.premultiplied {
        yuv::unpremultiply(canvas, channels);
    }
    Ok(())
}

fn to_dynamic16(w: u32, h: u32, channels: usize, px: Vec<u16>) -> Result<DynamicImage> {
    let wrong = || Error::new(ErrorKind::CorruptInput, "AVIF decoder produced an unexpected buffer size");
    Ok(match channels {
        1 => DynamicImage::ImageLuma16(ImageBuffer::from_raw(w, h, px).ok_or_else(wrong)?),
        2 => DynamicImage::ImageLumaA16(ImageBuffer::from_raw(w, h, px).ok_or_else(wrong)?),
        3 => DynamicImage::ImageRgb16(ImageBuffer::from_raw(w, h, px).ok_or_else(wrong)?),
        4 => DynamicImage::ImageRgba16(ImageBuffer::from_raw(w, h, px).ok_or_else(wrong)?),
        _ => return Err(unsupported("AVIF channel layout not supported")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heif_transforms_map_to_exif_orientation() {
        assert_eq!(heif_orientation(0, None), Orientation::Normal);
        assert_eq!(heif_orientation(90, None), Orientation::Rotate270);
        assert_eq!(heif_orientation(270, None), Orientation::Rotate90);
        assert_eq!(heif_orientation(180, None), Orientation::Rotate180);
        assert_eq!(heif_orientation(0, Some(0)), Orientation::FlipVertical);
        assert_eq!(heif_orientation(0, Some(1)), Orientation::FlipHorizontal);
        // Each pairing against the composition done on pixels: rotate ccw, then mirror.
        let img =
            DynamicImage::ImageLuma8(::image::GrayImage::from_fn(3, 2, |x, y| ::image::Luma([(y * 3 + x) as u8])));
        for angle in [0u16, 90, 180, 270] {
            for mode in [None, Some(0u8), Some(1)] {
                let rotated = match angle {
                    90 => img.rotate270(),
                    180 => img.rotate180(),
                    270 => img.rotate90(),
                    _ => img.clone(),
                };
                let expected = match mode {
                    Some(0) => rotated.flipv(),
                    Some(_) => rotated.fliph(),
                    None => rotated,
                };
                let got = heif_orientation(angle, mode).apply(img.clone());
                assert_eq!(got.to_luma8(), expected.to_luma8(), "irot {angle} imir {mode:?}");
            }
        }
    }

    /// The AVIF cases of `testdata/cases/hostile.json` (when present) fail with their codes.
    /// `probe` there also applies the default limits, as the public `probe` does.
    #[test]
    fn hostile_avif_cases_give_their_codes() {
        use base64::Engine;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/cases/hostile.json");
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("{path} not found; skipped");
            return;
        };
        let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let mut checked = 0;
        for case in &cases {
            let name = case["name"].as_str().unwrap();
            let (Some(b64), Some(code)) = (case["input"]["base64"].as_str(), case["expect_error"].as_str()) else {
                continue;
            };
            let data = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
            if Format::sniff(&data) != Some(Format::Avif) {
                continue;
            }
            let result = match case["op"].as_str().unwrap() {
                "probe" => probe(&data).and_then(|(i, _)| Limits::default().check_dimensions(i.width, i.height)),
                _ => decode(&data, &DecodeOptions::default()).map(|_| ()),
            };
            let e = result.expect_err(name);
            assert_eq!(e.kind().code(), code, "{name}: {e}");
            checked += 1;
        }
        eprintln!("{checked} hostile AVIF cases give their codes");
        assert!(checked > 0);
    }
}
