//! `fotobase._fotobase`, the extension module behind the `fotobase` Python
//! package: a thin layer over `fotobase-bindings` that converts values, maps
//! errors (errors.rs) and releases the GIL around heavy work.

use pyo3::prelude::*;

mod auth;
mod convert;
mod errors;
mod image;
mod signin;

/// Every error code, in the core's order (each has a `FotobaseError` subclass).
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    fotobase_bindings::error_codes()
}

/// Compress, compare and thumbnail photos; hash passwords; issue and verify tokens; sign in with
/// OpenID Connect providers and passkeys.
#[pymodule]
fn _fotobase(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.setattr("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<image::Compressed>()?;
    m.add_function(wrap_pyfunction!(image::compress, m)?)?;
    m.add_function(wrap_pyfunction!(image::optimize, m)?)?;
    m.add_function(wrap_pyfunction!(image::compare, m)?)?;
    m.add_function(wrap_pyfunction!(image::compare_all, m)?)?;
    m.add_function(wrap_pyfunction!(image::algorithms, m)?)?;
    m.add_function(wrap_pyfunction!(image::thumbnail, m)?)?;
    m.add_function(wrap_pyfunction!(image::probe, m)?)?;
    m.add_function(wrap_pyfunction!(image::synthetic, m)?)?;
    m.add_function(wrap_pyfunction!(auth::hash_password, m)?)?;
    m.add_function(wrap_pyfunction!(auth::verify_password, m)?)?;
    m.add_function(wrap_pyfunction!(auth::needs_rehash, m)?)?;
    m.add_class::<auth::TokenIssuer>()?;
    m.add_function(wrap_pyfunction!(auth::public_id_encode, m)?)?;
    m.add_function(wrap_pyfunction!(auth::public_id_decode, m)?)?;
    m.add_function(wrap_pyfunction!(auth::totp_secret, m)?)?;
    m.add_function(wrap_pyfunction!(auth::totp_code, m)?)?;
    m.add_function(wrap_pyfunction!(auth::totp_verify, m)?)?;
    m.add_function(wrap_pyfunction!(auth::totp_uri, m)?)?;
    m.add_function(wrap_pyfunction!(signin::oidc_provider, m)?)?;
    m.add_function(wrap_pyfunction!(signin::oidc_start, m)?)?;
    m.add_function(wrap_pyfunction!(signin::oidc_token_request_body, m)?)?;
    m.add_function(wrap_pyfunction!(signin::oidc_verify_id_token, m)?)?;
    m.add_function(wrap_pyfunction!(signin::webauthn_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(signin::webauthn_registration_options, m)?)?;
    m.add_function(wrap_pyfunction!(signin::webauthn_authentication_options, m)?)?;
    m.add_function(wrap_pyfunction!(signin::webauthn_verify_registration, m)?)?;
    m.add_function(wrap_pyfunction!(signin::webauthn_verify_authentication, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    errors::register(m)
}
