//! Audits of recorded exchanges: `Auditor` (tables verified batch by batch, each bundle
//! re-verified once), `Results` (one row per exchange, an Arrow stream) and `audit_jsonl`.
//!
//! Tables arrive through the Arrow C stream interface (`__arrow_c_stream__`, pyarrow ≥ 14,
//! polars, DuckDB, …): the columns are read in place, never converted to Python objects. The
//! results leave the same way. The reading, the verification and the building of the results
//! all run with the GIL released, on the core's threads.

use std::sync::Mutex;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchIterator};
use ccverify::audit::arrow::{records_from_batch, result_schema, results_batch};
use ccverify::audit::{
    AuditOptions, Auditor as CoreAuditor, BadRow, Field, Record, ResultRow, Tally, row_from_fields,
};
use ccverify::bundle::{BundlePolicy, BundleTime};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyByteArray, PyBytes, PyCapsule, PyCapsuleMethods, PyDict, PyList, PyMapping, PyMemoryView,
    PyString,
};

use crate::error::{guard, to_py_err};
use crate::input::{bytes_or_str, dir_arg, headers, unix_time};
use crate::report::policy_arg;

/// The capsule name the Arrow C stream interface uses.
const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// Result rows per Arrow batch handed out.
const BATCH_ROWS: usize = 65_536;

fn invalid(py: Python<'_>, why: String) -> PyErr {
    to_py_err(py, ccverify::Error::InvalidArgument(why))
}

/// `at` and `policy` as `verify_bundle` takes them (`"recorded"` included).
fn audit_options(
    py: Python<'_>,
    at: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
    bundle_dir: Option<std::path::PathBuf>,
) -> PyResult<AuditOptions> {
    let recorded = |v: Option<&Bound<'_, PyAny>>| {
        v.is_some_and(|v| v.extract::<String>().is_ok_and(|t| t == "recorded"))
    };
    Ok(AuditOptions {
        at: match at {
            None => BundleTime::Now,
            _ if recorded(at) => BundleTime::Recorded,
            Some(t) => BundleTime::At(unix_time(t)?),
        },
        policy: if recorded(policy) {
            BundlePolicy::Recorded
        } else {
            BundlePolicy::Caller(policy_arg(py, policy)?.unwrap_or_default())
        },
        bundle_dir: bundle_dir
            .map(|d| dir_arg(py, d, "bundle_dir"))
            .transpose()?,
    })
}

/// Verifies recorded exchanges against the keys they name or their bundles attest.
///
/// An Auditor keeps what it learnt about bundles: verify a large table batch by batch with one
/// Auditor and each bundle is read and re-verified once. Records are verified on every core,
/// with the GIL released.
///
/// Args:
///     policy: how bundles are re-verified: a preset name ("default", "offline", "strict"),
///         policy text (JSON or TOML), a mapping of policy keys, "recorded" (the bundle's own,
///         untrusted policy), or None for the "default" preset.
///     at: the time bundles are verified at: a timezone-aware datetime, Unix seconds, RFC 3339
///         text, "recorded" (the bundle's own time), or None for now.
///     bundle_dir: the directory relative ``bundle`` paths are read from (str or os.PathLike);
///         None is the current directory.
///     bundles: bundles supplied by name instead of read from files: a mapping of the names
///         records use to the bundle JSON (bytes or str). Names found here are never read;
///         with bundles and no bundle_dir, no file is read at all (an unknown name gives no
///         key).
///
/// Raises:
///     InvalidArgumentError: a policy or time that does not parse.
///     TypeError: an argument has the wrong type.
#[pyclass(module = "ccverify.audit", frozen)]
pub(crate) struct Auditor {
    inner: Mutex<(CoreAuditor, Tally)>,
}

#[pymethods]
impl Auditor {
    #[new]
    #[pyo3(signature = (*, policy = None, at = None, bundle_dir = None, bundles = None))]
    fn new(
        py: Python<'_>,
        policy: Option<&Bound<'_, PyAny>>,
        at: Option<&Bound<'_, PyAny>>,
        bundle_dir: Option<std::path::PathBuf>,
        bundles: Option<&Bound<'_, PyMapping>>,
    ) -> PyResult<Auditor> {
        let options = audit_options(py, at, policy, bundle_dir)?;
        let mut auditor = CoreAuditor::new(&options);
        if bundles.is_some() && options.bundle_dir.is_none() {
            auditor.bundles_mut().only_supplied();
        }
        if let Some(bundles) = bundles {
            for item in bundles.items()?.iter() {
                let (name, bytes): (String, Bound<'_, PyAny>) = item.extract()?;
                let bytes = bytes_or_str(&bytes, "a supplied bundle")?;
                auditor
                    .bundles_mut()
                    .supply(name, bytes.as_slice().to_vec());
            }
        }
        Ok(Auditor {
            inner: Mutex::new((auditor, Tally::default())),
        })
    }

    /// Verify a table of exchanges given as Arrow data: any object with
    /// ``__arrow_c_stream__`` (a pyarrow Table or RecordBatchReader, a polars DataFrame, …).
    ///
    /// Columns: ``id``; ``request``; ``response`` with ``headers`` (a map or struct of text)
    /// or ``stream``; ``address`` or ``bundle`` — binary or text for the bytes. A null cell is
    /// an absent field. A column the format does not have is an error (select the columns
    /// first), so a misspelt column cannot silently drop a field.
    ///
    /// Returns:
    ///     Results: one row per input row, in order.
    ///
    /// Raises:
    ///     InvalidArgumentError: an unknown column, or a column of a type it cannot hold.
    ///     TypeError: the object does not export an Arrow stream.
    fn verify_arrow(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Results> {
        if !data.hasattr("__arrow_c_stream__")? {
            return Err(PyTypeError::new_err(format!(
                "expected Arrow data (an object with __arrow_c_stream__, such as a \
                 pyarrow.Table), not {}",
                data.get_type().name()?
            )));
        }
        let capsule = data
            .call_method0("__arrow_c_stream__")?
            .cast_into::<PyCapsule>()?;
        let ptr = capsule.pointer_checked(Some(STREAM))?;
        // SAFETY: by the Arrow PyCapsule interface, a capsule named "arrow_array_stream" (the
        // name was checked) holds an ArrowArrayStream struct that its consumer moves out of
        // once; `from_raw` moves it, leaving a released struct that the producer's capsule
        // destructor skips, and we hold the GIL, so no other thread touches the capsule
        // meanwhile. The arrays the stream yields are validated before use (below).
        #[allow(unsafe_code)]
        let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.cast().as_ptr()) };
        let work = || -> Result<Vec<ResultRow>, ccverify::Error> {
            let arrow = |e: arrow_schema::ArrowError| {
                ccverify::Error::InvalidArgument(format!("Arrow stream: {e}"))
            };
            let reader = RecordBatchStreamReader::try_new(stream).map_err(arrow)?;
            let mut out = Vec::new();
            // Batches are pulled without the lock: a producer may call back into Python (and
            // take the GIL) to make the next one.
            for batch in reader {
                let batch = batch.map_err(arrow)?;
                // A producer's buffers are not trusted: offsets, UTF-8 and dictionary keys are
                // checked before any cell is read.
                for column in batch.columns() {
                    column.to_data().validate_full().map_err(arrow)?;
                }
                let rows = records_from_batch(&batch)?;
                let mut lock = self
                    .inner
                    .lock()
                    .map_err(|_| ccverify::Error::Internal("an earlier audit panicked".into()))?;
                out.extend(lock.0.verify_rows(&rows));
            }
            // Counted only once the whole call succeeded.
            let mut lock = self
                .inner
                .lock()
                .map_err(|_| ccverify::Error::Internal("an earlier audit panicked".into()))?;
            for row in &out {
                lock.1.add(row);
            }
            Ok(out)
        };
        py.detach(|| guard(work))
            .and_then(|r| r)
            .map(|rows| Results { rows })
            .map_err(|e| to_py_err(py, e))
    }

    /// Verify exchanges given as mappings (an iterable of dicts, e.g. rows of a log read with
    /// ``json.loads``): the JSON Lines fields, with ``request``, ``response`` and ``stream`` as
    /// ``bytes`` (their exact bytes) or ``str`` (UTF-8), ``headers`` as a mapping or a list of
    /// (name, value) tuples. None is an absent field. No pyarrow needed.
    ///
    /// Returns:
    ///     Results: one row per mapping, in order; a mapping that is not a record is a row
    ///     with its ``error``.
    fn verify_rows(&self, py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<Results> {
        let mut parsed = Vec::new();
        for item in rows.try_iter()? {
            parsed.push(record_of(&item?)?);
        }
        let work = || -> Result<Vec<ResultRow>, ccverify::Error> {
            let mut lock = self
                .inner
                .lock()
                .map_err(|_| ccverify::Error::Internal("an earlier audit panicked".into()))?;
            let (auditor, tally) = &mut *lock;
            let out = auditor.verify_rows(&parsed);
            for row in &out {
                tally.add(row);
            }
            Ok(out)
        };
        py.detach(|| guard(work))
            .and_then(|r| r)
            .map(|rows| Results { rows })
            .map_err(|e| to_py_err(py, e))
    }

    /// The summary of everything this Auditor verified so far: ``exchanges``, ``verified``,
    /// ``not_verified``, ``bad_lines`` (rows that are not records), ``bundles``
    /// (``verified``, ``not_verified``, ``failures``), ``keys`` (by where the key came from),
    /// ``duplicate_ids`` and ``failed_checks`` (check id → count).
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // The lock is taken without the GIL: a verify call holding it never waits on us.
        let text = py
            .detach(|| {
                self.inner
                    .lock()
                    .map(|lock| lock.1.summary(&lock.0).to_value().to_string())
                    .map_err(|_| ())
            })
            .map_err(|_| invalid(py, "an earlier audit panicked".into()))?;
        py.import("json")?.getattr("loads")?.call1((text,))
    }
}

/// A record from a Python mapping.
fn record_of(item: &Bound<'_, PyAny>) -> PyResult<Result<Record, BadRow>> {
    let mapping = item.cast::<PyMapping>().map_err(|_| {
        PyTypeError::new_err(format!(
            "each exchange must be a mapping (a dict of the record's fields), not {}",
            item.get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        ))
    })?;
    let mut fields = Vec::new();
    for pair in mapping.items()?.iter() {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let Ok(name) = name.extract::<String>() else {
            return Ok(Err(BadRow {
                id: None,
                error: ccverify::Error::InvalidArgument("a record's keys must be str".into()),
            }));
        };
        let field = if value.is_none() {
            Field::Null
        } else if let Ok(s) = value.cast::<PyString>() {
            Field::Text(s.to_cow()?.into_owned())
        } else if let Ok(b) = value.cast::<PyBytes>() {
            Field::Bytes(b.as_bytes().to_vec())
        } else if let Ok(b) = value.cast::<PyByteArray>() {
            Field::Bytes(b.to_vec())
        } else if value.is_instance_of::<PyMemoryView>() {
            Field::Bytes(
                value
                    .py()
                    .get_type::<PyBytes>()
                    .call1((&value,))?
                    .cast_into::<PyBytes>()?
                    .as_bytes()
                    .to_vec(),
            )
        } else if name == "headers"
            && (value.is_instance_of::<PyDict>()
                || value.is_instance_of::<PyList>()
                || value.hasattr("items")?)
        {
            match headers(&value) {
                Ok(h) => Field::Headers(h),
                Err(_) => Field::Other,
            }
        } else {
            Field::Other
        };
        fields.push((name, field));
    }
    Ok(row_from_fields(fields))
}

/// The results of an audit: one row per exchange, in order — ``id``, ``verified``, ``key``
/// (``attested``, ``caveated``, ``named`` or ``none``), ``failed`` and ``warnings`` (check
/// ids), ``signer``, ``request_hash``, ``response_hash``, ``error`` (why a row is not a
/// record) and ``source``.
///
/// An Arrow stream (``__arrow_c_stream__``): ``pyarrow.table(results)`` or
/// ``polars.from_arrow(...)`` take it without a copy through Python objects; ``to_pylist()``
/// gives dicts without pyarrow. The stream can be taken any number of times.
#[pyclass(module = "ccverify.audit", frozen)]
pub(crate) struct Results {
    rows: Vec<ResultRow>,
}

#[pymethods]
impl Results {
    fn __len__(&self) -> usize {
        self.rows.len()
    }

    /// How many rows verified.
    #[getter]
    fn verified_count(&self) -> usize {
        self.rows.iter().filter(|r| r.verified).count()
    }

    /// The rows as a list of dicts (the JSON Lines result rows).
    fn to_pylist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::Value::Array(self.rows.iter().map(ResultRow::to_value).collect())
            .to_string();
        py.import("json")?.getattr("loads")?.call1((text,))
    }

    /// The Arrow C stream interface: a capsule holding an ArrowArrayStream of the results.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is fixed; a consumer asking for another one gets this one (the interface
        // allows it: the request is a hint).
        let _ = requested_schema;
        let batches: Vec<Result<RecordBatch, arrow_schema::ArrowError>> = py.detach(|| {
            self.rows
                .chunks(BATCH_ROWS)
                .map(|rows| {
                    results_batch(rows)
                        .map_err(|e| arrow_schema::ArrowError::ComputeError(e.to_string()))
                })
                .collect()
        });
        let reader = RecordBatchIterator::new(batches, result_schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM)
    }

    fn __repr__(&self) -> String {
        format!(
            "<ccverify.Results: {} exchanges, {} verified>",
            self.rows.len(),
            self.verified_count()
        )
    }
}

/// Audit a JSON Lines log of recorded exchanges (the README's format) held in memory.
///
/// Args:
///     log: the log's bytes (bytes-like or str).
///     policy, at, bundle_dir: as for Auditor.
///
/// Returns:
///     A dict ``{"summary": …, "results": […]}``: the summary as Auditor.summary() gives it
///     (``bad_lines`` with their line numbers) and one result row per record, in order, each
///     with its ``source`` (``log:LINE``).
#[pyfunction]
#[pyo3(signature = (log, *, policy = None, at = None, bundle_dir = None))]
fn audit_jsonl<'py>(
    py: Python<'py>,
    log: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, PyAny>>,
    at: Option<&Bound<'py, PyAny>>,
    bundle_dir: Option<std::path::PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = audit_options(py, at, policy, bundle_dir)?;
    let log = bytes_or_str(log, "log")?;
    let bytes = log.as_slice();
    let text = py
        .detach(|| {
            guard(|| {
                ccverify::audit::audit_jsonl(bytes, &options)
                    .to_value()
                    .to_string()
            })
        })
        .map_err(|e| to_py_err(py, e))?;
    py.import("json")?.getattr("loads")?.call1((text,))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Auditor>()?;
    m.add_class::<Results>()?;
    m.add_function(wrap_pyfunction!(audit_jsonl, m)?)?;
    Ok(())
}
