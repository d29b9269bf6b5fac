//! Camera facts from EXIF: when, with what, how, and where a photo was taken.
//!
//! Read from the decoder's EXIF blob, so every container that carries EXIF (JPEG, PNG, WebP,
//! AVIF, HEIC, TIFF, JPEG XL) gives the same answer. Damaged EXIF is common (phones and editors
//! write broken IFDs): what can be read is kept, the rest is left out, and nothing here fails.

use serde::{Deserialize, Serialize};

/// What the EXIF says about the shot. Every field is optional: most files carry some of them.
///
/// GPS is personal data: fotobase's server shows it only to the owner, and encoders drop it
/// unless told to keep all metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Metadata {
    /// `DateTimeOriginal` as ISO 8601 (`2021-07-04T12:30:15`), with `OffsetTimeOriginal`
    /// appended (`+02:00`) when the camera recorded it; local time of unknown zone otherwise.
    pub taken_at: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// `LensModel` (or `LensMake` when the model is missing).
    pub lens: Option<String>,
    /// `PhotographicSensitivity` (ISO speed).
    pub iso: Option<u32>,
    pub f_number: Option<f64>,
    /// Seconds (1/250 s is 0.004).
    pub exposure_time: Option<f64>,
    /// Millimetres, as recorded (not 35 mm equivalent).
    pub focal_length: Option<f64>,
    pub gps: Option<Gps>,
}

/// A position in WGS 84 degrees (south and west negative) and metres above sea level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub altitude: Option<f64>,
}

impl Metadata {
    /// Facts from a TIFF-structured EXIF blob (an `Exif\0\0` prefix is accepted).
    pub fn from_exif(blob: &[u8]) -> Metadata {
        let blob = blob.strip_prefix(b"Exif\0\0").unwrap_or(blob);
        let mut reader = exif::Reader::new();
        let exif = match reader.continue_on_error(true).read_raw(blob.to_vec()) {
            Ok(e) => e,
            Err(e) => match e.distill_partial_result(|_| {}) {
                Ok(e) => e,
                Err(_) => return Metadata::default(),
            },
        };
        let f = Fields(&exif);
        Metadata {
            taken_at: f.taken_at(),
            make: f.text(exif::Tag::Make),
            model: f.text(exif::Tag::Model),
            lens: f.text(exif::Tag::LensModel).or_else(|| f.text(exif::Tag::LensMake)),
            iso: f.uint(exif::Tag::PhotographicSensitivity).filter(|&v| v > 0),
            f_number: f.rational(exif::Tag::FNumber, 0).filter(|&v| v > 0.0),
            exposure_time: f.rational(exif::Tag::ExposureTime, 0).filter(|&v| v > 0.0),
            focal_length: f.rational(exif::Tag::FocalLength, 0).filter(|&v| v > 0.0),
            gps: f.gps(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &Metadata::default()
    }

    /// [`Metadata::taken_at`] as unix seconds, the same instant [`crate::image::taken_at`]
    /// gives (shifted by the recorded offset, read as UTC without one), without reading the
    /// file's container a second time.
    pub fn taken_at_seconds(&self) -> Option<i64> {
        let iso = self.taken_at.as_deref()?;
        let (wall, offset) = (iso.get(..19)?, iso.get(19..)?);
        // Back to EXIF's `YYYY:MM:DD HH:MM:SS`, whose parser checks every field.
        let stamp: String = wall
            .char_indices()
            .map(|(i, c)| {
                if matches!(i, 4 | 7) {
                    ':'
                } else if i == 10 {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let local = super::exif::parse_exif_datetime(&stamp)?;
        let offset = if offset.is_empty() { 0 } else { super::exif::parse_offset(offset)? };
        Some(local - offset)
    }

    /// The same facts without the position: what anyone but the owner may see.
    pub fn without_gps(mut self) -> Metadata {
        self.gps = None;
        self
    }
}

struct Fields<'a>(&'a exif::Exif);

impl Fields<'_> {
    fn value(&self, tag: exif::Tag) -> Option<&exif::Value> {
        // The EXIF and GPS sub-IFDs hang off IFD0, so every tag is looked up in the primary image.
        self.0.get_field(tag, exif::In::PRIMARY).map(|f| &f.value)
    }

    /// Printable text, trimmed of padding and NULs; `None` when empty.
    fn text(&self, tag: exif::Tag) -> Option<String> {
        let exif::Value::Ascii(parts) = self.value(tag)? else { return None };
        let raw = parts.first()?;
        let s = String::from_utf8_lossy(raw);
        let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        let clean: String = s.chars().filter(|c| !c.is_control()).take(128).collect();
        (!clean.is_empty()).then_some(clean)
    }

    fn uint(&self, tag: exif::Tag) -> Option<u32> {
        self.value(tag)?.get_uint(0)
    }

    fn rational(&self, tag: exif::Tag, index: usize) -> Option<f64> {
        let v = match self.value(tag)? {
            exif::Value::Rational(r) => r.get(index).filter(|r| r.denom != 0).map(|r| r.to_f64()),
            exif::Value::SRational(r) => r.get(index).filter(|r| r.denom != 0).map(|r| r.to_f64()),
            _ => None,
        }?;
        v.is_finite().then_some(v)
    }

    fn taken_at(&self) -> Option<String> {
        let stamp = self.text(exif::Tag::DateTimeOriginal).or_else(|| self.text(exif::Tag::DateTime))?;
        // The parse validates the layout (`YYYY:MM:DD HH:MM:SS`, all ASCII) before slicing.
        super::exif::parse_exif_datetime(&stamp)?;
        let iso = format!("{}-{}-{}T{}", &stamp[0..4], &stamp[5..7], &stamp[8..10], &stamp[11..19]);
        match self.text(exif::Tag::OffsetTimeOriginal).filter(|o| super::exif::parse_offset(o).is_some()) {
            Some(offset) => Some(format!("{iso}{offset}")),
            None => Some(iso),
        }
    }

    /// Degrees from a `(degrees, minutes, seconds)` triple and its `N`/`S` or `E`/`W` reference.
    fn coordinate(&self, tag: exif::Tag, reference: exif::Tag, negative: u8, bound: f64) -> Option<f64> {
        let (d, m, s) =
            (self.rational(tag, 0)?, self.rational(tag, 1).unwrap_or(0.0), self.rational(tag, 2).unwrap_or(0.0));
        let value = d + m / 60.0 + s / 3600.0;
        let sign = match self.text(reference)?.as_bytes().first()? {
            c if c.eq_ignore_ascii_case(&negative) => -1.0,
            _ => 1.0,
        };
        (value.is_finite() && value <= bound).then_some(sign * value)
    }

    fn gps(&self) -> Option<Gps> {
        let latitude = self.coordinate(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S', 90.0)?;
        let longitude = self.coordinate(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W', 180.0)?;
        let below = self.uint(exif::Tag::GPSAltitudeRef) == Some(1);
        let altitude = self.rational(exif::Tag::GPSAltitude, 0).map(|a| if below { -a } else { a });
        Some(Gps { latitude, longitude, altitude })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF blob: IFD0 with Make and an EXIF pointer; the EXIF IFD with
    /// DateTimeOriginal, OffsetTimeOriginal, ISO, FNumber, ExposureTime, FocalLength; a GPS IFD.
    fn sample() -> Vec<u8> {
        struct Ifd(Vec<(u16, u16, u32, Vec<u8>)>);
        fn write(ifds: Vec<Ifd>) -> Vec<u8> {
            // Layout: header, then each IFD followed by its out-of-line data.
            let mut out = b"II*\0\x08\0\0\0".to_vec();
            let mut offsets = Vec::new();
            let mut at = 8usize;
            for ifd in &ifds {
                offsets.push(at);
                let data: usize = ifd.0.iter().map(|e| if e.3.len() > 4 { e.3.len() } else { 0 }).sum();
                at += 2 + ifd.0.len() * 12 + 4 + data;
            }
            for (n, ifd) in ifds.iter().enumerate() {
                let mut data_at = offsets[n] + 2 + ifd.0.len() * 12 + 4;
                let mut data: Vec<u8> = Vec::new();
                out.extend((ifd.0.len() as u16).to_le_bytes());
                for (tag, ty, count, bytes) in &ifd.0 {
                    out.extend(tag.to_le_bytes());
                    out.extend(ty.to_le_bytes());
                    out.extend(count.to_le_bytes());
                    if bytes.len() > 4 {
                        out.extend((data_at as u32).to_le_bytes());
                        data.extend(bytes);
                        data_at += bytes.len();
                    } else {
                        let mut v = bytes.clone();
                        v.resize(4, 0);
                        out.extend(v);
                    }
                }
                out.extend(0u32.to_le_bytes());
                out.extend(data);
            }
            out
        }
        let rational = |n: u32, d: u32| [n.to_le_bytes(), d.to_le_bytes()].concat();
        let ascii = |s: &str| [s.as_bytes(), b"\0"].concat();
        let header = 8u32;
        let ifd0_len = 2 + 3 * 12 + 4 + ascii("Canon").len() as u32;
        let exif_at = header + ifd0_len;
        let exif_len = 2 + 6 * 12 + 4 + 20 + 7 + 8 + 8 + 8;
        let gps_at = exif_at + exif_len;
        write(vec![
            Ifd(vec![
                (0x010F, 2, 6, ascii("Canon")),
                (0x8769, 4, 1, exif_at.to_le_bytes().to_vec()),
                (0x8825, 4, 1, gps_at.to_le_bytes().to_vec()),
            ]),
            Ifd(vec![
                (0x829A, 5, 1, rational(1, 250)),
                (0x829D, 5, 1, rational(28, 10)),
                (0x8827, 3, 1, 400u16.to_le_bytes().to_vec()),
                (0x9003, 2, 20, ascii("2021:07:04 12:30:15")),
                (0x9011, 2, 7, ascii("+02:00")),
                (0x920A, 5, 1, rational(50, 1)),
            ]),
            Ifd(vec![
                (0x0001, 2, 2, ascii("S")),
                (0x0002, 5, 3, [rational(33, 1), rational(52, 1), rational(0, 1)].concat()),
                (0x0003, 2, 2, ascii("E")),
                (0x0004, 5, 3, [rational(151, 1), rational(12, 1), rational(36, 1)].concat()),
                (0x0006, 5, 1, rational(58, 1)),
            ]),
        ])
    }

    #[test]
    fn reads_camera_facts_and_position() {
        let m = Metadata::from_exif(&sample());
        assert_eq!(m.make.as_deref(), Some("Canon"));
        assert_eq!(m.taken_at.as_deref(), Some("2021-07-04T12:30:15+02:00"));
        assert_eq!(m.iso, Some(400));
        assert_eq!(m.f_number, Some(2.8));
        assert_eq!(m.exposure_time, Some(0.004));
        assert_eq!(m.focal_length, Some(50.0));
        let gps = m.gps.expect("gps");
        assert!((gps.latitude + 33.866_666).abs() < 1e-5, "{gps:?}");
        assert!((gps.longitude - 151.21).abs() < 1e-5, "{gps:?}");
        assert_eq!(gps.altitude, Some(58.0));
        assert_eq!(m.clone().without_gps().gps, None);
        assert_eq!(Metadata::from_exif(&[b"Exif\0\0".as_slice(), &sample()].concat()), m);
    }

    #[test]
    fn capture_time_in_seconds_follows_the_offset() {
        let at = |t: &str| Metadata { taken_at: Some(t.into()), ..Metadata::default() }.taken_at_seconds();
        // 2021-07-04 12:30:15 is 1625401815 as UTC; +02:00 was two hours earlier in UTC.
        assert_eq!(at("2021-07-04T12:30:15"), Some(1_625_401_815));
        assert_eq!(Metadata::from_exif(&sample()).taken_at_seconds(), Some(1_625_401_815 - 7200));
        assert_eq!(at("2021-07-04T12:30:15-05:30"), Some(1_625_401_815 + 5 * 3600 + 1800));
        for bad in ["2021-07-04", "2021-13-04T12:30:15", "2021-07-04T12:30:15Z", "2021-07-04T12:30:15+2"] {
            assert_eq!(at(bad), None, "{bad}");
        }
        assert_eq!(Metadata::default().taken_at_seconds(), None);
    }

    #[test]
    fn garbage_gives_nothing() {
        assert!(Metadata::from_exif(b"").is_empty());
        assert!(Metadata::from_exif(b"II*\0\xff\xff\xff\xff").is_empty());
        assert!(Metadata::from_exif(b"not exif").is_empty());
    }
}
