//! The image queue's job kinds and their payloads: what the services enqueue and
//! the workers run, in one place so the two cannot drift apart.

use fotobase::{Error, ErrorKind};
use fotobase_bindings::{CompressRequest, TargetSpec};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The queue image work runs on.
pub const IMAGES_QUEUE: &str = "images";

/// The thumbnail every upload gets ([`Thumbnail`]).
pub const THUMBNAIL: &str = "thumbnail";
/// One compression of an image into a new version ([`Process`]).
pub const PROCESS: &str = "process";
/// Every algorithm's smallest encode meeting a target ([`CompareAll`]).
pub const COMPARE_ALL: &str = "compare_all";

/// Thumbnails fit inside this box (never enlarged), as WebP.
pub const THUMBNAIL_SIZE: u32 = 320;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thumbnail {
    pub image_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub image_id: i64,
    /// The options of `compress`, checked when the job was queued.
    pub options: CompressRequest,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareAll {
    pub image_id: i64,
    /// A quality target, checked when the job was queued.
    pub target: TargetSpec,
    /// Only these algorithms (`None`: every one).
    pub algorithms: Option<Vec<String>>,
}

/// A payload as the queue stores it.
pub fn payload<T: Serialize>(job: &T) -> Value {
    serde_json::to_value(job).expect("job payloads are plain data")
}

/// A stored payload read back as its kind's type.
pub fn read<T: DeserializeOwned>(kind: &str, payload: &Value) -> fotobase::Result<T> {
    T::deserialize(payload).map_err(|e| {
        Error::new(ErrorKind::InvalidArgument, "the job's payload does not fit its kind")
            .with_context("kind", kind)
            .with_source(e)
    })
}

/// The image a stored payload names, whatever its kind.
pub fn image_id(payload: &Value) -> Option<i64> {
    payload.get("image_id").and_then(Value::as_i64)
}
