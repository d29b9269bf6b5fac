//! AVIF through zenavif: the rav1d decoder (Rust port of dav1d), so wheels and
//! mobile builds need no system libdav1d.

use ::image::{DynamicImage, ImageBuffer};
use zenavif::{DecoderConfig, ManagedAvifDecoder, Unstoppable};
use zenpixels::{ChannelLayout, ChannelType, PixelBuffer};

use super::{DecodeOptions, Image, ImageInfo};
use crate::image::{Format, Orientation};
use crate::{Error, ErrorKind, Result};

pub(super) fn probe(data: &[u8]) -> Result<ImageInfo> {
    let dec = ManagedAvifDecoder::new(data, &DecoderConfig::new()).map_err(from_avif_error)?;
    let info = dec.probe_info().map_err(from_avif_error)?;
    Ok(to_info(&info))
}

pub(super) fn decode(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
    let limit = u32::try_from(opts.limits.max_pixels).unwrap_or(u32::MAX);
    let config = DecoderConfig::new().frame_size_limit(limit);
    let mut dec = ManagedAvifDecoder::new(data, &config).map_err(from_avif_error)?;
    let header = dec.probe_info().map_err(from_avif_error)?;
    opts.limits.check_dimensions(header.width, header.height)?;
    let (buf, meta) = dec.decode_full(&Unstoppable).map_err(from_avif_error)?;
    let pixels = to_dynamic(buf)?;
    let mut info = to_info(&meta);
    // The decoded frame is authoritative for dimensions (grids, clean aperture).
    (info.width, info.height) = (pixels.width(), pixels.height());
    Ok(Image { pixels, info, icc: meta.icc_profile, exif: meta.exif, input_bytes: data.len() })
}

fn to_info(info: &zenavif::ImageInfo) -> ImageInfo {
    ImageInfo {
        format: Format::Avif,
        width: info.width,
        height: info.height,
        orientation: heif_orientation(info.rotation.map(|r| r.angle).unwrap_or(0), info.mirror.map(|m| m.axis)),
        has_alpha: info.has_alpha,
    }
}

/// HEIF applies `irot` (counter-clockwise) and then `imir`; express that as the
/// equivalent EXIF orientation so one code path makes pixels upright.
fn heif_orientation(angle_ccw: u16, mirror_axis: Option<u8>) -> Orientation {
    use Orientation::*;
    match (angle_ccw % 360, mirror_axis) {
        (0, None) => Normal,
        (0, Some(0)) | (180, Some(1)) => FlipHorizontal,
        (0, Some(_)) | (180, Some(0)) => FlipVertical,
        (180, _) => Rotate180,
        (90, None) => Rotate270,
        (90, Some(0)) | (270, Some(1)) => Transverse,
        (90, Some(_)) | (270, Some(0)) => Transpose,
        (270, _) => Rotate90,
        _ => Normal,
    }
}

fn to_dynamic(buf: PixelBuffer) -> Result<DynamicImage> {
    let desc = buf.descriptor();
    let (w, h) = (buf.width(), buf.height());
    let bytes = buf.copy_to_contiguous_bytes();
    let wrong = || Error::new(ErrorKind::CorruptInput, "AVIF decoder returned an unexpected buffer size");
    let words = || bytes.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect::<Vec<u16>>();
    Ok(match (desc.layout(), desc.channel_type()) {
        (ChannelLayout::Rgb, ChannelType::U8) => {
            DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, bytes).ok_or_else(wrong)?)
        }
        (ChannelLayout::Rgba, ChannelType::U8) => {
            DynamicImage::ImageRgba8(ImageBuffer::from_raw(w, h, bytes).ok_or_else(wrong)?)
        }
        (ChannelLayout::Gray, ChannelType::U8) => {
            DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, bytes).ok_or_else(wrong)?)
        }
        (ChannelLayout::GrayAlpha, ChannelType::U8) => {
            DynamicImage::ImageLumaA8(ImageBuffer::from_raw(w, h, bytes).ok_or_else(wrong)?)
        }
        (ChannelLayout::Rgb, ChannelType::U16) => {
            DynamicImage::ImageRgb16(ImageBuffer::from_raw(w, h, words()).ok_or_else(wrong)?)
        }
        (ChannelLayout::Rgba, ChannelType::U16) => {
            DynamicImage::ImageRgba16(ImageBuffer::from_raw(w, h, words()).ok_or_else(wrong)?)
        }
        (ChannelLayout::Gray, ChannelType::U16) => {
            DynamicImage::ImageLuma16(ImageBuffer::from_raw(w, h, words()).ok_or_else(wrong)?)
        }
        (ChannelLayout::GrayAlpha, ChannelType::U16) => {
            DynamicImage::ImageLumaA16(ImageBuffer::from_raw(w, h, words()).ok_or_else(wrong)?)
        }
        (layout, ty) => {
            return Err(Error::new(ErrorKind::UnsupportedFormat, "AVIF pixel layout not supported")
                .with_context("layout", format!("{layout:?}"))
                .with_context("channel", format!("{ty:?}")));
        }
    })
}

fn from_avif_error(e: whereat::At<zenavif::Error>) -> Error {
    let (inner, _trace) = e.decompose();
    let kind = match &inner {
        zenavif::Error::ImageTooLarge { .. } | zenavif::Error::ResourceLimit(_) | zenavif::Error::OutOfMemory => {
            ErrorKind::LimitExceeded
        }
        zenavif::Error::Unsupported(_) => ErrorKind::UnsupportedFormat,
        _ => ErrorKind::CorruptInput,
    };
    Error::new(kind, "AVIF data could not be decoded").with_context("format", "avif").with_source(inner)
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
        assert_eq!(heif_orientation(0, Some(0)), Orientation::FlipHorizontal);
        assert_eq!(heif_orientation(0, Some(1)), Orientation::FlipVertical);
    }
}
