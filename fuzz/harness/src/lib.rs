//! What each fuzz target does with its input, and the seeds it starts from.
//!
//! The cargo-fuzz binaries in `fuzz/targets/fuzz_targets/` are one line each: `run(name, data)`.
//! The same functions run on stable in the normal suite (`tests/regressions.rs`) over every
//! seed and every input saved in `fuzz/regressions/<target>/`, so a crash the fuzzer finds
//! once stays fixed. A target fails by panicking: on a panic inside fotobase, and on an
//! outcome fotobase promises never to produce (a forged token accepted, a 5xx for a bad
//! upload, a metric out of its range, an error without a stable code).

mod seeds;
mod server;

use std::sync::OnceLock;

use fotobase::ErrorKind;
use fotobase::image::{
    CompareOptions, CompressOptions, DecodeOptions, DynamicImage, Format, Image, Limits, Metric, ResizeOptions,
    compare_images, compress, decode, probe,
};
use fotobase_auth::Secret;
use fotobase_auth::password::{HashParams, PasswordHasher};
use fotobase_auth::public_id::PublicIds;
use fotobase_auth::token::{Algorithm, Claims, Key, KeySet, TokenConfig, TokenRequest, Tokens};

pub use seeds::seeds;

/// Every target, by the name of its binary in `fuzz/targets/fuzz_targets/`.
pub const TARGETS: &[&str] = &[
    "decode_jpeg",
    "decode_png",
    "decode_webp",
    "decode_avif",
    "decode_gif",
    "decode_heic",
    "decode_jxl",
    "decode_tiff",
    "decode_bmp",
    "decode_ico",
    "compress",
    "metrics",
    "jwt_verify",
    "phc_parse",
    "public_id",
    "multipart_upload",
    "transform_url",
];

/// Feed `data` to target `name`. Panics when fotobase misbehaves.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "decode_jpeg" => decode_as(Format::Jpeg, data),
        "decode_png" => decode_as(Format::Png, data),
        "decode_webp" => decode_as(Format::Webp, data),
        "decode_avif" => decode_as(Format::Avif, data),
        "decode_gif" => decode_as(Format::Gif, data),
        "decode_heic" => decode_as(Format::Heic, data),
        "decode_jxl" => decode_as(Format::Jxl, data),
        "decode_tiff" => decode_as(Format::Tiff, data),
        "decode_bmp" => decode_as(Format::Bmp, data),
        "decode_ico" => decode_as(Format::Ico, data),
        "compress" => compress_small(data),
        "metrics" => metrics(data),
        "jwt_verify" => jwt_verify(data),
        "phc_parse" => phc_parse(data),
        "public_id" => public_id(data),
        "multipart_upload" => server::multipart_upload(data),
        "transform_url" => server::transform_url(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// Limits small enough that no input makes one run allocate more than ~64 MB of pixels.
fn fuzz_limits() -> Limits {
    Limits { max_pixels: 4 << 20, max_width: 8192, max_height: 8192, max_input_bytes: 16 << 20 }
}

/// An error must carry one of the codes bad input is documented to get.
#[track_caller]
fn input_error(e: &fotobase::Error) {
    assert!(
        matches!(
            e.kind(),
            ErrorKind::CorruptInput
                | ErrorKind::LimitExceeded
                | ErrorKind::UnsupportedFormat
                | ErrorKind::InvalidArgument
        ),
        "bad input must get an input error code, got {} ({e})",
        e.kind().code()
    );
}

fn decode_as(format: Format, data: &[u8]) {
    if Format::sniff(data) != Some(format) {
        return; // another target's format: mutations that break the magic are not this target's work
    }
    let limits = fuzz_limits();
    match probe(data) {
        Ok(info) => assert_eq!(info.format, format),
        Err(e) => input_error(&e),
    }
    let opts = DecodeOptions { limits, ..DecodeOptions::default() };
    match decode(data, &opts) {
        Ok(img) => {
            let px = u64::from(img.width()) * u64::from(img.height());
            assert!(px > 0 && px <= limits.max_pixels, "{}x{} passed the limits", img.width(), img.height());
        }
        Err(e) => input_error(&e),
    }
}

/// Decode, resize to at most 48 px and encode with an algorithm picked by the input.
fn compress_small(data: &[u8]) {
    const ALGORITHMS: [&str; 5] = ["jpeg-baseline", "jpeg-mozjpeg", "png-oxipng", "webp-lossy", "webp-lossless"];
    let pick = data.iter().fold(0usize, |a, &b| a.wrapping_mul(31).wrapping_add(usize::from(b)));
    let opts = CompressOptions {
        algorithm: ALGORITHMS[pick % ALGORITHMS.len()].into(),
        resize: ResizeOptions::new(Some(48), Some(48)),
        decode: DecodeOptions { limits: fuzz_limits(), ..DecodeOptions::default() },
        metrics: vec![Metric::Psnr],
        ..CompressOptions::default()
    };
    match compress(data, &opts) {
        Ok(out) => {
            let back =
                decode(&out.encoded.data, &DecodeOptions::default()).expect("fotobase must decode what it encoded");
            assert!(back.width() <= 48 && back.height() <= 48, "{}x{}", back.width(), back.height());
        }
        Err(e) => input_error(&e),
    }
}

/// Two images of up to 48x48 pixels from the input: size and layout from the first
/// bytes, pixels from the rest (repeated as needed).
fn metrics(data: &[u8]) {
    let Some((&[w, h, layout], rest)) = data.split_first_chunk::<3>() else { return };
    let (w, h) = (u32::from(w % 48) + 1, u32::from(h % 48) + 1);
    let channels = [1u8, 2, 3, 4][usize::from(layout % 4)];
    let n = (w * h) as usize * usize::from(channels);
    let bytes = |offset: usize| -> Vec<u8> {
        if rest.is_empty() { vec![0; n] } else { (0..n).map(|i| rest[(i + offset) % rest.len()]).collect() }
    };
    let a = Image::from_raw(w, h, channels, bytes(0)).expect("valid raw image");
    let b = Image::from_raw(w, h, channels, bytes(n.min(rest.len() / 2))).expect("valid raw image");
    let small = w < 11 || h < 11;
    for (x, y) in [(a.pixels(), b.pixels()), (a.pixels(), a.pixels())] {
        match compare_images(x, y, &CompareOptions::default()) {
            Ok(m) => check_ranges(&m, std::ptr::eq(x, y)),
            Err(e) => {
                assert!(small, "{w}x{h} is large enough for every metric: {e}");
                assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            }
        }
    }
    // MSE and PSNR have no size floor.
    let m = compare_images(a.pixels(), b.pixels(), &CompareOptions::with_metrics(&[Metric::Mse, Metric::Psnr]))
        .expect("MSE works on any size");
    check_ranges(&m, false);
}

fn check_ranges(m: &fotobase::image::Metrics, identical: bool) {
    let eps = 1e-9;
    let mse = m.mse.expect("mse");
    assert!(mse.is_finite() && (0.0..=65025.0).contains(&mse), "mse {mse}");
    let psnr = m.psnr.expect("psnr");
    assert!(psnr >= 0.0 && !psnr.is_nan(), "psnr {psnr}");
    if let Some(s) = m.ssim {
        assert!((-1.0 - eps..=1.0 + eps).contains(&s), "ssim {s}");
    }
    if let Some(s) = m.ms_ssim {
        assert!((0.0..=1.0 + eps).contains(&s), "ms_ssim {s}");
    }
    if let Some(s) = m.ssimulacra2 {
        assert!(s.is_finite() && s <= 100.0 + eps, "ssimulacra2 {s}");
    }
    if identical {
        assert_eq!(mse, 0.0);
        assert_eq!(psnr, f64::INFINITY);
        if let Some(s) = m.ssim {
            assert!((s - 1.0).abs() < 1e-9, "ssim of an image with itself: {s}");
        }
    }
}

/// One signing key and the claims of the one token it issued (a seed).
struct Issuer {
    tokens: Tokens,
    token: String,
    claims: Claims,
}

fn issuer() -> &'static Issuer {
    static ISSUER: OnceLock<Issuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let key = Key::generate(Algorithm::EdDSA).expect("key");
        let mut keys = KeySet::new();
        let kid = key.kid().to_owned();
        keys.insert(key);
        keys.set_active(&kid).expect("active key");
        let mut config = TokenConfig::new("https://fotobase.test", "fotobase");
        config.ttl = std::time::Duration::from_secs(3600 * 24 * 365);
        let tokens = Tokens::new(keys, config);
        let (token, claims) = tokens.issue(&TokenRequest::new("user-1")).expect("issue");
        Issuer { tokens, token, claims }
    })
}

/// Nothing verifies but what the key signed: a mutated token may still verify only if
/// it carries exactly the issued claims (base64 padding bits), never other ones.
fn jwt_verify(data: &[u8]) {
    let issuer = issuer();
    let text = String::from_utf8_lossy(data);
    match issuer.tokens.verify(&text) {
        Ok(claims) => assert_eq!(claims, issuer.claims, "a token with other claims verified: {text}"),
        Err(e) => assert!(
            e.kind().code().starts_with("token_")
                || e.kind() == ErrorKind::UnknownKey
                || e.kind() == ErrorKind::LimitExceeded
                || e.kind() == ErrorKind::InvalidArgument,
            "{}: {e}",
            e.kind().code()
        ),
    }
}

fn hasher() -> &'static PasswordHasher {
    static HASHER: OnceLock<PasswordHasher> = OnceLock::new();
    HASHER.get_or_init(|| {
        PasswordHasher::new(HashParams { memory_kib: 64, iterations: 1, parallelism: 1 }).expect("hasher")
    })
}

/// Stored-hash parsing: `needs_rehash` on anything, `verify` where the string asks for
/// little enough work to run thousands of times a second (larger asks are what the
/// limits test covers).
fn phc_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let h = hasher();
    let _ = h.needs_rehash(&text);
    let cheap = argon2::PasswordHash::new(&text)
        .ok()
        .and_then(|p| argon2::Params::try_from(&p).ok())
        .is_none_or(|p| p.m_cost() <= 256 && p.t_cost() <= 4 && p.p_cost() <= 4);
    if cheap && let Err(e) = h.verify(&text, "correct horse battery staple") {
        assert!(
            matches!(e.kind(), ErrorKind::InvalidArgument | ErrorKind::UnknownKey | ErrorKind::LimitExceeded),
            "{}: {e}",
            e.kind().code()
        );
    }
}

fn public_ids() -> &'static PublicIds {
    static IDS: OnceLock<PublicIds> = OnceLock::new();
    IDS.get_or_init(|| PublicIds::new(&Secret::new(vec![7u8; 32])).expect("id key"))
}

/// A decoded id re-encodes to the same text: one public form per id, no malleability.
fn public_id(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ids = public_ids();
    match ids.decode("img", &text) {
        Ok(id) => assert_eq!(ids.encode("img", id).expect("encode"), text, "two spellings of id {id}"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}"),
    }
}

/// Pixels the seeds are made of.
fn photo(w: u32, h: u32, seed: u64) -> DynamicImage {
    fotobase::image::synthetic_photo(w, h, seed)
}
