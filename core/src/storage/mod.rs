//! Where images and their records live. [`blob`]: bytes by content address on
//! local disk, memory, S3 and Azure. [`db`]: records in SQLite, PostgreSQL or
//! MariaDB/MySQL, with migrations.

pub mod blob;
pub mod db;

/// `n` random bytes as lower-case hex (temporary names, upload ids).
pub(crate) fn random_hex(n: usize) -> String {
    use rand::RngCore as _;
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    blob::hex_string(&b)
}
