//! Printing results and errors.

use fotobase::Error;
use serde::Serialize;

pub fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| Error::new(fotobase::ErrorKind::Unexpected, "could not serialise output").with_source(e))?;
    println!("{s}");
    Ok(())
}

pub fn print_error(e: &Error, json: bool) {
    if json {
        let doc = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
        eprintln!("{doc}");
    } else {
        eprintln!("error: {e}");
    }
}

/// `1234567` → `1.2 MB`.
pub fn human_bytes(n: usize) -> String {
    let n = n as f64;
    if n >= 1e6 {
        format!("{:.2} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

pub fn fmt_metric(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.is_infinite() => "inf".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.4}"),
    }
}
