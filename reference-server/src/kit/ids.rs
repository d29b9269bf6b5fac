//! Public ids: responses carry `img_…`, `usr_…` (never row numbers), and ids in
//! paths or bodies are decoded back (`AppState::row_id`, `AppState::body_id`).
//! An id that does not decode is simply unknown.

use super::error::ApiError;

pub const USER: &str = "usr";
pub const IMAGE: &str = "img";
pub const VERSION: &str = "ver";
pub const FOLDER: &str = "fld";
pub const JOB: &str = "job";
pub const SHARE: &str = "shr";
pub const PASSKEY: &str = "pk";

impl ApiError {
    /// Name the request field at fault (`"field": …` in the problem document).
    pub fn with_field(mut self, field: &str) -> Self {
        self.extra.insert("field".into(), field.into());
        self
    }
}
