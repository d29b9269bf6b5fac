//! EXIF orientation: read it, apply it to pixels, and neutralise it in kept EXIF.

use ::image::DynamicImage;
use serde::{Deserialize, Serialize};

/// EXIF orientation tag values (TIFF 6.0 / EXIF 2.3 tag 0x0112).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Orientation {
    /// 1: pixels are stored upright.
    #[default]
    Normal,
    /// 2: mirrored left-right.
    FlipHorizontal,
    /// 3: rotated 180°.
    Rotate180,
    /// 4: mirrored top-bottom.
    FlipVertical,
    /// 5: mirrored along the main diagonal.
    Transpose,
    /// 6: must be rotated 90° clockwise to display upright.
    Rotate90,
    /// 7: mirrored along the anti-diagonal.
    Transverse,
    /// 8: must be rotated 270° clockwise (90° counter-clockwise) to display upright.
    Rotate270,
}

impl Orientation {
    pub fn from_exif_value(v: u32) -> Option<Orientation> {
        Some(match v {
            1 => Orientation::Normal,
            2 => Orientation::FlipHorizontal,
            3 => Orientation::Rotate180,
            4 => Orientation::FlipVertical,
            5 => Orientation::Transpose,
            6 => Orientation::Rotate90,
            7 => Orientation::Transverse,
            8 => Orientation::Rotate270,
            _ => return None,
        })
    }

    pub fn exif_value(self) -> u8 {
        match self {
            Orientation::Normal => 1,
            Orientation::FlipHorizontal => 2,
            Orientation::Rotate180 => 3,
            Orientation::FlipVertical => 4,
            Orientation::Transpose => 5,
            Orientation::Rotate90 => 6,
            Orientation::Transverse => 7,
            Orientation::Rotate270 => 8,
        }
    }

    /// True when displaying upright swaps width and height.
    pub fn swaps_dimensions(self) -> bool {
        matches!(
            self,
            Orientation::Transpose | Orientation::Rotate90 | Orientation::Transverse | Orientation::Rotate270
        )
    }

    /// Transform stored pixels so they display upright.
    pub fn apply(self, img: DynamicImage) -> DynamicImage {
        match self {
            Orientation::Normal => img,
            Orientation::FlipHorizontal => img.fliph(),
            Orientation::Rotate180 => img.rotate180(),
            Orientation::FlipVertical => img.flipv(),
            Orientation::Transpose => img.rotate90().fliph(),
            Orientation::Rotate90 => img.rotate90(),
            Orientation::Transverse => img.rotate270().fliph(),
            Orientation::Rotate270 => img.rotate270(),
        }
    }
}

impl From<Orientation> for u8 {
    fn from(o: Orientation) -> u8 {
        o.exif_value()
    }
}

impl TryFrom<u8> for Orientation {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Orientation::from_exif_value(v.into()).ok_or_else(|| format!("orientation must be 1-8, got {v}"))
    }
}

/// Orientation from a raw TIFF-structured EXIF blob (no `Exif\0\0` prefix).
/// Unreadable EXIF is ignored rather than failing the decode, like browsers do.
pub(crate) fn orientation_from_exif(tiff: &[u8]) -> Orientation {
    let tiff = strip_exif_prefix(tiff);
    exif::Reader::new()
        .read_raw(tiff.to_vec())
        .ok()
        .and_then(|e| e.get_field(exif::Tag::Orientation, exif::In::PRIMARY).and_then(|f| f.value.get_uint(0)))
        .and_then(Orientation::from_exif_value)
        .unwrap_or_default()
}

/// When the photo was taken, as unix seconds: EXIF `DateTimeOriginal` (or
/// `DateTime`), shifted by `OffsetTimeOriginal` when present and read as UTC
/// otherwise. Reads the file's EXIF without decoding pixels (JPEG, PNG, WebP,
/// HEIF/AVIF, TIFF containers); `None` when absent or unreadable.
pub fn taken_at(data: &[u8]) -> Option<i64> {
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(data)).ok()?;
    let ascii = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(v)) => v.first().map(|b| String::from_utf8_lossy(b).trim().to_owned()),
        _ => None,
    };
    let stamp = ascii(exif::Tag::DateTimeOriginal).or_else(|| ascii(exif::Tag::DateTime))?;
    let local = parse_exif_datetime(&stamp)?;
    let offset = ascii(exif::Tag::OffsetTimeOriginal).and_then(|o| parse_offset(&o)).unwrap_or(0);
    Some(local - offset)
}

/// `YYYY:MM:DD HH:MM:SS` as seconds since the epoch (of that wall clock).
pub(super) fn parse_exif_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b':' || b[7] != b':' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if y < 1800 || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// `+HH:MM` / `-HH:MM` as seconds east of UTC.
pub(super) fn parse_offset(s: &str) -> Option<i64> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = s.get(1..)?.split_once(':')?;
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn strip_exif_prefix(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"Exif\0\0").unwrap_or(data)
}

/// Rewrite the orientation tag in IFD0 to 1 in place, after pixels were rotated.
/// Returns false if the blob has no orientation tag (nothing to do) or is malformed.
pub(crate) fn reset_orientation(tiff: &mut [u8]) -> bool {
    let off = if tiff.starts_with(b"Exif\0\0") { 6 } else { 0 };
    let t = &mut tiff[off..];
    let le = match t.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return false,
    };
    let rd16 = |b: &[u8], i: usize| -> Option<u16> {
        let s: [u8; 2] = b.get(i..i + 2)?.try_into().ok()?;
        Some(if le { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) })
    };
    let rd32 = |b: &[u8], i: usize| -> Option<u32> {
        let s: [u8; 4] = b.get(i..i + 4)?.try_into().ok()?;
        Some(if le { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    };
    let Some(ifd) = rd32(t, 4).map(|v| v as usize) else { return false };
    let Some(count) = rd16(t, ifd) else { return false };
    for i in 0..usize::from(count) {
        let entry = ifd + 2 + i * 12;
        // tag 0x0112, type SHORT (3): value is inline in the first 2 bytes of the value field.
        if rd16(t, entry) == Some(0x0112) && rd16(t, entry + 2) == Some(3) {
            let one = if le { 1u16.to_le_bytes() } else { 1u16.to_be_bytes() };
            if let Some(v) = t.get_mut(entry + 8..entry + 10) {
                v.copy_from_slice(&one);
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn exif_dates_become_unix_seconds() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(parse_exif_datetime("2021:07:04 12:30:15"), Some(1_625_401_815));
        assert_eq!(parse_exif_datetime("0000:00:00 00:00:00"), None);
        assert_eq!(parse_exif_datetime("2021-07-04"), None);
        assert_eq!(parse_offset("+02:00"), Some(7200));
        assert_eq!(parse_offset("-05:30"), Some(-19_800));
        assert_eq!(parse_offset("Z"), None);
        assert_eq!(taken_at(b"not an image"), None);
    }

    /// A minimal little- or big-endian TIFF blob with only an orientation tag.
    pub(crate) fn exif_with_orientation(value: u16, little_endian: bool) -> Vec<u8> {
        let mut v = Vec::new();
        let w16 = |v: &mut Vec<u8>, x: u16| v.extend(if little_endian { x.to_le_bytes() } else { x.to_be_bytes() });
        let w32 = |v: &mut Vec<u8>, x: u32| v.extend(if little_endian { x.to_le_bytes() } else { x.to_be_bytes() });
        v.extend(if little_endian { b"II" } else { b"MM" });
        w16(&mut v, 42);
        w32(&mut v, 8);
        w16(&mut v, 1);
        w16(&mut v, 0x0112);
        w16(&mut v, 3);
        w32(&mut v, 1);
        w16(&mut v, value);
        w16(&mut v, 0);
        w32(&mut v, 0);
        v
    }

    #[test]
    fn reads_and_resets_orientation_in_both_byte_orders() {
        for le in [true, false] {
            for o in 1..=8u16 {
                let mut blob = exif_with_orientation(o, le);
                assert_eq!(orientation_from_exif(&blob).exif_value() as u16, o);
                assert!(reset_orientation(&mut blob));
                assert_eq!(orientation_from_exif(&blob), Orientation::Normal);
            }
        }
    }

    #[test]
    fn garbage_exif_is_ignored() {
        assert_eq!(orientation_from_exif(b"not exif at all"), Orientation::Normal);
        assert!(!reset_orientation(&mut b"MM\0*\xff\xff\xff\xff".to_vec()));
        assert!(!reset_orientation(&mut []));
    }

    #[test]
    fn applying_orientation_makes_pixels_upright() {
        // 2x1 image: left pixel black, right white. Orientation 6 means rotate 90° cw to display.
        let img = ::image::GrayImage::from_raw(2, 1, vec![0, 255]).unwrap();
        let up = Orientation::Rotate90.apply(DynamicImage::ImageLuma8(img.clone()));
        assert_eq!((up.width(), up.height()), (1, 2));
        assert_eq!(up.to_luma8().into_raw(), vec![0, 255]);
        let up = Orientation::Rotate270.apply(DynamicImage::ImageLuma8(img.clone()));
        assert_eq!(up.to_luma8().into_raw(), vec![255, 0]);
        let up = Orientation::Transpose.apply(DynamicImage::ImageLuma8(img));
        assert_eq!((up.width(), up.height()), (1, 2));
        assert_eq!(up.to_luma8().into_raw(), vec![0, 255]);
    }
}
