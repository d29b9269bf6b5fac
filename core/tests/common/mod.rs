//! Test material: the shared corpus when present, photos bundled with
//! scikit-image (FOTOBASE_PHOTOS), PngSuite and JPEG samples from Go's standard
//! library (GOROOT), and deterministic images generated here. Suites print what
//! they found, so a run that silently tested nothing is visible.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use fotobase::image::{self, DecodeOptions, DynamicImage, Image};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `../shared/corpus` beside the repo, or `$FOTOBASE_CORPUS`.
pub fn corpus() -> Option<PathBuf> {
    let dir =
        std::env::var_os("FOTOBASE_CORPUS").map(PathBuf::from).unwrap_or_else(|| workspace().join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

fn files_in(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_in(&p, exts));
        } else if exts.is_empty()
            || p.extension().and_then(|x| x.to_str()).is_some_and(|x| exts.contains(&x.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Files under `<corpus>/<sub>` (recursively) with one of `exts` (empty = all).
pub fn corpus_files(sub: &str, exts: &[&str]) -> Vec<PathBuf> {
    corpus().map(|c| files_in(&c.join(sub), exts)).unwrap_or_default()
}

pub fn goroot() -> Option<PathBuf> {
    let from_env = std::env::var_os("GOROOT").map(PathBuf::from);
    let from_go = || {
        let out = std::process::Command::new("go").args(["env", "GOROOT"]).output().ok()?;
        Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()))
    };
    from_env.or_else(from_go).filter(|p| p.join("src/image").is_dir())
}

/// The PngSuite subset in Go's standard library: what clones without the corpus test
/// against (`tests/corpus.rs` checks the corpus's complete suite).
pub fn go_pngsuite() -> Vec<PathBuf> {
    goroot().map(|g| files_in(&g.join("src/image/png/testdata/pngsuite"), &["png"])).unwrap_or_default()
}

/// Go's image/testdata: JPEG variants (progressive, CMYK, every subsampling) with reference PNGs.
pub fn go_image_testdata() -> Option<PathBuf> {
    goroot().map(|g| g.join("src/image/testdata")).filter(|p| p.is_dir())
}

/// Real photos: corpus `photos/`, then scikit-image's bundled photos.
pub fn real_photos() -> Vec<PathBuf> {
    let mut v = corpus_files("photos", &["jpg", "jpeg", "png", "webp", "avif"]);
    if let Some(dir) = std::env::var_os("FOTOBASE_PHOTOS").map(PathBuf::from) {
        for name in [
            "astronaut.png",
            "chelsea.png",
            "coffee.png",
            "rocket.jpg",
            "motorcycle_left.png",
            "retina.jpg",
            "camera.png",
            "logo.png",
        ] {
            let p = dir.join(name);
            if p.is_file() {
                v.push(p);
            }
        }
    }
    v
}

pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A test photo, named for messages.
pub struct Photo {
    pub name: String,
    pub image: Image,
}

/// Every photo to run round trips and searches on, downscaled so that the long
/// side is at most `max_side` (codec behaviour does not depend on size, time does).
pub fn photos(max_side: u32) -> Vec<Photo> {
    let mut out = vec![
        Photo { name: "synthetic-640x480".into(), image: Image::from_pixels(image::synthetic_photo(640, 480, 1)) },
        Photo { name: "synthetic-301x199".into(), image: Image::from_pixels(image::synthetic_photo(301, 199, 2)) },
        Photo {
            name: "synthetic-rgba-320x240".into(),
            image: Image::from_pixels(image::synthetic_photo_rgba(320, 240, 3)),
        },
        Photo {
            name: "synthetic-gray-256x256".into(),
            image: Image::from_pixels(DynamicImage::ImageLuma8(image::synthetic_photo(256, 256, 4).to_luma8())),
        },
    ];
    for p in real_photos() {
        let data = read(&p);
        let resize = image::ResizeOptions {
            width: Some(max_side),
            height: Some(max_side),
            without_enlargement: true,
            ..Default::default()
        };
        let img =
            image::load(&data, &resize, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push(Photo { name: p.file_name().unwrap().to_string_lossy().into_owned(), image: img });
    }
    eprintln!("photos under test: {}", out.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "));
    out
}

/// PSNR between two images (via fotobase's own metric, which has its own reference test).
pub fn psnr(a: &DynamicImage, b: &DynamicImage) -> f64 {
    image::compare_images(a, b, &image::CompareOptions::with_metrics(&[image::Metric::Psnr])).unwrap().psnr.unwrap()
}

/// Insert an APP1 EXIF segment right after SOI.
pub fn jpeg_with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let len = (tiff.len() + 8) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(len.to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(tiff);
    out.extend(&jpeg[2..]);
    out
}

/// Insert a PNG chunk right after IHDR (signature 8 + IHDR 25 bytes).
pub fn png_with_chunk(png: &[u8], name: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = png[..33].to_vec();
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = name.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
    out.extend(&png[33..]);
    out
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// TIFF blob with IFD0 holding only an orientation tag.
pub fn exif_orientation(value: u16) -> Vec<u8> {
    let mut v = b"II*\0\x08\0\0\0\x01\0".to_vec();
    v.extend(0x0112u16.to_le_bytes());
    v.extend(3u16.to_le_bytes());
    v.extend(1u32.to_le_bytes());
    v.extend(value.to_le_bytes());
    v.extend([0, 0, 0, 0, 0, 0]);
    v
}

/// Encode with the default (or given) parameters of an algorithm.
pub fn encode(img: &Image, alg: &str, params: &[(&str, i64)]) -> image::Encoded {
    let mut p = image::Params::new();
    for (k, v) in params {
        p.set(k, *v);
    }
    image::encode(img, alg, &image::EncodeOptions { params: p, ..Default::default() })
        .unwrap_or_else(|e| panic!("{alg}: {e}"))
}

/// A PNG's pixels as RGBA16 through an independent path: the png crate with expansion only
/// (palettes, low bit depths and tRNS expanded; no gamma or colour conversion).
pub fn png_reference_rgba16(data: &[u8]) -> Vec<u16> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(data));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let (ct, depth) = reader.output_color_type();
    let samples: Vec<u16> = match depth {
        png::BitDepth::Sixteen => {
            buf[..frame.buffer_size()].chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect()
        }
        _ => buf[..frame.buffer_size()].iter().map(|&v| u16::from(v) * 257).collect(),
    };
    match ct {
        png::ColorType::Grayscale => samples.iter().flat_map(|&g| [g, g, g, 65535]).collect(),
        png::ColorType::GrayscaleAlpha => samples.chunks_exact(2).flat_map(|c| [c[0], c[0], c[0], c[1]]).collect(),
        png::ColorType::Rgb => samples.chunks_exact(3).flat_map(|c| [c[0], c[1], c[2], 65535]).collect(),
        png::ColorType::Rgba => samples,
        png::ColorType::Indexed => unreachable!("EXPAND removes palettes"),
    }
}
