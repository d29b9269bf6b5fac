//! The facade's JSON results → typed records. Field names follow the facade's
//! snake_case keys, which uniffi camelCases for Kotlin and Swift.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::errors::{FotobaseError, unexpected};

/// Read a facade result into its record (through its serde form, the one every binding
/// sees); a mismatch is a binding bug (`unexpected`).
pub(crate) fn read<T: DeserializeOwned>(what: &str, v: &impl Serialize) -> Result<T, FotobaseError> {
    serde_json::to_value(v).and_then(serde_json::from_value).map_err(|e| unexpected(what, e))
}

/// Encoded image bytes and what is known about them.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct Compressed {
    #[serde(skip)]
    pub data: Vec<u8>,
    pub algorithm: String,
    pub format: String,
    /// The quality setting used (none for lossless algorithms).
    pub quality: Option<u32>,
    pub width: u32,
    pub height: u32,
    /// Size of `data`.
    pub bytes: u64,
    pub input_bytes: u64,
    /// `input_bytes / bytes` (2.0 = half the size).
    pub ratio: f64,
    /// The complete encoder parameters used, as a JSON object.
    #[serde(deserialize_with = "json_text")]
    pub params: String,
    /// The metrics asked for, and the target's metric after a search.
    pub metrics: Metrics,
    /// The encodes a target search tried (empty at a fixed quality).
    pub steps: Vec<SearchStep>,
}

impl Compressed {
    pub(crate) fn from_output(out: fotobase_bindings::Output) -> Result<Self, FotobaseError> {
        let mut c: Compressed = read("compress result", &out.info)?;
        c.data = out.data;
        Ok(c)
    }
}

/// Metric values; `None` when not measured. PSNR of identical images is +infinity.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct Metrics {
    pub mse: Option<f64>,
    pub psnr: Option<f64>,
    pub ssim: Option<f64>,
    pub ms_ssim: Option<f64>,
    pub ssimulacra2: Option<f64>,
}

impl<'de> Deserialize<'de> for Metrics {
    /// Missing keys were not measured; a `null` is a measured non-finite value
    /// (JSON has no infinity: PSNR of identical images).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = Map::<String, Value>::deserialize(d)?;
        let get = |k: &str| match m.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(f64::INFINITY)),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| D::Error::custom(format!("metric {k} is not a number"))),
        };
        Ok(Metrics {
            mse: get("mse")?,
            psnr: get("psnr")?,
            ssim: get("ssim")?,
            ms_ssim: get("ms_ssim")?,
            ssimulacra2: get("ssimulacra2")?,
        })
    }
}

/// One encode of a quality search.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct SearchStep {
    pub quality: Option<u32>,
    pub bytes: u64,
    /// The target metric's value (none for a byte budget).
    pub score: Option<f64>,
    pub met: bool,
}

/// Result of comparing two encoded images.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct Comparison {
    pub metrics: Metrics,
    pub reference: ImageSide,
    pub distorted: ImageSide,
    /// Reference bytes / distorted bytes.
    pub ratio: f64,
}

/// One side of a comparison.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct ImageSide {
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// Every algorithm at one target: the table and the winner.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct CompareAll {
    /// The target as the core reads it, e.g. `ssim=0.9` or `max_bytes=50000`.
    #[serde(deserialize_with = "target_text")]
    pub target: String,
    pub input_bytes: u64,
    pub results: Vec<CompareAllRow>,
    /// The algorithm with the smallest output meeting the target, if any did.
    pub best: Option<String>,
}

/// One algorithm's line of `compareAll`.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct CompareAllRow {
    pub algorithm: String,
    pub format: String,
    pub lossless: bool,
    pub quality: Option<u32>,
    pub bytes: Option<u64>,
    pub ratio: Option<f64>,
    pub metrics: Metrics,
    pub encodes: u32,
    pub met: bool,
    pub winner: bool,
    /// Why this row has no result (the others still ran).
    pub error: Option<RowError>,
}

/// A failed row's error, as data.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct RowError {
    pub code: String,
    pub message: String,
}

/// An entry of the algorithm registry.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct AlgorithmInfo {
    pub name: String,
    pub format: String,
    pub lossless: bool,
    pub description: String,
    /// The integer parameter `quality` sets and a target search varies.
    pub quality_param: Option<String>,
    /// The parameter declarations, as JSON.
    #[serde(deserialize_with = "json_text")]
    pub params: String,
}

/// What an image header says.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct ImageInfo {
    pub format: String,
    /// Stored size, before EXIF rotation.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation, 1 (upright) to 8.
    pub orientation: u32,
    /// Size as displayed, after EXIF rotation.
    pub upright_width: u32,
    pub upright_height: u32,
    pub has_alpha: bool,
    /// Frames of an animation (GIF, WebP, APNG, AVIF sequence); 1 for a still. The first is decoded.
    pub frames: u32,
    /// Camera facts from the EXIF.
    pub metadata: PhotoMetadata,
}

/// What the EXIF says about the shot; each field is absent when the file does not say.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct PhotoMetadata {
    /// ISO 8601, with the UTC offset when the camera recorded one.
    pub taken_at: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens: Option<String>,
    pub iso: Option<u32>,
    pub f_number: Option<f64>,
    /// Seconds.
    pub exposure_time: Option<f64>,
    /// Millimetres.
    pub focal_length: Option<f64>,
    pub gps: Option<GpsPosition>,
}

/// WGS 84 degrees (south and west negative), metres above sea level.
#[derive(Debug, Clone, Deserialize, uniffi::Record)]
pub struct GpsPosition {
    pub latitude: f64,
    pub longitude: f64,
    pub altitude: Option<f64>,
}

/// The claims of a verified access token.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    /// Audiences (a JWT may carry one or several).
    pub aud: Vec<String>,
    /// Expiry, issued-at and not-before, in seconds since the Unix epoch.
    pub exp: i64,
    pub iat: i64,
    pub nbf: Option<i64>,
    pub jti: String,
    pub roles: Vec<String>,
    /// Space-separated OAuth scopes.
    pub scope: Option<String>,
    /// The session the token belongs to, if any.
    pub sid: Option<String>,
    /// Every other claim, as a JSON object.
    pub extra: String,
}

impl<'de> Deserialize<'de> for Claims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        #[derive(Deserialize)]
        struct Wire {
            iss: String,
            sub: String,
            aud: OneOrMany,
            exp: i64,
            iat: i64,
            nbf: Option<i64>,
            jti: String,
            #[serde(default)]
            roles: Vec<String>,
            scope: Option<String>,
            sid: Option<String>,
            #[serde(flatten)]
            extra: Map<String, Value>,
        }
        let w = Wire::deserialize(d)?;
        Ok(Claims {
            iss: w.iss,
            sub: w.sub,
            aud: match w.aud {
                OneOrMany::One(a) => vec![a],
                OneOrMany::Many(a) => a,
            },
            exp: w.exp,
            iat: w.iat,
            nbf: w.nbf,
            jti: w.jti,
            roles: w.roles,
            scope: w.scope,
            sid: w.sid,
            extra: Value::Object(w.extra).to_string(),
        })
    }
}

fn json_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Value::deserialize(d)?.to_string())
}

fn target_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(fotobase::image::Target::deserialize(d)?.to_string())
}
