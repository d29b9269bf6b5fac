//! Typed option records → the facade's snake_case JSON options.
//!
//! Every record also takes `extra`: a JSON object of further snake_case
//! options, for names newer than this binding. It is merged as is, so the
//! facade validates it like any other option (unknown names are `invalid_argument`).

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::errors::{FotobaseError, invalid};

/// How to resize before encoding. A missing side follows the aspect ratio.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct Resize {
    #[uniffi(default)]
    pub width: Option<u32>,
    #[uniffi(default)]
    pub height: Option<u32>,
    /// `contain` (default), `cover`, `fill` or `outside`.
    #[uniffi(default)]
    pub fit: Option<String>,
    /// Which part a `cover` crop keeps: `centre` (default), `north`, …, `entropy`.
    #[uniffi(default)]
    pub gravity: Option<String>,
    /// `lanczos3` (default), `mitchell`, `catmull-rom`, `bilinear`, `nearest`.
    #[uniffi(default)]
    pub filter: Option<String>,
    /// Leave images smaller than the box as they are.
    #[uniffi(default = false)]
    pub without_enlargement: bool,
}

/// Options of `compress`. Give `algorithm` or `format` (not both); without either the
/// input's format family is kept. `quality` fixes the setting; `target` searches for
/// the smallest output meeting it.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct CompressOptions {
    /// An algorithm name from `algorithms()`, such as `webp-lossy`.
    #[uniffi(default)]
    pub algorithm: Option<String>,
    /// `jpeg`, `png`, `webp` or `avif`: that format's default algorithm.
    #[uniffi(default)]
    pub format: Option<String>,
    #[uniffi(default)]
    pub quality: Option<u32>,
    /// `ssimulacra2>=80`, `ssim>=0.98`, `psnr>=40`, `mse<=5`, `max_bytes=200k`.
    #[uniffi(default)]
    pub target: Option<String>,
    #[uniffi(default)]
    pub resize: Option<Resize>,
    /// Metrics to measure on the result: `mse`, `psnr`, `ssim`, `ms_ssim`, `ssimulacra2`.
    #[uniffi(default)]
    pub metrics: Vec<String>,
    /// Keep EXIF/XMP (default: only the ICC profile, so no location leaks into uploads).
    #[uniffi(default = false)]
    pub keep_metadata: bool,
    /// Upper bound on encodes during a target search (default 10).
    #[uniffi(default)]
    pub max_encodes: Option<u32>,
    /// Encoder parameters as a JSON object, e.g. `{"chroma_subsampling": "4:4:4"}` (names in `algorithms()`).
    #[uniffi(default)]
    pub params: Option<String>,
    /// Convert the pixels from their embedded ICC profile to sRGB before encoding.
    #[uniffi(default = false)]
    pub to_srgb: bool,
    /// Editing steps applied in order before the resize.
    #[uniffi(default)]
    pub operations: Vec<Operation>,
    /// Further options as a JSON object with snake_case names.
    #[uniffi(default)]
    pub extra: Option<String>,
}

/// One editing step, as in every binding (`{"op": "rotate", "angle": 30}` in JSON).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Operation {
    /// Clockwise by `angle` degrees; other than quarter turns, `background` (`#rrggbb[aa]`,
    /// default opaque black) fills the grown canvas's corners.
    Rotate { angle: f64, background: Option<String> },
    /// Mirror top to bottom.
    Flip,
    /// Mirror left to right.
    Flop,
    /// Keep the rectangle at (`left`, `top`), inside the image.
    Extract { left: u32, top: u32, width: u32, height: u32 },
    /// Gaussian blur, `sigma` 0.3 to 100.
    Blur { sigma: f32 },
    /// Unsharp mask (`amount` default 1, `threshold` default 0).
    Sharpen { sigma: f32, amount: Option<f32>, threshold: Option<u8> },
    /// To gray (ITU-R 601 luma).
    Grayscale,
    /// Scale brightness then saturation (1 unchanged).
    Modulate { brightness: Option<f32>, saturation: Option<f32> },
    /// Lay `overlay` (encoded image bytes) at (`left`, `top`) with `opacity` (default 1).
    Composite { overlay: Vec<u8>, left: i64, top: i64, opacity: Option<f32> },
    /// Cut away borders the colour of the top-left pixel (`threshold` default 10).
    Trim { threshold: Option<u8> },
}

impl From<Operation> for fotobase::image::Operation {
    fn from(op: Operation) -> Self {
        use fotobase::image::Operation as Core;
        match op {
            Operation::Rotate { angle, background } => Core::Rotate { angle, background },
            Operation::Flip => Core::Flip {},
            Operation::Flop => Core::Flop {},
            Operation::Extract { left, top, width, height } => Core::Extract { left, top, width, height },
            Operation::Blur { sigma } => Core::Blur { sigma },
            Operation::Sharpen { sigma, amount, threshold } => Core::Sharpen { sigma, amount, threshold },
            Operation::Grayscale => Core::Grayscale {},
            Operation::Modulate { brightness, saturation } => Core::Modulate { brightness, saturation },
            Operation::Composite { overlay, left, top, opacity } => Core::Composite { overlay, left, top, opacity },
            Operation::Trim { threshold } => Core::Trim { threshold },
        }
    }
}

/// Options of `optimize` (the algorithm and target are arguments).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct OptimizeOptions {
    #[uniffi(default)]
    pub resize: Option<Resize>,
    #[uniffi(default)]
    pub metrics: Vec<String>,
    #[uniffi(default = false)]
    pub keep_metadata: bool,
    #[uniffi(default)]
    pub max_encodes: Option<u32>,
    /// Encoder parameters as a JSON object.
    #[uniffi(default)]
    pub params: Option<String>,
    /// Convert the pixels from their embedded ICC profile to sRGB before encoding.
    #[uniffi(default = false)]
    pub to_srgb: bool,
    /// Further options as a JSON object with snake_case names.
    #[uniffi(default)]
    pub extra: Option<String>,
}

/// What to put in an access token beyond subject, issuer and audience.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct TokenOptions {
    /// Lifetime in seconds (default: the core's access-token lifetime).
    #[uniffi(default)]
    pub ttl_secs: Option<u64>,
    #[uniffi(default)]
    pub roles: Option<Vec<String>>,
    /// Space-separated OAuth scopes.
    #[uniffi(default)]
    pub scope: Option<String>,
    /// Extra claims as a JSON object.
    #[uniffi(default)]
    pub claims: Option<String>,
    /// Further options as a JSON object with snake_case names.
    #[uniffi(default)]
    pub extra: Option<String>,
}

/// Collects the options that were given, then merges `extra`.
#[derive(Default)]
struct Builder(Map<String, Value>);

impl Builder {
    fn set(mut self, key: &str, value: Option<impl Serialize>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), json!(v));
        }
        self
    }

    fn json(self, key: &str, text: Option<&str>) -> Result<Self, FotobaseError> {
        let value = text.map(|t| parse_object(key, t)).transpose()?;
        Ok(self.set(key, value.map(Value::Object)))
    }

    fn extra(mut self, text: Option<&str>) -> Result<Value, FotobaseError> {
        if let Some(t) = text {
            for (k, v) in parse_object("extra", t)? {
                if self.0.contains_key(&k) {
                    return Err(invalid(format!("option {k:?} is given both as a field and in extra")));
                }
                self.0.insert(k, v);
            }
        }
        Ok(Value::Object(self.0))
    }
}

/// A JSON object from an escape-hatch string.
pub(crate) fn parse_object(what: &str, text: &str) -> Result<Map<String, Value>, FotobaseError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid(format!("{what} must be a JSON object"))),
        Err(e) => Err(invalid(format!("{what} is not valid JSON: {e}"))),
    }
}

/// An empty metric list asks for nothing, so it is left out.
fn metrics(list: &[String]) -> Option<&[String]> {
    (!list.is_empty()).then_some(list)
}

impl Resize {
    fn to_json(&self) -> Value {
        let r = Builder::default()
            .set("width", self.width)
            .set("height", self.height)
            .set("fit", self.fit.as_ref())
            .set("gravity", self.gravity.as_ref())
            .set("filter", self.filter.as_ref())
            .set("without_enlargement", self.without_enlargement.then_some(true));
        Value::Object(r.0)
    }
}

impl CompressOptions {
    pub(crate) fn to_json(&self) -> Result<Value, FotobaseError> {
        Builder::default()
            .set("algorithm", self.algorithm.as_ref())
            .set("format", self.format.as_ref())
            .set("quality", self.quality)
            .set("target", self.target.as_ref())
            .set("resize", self.resize.as_ref().map(Resize::to_json))
            .set("metrics", metrics(&self.metrics))
            .set("keep_metadata", self.keep_metadata.then_some(true))
            .set("max_encodes", self.max_encodes)
            .set("to_srgb", self.to_srgb.then_some(true))
            .set("operations", operations(&self.operations))
            .json("params", self.params.as_deref())?
            .extra(self.extra.as_deref())
    }
}

/// The steps as the core reads them; none: absent.
fn operations(ops: &[Operation]) -> Option<Value> {
    let core: Vec<fotobase::image::Operation> = ops.iter().cloned().map(Into::into).collect();
    (!core.is_empty()).then(|| serde_json::to_value(core).expect("operations serialize"))
}

impl OptimizeOptions {
    pub(crate) fn to_json(&self) -> Result<Value, FotobaseError> {
        Builder::default()
            .set("resize", self.resize.as_ref().map(Resize::to_json))
            .set("metrics", metrics(&self.metrics))
            .set("keep_metadata", self.keep_metadata.then_some(true))
            .set("max_encodes", self.max_encodes)
            .set("to_srgb", self.to_srgb.then_some(true))
            .json("params", self.params.as_deref())?
            .extra(self.extra.as_deref())
    }
}

impl TokenOptions {
    pub(crate) fn to_json(&self) -> Result<Value, FotobaseError> {
        Builder::default()
            .set("ttl_secs", self.ttl_secs)
            .set("roles", self.roles.as_ref())
            .set("scope", self.scope.as_ref())
            .json("claims", self.claims.as_deref())?
            .extra(self.extra.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_given_options_are_sent() {
        let o = CompressOptions {
            format: Some("webp".into()),
            resize: Some(Resize { width: Some(32), ..Default::default() }),
            params: Some(r#"{"method": 4}"#.into()),
            extra: Some(r#"{"qualty": 80}"#.into()),
            ..Default::default()
        };
        assert_eq!(
            o.to_json().unwrap(),
            json!({"format": "webp", "resize": {"width": 32}, "params": {"method": 4}, "qualty": 80})
        );
    }

    #[test]
    fn extra_cannot_repeat_a_field() {
        let o = CompressOptions { quality: Some(80), extra: Some(r#"{"quality": 70}"#.into()), ..Default::default() };
        assert_eq!(o.to_json().unwrap_err().code(), "invalid_argument");
        let o = CompressOptions { extra: Some("[1]".into()), ..Default::default() };
        assert_eq!(o.to_json().unwrap_err().code(), "invalid_argument");
    }
}
