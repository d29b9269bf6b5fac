//! Decoding with limits: format from magic bytes, dimensions checked from the
//! header before pixels are allocated, EXIF orientation applied, metadata kept
//! aside for the encoder's [`MetadataPolicy`](super::MetadataPolicy).

#[cfg(feature = "avif")]
mod avif;
mod frames;
mod generic;
#[cfg(feature = "heic")]
mod heic;
#[cfg(feature = "jpeg")]
mod jpeg;
#[cfg(feature = "jxl")]
mod jxl;

use ::image::DynamicImage;
use serde::{Deserialize, Serialize};

use super::{Format, Limits, Metadata, Orientation};
use crate::{Error, ErrorKind, Result};

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecodeOptions {
    pub limits: Limits,
    /// Rotate/flip pixels according to EXIF (or AVIF `irot`/`imir`) so they come out upright.
    pub auto_orient: bool,
    /// Hint for shrink-on-load: the decoder may return a smaller image (JPEG DCT
    /// scaling by 1/2, 1/4, 1/8) as long as it still covers this upright size.
    pub shrink_to: Option<(u32, u32)>,
    /// Treat recoverable damage (a truncated JPEG, extraneous bytes) as
    /// `corrupt_input` instead of returning grey-filled pixels, like sharp's `failOn: 'warning'`.
    pub strict: bool,
    /// Convert pixels described by an embedded ICC profile (Display P3, Adobe RGB, …) to sRGB
    /// and drop the profile, as sharp does by default; off keeps the pixels and their profile
    /// (viewers that manage colour show both the same). Needs the `icc` feature (else ignored).
    /// CMYK JPEGs go through their profile either way.
    pub to_srgb: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { limits: Limits::default(), auto_orient: true, shrink_to: None, strict: true, to_srgb: false }
    }
}

/// Header facts, read without decoding pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub format: Format,
    /// Width as stored in the file (after a HEIF crop, before orientation is applied).
    pub width: u32,
    /// Height as stored in the file (after a HEIF crop, before orientation is applied).
    pub height: u32,
    pub orientation: Orientation,
    pub has_alpha: bool,
    /// Frames of an animation (GIF, animated WebP or PNG, AVIF sequence); 1 for a still.
    /// Decoding, thumbnails and compression use the first frame (the primary item of a HEIF file).
    #[serde(default = "one")]
    pub frames: u32,
    /// Camera facts from the file's EXIF.
    #[serde(default)]
    pub metadata: Metadata,
}

fn one() -> u32 {
    1
}

impl ImageInfo {
    /// Facts of a still image with no metadata yet (`decode` and `probe` fill in the rest).
    pub(crate) fn new(format: Format, (width, height): (u32, u32), orientation: Orientation, has_alpha: bool) -> Self {
        ImageInfo { format, width, height, orientation, has_alpha, frames: 1, metadata: Metadata::default() }
    }

    /// Dimensions as displayed, i.e. after orientation.
    pub fn upright_size(&self) -> (u32, u32) {
        if self.orientation.swaps_dimensions() { (self.height, self.width) } else { (self.width, self.height) }
    }
}

/// A decoded image: upright pixels plus what is known about their origin.
#[derive(Debug, Clone)]
pub struct Image {
    pub(crate) pixels: DynamicImage,
    pub(crate) info: ImageInfo,
    pub(crate) icc: Option<Vec<u8>>,
    pub(crate) exif: Option<Vec<u8>>,
    pub(crate) input_bytes: usize,
}

impl Image {
    /// Wrap pixels that did not come from a file (input size is taken as 0).
    pub fn from_pixels(pixels: DynamicImage) -> Image {
        let info = ImageInfo::new(
            Format::Png,
            (pixels.width(), pixels.height()),
            Orientation::Normal,
            pixels.color().has_alpha(),
        );
        Image { pixels, info, icc: None, exif: None, input_bytes: 0 }
    }

    /// Wrap raw 8-bit pixels (row-major; 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA
    /// channels), as bindings receive them from NumPy arrays or canvases.
    pub fn from_raw(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Result<Image> {
        crate::image::PixelsRef::new(width, height, channels, &data)?;
        let pixels = raw8(width, height, usize::from(channels), data).expect("PixelsRef::new checked the shape");
        Ok(Image::from_pixels(pixels))
    }

    pub fn pixels(&self) -> &DynamicImage {
        &self.pixels
    }

    pub fn into_pixels(self) -> DynamicImage {
        self.pixels
    }

    /// Header facts of the source file (stored dimensions and original orientation).
    pub fn info(&self) -> &ImageInfo {
        &self.info
    }

    pub fn width(&self) -> u32 {
        self.pixels.width()
    }

    pub fn height(&self) -> u32 {
        self.pixels.height()
    }

    /// Size of the encoded input this image was decoded from.
    pub fn input_bytes(&self) -> usize {
        self.input_bytes
    }

    pub fn icc_profile(&self) -> Option<&[u8]> {
        self.icc.as_deref()
    }

    /// Raw EXIF (TIFF structure), if the source had any.
    pub fn exif(&self) -> Option<&[u8]> {
        self.exif.as_deref()
    }

    /// Replace the pixels (e.g. after a resize), keeping the metadata.
    pub fn with_pixels(&self, pixels: DynamicImage) -> Image {
        Image {
            pixels,
            info: self.info.clone(),
            icc: self.icc.clone(),
            exif: self.exif.clone(),
            input_bytes: self.input_bytes,
        }
    }
}

/// Interleaved 8-bit samples (1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA channels) as an
/// image; `None` when the buffer does not hold exactly `width × height × channels` samples.
pub(crate) fn raw8(width: u32, height: u32, channels: usize, data: Vec<u8>) -> Option<DynamicImage> {
    use ::image::ImageBuffer;
    Some(match channels {
        1 => DynamicImage::ImageLuma8(ImageBuffer::from_raw(width, height, data)?),
        2 => DynamicImage::ImageLumaA8(ImageBuffer::from_raw(width, height, data)?),
        3 => DynamicImage::ImageRgb8(ImageBuffer::from_raw(width, height, data)?),
        4 => DynamicImage::ImageRgba8(ImageBuffer::from_raw(width, height, data)?),
        _ => return None,
    })
}

/// Read format, stored dimensions, orientation and alpha without decoding pixels.
/// What `decode` with default options would refuse from the header, this refuses too,
/// with the same code whatever the format: a zero side is `corrupt_input`, a size past
/// the default [`Limits`] is `limit_exceeded`.
pub fn probe(data: &[u8]) -> Result<ImageInfo> {
    let format = sniff(data)?;
    let (mut info, exif) = match format {
        #[cfg(feature = "jpeg")]
        Format::Jpeg => jpeg::probe(data),
        #[cfg(feature = "avif")]
        Format::Avif => avif::probe(data),
        #[cfg(feature = "heic")]
        Format::Heic => heic::probe(data),
        #[cfg(feature = "jxl")]
        Format::Jxl => jxl::probe(data),
        format => generic::probe(data, format),
    }?;
    Limits::default().check_dimensions(info.width, info.height)?;
    info.metadata = metadata(format, data, exif.as_deref());
    if info.frames == 1 {
        info.frames = frames::count(data, format);
    }
    Ok(info)
}

/// Decode an image, enforcing `opts.limits` before allocating pixels.
pub fn decode(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
    opts.limits.check_input_len(data.len())?;
    let format = sniff(data)?;
    let mut img = match format {
        #[cfg(feature = "jpeg")]
        Format::Jpeg => jpeg::decode(data, opts)?,
        #[cfg(feature = "avif")]
        Format::Avif => avif::decode(data, opts)?,
        #[cfg(feature = "heic")]
        Format::Heic => heic::decode(data, opts)?,
        #[cfg(feature = "jxl")]
        Format::Jxl => jxl::decode(data, opts)?,
        format => generic::decode(data, format, opts)?,
    };
    img.input_bytes = data.len();
    #[cfg(feature = "icc")]
    if opts.to_srgb
        && let Some(icc) = &img.icc
        && let Some(srgb) = super::colour::to_srgb(&img.pixels, icc)
    {
        img.pixels = srgb;
        img.icc = None;
    }
    img.info.metadata = metadata(format, data, img.exif.as_deref());
    if img.info.frames == 1 {
        img.info.frames = frames::count(data, format);
    }
    if opts.auto_orient {
        img.pixels = img.info.orientation.apply(img.pixels);
    }
    Ok(img)
}

/// Camera facts: from the EXIF blob, or for TIFF from the file itself, whose IFD0 and EXIF
/// sub-IFD are the same structure (and which is never kept whole as EXIF for an encoder).
fn metadata(format: Format, data: &[u8], exif: Option<&[u8]>) -> Metadata {
    match (format, exif) {
        (_, Some(exif)) => Metadata::from_exif(exif),
        (Format::Tiff, None) => Metadata::from_exif(data),
        _ => Metadata::default(),
    }
}

fn sniff(data: &[u8]) -> Result<Format> {
    let format = Format::sniff(data).ok_or_else(|| {
        Error::new(
            ErrorKind::UnsupportedFormat,
            "unrecognised image format (expected JPEG, PNG, WebP, AVIF, HEIC, JPEG XL, GIF, TIFF, BMP or ICO)",
        )
        .with_context("bytes", data.len())
    })?;
    let enabled = match format {
        Format::Jpeg => cfg!(feature = "jpeg"),
        Format::Png => cfg!(feature = "png"),
        Format::Webp => cfg!(feature = "webp"),
        Format::Avif => cfg!(feature = "avif"),
        Format::Gif => true,
        Format::Heic => cfg!(feature = "heic"),
        Format::Jxl => cfg!(feature = "jxl"),
        Format::Tiff => cfg!(feature = "tiff"),
        Format::Bmp => cfg!(feature = "bmp"),
        Format::Ico => cfg!(feature = "ico"),
    };
    if !enabled {
        return Err(Error::new(ErrorKind::UnsupportedFormat, "support for this format is not compiled in")
            .with_context("format", format));
    }
    Ok(format)
}

/// Pick the JPEG DCT scale numerator (of 8) so the decoded image still covers `target`.
#[cfg_attr(not(feature = "jpeg"), allow(dead_code))]
pub(crate) fn shrink_numerator(stored: (u32, u32), target: (u32, u32)) -> u8 {
    let (w, h) = stored;
    let (tw, th) = (target.0.max(1), target.1.max(1));
    for num in [1u8, 2, 4] {
        let sw = (u64::from(w) * u64::from(num)).div_ceil(8);
        let sh = (u64::from(h) * u64::from(num)).div_ceil(8);
        if sw >= u64::from(tw) && sh >= u64::from(th) {
            return num;
        }
    }
    8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_keeps_at_least_the_target() {
        assert_eq!(shrink_numerator((4000, 3000), (500, 375)), 1);
        assert_eq!(shrink_numerator((4000, 3000), (501, 375)), 2);
        assert_eq!(shrink_numerator((4000, 3000), (1000, 750)), 2);
        assert_eq!(shrink_numerator((4000, 3000), (1001, 10)), 4);
        assert_eq!(shrink_numerator((4000, 3000), (3000, 3000)), 8);
    }

    #[test]
    fn unknown_bytes_are_unsupported() {
        let e = decode(b"hello world", &DecodeOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnsupportedFormat);
        assert_eq!(probe(b"").unwrap_err().kind(), ErrorKind::UnsupportedFormat);
    }

    #[test]
    fn input_size_limit_comes_first() {
        let opts = DecodeOptions { limits: Limits { max_input_bytes: 4, ..Limits::default() }, ..Default::default() };
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n", &opts).unwrap_err().kind(), ErrorKind::LimitExceeded);
    }
}
