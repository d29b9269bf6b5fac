//! Criterion benchmarks of the image engine: decode, resize, every encoder and
//! every metric, on a 12-megapixel photo (see `fotobase_benches` for where it
//! comes from).
//!
//! Under `cargo test` (no `--bench` argument) Criterion runs each benchmark
//! once as a smoke test, and the fixtures shrink to `TEST_SIZES` so that stays
//! fast. Nothing here asserts on timings.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fotobase::image::{
    CompareOptions, DecodeOptions, EncodeOptions, Filter, Metric, ResizeOptions, algorithms, compare_images, decode,
    encode, load, resize,
};
use fotobase_benches::{Codec, encode_input, encoded, fixture_photo, jpeg_round_trip, pixels, sizes};
use std::hint::black_box;

/// Decode each format at full size, and JPEG shrink-on-load (`load`, which lets
/// libjpeg scale by 1/2..1/8 in the DCT) against a full decode then resize.
fn bench_decode(c: &mut Criterion) {
    let s = sizes();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(pixels(s.photo)));
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
    // searches); Criterion switches the slow ones to flat sampling by itself,
    // ten calls at the least, however short the measurement time.
    for alg in algorithms() {
        g.bench_function(alg.name, |b| {
            let img = encode_input();
            b.iter(|| encode(black_box(img), alg.name, &EncodeOptions::default()).unwrap());
        });
    }
    g.finish();
}

/// Each metric, one at a time, on the photo against its jpeg-mozjpeg q=75 round trip. The
/// `ssimulacra2` crate, the peer of `ssimulacra2` in benches/RESULTS.md, is timed by the
/// `ssimulacra2-peer` binary instead (12 s a call: too slow for ten Criterion samples).
fn bench_metrics(c: &mut Criterion) {
    let s = sizes();
    let mut g = c.benchmark_group("metrics");
    g.throughput(Throughput::Elements(pixels(s.photo)));
    // MSE/PSNR are one pass over the pixels; the SSIM family and SSIMULACRA2
    // filter at several scales and take 0.5-4 s on 12 MP: ten samples of one
    // call each (flat sampling) for those.
    for metric in Metric::ALL {
        let opts = CompareOptions::with_metrics(&[metric]);
        g.bench_function(metric.name(), |b| {
            let (reference, distorted) = (fixture_photo(), jpeg_round_trip());
            b.iter(|| compare_images(black_box(reference), black_box(distorted), &opts).unwrap());
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = fotobase_benches::criterion_config();
    targets = bench_decode, bench_resize, bench_encode, bench_metrics
}
criterion_main!(benches);
