//! Linker setup for a Node addon (undefined napi symbols resolve in the host process).
fn main() {
    napi_build::setup();
}
