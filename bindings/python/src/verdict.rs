//! `Verdict` and `Check`: immutable Python views of the core's verdict.
//!
//! Both wrap the core value and convert fields on access, so a verification that nobody
//! inspects in detail costs no Python objects beyond the `Verdict` itself. Each access to
//! `checks` or `facts` returns a fresh list or dict; changing it does not change the verdict.

use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// Python's `repr()` of a string, for `__repr__` output that round-trips quoting correctly.
fn py_repr(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_string())
}

/// One row of a verdict: which property was checked, the outcome and why.
///
/// Attributes:
///     id: stable identifier, e.g. "response.signature" (ids are never renamed or reused).
///     status: "pass", "fail", "skip" (could not run; never counts as a pass) or "warn"
///         (holds, but something is missing or weaker than it should be).
///     detail: why, in plain language, with the values compared.
///     subject: what the check is about when a verification covers several things, else None.
#[pyclass(frozen, eq, hash, module = "ccverify", name = "Check")]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Check {
    inner: ccverify::Check,
}

impl Hash for Check {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let c = &self.inner;
        (&c.id, c.status, &c.detail, &c.subject).hash(state);
    }
}

#[pymethods]
impl Check {
    /// Stable identifier of the check, e.g. "response.signature".
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// "pass", "fail", "skip" or "warn".
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status.as_str()
    }

    /// Why, in plain language, with the values compared.
    #[getter]
    fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// What the check is about when a verification covers several things, else None.
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.inner.subject.as_deref()
    }

    /// The check as a dict: {"id", "status", "detail"} plus "subject" when there is one
    /// (the shape of the entries of Verdict.to_dict()["checks"]).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.inner;
        let dict = PyDict::new(py);
        dict.set_item("id", &c.id)?;
        dict.set_item("status", c.status.as_str())?;
        dict.set_item("detail", &c.detail)?;
        if let Some(subject) = &c.subject {
            dict.set_item("subject", subject)?;
        }
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = &self.inner;
        let subject = match &c.subject {
            Some(s) => py_repr(py, s)?,
            None => "None".to_string(),
        };
        Ok(format!(
            "Check(id={}, status={}, detail={}, subject={subject})",
            py_repr(py, &c.id)?,
            py_repr(py, c.status.as_str())?,
            py_repr(py, &c.detail)?,
        ))
    }
}

/// The outcome of a verification: a table of named checks.
///
/// `verified` is True only when no check failed and none was skipped; `warn` does not block.
/// Returned by verify_response(), verify_stream(), StreamVerifier.finish(), verify_gpu(),
/// verify_tdx(), verify_report() and verify_bundle(); never raised.
///
/// Attributes:
///     verified: True only if every check passed or warned.
///     checks: every check that was evaluated, in a fixed order.
///     signer: the EIP-55 address recovered from the signature, even when it is not the
///         expected one; for an attestation (verify_report(), verify_bundle()) the attested
///         signing_address, the key to pin; None when there is none.
///     facts: values the verifier computed, by stable name ("request_hash", "response_hash":
///         what the signed text should contain; for GPU evidence "gpu.count" and per-GPU values
///         such as "gpu0.ueid"; for TDX quotes "tdx.mrtd", "tdx.tcb_status" and the other
///         values of the quote; for an attestation also "summary", what is and is not proven
///         in plain words), when they could be computed.
#[pyclass(frozen, eq, module = "ccverify", name = "Verdict")]
#[derive(Clone, PartialEq)]
pub(crate) struct Verdict {
    inner: ccverify::Verdict,
}

impl Verdict {
    /// The core verdict.
    pub(crate) fn inner(&self) -> &ccverify::Verdict {
        &self.inner
    }
}

impl From<ccverify::Verdict> for Verdict {
    fn from(inner: ccverify::Verdict) -> Self {
        Verdict { inner }
    }
}

#[pymethods]
impl Verdict {
    /// True only if every check passed or warned: no failure and no skipped check.
    #[getter]
    fn verified(&self) -> bool {
        self.inner.verified
    }

    /// Every check that was evaluated, in a fixed order (a new list on each access).
    #[getter]
    fn checks(&self) -> Vec<Check> {
        self.inner
            .checks
            .iter()
            .map(|c| Check { inner: c.clone() })
            .collect()
    }

    /// The failing and skipped checks, in order: what keeps the verdict from being verified
    /// (an empty list exactly when verified is True).
    fn failures(&self) -> Vec<Check> {
        self.inner
            .failures()
            .into_iter()
            .map(|inner| Check { inner })
            .collect()
    }

    /// The EIP-55 address recovered from the signature (for an attestation: the attested
    /// signing_address), or None.
    #[getter]
    fn signer(&self) -> Option<String> {
        self.inner.signer.map(|a| a.to_checksum())
    }

    /// Computed values by stable name, e.g. "request_hash", "gpu0.ueid", "tdx.mrtd" or
    /// "summary" (a new dict on each access).
    #[getter]
    fn facts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in &self.inner.facts {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    /// The verdict as plain Python data, the same shape as to_json():
    /// {"verified": bool, "checks": [{"id", "status", "detail"[, "subject"]}, ...],
    /// "signer": str | None, "facts": {str: str}}.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("verified", self.inner.verified)?;
        let checks = PyList::empty(py);
        for c in &self.inner.checks {
            checks.append(Check { inner: c.clone() }.to_dict(py)?)?;
        }
        dict.set_item("checks", checks)?;
        dict.set_item("signer", self.signer())?;
        dict.set_item("facts", self.facts(py)?)?;
        Ok(dict)
    }

    /// The verdict as one compact JSON object, byte for byte what the Rust core and the CLI's
    /// --json print.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let signer = match self.signer() {
            Some(s) => py_repr(py, &s)?,
            None => "None".to_string(),
        };
        // Name what keeps the verdict from being verified (or only warns), not every check.
        let mut notable = Vec::new();
        for c in &self.inner.checks {
            if c.status != ccverify::CheckStatus::Pass {
                notable.push(format!(
                    "{}: {}",
                    py_repr(py, &c.id)?,
                    py_repr(py, c.status.as_str())?
                ));
            }
        }
        Ok(format!(
            "Verdict(verified={}, signer={signer}, checks={}, not_passed={{{}}})",
            if self.inner.verified { "True" } else { "False" },
            self.inner.checks.len(),
            notable.join(", ")
        ))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Check>()?;
    m.add_class::<Verdict>()?;
    Ok(())
}
