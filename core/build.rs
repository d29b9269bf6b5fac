//! Builds the libaom shim of the `avif-aom` feature (src/image/encode/avif/aom.c) against the
//! system's libaom, found through pkg-config and linked dynamically. Nothing to do otherwise.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "avif-aom")]
    aom();
}

#[cfg(feature = "avif-aom")]
fn aom() {
    const SHIM: &str = "src/image/encode/avif/aom.c";
    println!("cargo:rerun-if-changed={SHIM}");
    // 3.2 brought the all-intra usage the shim asks for.
    let lib = pkg_config::Config::new().atleast_version("3.2").probe("aom").unwrap_or_else(|e| {
        panic!("the avif-aom feature needs libaom 3.2 or newer with its headers (Debian: libaom-dev): {e}")
    });
    cc::Build::new().file(SHIM).includes(&lib.include_paths).warnings(true).compile("fotobase_aom");
}
