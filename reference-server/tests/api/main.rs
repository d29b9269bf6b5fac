//! The server's routers driven in-process (no sockets): every endpoint, bad
//! input, and the permission matrix, on SQLite and an in-memory blob store.

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
