//! Starting inputs for each target: small valid inputs made here (so they match the
//! code under test), the hostile cases every binding runs, and the shared corpus when
//! it is on the machine (`FOTOBASE_CORPUS`, default `../shared/corpus`).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use fotobase::image::{Format, Image, encode};

use super::{hasher, issuer, photo, public_ids, server::BOUNDARY};

/// Repository root (this crate is `fuzz/harness`).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Seeds of target `name`, deterministic apart from the corpus on the machine and the
/// keys made at start (tokens, password hashes).
pub fn seeds(name: &str) -> Vec<Vec<u8>> {
    match name.strip_prefix("decode_") {
        Some(format) => {
            let format: Format = format.parse().expect("decode targets are named by format");
            images().into_iter().filter(|d| Format::sniff(d) == Some(format)).collect()
        }
        None => match name {
            "compress" => images().into_iter().filter(|d| d.len() < 64 << 10).collect(),
            "metrics" => {
                vec![vec![16, 16, 2, 1, 2, 3, 250, 7], vec![47, 11, 3], (0..=255).collect(), vec![10, 10, 0, 9]]
            }
            "jwt_verify" => tokens(),
            "phc_parse" => hashes(),
            "public_id" => ["img", "fld"]
                .iter()
                .flat_map(|p| [1, 42, u64::MAX].map(|id| public_ids().encode(p, id).expect("id").into_bytes()))
                .chain([b"img_".to_vec(), b"img_0000000000000000000000000000".to_vec()])
                .collect(),
            "multipart_upload" => uploads(),
            "transform_url" => {
                ["w:320,h:200,fit:cover,g:entropy,q:75,f:auto", "w:1", "h:4096,f:avif", "fit:contain,g:north", ""]
                    .map(|s| s.as_bytes().to_vec())
                    .to_vec()
            }
            other => panic!("no fuzz target {other:?}"),
        },
    }
}

/// Valid images of every format and layout, the hostile cases' inputs, and corpus files.
fn images() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (w, h, seed) in [(24, 16, 1), (33, 17, 2)] {
        let img = Image::from_pixels(photo(w, h, seed));
        let rgba = Image::from_pixels(fotobase::image::synthetic_photo_rgba(w, h, seed));
        for alg in ["jpeg-baseline", "jpeg-mozjpeg", "png-oxipng", "webp-lossy", "webp-lossless", "avif-rav1e"] {
            for img in [&img, &rgba] {
                if let Ok(e) = encode(img, alg, &Default::default()) {
                    out.push(e.data);
                }
            }
        }
        let mut gif = std::io::Cursor::new(Vec::new());
        img.pixels().to_rgba8().write_to(&mut gif, image::ImageFormat::Gif).expect("gif");
        out.push(gif.into_inner());
    }
    let hostile = std::fs::read(repo().join("testdata/cases/hostile.json")).expect("testdata/cases/hostile.json");
    let cases: serde_json::Value = serde_json::from_slice(&hostile).expect("hostile cases are JSON");
    for case in cases.as_array().into_iter().flatten() {
        if let Some(b64) = case["input"]["base64"].as_str() {
            out.push(base64::engine::general_purpose::STANDARD.decode(b64).expect("base64"));
        }
    }
    for dir in [repo().join("testdata/ssim"), corpus()] {
        files(&dir, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn corpus() -> PathBuf {
    std::env::var_os("FOTOBASE_CORPUS").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/corpus"))
}

/// Every file under `dir` (recursively) of at most 1 MiB that sniffs as an image.
fn files(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if entry.metadata().is_ok_and(|m| m.len() <= 1 << 20)
            && let Ok(data) = std::fs::read(&path)
            && Format::sniff(&data).is_some()
        {
            out.push(data);
        }
    }
}

fn tokens() -> Vec<Vec<u8>> {
    let good = issuer().token.clone();
    let mut parts = good.splitn(3, '.');
    let (head, body) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    vec![
        good.clone().into_bytes(),
        format!("{}.{body}.", b64(r#"{"alg":"none","typ":"at+jwt"}"#)).into_bytes(),
        format!("{}.{body}.AAAA", b64(r#"{"alg":"HS256","typ":"at+jwt","kid":"../../etc/passwd"}"#)).into_bytes(),
        format!("{head}.{}.{}", b64(r#"{"sub":"admin"}"#), good.rsplit('.').next().unwrap_or_default()).into_bytes(),
        b"not.a.token".to_vec(),
    ]
}

fn hashes() -> Vec<Vec<u8>> {
    let real = hasher().hash_unchecked("correct horse battery staple").expect("hash");
    vec![
        real.into_bytes(),
        b"$argon2id$v=19$m=64,t=1,p=1,keyid=old$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g".to_vec(),
        b"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_vec(),
        b"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_vec(),
        b"$bcrypt$nope".to_vec(),
    ]
}

fn uploads() -> Vec<Vec<u8>> {
    let png = encode(&Image::from_pixels(photo(20, 12, 3)), "png-oxipng", &Default::default()).expect("png").data;
    let part = |headers: &str, body: &[u8]| {
        let mut p = format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").into_bytes();
        p.extend_from_slice(body);
        p.extend_from_slice(b"\r\n");
        p
    };
    let file =
        part("Content-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\nContent-Type: image/png", &png);
    let fields = [("name", "cat.png"), ("tags", "a,b"), ("visibility", "public")]
        .map(|(k, v)| part(&format!("Content-Disposition: form-data; name=\"{k}\""), v.as_bytes()))
        .concat();
    let end = format!("--{BOUNDARY}--\r\n").into_bytes();
    vec![
        [file.clone(), end.clone()].concat(),
        [fields, file, end.clone()].concat(),
        [part("Content-Disposition: form-data; name=\"file\"; filename=\"x.html\"", b"<script>1</script>"), end]
            .concat(),
    ]
}
