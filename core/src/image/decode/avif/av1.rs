//! A minimal safe wrapper over rav1d's dav1d-compatible API: open a decoder,
//! decode one still frame from an AV1 bitstream, read its planes. All the
//! module's `unsafe` lives here.

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use rav1d::Dav1dResult;
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dLogger, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422, DAV1D_PIXEL_LAYOUT_I444,
    Dav1dSequenceHeader,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_flush, dav1d_get_picture,
    dav1d_open, dav1d_picture_unref, dav1d_send_data,
};

use crate::{Error, ErrorKind, Result};

fn av1_error(code: Dav1dResult, what: &'static str) -> Error {
    let errno = -code.0;
    let kind = if errno == libc::ERANGE || errno == libc::ENOMEM {
        // ERANGE: the frame is larger than `frame_size_limit`.
        ErrorKind::LimitExceeded
    } else if errno == libc::ENOPROTOOPT {
        ErrorKind::UnsupportedFormat
    } else {
        ErrorKind::CorruptInput
    };
    Error::new(kind, "AVIF data could not be decoded")
        .with_context("format", "avif")
        .with_context("step", what)
        .with_context("av1_error", errno)
}

fn again(code: Dav1dResult) -> bool {
    code.0 == -libc::EAGAIN
}

/// Chroma subsampling of a decoded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    I400,
    I420,
    I422,
    I444,
}

impl Layout {
    /// (horizontal, vertical) subsampling shifts.
    pub fn shifts(self) -> (u32, u32) {
        match self {
            Layout::I420 => (1, 1),
            Layout::I422 => (1, 0),
            Layout::I400 | Layout::I444 => (0, 0),
        }
    }
}

/// rav1d starts its worker threads at every open and joins them at close, which took longer
/// than decoding a small image (a 1×1 AVIF: 0.55 ms with 2 threads, 0.13 ms with 1), and with
/// one frame of delay extra threads bring little below a few megapixels (1 MP: the same time
/// with 1 or 2; 20 MP: 165 ms with 2, 188 ms with 1). Images under 2 MP decode on the calling
/// thread; larger ones get one thread per CPU (0).
pub(super) fn threads_for(pixels: u64) -> i32 {
    if pixels < 2_000_000 { 1 } else { 0 }
}

/// An open rav1d decoder, closed on drop.
pub(super) struct Decoder {
    ctx: Option<Dav1dContext>,
}

impl Decoder {
    /// A decoder for still images: one frame of delay, only the highest spatial layer,
    /// frames larger than `frame_size_limit` pixels refused (0 = no limit), no logging, and
    /// worker threads for an image of `pixels` ([`threads_for`]).
    pub fn new(frame_size_limit: u32, pixels: u64) -> Result<Decoder> {
        let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
        // SAFETY: `settings` is valid to write a `Dav1dSettings` to; it may be uninitialised.
        unsafe { dav1d_default_settings(NonNull::from(&mut settings).cast()) };
        // SAFETY: dav1d_default_settings initialised every field.
        let mut settings = unsafe { settings.assume_init() };
        settings.n_threads = threads_for(pixels);
        settings.max_frame_delay = 1;
        settings.all_layers = 0;
        settings.frame_size_limit = frame_size_limit;
        // SAFETY: a logger without a callback is never called (rav1d turns it into "no logger").
        settings.logger = unsafe { Dav1dLogger::new(None, None) };
        let mut ctx: Option<Dav1dContext> = None;
        // SAFETY: both pointers come from live references: `ctx` is written, `settings` read.
        let code = unsafe { dav1d_open(Some(NonNull::from(&mut ctx)), Some(NonNull::from(&mut settings))) };
        if code.0 != 0 || ctx.is_none() {
            return Err(av1_error(code, "open decoder"));
        }
        Ok(Decoder { ctx })
    }

    /// Decode the first frame of `obus` (an AV1 item's whole bitstream).
    pub fn decode(&mut self, obus: &[u8]) -> Result<Picture> {
        if obus.is_empty() {
            return Err(av1_error(Dav1dResult(-libc::EINVAL), "send data"));
        }
        let mut data = Data(Dav1dData::default());
        // SAFETY: `data.0` is a valid `Dav1dData` to overwrite (it owns nothing yet).
        let buf = unsafe { dav1d_data_create(Some(NonNull::from(&mut data.0)), obus.len()) };
        if buf.is_null() {
            return Err(av1_error(Dav1dResult(-libc::ENOMEM), "allocate data"));
        }
        // SAFETY: dav1d_data_create returned a fresh, writable allocation of `obus.len()` bytes
        // that does not overlap `obus`.
        unsafe { std::ptr::copy_nonoverlapping(obus.as_ptr(), buf, obus.len()) };
        let mut pic = Picture(Dav1dPicture::default());
        loop {
            if data.0.sz > 0 {
                // SAFETY: the context is open; `data.0` is a live Dav1dData that rav1d may consume.
                let code = unsafe { dav1d_send_data(self.ctx, Some(NonNull::from(&mut data.0))) };
                if code.0 != 0 && !again(code) {
                    return Err(av1_error(code, "send data"));
                }
            }
            // SAFETY: the context is open; `pic.0` holds no picture, so overwriting it leaks nothing.
            let code = unsafe { dav1d_get_picture(self.ctx, Some(NonNull::from(&mut pic.0))) };
            if code.0 == 0 {
                break;
            }
            if !again(code) {
                return Err(av1_error(code, "decode frame"));
            }
            if data.0.sz == 0 {
                // Every byte sent and still no frame: a stream without a (shown) frame.
                return Err(Error::new(ErrorKind::CorruptInput, "AVIF item holds no complete AV1 frame")
                    .with_context("format", "avif"));
            }
        }
        if let Some(ctx) = self.ctx {
            // SAFETY: the context is open; flushing drops its state so the next item decodes afresh.
            unsafe { dav1d_flush(ctx) };
        }
        pic.validate()?;
        Ok(pic)
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from dav1d_open and is closed exactly once (dav1d_close sets it to None).
        unsafe { dav1d_close(Some(NonNull::from(&mut self.ctx))) };
    }
}

/// Input data not (yet) consumed by the decoder, released on drop.
struct Data(Dav1dData);

impl Drop for Data {
    fn drop(&mut self) {
        // SAFETY: `self.0` is either empty or a reference from dav1d_data_create; unref handles both.
        unsafe { dav1d_data_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// A decoded frame, released on drop.
pub(super) struct Picture(Dav1dPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: `self.0` is either empty or a picture from dav1d_get_picture; unref handles both.
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// One plane of a picture: `rows` rows of `width` samples, `stride` samples apart.
#[derive(Clone, Copy)]
pub(super) struct Plane<'a, T> {
    pub data: &'a [T],
    pub stride: usize,
    pub width: usize,
    pub rows: usize,
}

impl<T: Copy> Plane<'_, T> {
    pub fn row(&self, y: usize) -> &[T] {
        let start = y.min(self.rows.saturating_sub(1)) * self.stride;
        &self.data[start..start + self.width]
    }
}

impl Picture {
    fn seq(&self) -> Result<&Dav1dSequenceHeader> {
        let p = self.0.seq_hdr.ok_or_else(|| corrupt_frame("AV1 frame has no sequence header"))?;
        // SAFETY: a picture from dav1d_get_picture keeps its sequence header alive (seq_hdr_ref)
        // until dav1d_picture_unref, which only runs when `self` is dropped.
        Ok(unsafe { p.as_ref() })
    }

    pub fn width(&self) -> u32 {
        u32::try_from(self.0.p.w).unwrap_or(0)
    }

    pub fn height(&self) -> u32 {
        u32::try_from(self.0.p.h).unwrap_or(0)
    }

    /// Bits per component: 8, 10 or 12.
    pub fn bit_depth(&self) -> u32 {
        u32::try_from(self.0.p.bpc).unwrap_or(0)
    }

    pub fn layout(&self) -> Layout {
        match self.0.p.layout {
            DAV1D_PIXEL_LAYOUT_I400 => Layout::I400,
            DAV1D_PIXEL_LAYOUT_I420 => Layout::I420,
            DAV1D_PIXEL_LAYOUT_I422 => Layout::I422,
            _ => Layout::I444,
        }
    }

    /// `matrix_coefficients` (H.273) from the sequence header.
    pub fn matrix(&self) -> u32 {
        self.seq().map(|s| s.mtrx).unwrap_or(2)
    }

    /// `color_primaries` (H.273) from the sequence header.
    pub fn primaries(&self) -> u32 {
        self.seq().map(|s| s.pri).unwrap_or(2)
    }

    pub fn full_range(&self) -> bool {
        self.seq().map(|s| s.color_range != 0).unwrap_or(false)
    }

    fn validate(&self) -> Result<()> {
        let layout_ok = matches!(
            self.0.p.layout,
            DAV1D_PIXEL_LAYOUT_I400 | DAV1D_PIXEL_LAYOUT_I420 | DAV1D_PIXEL_LAYOUT_I422 | DAV1D_PIXEL_LAYOUT_I444
        );
        if self.width() == 0 || self.height() == 0 || !matches!(self.bit_depth(), 8 | 10 | 12) || !layout_ok {
            return Err(corrupt_frame("AV1 frame has an unexpected size, depth or layout"));
        }
        self.seq()?;
        let planes = if self.layout() == Layout::I400 { 1 } else { 3 };
        for i in 0..planes {
            let (width, rows, stride) = self.geometry(i);
            if self.0.data[i].is_none() || stride < width * self.sample_bytes() || rows == 0 {
                return Err(corrupt_frame("AV1 frame planes are not laid out as expected"));
            }
            let aligned = self.0.data[i].is_some_and(|p| p.as_ptr().align_offset(self.sample_bytes()) == 0);
            if !aligned || stride % self.sample_bytes() != 0 {
                return Err(corrupt_frame("AV1 frame planes are misaligned"));
            }
        }
        Ok(())
    }

    fn sample_bytes(&self) -> usize {
        if self.bit_depth() > 8 { 2 } else { 1 }
    }

    /// (width in samples, rows, stride in bytes) of plane `i`.
    fn geometry(&self, i: usize) -> (usize, usize, usize) {
        let (w, h) = (self.width() as usize, self.height() as usize);
        let (sx, sy) = if i == 0 { (0, 0) } else { self.layout().shifts() };
        let stride = usize::try_from(self.0.stride[if i == 0 { 0 } else { 1 }]).unwrap_or(0);
        ((w + sx as usize) >> sx, (h + sy as usize) >> sy, stride)
    }

    fn plane<T>(&self, i: usize) -> Option<Plane<'_, T>> {
        let bytes = size_of::<T>();
        if bytes != self.sample_bytes() || (i > 0 && self.layout() == Layout::I400) {
            return None;
        }
        let (width, rows, stride) = self.geometry(i);
        let ptr = self.0.data[i]?;
        let len = (rows - 1) * (stride / bytes) + width;
        // SAFETY: `validate` checked the pointer is non-null and aligned for `T` (u8 or u16) and that
        // stride >= row bytes; dav1d allocates each plane as at least `stride * rows` bytes
        // (rows padded up), and the picture, which owns that buffer, outlives the returned borrow.
        let data = unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast::<T>(), len) };
        Some(Plane { data, stride: stride / bytes, width, rows })
    }

    pub fn planes_u8(&self) -> Option<[Option<Plane<'_, u8>>; 3]> {
        Some([Some(self.plane(0)?), self.plane(1), self.plane(2)])
    }

    pub fn planes_u16(&self) -> Option<[Option<Plane<'_, u16>>; 3]> {
        Some([Some(self.plane(0)?), self.plane(1), self.plane(2)])
    }
}

fn corrupt_frame(message: &'static str) -> Error {
    Error::new(ErrorKind::CorruptInput, message).with_context("format", "avif")
}
