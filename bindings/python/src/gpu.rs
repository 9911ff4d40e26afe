//! NVIDIA GPU evidence: `verify_gpu`.
//!
//! Only argument conversion lives here: the keyword arguments become a
//! [`ccverify::gpu::GpuOptions`] (the same keys the C ABI's options JSON and the shared cases
//! use) and the core does the rest with the GIL released.

use std::path::PathBuf;

use ccverify::gpu::{GpuOptions, GpuPolicy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

use crate::error::{guard, to_py_err};
use crate::input::ByteArg;
use crate::verdict::Verdict;

/// Verify the NVIDIA GPU evidence of an io.net attestation.
///
/// Checks every GPU's signed SPDM measurement report (nonce, signature, device certificate
/// chain to NVIDIA's pinned root, firmware ID), the driver and VBIOS reference integrity
/// manifests (RIMs) and their golden measurements, revocation by cached OCSP responses, the
/// architecture and the number of GPUs. Per-GPU checks carry a subject ("gpu0", "gpu1", ...).
///
/// The defaults are strict: without RIMs (rim_dir) and OCSP responses (ocsp_dir) the
/// measurements and revocation are not proven, so those checks are skipped and the verdict is
/// not verified. Each relaxation below turns such a check into a visible "warn" instead.
///
/// Args:
///     gpu_json: the JSON of the attestation's "gpu" member, exactly as received (bytes,
///         bytearray, memoryview or str).
///     nonce: the hex nonce you sent with the attestation request; normalised like the agent
///         does (a "0x" prefix, upper case and 16-byte nonces are fine).
///     rim_dir: a directory of RIMs named by RIM id (str or os.PathLike), or None.
///     ocsp_dir: a directory of cached DER OCSP responses, or None.
///     at: the verification time: a timezone-aware datetime, Unix seconds (int) or RFC 3339
///         text such as "2026-11-28T00:00:00Z"; None (default) is the system clock. Naive
///         datetimes are refused: their meaning depends on the machine's time zone.
///     expected_count: how many GPUs must be attested; None reports the count as a warning
///         (io.net silently drops GPUs whose evidence it could not collect).
///     expected_arch: the architecture to require (default "HOPPER", the only one supported).
///     require_revocation: revocation must be proven by OCSP (default True).
///     require_rims: RIMs, and so the measurement comparison, are required (default True).
///     allow_expired_rims: accept RIMs whose signer chain has expired at the verification time
///         (default False).
///     allow_hold_for_rims: accept a RIM signer certificate that is on hold (OCSP
///         certificateHold), as NVIDIA's --allow_hold_cert does (default False).
///
/// Returns:
///     A Verdict. Bad evidence never raises; it is a failed or skipped check.
///
/// Raises:
///     InvalidNonceError: the agent would refuse the nonce, or it carries no freshness.
///     InvalidArgumentError: a naive datetime, `at` text that is not RFC 3339, a negative
///         expected_count, or a rim_dir/ocsp_dir that cannot be read.
///     TypeError: an argument has the wrong type.
#[pyfunction]
#[pyo3(
    signature = (
        gpu_json,
        nonce,
        *,
        rim_dir = None,
        ocsp_dir = None,
        at = None,
        expected_count = None,
        expected_arch = String::from("HOPPER"),
        require_revocation = true,
        require_rims = true,
        allow_expired_rims = false,
        allow_hold_for_rims = false,
    ),
    // Written out because PyO3 shows a non-literal default (String::from) as `...`.
    text_signature = "(gpu_json, nonce, *, rim_dir=None, ocsp_dir=None, at=None, \
        expected_count=None, expected_arch='HOPPER', require_revocation=True, \
        require_rims=True, allow_expired_rims=False, allow_hold_for_rims=False)"
)]
#[allow(
    clippy::too_many_arguments,
    clippy::fn_params_excessive_bools,
    reason = "the Python keyword arguments of the documented signature"
)]
fn verify_gpu(
    py: Python<'_>,
    gpu_json: &Bound<'_, PyAny>,
    nonce: String,
    rim_dir: Option<PathBuf>,
    ocsp_dir: Option<PathBuf>,
    at: Option<&Bound<'_, PyAny>>,
    expected_count: Option<&Bound<'_, PyAny>>,
    expected_arch: String,
    require_revocation: bool,
    require_rims: bool,
    allow_expired_rims: bool,
    allow_hold_for_rims: bool,
) -> PyResult<Verdict> {
    let gpu_json = json_arg(gpu_json)?;
    let options = GpuOptions {
        rim_dir: rim_dir.map(|d| dir_arg(py, d, "rim_dir")).transpose()?,
        ocsp_dir: ocsp_dir.map(|d| dir_arg(py, d, "ocsp_dir")).transpose()?,
        at: at.map(time_arg).transpose()?,
        policy: GpuPolicy {
            expected_arch,
            expected_count: expected_count.map(count_arg).transpose()?,
            require_revocation,
            allow_hold_for_rims,
            allow_expired_rims,
            require_rims,
        },
    };
    let gpu_json = gpu_json.as_slice();
    py.detach(|| guard(|| ccverify::gpu::verify_gpu(gpu_json, &nonce, &options)))
        .and_then(|result| result)
        .map(Verdict::from)
        .map_err(|e| to_py_err(py, e))
}

/// The `gpu` JSON as bytes: any bytes-like object, or `str` (JSON is text, so unlike the
/// signed-exchange bodies there is no encoding to get wrong).
fn json_arg<'py>(obj: &Bound<'py, PyAny>) -> PyResult<ByteArg<'py>> {
    if obj.is_instance_of::<PyString>() {
        return Ok(ByteArg::Owned(obj.extract::<String>()?.into_bytes()));
    }
    ByteArg::from_any(obj, "gpu_json").map_err(|_| {
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "gpu_json must be bytes, bytearray, memoryview or str, not {type_name}"
        ))
    })
}

/// A directory argument as the UTF-8 text the core takes.
fn dir_arg(py: Python<'_>, dir: PathBuf, what: &str) -> PyResult<String> {
    dir.into_os_string().into_string().map_err(|d| {
        let why = format!("{what} is not valid UTF-8: {}", d.to_string_lossy());
        to_py_err(py, ccverify::Error::InvalidArgument(why))
    })
}

/// `expected_count`: a non-negative `int` (not a `bool`).
fn count_arg(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "expected_count must be an int or None, not {}",
            obj.get_type().name()?
        )));
    }
    obj.extract::<usize>().map_err(|_| {
        to_py_err(
            obj.py(),
            ccverify::Error::InvalidArgument(format!(
                "expected_count must be a non-negative integer, not {obj}"
            )),
        )
    })
}

/// `at` as Unix seconds: a timezone-aware `datetime` (fractions of a second are dropped, as
/// Unix time does), an `int`, or RFC 3339 text.
fn time_arg(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = obj.py();
    let invalid = |why: String| to_py_err(py, ccverify::Error::InvalidArgument(why));
    if obj.is_instance_of::<PyBool>() {
        // A bool is an int to Python; as a time it can only be a mistake.
    } else if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>();
    } else if obj.is_instance_of::<PyString>() {
        let text = obj.extract::<String>()?;
        return ccverify::gpu::pki::parse_time(&text)
            .ok_or_else(|| invalid(format!("at {text:?} is not an RFC 3339 time")));
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
        return Ok(seconds as i64);
    }
    Err(PyTypeError::new_err(format!(
        "at must be a timezone-aware datetime, int (Unix seconds), str (RFC 3339) or None, not {}",
        obj.get_type().name()?
    )))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_gpu, m)?)?;
    Ok(())
}
