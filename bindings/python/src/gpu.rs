//! NVIDIA GPU evidence: `verify_gpu`.
//!
//! Only argument conversion lives here: the keyword arguments become a
//! [`ccverify::gpu::GpuOptions`] (the same keys the C ABI's options JSON and the shared cases
//! use) and the core does the rest with the GIL released.

use std::path::PathBuf;

use ccverify::gpu::{GpuOptions, GpuPolicy};
use pyo3::prelude::*;

use crate::error::{guard, to_py_err};
use crate::input::{bytes_or_str, dir_arg, non_negative_int, unix_time};
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
///     trust: the roots to trust: None or "production" (NVIDIA's, the default), "test"
///         (ccverify's TEST PKI) or the path of a PEM file of your own roots; anything but the
///         production roots adds a "trust.anchors" warning to the verdict.
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
        trust = None,
    ),
    // Written out because PyO3 shows a non-literal default (String::from) as `...`.
    text_signature = "(gpu_json, nonce, *, rim_dir=None, ocsp_dir=None, at=None, \
        expected_count=None, expected_arch='HOPPER', require_revocation=True, \
        require_rims=True, allow_expired_rims=False, allow_hold_for_rims=False, trust=None)"
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
    trust: Option<String>,
) -> PyResult<Verdict> {
    let gpu_json = bytes_or_str(gpu_json, "gpu_json")?;
    let options = GpuOptions {
        trust: crate::input::trust_arg(py, trust)?,
        rim_dir: rim_dir.map(|d| dir_arg(py, d, "rim_dir")).transpose()?,
        ocsp_dir: ocsp_dir.map(|d| dir_arg(py, d, "ocsp_dir")).transpose()?,
        at: at.map(unix_time).transpose()?,
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

/// `expected_count`: a non-negative `int` (not a `bool`).
fn count_arg(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    // A count beyond usize (only on 32-bit targets) can never match: saturate.
    non_negative_int(obj, "expected_count").map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_gpu, m)?)?;
    Ok(())
}
