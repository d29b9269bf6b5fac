//! The one place fotobase errors become Python exceptions.
//!
//! `FotobaseError` has one subclass per error code, generated at import from
//! `error_codes()`, so a code added to the core appears here without a change.
//! Raised instances carry `code`, `message` and `context` (a dict); `str(e)` is
//! the core's full description.

use fotobase_bindings::{Error, ErrorKind};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

struct Classes {
    base: Py<PyType>,
    /// `(code, class name, class)` in the core's order.
    by_code: Vec<(&'static str, String, Py<PyType>)>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// `token_not_yet_valid` → `TokenNotYetValidError`.
fn class_name(code: &str) -> String {
    let mut name: String = code
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    name.push_str("Error");
    name
}

/// `type(name, (base,), {...})`, as a `class` statement would (not `PyErr::new_type`:
/// pyo3 0.30 drops its `dict` argument before handing it to CPython).
fn new_type(
    py: Python<'_>,
    name: &str,
    doc: &str,
    base: &Bound<'_, PyType>,
    code: Option<&str>,
) -> PyResult<Py<PyType>> {
    let dict = PyDict::new(py);
    dict.set_item("__module__", "fotobase")?;
    dict.set_item("__doc__", doc)?;
    // A class attribute, so `code` also works on instances raised from Python.
    dict.set_item("code", code)?;
    let class = py.get_type::<PyType>().call1((name, PyTuple::new(py, [base])?, dict))?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

fn build(py: Python<'_>) -> PyResult<Classes> {
    let base = new_type(
        py,
        "FotobaseError",
        "Base of every fotobase error: `code` (stable snake_case), `message`, `context` (dict).",
        &py.get_type::<PyException>(),
        None,
    )?;
    let mut by_code = Vec::new();
    for code in fotobase_bindings::error_codes() {
        let name = class_name(code);
        let about = ErrorKind::from_code(code).map_or("", ErrorKind::description);
        let doc = format!("fotobase error `{code}`: {about}");
        let class = new_type(py, &name, &doc, base.bind(py), Some(code))?;
        by_code.push((code, name, class));
    }
    Ok(Classes { base, by_code })
}

/// Adds `FotobaseError` and its subclasses to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = CLASSES.get_or_try_init(py, || build(py))?;
    m.add("FotobaseError", classes.base.bind(py))?;
    for (_, name, class) in &classes.by_code {
        m.add(name.as_str(), class.bind(py))?;
    }
    Ok(())
}

/// The exception for a fotobase error, as an instance of its code's class.
pub fn to_pyerr(e: Error) -> PyErr {
    Python::attach(|py| match instance(py, &e) {
        Ok(err) => err,
        Err(failed) => failed,
    })
}

fn instance(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let classes = CLASSES.get_or_try_init(py, || build(py))?;
    let class = classes.by_code.iter().find(|(code, ..)| *code == e.code()).map_or(&classes.base, |(.., class)| class);
    let value = class.bind(py).call1((e.to_string(),))?;
    let context = PyDict::new(py);
    for (k, v) in e.context() {
        context.set_item(k, v)?;
    }
    value.setattr("code", e.code())?;
    value.setattr("message", e.message())?;
    value.setattr("context", context)?;
    Ok(PyErr::from_value(value))
}

/// An `invalid_argument` error for checks the binding makes itself (sizes, array shapes).
pub fn invalid(message: impl Into<String>) -> PyErr {
    to_pyerr(Error::new(ErrorKind::InvalidArgument, message))
}

/// `?`-friendly conversion of facade results.
pub trait OrRaise<T> {
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for fotobase_bindings::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_pyerr)
    }
}
