//! Argument conversions shared by the exported functions.

use std::path::PathBuf;

use ccverify::Address;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyMemoryView,
    PyString, PyTuple,
};

use serde_json::Value;

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

/// A document argument that is text by nature (JSON, hex): any bytes-like object, or `str`
/// (UTF-8). Unlike the signed-exchange bodies there is no encoding to get wrong.
pub(crate) fn bytes_or_str<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<ByteArg<'py>> {
    if obj.is_instance_of::<PyString>() {
        return Ok(ByteArg::Owned(obj.extract::<String>()?.into_bytes()));
    }
    ByteArg::from_any(obj, what).map_err(|_| {
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "{what} must be bytes, bytearray, memoryview or str, not {type_name}"
        ))
    })
}

/// `at` as Unix seconds: a timezone-aware `datetime` (fractions of a second are dropped, as
/// Unix time does), an `int`, or RFC 3339 text.
pub(crate) fn unix_time(obj: &Bound<'_, PyAny>) -> PyResult<ccverify::time::Time> {
    use ccverify::time::Time;
    let py = obj.py();
    let invalid = |why: String| to_py_err(py, ccverify::Error::InvalidArgument(why));
    if obj.is_instance_of::<PyBool>() {
        // A bool is an int to Python; as a time it can only be a mistake.
    } else if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map(Time::from_unix);
    } else if obj.is_instance_of::<PyString>() {
        return Time::parse(&obj.extract::<String>()?).map_err(|e| to_py_err(py, e));
    } else if obj.is_instance(&py.import("datetime")?.getattr("datetime")?)? {
        if obj.call_method0("utcoffset")?.is_none() {
            return Err(invalid(format!(
                "at must be a timezone-aware datetime (e.g. with tzinfo=datetime.timezone.utc), \
                 got the naive {}",
                obj.str()?
            )));
        }
        let seconds = obj.call_method0("timestamp")?.extract::<f64>()?.floor();
        // Every datetime (years 1 to 9999) is well inside the i64 range.
        return Ok(Time::from_unix(seconds as i64));
    }
    Err(PyTypeError::new_err(format!(
        "at must be a timezone-aware datetime, int (Unix seconds), str (RFC 3339) or None, not {}",
        obj.get_type().name()?
    )))
}

/// A non-negative `int` (not a `bool`): `TypeError` for another type, `InvalidArgumentError`
/// for a negative or too large value. `what` names the argument.
pub(crate) fn non_negative_int(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int or None, not {}",
            obj.get_type().name()?
        )));
    }
    obj.extract::<u64>().map_err(|_| {
        to_py_err(
            obj.py(),
            ccverify::Error::InvalidArgument(format!(
                "{what} must be a non-negative integer, not {obj}"
            )),
        )
    })
}

/// A sequence of `str` (a list, a tuple, any iterable of `str`). A lone `str` or bytes-like
/// object is refused rather than read character by character.
#[derive(Clone, Debug, Default)]
pub(crate) struct StrList(pub(crate) Vec<String>);

impl<'a, 'py> FromPyObject<'a, 'py> for StrList {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let type_name = |o: &Bound<'_, PyAny>| {
            o.get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string())
        };
        let obj = obj.to_owned();
        if obj.is_instance_of::<PyString>()
            || obj.is_instance_of::<PyBytes>()
            || obj.is_instance_of::<PyByteArray>()
        {
            return Err(PyTypeError::new_err(format!(
                "expected a sequence of str, not a single {}",
                type_name(&obj)
            )));
        }
        let items = obj.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "expected a sequence of str, not {}",
                type_name(&obj)
            ))
        })?;
        let mut out = Vec::new();
        for item in items {
            let item = item?;
            let text = item.extract::<String>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "expected a sequence of str, got an item of type {}",
                    type_name(&item)
                ))
            })?;
            out.push(text);
        }
        Ok(StrList(out))
    }
}

/// A directory argument as the UTF-8 text the core takes.
pub(crate) fn dir_arg(py: Python<'_>, dir: PathBuf, what: &str) -> PyResult<String> {
    dir.into_os_string().into_string().map_err(|d| {
        let why = format!("{what} is not valid UTF-8: {}", d.to_string_lossy());
        to_py_err(py, ccverify::Error::InvalidArgument(why))
    })
}

/// How deeply [`json_value`] follows nested containers (a policy is three levels deep; the
/// limit also stops a container that holds itself).
const MAX_JSON_DEPTH: usize = 32;

/// Plain Python data as a JSON value, for a document the core reads (a policy, Intel
/// collateral): a mapping (any `collections.abc.Mapping`, keys `str`), `list` or `tuple`,
/// `str`, `int`, finite `float`, `bool` or `None`. Anything else raises `TypeError` naming
/// `what` and where in it the value is; a non-finite float, an int beyond 64 bits or a nesting
/// deeper than 32 levels raises `InvalidArgumentError`.
pub(crate) fn json_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    to_json(obj, what, 0)
}

fn to_json(obj: &Bound<'_, PyAny>, at: &str, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    let invalid = |why: String| to_py_err(py, ccverify::Error::InvalidArgument(why));
    if depth > MAX_JSON_DEPTH {
        return Err(invalid(format!(
            "{at} is nested deeper than {MAX_JSON_DEPTH} levels"
        )));
    }
    if obj.is_none() {
        Ok(Value::Null)
    } else if obj.is_instance_of::<PyBool>() {
        Ok(Value::Bool(obj.is_truthy()?))
    } else if obj.is_instance_of::<PyInt>() {
        if let Ok(n) = obj.extract::<i64>() {
            Ok(Value::from(n))
        } else if let Ok(n) = obj.extract::<u64>() {
            Ok(Value::from(n))
        } else {
            Err(invalid(format!("{at} is {obj}, beyond 64 bits")))
        }
    } else if obj.is_instance_of::<PyFloat>() {
        let value = obj.extract::<f64>()?;
        serde_json::Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| invalid(format!("{at} is {value}, which JSON cannot hold")))
    } else if obj.is_instance_of::<PyString>() {
        Ok(Value::String(obj.extract::<String>()?))
    } else if let Ok(mapping) = obj.cast::<PyMapping>() {
        let mut members = serde_json::Map::new();
        for item in mapping.items()?.iter() {
            let (key, value) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            let Ok(name) = key.extract::<String>() else {
                return Err(PyTypeError::new_err(format!(
                    "{at} must have str keys, not {}",
                    key.get_type().name()?
                )));
            };
            // The path in Python's notation, e.g. policy['gpu']['expected_count'].
            let path = format!("{at}[{}]", key.repr()?);
            members.insert(name, to_json(&value, &path, depth + 1)?);
        }
        Ok(Value::Object(members))
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        obj.try_iter()?
            .enumerate()
            .map(|(i, item)| to_json(&item?, &format!("{at}[{i}]"), depth + 1))
            .collect::<PyResult<Vec<Value>>>()
            .map(Value::Array)
    } else {
        Err(PyTypeError::new_err(format!(
            "{at} must be plain JSON data (a mapping with str keys, list, tuple, str, int, \
             float, bool or None), not {}",
            obj.get_type().name()?
        )))
    }
}

/// The `trust` keyword: None or "production", "test", or an anchor file's path, read by the
/// core (`InvalidArgumentError` with the reason for a file that is not usable).
pub(crate) fn trust_arg(py: Python<'_>, trust: Option<String>) -> PyResult<ccverify::trust::Trust> {
    trust
        .map(|t| t.parse().map_err(|e| to_py_err(py, e)))
        .transpose()
        .map(Option::unwrap_or_default)
}
