//! `uniffi-bindgen`, built from the same uniffi version as the library it reads.
fn main() {
    uniffi::uniffi_bindgen_main();
}
