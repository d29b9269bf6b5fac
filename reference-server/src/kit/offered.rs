//! Which compression algorithms this deployment offers (the `algorithms` table, set by admins):
//! processing requests are checked against it before anything is queued.

use std::collections::HashSet;

use crate::kit::{ApiError, ApiResult};
use crate::state::AppState;

/// The algorithms admins have turned off.
pub async fn disabled(state: &AppState) -> ApiResult<HashSet<String>> {
    Ok(state.db.algorithms().await?.into_iter().filter(|a| !a.enabled).map(|a| a.name).collect())
}

/// `invalid_argument` (naming `field`) when `name` is turned off here.
pub fn check(off: &HashSet<String>, name: &str, field: &'static str) -> ApiResult<()> {
    if off.contains(name) {
        return Err(ApiError::invalid(format!("the algorithm {name} is not offered on this server")).with_field(field));
    }
    Ok(())
}
