//! Every algorithm round-trips every photo; options and metadata do what they say.

mod common;

use common::*;
use fotobase::ErrorKind;
use fotobase::image::{self, DecodeOptions, DynamicImage, EncodeOptions, Format, Image, MetadataPolicy, Params};

fn decode(data: &[u8]) -> Image {
    image::decode(data, &DecodeOptions::default()).unwrap()
}

#[test]
fn every_algorithm_round_trips_every_photo() {
    let photos = photos(384);
    for alg in image::algorithms() {
        // Fast settings where the algorithm has them: correctness does not depend on effort.
        let params: &[(&str, i64)] = match alg.name {
            "avif-rav1e" => &[("speed", 10)],
            "avif-aom" => &[("speed", 10)],
            _ => &[],
        };
        for p in &photos {
            let enc = encode(&p.image, alg.name, params);
            assert_eq!(Format::sniff(&enc.data), Some(alg.format), "{} {}", alg.name, p.name);
            assert_eq!(enc.bytes, enc.data.len());
            assert!(enc.encode_ms > 0.0);
            let out = decode(&enc.data);
            assert_eq!((out.width(), out.height()), (p.image.width(), p.image.height()), "{} {}", alg.name, p.name);
            let reference = if alg.format == Format::Jpeg && p.image.pixels().color().has_alpha() {
                // JPEG has no alpha: compare with the source flattened on white, as encoded.
                let mut flat = p.image.pixels().to_rgba8();
                for px in flat.pixels_mut() {
                    let a = u32::from(px.0[3]);
                    for c in 0..3 {
                        px.0[c] = ((u32::from(px.0[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
                    }
                    px.0[3] = 255;
                }
                DynamicImage::ImageRgba8(flat)
            } else if alg.format == Format::Webp && p.image.pixels().color().bytes_per_pixel() > 4 {
                // WebP holds 8 bits a sample: a 16-bit source is compared as the encoder took it.
                if p.image.pixels().color().has_alpha() {
                    DynamicImage::ImageRgba8(p.image.pixels().to_rgba8())
                } else {
                    DynamicImage::ImageRgb8(p.image.pixels().to_rgb8())
                }
            } else {
                p.image.pixels().clone()
            };
            let db = psnr(&reference, out.pixels());
            if alg.lossless {
                assert!(db.is_infinite(), "{} must be lossless on {}: {db:.2} dB", alg.name, p.name);
            } else {
                // Noisy real photos downscaled to a few hundred pixels (the corpus's broken-EXIF set)
                // come out near 26 dB at JPEG's default quality; a broken encoder is far below.
                assert!(db > 24.0, "{} on {}: {db:.2} dB at default quality", alg.name, p.name);
            }
        }
    }
}

#[test]
fn sixteen_bit_png_stays_sixteen_bit() {
    let img16 = DynamicImage::ImageRgb16(image::synthetic_photo(64, 48, 3).to_rgb16());
    let mut px = img16.to_rgb16();
    px.get_pixel_mut(0, 0).0 = [1, 2, 65535];
    let img = Image::from_pixels(DynamicImage::ImageRgb16(px.clone()));
    let out = decode(&encode(&img, "png-oxipng", &[]).data);
    assert_eq!(out.pixels().to_rgb16().into_raw(), px.into_raw());
}

#[test]
fn few_colours_become_a_palette() {
    // 200 distinct colours scattered pixel by pixel: RGB cannot compress this as well as indices.
    let img = Image::from_pixels(DynamicImage::ImageRgb8(::image::RgbImage::from_fn(128, 128, |x, y| {
        let i = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 200;
        ::image::Rgb([(i * 37 % 256) as u8, (i * 91 % 256) as u8, (i * 13 % 256) as u8])
    })));
    let png = encode(&img, "png-oxipng", &[]).data;
    assert_eq!(png[25], 3, "IHDR colour type should be indexed (3)");
    assert_eq!(decode(&png).pixels().to_rgb8(), img.pixels().to_rgb8());
}

#[test]
fn jpeg_options_change_the_bitstream() {
    let img = Image::from_pixels(image::synthetic_photo(64, 64, 1));
    let has = |d: &[u8], m: u8| d.windows(2).any(|w| w == [0xFF, m]);
    let base = encode(&img, "jpeg-baseline", &[]).data;
    assert!(has(&base, 0xC0) && !has(&base, 0xC2), "baseline uses SOF0");
    let mut p = Params::new().with("progressive", true);
    let prog =
        image::encode(&img, "jpeg-baseline", &EncodeOptions { params: p.clone(), ..Default::default() }).unwrap().data;
    assert!(has(&prog, 0xC2), "progressive uses SOF2");
    assert!(has(&encode(&img, "jpeg-mozjpeg", &[]).data, 0xC2), "mozjpeg is progressive");
    // Sampling factors of the first component in SOF: 0x22 for 4:2:0, 0x11 for 4:4:4.
    let luma_sampling = |d: &[u8]| {
        let i = d.windows(2).position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC2]).unwrap();
        d[i + 11]
    };
    assert_eq!(luma_sampling(&base), 0x22);
    // Even at very low quality the tables stay 8-bit (DQT precision nibble 0), so the
    // file stays baseline (SOF0); and no JFIF segment is spent.
    for alg in ["jpeg-baseline", "jpeg-mozjpeg"] {
        let low = encode(&img, alg, &[("quality", 3)]).data;
        let dqt = low.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
        assert_eq!(low[dqt + 4] >> 4, 0, "{alg}: 8-bit quantisation table");
        assert!(!low.windows(4).any(|w| w == b"JFIF"), "{alg}: no JFIF");
    }
    assert!(has(&encode(&img, "jpeg-baseline", &[("quality", 3)]).data, 0xC0), "low quality stays baseline");
    p = Params::new().with("chroma_subsampling", "4:4:4");
    let full = image::encode(&img, "jpeg-baseline", &EncodeOptions { params: p, ..Default::default() }).unwrap().data;
    assert_eq!(luma_sampling(&full), 0x11);
}

#[test]
fn mozjpeg_beats_baseline_at_equal_quality_setting() {
    // On thumbnails (the corpus has 100×68 camera ones) progressive scans' headers can outweigh
    // what trellis quantisation saves, so each photo of 64K+ pixels must be smaller, and all
    // photos together.
    let (mut moz_total, mut base_total) = (0, 0);
    for p in photos(384).iter().filter(|p| !p.name.contains("gray")) {
        let moz = encode(&p.image, "jpeg-mozjpeg", &[("quality", 80)]);
        let base = encode(&p.image, "jpeg-baseline", &[("quality", 80)]);
        if p.image.width() * p.image.height() >= 65_536 {
            assert!(moz.bytes < base.bytes, "{}: mozjpeg {} vs baseline {}", p.name, moz.bytes, base.bytes);
        }
        (moz_total, base_total) = (moz_total + moz.bytes, base_total + base.bytes);
    }
    assert!(moz_total < base_total, "mozjpeg {moz_total} vs baseline {base_total} bytes over all photos");
}

#[test]
fn quality_parameter_trades_size_for_fidelity() {
    let img = Image::from_pixels(image::synthetic_photo(256, 192, 11));
    for (alg, lo, hi) in [("jpeg-mozjpeg", 30, 90), ("webp-lossy", 30, 90), ("avif-rav1e", 30, 90)] {
        let speed: &[(&str, i64)] = if alg == "avif-rav1e" { &[("speed", 10)] } else { &[] };
        let a = encode(&img, alg, &[&[("quality", lo)], speed].concat());
        let b = encode(&img, alg, &[&[("quality", hi)], speed].concat());
        assert!(a.bytes < b.bytes, "{alg}: q{lo} {} >= q{hi} {}", a.bytes, b.bytes);
        assert!(psnr(img.pixels(), decode(&a.data).pixels()) < psnr(img.pixels(), decode(&b.data).pixels()), "{alg}");
        assert_eq!(a.quality(), Some(lo));
    }
}

#[test]
fn metadata_policy_keeps_icc_and_strips_exif_by_default() {
    let icc = b"fake-icc-profile-bytes-for-testing".repeat(20);
    let exif = exif_orientation(6);
    let img = Image::from_pixels(image::synthetic_photo(48, 32, 2));
    let jpeg = encode(&img, "jpeg-baseline", &[]).data;
    // Build a source JPEG with both ICC (APP2) and EXIF (APP1) and decode it.
    let mut app2 = b"ICC_PROFILE\0\x01\x01".to_vec();
    app2.extend(&icc);
    let mut src = vec![0xFF, 0xD8, 0xFF, 0xE2];
    src.extend(((app2.len() + 2) as u16).to_be_bytes());
    src.extend(&app2);
    src.extend(&jpeg[2..]);
    let src = jpeg_with_exif(&src, &exif);
    let decoded = decode(&src);
    assert_eq!(decoded.icc_profile(), Some(icc.as_slice()));
    assert!(decoded.exif().is_some());
    for alg in ["jpeg-mozjpeg", "png-oxipng", "webp-lossy", "webp-lossless"] {
        let default = image::encode(&decoded, alg, &EncodeOptions::default()).unwrap();
        let back = decode(&default.data);
        assert_eq!(back.icc_profile(), Some(icc.as_slice()), "{alg} keeps ICC by default");
        assert!(back.exif().is_none(), "{alg} strips EXIF by default");
        let all =
            image::encode(&decoded, alg, &EncodeOptions { metadata: MetadataPolicy::KeepAll, ..Default::default() })
                .unwrap();
        let back = decode(&all.data);
        assert!(back.exif().is_some(), "{alg} keeps EXIF on request");
        assert_eq!(back.info().orientation.exif_value(), 1, "{alg}: orientation reset since pixels are upright");
        assert_eq!((back.width(), back.height()), (decoded.width(), decoded.height()));
        let none =
            image::encode(&decoded, alg, &EncodeOptions { metadata: MetadataPolicy::StripAll, ..Default::default() })
                .unwrap();
        assert!(decode(&none.data).icc_profile().is_none(), "{alg} strips ICC on request");
    }
}

#[test]
fn bad_parameters_and_oversized_images_are_rejected() {
    let img = Image::from_pixels(image::synthetic_photo(16, 16, 1));
    let bad = |alg: &str, p: Params| {
        image::encode(&img, alg, &EncodeOptions { params: p, ..Default::default() }).unwrap_err().kind()
    };
    assert_eq!(bad("jpeg-mozjpeg", Params::new().with("quality", 0)), ErrorKind::InvalidArgument);
    assert_eq!(bad("webp-lossy", Params::new().with("effort", 9)), ErrorKind::InvalidArgument);
    assert_eq!(bad("avif-rav1e", Params::new().with("bit_depth", "16")), ErrorKind::InvalidArgument);
    assert_eq!(bad("png-oxipng", Params::new().with("quality", 80)), ErrorKind::InvalidArgument);
    assert_eq!(bad("gif", Params::new()), ErrorKind::InvalidArgument);
    let wide = Image::from_pixels(DynamicImage::new_luma8(16_384, 1));
    let e = image::encode(&wide, "webp-lossy", &EncodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

/// Every AVIF encoder built (rav1e always, libaom with `avif-aom`) in each subsampling and bit
/// depth, with alpha, read back by our own decoder.
#[test]
fn avif_chroma_subsampling_and_bit_depth_options_work() {
    let img = Image::from_pixels(image::synthetic_photo(256, 192, 12));
    let rgba = Image::from_pixels(image::synthetic_photo_rgba(128, 96, 12));
    let avif: Vec<_> = image::algorithms().into_iter().filter(|a| a.format == Format::Avif).map(|a| a.name).collect();
    assert!(avif.contains(&"avif-rav1e"));
    assert_eq!(avif.contains(&"avif-aom"), cfg!(feature = "avif-aom"));
    for alg in avif {
        let enc = |img: &Image, cs: &str, depth: &str| {
            let p = Params::new()
                .with("speed", 10)
                .with("quality", 60)
                .with("chroma_subsampling", cs)
                .with("bit_depth", depth);
            image::encode(img, alg, &EncodeOptions { params: p, ..Default::default() }).unwrap()
        };
        let full = enc(&img, "4:4:4", "8");
        for cs in ["4:2:0", "4:2:2"] {
            let sub = enc(&img, cs, "8");
            assert!(sub.bytes < full.bytes, "{alg} {cs}: {} >= 4:4:4 {}", sub.bytes, full.bytes);
            assert!(psnr(img.pixels(), decode(&sub.data).pixels()) > 30.0, "{alg} {cs}");
        }
        for (cs, depth) in [("4:2:0", "8"), ("4:2:0", "10"), ("4:2:0", "12"), ("4:4:4", "10"), ("4:2:2", "12")] {
            let out = decode(&enc(&rgba, cs, depth).data);
            assert!(out.pixels().color().has_alpha(), "{alg}: alpha survives at {cs} {depth} bit");
            assert!(psnr(rgba.pixels(), out.pixels()) > 28.0, "{alg} {cs} {depth}-bit");
        }
    }
}

/// Odd and one-pixel sizes in every subsampling: chroma planes round up, and both AVIF encoders
/// must agree with our decoder on the size.
#[test]
fn avif_encoders_take_odd_and_tiny_sizes() {
    let avif: Vec<_> = image::algorithms().into_iter().filter(|a| a.format == Format::Avif).map(|a| a.name).collect();
    for alg in avif {
        for (w, h) in [(1, 1), (1, 7), (7, 1), (3, 3), (17, 9)] {
            let img = Image::from_pixels(image::synthetic_photo_rgba(w, h, 3));
            for cs in ["4:2:0", "4:2:2", "4:4:4"] {
                let p = Params::new().with("speed", 10).with("chroma_subsampling", cs);
                let enc = image::encode(&img, alg, &EncodeOptions { params: p, ..Default::default() })
                    .unwrap_or_else(|e| panic!("{alg} {w}x{h} {cs}: {e}"));
                let out = decode(&enc.data);
                assert_eq!((out.width(), out.height()), (w, h), "{alg} {cs}");
            }
        }
    }
}

#[test]
fn empty_images_give_coded_errors_not_panics() {
    let empty = Image::from_pixels(DynamicImage::new_rgb8(0, 0));
    for alg in image::algorithms() {
        let r = std::panic::catch_unwind(|| image::encode(&empty, alg.name, &EncodeOptions::default()));
        let r = r.unwrap_or_else(|_| panic!("{} panicked on a 0x0 image", alg.name));
        assert!(r.is_err(), "{} encoded a 0x0 image", alg.name);
    }
    let r = std::panic::catch_unwind(|| image::resize(empty.pixels(), &image::ResizeOptions::new(Some(10), None)));
    assert!(r.expect("resize panicked").is_err());
    let r = std::panic::catch_unwind(|| {
        image::compare_images(empty.pixels(), empty.pixels(), &image::CompareOptions::default())
    });
    assert!(r.expect("compare panicked").is_err());
}
