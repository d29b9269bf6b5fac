//! The Node.js binding of fotobase (napi-rs): the `fotobase-bindings` surface
//! with camelCase names, `Buffer` in and out, Promises for heavy work on the
//! libuv pool and a `…Sync` twin for each. Errors carry the core's codes.
//!
//! The TypeScript declarations are generated from these items at build time;
//! the option and result interfaces they name live in `dts-header.d.ts`.

// napi-derive registers exports only outside cfg(test), so the lib checked in
// test mode (`cargo clippy --all-targets`) would see every export as unused.
#![cfg_attr(test, allow(dead_code))]

mod auth;
mod convert;
mod errors;
mod image;
mod signin;
mod task;
