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

/// Header facts, from the image header alone (no frame is rendered).
pub(super) fn probe(data: &[u8]) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    if let Some((w, h)) = coded_size(data) {
        Limits::default().check_dimensions(w, h)?;
    }
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
    // jxl-oxide parses the first frame's header (and its table of groups, sized by the image)
    // while it initialises: the size is checked before it sees the file.
    if let Some((w, h)) = coded_size(data) {
        opts.limits.check_dimensions(w, h)?;
    }
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

/// The image size from the codestream's `SizeHeader` (ISO/IEC 18181-1 A.3.1), read here from
/// the first bytes; `None` when the file ends first or is not a JPEG XL codestream or container.
fn coded_size(data: &[u8]) -> Option<(u32, u32)> {
    let stream = codestream(data)?;
    let mut bits = Bits { data: stream, at: 0 };
    if bits.read(16)? != 0x0AFF {
        return None;
    }
    let div8 = bits.read(1)? == 1;
    let side = |bits: &mut Bits<'_>| -> Option<u32> {
        if div8 {
            return Some((bits.read(5)? + 1) * 8);
        }
        let n = [9, 13, 18, 30][bits.read(2)? as usize];
        Some(bits.read(n)? + 1)
    };
    let height = side(&mut bits)?;
    let ratio = bits.read(3)?;
    let h = u64::from(height);
    let width = match ratio {
        0 => side(&mut bits)?,
        1 => height,
        r => u32::try_from(match r {
            2 => h * 12 / 10,
            3 => h * 4 / 3,
            4 => h * 3 / 2,
            5 => h * 16 / 9,
            6 => h * 5 / 4,
            _ => h * 2,
        })
        .ok()?,
    };
    Some((width, height))
}

/// The codestream: the file itself, or the payload of the container's first `jxlc`/`jxlp` box.
fn codestream(data: &[u8]) -> Option<&[u8]> {
    if data.starts_with(&[0xFF, 0x0A]) {
        return Some(data);
    }
    let mut at = 0usize;
    while let Some(header) = data.get(at..at + 8) {
        let size32 = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let (size, head) = match size32 {
            0 => (data.len() - at, 8),
            1 => (usize::try_from(u64::from_be_bytes(data.get(at + 8..at + 16)?.try_into().ok()?)).ok()?, 16),
            n => (n, 8),
        };
        let body = data.get(at + head..at.checked_add(size)?.min(data.len()).max(at + head))?;
        match &header[4..] {
            b"jxlc" => return Some(body),
            b"jxlp" => return body.get(4..),
            _ => {}
        }
        if size < head {
            return None;
        }
        at = at.checked_add(size)?;
    }
    None
}

/// Bits read least significant first, as JPEG XL packs them.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for i in 0..n {
            let byte = *self.data.get((self.at + i) / 8)?;
            v |= u32::from((byte >> ((self.at + i) % 8)) & 1) << i;
        }
        self.at += n;
        Some(v)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_header_is_read_in_both_layouts() {
        // 49×33 from libjxl (Pillow's plugin): height in 9 bits, width from ratio 4 (3:2)... and
        // the same bytes wrapped in a container's jxlc box.
        let bare = [0xFF, 0x0A, 0x00, 0xC1, 0x01, 0x00, 0x13, 0x88];
        assert_eq!(coded_size(&bare), Some((49, 33)));
        let mut boxed = b"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x10jxlc".to_vec();
        boxed.extend(bare);
        assert_eq!(coded_size(&boxed), Some((49, 33)));
        assert_eq!(coded_size(&bare[..3]), None);
        assert_eq!(coded_size(b"\0\0\0\x0cJXL \r\n\x87\n"), None);
    }
}
