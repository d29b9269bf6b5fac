//! HEIC/HEIF (HEVC in HEIF: every iPhone photo since iOS 11) through the system's libheif,
//! linked dynamically (Debian: `libheif-dev`, which brings libde265 for HEVC).
//!
//! libheif applies the file's `clap`, `irot` and `imir` in the order ISO/IEC 23008-12 gives, so
//! pixels come out upright and the reported orientation is `Normal` (the EXIF orientation of a
//! HEIF file is informative only: the transform properties are what count). With
//! `auto_orient: false` the transforms are skipped and the stored pixels returned.
//!
//! The binding below declares only the handful of functions used, all present since libheif 1.4
//! and stable in its C ABI; every pointer it hands back is released by an owning guard.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::{self, NonNull};

use ::image::DynamicImage;

use super::{DecodeOptions, Image, ImageInfo, raw8};
use crate::image::{Format, Limits, Orientation};
use crate::{Error, ErrorKind, Result};

#[repr(C)]
struct HeifError {
    code: c_int,
    subcode: c_int,
    message: *const c_char,
}

/// The leading fields of `struct heif_decoding_options`, unchanged since its version 1; the rest
/// of the struct is allocated and defaulted by libheif itself.
#[repr(C)]
struct DecodingOptionsPrefix {
    version: u8,
    ignore_transformations: u8,
}

enum Context {}
enum Handle {}
enum HeifImage {}

const COLORSPACE_RGB: c_int = 1;
const CHROMA_INTERLEAVED_RGB: c_int = 10;
const CHROMA_INTERLEAVED_RGBA: c_int = 11;
const CHANNEL_INTERLEAVED: c_int = 10;
const PROFILE_PROF: c_int = 0x7072_6f66;
const PROFILE_RICC: c_int = 0x7249_4343;

#[link(name = "heif")]
unsafe extern "C" {
    fn heif_context_alloc() -> *mut Context;
    fn heif_context_free(ctx: *mut Context);
    fn heif_context_set_maximum_image_size_limit(ctx: *mut Context, maximum_width: c_int);
    fn heif_context_read_from_memory_without_copy(
        ctx: *mut Context,
        mem: *const c_void,
        size: usize,
        options: *const c_void,
    ) -> HeifError;
    fn heif_context_get_primary_image_handle(ctx: *mut Context, handle: *mut *mut Handle) -> HeifError;
    fn heif_image_handle_release(handle: *const Handle);
    fn heif_image_handle_get_width(handle: *const Handle) -> c_int;
    fn heif_image_handle_get_height(handle: *const Handle) -> c_int;
    fn heif_image_handle_has_alpha_channel(handle: *const Handle) -> c_int;
    fn heif_image_handle_get_number_of_metadata_blocks(handle: *const Handle, type_filter: *const c_char) -> c_int;
    fn heif_image_handle_get_list_of_metadata_block_IDs(
        handle: *const Handle,
        type_filter: *const c_char,
        ids: *mut u32,
        count: c_int,
    ) -> c_int;
    fn heif_image_handle_get_metadata_size(handle: *const Handle, id: u32) -> usize;
    fn heif_image_handle_get_metadata(handle: *const Handle, id: u32, out: *mut c_void) -> HeifError;
    fn heif_image_handle_get_color_profile_type(handle: *const Handle) -> c_int;
    fn heif_image_handle_get_raw_color_profile_size(handle: *const Handle) -> usize;
    fn heif_image_handle_get_raw_color_profile(handle: *const Handle, out: *mut c_void) -> HeifError;
    fn heif_decoding_options_alloc() -> *mut DecodingOptionsPrefix;
    fn heif_decoding_options_free(options: *mut DecodingOptionsPrefix);
    fn heif_decode_image(
        handle: *const Handle,
        out: *mut *mut HeifImage,
        colorspace: c_int,
        chroma: c_int,
        options: *const DecodingOptionsPrefix,
    ) -> HeifError;
    fn heif_image_get_width(image: *const HeifImage, channel: c_int) -> c_int;
    fn heif_image_get_height(image: *const HeifImage, channel: c_int) -> c_int;
    fn heif_image_get_plane_readonly(image: *const HeifImage, channel: c_int, stride: *mut c_int) -> *const u8;
    fn heif_image_release(image: *const HeifImage);
}

/// A libheif error as one of ours: security limits and allocation failures are limits,
/// missing codecs or features unsupported, everything else (truncation, bad boxes) corrupt.
fn check(e: HeifError, what: &'static str) -> Result<()> {
    if e.code == 0 {
        return Ok(());
    }
    const SECURITY_LIMIT_EXCEEDED: c_int = 1000;
    let kind = match (e.code, e.subcode) {
        (_, SECURITY_LIMIT_EXCEEDED) | (6, _) => ErrorKind::LimitExceeded,
        (3 | 4, _) => ErrorKind::UnsupportedFormat,
        _ => ErrorKind::CorruptInput,
    };
    // SAFETY: libheif's error messages are static, NUL-terminated strings (or null).
    let detail = if e.message.is_null() {
        String::new()
    } else {
        // libheif 1.15 ends some messages with a newline.
        unsafe { CStr::from_ptr(e.message) }.to_string_lossy().trim_end().to_owned()
    };
    Err(Error::new(kind, what).with_context("format", "heic").with_context("libheif", detail))
}

/// An open file: the context and its primary image's handle, freed on drop.
struct Primary<'a> {
    ctx: NonNull<Context>,
    handle: NonNull<Handle>,
    /// The context reads from this buffer without copying it.
    _data: std::marker::PhantomData<&'a [u8]>,
}

impl Drop for Primary<'_> {
    fn drop(&mut self) {
        // SAFETY: both pointers came from libheif, are released exactly once, handle before context.
        unsafe {
            heif_image_handle_release(self.handle.as_ptr());
            heif_context_free(self.ctx.as_ptr());
        }
    }
}

impl<'a> Primary<'a> {
    fn open(data: &'a [u8], limits: &Limits) -> Result<Primary<'a>> {
        // SAFETY: a fresh context; null is checked.
        let ctx = NonNull::new(unsafe { heif_context_alloc() })
            .ok_or_else(|| Error::new(ErrorKind::Unexpected, "libheif could not allocate a context"))?;
        let guard = ContextGuard(ctx);
        let side = limits.max_width.max(limits.max_height).min(c_int::MAX as u32) as c_int;
        // SAFETY: ctx is valid; `data` outlives the context (the `'a` of Primary ties them).
        unsafe {
            heif_context_set_maximum_image_size_limit(ctx.as_ptr(), side);
            check(
                heif_context_read_from_memory_without_copy(ctx.as_ptr(), data.as_ptr().cast(), data.len(), ptr::null()),
                "HEIF container is corrupt or truncated",
            )?;
        }
        let mut handle = ptr::null_mut();
        // SAFETY: ctx holds a parsed file; libheif writes a handle we own on success.
        check(
            unsafe { heif_context_get_primary_image_handle(ctx.as_ptr(), &mut handle) },
            "HEIF file has no primary image",
        )?;
        let handle = NonNull::new(handle)
            .ok_or_else(|| Error::new(ErrorKind::CorruptInput, "HEIF file has no primary image"))?;
        std::mem::forget(guard);
        Ok(Primary { ctx, handle, _data: std::marker::PhantomData })
    }

    fn size(&self) -> Result<(u32, u32)> {
        // SAFETY: a valid handle.
        let (w, h) = unsafe {
            (heif_image_handle_get_width(self.handle.as_ptr()), heif_image_handle_get_height(self.handle.as_ptr()))
        };
        Ok((u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0)))
    }

    fn has_alpha(&self) -> bool {
        // SAFETY: a valid handle.
        unsafe { heif_image_handle_has_alpha_channel(self.handle.as_ptr()) != 0 }
    }

    fn info(&self) -> Result<ImageInfo> {
        Ok(ImageInfo::new(Format::Heic, self.size()?, Orientation::Normal, self.has_alpha()))
    }

    /// The TIFF structure of the first `Exif` block (past its 4-byte header offset).
    fn exif(&self) -> Option<Vec<u8>> {
        let filter = c"Exif".as_ptr();
        let h = self.handle.as_ptr();
        // SAFETY: valid handle; the id buffer holds exactly the one id asked for; the data
        // buffer is sized by libheif's own size query before it writes.
        unsafe {
            if heif_image_handle_get_number_of_metadata_blocks(h, filter) < 1 {
                return None;
            }
            let mut id = 0u32;
            if heif_image_handle_get_list_of_metadata_block_IDs(h, filter, &mut id, 1) != 1 {
                return None;
            }
            let size = heif_image_handle_get_metadata_size(h, id);
            if !(4..=64 << 20).contains(&size) {
                return None;
            }
            let mut raw = vec![0u8; size];
            check(heif_image_handle_get_metadata(h, id, raw.as_mut_ptr().cast()), "HEIF EXIF unreadable").ok()?;
            let offset = usize::try_from(u32::from_be_bytes(raw[..4].try_into().ok()?)).ok()?;
            raw.get(4usize.checked_add(offset)?..).filter(|t| !t.is_empty()).map(<[u8]>::to_vec)
        }
    }

    fn icc(&self) -> Option<Vec<u8>> {
        let h = self.handle.as_ptr();
        // SAFETY: valid handle; the buffer is sized by libheif's own size query.
        unsafe {
            if !matches!(heif_image_handle_get_color_profile_type(h), PROFILE_PROF | PROFILE_RICC) {
                return None;
            }
            let size = heif_image_handle_get_raw_color_profile_size(h);
            if size == 0 || size > 16 << 20 {
                return None;
            }
            let mut icc = vec![0u8; size];
            check(heif_image_handle_get_raw_color_profile(h, icc.as_mut_ptr().cast()), "HEIF ICC unreadable").ok()?;
            Some(icc)
        }
    }

    /// Decode to interleaved 8-bit RGB(A), transforms applied unless `ignore_transformations`.
    fn decode(&self, ignore_transformations: bool) -> Result<DynamicImage> {
        let alpha = self.has_alpha();
        let chroma = if alpha { CHROMA_INTERLEAVED_RGBA } else { CHROMA_INTERLEAVED_RGB };
        // SAFETY: options come from libheif's allocator and are freed by the guard; only the
        // version-1 field `ignore_transformations` is written.
        let options = OptionsGuard(unsafe { heif_decoding_options_alloc() });
        if let Some(o) = NonNull::new(options.0) {
            unsafe { (*o.as_ptr()).ignore_transformations = u8::from(ignore_transformations) };
        }
        let mut out = ptr::null_mut();
        // SAFETY: valid handle; on success libheif hands us an image we release via the guard.
        check(
            unsafe { heif_decode_image(self.handle.as_ptr(), &mut out, COLORSPACE_RGB, chroma, options.0) },
            "HEIC image data is corrupt or cannot be decoded",
        )?;
        let image = ImageGuard(
            NonNull::new(out).ok_or_else(|| Error::new(ErrorKind::CorruptInput, "libheif returned no image"))?,
        );
        let p = image.0.as_ptr();
        let mut stride: c_int = 0;
        // SAFETY: the interleaved plane exists for the chroma asked for; its rows are `stride`
        // bytes apart and at least width × channels long, for `height` rows.
        unsafe {
            let (w, h) = (heif_image_get_width(p, CHANNEL_INTERLEAVED), heif_image_get_height(p, CHANNEL_INTERLEAVED));
            let plane = heif_image_get_plane_readonly(p, CHANNEL_INTERLEAVED, &mut stride);
            let (Ok(w), Ok(h), Ok(stride)) = (usize::try_from(w), usize::try_from(h), usize::try_from(stride)) else {
                return Err(Error::new(ErrorKind::CorruptInput, "libheif returned an image of negative size"));
            };
            let channels = if alpha { 4 } else { 3 };
            let row = w * channels;
            if plane.is_null() || w == 0 || h == 0 || stride < row {
                return Err(Error::new(ErrorKind::CorruptInput, "libheif returned no pixel plane"));
            }
            let mut px = Vec::with_capacity(row * h);
            for y in 0..h {
                px.extend_from_slice(std::slice::from_raw_parts(plane.add(y * stride), row));
            }
            raw8(w as u32, h as u32, channels, px)
                .ok_or_else(|| Error::new(ErrorKind::CorruptInput, "libheif returned an unexpected buffer size"))
        }
    }
}

struct ContextGuard(NonNull<Context>);
impl Drop for ContextGuard {
    fn drop(&mut self) {
        // SAFETY: freed only when `Primary::open` failed before taking ownership.
        unsafe { heif_context_free(self.0.as_ptr()) }
    }
}

struct OptionsGuard(*mut DecodingOptionsPrefix);
impl Drop for OptionsGuard {
    fn drop(&mut self) {
        // SAFETY: from heif_decoding_options_alloc (null is accepted by libheif's free).
        unsafe { heif_decoding_options_free(self.0) }
    }
}

struct ImageGuard(NonNull<HeifImage>);
impl Drop for ImageGuard {
    fn drop(&mut self) {
        // SAFETY: released exactly once.
        unsafe { heif_image_release(self.0.as_ptr()) }
    }
}

pub(super) fn probe(data: &[u8]) -> Result<(ImageInfo, Option<Vec<u8>>)> {
    let primary = Primary::open(data, &Limits::default())?;
    Ok((primary.info()?, primary.exif()))
}

pub(super) fn decode(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
    let primary = Primary::open(data, &opts.limits)?;
    let mut info = primary.info()?;
    opts.limits.check_dimensions(info.width, info.height)?;
    let pixels = primary.decode(!opts.auto_orient)?;
    (info.width, info.height) = (pixels.width(), pixels.height());
    Ok(Image { pixels, info, icc: primary.icc(), exif: primary.exif(), input_bytes: data.len() })
}
