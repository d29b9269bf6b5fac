//! PNG, GIF and WebP through the `image` crate's decoders.

use std::io::Cursor;

use ::image::{DynamicImage, ImageDecoder, ImageError, error::LimitErrorKind};

use super::{DecodeOptions, Image, ImageInfo};
use crate::image::exif::orientation_from_exif;
use crate::image::{Format, Limits};
use crate::{Error, ErrorKind, Result};

pub(super) fn probe(data: &[u8], format: Format) -> Result<ImageInfo> {
    with_decoder(data, format, &Limits::default(), |mut dec| {
        let exif = dec.exif_metadata().ok().flatten();
        let (width, height) = dec.dimensions();
        Ok(ImageInfo {
            format,
            width,
            height,
            orientation: exif.as_deref().map(orientation_from_exif).unwrap_or_default(),
            has_alpha: dec.color_type().has_alpha(),
        })
    })
}

pub(super) fn decode(data: &[u8], format: Format, opts: &DecodeOptions) -> Result<Image> {
    with_decoder(data, format, &opts.limits, |mut dec| {
        let (width, height) = dec.dimensions();
        opts.limits.check_dimensions(width, height)?;
        let icc = dec.icc_profile().ok().flatten();
        let exif = dec.exif_metadata().ok().flatten();
        let has_alpha = dec.color_type().has_alpha();
        let pixels = DynamicImage::from_decoder(dec).map_err(|e| from_image_error(e, format))?;
        let orientation = exif.as_deref().map(orientation_from_exif).unwrap_or_default();
        Ok(Image {
            pixels,
            info: ImageInfo { format, width, height, orientation, has_alpha },
            icc,
            exif,
            input_bytes: data.len(),
        })
    })
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
        ImageError::Decoding(_) | ImageError::IoError(_) => ErrorKind::CorruptInput,
        ImageError::Parameter(_) => ErrorKind::InvalidArgument,
        ImageError::Encoding(_) => ErrorKind::EncodeFailed,
    };
    let message = match kind {
        ErrorKind::CorruptInput => "image data is corrupt or truncated",
        ErrorKind::LimitExceeded => "image exceeds the configured limits",
        ErrorKind::UnsupportedFormat => "image uses a feature this decoder does not support",
        _ => "image codec error",
    };
    Error::new(kind, message).with_context("format", format).with_source(e)
}
