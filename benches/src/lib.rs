//! Shared fixtures for the Criterion benches in `benches/image.rs`.
//!
//! Everything here is deterministic and built lazily, once per process
//! (`OnceLock`), so a filtered run (`cargo bench -p fotobase-benches -- resize`)
//! only pays for the fixtures it uses and every benchmark sees the same pixels.
//!
//! The photo is 12 megapixels (4000×3000) because that is what phones
//! produce and where codec and metric costs show. It comes from the corpus
//! when one is available (real content), otherwise from
//! [`synthetic_photo`], so the benches also run on a bare checkout.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use fotobase::image::{
    DecodeOptions, DynamicImage, EncodeOptions, Fit, Image, Params, ResizeOptions, decode, encode, probe, resize,
    synthetic_photo,
};

/// Size of the benchmark photo: 12 megapixels.
pub const BENCH_SIZE: (u32, u32) = (4000, 3000);
/// Seed of the synthetic fallback photo.
pub const SYNTHETIC_SEED: u64 = 42;

/// The sizes one run works with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// The decode, resize and metrics photo.
    pub photo: (u32, u32),
    /// Encoder input: a 12 MP AVIF or oxipng encode takes tens of seconds, too
    /// long for Criterion's repeated sampling, so encoders get a downscale.
    pub encode: (u32, u32),
    /// Target width of the resize benchmarks.
    pub resize_width: u32,
    /// Target width of the shrink-on-load comparison.
    pub thumb_width: u32,
}

/// Sizes for a real benchmark run (`cargo bench`).
pub const BENCH_SIZES: Sizes = Sizes { photo: BENCH_SIZE, encode: (1920, 1440), resize_width: 1920, thumb_width: 400 };

/// Sizes for test mode. `cargo test --workspace --all-targets` runs every
/// bench once to check it works; at 12 MP the fixtures alone (an AVIF and an
/// oxipng encode of 12 MP, in a dev build) would take about a minute, so test
/// mode uses the same benches on a small photo.
pub const TEST_SIZES: Sizes = Sizes { photo: (800, 600), encode: (480, 360), resize_width: 480, thumb_width: 400 };

/// Criterion's settings for every bench here: 0.3 s of warm-up, 1 s of measurement and ten samples,
/// instead of 3 s, 5 s and 100, so that `make bench` (the release build, these benches and the peer
/// harness) fits in 30 minutes on 2 cores. Calls slower than 0.1 s get flat sampling, ten calls at the
/// least; each estimate's 95% interval (target/criterion) shows what that costs in precision.
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10)
}

/// True when the process was started by `cargo bench` (which passes `--bench`).
/// `cargo test` does not, and Criterion then runs each bench once as a test.
pub fn is_bench_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// [`BENCH_SIZES`] under `cargo bench`, [`TEST_SIZES`] otherwise.
pub fn sizes() -> &'static Sizes {
    if is_bench_run() { &BENCH_SIZES } else { &TEST_SIZES }
}

/// The corpus directory: `$FOTOBASE_CORPUS`, else `shared/corpus` next to the workspace.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("FOTOBASE_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    }
}

/// The 12-megapixel (4000×3000) RGB benchmark photo. Not cached: see [`fixture_photo`].
pub fn bench_photo() -> DynamicImage {
    build_photo(BENCH_SIZE.0, BENCH_SIZE.1)
}

/// A `width`×`height` RGB photo: the largest corpus photo (most pixels) under
/// `<corpus>/photos/`, scaled and centre-cropped to fill the size (`Fit::Cover`),
/// or [`synthetic_photo`] if the corpus has none.
pub fn build_photo(width: u32, height: u32) -> DynamicImage {
    build_photo_from(&corpus_dir(), width, height)
}

/// [`build_photo`] with an explicit corpus directory.
pub fn build_photo_from(corpus: &Path, width: u32, height: u32) -> DynamicImage {
    for (path, (w, h)) in corpus_photos_by_size(&corpus.join("photos")) {
        let decoded = std::fs::read(&path)
            .map_err(fotobase::Error::from)
            .and_then(|bytes| decode(&bytes, &DecodeOptions::default()));
        let opts = ResizeOptions { width: Some(width), height: Some(height), fit: Fit::Cover, ..Default::default() };
        match decoded.and_then(|img| resize(img.pixels(), &opts)) {
            Ok(pixels) => {
                eprintln!("fotobase-benches: photo {} ({w}x{h}) scaled to {width}x{height}", path.display());
                return DynamicImage::ImageRgb8(pixels.into_rgb8());
            }
            // A broken file should not stop the benches: try the next largest.
            Err(e) => eprintln!("fotobase-benches: skipping {}: {e}", path.display()),
        }
    }
    eprintln!(
        "fotobase-benches: no corpus photos in {}, using synthetic_photo({width}, {height}, {SYNTHETIC_SEED})",
        corpus.display()
    );
    synthetic_photo(width, height, SYNTHETIC_SEED)
}

/// JPEG and PNG files under `dir` (recursively) with their upright size,
/// largest first; ties are broken by path so the choice is deterministic.
fn corpus_photos_by_size(dir: &Path) -> Vec<(PathBuf, (u32, u32))> {
    let mut files = Vec::new();
    collect_photos(dir, &mut files);
    let mut sized: Vec<_> = files
        .into_iter()
        .filter_map(|p| {
            let info = std::fs::read(&p).ok().and_then(|b| probe(&b).ok())?;
            Some((p, info.upright_size()))
        })
        .collect();
    sized.sort_by(|(pa, (wa, ha)), (pb, (wb, hb))| {
        (u64::from(*wb) * u64::from(*hb)).cmp(&(u64::from(*wa) * u64::from(*ha))).then_with(|| pa.cmp(pb))
    });
    sized
}

fn collect_photos(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_photos(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
}

/// The photo of this run ([`Sizes::photo`]), built once.
pub fn fixture_photo() -> &'static DynamicImage {
    static PHOTO: OnceLock<DynamicImage> = OnceLock::new();
    PHOTO.get_or_init(|| {
        let (w, h) = sizes().photo;
        build_photo(w, h)
    })
}

/// The encoder input ([`Sizes::encode`]): a Lanczos downscale of [`fixture_photo`], built once.
pub fn encode_input() -> &'static Image {
    static INPUT: OnceLock<Image> = OnceLock::new();
    INPUT.get_or_init(|| {
        let (w, h) = sizes().encode;
        let opts = ResizeOptions { width: Some(w), height: Some(h), fit: Fit::Cover, ..Default::default() };
        Image::from_pixels(resize(fixture_photo(), &opts).expect("downscale the benchmark photo"))
    })
}

/// The formats the decode benchmarks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Jpeg,
    Png,
    Webp,
    Avif,
}

impl Codec {
    pub const ALL: [Codec; 4] = [Codec::Jpeg, Codec::Png, Codec::Webp, Codec::Avif];

    pub const fn name(self) -> &'static str {
        match self {
            Codec::Jpeg => "jpeg",
            Codec::Png => "png",
            Codec::Webp => "webp",
            Codec::Avif => "avif",
        }
    }

    /// Algorithm and parameters of the fixture. Defaults except: JPEG at
    /// q=85 (a typical camera/web export), AVIF at speed 10 (speed 6 takes tens
    /// of seconds on 12 MP, and decode cost hardly depends on encoder speed).
    fn encoder(self) -> (&'static str, Params) {
        match self {
            Codec::Jpeg => ("jpeg-mozjpeg", Params::new().with("quality", 85)),
            Codec::Png => ("png-oxipng", Params::new()),
            Codec::Webp => ("webp-lossy", Params::new()),
            Codec::Avif => ("avif-rav1e", Params::new().with("speed", 10)),
        }
    }
}

/// [`fixture_photo`] encoded as `codec`, built once per codec.
pub fn encoded(codec: Codec) -> &'static [u8] {
    static CACHE: [OnceLock<Vec<u8>>; 4] = [const { OnceLock::new() }; 4];
    CACHE[codec as usize].get_or_init(|| {
        let (alg, params) = codec.encoder();
        let img = Image::from_pixels(fixture_photo().clone());
        let opts = EncodeOptions { params, ..Default::default() };
        encode(&img, alg, &opts).unwrap_or_else(|e| panic!("encode {alg} fixture: {e}")).data
    })
}

/// [`fixture_photo`] after a jpeg-mozjpeg q=75 round trip: the "distorted"
/// image the metric benchmarks compare against the original.
pub fn jpeg_round_trip() -> &'static DynamicImage {
    static DISTORTED: OnceLock<DynamicImage> = OnceLock::new();
    DISTORTED.get_or_init(|| {
        let img = Image::from_pixels(fixture_photo().clone());
        let opts = EncodeOptions { params: Params::new().with("quality", 75), ..Default::default() };
        let jpeg = encode(&img, "jpeg-mozjpeg", &opts).expect("encode q=75 round trip");
        decode(&jpeg.data, &DecodeOptions::default()).expect("decode q=75 round trip").into_pixels()
    })
}

/// Pixel count of a size, for `Throughput::Elements`.
pub fn pixels((w, h): (u32, u32)) -> u64 {
    u64::from(w) * u64::from(h)
}
