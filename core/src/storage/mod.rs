//! Where images and their records live. [`blob`]: bytes by content address on
//! local disk, memory, S3 and Azure. [`db`]: records in SQLite, PostgreSQL or
//! MariaDB/MySQL, with migrations.

pub mod blob;
pub mod db;
pub mod media;
