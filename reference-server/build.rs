//! Embeds the built web UI (`web/dist`, made by `npm run build`; `make run` does it before
//! building the server) in the binary, so `fotobase serve` alone serves it. Without a built UI
//! the table is empty and the server says how to build one; `FOTOBASE_WEB_DIR` overrides both.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dist");
    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        println!("cargo:rerun-if-changed=web/dist");
        collect(&dist, &mut files);
        files.sort();
    } else {
        // Not `web/dist`: a missing path would rerun this script, and rebuild the crate, on every
        // build. Its parent notices the UI being built.
        println!("cargo:rerun-if-changed=web");
    }
    let mut code = String::from("&[\n");
    for file in &files {
        let rel = file.strip_prefix(&dist).expect("under dist").to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(file).expect("readable UI file");
        let _ = writeln!(
            code,
            "    EmbeddedFile {{ path: {:?}, bytes: include_bytes!({:?}), etag: \"\\\"{:016x}\\\"\" }},",
            format!("/{rel}"),
            file.to_string_lossy(),
            fnv1a(&bytes),
        );
    }
    code.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("web_files.rs");
    std::fs::write(out, code).expect("writable OUT_DIR");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable web/dist") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// A content hash for `ETag`s (not a security boundary: the files are ours).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
