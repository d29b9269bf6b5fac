//! The `fotobase` binary end to end: JSON shapes, human output, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fotobase::image::{self, EncodeOptions, Image};
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fotobase"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run fotobase")
}

fn json_ok(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// A photo written as JPEG into a temp dir.
fn photo(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let img = Image::from_pixels(image::synthetic_photo(w, h, 7));
    let enc = image::encode(&img, "jpeg-baseline", &EncodeOptions::default()).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, enc.data).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn compress_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), "in.jpg", 320, 240);
    let out = dir.path().join("out.webp");
    let v = json_ok(&[
        "compress",
        s(&input),
        "-o",
        s(&out),
        "--algorithm",
        "webp-lossy",
        "--target",
        "ssim=0.95",
        "--json",
    ]);
    for k in ["algorithm", "format", "quality", "width", "height", "bytes", "input_bytes", "ratio", "metrics", "steps"]
    {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    assert_eq!(v["algorithm"], "webp-lossy");
    assert_eq!(v["format"], "webp");
    assert_eq!(v["bytes"].as_u64().unwrap(), std::fs::metadata(&out).unwrap().len());
    assert!(v["metrics"]["ssim"].as_f64().unwrap() >= 0.95);
    let steps = v["steps"].as_array().unwrap();
    assert!(!steps.is_empty() && steps.len() <= 10);
    assert!(steps.iter().all(|s| s.get("quality").is_some() && s.get("bytes").is_some()));
    assert_eq!(image::Format::sniff(&std::fs::read(&out).unwrap()), Some(image::Format::Webp));
}

#[test]
fn compress_with_format_quality_and_resize() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), "in.jpg", 640, 480);
    let out = dir.path().join("thumb.avif");
    let v = json_ok(&[
        "compress",
        s(&input),
        "-o",
        s(&out),
        "--format",
        "avif",
        "--quality",
        "60",
        "-p",
        "speed=10",
        "--width",
        "200",
        "--height",
        "200",
        "--fit",
        "cover",
        "--gravity",
        "entropy",
        "--json",
    ]);
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(200), Some(200)));
    assert_eq!(v["quality"], 60);
    assert_eq!(v["steps"].as_array().unwrap().len(), 0);
    let human = run(&["compress", s(&input), "-o", s(&dir.path().join("x.png")), "--format", "png", "-W", "100"]);
    assert!(human.status.success());
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("100x75") && text.contains("png-oxipng"), "{text}");
}

/// `--op` chains editing steps before the resize; a composite reads its overlay from a file; a
/// bad step is an `invalid_argument` (exit status 1, like other refused input).
#[test]
fn compress_with_editing_operations() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), "in.jpg", 320, 240);
    let mark = photo(dir.path(), "mark.jpg", 40, 20);
    let out = dir.path().join("edited.png");
    let composite = format!(r#"{{"op":"composite","overlay_file":"{}","left":5,"top":5,"opacity":0.5}}"#, s(&mark));
    let v = json_ok(&[
        "compress",
        s(&input),
        "-o",
        s(&out),
        "--op",
        r#"{"op":"extract","left":10,"top":20,"width":200,"height":100}"#,
        "--op",
        r#"{"op":"rotate","angle":90}"#,
        "--op",
        &composite,
        "--op",
        r#"{"op":"grayscale"}"#,
        "--width",
        "50",
        "--json",
    ]);
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(50), Some(100)));
    let decoded = image::decode(&std::fs::read(&out).unwrap(), &Default::default()).unwrap();
    assert!(!decoded.pixels().color().has_color(), "grayscale stays gray in the PNG");
    let bad = run(&["compress", s(&input), "-o", s(&out), "--op", r#"{"op":"blur","sigma":0}"#, "--json"]);
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid_argument"));
}

#[test]
fn output_extension_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), "in.jpg", 64, 48);
    let avif = fotobase::image::Format::Avif.default_algorithm();
    for (ext, alg) in [("webp", "webp-lossy"), ("png", "png-oxipng"), ("jpg", "jpeg-mozjpeg"), ("avif", avif)] {
        let out = dir.path().join(format!("o.{ext}"));
        let mut args = vec!["compress", s(&input), "-o", s(&out), "--json"];
        if ext == "avif" {
            args.extend(["-p", "speed=10"]);
        }
        let v = json_ok(&args);
        assert_eq!(v["algorithm"], alg, "{ext}");
    }
    // Unknown extension: keep the input's format.
    let v = json_ok(&["compress", s(&input), "-o", s(&dir.path().join("o.bin")), "--json"]);
    assert_eq!(v["algorithm"], "jpeg-mozjpeg");
}

#[test]
fn compare_json_keys_are_exactly_the_metric_names() {
    let dir = tempfile::tempdir().unwrap();
    let a = photo(dir.path(), "a.jpg", 200, 150);
    let b = dir.path().join("b.jpg");
    json_ok(&["compress", s(&a), "-o", s(&b), "-q", "40", "--json"]);
    let v = json_ok(&["compare", s(&a), s(&b), "--json"]);
    assert_eq!(keys(&v), ["ms_ssim", "mse", "psnr", "ssim", "ssimulacra2"]);
    assert!(v["ssim"].as_f64().unwrap() < 1.0 && v["mse"].as_f64().unwrap() > 0.0);
    let same = json_ok(&["compare", s(&a), s(&a), "--json", "--metrics", "mse,psnr,ssim"]);
    assert_eq!(keys(&same), ["mse", "psnr", "ssim"]);
    assert_eq!(same["mse"], 0.0);
    assert!(same["psnr"].is_null(), "infinite PSNR is null in JSON");
    assert_eq!(same["ssim"], 1.0);
}

#[test]
fn compare_all_json_names_the_best_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = photo(dir.path(), "in.jpg", 160, 120);
    let save = dir.path().join("all");
    let v = json_ok(&[
        "compare-all",
        s(&input),
        "--target",
        "ssimulacra2=50",
        "--algorithms",
        "jpeg-mozjpeg,webp-lossy,png-oxipng",
        "--save",
        s(&save),
        "--json",
    ]);
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let best = v["best"].as_str().unwrap();
    let winner = rows.iter().find(|r| r["winner"] == true).unwrap();
    assert_eq!(winner["algorithm"], best);
    let min = rows.iter().filter(|r| r["met"] == true).map(|r| r["bytes"].as_u64().unwrap()).min().unwrap();
    assert_eq!(winner["bytes"].as_u64().unwrap(), min);
    for r in rows {
        for k in ["algorithm", "quality", "bytes", "ratio", "metrics", "encode_ms"] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
    }
    assert!(
        save.join(format!(
            "{best}.{}",
            if best.starts_with("jpeg") { "jpg" } else { &best[..best.find('-').unwrap()] }
        ))
        .is_file()
    );
}

#[test]
fn algorithms_json_lists_parameters() {
    let v = json_ok(&["algorithms", "--json"]);
    let list = v.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|a| a["name"].as_str().unwrap()).collect();
    for n in ["jpeg-mozjpeg", "jpeg-baseline", "png-oxipng", "webp-lossy", "webp-lossless", "avif-rav1e", "avif-aom"] {
        assert!(names.contains(&n), "{n}");
    }
    for a in list {
        assert!(a["format"].is_string() && a["lossless"].is_boolean() && a["params"].is_object(), "{a}");
    }
    let q = &list.iter().find(|a| a["name"] == "jpeg-mozjpeg").unwrap()["params"]["quality"];
    assert_eq!(
        (q["type"].as_str(), q["min"].as_i64(), q["max"].as_i64(), q["default"].as_i64()),
        (Some("int"), Some(1), Some(100), Some(80))
    );
}

#[test]
fn errors_carry_codes_and_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"\xFF\xD8\xFF\xE0 this is not really a jpeg").unwrap();
    let out = run(&["compress", s(&junk), "-o", s(&dir.path().join("o.jpg"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt_input"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir.path().join("o.jpg").exists(), "no output on failure");

    let out = run(&["compare", s(&junk), s(&junk), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "corrupt_input");
    assert!(out.stdout.is_empty());

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let out = run(&["probe", s(&text)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported_format"));

    let a = photo(dir.path(), "a.jpg", 64, 48);
    let b = photo(dir.path(), "b.jpg", 48, 64);
    let out = run(&["compare", s(&a), s(&b)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dimension_mismatch"));

    for (args, code) in [
        (vec!["compress", s(&a), "-o", "x.jpg", "--target", "vmaf=3"], "invalid_argument"),
        (vec!["compress", s(&a), "-o", "x.jpg", "--algorithm", "jpeg-xl"], "invalid_argument"),
        (vec!["compress", s(&a), "-o", "x.jpg", "-p", "quality=500"], "invalid_argument"),
        (vec!["compress", s(&a), "-o", "x.jpg", "--target", "ssimulacra2=100.5"], "target_unreachable"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Usage errors exit 2.
    assert_eq!(run(&["compress"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["compress", s(&a), "-o", "x", "--quality", "50", "--target", "ssim=0.9"]).status.code(), Some(2));
}

#[test]
fn probe_reports_header_facts() {
    let dir = tempfile::tempdir().unwrap();
    let a = photo(dir.path(), "a.jpg", 64, 48);
    let v = json_ok(&["probe", s(&a), "--json"]);
    assert_eq!(v["format"], "jpeg");
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(64), Some(48)));
    assert_eq!(v["orientation"], 1);
    assert_eq!(v["has_alpha"], false);
}
