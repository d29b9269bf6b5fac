//! Runnable examples of the fotobase Rust API live in `examples/`:
//! `cargo run -p fotobase-examples --example compress -- photo.jpg`.
