//! Values across the boundary: JS options are camelCase and become the
//! facade's snake_case JSON; results go back camelCased; encoded images become
//! `{data: Buffer, ...info}`.

use std::ops::Deref;

use fotobase_bindings::{Output, keys_to_camel, keys_to_snake};
use napi::bindgen_prelude::{Buffer, FromNapiValue, Object, ToNapiValue, TypeName, Uint8Array};
use napi::{Env, ValueType, sys};
use napi_derive::napi;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::{self, invalid};

/// Bytes from JS: a `Buffer` or any `Uint8Array`. Anything else (a file name,
/// say) is `invalid_argument` like every other bad input, not napi's `InvalidArg`.
pub struct Bytes(Uint8Array);

impl FromNapiValue for Bytes {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        unsafe { Uint8Array::from_napi_value(env, value) }.map(Bytes).map_err(|_| {
            errors::to_js(
                &Env::from_raw(env),
                &invalid("expected a Buffer or Uint8Array (read files with fs.readFile)"),
            )
        })
    }
}

impl TypeName for Bytes {
    fn type_name() -> &'static str {
        "Uint8Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// A width, height or seed: a non-negative integer number (napi's own `u32`
/// conversion would wrap `-5` to 4294967291).
pub fn whole<T: TryFrom<u64>>(what: &str, v: f64) -> fotobase_bindings::Result<T> {
    let n = (v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0).then_some(v as u64);
    n.and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| invalid(format!("{what} must be a non-negative integer in range, not {v}")))
}

/// A JS value in the facade's spelling; absent is `null`.
pub fn from_js(v: Option<Value>) -> Value {
    v.map(keys_to_snake).unwrap_or(Value::Null)
}

/// A typed request from a JS options object; unknown names are `invalid_argument`
/// listing the allowed ones, as in every binding.
pub fn request<T: DeserializeOwned>(v: Option<Value>) -> fotobase_bindings::Result<T> {
    fotobase_bindings::parse("options", from_js(v))
}

/// A typed argument (a target, a list of names) from a JS value.
pub fn typed<T: DeserializeOwned>(what: &str, v: Option<Value>) -> fotobase_bindings::Result<T> {
    fotobase_bindings::value(what, from_js(v))
}

/// A result for JS: camelCase keys, converted on the pool thread when async.
pub struct Json(pub Value);

impl Json {
    /// A typed result, camelCased.
    pub fn camel<T: Serialize + ?Sized>(v: &T) -> fotobase_bindings::Result<Json> {
        Ok(Json(keys_to_camel(fotobase_bindings::to_json(v)?)))
    }
}

impl TypeName for Json {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        unsafe { Value::to_napi_value(env, val.0) }
    }
}

/// Encoded image bytes with their info: `{data: Buffer, algorithm, format, …, inputBytes, …}`.
pub struct Encoded(pub Output);

impl TypeName for Encoded {
    fn type_name() -> &'static str {
        "CompressResult"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Encoded {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let Output { data, info } = val.0;
        let mut obj = Object::new(&Env::from_raw(env))?;
        // The Vec becomes the Buffer's backing store: no copy of the image.
        obj.set("data", Buffer::from(data))?;
        let info = fotobase_bindings::to_json(&info).map_err(|e| errors::to_js(&Env::from_raw(env), &e))?;
        if let Value::Object(fields) = keys_to_camel(info) {
            for (k, v) in fields {
                obj.set(k, v)?;
            }
        }
        unsafe { Object::to_napi_value(env, obj) }
    }
}

/// Raw 8-bit pixels from JS (canvas `ImageData`-like): row-major, `channels` of 1 to 4.
#[napi(object, object_to_js = false, js_name = "Pixels")]
pub struct JsPixels {
    pub width: f64,
    pub height: f64,
    pub channels: f64,
    pub data: Uint8Array,
}

/// [`JsPixels`] checked: a missing field or a bad number is `invalid_argument`.
pub struct PixelsArg {
    width: u32,
    height: u32,
    channels: u8,
    data: Uint8Array,
}

impl FromNapiValue for PixelsArg {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let check = |p: napi::Result<JsPixels>| -> fotobase_bindings::Result<PixelsArg> {
            let p = p.map_err(|e| invalid(format!("pixels: {}", e.reason)))?;
            Ok(PixelsArg {
                width: whole("pixels.width", p.width)?,
                height: whole("pixels.height", p.height)?,
                channels: whole("pixels.channels", p.channels)?,
                data: p.data,
            })
        };
        check(unsafe { JsPixels::from_napi_value(env, value) }).map_err(|e| errors::to_js(&Env::from_raw(env), &e))
    }
}

impl TypeName for PixelsArg {
    fn type_name() -> &'static str {
        "Pixels"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl PixelsArg {
    pub fn view(&self) -> fotobase_bindings::Pixels<'_> {
        fotobase_bindings::Pixels { width: self.width, height: self.height, channels: self.channels, data: &self.data }
    }
}

/// [`PixelsArg`] copied for a pool thread.
pub struct OwnedPixels {
    width: u32,
    height: u32,
    channels: u8,
    data: Vec<u8>,
}

impl From<&PixelsArg> for OwnedPixels {
    fn from(p: &PixelsArg) -> Self {
        OwnedPixels { width: p.width, height: p.height, channels: p.channels, data: p.data.to_vec() }
    }
}

impl OwnedPixels {
    pub fn view(&self) -> fotobase_bindings::Pixels<'_> {
        fotobase_bindings::Pixels { width: self.width, height: self.height, channels: self.channels, data: &self.data }
    }
}
