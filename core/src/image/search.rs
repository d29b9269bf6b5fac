//! Quality search (`optimize`) and the all-algorithms table (`compare_all`).
//!
//! The search bisects the algorithm's integer quality parameter, assuming that
//! higher quality gives a larger file and a better score (true up to small
//! wobbles; only verified settings are ever returned).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use ::image::DynamicImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode::{self, Algorithm, Encoded, ParamKind, Params, encode_resolved, flatten_to_rgb8};
use super::metrics::{CompareOptions, Metric, Metrics, compare_images};
use super::{DecodeOptions, Format, Image, MetadataPolicy, decode};
use crate::{Error, ErrorKind, Result};

/// What "good enough" means for a search.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The metric must reach `value` (at least, or at most for MSE).
    Metric { metric: Metric, value: f64 },
    /// The file must not exceed this many bytes; quality is maximised.
    MaxBytes { bytes: usize },
}

impl Target {
    pub fn at_least(metric: Metric, value: f64) -> Target {
        Target::Metric { metric, value }
    }

    pub fn max_bytes(bytes: usize) -> Target {
        Target::MaxBytes { bytes }
    }

    fn metric(&self) -> Option<Metric> {
        match self {
            Target::Metric { metric, .. } => Some(*metric),
            Target::MaxBytes { .. } => None,
        }
    }

    fn is_met(&self, bytes: usize, score: Option<f64>) -> bool {
        match *self {
            Target::MaxBytes { bytes: max } => bytes <= max,
            Target::Metric { metric, value } => {
                score.is_some_and(|s| if metric.higher_is_better() { s >= value } else { s <= value })
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Metric { metric, value } => write!(f, "{metric}={value}"),
            Target::MaxBytes { bytes } => write!(f, "max_bytes={bytes}"),
        }
    }
}

impl FromStr for Target {
    type Err = Error;
    /// `ssimulacra2=80`, `ssim>=0.98`, `psnr=40`, `mse<=5`, `max_bytes=50000`, `max_bytes=200k`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::new(ErrorKind::InvalidArgument, format!("invalid target {s:?}"))
                .with_context("expected", "METRIC=VALUE (mse, psnr, ssim, ms_ssim, ssimulacra2) or max_bytes=N")
        };
        let (name, value) =
            s.split_once(">=").or_else(|| s.split_once("<=")).or_else(|| s.split_once('=')).ok_or_else(bad)?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if matches!(name.as_str(), "max_bytes" | "bytes" | "size") {
            let (digits, mult) = match value.to_ascii_lowercase() {
                v if v.ends_with('k') => (v[..v.len() - 1].to_string(), 1_000.0),
                v if v.ends_with('m') => (v[..v.len() - 1].to_string(), 1_000_000.0),
                v => (v, 1.0),
            };
            let n: f64 = digits.parse().map_err(|_| bad())?;
            if !(n.is_finite() && n >= 1.0) {
                return Err(bad());
            }
            return Ok(Target::MaxBytes { bytes: (n * mult) as usize });
        }
        let metric: Metric = name.parse().map_err(|_| bad())?;
        let value: f64 = value.parse().map_err(|_| bad())?;
        if !value.is_finite() {
            return Err(bad());
        }
        Ok(Target::Metric { metric, value })
    }
}

/// Most encodes a quality search makes unless told otherwise: enough for a binary search
/// over any algorithm's quality range to settle.
pub const DEFAULT_MAX_ENCODES: usize = 10;

/// Options for [`optimize`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizeOptions {
    /// Fixed parameters; the quality parameter, if given, is ignored.
    pub params: Params,
    pub metadata: MetadataPolicy,
    /// Upper bound on encodes (default [`DEFAULT_MAX_ENCODES`]).
    pub max_encodes: usize,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        OptimizeOptions {
            params: Params::default(),
            metadata: MetadataPolicy::default(),
            max_encodes: DEFAULT_MAX_ENCODES,
        }
    }
}

/// One encode made during a search.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub quality: Option<i64>,
    pub bytes: usize,
    /// Value of the target metric, when the target is a metric.
    pub score: Option<f64>,
    pub met: bool,
    pub encode_ms: f64,
}

/// The result of a search: the chosen encode and how it was found.
#[derive(Debug, Clone, Serialize)]
pub struct Optimized {
    pub encoded: Encoded,
    pub quality: Option<i64>,
    pub target: Target,
    /// Score of the chosen encode on the target metric (empty for `max_bytes`).
    pub metrics: Metrics,
    pub steps: Vec<Step>,
}

/// Find the smallest output of `algorithm` that meets `target`, by bisection
/// over its quality parameter (lossless algorithms are encoded once).
pub fn optimize(img: &Image, algorithm: &str, target: &Target, opts: &OptimizeOptions) -> Result<Optimized> {
    let alg = encode::find(algorithm)?;
    if opts.max_encodes == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "max_encodes must be at least 1"));
    }
    let mut given = opts.params.clone();
    let qparam = alg.info.quality_param;
    if let Some(q) = qparam {
        given.set(q, alg.info.param(q).map(|p| p.default.clone()).unwrap_or(0i64.into()));
    }
    let base = alg.info.resolve(&given)?;
    let reference = reference_for(img, alg.info.format);
    let mut search =
        Search { alg, img, reference: &reference, base, target: *target, opts, steps: Vec::new(), best: None };

    match qparam.and_then(|q| alg.info.param(q)).map(|p| p.kind) {
        Some(ParamKind::Int { min, max }) => {
            if let Target::MaxBytes { .. } = target {
                // Largest quality that fits: the lowest must fit, then bisect upwards.
                if search.try_quality(Some(min))? {
                    let (mut lo, mut hi) = (min, max + 1);
                    while hi - lo > 1 && search.budget_left() {
                        let mid = lo + (hi - lo) / 2;
                        if search.try_quality(Some(mid))? { lo = mid } else { hi = mid }
                    }
                }
            } else if search.try_quality(Some(max))? {
                // Smallest quality that meets the score: the highest must, then bisect downwards.
                let (mut lo, mut hi) = (min - 1, max);
                while hi - lo > 1 && search.budget_left() {
                    let mid = lo + (hi - lo) / 2;
                    if search.try_quality(Some(mid))? { hi = mid } else { lo = mid }
                }
            }
        }
        _ => {
            search.try_quality(None)?;
        }
    }
    search.finish()
}

struct Search<'a> {
    alg: &'static Algorithm,
    img: &'a Image,
    reference: &'a DynamicImage,
    base: Params,
    target: Target,
    opts: &'a OptimizeOptions,
    steps: Vec<Step>,
    best: Option<(Encoded, Option<f64>)>,
}

impl Search<'_> {
    fn budget_left(&self) -> bool {
        self.steps.len() < self.opts.max_encodes
    }

    /// Encode at `quality`, score it, record the step; true if the target is met.
    fn try_quality(&mut self, quality: Option<i64>) -> Result<bool> {
        let mut params = self.base.clone();
        if let (Some(q), Some(name)) = (quality, self.alg.info.quality_param) {
            params.set(name, q);
        }
        let enc = encode_resolved(self.alg, self.img, &params, self.opts.metadata)?;
        let score = match self.target.metric() {
            Some(m) => score(self.reference, &enc, &[m])?.get(m),
            None => None,
        };
        let met = self.target.is_met(enc.bytes, score);
        self.steps.push(Step { quality, bytes: enc.bytes, score, met, encode_ms: enc.encode_ms });
        if met {
            // Smallest file meeting a score target; best quality within a byte budget.
            let better = match (&self.best, self.target) {
                (None, _) => true,
                (Some((b, _)), Target::MaxBytes { .. }) => enc.quality() > b.quality(),
                (Some((b, _)), Target::Metric { .. }) => enc.bytes < b.bytes,
            };
            if better {
                self.best = Some((enc, score));
            }
        }
        Ok(met)
    }

    fn finish(self) -> Result<Optimized> {
        let Some((encoded, score)) = self.best else {
            let closest =
                self.steps.last().map(|s| s.score.map_or(format!("{} bytes", s.bytes), |v| format!("{v:.4}")));
            return Err(Error::new(
                ErrorKind::TargetUnreachable,
                format!("no setting of {} meets the target", self.alg.info.name),
            )
            .with_context("target", self.target)
            .with_context("best_attempt", closest.unwrap_or_default())
            .with_context("encodes", self.steps.len()));
        };
        let mut metrics = Metrics::default();
        if let Some(m) = self.target.metric() {
            metrics.merge(m, score);
        }
        Ok(Optimized { quality: encoded.quality(), encoded, target: self.target, metrics, steps: self.steps })
    }
}

/// What an encode should be judged against: formats without alpha are compared
/// with the source flattened the same way the encoder flattened it.
pub(crate) fn reference_for(img: &Image, format: Format) -> Cow<'_, DynamicImage> {
    if format == Format::Jpeg && img.pixels.color().has_alpha() {
        Cow::Owned(DynamicImage::ImageRgb8(flatten_to_rgb8(&img.pixels)))
    } else {
        Cow::Borrowed(&img.pixels)
    }
}

/// Decode an encode and measure it against the reference pixels.
fn score(reference: &DynamicImage, enc: &Encoded, metrics: &[Metric]) -> Result<Metrics> {
    let decoded = decode(&enc.data, &DecodeOptions { limits: super::Limits::unlimited(), ..DecodeOptions::default() })?;
    compare_images(reference, decoded.pixels(), &CompareOptions::with_metrics(metrics))
}

/// Options for [`compare_all`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareAllOptions {
    /// Algorithms to run (default: all).
    pub algorithms: Option<Vec<String>>,
    /// Metrics reported for each chosen encode (default: all five).
    pub metrics: Vec<Metric>,
    pub metadata: MetadataPolicy,
    pub max_encodes: usize,
}

impl Default for CompareAllOptions {
    fn default() -> Self {
        CompareAllOptions {
            algorithms: None,
            metrics: Metric::ALL.to_vec(),
            metadata: MetadataPolicy::default(),
            max_encodes: DEFAULT_MAX_ENCODES,
        }
    }
}

/// A failed row's error, as data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub code: String,
    pub message: String,
}

/// One algorithm's line in the comparison table.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareAllRow {
    pub algorithm: String,
    pub format: Format,
    pub lossless: bool,
    pub quality: Option<i64>,
    pub bytes: Option<usize>,
    /// Compression ratio: input bytes / output bytes.
    pub ratio: Option<f64>,
    pub metrics: Metrics,
    /// Absent where timings are left out (results compared across runs and languages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encode_ms: Option<f64>,
    pub encodes: usize,
    pub met: bool,
    pub winner: bool,
    pub error: Option<RowError>,
}

/// The comparison table and its winner.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareAllResult {
    pub target: Target,
    pub input_bytes: usize,
    pub results: Vec<CompareAllRow>,
    /// Algorithm with the smallest output meeting the target.
    pub best: Option<String>,
}

/// Run every (or the chosen) algorithm at the same target and tabulate.
pub fn compare_all(img: &Image, target: &Target, opts: &CompareAllOptions) -> Result<CompareAllResult> {
    let names: Vec<String> = match &opts.algorithms {
        Some(list) if list.is_empty() => return Err(Error::new(ErrorKind::InvalidArgument, "empty algorithm list")),
        Some(list) => list.clone(),
        None => encode::algorithms().iter().map(|a| a.name.to_owned()).collect(),
    };
    let algs: Vec<&'static Algorithm> = names.iter().map(|n| encode::find(n)).collect::<Result<_>>()?;
    let oopts = OptimizeOptions { metadata: opts.metadata, max_encodes: opts.max_encodes, ..Default::default() };
    let mut rows: Vec<CompareAllRow> = algs
        .par_iter()
        .map(|alg| {
            let info = &alg.info;
            let row = CompareAllRow {
                algorithm: info.name.to_owned(),
                format: info.format,
                lossless: info.lossless,
                quality: None,
                bytes: None,
                ratio: None,
                metrics: Metrics::default(),
                encode_ms: None,
                encodes: 0,
                met: false,
                winner: false,
                error: None,
            };
            let result = optimize(img, info.name, target, &oopts).and_then(|o| {
                let metrics = if opts.metrics.is_empty() {
                    Metrics::default()
                } else {
                    score(&reference_for(img, info.format), &o.encoded, &opts.metrics)?
                };
                Ok((o, metrics))
            });
            match result {
                Ok((o, metrics)) => CompareAllRow {
                    quality: o.quality,
                    bytes: Some(o.encoded.bytes),
                    ratio: (img.input_bytes > 0).then(|| img.input_bytes as f64 / o.encoded.bytes.max(1) as f64),
                    metrics,
                    encode_ms: Some(o.encoded.encode_ms),
                    encodes: o.steps.len(),
                    met: true,
                    ..row
                },
                Err(e) => {
                    CompareAllRow { error: Some(RowError { code: e.code().into(), message: e.to_string() }), ..row }
                }
            }
        })
        .collect();
    let best = rows.iter().enumerate().filter(|(_, r)| r.met).min_by_key(|(_, r)| r.bytes).map(|(i, _)| i);
    if let Some(i) = best {
        rows[i].winner = true;
    }
    Ok(CompareAllResult {
        target: *target,
        input_bytes: img.input_bytes,
        best: best.map(|i| rows[i].algorithm.clone()),
        results: rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        assert_eq!("ssimulacra2=80".parse::<Target>().unwrap(), Target::at_least(Metric::Ssimulacra2, 80.0));
        assert_eq!("ssim>=0.98".parse::<Target>().unwrap(), Target::at_least(Metric::Ssim, 0.98));
        assert_eq!("mse<=4".parse::<Target>().unwrap(), Target::at_least(Metric::Mse, 4.0));
        assert_eq!("max_bytes=200k".parse::<Target>().unwrap(), Target::max_bytes(200_000));
        assert_eq!("max_bytes=1234".parse::<Target>().unwrap(), Target::max_bytes(1234));
        for bad in ["ssim", "ssim=abc", "vmaf=90", "max_bytes=-1", "psnr=inf", ""] {
            assert_eq!(bad.parse::<Target>().unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn mse_targets_are_upper_bounds() {
        let t = Target::at_least(Metric::Mse, 4.0);
        assert!(t.is_met(0, Some(3.0)));
        assert!(!t.is_met(0, Some(5.0)));
        assert!(Target::at_least(Metric::Psnr, 40.0).is_met(0, Some(f64::INFINITY)));
    }
}
