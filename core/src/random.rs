//! Randomness and hex shared by the auth and storage modules.

/// `len` bytes from the operating system's CSPRNG.
pub fn random_bytes(len: usize) -> Vec<u8> {
    use rand::RngCore as _;
    let mut out = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes as lower-case hex (temporary names, upload ids).
#[cfg_attr(not(feature = "storage"), allow(dead_code))]
pub(crate) fn random_hex(n: usize) -> String {
    hex(&random_bytes(n))
}
