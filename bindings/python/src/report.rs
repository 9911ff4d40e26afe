//! Whole io.net attestations and bundles: `verify_report`, `verify_bundle`, `load_policy` and
//! `POLICY_PRESETS`.
//!
//! Only argument conversion lives here. A policy given as a mapping is written as JSON and
//! parsed by [`ccverify::policy::Policy`], like policy text, so every language validates a
//! policy with the same code (unknown keys, presets, hex lengths); the core does the rest with
//! the GIL released.

use std::path::PathBuf;

use ccverify::Options as _;
use ccverify::bundle::{BundleOptions, BundlePolicy, BundleTime};
use ccverify::policy::{PRESETS, Policy};
use ccverify::report::ReportOptions;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping, PyString, PyTuple};

use crate::error::{guard, to_py_err};
use crate::input::{ByteArg, bytes_or_str, dir_arg, json_value, unix_time};
use crate::verdict::Verdict;

/// Verify a whole io.net attestation (the answer of ``POST /v1/private/attestation``) for the
/// nonce you sent.
///
/// One call checks: the JSON nonce echo (exact equality with the normalised nonce, not the
/// docs' prefix test), every GPU report (the nonce inside the signed SPDM report, signature,
/// chain to NVIDIA, RIMs and golden measurements, revocation), the TDX quote (REPORTDATA =
/// nonce followed by 32 zero bytes, Intel's collateral and chain, TCB status, TD attributes),
/// the ``image_digest`` against the policy's allowlist, the form of ``signing_address``, and
/// whether the signing key is bound to the hardware evidence (for io.net it is not: warned by
/// default, failed under a policy that requires a binding).
///
/// This call never touches the network: give the RIMs, OCSP responses and Intel collateral you
/// have. What is missing is skipped (or warned, where the policy relaxes it), never passed.
///
/// Args:
///     report: the attestation JSON exactly as received: bytes, bytearray, memoryview or str.
///     nonce: the hex nonce you sent with the attestation request; normalised like the agent
///         does (a "0x" prefix, upper case and 16-byte nonces are fine).
///     policy: the appraisal policy: a preset name ("default", "offline", "strict"; see
///         POLICY_PRESETS), policy text (JSON or TOML), a mapping of the same keys (e.g. the
///         dict load_policy() returns), or None for the "default" preset. Unknown keys are
///         refused, so a typo cannot silently weaken a policy.
///     rim_dir: a directory of NVIDIA RIMs named by RIM id (str or os.PathLike), or None.
///     ocsp_dir: a directory of cached DER OCSP responses, or None.
///     collateral: Intel's collateral for the TDX quote (dcap-qvl's QuoteCollateralV3): JSON
///         text (str or bytes-like) or the parsed mapping; None: the TDX collateral, quote
///         signature and TCB checks are skipped.
///     at: the verification time: a timezone-aware datetime, Unix seconds (int) or RFC 3339
///         text such as "2026-11-28T00:00:00Z"; None (default) is the system clock. Naive
///         datetimes are refused: their meaning depends on the machine's time zone.
///
/// Returns:
///     A Verdict. Its ``signer`` is the attested ``signing_address`` when it is well-formed
///     (the key to pin for the completions that follow), and its ``summary`` fact says in plain
///     words what is and is not proven. Bad evidence never raises: an attestation that is not
///     JSON, the agent's error objects, a tampered quote are failed or skipped checks.
///
/// Raises:
///     InvalidNonceError: the agent would refuse the nonce, or it carries no freshness.
///     InvalidArgumentError: a policy that does not parse or has unknown keys or bad values, a
///         naive datetime, ``at`` text that is not RFC 3339, or a rim_dir/ocsp_dir that cannot
///         be read.
///     TypeError: an argument has the wrong type, or an unknown keyword argument.
#[pyfunction]
#[pyo3(
    signature = (
        report,
        *,
        nonce,
        policy = None,
        rim_dir = None,
        ocsp_dir = None,
        collateral = None,
        at = None,
    ),
    text_signature = "(report, *, nonce, policy=None, rim_dir=None, ocsp_dir=None, \
        collateral=None, at=None)"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python keyword arguments of the documented signature"
)]
fn verify_report(
    py: Python<'_>,
    report: &Bound<'_, PyAny>,
    nonce: String,
    policy: Option<&Bound<'_, PyAny>>,
    rim_dir: Option<PathBuf>,
    ocsp_dir: Option<PathBuf>,
    collateral: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
) -> PyResult<Verdict> {
    let report = bytes_or_str(report, "report")?;
    let options = ReportOptions {
        nonce,
        rim_dir: rim_dir.map(|d| dir_arg(py, d, "rim_dir")).transpose()?,
        ocsp_dir: ocsp_dir.map(|d| dir_arg(py, d, "ocsp_dir")).transpose()?,
        collateral: collateral
            .map(|c| collateral_arg(c).map(|b| b.as_slice().to_vec()))
            .transpose()?,
        at: at.map(unix_time).transpose()?,
        policy: policy_arg(py, policy)?.unwrap_or_default(),
    };
    let report = report.as_slice();
    py.detach(|| guard(|| ccverify::report::verify_report(report, &options)))
        .and_then(|result| result)
        .map(Verdict::from)
        .map_err(|e| to_py_err(py, e))
}

/// Re-verify a ccverify bundle offline: an attestation with everything its verification used
/// (nonce, RIMs, OCSP responses, Intel collateral, policy, time) and the signed exchanges that
/// followed it.
///
/// The attestation is verified as verify_report() does, and every stored exchange against the
/// attested ``signing_address``; the exchanges' checks carry the subject "exchange0",
/// "exchange1", ... Nothing is fetched.
///
/// Args:
///     bundle: the bundle: a path (os.PathLike, e.g. pathlib.Path), whose file is read, or the
///         bundle's JSON itself as bytes, bytearray, memoryview or str.
///     at: the verification time: a timezone-aware datetime, Unix seconds (int) or RFC 3339
///         text; None (default) is now. "recorded" uses the time the bundle says it was
///         verified at — a value its writer chose, so the verdict then warns
///         (``bundle.inputs``).
///     policy: the policy (preset name, JSON or TOML text, or a mapping, as for
///         verify_report()); None (default) is the "default" preset. "recorded" applies the
///         policy stored in the bundle — its writer could have relaxed it, so the verdict then
///         warns (``bundle.inputs``). The bundle's own policy and time are never applied
///         unless asked for.
///
/// Returns:
///     A Verdict, with the attested ``signing_address`` as ``signer`` and the ``summary``
///     fact. Bad evidence inside the bundle never raises: it is a failed check.
///
/// Raises:
///     InvalidArgumentError: the bundle is not a ccverify bundle (not JSON, another format
///         version, a member missing or of the wrong type), a bad policy, a naive datetime or
///         ``at`` text that is not RFC 3339.
///     InvalidNonceError: the nonce stored in the bundle is not one the agent accepts.
///     LimitExceededError: the bundle is larger than 64 MiB.
///     OSError: the file cannot be read (e.g. FileNotFoundError).
///     TypeError: an argument has the wrong type, or an unknown keyword argument.
#[pyfunction]
#[pyo3(signature = (bundle, *, at = None, policy = None))]
fn verify_bundle(
    py: Python<'_>,
    bundle: &Bound<'_, PyAny>,
    at: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<Verdict> {
    let bundle = bundle_arg(bundle)?;
    let recorded = |v: Option<&Bound<'_, PyAny>>| {
        v.is_some_and(|v| v.extract::<String>().is_ok_and(|t| t == "recorded"))
    };
    let options = BundleOptions {
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
    };
    let bundle = bundle.as_slice();
    py.detach(|| guard(|| ccverify::bundle::verify_bundle(bundle, &options)))
        .and_then(|result| result)
        .map(Verdict::from)
        .map_err(|e| to_py_err(py, e))
}

/// Parse and normalise a policy: every key present, presets expanded, hex lower-cased.
///
/// Use it to validate a policy before verifying, to see what a preset means, or to start from
/// a preset and change keys: the dict it returns is accepted as ``policy`` by verify_report()
/// and verify_bundle() and means the same policy.
///
/// Args:
///     text_or_preset: a preset name ("default", "offline" or "strict"; see POLICY_PRESETS),
///         or policy text: JSON (an object) or TOML. Policy keys: ``preset`` (start from a
///         preset, then override), ``offline``, ``image_digests`` ("sha256:<64 hex>"
///         allowlist), ``require_image_digest``, ``require_key_binding``, ``gpu`` (the
///         verify_gpu() policy keys) and ``tdx`` (the verify_tdx() policy keys).
///
/// Returns:
///     The policy as a dict of plain data: {"preset", "offline", "image_digests",
///     "require_image_digest", "require_key_binding", "gpu": {...}, "tdx": {...}}.
///
/// Raises:
///     InvalidArgumentError: the text does not parse, names an unknown preset or key, or has a
///         value of the wrong type or form.
///     TypeError: text_or_preset is not a str.
#[pyfunction]
fn load_policy(py: Python<'_>, text_or_preset: String) -> PyResult<Bound<'_, PyDict>> {
    let policy = guard(|| Policy::parse(&text_or_preset))
        .and_then(|result| result)
        .map_err(|e| to_py_err(py, e))?;
    py.import("json")?
        .getattr("loads")?
        .call1((policy.to_json(),))?
        .cast_into::<PyDict>()
        .map_err(PyErr::from)
}

/// A policy argument: None, a preset name or policy text (`str`), or a mapping of policy keys.
pub(crate) fn policy_arg(
    py: Python<'_>,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Policy>> {
    let Some(policy) = policy else {
        return Ok(None);
    };
    let parsed = if policy.is_instance_of::<PyString>() {
        let text = policy.extract::<String>()?;
        guard(|| Policy::parse(&text))
    } else if policy.cast::<PyMapping>().is_ok() {
        let value = json_value(policy, "policy")?;
        guard(|| Policy::from_value(value))
    } else {
        return Err(PyTypeError::new_err(format!(
            "policy must be a str (a preset name, JSON or TOML), a mapping or None, not {}",
            policy.get_type().name()?
        )));
    };
    parsed
        .and_then(|result| result)
        .map(Some)
        .map_err(|e| to_py_err(py, e))
}

/// The collateral argument: JSON text (bytes-like or `str`) or the parsed mapping.
pub(crate) fn collateral_arg<'py>(collateral: &Bound<'py, PyAny>) -> PyResult<ByteArg<'py>> {
    if collateral.cast::<PyMapping>().is_ok() {
        return Ok(ByteArg::Owned(
            json_value(collateral, "collateral")?
                .to_string()
                .into_bytes(),
        ));
    }
    bytes_or_str(collateral, "collateral").map_err(|_| {
        let type_name = collateral
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "collateral must be bytes, bytearray, memoryview, str, a mapping or None, not \
             {type_name}"
        ))
    })
}

/// The bundle argument: a path (`os.PathLike`), read with Python's own file I/O (which releases
/// the GIL while it reads and raises the usual `OSError`s), or the JSON itself.
fn bundle_arg<'py>(bundle: &Bound<'py, PyAny>) -> PyResult<ByteArg<'py>> {
    let py = bundle.py();
    if bundle.is_instance(&py.import("os")?.getattr("PathLike")?)? {
        let bytes = py
            .import("pathlib")?
            .getattr("Path")?
            .call1((bundle,))?
            .call_method0("read_bytes")?;
        return ByteArg::from_any(&bytes, "bundle");
    }
    bytes_or_str(bundle, "bundle").map_err(|_| {
        let type_name = bundle
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "bundle must be an os.PathLike (the bundle file), or bytes, bytearray, memoryview \
             or str (the bundle JSON), not {type_name}"
        ))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_report, m)?)?;
    m.add_function(wrap_pyfunction!(verify_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(load_policy, m)?)?;
    m.add("POLICY_PRESETS", PyTuple::new(m.py(), PRESETS)?)?;
    Ok(())
}
