//! PNG, GIF, WebP, TIFF, BMP and ICO through the `image` crate's decoders (for ICO, the
//! largest entry; for multi-page TIFF, the first page).

use std::io::Cursor;

use ::image::{DynamicImage, ImageDecoder, ImageError, error::LimitErrorKind};

use super::{DecodeOptions, Image, ImageInfo};
use crate::image::exif::orientation_from_exif;
use crate::image::{Format, Limits, Orientation};
use crate::{Error, ErrorKind, Result};

pub(super) fn probe(data: &[u8], format: Format) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    if let Some(entry) = ico_entry(data, format) {
        let (info, exif) = probe_as(&entry.data, entry.format)?;
        return Ok((ImageInfo { format, ..info }, exif));
    }
    probe_as(data, format)
}

fn probe_as(data: &[u8], format: Format) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    with_decoder(data, format, &Limits::default(), |mut dec| {
        let exif = dec.exif_metadata().ok().flatten();
        let orientation = orientation(dec.as_mut(), exif.as_deref());
        let info = ImageInfo::new(format, dec.dimensions(), orientation, dec.color_type().has_alpha());
        Ok((info, exif))
    })
}

pub(super) fn decode(data: &[u8], format: Format, opts: &DecodeOptions) -> Result<Image> {
    if let Some(entry) = ico_entry(data, format) {
        let mut img = decode_as(&entry.data, entry.format, opts)?;
        (img.info.format, img.input_bytes) = (format, data.len());
        return Ok(img);
    }
    decode_as(data, format, opts)
}

fn decode_as(data: &[u8], format: Format, opts: &DecodeOptions) -> Result<Image> {
    with_decoder(data, format, &opts.limits, |mut dec| {
        let (width, height) = dec.dimensions();
        opts.limits.check_dimensions(width, height)?;
        let icc = dec.icc_profile().ok().flatten();
        let exif = dec.exif_metadata().ok().flatten();
        let orientation = orientation(dec.as_mut(), exif.as_deref());
        let has_alpha = dec.color_type().has_alpha();
        let mut pixels = DynamicImage::from_decoder(dec).map_err(|e| from_image_error(e, format))?;
        if format == Format::Tiff && tiff_tag(data, 338) == Some(1) {
            // ExtraSamples = 1: associated (premultiplied) alpha, which the tiff decoder hands over
            // as stored; everything downstream works on straight alpha.
            unpremultiply(&mut pixels);
        }
        let info = ImageInfo::new(format, (width, height), orientation, has_alpha);
        Ok(Image { pixels, info, icc, exif, input_bytes: data.len() })
    })
}

/// The icon entry to show, on its own: the largest, then the deepest, and among equals the
/// first, as Pillow and Windows pick (the `image` crate's ICO decoder stops at the first largest,
/// often a 256-colour one, and takes only RGBA PNG entries).
struct IcoEntry {
    format: Format,
    data: Vec<u8>,
}

/// `None` for anything but an icon, or one whose directory does not point inside the file (the
/// ICO decoder then reports what is wrong).
fn ico_entry(data: &[u8], format: Format) -> Option<IcoEntry> {
    if format != Format::Ico {
        return None;
    }
    let count = usize::from(u16::from_le_bytes([*data.get(4)?, *data.get(5)?]));
    let side = |b: u8| if b == 0 { 256u32 } else { u32::from(b) };
    // `max_by_key` keeps the last of equals: walk the directory backwards.
    let best = (0..count)
        .rev()
        .filter_map(|i| data.get(6 + i * 16..6 + i * 16 + 16))
        .max_by_key(|e| (side(e[0]) * side(e[1]), u16::from_le_bytes([e[6], e[7]])))?;
    let size = u32::from_le_bytes(best[8..12].try_into().ok()?) as usize;
    let offset = u32::from_le_bytes(best[12..16].try_into().ok()?) as usize;
    let entry = data.get(offset..offset.checked_add(size)?)?;
    if entry.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(IcoEntry { format: Format::Png, data: entry.to_vec() });
    }
    // A BMP entry: an icon of just that entry, for the ICO decoder.
    let mut one = Vec::with_capacity(22 + entry.len());
    one.extend_from_slice(&[0, 0, 1, 0, 1, 0]);
    one.extend_from_slice(&best[..12]);
    one.extend_from_slice(&22u32.to_le_bytes());
    one.extend_from_slice(entry);
    Some(IcoEntry { format: Format::Ico, data: one })
}

/// EXIF orientation where the format carries EXIF; TIFF keeps it as a tag of its own IFD.
fn orientation(dec: &mut (dyn ImageDecoder + '_), exif: Option<&[u8]>) -> Orientation {
    match exif {
        Some(exif) => orientation_from_exif(exif),
        None => {
            dec.orientation().ok().and_then(|o| Orientation::from_exif_value(o.to_exif().into())).unwrap_or_default()
        }
    }
}

/// Build the decoder for `format` with `limits` applied, and hand it to `f`.
fn with_decoder<T>(
    data: &[u8],
    format: Format,
    limits: &Limits,
    f: impl FnOnce(Box<dyn ImageDecoder + '_>) -> Result<T>,
) -> Result<T> {
    // Some decoders refuse a huge size as a format error (`image-webp`) or trip over the strip
    // table it implies (`tiff`) before they say how big the image is: read the size here first.
    let claimed = match format {
        Format::Webp => webp_canvas(data),
        Format::Tiff => tiff_size(data),
        Format::Bmp => bmp_size(data),
        _ => None,
    };
    if let Some((w, h)) = claimed {
        limits.check_dimensions(w, h)?;
    }
    let cursor = Cursor::new(data);
    let err = |e| from_image_error(e, format);
    let mut dec: Box<dyn ImageDecoder + '_> = match format {
        #[cfg(feature = "png")]
        Format::Png => Box::new(::image::codecs::png::PngDecoder::new(cursor).map_err(err)?),
        #[cfg(feature = "webp")]
        Format::Webp => Box::new(::image::codecs::webp::WebPDecoder::new(cursor).map_err(err)?),
        Format::Gif => Box::new(::image::codecs::gif::GifDecoder::new(cursor).map_err(err)?),
        #[cfg(feature = "tiff")]
        Format::Tiff => Box::new(::image::codecs::tiff::TiffDecoder::new(cursor).map_err(err)?),
        #[cfg(feature = "bmp")]
        Format::Bmp => Box::new(::image::codecs::bmp::BmpDecoder::new(cursor).map_err(err)?),
        #[cfg(feature = "ico")]
        Format::Ico => Box::new(::image::codecs::ico::IcoDecoder::new(cursor).map_err(err)?),
        other => {
            return Err(
                Error::new(ErrorKind::UnsupportedFormat, "no decoder for this format").with_context("format", other)
            );
        }
    };
    dec.set_limits(image_limits(limits)).map_err(err)?;
    f(dec)
}

/// The canvas of an extended (VP8X) WebP, the only layout whose 24-bit sides can pass the
/// pixel limit (simple VP8 and VP8L store 14-bit sides).
fn webp_canvas(data: &[u8]) -> Option<(u32, u32)> {
    let header = data.get(12..30)?;
    if &header[..4] != b"VP8X" {
        return None;
    }
    let side = |b: &[u8]| u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16;
    Some((side(&header[12..15]) + 1, side(&header[15..18]) + 1))
}

/// ImageWidth and ImageLength of a classic TIFF's first IFD (BigTIFF: `None`, left to the decoder).
fn tiff_size(data: &[u8]) -> Option<(u32, u32)> {
    Some((tiff_tag(data, 256)?, tiff_tag(data, 257)?))
}

/// The first value of a SHORT or LONG tag in a classic TIFF's first IFD.
fn tiff_tag(data: &[u8], tag: u16) -> Option<u32> {
    let le = match data.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |i: usize| {
        data.get(i..i + 2).map(|b| if le { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) })
    };
    let u32_at = |i: usize| {
        data.get(i..i + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) }
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    (0..usize::from(u16_at(ifd)?)).find_map(|i| {
        let entry = ifd.checked_add(2 + 12 * i)?;
        if u16_at(entry)? != tag {
            return None;
        }
        match u16_at(entry + 2)? {
            3 => u16_at(entry + 8).map(u32::from),
            4 => u32_at(entry + 8),
            _ => None,
        }
    })
}

/// Premultiplied to straight alpha, in place (8- and 16-bit gray or RGB with alpha).
fn unpremultiply(pixels: &mut DynamicImage) {
    fn run<T: Copy + Into<u32> + TryFrom<u32>>(samples: &mut [T], channels: usize, max: u32) {
        for px in samples.chunks_exact_mut(channels) {
            let a: u32 = px[channels - 1].into();
            if a == 0 || a == max {
                continue;
            }
            for c in &mut px[..channels - 1] {
                let v = ((*c).into() * max + a / 2) / a;
                *c = T::try_from(v.min(max)).unwrap_or(*c);
            }
        }
    }
    match pixels {
        DynamicImage::ImageRgba8(b) => run(b.as_mut(), 4, 255),
        DynamicImage::ImageLumaA8(b) => run(b.as_mut(), 2, 255),
        DynamicImage::ImageRgba16(b) => run(b.as_mut(), 4, 65535),
        DynamicImage::ImageLumaA16(b) => run(b.as_mut(), 2, 65535),
        _ => {}
    }
}

/// Width and height of a BMP's DIB header (OS/2 core headers store 16-bit sides; a negative
/// height means top-down rows).
fn bmp_size(data: &[u8]) -> Option<(u32, u32)> {
    let header = u32::from_le_bytes(data.get(14..18)?.try_into().ok()?);
    if header == 12 {
        let side = |i: usize| data.get(i..i + 2).map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])));
        return Some((side(18)?, side(20)?));
    }
    let side = |i: usize| data.get(i..i + 4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]).unsigned_abs());
    Some((side(18)?, side(22)?))
}

/// The `image` crate's own limits, as a backstop behind our header check.
fn image_limits(limits: &Limits) -> ::image::Limits {
    let mut l = ::image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    // Largest decoded buffer: 16-bit RGBA at max_pixels, plus headroom for metadata chunks.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    l
}

pub(crate) fn from_image_error(e: ImageError, format: Format) -> Error {
    let kind = match &e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => ErrorKind::LimitExceeded,
            _ => ErrorKind::LimitExceeded,
        },
        ImageError::Unsupported(_) => ErrorKind::UnsupportedFormat,
        // The BMP, ICO and TIFF decoders refuse many valid variants (lenient BMPs that browsers
        // show, YCbCr TIFFs, odd icon depths) as format errors; truncation comes as an I/O error.
        ImageError::Decoding(_) if matches!(format, Format::Bmp | Format::Ico | Format::Tiff) => {
            ErrorKind::UnsupportedFormat
        }
        ImageError::Decoding(_) | ImageError::IoError(_) => ErrorKind::CorruptInput,
        ImageError::Parameter(_) => ErrorKind::InvalidArgument,
        ImageError::Encoding(_) => ErrorKind::EncodeFailed,
    };
    let message = match kind {
        ErrorKind::CorruptInput => "image data is corrupt or truncated",
        ErrorKind::LimitExceeded => "image exceeds the configured limits",
        ErrorKind::UnsupportedFormat => "image uses a feature or variant this decoder does not support (or is damaged)",
        _ => "image codec error",
    };
    Error::new(kind, message).with_context("format", format).with_source(e)
}
