//! # fotobase-testkit
//!
//! Executable contracts, in the style of OpenDAL's behaviour tests: each `run` takes an
//! implementation (a session or throttle store, a blob backend, a database, a queue, media over
//! a database and a blob store) and panics with a description of the first broken rule. The
//! crates' own tests run them against memory stores and real servers (PostgreSQL, MariaDB,
//! S3 and Azure emulators); anyone writing another backend can run them too. Not published:
//! it is a dev-dependency only.

pub mod blob;
pub mod db;
pub mod media;
pub mod queue;
pub mod session;
pub mod throttle;
