//! Metrics against recorded reference values from scikit-image
//! (testdata/ssim/reference.json, written by testdata/make_ssim_reference.py).

mod common;

use fotobase::image::{self, CompareOptions, DecodeOptions, Metric};

#[test]
fn ssim_mse_psnr_match_scikit_image() {
    let dir = common::workspace().join("testdata/ssim");
    let doc: serde_json::Value = serde_json::from_slice(&common::read(&dir.join("reference.json"))).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    let mut worst: f64 = 0.0;
    for c in cases {
        let load = |k: &str| {
            image::decode(&common::read(&dir.join(c[k].as_str().unwrap())), &DecodeOptions::default()).unwrap()
        };
        let (a, b) = (load("reference"), load("distorted"));
        let m = image::compare_images(
            a.pixels(),
            b.pixels(),
            &CompareOptions::with_metrics(&[Metric::Ssim, Metric::Mse, Metric::Psnr]),
        )
        .unwrap();
        let name = c["distorted"].as_str().unwrap();
        let ssim_diff = (m.ssim.unwrap() - c["ssim"].as_f64().unwrap()).abs();
        worst = worst.max(ssim_diff);
        assert!(ssim_diff < 1e-4, "{name}: ssim {} vs scikit-image {}", m.ssim.unwrap(), c["ssim"]);
        assert!((m.mse.unwrap() - c["mse"].as_f64().unwrap()).abs() < 1e-9, "{name}: mse");
        assert!((m.psnr.unwrap() - c["psnr"].as_f64().unwrap()).abs() < 1e-9, "{name}: psnr");
    }
    eprintln!("{} cases; largest SSIM difference from scikit-image {:e}", cases.len(), worst);
}

#[test]
fn identity_properties_hold_on_every_photo() {
    for p in common::photos(256) {
        let m = image::compare_images(p.image.pixels(), p.image.pixels(), &CompareOptions::default()).unwrap();
        assert_eq!(m.mse, Some(0.0), "{}", p.name);
        assert_eq!(m.psnr, Some(f64::INFINITY), "{}", p.name);
        assert!((m.ssim.unwrap() - 1.0).abs() < 1e-12, "{}", p.name);
        assert!((m.ms_ssim.unwrap() - 1.0).abs() < 1e-12, "{}", p.name);
        assert!(m.ssimulacra2.unwrap() > 99.99, "{}: {:?}", p.name, m.ssimulacra2);
    }
}
