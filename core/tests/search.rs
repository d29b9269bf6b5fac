//! Quality search and compare-all.

mod common;

use common::*;
use fotobase::ErrorKind;
use fotobase::image::{
    self, CompareAllOptions, CompareOptions, DecodeOptions, Metric, OptimizeOptions, Params, Target,
};

/// Independently measure `metric` of an encode against the source.
fn measure(src: &image::Image, data: &[u8], metric: Metric) -> f64 {
    let out = image::decode(data, &DecodeOptions::default()).unwrap();
    image::compare_images(src.pixels(), out.pixels(), &CompareOptions::with_metrics(&[metric]))
        .unwrap()
        .get(metric)
        .unwrap()
}

// One test per algorithm, so libtest spreads the corpus's encodes over the cores.
#[test]
fn jpeg_mozjpeg_meets_an_ssimulacra2_target_on_every_photo_within_ten_encodes() {
    meets_its_target_on_every_photo("jpeg-mozjpeg", Target::at_least(Metric::Ssimulacra2, 70.0), Params::new());
}

#[test]
fn webp_lossy_meets_an_ssim_target_on_every_photo_within_ten_encodes() {
    meets_its_target_on_every_photo("webp-lossy", Target::at_least(Metric::Ssim, 0.95), Params::new());
}

#[test]
fn avif_rav1e_meets_a_psnr_target_on_every_photo_within_ten_encodes() {
    meets_its_target_on_every_photo(
        "avif-rav1e",
        Target::at_least(Metric::Psnr, 36.0),
        Params::new().with("speed", 10),
    );
}

#[test]
fn jpeg_baseline_meets_a_byte_budget_on_every_photo_within_ten_encodes() {
    meets_its_target_on_every_photo("jpeg-baseline", Target::max_bytes(12_000), Params::new());
}

fn meets_its_target_on_every_photo(alg: &str, target: Target, params: Params) {
    // The corpus's 100×68 camera thumbnails are left out: at that size JPEG's 4:2:0 chroma alone
    // keeps SSIMULACRA2 under 70 even at quality 100, so the target is rightly unreachable.
    static OPAQUE: std::sync::OnceLock<Vec<Photo>> = std::sync::OnceLock::new();
    let opaque = OPAQUE.get_or_init(|| {
        photos(320)
            .into_iter()
            .filter(|p| !p.image.pixels().color().has_alpha() && p.image.width() * p.image.height() >= 160 * 120)
            .collect()
    });
    for p in opaque {
        let found =
            image::optimize(&p.image, alg, &target, &OptimizeOptions { params: params.clone(), ..Default::default() });
        let o = match found {
            // Real photos can put a target out of reach (4:2:0 chroma caps a JPEG's
            // SSIMULACRA2 on colourful detail): then the best quality must miss it too.
            Err(e) if e.kind() == ErrorKind::TargetUnreachable => {
                if let Target::Metric { metric, value } = target {
                    let best = encode(&p.image, alg, &[("quality", 100)]);
                    let got = measure(&p.image, &best.data, metric);
                    assert!(got < value, "{alg} on {}: called unreachable, but quality 100 gives {got}", p.name);
                    eprintln!("{alg} {target} on {}: unreachable (quality 100 gives {got:.2})", p.name);
                    continue;
                }
                panic!("{alg} {target} on {}: {e}", p.name)
            }
            other => other.unwrap_or_else(|e| panic!("{alg} {target} on {}: {e}", p.name)),
        };
        assert!(o.steps.len() <= 10, "{alg} on {}: {} encodes", p.name, o.steps.len());
        match target {
            Target::Metric { metric, value } => {
                let got = measure(&p.image, &o.encoded.data, metric);
                assert!(got >= value, "{alg} on {}: {metric} {got} < {value}", p.name);
                // Smallest meeting file: every met step is at least as big.
                assert!(o.steps.iter().filter(|s| s.met).all(|s| s.bytes >= o.encoded.bytes));
            }
            Target::MaxBytes { bytes } => assert!(o.encoded.bytes <= bytes, "{alg} on {}", p.name),
        }
        assert_eq!(o.quality, o.encoded.quality());
    }
}

#[test]
fn unreachable_targets_are_reported() {
    let img = image::Image::from_pixels(image::synthetic_photo(128, 96, 3));
    let e = image::optimize(&img, "jpeg-mozjpeg", &Target::at_least(Metric::Ssimulacra2, 100.5), &Default::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TargetUnreachable);
    let e = image::optimize(&img, "webp-lossy", &Target::max_bytes(20), &Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TargetUnreachable);
    let e = image::optimize(&img, "png-oxipng", &Target::max_bytes(20), &Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TargetUnreachable);
    // Lossless meets any quality target in one encode.
    let o =
        image::optimize(&img, "webp-lossless", &Target::at_least(Metric::Ssim, 0.999), &Default::default()).unwrap();
    assert_eq!(o.steps.len(), 1);
    let e = image::optimize(
        &img,
        "jpeg-mozjpeg",
        &Target::at_least(Metric::Ssim, 0.9),
        &OptimizeOptions { max_encodes: 0, ..Default::default() },
    );
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn compare_all_marks_the_smallest_passing_algorithm() {
    let data = encode(&image::Image::from_pixels(image::synthetic_photo(200, 150, 8)), "png-oxipng", &[]).data;
    let img = image::decode(&data, &DecodeOptions::default()).unwrap();
    let target = Target::at_least(Metric::Ssimulacra2, 60.0);
    let r = image::compare_all(&img, &target, &CompareAllOptions::default()).unwrap();
    assert_eq!(r.results.len(), image::algorithms().len());
    assert_eq!(r.input_bytes, data.len());
    let met: Vec<_> = r.results.iter().filter(|row| row.met).collect();
    assert!(met.len() >= 4, "{:?}", r.results);
    let winner = r.results.iter().find(|row| row.winner).unwrap();
    assert_eq!(Some(&winner.algorithm), r.best.as_ref());
    assert!(met.iter().all(|row| row.bytes >= winner.bytes));
    assert_eq!(r.results.iter().filter(|row| row.winner).count(), 1);
    for row in &met {
        assert!(row.metrics.ssimulacra2.unwrap() >= 60.0, "{}", row.algorithm);
        assert!(row.metrics.psnr.is_some() && row.metrics.ssim.is_some() && row.metrics.ms_ssim.is_some());
        assert!(row.ratio.unwrap() > 0.0 && row.encodes <= 10);
    }
    let only = CompareAllOptions { algorithms: Some(vec!["webp-lossy".into(), "jpeg".into()]), ..Default::default() };
    assert_eq!(image::compare_all(&img, &target, &only).unwrap().results.len(), 2);
    let bad = CompareAllOptions { algorithms: Some(vec!["nope".into()]), ..Default::default() };
    assert_eq!(image::compare_all(&img, &target, &bad).unwrap_err().kind(), ErrorKind::InvalidArgument);
}
