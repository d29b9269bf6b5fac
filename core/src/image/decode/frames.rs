//! How many frames an animated file holds, read by walking its blocks (no pixel decoding).
//! fotobase decodes the first frame; callers that show a badge or refuse animations ask here.
//! A walk that runs off the end of a damaged file returns what it counted so far (at least 1):
//! telling whether the file is corrupt is the decoder's job, not this one's.

use super::Format;

pub(super) fn count(data: &[u8], format: Format) -> u32 {
    let n = match format {
        Format::Gif => gif(data),
        Format::Webp => webp(data),
        Format::Png => apng(data),
        Format::Avif => isobmff_samples(data),
        _ => None,
    };
    n.unwrap_or(1).max(1)
}

/// Image descriptors (`,` blocks) in a GIF, skipping extensions and LZW data by their sub-blocks.
fn gif(data: &[u8]) -> Option<u32> {
    let flags = *data.get(10)?;
    let mut at = 13 + if flags & 0x80 != 0 { 3usize << ((flags & 7) + 1) } else { 0 };
    let mut frames = 0u32;
    let skip_sub_blocks = |mut at: usize| -> Option<usize> {
        loop {
            let len = usize::from(*data.get(at)?);
            at += 1 + len;
            if len == 0 {
                return Some(at);
            }
        }
    };
    loop {
        match data.get(at) {
            Some(0x21) => at = skip_sub_blocks(at + 2).unwrap_or(data.len()),
            Some(0x2C) => {
                frames += 1;
                let Some(&flags) = data.get(at + 9) else { break };
                at += 10 + if flags & 0x80 != 0 { 3usize << ((flags & 7) + 1) } else { 0 };
                // LZW minimum code size, then the data sub-blocks.
                at = skip_sub_blocks(at + 1).unwrap_or(data.len());
            }
            _ => break,
        }
    }
    Some(frames)
}

/// `ANMF` chunks of an animated WebP.
fn webp(data: &[u8]) -> Option<u32> {
    let mut at = 12usize;
    let mut frames = 0u32;
    while let Some(header) = data.get(at..at + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if &header[..4] == b"ANMF" {
            frames += 1;
        }
        at = at.checked_add(8)?.checked_add(size)?.checked_add(size & 1)?;
    }
    Some(frames)
}

/// `acTL`'s frame count of an animated PNG (it comes before the first `IDAT`).
fn apng(data: &[u8]) -> Option<u32> {
    let mut at = 8usize;
    while let Some(header) = data.get(at..at + 8) {
        let size = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        match &header[4..] {
            b"acTL" => {
                let n = data.get(at + 8..at + 12)?;
                return Some(u32::from_be_bytes([n[0], n[1], n[2], n[3]]));
            }
            b"IDAT" | b"IEND" => return None,
            _ => at = at.checked_add(12)?.checked_add(size)?,
        }
    }
    None
}

/// Samples of the first track of an ISO-BMFF file (an AVIF image sequence): `moov/trak/mdia/
/// minf/stbl/stsz`'s `sample_count`. A still AVIF has no `moov`.
fn isobmff_samples(data: &[u8]) -> Option<u32> {
    let mut body = data;
    for path in [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"] {
        body = child(body, path)?;
    }
    // Full box header (4), sample_size (4), sample_count (4).
    let n = body.get(8..12)?;
    Some(u32::from_be_bytes([n[0], n[1], n[2], n[3]]))
}

/// The body of the first box of type `kind` among the boxes laid end to end in `data`.
fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    let mut at = 0usize;
    while let Some(header) = data.get(at..at + 8) {
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let (size, head) = match size32 {
            0 => (data.len() - at, 8),
            1 => {
                let wide = data.get(at + 8..at + 16)?;
                (usize::try_from(u64::from_be_bytes(wide.try_into().ok()?)).ok()?, 16)
            }
            n => (n, 8),
        };
        if size < head {
            return None;
        }
        let end = at.checked_add(size)?.min(data.len());
        if &header[4..] == kind {
            return data.get(at + head..end);
        }
        at = at.checked_add(size)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_or_still_files_count_one() {
        for format in [Format::Gif, Format::Webp, Format::Png, Format::Avif, Format::Jpeg] {
            assert_eq!(count(b"", format), 1);
            assert_eq!(count(&[0xFF; 64], format), 1);
        }
    }

    #[test]
    fn counts_gif_frames_past_extensions_and_colour_tables() {
        let mut gif = b"GIF89a\x02\0\x02\0\x80\0\0".to_vec();
        gif.extend([0u8; 6]); // global colour table, 2 entries
        for _ in 0..3 {
            gif.extend(b"\x21\xF9\x04\0\0\0\0\0"); // graphic control extension
            gif.extend(b"\x2C\0\0\0\0\x02\0\x02\0\0\x02\x02\x44\x01\0");
        }
        gif.push(0x3B);
        assert_eq!(count(&gif, Format::Gif), 3);
        assert_eq!(count(&gif[..gif.len() - 10], Format::Gif), 3);
    }

    #[test]
    fn counts_webp_and_apng_frames() {
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        webp.extend(b"VP8X\x0a\0\0\0");
        webp.extend([0u8; 10]);
        for _ in 0..4 {
            webp.extend(b"ANMF\x03\0\0\0abc\0");
        }
        assert_eq!(count(&webp, Format::Webp), 4);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(b"\0\0\0\x0dIHDR");
        png.extend([0u8; 17]);
        png.extend(b"\0\0\0\x08acTL\0\0\0\x05\0\0\0\0\0\0\0\0");
        assert_eq!(count(&png, Format::Png), 5);
    }
}
