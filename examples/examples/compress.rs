//! A tour of the Rust API: `compress PHOTO [OUT_DIR]`.
//!
//! Decodes with limits and EXIF orientation, makes a cover-cropped thumbnail,
//! searches each lossy format for the smallest file with SSIMULACRA2 >= 80,
//! and prints the compare-all table.

use fotobase::image::{
    self, CompareAllOptions, DecodeOptions, Fit, Gravity, Metric, OptimizeOptions, ResizeOptions, Target,
};

fn main() -> fotobase::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(input) = args.next() else {
        eprintln!("usage: compress PHOTO [OUT_DIR]");
        std::process::exit(2);
    };
    let out_dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let data = std::fs::read(&input)?;

    // Header facts without decoding.
    let info = image::probe(&data)?;
    println!("{input}: {} {}x{}, orientation {}", info.format, info.width, info.height, info.orientation.exif_value());

    // A 400x400 thumbnail; JPEGs shrink on load via DCT scaling.
    let thumb_opts = ResizeOptions {
        width: Some(400),
        height: Some(400),
        fit: Fit::Cover,
        gravity: Gravity::Entropy,
        ..Default::default()
    };
    let thumb = image::load(&data, &thumb_opts, &DecodeOptions::default())?;
    let webp = image::encode(&thumb, "webp-lossy", &Default::default())?;
    std::fs::write(out_dir.join("thumb.webp"), &webp.data)?;
    println!("thumbnail: {}x{} webp, {} bytes", webp.width, webp.height, webp.bytes);

    // Smallest file per algorithm that still looks right.
    let photo = image::decode(&data, &DecodeOptions::default())?;
    let target = Target::at_least(Metric::Ssimulacra2, 80.0);
    for alg in ["jpeg-mozjpeg", "webp-lossy", "avif-rav1e"] {
        match image::optimize(&photo, alg, &target, &OptimizeOptions::default()) {
            Ok(best) => {
                println!(
                    "{alg:<13} q={:<3} {:>9} bytes after {} encodes",
                    best.quality.unwrap_or(0),
                    best.encoded.bytes,
                    best.steps.len()
                );
                std::fs::write(out_dir.join(format!("best.{}", best.encoded.format.extension())), &best.encoded.data)?;
            }
            // Expected for some images (e.g. 4:2:0 chroma on small saturated pictures): report, go on.
            Err(e) if e.kind() == fotobase::ErrorKind::TargetUnreachable => println!("{alg:<13} {e}"),
            Err(e) => return Err(e),
        }
    }

    let table = image::compare_all(&photo, &target, &CompareAllOptions::default())?;
    println!("winner: {}", table.best.as_deref().unwrap_or("none"));
    Ok(())
}
