//! Criterion benchmarks of the image engine: decode, resize, every encoder and
//! every metric, on a 12-megapixel photo (see `fotobase_benches` for where it
//! comes from).
//!
//! Under `cargo test` (no `--bench` argument) Criterion runs each benchmark
//! once as a smoke test, and the fixtures shrink to `TEST_SIZES` so that stays
//! fast. Nothing here asserts on timings.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fotobase::image::{
    CompareOptions, DecodeOptions, DynamicImage, EncodeOptions, Filter, Metric, ResizeOptions, algorithms,
    compare_images, decode, encode, load, resize,
};
use ssimulacra2::{ColorPrimaries, Rgb, TransferCharacteristic, compute_frame_ssimulacra2};
use fotobase_benches::{Codec, encode_input, encoded, fixture_photo, jpeg_round_trip, pixels, sizes};

/// Decode each format at full size, and JPEG shrink-on-load (`load`, which lets
/// libjpeg scale by 1/2..1/8 in the DCT) against a full decode then resize.
fn bench_decode(c: &mut Criterion) {
    let s = sizes();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(pixels(s.photo)));
    // A 12 MP decode takes 0.1-1 s: few samples, more time.
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for codec in Codec::ALL {
        g.bench_function(codec.name(), |b| {
            let data = encoded(codec);
            b.iter(|| decode(black_box(data), &DecodeOptions::default()).unwrap());
        });
    }

    let thumb = ResizeOptions::new(Some(s.thumb_width), None);
    let name = |how: &str| format!("jpeg-to-{}px/{how}", s.thumb_width);
    g.bench_function(name("shrink-on-load"), |b| {
        let data = encoded(Codec::Jpeg);
        b.iter(|| load(black_box(data), &thumb, &DecodeOptions::default()).unwrap());
    });
    g.bench_function(name("full-decode-resize"), |b| {
        let data = encoded(Codec::Jpeg);
        b.iter(|| {
            let img = decode(black_box(data), &DecodeOptions::default()).unwrap();
            resize(img.pixels(), &thumb).unwrap()
        });
    });
    g.finish();
}

/// Downscale the photo to 1920 wide with each filter; cost grows with filter support.
fn bench_resize(c: &mut Criterion) {
    let s = sizes();
    let mut g = c.benchmark_group("resize");
    g.throughput(Throughput::Elements(pixels(s.photo)));
    for filter in [Filter::Nearest, Filter::Bilinear, Filter::CatmullRom, Filter::Mitchell, Filter::Lanczos3] {
        let opts = ResizeOptions { filter, ..ResizeOptions::new(Some(s.resize_width), None) };
        g.bench_function(filter.to_string(), |b| {
            let photo = fixture_photo();
            b.iter(|| resize(black_box(photo), &opts).unwrap());
        });
    }
    g.finish();
}

/// Each registered algorithm at its default parameters, on a 1920×1440 downscale.
fn bench_encode(c: &mut Criterion) {
    let s = sizes();
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(pixels(s.encode)));
    // Encodes take tens of milliseconds (JPEG) to seconds (AV1, lossless
    // searches); Criterion switches the slow ones to flat sampling by itself.
    g.sample_size(10);
    for alg in algorithms() {
        let slow = alg.lossless || alg.name.starts_with("avif");
        g.measurement_time(Duration::from_secs(if slow { 15 } else { 3 }));
        g.bench_function(alg.name, |b| {
            let img = encode_input();
            b.iter(|| encode(black_box(img), alg.name, &EncodeOptions::default()).unwrap());
        });
    }
    g.finish();
}

/// Each metric, one at a time, on the photo against its jpeg-mozjpeg q=75 round trip; and
/// `ssimulacra2-crate`, the `ssimulacra2` crate called directly on the same pair (8-bit sRGB to f32,
/// then `compute_frame_ssimulacra2`), the peer of `ssimulacra2` in benches/RESULTS.md (issue 9:
/// fotobase ≥ 2× the crate), which benches/peers/report.py reads from these two estimates.
fn bench_metrics(c: &mut Criterion) {
    let s = sizes();
    let mut g = c.benchmark_group("metrics");
    g.throughput(Throughput::Elements(pixels(s.photo)));
    g.sample_size(10);
    for metric in Metric::ALL {
        // MSE/PSNR are one pass over the pixels; the SSIM family and
        // SSIMULACRA2 filter at several scales and take seconds on 12 MP.
        let slow = !matches!(metric, Metric::Mse | Metric::Psnr);
        g.measurement_time(Duration::from_secs(if slow { 15 } else { 5 }));
        let opts = CompareOptions::with_metrics(&[metric]);
        g.bench_function(metric.name(), |b| {
            let (reference, distorted) = (fixture_photo(), jpeg_round_trip());
            b.iter(|| compare_images(black_box(reference), black_box(distorted), &opts).unwrap());
        });
    }
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("ssimulacra2-crate", |b| {
        let (reference, distorted) = (fixture_photo(), jpeg_round_trip());
        b.iter(|| crate_ssimulacra2(black_box(reference), black_box(distorted)));
    });
    g.finish();
}

/// SSIMULACRA2 straight from the `ssimulacra2` crate, as a caller holding 8-bit sRGB pixels would use it.
fn crate_ssimulacra2(reference: &DynamicImage, distorted: &DynamicImage) -> f64 {
    let rgb = |img: &DynamicImage| {
        let data: Vec<[f32; 3]> = img.to_rgb32f().pixels().map(|p| p.0).collect();
        Rgb::new(data, img.width() as usize, img.height() as usize, TransferCharacteristic::SRGB, ColorPrimaries::BT709)
            .expect("an sRGB frame")
    };
    compute_frame_ssimulacra2(rgb(reference), rgb(distorted)).expect("same dimensions")
}

/// Shorter than Criterion's defaults (3 s warm-up, 5 s measurement) so that `make bench`, these
/// benches and the peer harness together, fits in 30 minutes on 2 cores; groups that need more set it.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_decode, bench_resize, bench_encode, bench_metrics
}
criterion_main!(benches);
