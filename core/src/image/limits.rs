//! Resource limits checked from headers, before any pixel buffer is allocated.

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorKind, Result};

/// Decode limits. The defaults match sharp's `limitInputPixels` (0x3FFF²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest `width * height` accepted.
    pub max_pixels: u64,
    pub max_width: u32,
    pub max_height: u32,
    /// Largest encoded input accepted, in bytes.
    pub max_input_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_pixels: 268_402_689, max_width: 65_535, max_height: 65_535, max_input_bytes: 512 << 20 }
    }
}

impl Limits {
    /// No limits at all: only for trusted input.
    pub const fn unlimited() -> Self {
        Limits { max_pixels: u64::MAX, max_width: u32::MAX, max_height: u32::MAX, max_input_bytes: u64::MAX }
    }

    pub(crate) fn check_input_len(&self, len: usize) -> Result<()> {
        if len as u64 > self.max_input_bytes {
            return Err(Error::new(ErrorKind::LimitExceeded, "input is larger than max_input_bytes")
                .with_context("bytes", len)
                .with_context("max_input_bytes", self.max_input_bytes));
        }
        Ok(())
    }

    pub(crate) fn check_dimensions(&self, width: u32, height: u32) -> Result<()> {
        let pixels = u64::from(width) * u64::from(height);
        if width == 0 || height == 0 {
            return Err(Error::new(ErrorKind::CorruptInput, "image has zero width or height")
                .with_context("width", width)
                .with_context("height", height));
        }
        if width > self.max_width || height > self.max_height || pixels > self.max_pixels {
            return Err(Error::new(ErrorKind::LimitExceeded, "image dimensions exceed the configured limits")
                .with_context("width", width)
                .with_context("height", height)
                .with_context("max_pixels", self.max_pixels)
                .with_context("max_width", self.max_width)
                .with_context("max_height", self.max_height));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_each_limit() {
        let l = Limits { max_pixels: 100, max_width: 20, max_height: 20, max_input_bytes: 10 };
        assert!(l.check_dimensions(10, 10).is_ok());
        assert_eq!(l.check_dimensions(11, 10).unwrap_err().kind(), ErrorKind::LimitExceeded);
        assert_eq!(l.check_dimensions(21, 1).unwrap_err().kind(), ErrorKind::LimitExceeded);
        assert_eq!(l.check_dimensions(1, 21).unwrap_err().kind(), ErrorKind::LimitExceeded);
        assert_eq!(l.check_dimensions(0, 5).unwrap_err().kind(), ErrorKind::CorruptInput);
        assert_eq!(l.check_input_len(11).unwrap_err().kind(), ErrorKind::LimitExceeded);
        assert!(l.check_input_len(10).is_ok());
        assert_eq!(Limits::default().max_pixels, 0x3FFF * 0x3FFF);
    }
}
