//! JPEG through mozjpeg's libjpeg-turbo decoder: SIMD, DCT-domain downscaling
//! (shrink-on-load), CMYK/YCCK, arithmetic coding.
//!
//! libjpeg reports fatal errors through `error_exit`, which must not return; we
//! unwind out of it and catch the unwind at this module's boundary, so corrupt
//! input becomes `corrupt_input`, never a crash.

use std::os::raw::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use ::image::{DynamicImage, GrayImage, RgbImage};
use mozjpeg::{Decompress, Marker};
use mozjpeg_sys::{jpeg_common_struct, jpeg_error_mgr};

use super::{DecodeOptions, Image, ImageInfo, shrink_numerator};
use crate::image::exif::orientation_from_exif;
use crate::image::{Format, Orientation};
use crate::{Error, ErrorKind, Result};

const SAVED_MARKERS: &[Marker] = &[Marker::APP(1), Marker::APP(2), Marker::APP(14)];

pub(super) fn probe(data: &[u8]) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    guarded(|| {
        let d = open(data, false)?;
        let meta = read_meta(&d);
        Ok((meta.info(&d), meta.exif))
    })
}

pub(super) fn decode(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
    if opts.strict && !has_end_of_image(data) {
        return Err(Error::new(
            ErrorKind::CorruptInput,
            "JPEG is truncated: no end-of-image marker after the scan data",
        )
        .with_context("format", "jpeg")
        .with_context("bytes", data.len()));
    }
    guarded(|| {
        let mut d = open(data, opts.strict)?;
        let meta = read_meta(&d);
        let info = meta.info(&d);
        opts.limits.check_dimensions(info.width, info.height)?;
        if let Some((tw, th)) = opts.shrink_to {
            // The hint is in upright coordinates; the decoder works on stored ones.
            let target = if opts.auto_orient && info.orientation.swaps_dimensions() { (th, tw) } else { (tw, th) };
            d.scale(shrink_numerator((info.width, info.height), target));
        }
        let pixels = match d.image()? {
            mozjpeg::Format::RGB(mut s) => {
                let (w, h) = (s.width() as u32, s.height() as u32);
                let px = s.read_scanlines::<u8>()?;
                s.finish()?;
                DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, px).ok_or_else(short_buffer)?)
            }
            mozjpeg::Format::Gray(mut s) => {
                let (w, h) = (s.width() as u32, s.height() as u32);
                let px = s.read_scanlines::<u8>()?;
                s.finish()?;
                DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, px).ok_or_else(short_buffer)?)
            }
            mozjpeg::Format::CMYK(mut s) => {
                let (w, h) = (s.width() as u32, s.height() as u32);
                let px = s.read_scanlines::<u8>()?;
                s.finish()?;
                DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, cmyk_pixels(px, &meta)).ok_or_else(short_buffer)?)
            }
        };
        // A CMYK profile no longer describes the RGB pixels we produced.
        let icc = if meta.cmyk { None } else { meta.icc };
        Ok(Image { pixels, info, icc, exif: meta.exif, input_bytes: data.len() })
    })
}

struct Meta {
    exif: Option<Vec<u8>>,
    icc: Option<Vec<u8>>,
    adobe: bool,
    cmyk: bool,
}

impl Meta {
    fn info(&self, d: &Decompress<&[u8]>) -> ImageInfo {
        let orientation = self.exif.as_deref().map(orientation_from_exif).unwrap_or(Orientation::Normal);
        ImageInfo::new(Format::Jpeg, (d.width() as u32, d.height() as u32), orientation, false)
    }
}

fn open(data: &[u8], strict: bool) -> Result<Decompress<&[u8]>> {
    Ok(Decompress::builder().with_err(error_mgr(strict)).with_markers(SAVED_MARKERS).from_mem(data)?)
}

fn read_meta(d: &Decompress<&[u8]>) -> Meta {
    let mut exif = None;
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut adobe = false;
    for m in d.markers() {
        match m.marker {
            Marker::APP(1) if exif.is_none() => {
                if let Some(tiff) = m.data.strip_prefix(b"Exif\0\0") {
                    exif = Some(tiff.to_vec());
                }
            }
            Marker::APP(2) => {
                if let Some(rest) = m.data.strip_prefix(b"ICC_PROFILE\0")
                    && rest.len() >= 2
                {
                    icc_chunks.push((rest[0], &rest[2..]));
                }
            }
            Marker::APP(14) => adobe |= m.data.starts_with(b"Adobe"),
            _ => {}
        }
    }
    icc_chunks.sort_by_key(|c| c.0);
    let icc = (!icc_chunks.is_empty()).then(|| icc_chunks.iter().flat_map(|c| c.1.iter().copied()).collect());
    let cmyk = d.components().len() == 4;
    Meta { exif, icc, adobe, cmyk }
}

/// True if an EOI marker follows the first scan. libjpeg would silently pad a
/// truncated file with grey; we walk the marker segments (skipping APPn, which
/// may hold a thumbnail with its own EOI) to the first SOS, then look for FFD9,
/// which byte stuffing guarantees cannot occur inside entropy-coded data.
fn has_end_of_image(data: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return false;
        }
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        if marker == 0xDA {
            let scan = data.get(i + 2 + len..).unwrap_or_default();
            // Nearly always the file's last two bytes: skip the walk over megabytes of scan data.
            return scan.ends_with(&[0xFF, 0xD9]) || scan.windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        i += 2 + len;
    }
    false
}

/// Naive CMYK → RGB. Adobe (Photoshop) writes inverted CMYK; others write plain.
/// A colour-managed conversion through the embedded profile would be more exact.
/// CMYK samples to sRGB: through the file's ICC profile when it has a CMYK one (Photoshop's
/// always does), else by the naive formula browsers use for untagged CMYK.
#[cfg_attr(not(feature = "icc"), allow(unused_mut))]
fn cmyk_pixels(mut px: Vec<u8>, meta: &Meta) -> Vec<u8> {
    #[cfg(feature = "icc")]
    if let Some(icc) = &meta.icc {
        // ICC CMYK is ink amount (0 = none); Adobe's APP14 files store it inverted.
        if meta.adobe {
            px.iter_mut().for_each(|v| *v = 255 - *v);
        }
        if let Some(rgb) = crate::image::colour::cmyk_to_srgb(&px, icc) {
            return rgb;
        }
        if meta.adobe {
            px.iter_mut().for_each(|v| *v = 255 - *v);
        }
    }
    cmyk_to_rgb(&px, meta.adobe)
}

fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let [c, m, y, k] =
            if inverted { [px[0], px[1], px[2], px[3]] } else { [255 - px[0], 255 - px[1], 255 - px[2], 255 - px[3]] }
                .map(u32::from);
        out.extend([(c * k + 127) / 255, (m * k + 127) / 255, (y * k + 127) / 255].map(|v| v as u8));
    }
    out
}

fn short_buffer() -> Error {
    Error::new(ErrorKind::CorruptInput, "JPEG decoder returned fewer pixels than the header promised")
}

/// Run libjpeg code, turning its unwinding `error_exit` into `corrupt_input`.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) if e.kind() == ErrorKind::Unexpected => {
            Err(Error::new(ErrorKind::CorruptInput, "JPEG data is corrupt or truncated")
                .with_context("format", "jpeg")
                .with_source(e))
        }
        Ok(Err(e)) => Err(e),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "libjpeg error".into());
            // "Unsupported JPEG process: SOF type 0xc3" (lossless, hierarchical JPEG) and
            // "Unsupported color conversion request" are valid files libjpeg does not read.
            let kind =
                if msg.starts_with("Unsupported") { ErrorKind::UnsupportedFormat } else { ErrorKind::CorruptInput };
            Err(Error::new(kind, msg).with_context("format", "jpeg"))
        }
    }
}

fn error_mgr(strict: bool) -> jpeg_error_mgr {
    // SAFETY: jpeg_std_error fully initialises the struct it is given.
    let mut err: jpeg_error_mgr = unsafe { std::mem::zeroed() };
    unsafe { mozjpeg_sys::jpeg_std_error(&mut err) };
    err.error_exit = Some(error_exit);
    err.emit_message = Some(if strict { warnings_are_fatal } else { ignore_warnings });
    err
}

extern "C-unwind" fn error_exit(cinfo: &mut jpeg_common_struct) {
    let msg = format_message(cinfo);
    resume_unwind(Box::new(msg));
}

extern "C-unwind" fn warnings_are_fatal(cinfo: &mut jpeg_common_struct, level: c_int) {
    // level -1 is a warning about damaged data; >= 0 are trace messages.
    if level < 0 {
        error_exit(cinfo);
    }
}

extern "C-unwind" fn ignore_warnings(_cinfo: &mut jpeg_common_struct, _level: c_int) {}

fn format_message(cinfo: &mut jpeg_common_struct) -> String {
    // SAFETY: cinfo.err points at the error manager installed by error_mgr(), and
    // format_message writes at most JMSG_LENGTH_MAX (80) bytes including the NUL.
    unsafe {
        let Some(err) = cinfo.err.as_ref() else { return "libjpeg error".into() };
        let code = err.msg_code;
        match err.format_message {
            Some(fmt) => {
                let buf = [0u8; 80];
                fmt(cinfo, &buf);
                let text = buf.split(|&c| c == 0).next().unwrap_or_default();
                String::from_utf8_lossy(text).into_owned()
            }
            None => format!("libjpeg error code {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_image_is_found_after_the_scan_only() {
        // SOI, APP1 holding a fake EOI, SOS (len 2), entropy data, then EOI or not.
        let head = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34];
        assert!(has_end_of_image(&[&head[..], &[0xFF, 0xD9]].concat()));
        assert!(!has_end_of_image(&head));
        assert!(!has_end_of_image(&[0xFF, 0xD8]));
        assert!(!has_end_of_image(&[0xFF, 0xD8, 0x00, 0x00, 0x00, 0x00]));
    }

    #[test]
    fn cmyk_conversion_handles_both_conventions() {
        // Plain CMYK: 0 ink is white.
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0], false), vec![255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 255], false), vec![0, 0, 0]);
        // Adobe inverted: 255 is no ink.
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 255], true), vec![255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[0, 255, 255, 255], true), vec![0, 255, 255]);
    }
}
