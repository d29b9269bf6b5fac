//! The one-call pipelines most callers want: bytes in, bytes out.
//!
//! `load` = probe → pick a shrink-on-load factor → decode → resize.
//! `compress` = `load` → encode at a fixed quality or search for a target →
//! measure. These are what the CLI, the server and every binding call.

use serde::{Deserialize, Serialize};

use super::encode::{self, Encoded, Params};
use super::metrics::{CompareOptions, Metric, Metrics, compare_images};
use super::ops::Operation;
use super::resize::{Fit, ResizeOptions, resize, target_size};
use super::search::{DEFAULT_MAX_ENCODES, OptimizeOptions, Step, Target, optimize, reference_for};
use super::{DecodeOptions, Format, Image, MetadataPolicy, decode, probe};
use crate::{Error, ErrorKind, Result};

/// Decode `data` and resize it, letting JPEG shrink on load when the target allows.
pub fn load(data: &[u8], resize_opts: &ResizeOptions, decode_opts: &DecodeOptions) -> Result<Image> {
    let mut dopts = *decode_opts;
    if !resize_opts.is_noop() && dopts.shrink_to.is_none() {
        let info = probe(data)?;
        let (w, h) = if dopts.auto_orient { info.upright_size() } else { (info.width, info.height) };
        dopts.shrink_to = Some(needed_size(w, h, resize_opts)?);
    }
    let img = decode(data, &dopts)?;
    if resize_opts.is_noop() {
        return Ok(img);
    }
    let pixels = resize(img.pixels(), resize_opts)?;
    Ok(img.with_pixels(pixels))
}

/// The smallest decoded size from which `opts` can still be produced without upscaling.
fn needed_size(w: u32, h: u32, opts: &ResizeOptions) -> Result<(u32, u32)> {
    let (tw, th) = target_size(w, h, opts)?;
    if opts.fit != Fit::Cover || opts.width.is_none() || opts.height.is_none() {
        return Ok((tw, th));
    }
    // Cover scales to cover the box, then crops: the pre-crop size is what must survive.
    let s = (f64::from(tw) / f64::from(w)).max(f64::from(th) / f64::from(h));
    Ok(((f64::from(w) * s).ceil() as u32, (f64::from(h) * s).ceil() as u32))
}

/// Everything `compress` can be asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompressOptions {
    /// Algorithm name, or a format name for that format's default algorithm.
    pub algorithm: String,
    pub params: Params,
    /// Shorthand for the algorithm's quality parameter.
    pub quality: Option<i64>,
    /// Search for the smallest output meeting this target instead of a fixed quality.
    pub target: Option<Target>,
    pub resize: ResizeOptions,
    pub metadata: MetadataPolicy,
    pub decode: DecodeOptions,
    /// Metrics to measure on the result against the (resized) source.
    pub metrics: Vec<Metric>,
    pub max_encodes: usize,
    /// Editing steps applied in order to the upright image before it is resized.
    pub operations: Vec<Operation>,
}

impl Default for CompressOptions {
    fn default() -> Self {
        CompressOptions {
            algorithm: Format::default_for(None).into(),
            params: Params::default(),
            quality: None,
            target: None,
            resize: ResizeOptions::default(),
            metadata: MetadataPolicy::default(),
            decode: DecodeOptions::default(),
            metrics: Vec::new(),
            max_encodes: DEFAULT_MAX_ENCODES,
            operations: Vec::new(),
        }
    }
}

/// Output of [`compress`].
#[derive(Debug, Clone, Serialize)]
pub struct Compressed {
    #[serde(flatten)]
    pub encoded: Encoded,
    pub quality: Option<i64>,
    pub input_bytes: usize,
    /// Compression ratio: input bytes / output bytes.
    pub ratio: f64,
    pub metrics: Metrics,
    /// Search steps (empty for a fixed-quality encode).
    pub steps: Vec<Step>,
}

/// Decode, resize, encode (or search), and measure, in one call.
pub fn compress(data: &[u8], opts: &CompressOptions) -> Result<Compressed> {
    let alg = encode::algorithm(&opts.algorithm)?;
    let mut params = opts.params.clone();
    if let Some(q) = opts.quality {
        let name = alg.quality_param.ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, format!("{} is lossless and has no quality setting", alg.name))
        })?;
        params.set(name, q);
    }
    let img = if opts.operations.is_empty() {
        load(data, &opts.resize, &opts.decode)?
    } else {
        // Steps see the whole image (an extract names full-size coordinates): no shrink on load.
        super::ops::check(&opts.operations)?;
        let edited = super::ops::apply(decode(data, &opts.decode)?, &opts.operations, &opts.decode)?;
        if opts.resize.is_noop() {
            edited
        } else {
            let pixels = resize(edited.pixels(), &opts.resize)?;
            edited.with_pixels(pixels)
        }
    };
    let (encoded, steps, mut metrics) = match &opts.target {
        Some(target) => {
            let o = optimize(
                &img,
                alg.name,
                target,
                &OptimizeOptions { params, metadata: opts.metadata, max_encodes: opts.max_encodes },
            )?;
            (o.encoded, o.steps, o.metrics)
        }
        None => {
            let e = encode::encode(&img, alg.name, &encode::EncodeOptions { params, metadata: opts.metadata })?;
            (e, Vec::new(), Metrics::default())
        }
    };
    let missing: Vec<Metric> = opts.metrics.iter().copied().filter(|m| metrics.get(*m).is_none()).collect();
    if !missing.is_empty() {
        let out = decode(&encoded.data, &DecodeOptions { limits: super::Limits::unlimited(), ..Default::default() })?;
        let reference = reference_for(&img, alg.format);
        let measured = compare_images(&reference, out.pixels(), &CompareOptions::with_metrics(&missing))?;
        for m in missing {
            metrics.merge(m, measured.get(m));
        }
    }
    Ok(Compressed {
        quality: encoded.quality(),
        input_bytes: data.len(),
        ratio: data.len() as f64 / encoded.bytes.max(1) as f64,
        encoded,
        metrics,
        steps,
    })
}
