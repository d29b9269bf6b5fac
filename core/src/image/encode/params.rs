//! Typed, validated encoder parameters.

// With the image feature but no codec, the encoder plumbing has no users.
#![cfg_attr(not(any(feature = "jpeg", feature = "png", feature = "webp", feature = "avif")), allow(dead_code))]

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::AlgorithmInfo;
use crate::{Error, ErrorKind, Result};

/// One parameter value. JSON numbers map to `Int`, strings to `Str`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Str(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Str(s) => f.write_str(s),
        }
    }
}

impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}
impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}
impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Str(v.to_owned())
    }
}

/// The type and allowed values of a parameter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamKind {
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    Choice {
        #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
        choices: &'static [&'static str],
    },
}

/// Declaration of one parameter of an algorithm.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamSpec {
    #[serde(skip)]
    pub name: &'static str,
    #[serde(flatten)]
    pub kind: ParamKind,
    pub default: ParamValue,
    pub description: &'static str,
}

impl ParamSpec {
    pub(crate) const fn int(name: &'static str, min: i64, max: i64, default: i64, description: &'static str) -> Self {
        ParamSpec { name, kind: ParamKind::Int { min, max }, default: ParamValue::Int(default), description }
    }

    pub(crate) const fn bool(name: &'static str, default: bool, description: &'static str) -> Self {
        ParamSpec { name, kind: ParamKind::Bool, default: ParamValue::Bool(default), description }
    }

    pub(crate) fn choice(
        name: &'static str,
        choices: &'static [&'static str],
        default: &'static str,
        description: &'static str,
    ) -> Self {
        ParamSpec { name, kind: ParamKind::Choice { choices }, default: ParamValue::Str(default.into()), description }
    }

    /// Coerce and range-check a value for this parameter. Strings are parsed,
    /// so CLI input like `quality=80` or `progressive=false` works.
    fn check(&self, v: &ParamValue) -> Result<ParamValue> {
        let bad = |why: String| {
            Error::new(ErrorKind::InvalidArgument, format!("parameter {}: {why}", self.name)).with_context("value", v)
        };
        match (&self.kind, v) {
            (ParamKind::Int { min, max }, _) => {
                let i = match v {
                    ParamValue::Int(i) => *i,
                    ParamValue::Str(s) => s.trim().parse().map_err(|_| bad("expected an integer".into()))?,
                    ParamValue::Bool(_) => return Err(bad("expected an integer".into())),
                };
                if i < *min || i > *max {
                    return Err(bad(format!("must be between {min} and {max}")));
                }
                Ok(ParamValue::Int(i))
            }
            (ParamKind::Bool, ParamValue::Bool(b)) => Ok(ParamValue::Bool(*b)),
            (ParamKind::Bool, ParamValue::Str(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(ParamValue::Bool(true)),
                "false" | "0" | "no" | "off" => Ok(ParamValue::Bool(false)),
                _ => Err(bad("expected true or false".into())),
            },
            (ParamKind::Bool, ParamValue::Int(i @ (0 | 1))) => Ok(ParamValue::Bool(*i == 1)),
            (ParamKind::Bool, _) => Err(bad("expected true or false".into())),
            (ParamKind::Choice { choices }, ParamValue::Str(s)) if choices.contains(&s.as_str()) => Ok(v.clone()),
            (ParamKind::Choice { choices }, ParamValue::Int(i)) if choices.contains(&i.to_string().as_str()) => {
                Ok(ParamValue::Str(i.to_string()))
            }
            (ParamKind::Choice { choices }, _) => Err(bad(format!("must be one of {}", choices.join(", ")))),
        }
    }
}

/// A loose map of parameter values, keyed by name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, ParamValue>);

impl Params {
    pub fn new() -> Self {
        Params::default()
    }

    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<ParamValue>) -> Self {
        self.set(name, value);
        self
    }

    pub fn set(&mut self, name: &str, value: impl Into<ParamValue>) {
        self.0.insert(name.to_owned(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    pub fn get_int(&self, name: &str) -> Option<i64> {
        match self.0.get(name)? {
            ParamValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Parse `name=value` pairs, as given on a command line.
    pub fn parse_pairs<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<Params> {
        let mut p = Params::new();
        for pair in pairs {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                Error::new(ErrorKind::InvalidArgument, "parameters are written name=value").with_context("got", pair)
            })?;
            p.set(k.trim(), ParamValue::Str(v.trim().to_owned()));
        }
        Ok(p)
    }

    // Accessors for resolved parameter sets, where presence and type are guaranteed.
    pub(crate) fn int(&self, name: &str) -> i64 {
        self.get_int(name).unwrap_or_else(|| unreachable!("resolved params lack int {name}"))
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(ParamValue::Bool(true)))
    }

    pub(crate) fn choice(&self, name: &str) -> &str {
        match self.0.get(name) {
            Some(ParamValue::Str(s)) => s,
            _ => unreachable!("resolved params lack choice {name}"),
        }
    }
}

pub(super) fn resolve(alg: &AlgorithmInfo, given: &Params) -> Result<Params> {
    for name in given.0.keys() {
        if alg.param(name).is_none() {
            let known: Vec<&str> = alg.params.iter().map(|p| p.name).collect();
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("algorithm {} has no parameter {name:?}", alg.name),
            )
            .with_context("known", known.join(",")));
        }
    }
    let mut out = Params::new();
    for spec in alg.params {
        let v = match given.get(spec.name) {
            Some(v) => spec.check(v)?,
            None => spec.default.clone(),
        };
        out.0.insert(spec.name.to_owned(), v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Format;

    static SPECS: std::sync::LazyLock<Vec<ParamSpec>> = std::sync::LazyLock::new(|| {
        vec![
            ParamSpec::int("quality", 1, 100, 80, "q"),
            ParamSpec::bool("progressive", true, "p"),
            ParamSpec::choice("chroma_subsampling", &["4:2:0", "4:4:4"], "4:2:0", "c"),
        ]
    });

    fn alg() -> AlgorithmInfo {
        AlgorithmInfo {
            name: "test",
            format: Format::Jpeg,
            lossless: false,
            description: "",
            quality_param: Some("quality"),
            params: Box::leak(SPECS.clone().into_boxed_slice()),
        }
    }

    #[test]
    fn fills_defaults_and_coerces_strings() {
        let p = alg().resolve(&Params::parse_pairs(["quality=55", "progressive=false"]).unwrap()).unwrap();
        assert_eq!(p.int("quality"), 55);
        assert!(!p.flag("progressive"));
        assert_eq!(p.choice("chroma_subsampling"), "4:2:0");
    }

    #[test]
    fn rejects_unknown_out_of_range_and_mistyped() {
        let a = alg();
        for bad in [
            Params::new().with("qualty", 5),
            Params::new().with("quality", 0),
            Params::new().with("quality", 101),
            Params::new().with("quality", "high"),
            Params::new().with("progressive", "maybe"),
            Params::new().with("chroma_subsampling", "4:1:1"),
        ] {
            assert_eq!(a.resolve(&bad).unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad:?}");
        }
        assert_eq!(Params::parse_pairs(["novalue"]).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn params_round_trip_through_json() {
        let p = Params::new().with("quality", 80).with("progressive", true).with("chroma_subsampling", "4:4:4");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"chroma_subsampling":"4:4:4","progressive":true,"quality":80}"#);
        assert_eq!(serde_json::from_str::<Params>(&json).unwrap(), p);
    }
}
