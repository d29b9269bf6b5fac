//! `avif-aom`: AV1 from the system's libaom (Debian: `libaom-dev`), linked dynamically, through
//! the small C shim beside this file (`aom.c`, built by `build.rs`), which keeps libaom's
//! release-dependent config struct on the C side.
//!
//! libaom's all-intra mode at cpu-used 6 encodes a 12 MP photo several times faster than rav1e
//! and than sharp's AVIF (libaom 3.15 at cpu-used 5); with Debian 12's libaom 3.6 its files are
//! larger than sharp's at equal SSIMULACRA2. `benches/RESULTS.md` has the figures.

use std::ffi::{CStr, c_char};
use std::sync::LazyLock;

use super::{Planes, common_params, quantizer};
use crate::Result;
use crate::image::Format;
use crate::image::encode::{Algorithm, AlgorithmInfo, EncodeInput, ParamSpec, encode_error};

/// `fotobase_aom_frame` in aom.c.
#[repr(C)]
struct Frame {
    planes: [*const u16; 3],
    strides: [usize; 3],
    width: u32,
    height: u32,
    bit_depth: u32,
    x_chroma_shift: u32,
    y_chroma_shift: u32,
    monochrome: i32,
    profile: i32,
    quantizer: i32,
    speed: i32,
    threads: i32,
    tune: i32,
    color_primaries: i32,
    transfer_characteristics: i32,
    matrix_coefficients: i32,
}

/// `fotobase_aom_output` in aom.c.
#[repr(C)]
struct Output {
    data: *mut u8,
    len: usize,
    error: [c_char; 256],
}

unsafe extern "C" {
    fn fotobase_aom_encode(frame: *const Frame, out: *mut Output) -> i32;
    fn fotobase_aom_free(data: *mut u8);
    fn fotobase_aom_version() -> i32;
}

// ISO/IEC 23091-2 code points, as the container's `colr` box says.
const PRIMARIES_BT709: i32 = 1;
const TRANSFER_SRGB: i32 = 13;
const MATRIX_BT601: i32 = 6;

static PARAMS: LazyLock<Vec<ParamSpec>> = LazyLock::new(|| {
    let mut params = common_params();
    params.insert(
        1,
        ParamSpec::int(
            "speed",
            0,
            10,
            6,
            "libavif's speed scale: libaom cpu-used, 10 running as 9 like libavif; sharp's default is 5",
        ),
    );
    params.push(ParamSpec::choice("tune", &["ssim", "psnr"], "ssim", "what libaom's rate-distortion decisions favour"));
    params
});

pub(super) fn algorithm() -> Algorithm {
    Algorithm {
        info: AlgorithmInfo {
            name: "avif-aom",
            format: Format::Avif,
            lossless: false,
            description: "AVIF (AV1 intra) encoded by libaom",
            quality_param: Some("quality"),
            params: PARAMS.as_slice(),
        },
        encode,
    }
}

/// One AV1 stream: `planes` holds Y (and U, V unless `monochrome`) at `depth` bits.
fn encode_av1(
    planes: &Planes,
    data: [&[u16]; 3],
    monochrome: bool,
    quality: i64,
    speed: i64,
    tune: i32,
) -> Result<Vec<u8>> {
    let (w, h) = (planes.width, planes.height);
    let chroma_w = if monochrome { 0 } else { planes.yuv.chroma_w };
    let frame = Frame {
        planes: data.map(<[u16]>::as_ptr),
        strides: [w, chroma_w, chroma_w],
        width: w as u32,
        height: h as u32,
        bit_depth: planes.depth,
        x_chroma_shift: if monochrome { 1 } else { planes.dec.0 as u32 },
        y_chroma_shift: if monochrome { 1 } else { planes.dec.1 as u32 },
        monochrome: i32::from(monochrome),
        profile: if monochrome { i32::from(planes.depth == 12) * 2 } else { i32::from(planes.profile) },
        quantizer: quantizer(quality, 63) as i32,
        speed: speed.min(9) as i32,
        threads: rayon::current_num_threads() as i32,
        tune,
        color_primaries: PRIMARIES_BT709,
        transfer_characteristics: TRANSFER_SRGB,
        matrix_coefficients: MATRIX_BT601,
    };
    let mut out = Output { data: std::ptr::null_mut(), len: 0, error: [0; 256] };
    // SAFETY: every plane pointer covers `stride × rows` samples of its plane (the shim reads
    // no chroma when monochrome); `out` is written by the shim, and its data freed below.
    let rc = unsafe { fotobase_aom_encode(&frame, &mut out) };
    if rc != 0 {
        // SAFETY: the shim always leaves a NUL-terminated message in `error` on failure.
        let why = unsafe { CStr::from_ptr(out.error.as_ptr()) }.to_string_lossy().into_owned();
        return Err(encode_error("AVIF (libaom)", why));
    }
    // SAFETY: on success `data` points at `len` bytes allocated by the shim.
    let bytes = unsafe { std::slice::from_raw_parts(out.data, out.len) }.to_vec();
    // SAFETY: allocated by the shim and not used after this.
    unsafe { fotobase_aom_free(out.data) };
    Ok(without_temporal_delimiter(bytes))
}

/// libaom opens each temporal unit with a temporal-delimiter OBU, which an AVIF item must not
/// carry (AV1-ISOBMFF §2.4); it is the two bytes `0x12 0x00` (type 2, with a zero size).
fn without_temporal_delimiter(mut obus: Vec<u8>) -> Vec<u8> {
    if obus.starts_with(&[0x12, 0x00]) {
        obus.drain(..2);
    }
    obus
}

/// libaom 3.6.0 (Debian 12's) fails on frames above about 35 MP (libheif refuses them for that
/// reason); 3.6.1 fixed it. Such images go to rav1e there, which reads the same parameters.
fn beyond_libaom_3_6_0(version: i32, width: u32, height: u32) -> bool {
    let (w, h) = (u64::from(width), u64::from(height));
    version == 0x03_06_00 && !(w <= 16384 && h <= 8704 && w * h <= 8192 * 4352)
}

fn encode(input: &EncodeInput<'_>) -> Result<Vec<u8>> {
    // SAFETY: a plain query of the loaded library's version.
    let version = unsafe { fotobase_aom_version() };
    if beyond_libaom_3_6_0(version, input.pixels.width(), input.pixels.height()) {
        return super::rav1e::encode(input);
    }
    let p = input.params;
    let planes = Planes::new(input);
    let tune = if p.choice("tune") == "psnr" { 0 } else { 1 }; // AOM_TUNE_PSNR, AOM_TUNE_SSIM
    let speed = p.int("speed");
    let yuv = &planes.yuv;
    let (color, alpha) = rayon::join(
        || encode_av1(&planes, [&yuv.y, &yuv.u, &yuv.v], false, p.int("quality"), speed, tune),
        || {
            planes
                .alpha
                .as_deref()
                .map(|a| encode_av1(&planes, [a, a, a], true, p.int("alpha_quality"), speed, tune))
                .transpose()
        },
    );
    let (color, alpha) = (color?, alpha?);
    Ok(planes.container(&color, alpha.as_deref(), input.exif))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_libaom_3_6_0_hands_large_images_to_rav1e() {
        assert!(!beyond_libaom_3_6_0(0x03_06_00, 8192, 4352));
        assert!(beyond_libaom_3_6_0(0x03_06_00, 8192, 4353));
        assert!(beyond_libaom_3_6_0(0x03_06_00, 16385, 100));
        assert!(!beyond_libaom_3_6_0(0x03_06_01, 16385, 9000));
    }

    #[test]
    fn only_a_leading_temporal_delimiter_goes() {
        assert_eq!(without_temporal_delimiter(vec![0x12, 0x00, 0x0a, 0x0b]), vec![0x0a, 0x0b]);
        assert_eq!(without_temporal_delimiter(vec![0x0a, 0x12, 0x00]), vec![0x0a, 0x12, 0x00]);
    }
}
