//! Public ids: responses carry `img_…`, `usr_…` (never row numbers), and ids in
//! paths or bodies are decoded back. An id that does not decode is simply unknown.

use super::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const USER: &str = "usr";
pub const IMAGE: &str = "img";
pub const VERSION: &str = "ver";
pub const FOLDER: &str = "fld";
pub const JOB: &str = "job";
pub const SHARE: &str = "shr";

impl AppState {
    /// The public form of row `id` of kind `prefix`.
    pub fn public_id(&self, prefix: &str, id: i64) -> String {
        self.ids.encode(prefix, id as u64).expect("constant prefixes are valid")
    }

    pub fn public_opt(&self, prefix: &str, id: Option<i64>) -> Option<String> {
        id.map(|id| self.public_id(prefix, id))
    }

    /// Decode an id from a path: anything that is not one of ours is `not_found`.
    pub fn row_id(&self, prefix: &str, public: &str, what: &str) -> ApiResult<i64> {
        match self.ids.decode(prefix, public) {
            Ok(id) if id <= i64::MAX as u64 => Ok(id as i64),
            _ => Err(ApiError::not_found(what)),
        }
    }

    /// Decode an id named in a request body: a bad one is the caller's mistake.
    pub fn body_id(&self, prefix: &str, public: &str, field: &str) -> ApiResult<i64> {
        match self.ids.decode(prefix, public) {
            Ok(id) if id <= i64::MAX as u64 => Ok(id as i64),
            _ => Err(ApiError::invalid(format!("{field}: {public:?} is not a valid id")).with_field(field)),
        }
    }
}

impl ApiError {
    /// Name the request field at fault (`"field": …` in the problem document).
    pub fn with_field(mut self, field: &str) -> Self {
        self.extra.insert("field".into(), field.into());
        self
    }
}
