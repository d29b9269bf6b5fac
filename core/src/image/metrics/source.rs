//! What the metrics read: a decoded image, or 8-bit pixels borrowed from the caller.
//!
//! Borrowing matters for the bindings: a NumPy array or a Node `Buffer` of a 12 MP
//! photo is 36 MB, and copying two of them into fresh `DynamicImage`s cost several
//! times what MSE itself takes.

use std::borrow::Cow;

use ::image::DynamicImage;

use crate::image::decode::raw8;
use crate::{Error, ErrorKind, Result};

/// Row-major interleaved 8-bit pixels: `channels` of 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA).
#[derive(Debug, Clone, Copy)]
pub struct PixelsRef<'a> {
    width: u32,
    height: u32,
    channels: u8,
    data: &'a [u8],
}

impl<'a> PixelsRef<'a> {
    /// `invalid_argument` unless `data` holds exactly `width × height × channels` samples.
    pub fn new(width: u32, height: u32, channels: u8, data: &'a [u8]) -> Result<Self> {
        let expected = width as usize * height as usize * usize::from(channels);
        if width == 0 || height == 0 || data.len() != expected {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "pixel buffer does not match width × height × channels",
            )
            .with_context("shape", format!("{width}x{height}x{channels}"))
            .with_context("bytes", data.len()));
        }
        if !(1..=4).contains(&channels) {
            return Err(Error::new(ErrorKind::InvalidArgument, "channels must be 1, 2, 3 or 4"));
        }
        Ok(PixelsRef { width, height, channels, data })
    }
}

/// One side of a comparison.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Image(&'a DynamicImage),
    Pixels(PixelsRef<'a>),
}

impl<'a> Source<'a> {
    pub fn width(&self) -> u32 {
        match self {
            Source::Image(i) => i.width(),
            Source::Pixels(p) => p.width,
        }
    }

    pub fn height(&self) -> u32 {
        match self {
            Source::Image(i) => i.height(),
            Source::Pixels(p) => p.height,
        }
    }

    pub fn channels(&self) -> usize {
        match self {
            Source::Image(i) => usize::from(i.color().channel_count()),
            Source::Pixels(p) => usize::from(p.channels),
        }
    }

    pub fn has_alpha(&self) -> bool {
        matches!(self.channels(), 2 | 4)
    }

    pub fn has_color(&self) -> bool {
        self.channels() >= 3
    }

    /// The interleaved samples when they are 8-bit (`channels()` per pixel).
    pub fn bytes8(&self) -> Option<&'a [u8]> {
        match *self {
            Source::Image(
                i @ (DynamicImage::ImageLuma8(_)
                | DynamicImage::ImageLumaA8(_)
                | DynamicImage::ImageRgb8(_)
                | DynamicImage::ImageRgba8(_)),
            ) => Some(i.as_bytes()),
            Source::Image(_) => None,
            Source::Pixels(p) => Some(p.data),
        }
    }

    /// As a `DynamicImage`, for the conversions of rarer layouts (copies borrowed pixels).
    pub fn image(&self) -> Cow<'a, DynamicImage> {
        match *self {
            Source::Image(i) => Cow::Borrowed(i),
            Source::Pixels(p) => Cow::Owned(
                raw8(p.width, p.height, usize::from(p.channels), p.data.to_vec())
                    .expect("PixelsRef::new checked the shape"),
            ),
        }
    }
}
