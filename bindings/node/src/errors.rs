//! The one place where fotobase errors become JavaScript errors. Every call
//! throws (or rejects with) an `Error` whose `code` is the core's stable code
//! (`'unsupported_format'`, …), whose `message` is the human text and whose
//! `context` holds the diagnostics, so callers switch on `err.code` exactly as
//! Python and the HTTP API do.

use std::panic::{AssertUnwindSafe, catch_unwind};

use fotobase_bindings::{Error, ErrorKind, Result, keys_to_camel};
use napi::{Env, JsValue};
use serde_json::{Map, Value};

/// Runs a call on the JS thread, turning its error (or panic) into a JS error.
pub fn sync<T>(env: &Env, f: impl FnOnce() -> Result<T>) -> napi::Result<T> {
    guard(f).map_err(|e| to_js(env, &e))
}

/// Runs `f`, reporting a panic as `unexpected`: a panic must not unwind into
/// Node (on a pool thread it would abort the process).
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::new(ErrorKind::Unexpected, format!("fotobase panicked: {what}")))
    })
}

/// The JS `Error` for `e`, ready to throw or reject with.
pub fn to_js(env: &Env, e: &Error) -> napi::Error {
    build(env, e).unwrap_or_else(|_| napi::Error::from_reason(e.to_string()))
}

fn build(env: &Env, e: &Error) -> napi::Result<napi::Error> {
    let message = match std::error::Error::source(e) {
        Some(cause) => format!("{}: {cause}", e.message()),
        None => e.message().to_owned(),
    };
    let mut err = env.create_error(napi::Error::from_reason(message))?;
    err.set("code", e.code())?;
    let context: Map<String, Value> =
        e.context().iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect();
    err.set("context", keys_to_camel(Value::Object(context)))?;
    Ok(napi::Error::from(err.to_unknown()))
}

/// An `invalid_argument` error for checks the binding makes itself.
pub fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}
