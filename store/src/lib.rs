//! # fotobase-store
//!
//! Where images and their records live, for photo servers built on fotobase. [`blob`]: bytes by content address on
//! local disk, memory, S3 and Azure. [`db`]: records in SQLite, PostgreSQL or
//! MariaDB/MySQL, with migrations.

//! [`media`] keeps the two consistent whatever crashes in between; [`db`]'s queue runs jobs.
//! Errors are [`fotobase::Error`], with the same stable codes as the image engine's.

pub mod blob;
pub mod db;
pub mod media;
