//! Decoding: PngSuite, real JPEG variants, EXIF orientation, limits and bombs,
//! and corrupt input that must give a coded error without panicking.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::*;
use fotobase::ErrorKind;
use fotobase::image::{self, DecodeOptions, DynamicImage, Format, Image, Limits, Orientation};

/// Decode without letting a panic escape: a panic is a test failure with the file name.
fn decode_no_panic(data: &[u8], what: &str) -> fotobase::Result<Image> {
    catch_unwind(AssertUnwindSafe(|| image::decode(data, &DecodeOptions::default())))
        .unwrap_or_else(|_| panic!("decoder panicked on {what}"))
}

const CODES: &[ErrorKind] = &[ErrorKind::CorruptInput, ErrorKind::UnsupportedFormat, ErrorKind::LimitExceeded];

#[test]
fn pngsuite_valid_files_match_a_second_decoder() {
    let files: Vec<_> =
        go_pngsuite().into_iter().filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('x')).collect();
    if files.is_empty() {
        eprintln!("Go's PngSuite subset not found (no Go installed): skipped; tests/corpus.rs checks the corpus's");
        return;
    }
    for path in &files {
        let data = read(path);
        let ours =
            image::decode(&data, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(ours.pixels().to_rgba16().into_raw(), png_reference_rgba16(&data), "{}", path.display());
    }
    eprintln!("{} PngSuite files (Go's subset) decoded identically", files.len());
}

#[test]
fn pngsuite_corrupt_files_give_coded_errors() {
    let corrupt: Vec<_> =
        go_pngsuite().into_iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('x')).collect();
    for path in &corrupt {
        let e = decode_no_panic(&read(path), &path.display().to_string()).err();
        let e = e.unwrap_or_else(|| panic!("{} should not decode", path.display()));
        assert!(CODES.contains(&e.kind()), "{}: {e}", path.display());
    }
    eprintln!("{} corrupt PngSuite (x*) files (Go's subset) rejected with codes", corrupt.len());
}

/// Valid files of every format, written by fotobase's encoders (and the image crate for GIF).
fn samples() -> Vec<(Format, Vec<u8>)> {
    let img = Image::from_pixels(image::synthetic_photo(96, 64, 9));
    let rgba = Image::from_pixels(image::synthetic_photo_rgba(96, 64, 9));
    let mut gif = Vec::new();
    img.pixels().write_to(&mut std::io::Cursor::new(&mut gif), ::image::ImageFormat::Gif).unwrap();
    vec![
        (Format::Jpeg, encode(&img, "jpeg-mozjpeg", &[]).data),
        (Format::Jpeg, encode(&img, "jpeg-baseline", &[]).data),
        (Format::Png, encode(&rgba, "png-oxipng", &[]).data),
        (Format::Webp, encode(&rgba, "webp-lossy", &[]).data),
        (Format::Webp, encode(&img, "webp-lossless", &[]).data),
        (Format::Avif, encode(&rgba, "avif-rav1e", &[("speed", 10)]).data),
        (Format::Gif, gif),
    ]
}

#[test]
fn truncated_files_are_corrupt_input() {
    for (format, data) in samples() {
        assert!(image::decode(&data, &DecodeOptions::default()).is_ok(), "{format} sample must decode");
        for frac in [0.1, 0.3, 0.5, 0.7, 0.9, 0.98] {
            let cut = ((data.len() as f64) * frac) as usize;
            let e = decode_no_panic(&data[..cut], &format!("{format} cut at {cut}"));
            match e {
                Err(e) => assert!(CODES.contains(&e.kind()), "{format} cut at {cut}/{}: {e}", data.len()),
                Ok(_) => panic!("{format} truncated to {cut}/{} bytes decoded without error", data.len()),
            }
        }
    }
}

#[test]
fn mutated_files_never_panic() {
    // Deterministic byte flips across each file: any outcome but a panic or an unknown code is fine.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut decoded = 0;
    for (format, data) in samples() {
        for _ in 0..60 {
            let mut m = data.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() as usize) % m.len();
                m[i] ^= 1 << (next() % 8);
            }
            match decode_no_panic(&m, &format!("mutated {format}")) {
                Ok(_) => decoded += 1,
                Err(e) => assert!(CODES.contains(&e.kind()), "{format}: {e}"),
            }
        }
    }
    eprintln!("mutations that still decoded: {decoded}");
}

#[test]
fn garbage_with_valid_magic_is_rejected() {
    let magics: [&[u8]; 5] = [
        b"\xFF\xD8\xFF\xE0",
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\x10\0\0\0WEBPVP8 ",
        b"GIF89a",
        b"\0\0\0\x1cftypavif\0\0\0\0avifmif1",
    ];
    for magic in magics {
        for tail in [&b""[..], &[0u8; 64][..], &[0xFFu8; 300][..]] {
            let data = [magic, tail].concat();
            let e = decode_no_panic(&data, "garbage").unwrap_err();
            assert!(CODES.contains(&e.kind()), "{e}");
            assert!(image::probe(&data).is_err() || !tail.is_empty());
        }
    }
    assert_eq!(image::decode(b"", &DecodeOptions::default()).unwrap_err().kind(), ErrorKind::UnsupportedFormat);
    assert_eq!(
        image::decode(b"BM\0\0\0\0", &DecodeOptions::default()).unwrap_err().kind(),
        ErrorKind::UnsupportedFormat
    );
}

#[test]
fn go_jpeg_variants_decode_close_to_their_references() {
    let Some(dir) = go_image_testdata() else {
        eprintln!("Go stdlib testdata not found; skipped");
        return;
    };
    let cases = [
        ("video-001.jpeg", "video-001.png", 30.0),
        ("video-001.progressive.jpeg", "video-001.png", 30.0),
        ("video-001.221212.jpeg", "video-001.221212.png", 35.0),
        ("video-001.cmyk.jpeg", "video-001.cmyk.png", 40.0),
        ("video-001.progressive.truncated.jpeg", "video-001.progressive.truncated.png", 40.0),
        ("video-001.q50.410.jpeg", "video-001.png", 24.0),
        ("video-001.q50.411.progressive.jpeg", "video-001.png", 24.0),
        ("video-001.q50.420.jpeg", "video-001.png", 24.0),
        ("video-001.q50.422.progressive.jpeg", "video-001.png", 24.0),
        ("video-001.q50.440.jpeg", "video-001.png", 24.0),
        ("video-001.q50.444.progressive.jpeg", "video-001.png", 24.0),
        ("video-001.gif", "video-001.png", 30.0),
        ("video-001.interlaced.gif", "video-001.png", 30.0),
        ("video-001.5bpp.gif", "video-001.png", 20.0),
    ];
    for (file, reference, min_psnr) in cases {
        let a =
            image::decode(&read(&dir.join(file)), &DecodeOptions::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let b = image::decode(&read(&dir.join(reference)), &DecodeOptions::default()).unwrap();
        let p = psnr(b.pixels(), a.pixels());
        assert!(p >= min_psnr, "{file} vs {reference}: {p:.2} dB < {min_psnr}");
    }
}

/// Stored pixels for an orientation: the inverse of what the decoder applies.
fn store_for(orientation: u16, upright: &DynamicImage) -> DynamicImage {
    match orientation {
        1 => upright.clone(),
        2 => upright.fliph(),
        3 => upright.rotate180(),
        4 => upright.flipv(),
        5 => upright.fliph().rotate270(),
        6 => upright.rotate270(),
        7 => upright.fliph().rotate90(),
        8 => upright.rotate90(),
        _ => unreachable!(),
    }
}

#[test]
fn exif_orientations_all_come_out_upright() {
    // Asymmetric content so any wrong flip or rotation shows.
    let upright = image::synthetic_photo(120, 80, 5);
    for o in 1..=8u16 {
        let stored = Image::from_pixels(store_for(o, &upright));
        let jpeg = jpeg_with_exif(&encode(&stored, "jpeg-mozjpeg", &[("quality", 95)]).data, &exif_orientation(o));
        let png = png_with_chunk(&encode(&stored, "png-oxipng", &[("level", 0)]).data, b"eXIf", &exif_orientation(o));
        for (kind, data) in [("jpeg", jpeg), ("png", png)] {
            let info = image::probe(&data).unwrap();
            assert_eq!(info.orientation.exif_value() as u16, o, "{kind} probe");
            assert_eq!(info.upright_size(), (120, 80), "{kind} orientation {o}");
            let img = image::decode(&data, &DecodeOptions::default()).unwrap();
            assert_eq!((img.width(), img.height()), (120, 80), "{kind} orientation {o}");
            let p = psnr(&upright, img.pixels());
            assert!(p > 35.0, "{kind} orientation {o}: {p:.1} dB against upright");
            let raw = image::decode(&data, &DecodeOptions { auto_orient: false, ..Default::default() }).unwrap();
            assert_eq!((raw.width(), raw.height()), (stored.width(), stored.height()));
        }
    }
    for path in corpus_files("exif", &["jpg", "jpeg"]) {
        let img = image::decode(&read(&path), &DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let info = image::probe(&read(&path)).unwrap();
        assert_eq!((img.width(), img.height()), info.upright_size(), "{}", path.display());
    }
}

#[test]
fn jpeg_shrinks_on_load_when_the_target_allows() {
    let big = Image::from_pixels(image::synthetic_photo(1600, 1200, 6));
    let jpeg = encode(&big, "jpeg-mozjpeg", &[("quality", 90)]).data;
    let shrunk = image::decode(&jpeg, &DecodeOptions { shrink_to: Some((200, 150)), ..Default::default() }).unwrap();
    assert_eq!((shrunk.width(), shrunk.height()), (200, 150), "1/8 DCT scaling");
    let half = image::decode(&jpeg, &DecodeOptions { shrink_to: Some((700, 500)), ..Default::default() }).unwrap();
    assert_eq!((half.width(), half.height()), (800, 600), "1/2 DCT scaling keeps at least the target");
    // Through the pipeline the result matches a full decode + resize closely.
    let resize = image::ResizeOptions::new(Some(200), None);
    let fast = image::load(&jpeg, &resize, &DecodeOptions::default()).unwrap();
    let full = image::decode(&jpeg, &DecodeOptions::default()).unwrap();
    let slow = image::resize(full.pixels(), &resize).unwrap();
    assert_eq!((fast.width(), fast.height()), (200, 150));
    let p = psnr(&slow, fast.pixels());
    assert!(p > 30.0, "shrink-on-load quality {p:.1} dB");
    assert_eq!(fast.info().width, 1600, "info keeps stored dimensions");
}

#[test]
fn limits_are_checked_before_decoding() {
    for (format, data) in samples() {
        let tiny = DecodeOptions { limits: Limits { max_pixels: 1000, ..Limits::default() }, ..Default::default() };
        let e = image::decode(&data, &tiny).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{format}: {e}");
        let narrow = DecodeOptions { limits: Limits { max_width: 50, ..Limits::default() }, ..Default::default() };
        assert_eq!(image::decode(&data, &narrow).unwrap_err().kind(), ErrorKind::LimitExceeded, "{format}");
        let small = DecodeOptions { limits: Limits { max_input_bytes: 10, ..Limits::default() }, ..Default::default() };
        assert_eq!(image::decode(&data, &small).unwrap_err().kind(), ErrorKind::LimitExceeded, "{format}");
    }
}

/// A real decompression bomb: a valid 20000x20000 all-black PNG of ~400 kB.
pub fn png_bomb() -> Vec<u8> {
    let (w, h) = (20_000u32, 20_000u32);
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    let mut writer = enc.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; w as usize];
    for _ in 0..h {
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
    drop(writer);
    out
}

#[test]
fn decompression_bombs_hit_the_pixel_limit() {
    let bomb = png_bomb();
    assert!(bomb.len() < 2_000_000, "bomb is {} bytes", bomb.len());
    // Probing refuses from the header what decoding would refuse (as Pillow's open does).
    assert_eq!(image::probe(&bomb).unwrap_err().kind(), ErrorKind::LimitExceeded);
    assert_eq!(image::decode(&bomb, &DecodeOptions::default()).unwrap_err().kind(), ErrorKind::LimitExceeded);

    // Headers that promise huge images in the other formats.
    let jpeg = encode(&Image::from_pixels(image::synthetic_photo(16, 16, 1)), "jpeg-baseline", &[]).data;
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline SOF0");
    let mut huge_jpeg = jpeg.clone();
    huge_jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xDC, 0xFF, 0xDC]); // 65500 x 65500
    let mut huge_gif = b"GIF89a\xFF\xFF\xFF\xFF\x00\x00\x00".to_vec();
    huge_gif.extend(b",\0\0\0\0\xFF\xFF\xFF\xFF\x00\x02\x02\x44\x01\x00;");
    // Lossless WebP whose VP8L header says 16383 x 16383, WebP's maximum, which is
    // exactly the default pixel limit; checked against a tighter limit below.
    let mut huge_webp = b"RIFF\0\0\0\0WEBPVP8L\x0d\0\0\0\x2f\xfe\xbf\xff\x0f".to_vec();
    huge_webp.extend([0u8; 9]);
    let riff_len = (huge_webp.len() - 8) as u32;
    huge_webp[4..8].copy_from_slice(&riff_len.to_le_bytes());
    for (name, data) in [("jpeg", huge_jpeg), ("gif", huge_gif)] {
        let e = decode_no_panic(&data, name).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{name}: {e}");
    }
    assert_eq!(image::probe(&huge_webp).unwrap().width, 16_383);
    let limits = Limits { max_pixels: 100_000_000, ..Limits::default() };
    let e = image::decode(&huge_webp, &DecodeOptions { limits, ..Default::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "webp: {e}");
}

#[test]
fn animations_give_their_first_frame() {
    // Two very different frames: the decoded image must be the first.
    let first = image::synthetic_photo(64, 48, 1).to_rgba8();
    let second = ::image::RgbaImage::from_pixel(64, 48, ::image::Rgba([255, 0, 255, 255]));
    let config = webp::WebPConfig::new().unwrap();
    let mut anim = webp::AnimEncoder::new(64, 48, &config);
    anim.add_frame(webp::AnimFrame::from_rgba(first.as_raw(), 64, 48, 0));
    anim.add_frame(webp::AnimFrame::from_rgba(second.as_raw(), 64, 48, 100));
    let webp_anim = anim.try_encode().unwrap().to_vec();

    let mut gif_anim = Vec::new();
    {
        let mut enc = ::image::codecs::gif::GifEncoder::new(&mut gif_anim);
        let frames = [first.clone(), second.clone()].map(::image::Frame::new);
        enc.encode_frames(frames).unwrap();
    }
    for (name, data) in [("webp", webp_anim), ("gif", gif_anim)] {
        let img = image::decode(&data, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let reference = DynamicImage::ImageRgba8(first.clone());
        let p = psnr(&reference, img.pixels());
        assert!(p > 25.0, "{name}: first frame expected, got {p:.1} dB");
    }
}

#[test]
fn metadata_is_reported() {
    let img = Image::from_pixels(image::synthetic_photo(32, 32, 1));
    let jpeg = jpeg_with_exif(&encode(&img, "jpeg-mozjpeg", &[]).data, &exif_orientation(6));
    let d = image::decode(&jpeg, &DecodeOptions::default()).unwrap();
    assert_eq!(d.info().orientation, Orientation::Rotate90);
    assert!(d.exif().is_some());
    assert_eq!(d.input_bytes(), jpeg.len());
}

/// Child half of the peak-memory test: decode the bomb in a fresh process.
#[test]
#[ignore = "run by bomb_peak_memory_stays_small in a child process"]
fn bomb_child() {
    if std::env::var_os("FOTOBASE_BOMB_CHILD").is_none() {
        return;
    }
    let bomb = png_bomb();
    let e = image::decode(&bomb, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn bomb_peak_memory_stays_small() {
    // The bomb decodes to 400 MB of grey (1.6 GB as RGBA); rejecting it from the
    // header must not come anywhere near that. Measured in a child process so
    // other tests' allocations don't count.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "bomb_child", "--ignored", "--test-threads=1"])
        .env("FOTOBASE_BOMB_CHILD", "1")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "child failed");
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    let peak_mb = usage.ru_maxrss as f64 / 1024.0; // ru_maxrss is in KiB on Linux
    eprintln!("peak RSS while rejecting the bomb: {peak_mb:.1} MB (decoded size 400 MB)");
    assert!(peak_mb < 100.0, "peak RSS {peak_mb:.1} MB");
}
