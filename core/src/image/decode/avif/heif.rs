//! A small reader for the HEIF (ISOBMFF) container of AVIF stills: just the
//! boxes fotobase needs (`ftyp`, `meta` with `hdlr`, `pitm`, `iinf`/`infe`, `iloc`,
//! `iref`, `idat`, `iprp`/`ipco`/`ipma` with `ispe`, `colr`, `irot`, `imir`, `auxC`,
//! and the `grid` derivation). Every length and offset is checked against the
//! bytes actually present; anything malformed is `corrupt_input`, never a panic,
//! and nothing is allocated from a count in the file before the bytes that
//! count describes have been seen.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::{Error, ErrorKind, Result};

pub(super) fn corrupt(message: &'static str) -> Error {
    Error::new(ErrorKind::CorruptInput, message).with_context("format", "avif")
}

pub(super) fn unsupported(message: &'static str) -> Error {
    Error::new(ErrorKind::UnsupportedFormat, message).with_context("format", "avif")
}

/// Big-endian cursor over a box body; every read is bounds-checked.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| corrupt("AVIF box is truncated"))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn rest(&mut self) -> &'a [u8] {
        let out = &self.data[self.pos..];
        self.pos = self.data.len();
        out
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let hi = self.u32()?;
        let lo = self.u32()?;
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    /// An unsigned integer of 0, 4 or 8 bytes (the `iloc` field sizes).
    fn sized(&mut self, size: u8) -> Result<u64> {
        match size {
            0 => Ok(0),
            4 => Ok(u64::from(self.u32()?)),
            8 => self.u64(),
            _ => Err(corrupt("AVIF iloc field size is not 0, 4 or 8")),
        }
    }

    fn fourcc(&mut self) -> Result<[u8; 4]> {
        let b = self.bytes(4)?;
        Ok([b[0], b[1], b[2], b[3]])
    }

    /// FullBox header: (version, flags).
    fn full(&mut self) -> Result<(u8, u32)> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00FF_FFFF))
    }

    /// A NUL-terminated string (the terminator is consumed; a missing one ends at the box end).
    fn cstr(&mut self) -> &'a [u8] {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                self.pos += n + 1;
                &rest[..n]
            }
            None => self.rest(),
        }
    }
}

/// The child boxes of `data`, as (type, body).
fn boxes(data: &[u8]) -> impl Iterator<Item = Result<([u8; 4], &[u8])>> {
    let mut r = Reader::new(data);
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || r.remaining() == 0 {
            return None;
        }
        let item = (|| {
            let start = r.pos;
            let size32 = r.u32()?;
            let kind = r.fourcc()?;
            let size = match size32 {
                0 => (r.data.len() - start) as u64,
                1 => r.u64()?,
                n => u64::from(n),
            };
            let header = (r.pos - start) as u64;
            if size < header {
                return Err(corrupt("AVIF box is shorter than its header"));
            }
            let body_len = usize::try_from(size - header).map_err(|_| corrupt("AVIF box is truncated"))?;
            let body = r.bytes(body_len)?;
            Ok((kind, body))
        })();
        failed = item.is_err();
        Some(item)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Nclx {
    /// `matrix_coefficients` (H.273). Primaries, transfer and range are taken from the AV1 stream.
    pub matrix: u16,
}

#[derive(Debug)]
enum Property<'a> {
    Ispe(u32, u32),
    Icc(&'a [u8]),
    Nclx(Nclx),
    Irot(u16),
    Imir(u8),
    Clap(Clap),
    AuxType(&'a [u8]),
    Other,
}

#[derive(Debug)]
struct Extent {
    offset: u64,
    length: u64,
}

#[derive(Debug)]
struct Location {
    method: u8,
    base: u64,
    extents: Vec<Extent>,
}

#[derive(Debug)]
struct Reference {
    kind: [u8; 4],
    from: u32,
    to: Vec<u32>,
}

/// The parsed `meta` box plus the file it points into.
#[derive(Debug, Default)]
struct Meta<'a> {
    primary: Option<u32>,
    /// Item id → item type, from `iinf`.
    items: HashMap<u32, [u8; 4]>,
    locations: HashMap<u32, Location>,
    references: Vec<Reference>,
    properties: Vec<Property<'a>>,
    /// Item id → 1-based property indices, from `ipma`.
    associations: HashMap<u32, Vec<u16>>,
    idat: Option<&'a [u8]>,
}

/// The coded data of an image item: one AV1 bitstream or a grid of them.
#[derive(Debug)]
pub(super) enum Coded<'a> {
    Av1(Cow<'a, [u8]>),
    Grid(Grid<'a>),
}

#[derive(Debug)]
pub(super) struct Grid<'a> {
    pub rows: u32,
    pub columns: u32,
    pub width: u32,
    pub height: u32,
    /// Row-major tiles, `rows * columns` of them.
    pub tiles: Vec<Cow<'a, [u8]>>,
}

/// An image item (colour or alpha) ready to decode.
#[derive(Debug)]
pub(super) struct ImageItem<'a> {
    /// Size from `ispe`.
    pub width: u32,
    pub height: u32,
    pub coded: Coded<'a>,
}

/// `clap`, the clean aperture: a crop given as a centred rectangle in rationals
/// (ISO/IEC 14496-12 12.1.4), applied before `irot` and `imir` (ISO/IEC 23008-12 6.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clap {
    width: (u32, u32),
    height: (u32, u32),
    horizontal_offset: (i32, u32),
    vertical_offset: (i32, u32),
}

impl Clap {
    /// The crop as `(x, y, width, height)` on a `width × height` image, or `None` when the box
    /// does not describe a whole-pixel size inside it (then the image is shown uncropped, as
    /// browsers do, rather than refused). A half-pixel origin (an odd difference between image
    /// and crop with a centred aperture) rounds up, as link-u's reference renderings do.
    pub fn rect(&self, image_width: u32, image_height: u32) -> Option<(u32, u32, u32, u32)> {
        let side = |(n, d): (u32, u32)| (d != 0 && n % d == 0 && n / d > 0).then(|| n / d);
        let (cw, ch) = (side(self.width)?, side(self.height)?);
        // Top-left = offset + (image - crop) / 2, as a fraction num / 2d, rounded half up.
        let origin = |(n, d): (i32, u32), image: u32, crop: u32| -> Option<u32> {
            if d == 0 || crop > image {
                return None;
            }
            let num = 2 * i128::from(n) + i128::from(image - crop) * i128::from(d);
            let at = (num >= 0).then(|| (num + i128::from(d)) / (2 * i128::from(d)))?;
            u32::try_from(at).ok().filter(|&a| u64::from(a) + u64::from(crop) <= u64::from(image))
        };
        let x = origin(self.horizontal_offset, image_width, cw)?;
        let y = origin(self.vertical_offset, image_height, ch)?;
        Some((x, y, cw, ch))
    }
}

/// What fotobase needs to know about an AVIF file.
#[derive(Debug)]
pub(super) struct Avif<'a> {
    pub color: ImageItem<'a>,
    pub alpha: Option<ImageItem<'a>>,
    /// `prem`: colour samples are premultiplied by alpha.
    pub premultiplied: bool,
    /// `irot` angle, counter-clockwise, in degrees.
    pub rotation: u16,
    /// `imir` mode: 0 exchanges top and bottom, 1 left and right (ISO/IEC 23008-12:2022).
    pub mirror: Option<u8>,
    /// `clap`: applied to the decoded image before `irot` and `imir`.
    pub crop: Option<Clap>,
    pub icc: Option<Vec<u8>>,
    pub nclx: Option<Nclx>,
    pub exif: Option<Vec<u8>>,
}

const ALPHA_URNS: [&[u8]; 2] = [b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", b"urn:mpeg:hevc:2015:auxid:1"];

/// Parse the container and locate the primary image's items (no pixel decoding).
pub(super) fn parse(data: &[u8]) -> Result<Avif<'_>> {
    let mut ftyp = false;
    let mut meta = None;
    for b in boxes(data) {
        let (kind, body) = b?;
        match &kind {
            b"ftyp" => {
                let mut r = Reader::new(body);
                let major = r.fourcc()?;
                r.u32()?;
                let mut brands = vec![major];
                while r.remaining() >= 4 {
                    brands.push(r.fourcc()?);
                }
                if !brands.iter().any(|b| b == b"avif" || b == b"avis" || b == b"mif1" || b == b"msf1") {
                    return Err(unsupported("HEIF file is not AVIF (no avif/mif1 brand)"));
                }
                ftyp = true;
            }
            b"meta" if meta.is_none() => meta = Some(parse_meta(body)?),
            b"meta" => return Err(corrupt("AVIF file has more than one meta box")),
            _ => {}
        }
    }
    if !ftyp {
        return Err(corrupt("AVIF file has no ftyp box"));
    }
    let Some(meta) = meta else {
        return Err(unsupported("AVIF file has no meta box (image sequences without a still image are not supported)"));
    };
    meta.resolve(data)
}

fn parse_meta(body: &[u8]) -> Result<Meta<'_>> {
    let mut r = Reader::new(body);
    r.full()?;
    let mut m = Meta::default();
    let mut handler_ok = false;
    for b in boxes(r.rest()) {
        let (kind, body) = b?;
        let mut r = Reader::new(body);
        match &kind {
            b"hdlr" => {
                r.full()?;
                r.u32()?; // pre_defined
                handler_ok = &r.fourcc()? == b"pict";
            }
            b"pitm" => {
                let (v, _) = r.full()?;
                m.primary = Some(if v == 0 { u32::from(r.u16()?) } else { r.u32()? });
            }
            b"iinf" => parse_iinf(&mut r, &mut m)?,
            b"iloc" => parse_iloc(&mut r, &mut m)?,
            b"iref" => parse_iref(&mut r, &mut m)?,
            b"iprp" => parse_iprp(body, &mut m)?,
            b"idat" => m.idat = Some(body),
            _ => {}
        }
    }
    if !handler_ok {
        return Err(corrupt("AVIF meta box has no 'pict' handler"));
    }
    Ok(m)
}

fn parse_iinf(r: &mut Reader<'_>, m: &mut Meta<'_>) -> Result<()> {
    let (v, _) = r.full()?;
    let count = if v == 0 { u32::from(r.u16()?) } else { r.u32()? };
    let mut seen = 0u32;
    for b in boxes(r.rest()) {
        let (kind, body) = b?;
        if &kind != b"infe" {
            continue;
        }
        seen += 1;
        let mut r = Reader::new(body);
        let (v, _) = r.full()?;
        if v < 2 {
            continue; // versions 0 and 1 carry no item type: not an image item
        }
        let id = if v == 2 { u32::from(r.u16()?) } else { r.u32()? };
        r.u16()?; // item_protection_index
        let item_type = r.fourcc()?;
        if m.items.insert(id, item_type).is_some() {
            return Err(corrupt("AVIF iinf lists an item twice"));
        }
    }
    if seen < count {
        return Err(corrupt("AVIF iinf has fewer infe boxes than it says"));
    }
    Ok(())
}

fn parse_iloc(r: &mut Reader<'_>, m: &mut Meta<'_>) -> Result<()> {
    let (v, _) = r.full()?;
    if v > 2 {
        return Err(unsupported("AVIF iloc version is not supported"));
    }
    let sizes = r.u16()?;
    let (offset_size, length_size, base_size) =
        ((sizes >> 12) as u8, (sizes >> 8 & 0xF) as u8, (sizes >> 4 & 0xF) as u8);
    let index_size = if v >= 1 { (sizes & 0xF) as u8 } else { 0 };
    let count = if v < 2 { u32::from(r.u16()?) } else { r.u32()? };
    for _ in 0..count {
        let id = if v < 2 { u32::from(r.u16()?) } else { r.u32()? };
        let method = if v >= 1 { (r.u16()? & 0xF) as u8 } else { 0 };
        r.u16()?; // data_reference_index
        let base = r.sized(base_size)?;
        let extent_count = r.u16()?;
        if index_size == 0 && offset_size == 0 && length_size == 0 && extent_count > 1 {
            // Extents that take no bytes would let a tiny box describe millions of them.
            return Err(corrupt("AVIF iloc has several extents with no offset or length"));
        }
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            r.sized(index_size)?;
            let offset = r.sized(offset_size)?;
            let length = r.sized(length_size)?;
            extents.push(Extent { offset, length });
        }
        if m.locations.insert(id, Location { method, base, extents }).is_some() {
            return Err(corrupt("AVIF iloc lists an item twice"));
        }
    }
    Ok(())
}

fn parse_iref(r: &mut Reader<'_>, m: &mut Meta<'_>) -> Result<()> {
    let (v, _) = r.full()?;
    for b in boxes(r.rest()) {
        let (kind, body) = b?;
        let mut r = Reader::new(body);
        let id = |r: &mut Reader<'_>| if v == 0 { r.u16().map(u32::from) } else { r.u32() };
        let from = id(&mut r)?;
        let count = r.u16()?;
        let mut to = Vec::new();
        for _ in 0..count {
            to.push(id(&mut r)?);
        }
        m.references.push(Reference { kind, from, to });
    }
    Ok(())
}

fn parse_iprp<'a>(body: &'a [u8], m: &mut Meta<'a>) -> Result<()> {
    for b in boxes(body) {
        let (kind, body) = b?;
        match &kind {
            b"ipco" => {
                for p in boxes(body) {
                    let (kind, body) = p?;
                    m.properties.push(parse_property(kind, body)?);
                }
            }
            b"ipma" => {
                let mut r = Reader::new(body);
                let (v, flags) = r.full()?;
                let count = r.u32()?;
                for _ in 0..count {
                    let id = if v < 1 { u32::from(r.u16()?) } else { r.u32()? };
                    let n = r.u8()?;
                    let mut indices = Vec::new();
                    for _ in 0..n {
                        let index = if flags & 1 == 1 { r.u16()? & 0x7FFF } else { u16::from(r.u8()? & 0x7F) };
                        indices.push(index);
                    }
                    if m.associations.insert(id, indices).is_some() {
                        return Err(corrupt("AVIF ipma lists an item twice"));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn parse_property<'a>(kind: [u8; 4], body: &'a [u8]) -> Result<Property<'a>> {
    let mut r = Reader::new(body);
    Ok(match &kind {
        b"ispe" => {
            r.full()?;
            Property::Ispe(r.u32()?, r.u32()?)
        }
        b"colr" => match &r.fourcc()? {
            b"prof" | b"rICC" => Property::Icc(r.rest()),
            b"nclx" => {
                let (_primaries, _transfer, matrix) = (r.u16()?, r.u16()?, r.u16()?);
                Property::Nclx(Nclx { matrix })
            }
            _ => Property::Other,
        },
        b"irot" => Property::Irot(u16::from(r.u8()? & 3) * 90),
        b"imir" => Property::Imir(r.u8()? & 1),
        b"clap" => {
            let mut rational = || -> Result<(u32, u32)> { Ok((r.u32()?, r.u32()?)) };
            let (width, height) = (rational()?, rational()?);
            let (h, v) = (rational()?, rational()?);
            Property::Clap(Clap {
                width,
                height,
                horizontal_offset: (h.0 as i32, h.1),
                vertical_offset: (v.0 as i32, v.1),
            })
        }
        b"auxC" => {
            r.full()?;
            Property::AuxType(r.cstr())
        }
        _ => Property::Other,
    })
}

impl<'a> Meta<'a> {
    fn item_type(&self, id: u32) -> Option<[u8; 4]> {
        self.items.get(&id).copied()
    }

    fn properties_of(&self, id: u32) -> impl Iterator<Item = Result<&Property<'a>>> + '_ {
        let indices = self.associations.get(&id).map(Vec::as_slice).unwrap_or_default();
        indices
            .iter()
            .filter(|&&i| i != 0)
            .map(move |&i| self.properties.get(usize::from(i) - 1).ok_or_else(|| corrupt("AVIF ipma points past ipco")))
    }

    fn ispe(&self, id: u32) -> Result<(u32, u32)> {
        for p in self.properties_of(id) {
            if let Property::Ispe(w, h) = p? {
                return Ok((*w, *h));
            }
        }
        Err(corrupt("AVIF image item has no ispe (size) property"))
    }

    fn references(&self, kind: &'static [u8; 4]) -> impl Iterator<Item = &Reference> + '_ {
        self.references.iter().filter(move |r| &r.kind == kind)
    }

    /// The item's bytes, from the file (`construction_method` 0) or `idat` (1).
    fn item_data(&self, file: &'a [u8], id: u32) -> Result<Cow<'a, [u8]>> {
        let loc = self.locations.get(&id).ok_or_else(|| corrupt("AVIF item has no iloc entry"))?;
        let source = match loc.method {
            0 => file,
            1 => self.idat.ok_or_else(|| corrupt("AVIF item lives in a missing idat box"))?,
            _ => return Err(unsupported("AVIF item construction from other items is not supported")),
        };
        let slice = |e: &Extent| -> Result<&'a [u8]> {
            let start = loc.base.checked_add(e.offset).ok_or_else(|| corrupt("AVIF item offset overflows"))?;
            let start = usize::try_from(start).ok().filter(|&s| s <= source.len());
            let start = start.ok_or_else(|| corrupt("AVIF item data lies past the end of the file"))?;
            let len = if e.length == 0 { (source.len() - start) as u64 } else { e.length };
            let end = usize::try_from(len).ok().and_then(|l| start.checked_add(l)).filter(|&end| end <= source.len());
            let end = end.ok_or_else(|| corrupt("AVIF item data lies past the end of the file (truncated?)"))?;
            Ok(&source[start..end])
        };
        match loc.extents.as_slice() {
            [] => Err(corrupt("AVIF item has no data extents")),
            [one] => Ok(Cow::Borrowed(slice(one)?)),
            many => {
                // Extents may overlap; never let their sum exceed the bytes we were given.
                let mut total = 0usize;
                for e in many {
                    total = total.saturating_add(slice(e)?.len());
                }
                if total > file.len() {
                    return Err(corrupt("AVIF item extents add up to more than the file"));
                }
                let mut out = Vec::with_capacity(total);
                for e in many {
                    out.extend_from_slice(slice(e)?);
                }
                Ok(Cow::Owned(out))
            }
        }
    }

    fn image_item(&self, file: &'a [u8], id: u32) -> Result<ImageItem<'a>> {
        let (width, height) = self.ispe(id)?;
        let coded = match &self.item_type(id).ok_or_else(|| corrupt("AVIF image item is not in iinf"))? {
            b"av01" => Coded::Av1(self.item_data(file, id)?),
            b"grid" => Coded::Grid(self.grid(file, id)?),
            _ => return Err(unsupported("AVIF image item is neither AV1 nor a grid")),
        };
        Ok(ImageItem { width, height, coded })
    }

    fn grid(&self, file: &'a [u8], id: u32) -> Result<Grid<'a>> {
        let desc = self.item_data(file, id)?;
        let mut r = Reader::new(&desc);
        if r.u8()? != 0 {
            return Err(unsupported("AVIF grid version is not supported"));
        }
        let wide = r.u8()? & 1 == 1;
        let (rows, columns) = (u32::from(r.u8()?) + 1, u32::from(r.u8()?) + 1);
        let (width, height) = if wide { (r.u32()?, r.u32()?) } else { (u32::from(r.u16()?), u32::from(r.u16()?)) };
        let mut dimg = self.references(b"dimg").filter(|r| r.from == id);
        let tile_ids = dimg.next().map(|r| r.to.as_slice()).unwrap_or_default();
        if dimg.next().is_some() || tile_ids.len() as u64 != u64::from(rows) * u64::from(columns) {
            return Err(corrupt("AVIF grid tile count does not match its rows and columns"));
        }
        let mut tiles = Vec::new();
        for &tile in tile_ids {
            if self.item_type(tile) != Some(*b"av01") {
                return Err(unsupported("AVIF grid tiles must be AV1 items"));
            }
            tiles.push(self.item_data(file, tile)?);
        }
        Ok(Grid { rows, columns, width, height, tiles })
    }

    fn resolve(self, file: &'a [u8]) -> Result<Avif<'a>> {
        let primary = self.primary.ok_or_else(|| corrupt("AVIF file has no primary item (pitm)"))?;
        let color = self.image_item(file, primary)?;
        let (mut rotation, mut mirror, mut icc, mut nclx, mut crop) = (0, None, None, None, None);
        for p in self.properties_of(primary) {
            match p? {
                Property::Clap(c) => crop = Some(*c),
                Property::Irot(a) => rotation = *a,
                Property::Imir(axis) => mirror = Some(*axis),
                Property::Icc(profile) if icc.is_none() => icc = Some(profile.to_vec()),
                Property::Nclx(n) if nclx.is_none() => nclx = Some(*n),
                _ => {}
            }
        }
        // The alpha plane: an auxiliary item (`auxl` to the primary) whose auxC says alpha.
        let mut alpha_id = None;
        for r in self.references(b"auxl").filter(|r| r.to.contains(&primary)) {
            let is_alpha =
                self.properties_of(r.from).any(|p| matches!(p, Ok(Property::AuxType(urn)) if ALPHA_URNS.contains(urn)));
            if is_alpha {
                alpha_id = Some(r.from);
                break;
            }
        }
        let alpha = alpha_id.map(|id| self.image_item(file, id)).transpose()?;
        let premultiplied =
            alpha_id.is_some_and(|a| self.references(b"prem").any(|r| r.from == primary && r.to.contains(&a)));
        // EXIF: an `Exif` item describing (`cdsc`) the primary; unreadable EXIF is dropped, not fatal.
        let exif = self
            .references(b"cdsc")
            .filter(|r| r.to.contains(&primary) && self.item_type(r.from) == Some(*b"Exif"))
            .find_map(|r| self.item_data(file, r.from).ok())
            .and_then(|raw| {
                let offset = usize::try_from(u32::from_be_bytes(raw.get(..4)?.try_into().ok()?)).ok()?;
                raw.get(4usize.checked_add(offset)?..).filter(|tiff| !tiff.is_empty()).map(<[u8]>::to_vec)
            });
        Ok(Avif { color, alpha, premultiplied, rotation, mirror, crop, icc, nclx, exif })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clean_aperture_is_a_centred_whole_pixel_crop() {
        let clap = |w: u32, h: u32, x: (i32, u32), y: (i32, u32)| Clap {
            width: (w, 1),
            height: (h, 1),
            horizontal_offset: x,
            vertical_offset: y,
        };
        // Centred: 100x80 in 120x100 starts at (10, 10).
        assert_eq!(clap(100, 80, (0, 1), (0, 1)).rect(120, 100), Some((10, 10, 100, 80)));
        // Offsets move the centre: -10 and +5.
        assert_eq!(clap(100, 80, (-10, 1), (10, 2)).rect(120, 100), Some((0, 15, 100, 80)));
        // link-u's kimono.crop.avif: a half-pixel origin (271.5) rounds up.
        assert_eq!(clap(385, 330, (103, 1), (-308, 1)).rect(722, 1024), Some((272, 39, 385, 330)));
        // A crop past the edge, a zero denominator or size: no crop.
        assert_eq!(clap(100, 80, (-11, 1), (0, 1)).rect(120, 100), None);
        assert_eq!(clap(100, 80, (0, 0), (0, 1)).rect(120, 100), None);
        assert_eq!(clap(200, 80, (0, 1), (0, 1)).rect(120, 100), None);
        assert_eq!(Clap { width: (0, 1), ..clap(1, 1, (0, 1), (0, 1)) }.rect(120, 100), None);
    }

    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&(body.len() as u32 + 8).to_be_bytes()[..], kind, body].concat()
    }

    #[test]
    fn truncated_and_undersized_boxes_are_corrupt() {
        let mut data = bx(b"ftyp", b"avif\0\0\0\0avifmif1");
        data.extend_from_slice(&[0, 0, 1, 0, b'm', b'e', b't', b'a', 0]);
        assert_eq!(parse(&data).unwrap_err().kind(), ErrorKind::CorruptInput);
        let tiny = [&bx(b"ftyp", b"avif\0\0\0\0")[..], &[0, 0, 0, 4, b'm', b'e', b't', b'a']].concat();
        assert_eq!(parse(&tiny).unwrap_err().kind(), ErrorKind::CorruptInput);
        let huge = [&bx(b"ftyp", b"avif\0\0\0\0")[..], &[0, 0, 0, 1, b'm', b'e', b't', b'a'], &[0xFF; 8]].concat();
        assert_eq!(parse(&huge).unwrap_err().kind(), ErrorKind::CorruptInput);
    }

    #[test]
    fn zero_size_extents_cannot_multiply() {
        // iloc v1 with all field sizes 0 and 65535 extents: refused, not allocated.
        let mut body = vec![1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0];
        body.extend_from_slice(&[0xFF, 0xFF]);
        let mut m = Meta::default();
        let e = parse_iloc(&mut Reader::new(&body), &mut m).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CorruptInput);
    }

    #[test]
    fn exif_and_item_data_are_bounds_checked() {
        let mut m = Meta::default();
        m.locations.insert(1, Location { method: 0, base: u64::MAX, extents: vec![Extent { offset: 2, length: 1 }] });
        m.locations.insert(2, Location { method: 0, base: 0, extents: vec![Extent { offset: 2, length: 10 }] });
        m.locations.insert(3, Location { method: 1, base: 0, extents: vec![Extent { offset: 0, length: 1 }] });
        for id in [1, 2, 3, 4] {
            assert_eq!(m.item_data(b"abcdef", id).unwrap_err().kind(), ErrorKind::CorruptInput, "item {id}");
        }
        m.locations.insert(5, Location { method: 0, base: 1, extents: vec![Extent { offset: 1, length: 0 }] });
        assert_eq!(&*m.item_data(b"abcdef", 5).unwrap(), b"cdef");
    }
}
