//! The fotobase reference server: a photo system assembled from the `fotobase`
//! core. Auth, users, images (uploads, jobs, compression, comparisons, stats)
//! and folders (tags, visibility, share links) as axum routers over one shared
//! state; `app` runs them in one process with background job workers.

pub mod app;
pub mod config;
pub mod gateway;
pub mod jwks;
pub mod kit;
pub mod openapi;
pub mod secrets;
pub mod services;
pub mod state;
pub mod worker;
