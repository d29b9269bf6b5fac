//! `ssimulacra2-peer REFERENCE_NPY DISTORTED_NPY OUT_JSON [ROUNDS]`: fotobase's SSIMULACRA2 against the
//! `ssimulacra2` crate on the harness's 12 MP metrics pair (make_inputs.py's `.npy` RGB arrays, the
//! pixels every other metric row uses), alternating the two like `benches/peers/common.py`.
//!
//! A tool of `benches/peers/run.sh`, not a Criterion bench: one crate call takes ~12 s on 2 cores and
//! Criterion insists on ten samples, two minutes for one row of `make bench`; three alternating rounds
//! give the ratio, and report.py turns the raw times into the row (median, quartiles).
//!
//! The crate side is what a caller holding 8-bit sRGB pixels writes: bytes to f32 in 0..1, then
//! `compute_frame_ssimulacra2`; ours is `compare_pixels` on the same borrowed bytes.

use std::process::ExitCode;
use std::time::Instant;

use fotobase::image::{CompareOptions, Metric, PixelsRef, compare_pixels};
use ssimulacra2::{ColorPrimaries, Rgb, TransferCharacteristic, compute_frame_ssimulacra2};

/// An 8-bit RGB image from a NumPy `.npy` file (format 1.0-3.0, `|u1`, C order, shape (h, w, 3)).
struct Rgb8 {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

fn read_npy(path: &str) -> Result<Rgb8, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let bad = |why: &str| format!("{path}: not an 8-bit RGB .npy file ({why})");
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("no NUMPY magic"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        _ => return Err(bad("unknown format version")),
    };
    let header = bytes.get(start..start + header_len).ok_or_else(|| bad("short header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header not text"))?;
    if !header.contains("'descr': '|u1'") || !header.contains("'fortran_order': False") {
        return Err(bad("dtype must be uint8, C order"));
    }
    let shape = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).ok_or_else(|| bad("no shape"))?;
    let dims: Vec<usize> = shape.split(',').filter_map(|d| d.trim().parse().ok()).collect();
    let [h, w, 3] = dims[..] else { return Err(bad("shape must be (height, width, 3)")) };
    let data = bytes[start + header_len..].to_vec();
    if data.len() != w * h * 3 {
        return Err(bad("data length does not match the shape"));
    }
    let side = |n: usize| u32::try_from(n).map_err(|_| bad("too large"));
    Ok(Rgb8 { width: side(w)?, height: side(h)?, data })
}

impl Rgb8 {
    fn view(&self) -> PixelsRef<'_> {
        PixelsRef::new(self.width, self.height, 3, &self.data).expect("validated by read_npy")
    }
}

fn ours(reference: &Rgb8, distorted: &Rgb8) -> f64 {
    let opts = CompareOptions::with_metrics(&[Metric::Ssimulacra2]);
    let metrics = compare_pixels(reference.view(), distorted.view(), &opts).expect("same dimensions");
    metrics.get(Metric::Ssimulacra2).expect("requested")
}

fn crate_score(reference: &Rgb8, distorted: &Rgb8) -> f64 {
    let frame = |img: &Rgb8| {
        let data: Vec<[f32; 3]> =
            img.data.chunks_exact(3).map(|p| [p[0], p[1], p[2]].map(|c| f32::from(c) / 255.0)).collect();
        Rgb::new(data, img.width as usize, img.height as usize, TransferCharacteristic::SRGB, ColorPrimaries::BT709)
            .expect("an sRGB frame")
    };
    compute_frame_ssimulacra2(frame(reference), frame(distorted)).expect("same dimensions")
}

fn timed(f: impl FnOnce() -> f64) -> (f64, f64) {
    let start = Instant::now();
    let score = f();
    (start.elapsed().as_secs_f64(), score)
}

fn run(args: &[String]) -> Result<(), String> {
    let [reference, distorted, out, rest @ ..] = args else {
        return Err("usage: ssimulacra2-peer REFERENCE_NPY DISTORTED_NPY OUT_JSON [ROUNDS]".into());
    };
    let rounds: usize = rest.first().map_or(Ok(3), |r| r.parse()).map_err(|_| "ROUNDS must be a number")?;
    let (reference, distorted) = (read_npy(reference)?, read_npy(distorted)?);
    if (reference.width, reference.height) != (distorted.width, distorted.height) {
        return Err("the two images differ in size".into());
    }
    let (mut times_ours, mut times_crate) = (Vec::new(), Vec::new());
    let (mut score_ours, mut score_crate) = (f64::NAN, f64::NAN);
    for round in 0..rounds {
        // Ours first on even rounds, the crate first on odd ones, as common.alternate does.
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            if side == 0 {
                let (t, s) = timed(|| ours(&reference, &distorted));
                times_ours.push(t);
                score_ours = s;
            } else {
                let (t, s) = timed(|| crate_score(&reference, &distorted));
                times_crate.push(t);
                score_crate = s;
            }
        }
        eprintln!(
            "[ssimulacra2-peer] round {}: fotobase {:.2} s, crate {:.2} s",
            round + 1,
            times_ours[round],
            times_crate[round]
        );
    }
    let json = serde_json::json!({
        "width": reference.width, "height": reference.height,
        "threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "ours": times_ours, "theirs": times_crate, "score_ours": score_ours, "score_theirs": score_crate,
    });
    std::fs::write(out, json.to_string()).map_err(|e| format!("{out}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ssimulacra2-peer: {e}");
            ExitCode::FAILURE
        }
    }
}
