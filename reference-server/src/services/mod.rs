//! The services of the photo system. Each exposes `router(state)`; `app` mounts
//! them all in one process or one per process behind the gateway. What two
//! services share lives in `kit` (or, for job kinds, beside the worker): a
//! service may use another's views, but no two import each other.

pub mod algorithms;
pub mod auth;
pub mod compare;
pub mod email_change;
pub mod factors;
pub mod folders;
pub mod images;
pub mod jobs;
pub mod oidc;
pub mod ops;
pub mod passkeys;
pub mod recovery;
pub mod shares;
pub mod stats;
pub mod transform;
pub mod upload;
pub mod users;
pub mod versions;
