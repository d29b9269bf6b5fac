//! Where a photo was taken, removed from its file and nothing else: for originals handed
//! to anyone but their owner (share links, public images).
//!
//! The file is edited in place, never re-encoded or re-laid out: the EXIF GPS directory
//! and its values are zeroed and unlinked from IFD0, and XMP location properties are
//! overwritten with spaces. Every other byte (pixels, ICC profile, the rest of the EXIF,
//! container offsets) stays as it was, so the file keeps its length and decodes to the
//! same pixels. PNG chunks that change get their CRC recomputed.

use super::probe;
use crate::{Error, ErrorKind, Result};

/// A copy of `data` without EXIF GPS or XMP location. Fails only when the location
/// cannot be found to remove it (a compressed metadata box, say): the caller must then
/// not hand the file out.
pub fn strip_location(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = data.to_vec();
    for start in exif_blobs(data) {
        blank_gps(&mut out[start..]);
    }
    blank_xmp_location(&mut out);
    if data.starts_with(PNG_SIGNATURE) {
        fix_png_crcs(data, &mut out);
    }
    // What the upload's probe read, read again, and the XMP searched again: a location that
    // survives (a form the blanking does not know) is not handed out.
    if probe(&out).is_ok_and(|info| info.metadata.gps.is_some()) || xmp_location_left(&out) {
        return Err(Error::new(ErrorKind::UnsupportedFormat, "cannot remove the location from this file")
            .with_context("format", probe(data).map_or("unknown", |i| i.format.name())));
    }
    Ok(out)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const GPS_IFD_TAG: u16 = 0x8825;

/// Offsets of the TIFF headers of the EXIF blobs in a file of any supported container.
fn exif_blobs(data: &[u8]) -> Vec<usize> {
    let is_tiff = |at: usize| data.get(at..at + 4).is_some_and(|m| m == b"II*\0" || m == b"MM\0*");
    let mut found = Vec::new();
    if is_tiff(0) {
        found.push(0);
    }
    // JPEG APP1, HEIC/AVIF Exif items and WebP chunks carry `Exif\0\0` before the header;
    // JPEG XL's Exif box and HEIC items also state the header's offset in 4 bytes.
    let mut at = 0;
    while let Some(i) = find(&data[at..], b"Exif").map(|i| i + at) {
        if data.get(i + 4..i + 6) == Some(b"\0\0") && is_tiff(i + 6) {
            found.push(i + 6);
        } else if let Some(off) = data.get(i + 4..i + 8).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])) {
            let start = i + 8 + off as usize;
            if off < 64 && is_tiff(start) {
                found.push(start);
            }
        }
        at = i + 4;
    }
    // HEIC/AVIF Exif items begin with the header's offset; libavif writes 0 and the header.
    if data.get(4..8) == Some(b"ftyp") {
        for m in [b"II*\0", b"MM\0*"] {
            let mut at = 4;
            while let Some(i) = find(&data[at..], m).map(|i| i + at) {
                if data[i - 4..i] == [0; 4] {
                    found.push(i);
                }
                at = i + 4;
            }
        }
    }
    // PNG `eXIf` and WebP `EXIF` chunks may hold the header itself, right after the
    // chunk's type (PNG) or its type and size (WebP).
    let chunk = if data.starts_with(PNG_SIGNATURE) {
        Some((b"eXIf", 4))
    } else if data.starts_with(b"RIFF") {
        Some((b"EXIF", 8))
    } else {
        None
    };
    if let Some((tag, skip)) = chunk {
        let mut at = 0;
        while let Some(i) = find(&data[at..], tag).map(|i| i + at) {
            if is_tiff(i + skip) {
                found.push(i + skip);
            }
            at = i + 4;
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The byte order of one TIFF blob, reading within its bounds only.
struct Tiff {
    big: bool,
}

impl Tiff {
    fn u16(&self, t: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = t.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    }

    fn u32(&self, t: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = t.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    fn put_u16(&self, t: &mut [u8], at: usize, v: u16) {
        t[at..at + 2].copy_from_slice(&if self.big { v.to_be_bytes() } else { v.to_le_bytes() });
    }
}

/// Zero the GPS directory of the TIFF blob starting at `t[0]` and unlink it from every IFD
/// of the main chain (IFD0, the thumbnail's IFD1). Bytes that another directory also uses
/// (hostile files point GPS at the Exif IFD) stay; a damaged blob is handled as far as it reads.
fn blank_gps(t: &mut [u8]) {
    let tiff = Tiff { big: t.starts_with(b"MM") };
    let first = tiff.u32(t, 4).map_or(0, |o| o as usize);
    let (mut gps, mut kept) = (Vec::new(), Vec::new());
    let mut ifd = first;
    for _ in 0..4 {
        if ifd == 0 {
            break;
        }
        ifd = ranges(&tiff, t, ifd, &mut gps, &mut kept, 0).unwrap_or(0);
    }
    unlink_gps(&tiff, t, first);
    for (from, to) in gps {
        for i in from..to.min(t.len()) {
            if !kept.iter().any(|&(a, b)| (a..b).contains(&i)) {
                t[i] = 0;
            }
        }
    }
}

/// The byte ranges of the directory at `ifd` and its values, sorted into those of the GPS
/// directory and those of every other one (Exif, Interop); returns the next IFD's offset.
fn ranges(
    tiff: &Tiff,
    t: &[u8],
    ifd: usize,
    gps: &mut Vec<(usize, usize)>,
    kept: &mut Vec<(usize, usize)>,
    depth: u8,
) -> Option<usize> {
    let count = usize::from(tiff.u16(t, ifd)?);
    let end = ifd + 2 + 12 * count;
    kept.push((ifd, end + 4));
    for i in 0..count {
        let e = ifd + 2 + 12 * i;
        let (tag, kind, n, value) = (tiff.u16(t, e)?, tiff.u16(t, e + 2)?, tiff.u32(t, e + 4)?, tiff.u32(t, e + 8)?);
        let size = type_size(kind).saturating_mul(n as usize);
        if size > 4 {
            kept.push((value as usize, (value as usize).saturating_add(size)));
        }
        match tag {
            GPS_IFD_TAG if depth == 0 => {
                let gps_ifd = value as usize;
                let mut inner = Vec::new();
                ranges(tiff, t, gps_ifd, &mut Vec::new(), &mut inner, 1);
                gps.extend(inner);
            }
            EXIF_IFD_TAG | INTEROP_IFD_TAG if depth < 3 => {
                ranges(tiff, t, value as usize, gps, kept, depth + 1);
            }
            _ => {}
        }
    }
    tiff.u32(t, end).map(|o| o as usize)
}

const EXIF_IFD_TAG: u16 = 0x8769;
const INTEROP_IFD_TAG: u16 = 0xa005;

/// Drop the GPS entry of each directory of the main chain: the later entries and the
/// next-IFD offset move up 12 bytes, and the 12 freed bytes are zeroed.
fn unlink_gps(tiff: &Tiff, t: &mut [u8], first: usize) {
    let mut ifd = first;
    for _ in 0..4 {
        let Some(count) = (ifd != 0).then(|| tiff.u16(t, ifd)).flatten().map(usize::from) else { return };
        let entries = ifd + 2;
        let end = entries + 12 * count;
        if end + 4 > t.len() {
            return;
        }
        match (0..count).find(|i| tiff.u16(t, entries + 12 * i) == Some(GPS_IFD_TAG)) {
            Some(i) => {
                let at = entries + 12 * i;
                t.copy_within(at + 12..end + 4, at);
                t[end - 8..end + 4].fill(0);
                tiff.put_u16(t, ifd, (count - 1) as u16);
                ifd = tiff.u32(t, end - 12).map_or(0, |o| o as usize);
            }
            None => ifd = tiff.u32(t, end).map_or(0, |o| o as usize),
        }
    }
}

/// Bytes per value of a TIFF field type (unknown types count as bytes).
fn type_size(kind: u16) -> usize {
    match kind {
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => 1,
    }
}

/// XMP properties that say where: EXIF GPS mirrored into XMP, and IPTC/Photoshop places.
const XMP_LOCATION: &[&str] = &[
    "exif:GPS",
    "photoshop:City",
    "photoshop:State",
    "photoshop:Country",
    "Iptc4xmpCore:Location",
    "Iptc4xmpCore:CountryCode",
    "Iptc4xmpExt:LocationCreated",
    "Iptc4xmpExt:LocationShown",
];

/// Overwrite XMP location properties with spaces, attributes (`exif:GPSLatitude="…"`) and
/// elements (`<exif:GPSLatitude>…</exif:GPSLatitude>`, nested or empty) alike, inside every
/// XMP packet of the file.
fn blank_xmp_location(data: &mut [u8]) {
    for (start, end) in xmp_packets(data) {
        blank_properties(&mut data[start..end]);
    }
}

/// The spans of the XMP in a file: each `<x:xmpmeta>` packet, and each `<rdf:RDF>` (which some
/// writers put in a file without the wrapper).
fn xmp_packets(data: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (open, close) in [(&b"<x:xmpmeta"[..], &b"</x:xmpmeta>"[..]), (b"<rdf:RDF", b"</rdf:RDF>")] {
        let mut at = 0;
        while let Some(start) = find(&data[at..], open).map(|i| i + at) {
            let end = find(&data[start..], close).map_or(data.len(), |i| start + i);
            spans.push((start, end));
            at = end.max(start + 1);
        }
    }
    spans
}

/// Whether a location property still stands in the XMP as an element or an attribute.
fn xmp_location_left(data: &[u8]) -> bool {
    xmp_packets(data).into_iter().any(|(start, end)| {
        let xmp = &data[start..end];
        XMP_LOCATION.iter().any(|name| {
            let mut at = 0;
            while let Some(i) = find(&xmp[at..], name.as_bytes()).map(|i| i + at) {
                if stands(xmp, i, name_end(xmp, i)) != Stands::Text {
                    return true;
                }
                at = i + 1;
            }
            false
        })
    })
}

/// How a property name found at `i` stands in the XMP.
#[derive(Debug, PartialEq, Eq)]
enum Stands {
    /// After `<`: `<exif:GPSLatitude>…`.
    Element,
    /// After whitespace and before `=`: `exif:GPSLatitude="…"`.
    Attribute,
    /// Anything else: running text, part of another name.
    Text,
}

fn stands(xmp: &[u8], i: usize, name_end: usize) -> Stands {
    if i > 0 && xmp[i - 1] == b'<' {
        Stands::Element
    } else if i > 0
        && xmp[i - 1].is_ascii_whitespace()
        && xmp[name_end..].iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'=')
    {
        Stands::Attribute
    } else {
        Stands::Text
    }
}

/// The end of the whole qualified name starting at `i`: `exif:GPS` matches `exif:GPSLatitude`.
fn name_end(xmp: &[u8], i: usize) -> usize {
    i + xmp[i..].iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b':')).unwrap_or(xmp.len() - i)
}

fn blank_properties(xmp: &mut [u8]) {
    for name in XMP_LOCATION {
        let mut at = 0;
        while let Some(i) = find(&xmp[at..], name.as_bytes()).map(|i| i + at) {
            let name_end = name_end(xmp, i);
            let span = match stands(xmp, i, name_end) {
                Stands::Element => element_span(xmp, i - 1, &xmp[i..name_end]),
                Stands::Attribute => attribute_span(xmp, i, name_end),
                Stands::Text => None,
            };
            match span {
                Some((from, to)) => {
                    xmp[from..to].fill(b' ');
                    at = to;
                }
                None => at = name_end.max(i + 1),
            }
        }
    }
}

/// `name="value"` (or single quotes) from the name to the closing quote.
fn attribute_span(xmp: &[u8], from: usize, name_end: usize) -> Option<(usize, usize)> {
    let mut i = name_end;
    while xmp.get(i)?.is_ascii_whitespace() {
        i += 1;
    }
    (*xmp.get(i)? == b'=').then_some(())?;
    i += 1;
    while xmp.get(i)?.is_ascii_whitespace() {
        i += 1;
    }
    let quote = *xmp.get(i)?;
    (quote == b'"' || quote == b'\'').then_some(())?;
    let close = i + 1 + xmp[i + 1..].iter().position(|c| *c == quote)?;
    Some((from, close + 1))
}

/// `<name …/>` or `<name …>…</name>` from the `<` to the end of the closing tag.
fn element_span(xmp: &[u8], open: usize, name: &[u8]) -> Option<(usize, usize)> {
    let tag_end = open + xmp[open..].iter().position(|c| *c == b'>')?;
    if xmp[tag_end - 1] == b'/' {
        return Some((open, tag_end + 1));
    }
    let mut closing = b"</".to_vec();
    closing.extend_from_slice(name);
    closing.push(b'>');
    let close = tag_end + find(&xmp[tag_end..], &closing)?;
    Some((open, close + closing.len()))
}

/// Recompute the CRC of every PNG chunk whose bytes changed.
fn fix_png_crcs(before: &[u8], after: &mut [u8]) {
    let mut at = PNG_SIGNATURE.len();
    while at + 12 <= after.len() {
        let len = u32::from_be_bytes([after[at], after[at + 1], after[at + 2], after[at + 3]]) as usize;
        let Some(crc_at) = at.checked_add(8 + len).filter(|c| c + 4 <= after.len()) else { return };
        if before[at + 4..crc_at] != after[at + 4..crc_at] {
            let crc = crc32fast::hash(&after[at + 4..crc_at]);
            after[crc_at..crc_at + 4].copy_from_slice(&crc.to_be_bytes());
        }
        at = crc_at + 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF: IFD0 with Make, GPSInfo and Model; a GPS IFD with a latitude.
    fn tiff_with_gps() -> Vec<u8> {
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        let entry = |tag: u16, kind: u16, n: u32, v: u32| {
            [tag.to_le_bytes().as_slice(), &kind.to_le_bytes(), &n.to_le_bytes(), &v.to_le_bytes()].concat()
        };
        // IFD0 at 8: 3 entries → ends at 8 + 2 + 36 + 4 = 50; GPS IFD at 50.
        t.extend(3u16.to_le_bytes());
        t.extend(entry(0x010f, 2, 4, u32::from_le_bytes(*b"Nik\0")));
        t.extend(entry(GPS_IFD_TAG, 4, 1, 50));
        t.extend(entry(0x0110, 2, 4, u32::from_le_bytes(*b"D70\0")));
        t.extend(0u32.to_le_bytes());
        // GPS IFD: LatitudeRef 'N', Latitude 3 rationals at 68.
        t.extend(2u16.to_le_bytes());
        t.extend(entry(1, 2, 2, u32::from_le_bytes(*b"N\0\0\0")));
        t.extend(entry(2, 5, 3, 80));
        t.extend(0u32.to_le_bytes());
        t.resize(80, 0);
        for v in [43u32, 1, 28, 1, 2, 1] {
            t.extend(v.to_le_bytes());
        }
        t
    }

    #[test]
    fn the_gps_directory_is_zeroed_and_unlinked() {
        let mut t = tiff_with_gps();
        let len = t.len();
        blank_gps(&mut t);
        assert_eq!(t.len(), len);
        let tiff = Tiff { big: false };
        assert_eq!(tiff.u16(&t, 8), Some(2), "IFD0 keeps Make and Model");
        assert_eq!(tiff.u16(&t, 10), Some(0x010f));
        assert_eq!(tiff.u16(&t, 22), Some(0x0110));
        assert_eq!(&t[30..34], b"D70\0");
        assert_eq!(tiff.u32(&t, 34), Some(0), "the next-IFD offset moved up");
        assert!(t[50..].iter().all(|b| *b == 0), "GPS directory and latitude zeroed");
    }

    #[test]
    fn bytes_another_directory_uses_are_kept() {
        // Model → an Exif IFD pointer at the GPS directory's offset (a hostile file's trick).
        let mut t = tiff_with_gps();
        t[34..36].copy_from_slice(&EXIF_IFD_TAG.to_le_bytes());
        t[36..38].copy_from_slice(&4u16.to_le_bytes());
        t[42..46].copy_from_slice(&50u32.to_le_bytes());
        let before = t.clone();
        blank_gps(&mut t);
        assert_eq!(Tiff { big: false }.u16(&t, 8), Some(2));
        assert_eq!(t[50..], before[50..], "the Exif IFD and its values stay");
    }

    #[test]
    fn damaged_directories_are_left_as_far_as_they_read() {
        let whole = tiff_with_gps();
        for cut in 0..whole.len() {
            let mut t = whole[..cut].to_vec();
            blank_gps(&mut t);
        }
        let mut looping = tiff_with_gps();
        looping[46..50].copy_from_slice(&8u32.to_le_bytes());
        blank_gps(&mut looping);
    }

    #[test]
    fn xmp_location_becomes_spaces_and_the_rest_stays() {
        let xmp = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="43,28.044N" exif:GPSLongitude='11,52.8E' dc:format="image/jpeg">
<photoshop:City>Siena</photoshop:City><Iptc4xmpExt:LocationShown><rdf:Bag><rdf:li>x</rdf:li></rdf:Bag></Iptc4xmpExt:LocationShown><exif:GPSAltitude/>
<dc:title>Duomo</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let mut out = xmp.to_vec();
        blank_xmp_location(&mut out);
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(out.len(), xmp.len());
        for gone in ["GPS", "43,28", "11,52", "Siena", "City", "LocationShown", "rdf:li"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        for kept in ["dc:format=\"image/jpeg\"", "<dc:title>Duomo</dc:title>", "<rdf:Description ", "</x:xmpmeta>"] {
            assert!(text.contains(kept), "{kept} missing from {text}");
        }
        assert!(xmp_location_left(xmp) && !xmp_location_left(&out));
    }

    #[test]
    fn xmp_without_the_wrapper_loses_its_location_too() {
        let xmp = br#"<rdf:RDF><rdf:Description exif:GPSLatitude="43,28.044N"><photoshop:City>Siena</photoshop:City></rdf:Description></rdf:RDF>"#;
        let mut out = xmp.to_vec();
        blank_xmp_location(&mut out);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(!text.contains("GPS") && !text.contains("Siena") && text.contains("<rdf:Description"), "{text}");
        assert!(!xmp_location_left(&out));
        // A name in running text (not an element or attribute) is not a location.
        assert!(!xmp_location_left(br#"<x:xmpmeta><dc:description>see exif:GPSLatitude</dc:description></x:xmpmeta>"#));
    }
}
