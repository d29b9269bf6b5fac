//! JPEG XL through jxl-oxide (pure Rust): bare codestreams and the ISO-BMFF container.
//!
//! jxl-oxide renders the first keyframe already turned by the codestream's orientation, so
//! pixels come out upright and the reported orientation is `Normal`. Dimensions are checked from
//! the image header before any frame is rendered, and jxl-oxide's allocation tracker caps what
//! the render may allocate, as a backstop. 8-bit images come out as 8-bit RGB(A)/gray, deeper
//! ones as 16-bit.

use std::io::Cursor;

use ::image::{DynamicImage, ImageBuffer};
use jxl_oxide::{AllocTracker, InitializeResult, JxlImage, PixelFormat};

use super::{DecodeOptions, Image, ImageInfo, raw8};
use crate::image::{Format, Limits, Orientation};
use crate::{Error, ErrorKind, Result};

fn failed(e: impl std::fmt::Display, what: &'static str) -> Error {
    let detail = e.to_string();
    // The allocation tracker's refusal reads "failed to allocate N byte(s)".
    let kind =
        if detail.starts_with("failed to allocate") { ErrorKind::LimitExceeded } else { ErrorKind::CorruptInput };
    Error::new(kind, what).with_context("format", "jxl").with_context("jxl", detail)
}

/// Header facts, from the image header alone (no frame is parsed).
pub(super) fn probe(data: &[u8]) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    let mut uninit = JxlImage::builder().build_uninit();
    uninit.feed_bytes(data).map_err(|e| failed(e, "JPEG XL container is corrupt"))?;
    let image = match uninit.try_init().map_err(|e| failed(e, "JPEG XL header is corrupt"))? {
        InitializeResult::Initialized(image) => image,
        InitializeResult::NeedMoreData(_) => {
            return Err(Error::new(ErrorKind::CorruptInput, "JPEG XL file ends inside its header")
                .with_context("format", "jxl"));
        }
    };
    // EXIF boxes may follow the codestream's header; those before it are already read.
    Ok((info(&image), exif(&image)))
}

pub(super) fn decode(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
    let image = open(data, &opts.limits)?;
    let mut info = info(&image);
    opts.limits.check_dimensions(info.width, info.height)?;
    let render = image.render_frame(0).map_err(|e| failed(e, "JPEG XL image data is corrupt or truncated"))?;
    let mut stream = render.stream();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels() as usize);
    if !(1..=4).contains(&channels) {
        return Err(Error::new(ErrorKind::UnsupportedFormat, "JPEG XL images in CMYK are not supported")
            .with_context("channels", channels));
    }
    let len = (w as usize) * (h as usize) * channels;
    let deep = image.image_header().metadata.bit_depth.bits_per_sample() > 8;
    let pixels = if deep {
        let mut buf = vec![0u16; len];
        stream.write_to_buffer(&mut buf);
        sixteen(w, h, channels, buf)
    } else {
        let mut buf = vec![0u8; len];
        stream.write_to_buffer(&mut buf);
        raw8(w, h, channels, buf)
    }
    .ok_or_else(|| Error::new(ErrorKind::CorruptInput, "JPEG XL decoder produced an unexpected buffer size"))?;
    (info.width, info.height) = (pixels.width(), pixels.height());
    let icc = image.original_icc().map(<[u8]>::to_vec);
    let exif = exif(&image);
    Ok(Image { pixels, info, icc, exif, input_bytes: data.len() })
}

fn open(data: &[u8], limits: &Limits) -> Result<JxlImage> {
    // Rendering keeps f32 planes per channel, plus the frame's own buffers: 64 bytes per pixel
    // covers RGBA with room, and anything past it is a bomb the header check missed.
    let budget = usize::try_from(limits.max_pixels.saturating_mul(64)).unwrap_or(usize::MAX);
    JxlImage::builder()
        .alloc_tracker(AllocTracker::with_limit(budget))
        .read(Cursor::new(data))
        .map_err(|e| failed(e, "JPEG XL file is corrupt or truncated"))
}

fn info(image: &JxlImage) -> ImageInfo {
    let has_alpha = matches!(image.pixel_format(), PixelFormat::Graya | PixelFormat::Rgba | PixelFormat::Cmyka);
    ImageInfo::new(Format::Jxl, (image.width(), image.height()), Orientation::Normal, has_alpha)
}

fn exif(image: &JxlImage) -> Option<Vec<u8>> {
    let raw = image.aux_boxes().first_exif().ok()?;
    if !raw.has_data() {
        return None;
    }
    let raw = raw.unwrap();
    raw.payload().get(raw.tiff_header_offset() as usize..).filter(|t| !t.is_empty()).map(<[u8]>::to_vec)
}

fn sixteen(w: u32, h: u32, channels: usize, px: Vec<u16>) -> Option<DynamicImage> {
    Some(match channels {
        1 => DynamicImage::ImageLuma16(ImageBuffer::from_raw(w, h, px)?),
        2 => DynamicImage::ImageLumaA16(ImageBuffer::from_raw(w, h, px)?),
        3 => DynamicImage::ImageRgb16(ImageBuffer::from_raw(w, h, px)?),
        4 => DynamicImage::ImageRgba16(ImageBuffer::from_raw(w, h, px)?),
        _ => return None,
    })
}
