//! The services of the photo system. Each exposes `router(state)`; `app` mounts
//! them all in one process or one per process behind the gateway.

pub mod auth;
pub mod folders;
pub mod images;
pub mod jobs;
pub mod ops;
pub mod shares;
pub mod stats;
pub mod transform;
pub mod upload;
pub mod users;
