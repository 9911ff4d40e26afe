//! Argument conversions shared by the exported functions.

use ccverify::Address;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyTuple};

use crate::error::to_py_err;

/// A binary argument: `bytes` (borrowed, no copy), `bytearray` or `memoryview` (copied once,
/// because their contents may change while the GIL is released).
pub(crate) enum ByteArg<'py> {
    /// An immutable `bytes` object, read in place.
    Bytes(Bound<'py, PyBytes>),
    /// A copy of a mutable buffer.
    Owned(Vec<u8>),
}

impl<'py> ByteArg<'py> {
    /// Converts `obj`, or raises `TypeError` naming `what` for any other type. `str` is
    /// refused on purpose: signed hashes cover bytes, and an implicit encoding could differ from
    /// what was sent.
    pub(crate) fn from_any(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Self> {
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            Ok(ByteArg::Bytes(bytes.clone()))
        } else if let Ok(array) = obj.cast::<PyByteArray>() {
            Ok(ByteArg::Owned(array.to_vec()))
        } else if obj.is_instance_of::<PyMemoryView>() {
            // `bytes(view)` copies any memoryview, contiguous or not, in C.
            let copy = obj.py().get_type::<PyBytes>().call1((obj,))?;
            Ok(ByteArg::Bytes(copy.cast_into::<PyBytes>()?))
        } else {
            Err(PyTypeError::new_err(format!(
                "{what} must be bytes, bytearray or memoryview, not {}",
                obj.get_type().name()?
            )))
        }
    }

    /// The bytes. The slice is `Send`, so it can cross into `Python::detach`.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            ByteArg::Bytes(bytes) => bytes.as_bytes(),
            ByteArg::Owned(vec) => vec,
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for ByteArg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        ByteArg::from_any(&obj.to_owned(), "argument")
    }
}

/// Reads response headers from a mapping of `str` to `str` (a `dict`, `requests`' or `httpx`'s
/// headers, any object with `items()`) or from an iterable of `(name, value)` tuples — the form
/// that keeps repeated headers, which the core checks for conflicting values.
///
/// Names and values must be `str`; anything else raises `TypeError`.
pub(crate) fn headers(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if let Ok(dict) = obj.cast::<PyDict>() {
        dict.items().into_any()
    } else if obj.hasattr("items")? {
        obj.call_method0("items")?
    } else {
        obj.clone()
    };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        let pair = item.cast::<PyTuple>().ok().filter(|t| t.len() == 2);
        let Some(pair) = pair else {
            return Err(PyTypeError::new_err(format!(
                "headers must be a mapping of str to str or an iterable of (name, value) tuples, \
                 got an item of type {}",
                item.get_type().name()?
            )));
        };
        let text = |index: usize, what: &str| -> PyResult<String> {
            let value = pair.get_item(index)?;
            value.extract::<String>().map_err(|_| {
                let type_name = value
                    .get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string());
                PyTypeError::new_err(format!("header {what}s must be str, not {type_name}"))
            })
        };
        out.push((text(0, "name")?, text(1, "value")?));
    }
    Ok(out)
}

/// Parses the optional pinned signing address (`InvalidAddressError` when malformed).
pub(crate) fn expected_address(py: Python<'_>, address: Option<&str>) -> PyResult<Option<Address>> {
    address
        .map(Address::parse)
        .transpose()
        .map_err(|e| to_py_err(py, e))
}
