//! The subcommands.

use std::path::Path;

use fotobase::image::{
    self, CompareAllOptions, CompareOptions, CompressOptions, DecodeOptions, Filter, Fit, Gravity, MetadataPolicy,
    Metric, Params, ResizeOptions, Target,
};
use fotobase::{Error, ErrorKind, Result};
use serde_json::json;

use super::output::{fmt_metric, human_bytes, print_json};
use super::{Cli, Command, CompareAllArgs, CompareArgs, CompressArgs, ResizeArgs};

/// Run a command. `Ok(false)` means "ran fine, answer is no" (exit status 1),
/// as for `password verify` on a mismatch.
pub fn dispatch(cli: Cli) -> Result<bool> {
    let json = cli.json;
    match cli.command {
        Command::Compress(a) => compress(a, json),
        Command::Compare(a) => compare(a, json),
        Command::CompareAll(a) => compare_all(a, json),
        Command::Algorithms => algorithms(json),
        Command::Probe { input } => probe(&input, json),
        Command::Keys(c) => super::auth::keys(c, json),
        Command::Token(c) => super::auth::token(c, json),
        Command::Password(c) => return super::auth::password(c, json),
        Command::Totp(c) => return super::auth::totp(c, json),
        Command::Serve(a) => super::server::serve(a),
        Command::Worker(a) => super::server::worker(a),
        Command::Config(c) => super::server::config(c, json),
    }
    .map(|()| true)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    let limit = image::Limits::default().max_input_bytes;
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if meta.len() > limit {
        return Err(Error::new(ErrorKind::LimitExceeded, "input file is larger than max_input_bytes")
            .with_context("path", path.display())
            .with_context("bytes", meta.len()));
    }
    std::fs::read(path).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    let kind =
        if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::InvalidArgument } else { ErrorKind::Unexpected };
    Error::new(kind, format!("cannot access {}", path.display())).with_source(e)
}

fn parse_metrics(list: &str) -> Result<Vec<Metric>> {
    if list.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    list.split(',').filter(|s| !s.trim().is_empty()).map(str::parse).collect()
}

/// One `--op`: an operation as JSON; a composite's `overlay_file` is read and sent as its bytes.
fn parse_operation(text: &str) -> Result<image::Operation> {
    use base64::Engine as _;
    let bad = |e: serde_json::Error| Error::new(ErrorKind::InvalidArgument, format!("--op {text}: {e}"));
    let mut value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).map_err(bad)?;
    if let Some(file) = value.remove("overlay_file") {
        let path = file.as_str().ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "overlay_file is a path"))?;
        let bytes = read(Path::new(path))?;
        value.insert("overlay".into(), base64::engine::general_purpose::STANDARD.encode(bytes).into());
    }
    serde_json::from_value(value.into()).map_err(bad)
}

fn resize_options(a: &ResizeArgs) -> Result<ResizeOptions> {
    Ok(ResizeOptions {
        width: a.width,
        height: a.height,
        fit: a.fit.parse::<Fit>()?,
        gravity: a.gravity.parse::<Gravity>()?,
        filter: a.filter.parse::<Filter>()?,
        without_enlargement: a.without_enlargement,
    })
}

fn compress(a: CompressArgs, json: bool) -> Result<()> {
    let data = read(&a.input)?;
    // Like sharp's toFile: an explicit choice wins, then the output extension, then the input format.
    let from_extension = a.output.extension().and_then(|e| e.to_str()).and_then(|e| e.parse::<image::Format>().ok());
    let from_extension = from_extension.filter(|f| f.can_encode());
    let algorithm = a.algorithm.or(a.format).unwrap_or_else(|| {
        from_extension
            .or_else(|| image::Format::sniff(&data))
            .map_or("jpeg-mozjpeg", image::Format::default_algorithm)
            .to_owned()
    });
    let opts = CompressOptions {
        algorithm,
        params: Params::parse_pairs(a.params.iter().map(String::as_str))?,
        quality: a.quality,
        target: a.target.as_deref().map(str::parse::<Target>).transpose()?,
        resize: resize_options(&a.resize)?,
        metadata: if a.keep_metadata { MetadataPolicy::KeepAll } else { MetadataPolicy::KeepIcc },
        decode: DecodeOptions { to_srgb: a.srgb, ..DecodeOptions::default() },
        metrics: parse_metrics(&a.metrics)?,
        max_encodes: image::DEFAULT_MAX_ENCODES,
        operations: a.operations.iter().map(|o| parse_operation(o)).collect::<Result<_>>()?,
    };
    let out = image::compress(&data, &opts)?;
    std::fs::write(&a.output, &out.encoded.data).map_err(|e| io_error(&a.output, e))?;
    if json {
        return print_json(&json!({
            "algorithm": out.encoded.algorithm,
            "format": out.encoded.format,
            "quality": out.quality,
            "width": out.encoded.width,
            "height": out.encoded.height,
            "bytes": out.encoded.bytes,
            "input_bytes": out.input_bytes,
            "ratio": out.ratio,
            "encode_ms": out.encoded.encode_ms,
            "params": out.encoded.params,
            "metrics": out.metrics,
            "steps": out.steps,
            "output": a.output.display().to_string(),
        }));
    }
    println!(
        "{} → {}  {}x{}  {} → {} ({:.2}x smaller)  {}{}",
        a.input.display(),
        a.output.display(),
        out.encoded.width,
        out.encoded.height,
        human_bytes(out.input_bytes),
        human_bytes(out.encoded.bytes),
        out.ratio,
        out.encoded.algorithm,
        out.quality.map(|q| format!(" q={q}")).unwrap_or_default(),
    );
    for m in Metric::ALL {
        if let Some(v) = out.metrics.get(m) {
            println!("  {:<12} {}", m.name(), fmt_metric(Some(v)));
        }
    }
    if !out.steps.is_empty() {
        println!("  search ({} encodes):", out.steps.len());
        for s in &out.steps {
            println!(
                "    q={:<4} {:>10}  score={:<10} {}",
                s.quality.map(|q| q.to_string()).unwrap_or("-".into()),
                human_bytes(s.bytes),
                fmt_metric(s.score),
                if s.met { "meets target" } else { "" }
            );
        }
    }
    Ok(())
}

fn compare(a: CompareArgs, json: bool) -> Result<()> {
    let (ra, rb) = (read(&a.a)?, read(&a.b)?);
    let opts = CompareOptions {
        metrics: parse_metrics(&a.metrics)?,
        ssim: image::metrics::SsimOptions { luma: a.luma },
        per_channel: a.per_channel,
    };
    let c = image::compare(&ra, &rb, &opts)?;
    if json {
        return print_json(&c.metrics);
    }
    println!(
        "{} ({}x{}, {}) vs {} ({}x{}, {})  ratio {:.2}",
        a.a.display(),
        c.reference.width,
        c.reference.height,
        human_bytes(c.reference.bytes),
        a.b.display(),
        c.distorted.width,
        c.distorted.height,
        human_bytes(c.distorted.bytes),
        c.ratio
    );
    for m in &opts.metrics {
        println!("  {:<12} {}", m.name(), fmt_metric(c.metrics.get(*m)));
    }
    if let Some(ch) = &c.metrics.channels {
        for (i, n) in ch.names.iter().enumerate() {
            println!("  {n}: mse {}  psnr {}", fmt_metric(Some(ch.mse[i])), fmt_metric(Some(ch.psnr[i])));
        }
    }
    Ok(())
}

fn compare_all(a: CompareAllArgs, json: bool) -> Result<()> {
    let data = read(&a.input)?;
    let target: Target = a.target.parse()?;
    let img = image::decode(&data, &DecodeOptions::default())?;
    let opts = CompareAllOptions {
        algorithms: a.algorithms.map(|s| s.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect()),
        metrics: parse_metrics(&a.metrics)?,
        ..Default::default()
    };
    let result = image::compare_all(&img, &target, &opts)?;
    if let Some(dir) = &a.save {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        for row in result.results.iter().filter(|r| r.met) {
            let mut params = Params::new();
            if let (Some(q), Some(name)) = (row.quality, image::algorithm(&row.algorithm)?.quality_param) {
                params.set(name, q);
            }
            let enc = image::encode(&img, &row.algorithm, &image::EncodeOptions { params, ..Default::default() })?;
            let path = dir.join(format!("{}.{}", row.algorithm, row.format.extension()));
            std::fs::write(&path, &enc.data).map_err(|e| io_error(&path, e))?;
        }
    }
    if json {
        return print_json(&result);
    }
    println!("{}  {}  target {}", a.input.display(), human_bytes(result.input_bytes), result.target);
    println!(
        "  {:<15} {:>5} {:>11} {:>7} {:>9} {:>8} {:>12} {:>9}",
        "algorithm", "q", "bytes", "ratio", "psnr", "ssim", "ssimulacra2", "ms"
    );
    for r in &result.results {
        match &r.error {
            Some(e) => println!("  {:<15} {}", r.algorithm, e.code),
            None => println!(
                "  {:<15} {:>5} {:>11} {:>7.2} {:>9} {:>8} {:>12} {:>9.1}{}",
                r.algorithm,
                r.quality.map(|q| q.to_string()).unwrap_or("-".into()),
                human_bytes(r.bytes.unwrap_or(0)),
                r.ratio.unwrap_or(0.0),
                fmt_metric(r.metrics.psnr),
                fmt_metric(r.metrics.ssim),
                fmt_metric(r.metrics.ssimulacra2),
                r.encode_ms.unwrap_or(0.0),
                if r.winner { "  ← best" } else { "" }
            ),
        }
    }
    Ok(())
}

fn algorithms(json: bool) -> Result<()> {
    let list = image::algorithms();
    if json {
        return print_json(&list);
    }
    for a in &list {
        println!(
            "{:<15} {:<5} {:<9} {}",
            a.name,
            a.format,
            if a.lossless { "lossless" } else { "lossy" },
            a.description
        );
        for p in a.params {
            println!("    {:<20} default {:<8} {}", p.name, p.default.to_string(), p.description);
        }
    }
    Ok(())
}

fn probe(path: &Path, json: bool) -> Result<()> {
    let info = image::probe(&read(path)?)?;
    if json {
        return print_json(&info);
    }
    let (uw, uh) = info.upright_size();
    println!(
        "{}: {} {}x{} (upright {}x{}), orientation {}, {}",
        path.display(),
        info.format,
        info.width,
        info.height,
        uw,
        uh,
        info.orientation.exif_value(),
        if info.has_alpha { "alpha" } else { "opaque" }
    );
    Ok(())
}
