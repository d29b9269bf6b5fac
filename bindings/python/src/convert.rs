//! Python values ↔ the facade's types: JSON-like values, image bytes, pixel arrays.

use fotobase_bindings::Pixels;
use numpy::{PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyMemoryView, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{OrRaise, invalid};

/// A JSON-like Python value (None, bool, int, float, str, list/tuple, dict with str keys);
/// `bytes` and `bytearray` become base64 text, as bytes travel in JSON (a watermark's image).
pub fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        use base64::Engine as _;
        let bytes = obj.extract::<PyBackedBytes>()?;
        return Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(&*bytes)));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| PyTypeError::new_err("dict keys must be str"))?;
            map.insert(key.to_cow()?.into_owned(), to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj.try_iter()?.map(|item| to_json(&item?)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| invalid(format!("{f} is not a finite number")));
    }
    // Python ints and anything with `__index__` (NumPy integer scalars).
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Ok(Value::from(u));
    }
    if obj.hasattr("__index__")? {
        return Err(invalid("integer out of range"));
    }
    Err(PyTypeError::new_err(format!("cannot pass a {} to fotobase (expected JSON-like values)", type_name(obj))))
}

/// The Python value of a facade result: dicts, lists, str, int, float, bool, None.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            PyList::new(py, items.iter().map(|i| to_py(py, i)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, v) in map {
                d.set_item(k, to_py(py, v)?)?;
            }
            d.into_any()
        }
    })
}

/// An options object from keyword arguments, leaving out the ones not given
/// (None). `extra` (`**options`) holds names the signature does not know: they
/// go to the facade, which rejects them as `invalid_argument` like every binding.
pub fn options(pairs: &[(&str, Option<&Bound<'_, PyAny>>)], extra: Option<&Bound<'_, PyDict>>) -> PyResult<Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        if let Some(v) = value.filter(|v| !v.is_none()) {
            map.insert((*name).to_owned(), to_json(v)?);
        }
    }
    if let Some(extra) = extra {
        for (k, v) in extra.iter() {
            map.insert(k.extract::<String>()?, to_json(&v)?);
        }
    }
    Ok(Value::Object(map))
}

/// A typed request from keyword arguments (see [`options`]); unknown names are
/// `InvalidArgumentError` listing the allowed ones, as in every binding.
pub fn request<T: DeserializeOwned>(
    pairs: &[(&str, Option<&Bound<'_, PyAny>>)],
    extra: Option<&Bound<'_, PyDict>>,
) -> PyResult<T> {
    fotobase_bindings::parse("options", options(pairs, extra)?).or_raise()
}

/// A typed argument (a target, a list of names) from a Python value.
pub fn typed<T: DeserializeOwned>(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<T> {
    let value = obj.map(to_json).transpose()?.unwrap_or(Value::Null);
    fotobase_bindings::value(what, value).or_raise()
}

/// The Python value of a typed result.
pub fn result<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &fotobase_bindings::to_json(v).or_raise()?)
}

/// Image bytes from `bytes` (borrowed: immutable, so safe to read with the GIL
/// released), `bytearray` (copied: another thread could resize it meanwhile) or
/// `memoryview` (copied by `tobytes()`: abi3 before 3.11 has no buffer API).
pub fn bytes_like(obj: &Bound<'_, PyAny>) -> PyResult<PyBackedBytes> {
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        return obj.extract::<PyBackedBytes>().map_err(PyErr::from);
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return obj.call_method0("tobytes")?.extract::<PyBackedBytes>().map_err(PyErr::from);
    }
    Err(PyTypeError::new_err(format!("expected bytes, bytearray or memoryview, got {}", type_name(obj))))
}

/// An image argument: encoded bytes, or raw pixels in a NumPy array.
pub enum Picture<'py> {
    Encoded(PyBackedBytes),
    Pixels(PixelArray<'py>),
}

/// An H×W or H×W×C `uint8` array. C-contiguous arrays are read in place (the
/// read-only borrow stops other Rust code from writing meanwhile); others
/// (slices, transposes, Fortran order) are copied once into row-major order.
pub struct PixelArray<'py> {
    width: u32,
    height: u32,
    channels: u8,
    data: PixelData<'py>,
}

enum PixelData<'py> {
    InPlace(PyReadonlyArrayDyn<'py, u8>),
    Copied(Vec<u8>),
}

impl PixelArray<'_> {
    pub fn pixels(&self) -> Pixels<'_> {
        let data = match &self.data {
            PixelData::InPlace(a) => a.as_slice().expect("checked C-contiguous"),
            PixelData::Copied(v) => v,
        };
        Pixels { width: self.width, height: self.height, channels: self.channels, data }
    }
}

pub fn picture<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Picture<'py>> {
    if let Some(array) = pixel_array(obj)? {
        return Ok(Picture::Pixels(array));
    }
    bytes_like(obj).map(Picture::Encoded).map_err(|_| {
        PyTypeError::new_err(format!("expected encoded bytes or a NumPy uint8 array, got {}", type_name(obj)))
    })
}

/// `Some` for NumPy arrays. Only looks when numpy is already imported: an array
/// cannot exist otherwise, and fotobase must not import numpy itself.
fn pixel_array<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<PixelArray<'py>>> {
    let py = obj.py();
    let modules = py.import("sys")?.getattr("modules")?;
    let numpy_loaded = modules.cast::<PyDict>()?.get_item("numpy")?.is_some_and(|m| !m.is_none());
    if !numpy_loaded {
        return Ok(None);
    }
    let Ok(untyped) = obj.cast::<PyUntypedArray>() else { return Ok(None) };
    let Ok(array) = untyped.cast::<PyArrayDyn<u8>>() else {
        return Err(invalid(format!("pixel arrays must be uint8, not {}", untyped.dtype())));
    };
    let (height, width, channels) = match *untyped.shape() {
        [h, w] => (h, w, 1),
        [h, w, c] => (h, w, c),
        ref shape => return Err(invalid(format!("pixel arrays are H×W or H×W×C, not {shape:?}"))),
    };
    let size = |n: usize, what: &str| u32::try_from(n).map_err(|_| invalid(format!("{what} {n} is too large")));
    let channels =
        u8::try_from(channels).map_err(|_| invalid(format!("{channels} channels: pixel arrays have 1 to 4")))?;
    let data = if untyped.is_c_contiguous() {
        PixelData::InPlace(array.try_readonly()?)
    } else {
        PixelData::Copied(array.try_readonly()?.as_array().iter().copied().collect())
    };
    Ok(Some(PixelArray { width: size(width, "width")?, height: size(height, "height")?, channels, data }))
}

/// A size argument as the facade's `u32`; out of range is `invalid_argument` like the facade's own checks.
pub fn size(value: i64, what: &str) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| invalid(format!("{what} must be between 0 and {}, not {value}", u32::MAX)))
}

/// An id or seed as `u64`; negative is `invalid_argument`.
pub fn unsigned(value: i128, what: &str) -> PyResult<u64> {
    u64::try_from(value).map_err(|_| invalid(format!("{what} must be between 0 and {}, not {value}", u64::MAX)))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}
