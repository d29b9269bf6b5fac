//! Image operations. Everything that decodes, encodes or measures runs with the
//! GIL released, so other Python threads (and other compressions) keep running.

use fotobase_bindings as facade;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::convert::{Picture, bytes_like, picture, request, result, size, typed, unsigned};
use crate::errors::OrRaise;

/// An encoded image and what is known about it: `data` (bytes), `info` (dict),
/// and each `info` field as an attribute.
#[pyclass(frozen, module = "fotobase")]
pub struct Compressed {
    data: Py<PyBytes>,
    info: Py<PyDict>,
}

impl Compressed {
    fn new(py: Python<'_>, out: facade::Output) -> PyResult<Compressed> {
        let info = result(py, &out.info)?.cast_into::<PyDict>()?.unbind();
        Ok(Compressed { data: PyBytes::new(py, &out.data).unbind(), info })
    }

    fn field(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        Ok(self.info.bind(py).get_item(name)?.map_or_else(|| py.None(), Bound::unbind))
    }
}

#[pymethods]
impl Compressed {
    /// The encoded image.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    /// Everything below as one dict (the same keys in every fotobase binding).
    #[getter]
    fn info(&self, py: Python<'_>) -> Py<PyDict> {
        self.info.clone_ref(py)
    }

    /// The encoder used, e.g. `"webp-lossy"`.
    #[getter]
    fn algorithm(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "algorithm")
    }

    /// The output format: `"jpeg"`, `"png"`, `"webp"` or `"avif"`.
    #[getter]
    fn format(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "format")
    }

    /// The quality setting used (None for lossless algorithms).
    #[getter]
    fn quality(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "quality")
    }

    /// Output width in pixels.
    #[getter]
    fn width(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "width")
    }

    /// Output height in pixels.
    #[getter]
    fn height(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "height")
    }

    /// Output size in bytes (`len(data)`).
    #[getter]
    fn bytes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "bytes")
    }

    /// Input size in bytes.
    #[getter]
    fn input_bytes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "input_bytes")
    }

    /// `input_bytes / bytes`.
    #[getter]
    fn ratio(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "ratio")
    }

    /// The encoder parameters used.
    #[getter]
    fn params(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "params")
    }

    /// Metrics of the output against the input (those a target search measured, plus `metrics=`).
    #[getter]
    fn metrics(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "metrics")
    }

    /// The quality search's steps (empty for a fixed-quality encode).
    #[getter]
    fn steps(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.field(py, "steps")
    }

    fn __bytes__(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for key in ["algorithm", "format", "quality", "width", "height", "bytes", "ratio"] {
            parts.push(format!("{key}={}", self.field(py, key)?.bind(py).repr()?));
        }
        Ok(format!("Compressed({})", parts.join(", ")))
    }
}

/// Decode, optionally resize, and encode: with `algorithm` (see `algorithms()`)
/// or `format` (its default algorithm; default: the input's format family), at a
/// fixed `quality` or the smallest size meeting `target` (e.g. `"ssimulacra2>=80"`,
/// `{"max_bytes": 50000}`). `resize` is a dict (`width`, `height`, `fit`, `gravity`,
/// `filter`, `without_enlargement`); `metrics` names metrics to measure on the
/// result; `to_srgb` converts pixels from their ICC profile to sRGB first (as sharp's
/// `toColourspace('srgb')`, Pillow's ImageCms); `operations` is a list of editing steps applied
/// first, in order (`{"op": "rotate", "angle": 30}`, `{"op": "composite", "overlay": png_bytes}`,
/// …). Unknown option names raise `InvalidArgumentError`, as in every binding. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (data, *, algorithm=None, format=None, quality=None, target=None, resize=None, params=None, metrics=None, keep_metadata=false, max_encodes=None, to_srgb=false, operations=None, **unknown))]
#[allow(clippy::too_many_arguments)] // Python keyword arguments, one per facade option.
pub fn compress(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    algorithm: Option<&Bound<'_, PyAny>>,
    format: Option<&Bound<'_, PyAny>>,
    quality: Option<&Bound<'_, PyAny>>,
    target: Option<&Bound<'_, PyAny>>,
    resize: Option<&Bound<'_, PyAny>>,
    params: Option<&Bound<'_, PyAny>>,
    metrics: Option<&Bound<'_, PyAny>>,
    keep_metadata: bool,
    max_encodes: Option<&Bound<'_, PyAny>>,
    to_srgb: bool,
    operations: Option<&Bound<'_, PyAny>>,
    unknown: Option<&Bound<'_, PyDict>>,
) -> PyResult<Compressed> {
    let data = bytes_like(data)?;
    let mut req: facade::CompressRequest = request(
        &[
            ("algorithm", algorithm),
            ("format", format),
            ("quality", quality),
            ("target", target),
            ("resize", resize),
            ("params", params),
            ("metrics", metrics),
            ("max_encodes", max_encodes),
            ("operations", operations),
        ],
        unknown,
    )?;
    req.keep_metadata = keep_metadata.then_some(true);
    req.to_srgb = to_srgb.then_some(true);
    let out = py.detach(|| facade::compress(&data, &req)).or_raise()?;
    Compressed::new(py, out)
}

/// The smallest encode by `algorithm` that meets `target` (a quality search),
/// e.g. `optimize(data, "webp-lossy", "ssimulacra2>=80")`. Other options as in
/// `compress` (`format` and `quality` raise `InvalidArgumentError`: the
/// algorithm and the search decide them). Releases the GIL.
#[pyfunction]
#[pyo3(signature = (data, algorithm, target, *, resize=None, params=None, metrics=None, keep_metadata=false, max_encodes=None, to_srgb=false, **unknown))]
#[allow(clippy::too_many_arguments)] // Python keyword arguments, one per facade option.
pub fn optimize(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    algorithm: String,
    target: &Bound<'_, PyAny>,
    resize: Option<&Bound<'_, PyAny>>,
    params: Option<&Bound<'_, PyAny>>,
    metrics: Option<&Bound<'_, PyAny>>,
    keep_metadata: bool,
    max_encodes: Option<&Bound<'_, PyAny>>,
    to_srgb: bool,
    unknown: Option<&Bound<'_, PyDict>>,
) -> PyResult<Compressed> {
    let data = bytes_like(data)?;
    let target = typed("target", Some(target))?;
    let mut opts: facade::OptimizeRequest = request(
        &[("resize", resize), ("params", params), ("metrics", metrics), ("max_encodes", max_encodes)],
        unknown,
    )?;
    opts.keep_metadata = keep_metadata.then_some(true);
    opts.to_srgb = to_srgb.then_some(true);
    let out = py.detach(|| facade::optimize(&data, &algorithm, target, opts)).or_raise()?;
    Compressed::new(py, out)
}

/// Quality metrics of `distorted` against `reference` (`metrics`: names, default
/// all five). Either two encoded images (bytes-likes) → `{metrics, reference,
/// distorted, ratio}`, or two NumPy `uint8` arrays of the same H×W(×C) shape →
/// the metrics dict. C-contiguous arrays are read without copying. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (reference, distorted, metrics=None))]
pub fn compare<'py>(
    py: Python<'py>,
    reference: &Bound<'py, PyAny>,
    distorted: &Bound<'py, PyAny>,
    metrics: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let metrics: Option<Vec<String>> = typed("metrics", metrics)?;
    let metrics = metrics.as_deref();
    match (picture(reference)?, picture(distorted)?) {
        (Picture::Encoded(a), Picture::Encoded(b)) => {
            result(py, &py.detach(|| facade::compare(&a, &b, metrics)).or_raise()?)
        }
        (Picture::Pixels(a), Picture::Pixels(b)) => {
            let (a, b) = (a.pixels(), b.pixels());
            result(py, &py.detach(|| facade::compare_pixels(a, b, metrics)).or_raise()?)
        }
        _ => Err(PyTypeError::new_err("compare two encoded images or two arrays, not one of each")),
    }
}

/// Every algorithm (or those named in `algorithms`) at one `target`:
/// `{target, input_bytes, results, best}`. Releases the GIL.
#[pyfunction]
#[pyo3(signature = (data, target, algorithms=None))]
pub fn compare_all<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    algorithms: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let data = bytes_like(data)?;
    let req = facade::CompareAllRequest {
        target: typed("target", Some(target))?,
        algorithms: typed("algorithms", algorithms)?,
    };
    result(py, &py.detach(|| facade::compare_all(&data, &req)).or_raise()?)
}

/// The encoder registry: a list of dicts (`name, format, lossless, description,
/// quality_param, params`).
#[pyfunction]
pub fn algorithms(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    result(py, &facade::algorithms())
}

/// A gallery rendition: fit inside `width` × `height` (or `width` wide; `fit`
/// default `"contain"`), never enlarged, in `format` (default: the input's
/// family). Releases the GIL.
#[pyfunction]
#[pyo3(signature = (data, width, height=None, fit=None, format=None))]
pub fn thumbnail(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    width: i64,
    height: Option<i64>,
    fit: Option<String>,
    format: Option<String>,
) -> PyResult<Compressed> {
    let data = bytes_like(data)?;
    let width = size(width, "width")?;
    let height = height.map(|h| size(h, "height")).transpose()?;
    let out = py.detach(|| facade::thumbnail(&data, width, height, fit.as_deref(), format.as_deref())).or_raise()?;
    Compressed::new(py, out)
}

/// Format, stored size, EXIF orientation, upright size and alpha, read from the
/// header only: `{format, width, height, orientation, upright_width,
/// upright_height, has_alpha}`.
#[pyfunction]
pub fn probe<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let data = bytes_like(data)?;
    result(py, &facade::probe(&data).or_raise()?)
}

/// A deterministic photo-like test image of `width` × `height` (1 to 4096),
/// encoded as `format` (a format or algorithm name), for examples and tests.
#[pyfunction]
#[pyo3(signature = (width, height, seed=0, format=String::from("png")), text_signature = "(width, height, seed=0, format='png')")]
pub fn synthetic<'py>(
    py: Python<'py>,
    width: i64,
    height: i64,
    seed: i128,
    format: String,
) -> PyResult<Bound<'py, PyBytes>> {
    let (width, height, seed) = (size(width, "width")?, size(height, "height")?, unsigned(seed, "seed")?);
    let data = py.detach(|| facade::synthetic(width, height, seed, &format)).or_raise()?;
    Ok(PyBytes::new(py, &data))
}
