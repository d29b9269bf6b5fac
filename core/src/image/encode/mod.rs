//! The registry of named compression algorithms.
//!
//! Each algorithm has a format, a lossless flag, a typed parameter set with
//! defaults and ranges, and an encoder function. Parameters arrive as a loose
//! [`Params`] map (from a CLI flag, JSON or a binding), are validated against
//! the algorithm's [`ParamSpec`]s and completed with defaults before encoding.

// With the image feature but no codec, the encoder plumbing has no users.
#![cfg_attr(not(any(feature = "jpeg", feature = "png", feature = "webp", feature = "avif")), allow(dead_code))]

#[cfg(feature = "avif")]
mod avif;
#[cfg(feature = "jpeg")]
mod jpeg;
mod params;
#[cfg(feature = "png")]
mod png;
#[cfg(feature = "webp")]
mod webp;

use std::sync::LazyLock;
use std::time::Instant;

use ::image::{DynamicImage, Rgb, RgbImage};
use serde::Serialize;
use serde::ser::SerializeMap;

pub use params::{ParamKind, ParamSpec, ParamValue, Params};

use super::{Format, Image, MetadataPolicy};
use crate::{Error, ErrorKind, Result};

/// Public description of an algorithm.
#[derive(Debug, Clone)]
pub struct AlgorithmInfo {
    pub name: &'static str,
    pub format: Format,
    pub lossless: bool,
    pub description: &'static str,
    /// The integer parameter a quality search varies (higher = better, bigger).
    pub quality_param: Option<&'static str>,
    pub params: &'static [ParamSpec],
}

impl AlgorithmInfo {
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Validate `params` against this algorithm and fill in defaults.
    pub fn resolve(&self, params: &Params) -> Result<Params> {
        params::resolve(self, params)
    }
}

impl Serialize for AlgorithmInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct ParamMap(&'static [ParamSpec]);
        impl Serialize for ParamMap {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for p in self.0 {
                    m.serialize_entry(p.name, p)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("name", self.name)?;
        m.serialize_entry("format", &self.format)?;
        m.serialize_entry("lossless", &self.lossless)?;
        m.serialize_entry("description", self.description)?;
        m.serialize_entry("quality_param", &self.quality_param)?;
        m.serialize_entry("params", &ParamMap(self.params))?;
        m.end()
    }
}

/// The schema of [`AlgorithmInfo`]'s own serialisation: parameters keyed by name.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AlgorithmInfo {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Ref};

        let text = |d: &str| ObjectBuilder::new().schema_type(utoipa::openapi::Type::String).description(Some(d));
        let object = ObjectBuilder::new()
            .description(Some("A compression algorithm: its format, whether it is lossless, and its parameters."))
            .property("name", text("e.g. `jpeg-mozjpeg`, `webp-lossy`, `avif-rav1e`, `png-oxipng`."))
            .property("format", Ref::from_schema_name("Format"))
            .property("lossless", <bool as utoipa::PartialSchema>::schema())
            .property("description", text("What it is good for."))
            .property(
                "quality_param",
                ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                        utoipa::openapi::Type::String,
                        utoipa::openapi::Type::Null,
                    ]))
                    .description(Some(
                        "The parameter `quality` sets and a quality search varies (null for lossless ones).",
                    )),
            )
            .property(
                "params",
                ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::Object)
                    .additional_properties(Some(Ref::from_schema_name("ParamSpec")))
                    .description(Some("Parameter name → its type, range or choices, default and meaning.")),
            );
        ["name", "format", "lossless", "description", "quality_param", "params"]
            .into_iter()
            .fold(object, ObjectBuilder::required)
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AlgorithmInfo {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema;
        for (name, schema) in [("Format", Format::schema()), ("ParamSpec", ParamSpec::schema())] {
            schemas.push((name.to_owned(), schema));
        }
        <ParamSpec as utoipa::ToSchema>::schemas(schemas);
    }
}

/// What an encoder needs besides pixels and parameters.
pub(crate) struct EncodeInput<'a> {
    pub pixels: &'a DynamicImage,
    pub params: &'a Params,
    pub icc: Option<&'a [u8]>,
    pub exif: Option<&'a [u8]>,
}

type EncodeFn = fn(&EncodeInput<'_>) -> Result<Vec<u8>>;

pub(crate) struct Algorithm {
    pub info: AlgorithmInfo,
    encode: EncodeFn,
}

static REGISTRY: LazyLock<Vec<Algorithm>> = LazyLock::new(|| {
    #[allow(unused_mut)]
    let mut v: Vec<Algorithm> = Vec::new();
    #[cfg(feature = "jpeg")]
    v.extend(jpeg::algorithms());
    #[cfg(feature = "png")]
    v.extend(png::algorithms());
    #[cfg(feature = "webp")]
    v.extend(webp::algorithms());
    #[cfg(feature = "avif")]
    v.extend(avif::algorithms());
    v
});

/// Every algorithm compiled into this build, in a stable order.
pub fn algorithms() -> Vec<AlgorithmInfo> {
    REGISTRY.iter().map(|a| a.info.clone()).collect()
}

/// Look up an algorithm by name, or by format name for that format's default algorithm.
pub fn algorithm(name: &str) -> Result<AlgorithmInfo> {
    find(name).map(|a| a.info.clone())
}

pub(crate) fn find(name: &str) -> Result<&'static Algorithm> {
    let lower = name.to_ascii_lowercase();
    // A format fotobase writes stands for its default algorithm (input-only formats are not names).
    let by_format = lower.parse::<Format>().ok().filter(|f| f.can_encode()).map(Format::default_algorithm);
    let wanted = by_format.unwrap_or(&lower);
    REGISTRY.iter().find(|a| a.info.name == wanted).ok_or_else(|| {
        let known: Vec<&str> = REGISTRY.iter().map(|a| a.info.name).collect();
        Error::new(ErrorKind::InvalidArgument, format!("unknown algorithm {name:?}"))
            .with_context("known", known.join(","))
    })
}

/// Options for [`encode`].
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct EncodeOptions {
    pub params: Params,
    pub metadata: MetadataPolicy,
}

/// An encoded image and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct Encoded {
    #[serde(skip)]
    pub data: Vec<u8>,
    pub algorithm: &'static str,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    /// The complete parameter set used, defaults included.
    pub params: Params,
    pub encode_ms: f64,
}

impl Encoded {
    /// The value of the algorithm's quality parameter, if it has one.
    pub fn quality(&self) -> Option<i64> {
        find(self.algorithm).ok()?.info.quality_param.and_then(|q| self.params.get_int(q))
    }
}

/// Encode `img` with the named algorithm.
pub fn encode(img: &Image, algorithm: &str, opts: &EncodeOptions) -> Result<Encoded> {
    let alg = find(algorithm)?;
    let params = alg.info.resolve(&opts.params)?;
    encode_resolved(alg, img, &params, opts.metadata)
}

pub(crate) fn encode_resolved(alg: &Algorithm, img: &Image, params: &Params, meta: MetadataPolicy) -> Result<Encoded> {
    if img.pixels.width() == 0 || img.pixels.height() == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "cannot encode an image with zero width or height"));
    }
    let mut exif = None;
    if meta == MetadataPolicy::KeepAll
        && let Some(mut e) = img.exif.clone()
    {
        // Pixels were made upright on decode; a stale tag would rotate them twice.
        super::exif::reset_orientation(&mut e);
        exif = Some(e);
    }
    let input = EncodeInput {
        pixels: &img.pixels,
        params,
        icc: if meta == MetadataPolicy::StripAll { None } else { img.icc.as_deref() },
        exif: exif.as_deref(),
    };
    let start = Instant::now();
    let data = (alg.encode)(&input)?;
    let encode_ms = start.elapsed().as_secs_f64() * 1e3;
    Ok(Encoded {
        bytes: data.len(),
        data,
        algorithm: alg.info.name,
        format: alg.info.format,
        width: img.pixels.width(),
        height: img.pixels.height(),
        params: params.clone(),
        encode_ms,
    })
}

/// Composite onto a white background, for formats without alpha.
#[cfg_attr(not(feature = "jpeg"), allow(dead_code))]
pub(crate) fn flatten_to_rgb8(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p.0[3]);
        let blend = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        *o = Rgb([blend(p.0[0]), blend(p.0[1]), blend(p.0[2])]);
    }
    out
}

pub(crate) fn encode_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::EncodeFailed, format!("{what} encoder failed: {e}"))
}

/// Reject images larger than a format can represent.
pub(crate) fn check_max_side(img: &DynamicImage, max: u32, format: Format) -> Result<()> {
    if img.width() > max || img.height() > max {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("{format} cannot store images larger than {max} pixels per side"),
        )
        .with_context("width", img.width())
        .with_context("height", img.height()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_the_required_algorithms() {
        let names: Vec<_> = algorithms().iter().map(|a| a.name).collect();
        for n in ["jpeg-mozjpeg", "jpeg-baseline", "png-oxipng", "webp-lossy", "webp-lossless", "avif-rav1e"] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        assert_eq!(algorithm("jpg").unwrap().name, "jpeg-mozjpeg");
        assert_eq!(algorithm("nope").unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn every_default_is_valid_for_its_spec() {
        for a in algorithms() {
            let resolved = a.resolve(&Params::default()).unwrap();
            for p in a.params {
                assert_eq!(resolved.get(p.name), Some(&p.default), "{}.{}", a.name, p.name);
            }
            if let Some(q) = a.quality_param {
                assert!(
                    matches!(a.param(q).unwrap().kind, ParamKind::Int { .. }),
                    "{}: quality param must be an int",
                    a.name
                );
            }
            assert_eq!(a.lossless, a.quality_param.is_none(), "{}: lossy algorithms need a quality knob", a.name);
        }
    }

    #[test]
    fn flatten_blends_over_white() {
        let img = DynamicImage::ImageRgba8(::image::RgbaImage::from_raw(2, 1, vec![0, 0, 0, 0, 0, 0, 0, 255]).unwrap());
        assert_eq!(flatten_to_rgb8(&img).into_raw(), vec![255, 255, 255, 0, 0, 0]);
    }
}
