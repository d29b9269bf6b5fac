//! The requests every binding and the HTTP API accept, as typed structs.
//!
//! Each language turns its native value (a Python dict, a JS object, a JSON
//! body) into one of these with [`parse`]; nothing downstream looks at loose
//! JSON. Unknown names are `invalid_argument` with the allowed ones in the
//! error's context, so a typo never goes unnoticed; the defaults they stand
//! for live once, in the core (`None` here means "the core's default").

use fotobase::image::{self, CompressOptions, DecodeOptions, Format, MetadataPolicy, Metric, ResizeOptions, Target};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::{Result, invalid};

/// A request from a language's JSON-like value: `null` is the empty request,
/// unknown names list the allowed ones, a bad value names its field.
pub fn parse<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    let value = match value {
        Value::Null => Value::Object(Map::new()),
        Value::Object(_) => value,
        _ => return Err(invalid(format!("{what} must be an object"))),
    };
    let allowed = field_names::<T>();
    if let Some(k) = value.as_object().into_iter().flat_map(Map::keys).find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(format!("unknown option {k:?}")).with_context("allowed", allowed.join(", ")));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        invalid(format!("{field}: {}", e.inner())).with_context("field", field)
    })
}

/// A typed argument (a target, a list of names) from a language's JSON-like value;
/// a mismatch is `invalid_argument` naming the argument.
pub fn value<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| invalid(format!("{what}: {e}")).with_context("field", what))
}

/// The field names serde knows for `T` (its `deserialize_struct` call carries them).
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field names read")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> std::result::Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// What "good enough" means for a quality search: `"ssimulacra2>=80"` (also `ssim>=0.95`,
/// `psnr>=40`, `mse<=5`, `max_bytes=200k`), `{"metric": "ssim", "value": 0.95}` or
/// `{"max_bytes": 100000}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a target such as \"ssimulacra2>=80\", {\"metric\": \"ssim\", \"value\": 0.95} or {\"max_bytes\": 50000}"
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TargetSpec {
    /// `metric>=value` or `max_bytes=N[k|m]`.
    Expression(String),
    Budget(Budget),
    Threshold(Threshold),
}

/// The largest output allowed; quality is maximised under it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Budget {
    pub max_bytes: u64,
}

/// A metric the output must reach (at least; at most for `mse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Threshold {
    /// `mse`, `psnr`, `ssim`, `ms_ssim` or `ssimulacra2`.
    pub metric: String,
    pub value: f64,
}

impl TargetSpec {
    /// The core's target; an unknown metric or a malformed expression is `invalid_argument`.
    pub fn resolve(&self) -> Result<Target> {
        match self {
            TargetSpec::Expression(s) => s.parse(),
            TargetSpec::Budget(b) => {
                let bytes = usize::try_from(b.max_bytes).map_err(|_| invalid("max_bytes is too large"))?;
                Ok(Target::max_bytes(bytes))
            }
            TargetSpec::Threshold(t) => Ok(Target::at_least(t.metric.parse()?, t.value)),
        }
    }
}

impl From<&str> for TargetSpec {
    fn from(s: &str) -> Self {
        TargetSpec::Expression(s.to_owned())
    }
}

/// Options of `compress`: an `algorithm` (or a `format`'s default; without either the
/// input's family) at a fixed `quality`, or the smallest encode meeting `target`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompressRequest {
    /// An algorithm name from the registry (e.g. `avif-rav1e`); or give `format`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// `jpeg`, `png`, `webp` or `avif`: that format's default algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The algorithm's quality parameter (not with `target` on the HTTP API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<i64>,
    /// The smallest encode meeting this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetSpec>,
    /// Resize first (`width`, `height`, `fit`, `gravity`, `filter`, `without_enlargement`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize: Option<ResizeOptions>,
    /// The algorithm's own parameters (names in the registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub params: Option<Map<String, Value>>,
    /// Metrics to measure on the result: `mse`, `psnr`, `ssim`, `ms_ssim`, `ssimulacra2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<String>>,
    /// Keep EXIF and XMP (default: only the ICC profile, so no location leaks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_metadata: Option<bool>,
    /// Most encodes a quality search may make (default: the core's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_encodes: Option<u64>,
    /// Convert the pixels from their ICC profile to sRGB first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_srgb: Option<bool>,
    /// Editing steps applied in order before the resize (`rotate`, `flip`, `flop`, `extract`,
    /// `blur`, `sharpen`, `grayscale`, `modulate`, `composite`, `trim`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<image::Operation>>,
}

impl CompressRequest {
    /// The core's options, checked without running anything (servers validate a request
    /// before queueing it). `input` is the format of the image it will apply to, which
    /// picks the algorithm when none is named.
    pub fn options(&self, input: Option<Format>) -> Result<CompressOptions> {
        let algorithm = match (&self.algorithm, &self.format) {
            (Some(_), Some(_)) => return Err(invalid("give algorithm or format, not both")),
            (Some(a), None) | (None, Some(a)) => a.clone(),
            (None, None) => Format::default_for(input).to_owned(),
        };
        let params = match &self.params {
            Some(p) => serde_json::from_value(Value::Object(p.clone()))
                .map_err(|e| invalid(format!("params: {e}")).with_context("field", "params"))?,
            None => Default::default(),
        };
        let opts = CompressOptions {
            algorithm,
            params,
            quality: self.quality,
            target: self.target.as_ref().map(TargetSpec::resolve).transpose()?,
            resize: self.resize.unwrap_or_default(),
            metadata: if self.keep_metadata == Some(true) { MetadataPolicy::KeepAll } else { MetadataPolicy::KeepIcc },
            decode: DecodeOptions { to_srgb: self.to_srgb.unwrap_or(false), ..DecodeOptions::default() },
            metrics: metric_names(self.metrics.as_deref())?.unwrap_or_default(),
            max_encodes: match self.max_encodes {
                None => image::DEFAULT_MAX_ENCODES,
                Some(n) => usize::try_from(n).map_err(|_| invalid("max_encodes is too large"))?,
            },
            operations: self.operations.clone().unwrap_or_default(),
        };
        image::algorithm(&opts.algorithm)?.resolve(&opts.params)?;
        image::check_operations(&opts.operations).map_err(|e| e.with_context("field", "operations"))?;
        Ok(opts)
    }
}

/// Options of `optimize` (its algorithm and target are arguments).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizeRequest {
    pub resize: Option<ResizeOptions>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub params: Option<Map<String, Value>>,
    pub metrics: Option<Vec<String>>,
    pub keep_metadata: Option<bool>,
    pub max_encodes: Option<u64>,
    pub to_srgb: Option<bool>,
}

impl OptimizeRequest {
    /// The same search as a [`CompressRequest`].
    pub fn compress(self, algorithm: &str, target: TargetSpec) -> CompressRequest {
        CompressRequest {
            algorithm: Some(algorithm.to_owned()),
            target: Some(target),
            resize: self.resize,
            params: self.params,
            metrics: self.metrics,
            keep_metadata: self.keep_metadata,
            max_encodes: self.max_encodes,
            to_srgb: self.to_srgb,
            ..CompressRequest::default()
        }
    }
}

/// "Compare all algorithms": each one's smallest encode meeting `target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompareAllRequest {
    pub target: TargetSpec,
    /// Only these algorithms (default: every one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithms: Option<Vec<String>>,
}

impl CompareAllRequest {
    /// Checks the target and the algorithm names without running anything.
    pub fn check(&self) -> Result<(Target, Option<Vec<String>>)> {
        let target = self.target.resolve().map_err(|e| e.with_context("field", "target"))?;
        if let Some(names) = &self.algorithms {
            if names.is_empty() {
                return Err(invalid("algorithms must not be empty").with_context("field", "algorithms"));
            }
            for n in names {
                image::algorithm(n).map_err(|e| e.with_context("field", "algorithms"))?;
            }
        }
        Ok((target, self.algorithms.clone()))
    }
}

/// Metric names, or `None` for "not given"; an unknown name is `invalid_argument`.
pub(crate) fn metric_names(names: Option<&[String]>) -> Result<Option<Vec<Metric>>> {
    names.map(|list| list.iter().map(|m| m.parse()).collect::<Result<Vec<Metric>>>()).transpose()
}

/// What to put in an access token beyond subject, issuer and audience.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenOptions {
    /// Lifetime in seconds (default: the core's access-token lifetime).
    pub ttl_secs: Option<u64>,
    pub roles: Option<Vec<String>>,
    /// Space-separated OAuth scopes.
    pub scope: Option<String>,
    /// Extra claims.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub claims: Option<Map<String, Value>>,
}
