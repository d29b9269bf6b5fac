//! The server's routers driven in-process (no sockets): every endpoint, bad
//! input, and the permission matrix, on SQLite and an in-memory blob store (and the S3 and
//! Azure emulators for downloads the store serves itself).

#[path = "../../../store/tests/dbs/mod.rs"]
mod dbs;
mod harness;

mod auth;
mod docs;
mod factors;
mod folders;
mod images;
mod oidc;
mod passkeys;
mod permissions;
mod users;
