//! Container formats, sniffed from magic bytes only (never from file names).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::{Error, ErrorKind};

#[non_exhaustive]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Avif,
    Gif,
    /// HEIF with HEVC-coded images (`heic`, `heix`, `mif1` without an AVIF brand): iPhone photos.
    Heic,
    /// JPEG XL, bare codestream or ISO-BMFF container.
    Jxl,
    Tiff,
    Bmp,
    Ico,
}

impl Format {
    /// Identify a format from the first bytes of a file.
    pub fn sniff(data: &[u8]) -> Option<Format> {
        if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if let Some(f) = heif_family(data) {
            Some(f)
        } else if data.starts_with(&[0xFF, 0x0A]) || data.starts_with(JXL_CONTAINER) {
            Some(Format::Jxl)
        } else if data.starts_with(b"II*\0")
            || data.starts_with(b"MM\0*")
            || data.starts_with(b"II+\0")
            || data.starts_with(b"MM\0+")
        {
            Some(Format::Tiff)
        } else if is_bmp(data) {
            Some(Format::Bmp)
        } else if data.len() >= 6 && data[..4] == [0, 0, 1, 0] && data[4..6] != [0, 0] {
            Some(Format::Ico)
        } else {
            None
        }
    }

    /// Formats fotobase can write (the others are input only).
    pub const fn can_encode(self) -> bool {
        matches!(self, Format::Jpeg | Format::Png | Format::Webp | Format::Avif)
    }

    /// The algorithm a call that names no output format uses: keep the input's family where
    /// fotobase writes it; lossless sources (GIF, TIFF, BMP, ICO) go to PNG, photos in formats
    /// it only reads (HEIC, JPEG XL) to JPEG, the format every viewer opens.
    pub const fn default_algorithm(self) -> &'static str {
        match self {
            Format::Png | Format::Gif | Format::Tiff | Format::Bmp | Format::Ico => "png-oxipng",
            Format::Webp => "webp-lossy",
            Format::Avif if cfg!(feature = "avif-aom") => "avif-aom",
            Format::Avif => "avif-rav1e",
            Format::Jpeg | Format::Heic | Format::Jxl => "jpeg-mozjpeg",
        }
    }

    /// [`Format::default_algorithm`] of the input's format; JPEG's when it is not known.
    pub const fn default_for(input: Option<Format>) -> &'static str {
        match input {
            Some(f) => f.default_algorithm(),
            None => Format::Jpeg.default_algorithm(),
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Avif => "avif",
            Format::Gif => "gif",
            Format::Heic => "heic",
            Format::Jxl => "jxl",
            Format::Tiff => "tiff",
            Format::Bmp => "bmp",
            Format::Ico => "ico",
        }
    }

    pub const fn mime_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Avif => "image/avif",
            Format::Gif => "image/gif",
            Format::Heic => "image/heic",
            Format::Jxl => "image/jxl",
            Format::Tiff => "image/tiff",
            Format::Bmp => "image/bmp",
            Format::Ico => "image/vnd.microsoft.icon",
        }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            other => other.name(),
        }
    }
}

const JXL_CONTAINER: &[u8] = b"\0\0\0\x0cJXL \r\n\x87\n";

/// An ISO-BMFF `ftyp` box of the HEIF family: AVIF when a brand says `avif`/`avis`, else HEIC
/// when one says HEVC (`heic`, `heix`, `heim`, `heis`, `hevc`, `hevx`) or only the generic
/// HEIF brands (`mif1`, `msf1`), which libheif reads.
fn heif_family(data: &[u8]) -> Option<Format> {
    if data.len() < 16 || &data[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let end = size.clamp(16, data.len().min(256));
    let brands = || std::iter::once(&data[8..12]).chain(data[16..end].chunks_exact(4));
    let any = |set: &[&[u8; 4]]| brands().any(|b| set.iter().any(|s| b == s.as_slice()));
    if any(&[b"avif", b"avis"]) {
        Some(Format::Avif)
    } else if any(&[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"]) {
        Some(Format::Heic)
    } else {
        None
    }
}

/// `BM` followed by a DIB header size that one of the BMP versions uses (a bare `BM` is too
/// common a start for text to be taken as an image).
fn is_bmp(data: &[u8]) -> bool {
    data.len() >= 18
        && data.starts_with(b"BM")
        && matches!(
            u32::from_le_bytes([data[14], data[15], data[16], data[17]]),
            12 | 16 | 40 | 52 | 56 | 64 | 108 | 124
        )
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "png" => Ok(Format::Png),
            "webp" => Ok(Format::Webp),
            "avif" => Ok(Format::Avif),
            "gif" => Ok(Format::Gif),
            "heic" | "heif" => Ok(Format::Heic),
            "jxl" => Ok(Format::Jxl),
            "tiff" | "tif" => Ok(Format::Tiff),
            "bmp" => Ok(Format::Bmp),
            "ico" => Ok(Format::Ico),
            _ => Err(Error::new(ErrorKind::InvalidArgument, format!("unknown format {s:?}"))
                .with_context("expected", "jpeg|png|webp|avif|gif|heic|jxl|tiff|bmp|ico")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(Format::sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(Format::sniff(b"GIF89a...."), Some(Format::Gif));
        assert_eq!(Format::sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"), Some(Format::Avif));
        assert_eq!(Format::sniff(b"\0\0\0\x1cftypmif1\0\0\0\0mif1avifmiaf"), Some(Format::Avif));
        assert_eq!(Format::sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Some(Format::Heic));
        assert_eq!(Format::sniff(b"\0\0\0\x18ftypisom\0\0\0\0isommp41"), None);
        assert_eq!(Format::sniff(b"\xff\x0a\xfa\x7f"), Some(Format::Jxl));
        assert_eq!(Format::sniff(b"\0\0\0\x0cJXL \r\n\x87\n\0\0"), Some(Format::Jxl));
        assert_eq!(Format::sniff(b"II*\0\x08\0\0\0"), Some(Format::Tiff));
        assert_eq!(Format::sniff(b"MM\0*\0\0\0\x08"), Some(Format::Tiff));
        assert_eq!(Format::sniff(b"BM6\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"), Some(Format::Bmp));
        assert_eq!(Format::sniff(b"BM6\0\0\0"), None);
        assert_eq!(Format::sniff(b"BMW is a car maker"), None);
        assert_eq!(Format::sniff(b"\0\0\x01\0\x01\0\x10\x10"), Some(Format::Ico));
        assert_eq!(Format::sniff(b""), None);
    }
}
