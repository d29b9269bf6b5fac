//! The shared corpus (`../shared/corpus`, see its MANIFEST.md): real files from cameras,
//! phones and other encoders, checked folder by folder against what a user expects.
//!
//! - `pngsuite/`: every file but `x*` decodes to the pixels of an independent decoder; `x*` refused with a code;
//! - `exif/`, `photos/`: every file decodes upright within the default limits;
//! - `formats/`: every file decodes or is refused with `unsupported_format`, and the files
//!   Pillow reads (all but the ones MANIFEST.md lists) decode;
//! - `malformed/`: every file is refused with `corrupt_input`, `limit_exceeded` or `unsupported_format`.
//!
//! Each test prints how many files it checked (also appended to `$FOTOBASE_CORPUS_REPORT`, which
//! `make test` shows after the run: libtest keeps a passing test's output to itself). Without the
//! corpus they say so and pass, unless `FOTOBASE_REQUIRE_CORPUS=1` (set by `make test` when the
//! corpus is beside the checkout).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use common::*;
use fotobase::ErrorKind;
use fotobase::image::{self, DecodeOptions, DynamicImage, Format, Image, Orientation};

/// A line of the per-folder summary: to stderr, and to `$FOTOBASE_CORPUS_REPORT` when set.
macro_rules! report {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        eprintln!("{line}");
        if let Some(path) = std::env::var_os("FOTOBASE_CORPUS_REPORT") {
            use std::io::Write as _;
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("corpus report file");
            writeln!(f, "{line}").expect("corpus report written");
        }
    }};
}

/// The files of a corpus folder, or `None` (after saying why) when the corpus is absent.
fn folder(sub: &str) -> Option<Vec<PathBuf>> {
    if corpus().is_none() {
        let required = std::env::var("FOTOBASE_REQUIRE_CORPUS").is_ok_and(|v| v == "1");
        assert!(!required, "FOTOBASE_REQUIRE_CORPUS=1 but no corpus at ../shared/corpus or $FOTOBASE_CORPUS");
        report!("corpus {sub}/: skipped, no corpus at ../shared/corpus (set FOTOBASE_CORPUS)");
        return None;
    }
    let files: Vec<_> = corpus_files(sub, &[])
        .into_iter()
        .filter(|p| !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "README" | "LICENSE" | "py")))
        .collect();
    assert!(!files.is_empty(), "corpus {sub}/ is empty");
    Some(files)
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Decode without letting a panic escape: a panic fails the test and names the file.
fn decode(path: &Path) -> fotobase::Result<Image> {
    let data = read(path);
    catch_unwind(AssertUnwindSafe(|| image::decode(&data, &DecodeOptions::default())))
        .unwrap_or_else(|_| panic!("decoder panicked on {}", path.display()))
}

fn probe(path: &Path) -> fotobase::Result<image::ImageInfo> {
    let data = read(path);
    catch_unwind(AssertUnwindSafe(|| image::probe(&data)))
        .unwrap_or_else(|_| panic!("probe panicked on {}", path.display()))
}

/// A decoded image is upright when its size is the probed size turned by the orientation.
fn assert_upright(path: &Path, img: &Image) {
    let info = probe(path).unwrap_or_else(|e| panic!("{}: probe: {e}", path.display()));
    assert_eq!((img.width(), img.height()), info.upright_size(), "{}: not upright", path.display());
}

#[test]
fn pngsuite_matches_an_independent_decoder_and_refuses_x_files() {
    let Some(files) = folder("pngsuite") else { return };
    let (mut same, mut refused) = (0, 0);
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "png")) {
        if name(path).starts_with('x') {
            let e = decode(path).err().unwrap_or_else(|| panic!("{} must be refused", path.display()));
            assert!(is_refusal(e.kind()), "{}: {e}", path.display());
            refused += 1;
        } else {
            let ours = decode(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(ours.pixels().to_rgba16().into_raw(), png_reference_rgba16(&read(path)), "{}", path.display());
            same += 1;
        }
    }
    report!(
        "corpus pngsuite/: {} files checked ({same} identical to the png crate, {refused} x* refused)",
        same + refused
    );
}

#[test]
fn exif_sets_decode_upright_and_alike() {
    let Some(files) = folder("exif") else { return };
    // Within a set, orientations 1-8 store the same picture turned eight ways: once upright,
    // each must look like the set's orientation-1 file (another JPEG encode: PSNR, not identity).
    let mut checked = 0;
    for set in ["Landscape_", "Portrait_", "exifpy_landscape_", "exifpy_portrait_"] {
        let members: Vec<_> = files.iter().filter(|p| name(p).starts_with(set)).collect();
        let reference = members.iter().find(|p| name(p) == format!("{set}1.jpg")).expect("orientation 1 file");
        let reference = decode(reference).unwrap();
        let landscape = set.to_ascii_lowercase().contains("landscape");
        assert_eq!(reference.width() > reference.height(), landscape, "{set}1 is not {set}-shaped");
        for path in members {
            let img = decode(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_upright(path, &img);
            assert_eq!((img.width(), img.height()), (reference.width(), reference.height()), "{}", path.display());
            // `_0` (no EXIF at all) is a separate encode of the picture: only its shape is compared.
            // The others must be closer to orientation 1 than any other turn of the same shape
            // would be (re-encodes of small photos differ by 20-30 dB; a wrong turn by far more).
            if !name(path).ends_with("_0.jpg") {
                let px = img.pixels();
                let db = psnr(reference.pixels(), px);
                for wrong in [px.fliph(), px.flipv(), px.rotate180()] {
                    let other = psnr(reference.pixels(), &wrong);
                    assert!(db >= other + 3.0, "{}: {db:.1} dB upright, {other:.1} dB turned", path.display());
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, files.len(), "every exif/ file is in one of the four sets");
    report!(
        "corpus exif/: {checked} files checked (upright: each of orientations 1-8 closer to its set's orientation-1 file than any other turn)"
    );
}

#[test]
fn photos_decode_upright_within_default_limits() {
    let Some(files) = folder("photos") else { return };
    for path in &files {
        let img = decode(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_upright(path, &img);
    }
    // Orientations MANIFEST.md names, and camera facts a user would look for.
    let photo = |rel: &str| corpus().unwrap().join("photos").join(rel);
    let leica = probe(&photo("hires/Leica_T_Typ_701.jpg")).unwrap();
    assert_eq!((leica.orientation, leica.upright_size()), (Orientation::Rotate270, (3264, 4928)));
    let iphone = probe(&photo("hires/Apple_iPhone_5.jpg")).unwrap();
    assert_eq!(iphone.orientation, Orientation::Rotate180);
    assert_eq!(iphone.metadata.make.as_deref(), Some("Apple"));
    assert_eq!(iphone.metadata.model.as_deref(), Some("iPhone 5"));
    assert!(iphone.metadata.taken_at.as_deref().is_some_and(|t| t.starts_with("20")), "{:?}", iphone.metadata);
    assert!(iphone.metadata.f_number.is_some() && iphone.metadata.exposure_time.is_some(), "{:?}", iphone.metadata);
    let canon = probe(&photo("hires/Canon_EOS_5D_Mark_III.jpg")).unwrap();
    assert!(canon.metadata.iso.is_some() && canon.metadata.focal_length.is_some(), "{:?}", canon.metadata);
    // Broken EXIF must not cost the pixels, and whatever metadata can be read is read.
    let edge = files.iter().filter(|p| p.to_string_lossy().contains("exif-edge")).count();
    assert!(edge > 0);
    // A camera that recorded a position gives it, in range.
    let with_gps = files.iter().filter_map(|p| probe(p).ok()?.metadata.gps).collect::<Vec<_>>();
    // The capture time the server files a photo under (from the probe's metadata) is the
    // instant a strict EXIF read of the file gives; the probe, which reads what it can of
    // broken EXIF, may also date files the strict read gives up on.
    let (mut dated, mut rescued) = (0, 0);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let from_probe = fotobase::image::probe(&data).ok().and_then(|i| i.metadata.taken_at_seconds());
        match image::taken_at(&data) {
            Some(t) => assert_eq!(from_probe, Some(t), "{}", path.display()),
            None => rescued += usize::from(from_probe.is_some()),
        }
        dated += usize::from(from_probe.is_some());
    }
    assert!(dated > files.len() / 2, "only {dated} of {} photos dated", files.len());
    assert!(rescued <= edge, "{rescued} dated by the probe alone, more than the {edge} with broken EXIF");
    assert!(!with_gps.is_empty(), "no photo with GPS found");
    for g in &with_gps {
        assert!(g.latitude.abs() <= 90.0 && g.longitude.abs() <= 180.0, "{g:?}");
    }
    report!(
        "corpus photos/: {} files checked (upright; {edge} with broken EXIF; {} with a GPS position; {dated} dated, \
         {rescued} of them from broken EXIF)",
        files.len(),
        with_gps.len()
    );
}

/// `formats/` files that must be refused with `unsupported_format`: the ones Pillow refuses too
/// (MANIFEST.md's behaviour notes) and the known gaps, as `testdata/make_corpus_cases.py` lists
/// them in the shared cases (`testdata/cases/corpus.json`) that every binding runs.
fn refused_formats() -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join("testdata/cases/corpus.json")).expect("corpus cases");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("corpus.json");
    cases
        .iter()
        .filter(|c| c["expect_error"] == "unsupported_format")
        .filter_map(|c| {
            c["input"]["corpus"].as_str()?.strip_prefix("formats/").map(|p| p.rsplit('/').next().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn formats_decode_or_are_refused_as_unsupported() {
    let Some(files) = folder("formats") else { return };
    let expected_refusals = refused_formats();
    let (mut decoded, mut refused, mut wrong) = (0, Vec::new(), Vec::new());
    for path in &files {
        let file = name(path);
        match decode(path) {
            Ok(img) => {
                assert_upright(path, &img);
                decoded += 1;
            }
            Err(e) => {
                if expected_refusals.contains(&file) && e.kind() == ErrorKind::UnsupportedFormat {
                    refused.push(file);
                } else {
                    wrong.push(format!("{file}: {e}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "only unsupported_format is allowed, and only for the files corpus.json expects it of:\n{}",
        wrong.join("\n")
    );
    let fixed: Vec<_> = expected_refusals.iter().filter(|g| !refused.contains(g)).collect();
    assert!(fixed.is_empty(), "these decode now: take them out of make_corpus_cases.py's lists: {fixed:?}");
    report!(
        "corpus formats/: {} files checked ({decoded} decoded, {} refused as unsupported_format: {})",
        files.len(),
        refused.len(),
        refused.join(", ")
    );
}

#[test]
fn formats_report_frames_metadata_and_orientation() {
    let Some(_) = folder("formats") else { return };
    let file = |rel: &str| corpus().unwrap().join("formats").join(rel);
    let frames = |rel: &str| probe(&file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")).frames;
    assert_eq!(frames("gif/star.gif"), 4);
    assert_eq!(frames("gif/mei_pbar-ani-invalid-XMP.gif"), 23);
    assert_eq!(frames("webp/imagers_anim.webp"), 6);
    assert_eq!(frames("webp/mei_animation_lossy.webp"), 101);
    assert_eq!(frames("avif/libavif_colors-animated-8bpc.avif"), 5);
    assert_eq!(frames("webp/test.webp"), 1);
    // Animations decode to their first frame, at the canvas size.
    let anim = decode(&file("webp/mei_animation_lossless.webp")).unwrap();
    assert_eq!((anim.width(), anim.height()), (320, 240));
    let nikon = probe(&file("webp/mei_nikon_coolpix_p7000_exif.webp")).unwrap();
    assert_eq!(nikon.orientation, Orientation::Rotate90);
    assert_eq!(nikon.metadata.make.as_deref().map(str::trim), Some("NIKON"));
    let canon = probe(&file("avif/mei_canon_eos_70d_20mp_exif.avif")).unwrap();
    assert_eq!(canon.metadata.model.as_deref(), Some("Canon EOS 70D"));
    report!("corpus formats/: frames, orientation and camera facts of 9 files checked");
}

/// link-u's kimono set: the stored picture is turned, mirrored and cropped, and marked so that
/// applying `clap`, `irot` and `imir` in the standard's order gives back `kimono.png` (or the
/// region of it that link-u's `kimono.crop.png` shows: 385×330 at (272, 39)).
#[test]
fn heif_transforms_render_like_the_original() {
    let Some(_) = folder("formats") else { return };
    let root = corpus().unwrap();
    let original = decode(&root.join("photos/sources/kimono.png")).unwrap();
    let crop = original.pixels().crop_imm(272, 39, 385, 330);
    let cases: [(&str, &DynamicImage); 4] = [
        ("kimono.rotate90.avif", original.pixels()),
        ("kimono.mirror-horizontal.avif", original.pixels()),
        ("kimono.crop.avif", &crop),
        ("kimono.mirror-vertical.rotate270.crop.avif", &crop),
    ];
    for (file, expected) in cases {
        let img = decode(&root.join("formats/avif").join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((img.width(), img.height()), (expected.width(), expected.height()), "{file}");
        let db = psnr(expected, img.pixels());
        assert!(db >= 30.0, "{file}: {db:.1} dB from the original");
        eprintln!("{file}: {db:.1} dB");
    }
    report!("corpus formats/avif/: 4 kimono transform files checked (≥ 30 dB)");
}

#[test]
fn heic_photos_decode_upright_or_are_refused_without_libheif() {
    let Some(files) = folder("formats/heic") else { return };
    for path in &files {
        let data = read(path);
        assert_eq!(Format::sniff(&data), Some(Format::Heic), "{}", path.display());
        match (decode(path), cfg!(feature = "heic")) {
            (Ok(img), true) => assert_upright(path, &img),
            (Err(e), false) => assert_eq!(e.kind(), ErrorKind::UnsupportedFormat, "{}: {e}", path.display()),
            (Ok(_), false) => panic!("{}: decoded without the heic feature", path.display()),
            (Err(e), true) => panic!("{}: {e}", path.display()),
        }
    }
    if cfg!(feature = "heic") {
        let iphone = probe(&corpus().unwrap().join("formats/heic/IMG_5195.HEIC")).unwrap();
        assert_eq!(iphone.metadata.make.as_deref(), Some("Apple"));
        assert!(iphone.metadata.model.as_deref().is_some_and(|m| m.contains("iPhone")), "{:?}", iphone.metadata);
    }
    report!("corpus formats/heic/: {} files checked (heic feature {})", files.len(), cfg!(feature = "heic"));
}

fn is_refusal(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::CorruptInput | ErrorKind::UnsupportedFormat | ErrorKind::LimitExceeded)
}

#[test]
fn malformed_files_are_refused_with_codes() {
    let Some(files) = folder("malformed") else { return };
    for path in &files {
        match decode(path) {
            Err(e) => assert!(is_refusal(e.kind()), "{}: {e}", path.display()),
            Ok(_) => panic!("{} decoded but is in malformed/", path.display()),
        }
        if let Ok(info) = probe(path) {
            // A header that parses is still refused by decode (checked above); probe must not lie
            // about a size past the limits.
            assert!(u64::from(info.width) * u64::from(info.height) <= 0x3FFF * 0x3FFF, "{}", path.display());
        }
    }
    report!("corpus malformed/: {} files checked (refused with a code)", files.len());
}

/// Every file in the corpus that records where it was taken (camera and phone JPEGs, an
/// iPhone HEIC, PNG/WebP/TIFF with EXIF) loses the location and nothing else: the same
/// length, the same pixels, the same camera facts but GPS, and still no GPS on a second pass.
#[test]
fn every_located_file_loses_its_location_and_nothing_else() {
    let Some(mut files) = folder("photos") else { return };
    for sub in ["exif", "formats"] {
        files.extend(folder(sub).unwrap_or_default());
    }
    let mut stripped = Vec::new();
    for path in &files {
        let data = read(path);
        let Ok(info) = image::probe(&data) else { continue };
        let out = image::strip_location(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(out.len(), data.len(), "{}: the file keeps its length", path.display());
        let after = image::probe(&out).unwrap_or_else(|e| panic!("{} no longer probes: {e}", path.display()));
        assert_eq!(after.metadata.gps, None, "{}", path.display());
        if info.metadata.gps.is_none() {
            assert_eq!(after.metadata, info.metadata, "{}", path.display());
        }
        // The GPS directory's own date and time go with it; the camera facts stay.
        assert_eq!((&after.metadata.make, &after.metadata.model), (&info.metadata.make, &info.metadata.model));
        assert_eq!(after.orientation, info.orientation, "{}", path.display());
        if info.metadata.gps.is_none() && data == out {
            continue;
        }
        let (a, b) = (decode(path), image::decode(&out, &DecodeOptions::default()));
        if let (Ok(a), Ok(b)) = (a, b) {
            assert!(a.pixels() == b.pixels(), "{}: pixels changed", path.display());
        }
        if info.metadata.gps.is_some() {
            stripped.push(name(path));
        }
    }
    // The corpus's located files (MANIFEST.md): a Nikon with GPS, phones, the iPhone HEIC.
    assert!(stripped.iter().any(|n| n == "DSCN0010.jpg"), "{stripped:?}");
    report!(
        "corpus location: {} of {} files had GPS and lost it: {}",
        stripped.len(),
        files.len(),
        stripped.join(", ")
    );
}
