//! PNG, GIF, WebP, TIFF, BMP and ICO through the `image` crate's decoders (for ICO, the
//! largest entry; for multi-page TIFF, the first page).

use std::io::Cursor;

use ::image::{DynamicImage, ImageDecoder, ImageError, error::LimitErrorKind};

use super::{DecodeOptions, Image, ImageInfo};
use crate::image::exif::orientation_from_exif;
use crate::image::{Format, Limits, Orientation};
use crate::{Error, ErrorKind, Result};

pub(super) fn probe(data: &[u8], format: Format) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    if let Some(png) = ico_png_entry(data, format) {
        let (info, exif) = probe(png, Format::Png)?;
        return Ok((ImageInfo { format, ..info }, exif));
    }
    with_decoder(data, format, &Limits::default(), |mut dec| {
        let exif = dec.exif_metadata().ok().flatten();
        let orientation = orientation(dec.as_mut(), exif.as_deref());
        let info = ImageInfo::new(format, dec.dimensions(), orientation, dec.color_type().has_alpha());
        Ok((info, exif))
    })
}

pub(super) fn decode(data: &[u8], format: Format, opts: &DecodeOptions) -> Result<Image> {
    if let Some(png) = ico_png_entry(data, format) {
        let mut img = decode(png, Format::Png, opts)?;
        img.info.format = format;
        return Ok(img);
    }
    with_decoder(data, format, &opts.limits, |mut dec| {
        let (width, height) = dec.dimensions();
        opts.limits.check_dimensions(width, height)?;
        let icc = dec.icc_profile().ok().flatten();
        let exif = dec.exif_metadata().ok().flatten();
        let orientation = orientation(dec.as_mut(), exif.as_deref());
        let has_alpha = dec.color_type().has_alpha();
        let pixels = DynamicImage::from_decoder(dec).map_err(|e| from_image_error(e, format))?;
        let info = ImageInfo::new(format, (width, height), orientation, has_alpha);
        Ok(Image { pixels, info, icc, exif, input_bytes: data.len() })
    })
}

/// The largest entry of an icon when it is a PNG: decoded by the PNG decoder, which reads every
/// colour type (the `image` crate's ICO decoder takes only RGBA PNG entries). `None` for BMP
/// entries, which go through the ICO decoder.
fn ico_png_entry(data: &[u8], format: Format) -> Option<&[u8]> {
    if format != Format::Ico {
        return None;
    }
    let count = usize::from(u16::from_le_bytes([*data.get(4)?, *data.get(5)?]));
    let side = |b: u8| if b == 0 { 256u32 } else { u32::from(b) };
    let best = (0..count)
        .filter_map(|i| data.get(6 + i * 16..6 + i * 16 + 16))
        .max_by_key(|e| (side(e[0]) * side(e[1]), u16::from_le_bytes([e[6], e[7]])))?;
    let size = u32::from_le_bytes(best[8..12].try_into().ok()?) as usize;
    let offset = u32::from_le_bytes(best[12..16].try_into().ok()?) as usize;
    let entry = data.get(offset..offset.checked_add(size)?)?;
    entry.starts_with(b"\x89PNG\r\n\x1a\n").then_some(entry)
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
    if format == Format::Webp
        && let Some((w, h)) = webp_canvas(data)
    {
        // `image-webp` refuses a huge canvas as a format error; say what it is.
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
