//! Image operations. Each heavy one comes twice: `name` returns a Promise and
//! runs on the libuv pool (inputs are copied first), `nameSync` runs on the
//! calling thread and borrows the input.

use fotobase_bindings as fb;
use napi::Env;
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::convert::{Bytes, Encoded, Json, OwnedPixels, PixelsArg, request, typed, whole};
use crate::errors;
use crate::task::{self, Job};

/// Decode, optionally resize, and encode: a fixed quality or the smallest output meeting `target`.
#[napi(ts_args_type = "data: Uint8Array, options?: CompressOptions", ts_return_type = "Promise<CompressResult>")]
pub fn compress(data: Bytes, options: Option<Value>) -> AsyncTask<Job<Encoded>> {
    let data = data.to_vec();
    task::spawn(move || fb::compress(&data, &request(options)?).map(Encoded))
}

/// `compress` on the calling thread.
#[napi(ts_args_type = "data: Uint8Array, options?: CompressOptions", ts_return_type = "CompressResult")]
pub fn compress_sync(env: Env, data: Bytes, options: Option<Value>) -> napi::Result<Encoded> {
    errors::sync(&env, || fb::compress(&data, &request(options)?).map(Encoded))
}

/// The smallest encode by `algorithm` that meets `target` (a quality search).
#[napi(
    ts_args_type = "data: Uint8Array, algorithm: string, target: Target, options?: OptimizeOptions",
    ts_return_type = "Promise<CompressResult>"
)]
pub fn optimize(
    data: Bytes,
    algorithm: String,
    target: Option<Value>,
    options: Option<Value>,
) -> AsyncTask<Job<Encoded>> {
    let data = data.to_vec();
    task::spawn(move || fb::optimize(&data, &algorithm, typed("target", target)?, request(options)?).map(Encoded))
}

/// `optimize` on the calling thread.
#[napi(
    ts_args_type = "data: Uint8Array, algorithm: string, target: Target, options?: OptimizeOptions",
    ts_return_type = "CompressResult"
)]
pub fn optimize_sync(
    env: Env,
    data: Bytes,
    algorithm: String,
    target: Option<Value>,
    options: Option<Value>,
) -> napi::Result<Encoded> {
    errors::sync(&env, || fb::optimize(&data, &algorithm, typed("target", target)?, request(options)?).map(Encoded))
}

/// Metrics between two encoded images (`metrics`: names, default all five).
#[napi(
    ts_args_type = "reference: Uint8Array, distorted: Uint8Array, metrics?: MetricName[]",
    ts_return_type = "Promise<Comparison>"
)]
pub fn compare(reference: Bytes, distorted: Bytes, metrics: Option<Value>) -> AsyncTask<Job<Json>> {
    let (reference, distorted) = (reference.to_vec(), distorted.to_vec());
    task::spawn(move || Json::camel(&fb::compare(&reference, &distorted, names(metrics)?.as_deref())?))
}

/// `compare` on the calling thread.
#[napi(
    ts_args_type = "reference: Uint8Array, distorted: Uint8Array, metrics?: MetricName[]",
    ts_return_type = "Comparison"
)]
pub fn compare_sync(env: Env, reference: Bytes, distorted: Bytes, metrics: Option<Value>) -> napi::Result<Json> {
    errors::sync(&env, || Json::camel(&fb::compare(&reference, &distorted, names(metrics)?.as_deref())?))
}

/// Metrics between two pixel buffers of the same shape.
#[napi(
    ts_args_type = "reference: Pixels, distorted: Pixels, metrics?: MetricName[]",
    ts_return_type = "Promise<Metrics>"
)]
pub fn compare_pixels(reference: PixelsArg, distorted: PixelsArg, metrics: Option<Value>) -> AsyncTask<Job<Json>> {
    let (reference, distorted) = (OwnedPixels::from(&reference), OwnedPixels::from(&distorted));
    task::spawn(move || {
        Json::camel(&fb::compare_pixels(reference.view(), distorted.view(), names(metrics)?.as_deref())?)
    })
}

/// `comparePixels` on the calling thread.
#[napi(ts_args_type = "reference: Pixels, distorted: Pixels, metrics?: MetricName[]", ts_return_type = "Metrics")]
pub fn compare_pixels_sync(
    env: Env,
    reference: PixelsArg,
    distorted: PixelsArg,
    metrics: Option<Value>,
) -> napi::Result<Json> {
    errors::sync(&env, || {
        Json::camel(&fb::compare_pixels(reference.view(), distorted.view(), names(metrics)?.as_deref())?)
    })
}

/// Every algorithm (or `algorithms`) at one target: a table and the winner (`best`).
#[napi(
    ts_args_type = "data: Uint8Array, target: Target, algorithms?: string[]",
    ts_return_type = "Promise<CompareAllResult>"
)]
pub fn compare_all(data: Bytes, target: Option<Value>, algorithms: Option<Value>) -> AsyncTask<Job<Json>> {
    let data = data.to_vec();
    task::spawn(move || compare_all_impl(&data, target, algorithms))
}

/// `compareAll` on the calling thread.
#[napi(ts_args_type = "data: Uint8Array, target: Target, algorithms?: string[]", ts_return_type = "CompareAllResult")]
pub fn compare_all_sync(env: Env, data: Bytes, target: Option<Value>, algorithms: Option<Value>) -> napi::Result<Json> {
    errors::sync(&env, || compare_all_impl(&data, target, algorithms))
}

fn compare_all_impl(data: &[u8], target: Option<Value>, algorithms: Option<Value>) -> fb::Result<Json> {
    let req =
        fb::CompareAllRequest { target: typed("target", target)?, algorithms: names_of("algorithms", algorithms)? };
    Json::camel(&fb::compare_all(data, &req)?)
}

/// Metric names; `null` or absent: the default.
fn names(metrics: Option<Value>) -> fb::Result<Option<Vec<String>>> {
    names_of("metrics", metrics)
}

fn names_of(what: &str, list: Option<Value>) -> fb::Result<Option<Vec<String>>> {
    fb::value(what, list.unwrap_or(Value::Null))
}

/// The registry: name, format, lossless, description, quality parameter, params.
#[napi(ts_return_type = "AlgorithmInfo[]")]
pub fn algorithms(env: Env) -> napi::Result<Json> {
    errors::sync(&env, || Json::camel(&fb::algorithms()))
}

/// A small rendition for galleries: fit inside `width` × `height` (or `width`
/// wide), never enlarged, in `options.format` (default: the input's family).
#[napi(
    ts_args_type = "data: Uint8Array, width: number, height?: number | null, options?: ThumbnailOptions",
    ts_return_type = "Promise<CompressResult>"
)]
pub fn thumbnail(data: Bytes, width: f64, height: Option<f64>, options: Option<Value>) -> AsyncTask<Job<Encoded>> {
    let data = data.to_vec();
    task::spawn(move || thumbnail_impl(&data, width, height, options))
}

/// `thumbnail` on the calling thread.
#[napi(
    ts_args_type = "data: Uint8Array, width: number, height?: number | null, options?: ThumbnailOptions",
    ts_return_type = "CompressResult"
)]
pub fn thumbnail_sync(
    env: Env,
    data: Bytes,
    width: f64,
    height: Option<f64>,
    options: Option<Value>,
) -> napi::Result<Encoded> {
    errors::sync(&env, || thumbnail_impl(&data, width, height, options))
}

/// `thumbnail`'s options: the facade takes them positionally, JS groups them in an object.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThumbnailOptions {
    fit: Option<String>,
    format: Option<String>,
}

fn thumbnail_impl(data: &[u8], width: f64, height: Option<f64>, options: Option<Value>) -> fb::Result<Encoded> {
    let o: ThumbnailOptions = request(options)?;
    let height = height.map(|h| whole("height", h)).transpose()?;
    fb::thumbnail(data, whole("width", width)?, height, o.fit.as_deref(), o.format.as_deref()).map(Encoded)
}

/// Format, stored dimensions, EXIF orientation, alpha, frames and camera facts, from the header
/// and EXIF only.
#[napi(ts_args_type = "data: Uint8Array", ts_return_type = "ProbeResult")]
pub fn probe(env: Env, data: Bytes) -> napi::Result<Json> {
    errors::sync(&env, || Json::camel(&fb::probe(&data)?))
}

/// A deterministic photo-like test image (default PNG), for examples and tests.
#[napi]
pub fn synthetic(env: Env, width: f64, height: f64, seed: Option<f64>, format: Option<String>) -> napi::Result<Buffer> {
    errors::sync(&env, || {
        let (w, h, seed) = (whole("width", width)?, whole("height", height)?, whole("seed", seed.unwrap_or(0.0))?);
        fb::synthetic(w, h, seed, format.as_deref().unwrap_or("png")).map(Buffer::from)
    })
}
