//! Randomness and hex, shared with fotobase-store (blob names, upload ids).

/// `len` bytes from the operating system's CSPRNG.
pub fn random_bytes(len: usize) -> Vec<u8> {
    use rand::RngCore as _;
    let mut out = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes as lower-case hex (temporary names, upload ids).
pub fn random_hex(n: usize) -> String {
    hex(&random_bytes(n))
}
