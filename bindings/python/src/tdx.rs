//! Intel TDX quotes: `verify_tdx`.
//!
//! Only argument conversion lives here. The policy keywords are handed over in the policy's
//! document form (the C ABI's and the shared cases') and read by the core's
//! [`ccverify::Options::from_value`] for [`ccverify::tdx::TdxPolicy`], so
//! every language validates a policy with the same code (unknown TCB status names, `Revoked`,
//! hex lengths); the core does the rest with the GIL released.

use ccverify::Options as _;
use ccverify::tdx::{TdxOptions, TdxPolicy};
use pyo3::prelude::*;

use crate::error::{guard, to_py_err};
use crate::input::{StrList, bytes_or_str, non_negative_int, unix_time};
use crate::verdict::Verdict;

/// Verify an Intel TDX quote (the ``cpu.quote`` of an io.net attestation).
///
/// Checks that the quote is a well-formed TDX quote (version 4 or 5), that Intel's collateral
/// is signed under Intel's root and current at the verification time, the PCK certificate chain
/// the quote carries (exactly leaf, CA and a byte-identical copy of the root) to
/// Intel's SGX Root CA, the QE report and the quote signature, and then applies the policy: the
/// platform's TCB status and advisories, the TD attributes (no debug), the measurement
/// allowlists (MRTD, RTMR0-3, MRSEAM, XFAM, MRCONFIGID, MROWNER, MROWNERCONFIG), the TDX
/// module and QE pins, the platform's FMSPC and TEE_TCB_SVN, and REPORTDATA, which binds the quote to your
/// nonce.
///
/// Give ``nonce`` (io.net's rule: REPORTDATA is the 32-byte nonce followed by 32 zero bytes) or
/// the exact ``report_data``: without either, freshness is not proven, so the
/// ``tdx.report_data`` check is skipped and the verdict is not verified. Measurements are
/// reported (as ``tdx.*`` facts) but not pinned until you give allowlists: ``tdx.measurements``
/// is then a warning, which does not block.
///
/// Args:
///     quote: the quote, binary or as the hex text io.net returns (a "0x" prefix and
///         surrounding whitespace are fine): bytes, bytearray, memoryview or str.
///     collateral: Intel's collateral for the quote (TCB Info, QE Identity, CRLs and issuer
///         chains) as dcap-qvl's QuoteCollateralV3 JSON: bytes-like or str.
///     nonce: the hex nonce you sent with the attestation request; normalised like the agent
///         does ("0x", upper case and 16-byte nonces are fine). Exclusive with report_data.
///     report_data: the exact expected REPORTDATA, 128 hex digits. Exclusive with nonce.
///     at: the verification time: a timezone-aware datetime, Unix seconds (int) or RFC 3339
///         text such as "2026-11-28T00:00:00Z"; None (default) is the system clock. Naive
///         datetimes are refused: their meaning depends on the machine's time zone.
///     accepted_tcb_statuses: the TCB statuses to accept, by Intel's names (default
///         ["UpToDate"]); "Revoked" is never accepted and an empty sequence accepts none.
///     rejected_advisories: advisory ids ("INTEL-SA-...") that fail the verdict when the
///         platform is affected.
///     allow_debug: accept debug or profiling TDs (default False; never in production).
///     td_attributes: the exact TDATTRIBUTES, 16 hex digits, or None (not pinned).
///     mrtd, rtmr0, rtmr1, rtmr2, rtmr3, mrseam: allowlists of 96 hex digits each (empty: not
///         pinned).
///     xfam: an allowlist of 16 hex digits each (empty: not pinned).
///     mrconfigid, mrowner, mrownerconfig: allowlists of 96 hex digits each (empty: not
///         pinned).
///     mrsignerseam: allowed MRSIGNERSEAM values, 96 hex digits each; None (default) is zero
///         only, Intel's own TDX module; an empty sequence does not pin it.
///     seam_attributes: allowed SEAMATTRIBUTES, 16 hex digits each; None (default) is zero
///         only; an empty sequence does not pin them.
///     fmspc: allowed FMSPC values (12 hex digits: the platform family of the PCK
///         certificate); empty: not pinned.
///     min_tee_tcb_svn: the minimum TEE_TCB_SVN, 32 hex digits, compared byte by byte (None:
///         no minimum).
///     qe_vendor_id: the QE vendor id the quote must name, 32 hex digits (None: Intel's).
///     require_sept_ve_disable: require the SEPT_VE_DISABLE TD attribute (default True).
///     trust: the roots to trust: None or "production" (Intel's, the default), "test"
///         (ccverify's TEST PKI) or the path of a PEM file of your own roots; anything but the
///         production roots adds a "trust.anchors" warning to the verdict.
///     max_collateral_age_secs: refuse collateral whose TCB Info or QE Identity was issued
///         longer ago than this many seconds (None: no limit).
///     min_tcb_eval_data_number: the minimum TCB evaluation data number, Intel's TCB-recovery
///         counter (None: no minimum).
///
/// Returns:
///     A Verdict with the checks tdx.quote_parse, tdx.collateral, tdx.quote_signature,
///     tdx.tcb_status, tdx.td_attributes, tdx.measurements and tdx.report_data, and the quote's
///     values as facts ("tdx.mrtd", "tdx.tcb_status", ...). Bad evidence never raises: a
///     malformed or tampered quote, or collateral that is not JSON, expired or of another
///     platform, is a failed or skipped check.
///
/// Raises:
///     InvalidNonceError: the agent would refuse the nonce, or it carries no freshness.
///     InvalidArgumentError: both nonce and report_data, report_data that is not 64 bytes of
///         hex, a naive datetime, `at` text that is not RFC 3339, an unknown or "Revoked" TCB
///         status name, a hex value of the wrong length, a negative integer.
///     TypeError: an argument has the wrong type (including a lone str where a sequence of str
///         is expected).
#[pyfunction]
#[pyo3(
    signature = (
        quote,
        collateral,
        *,
        nonce = None,
        report_data = None,
        at = None,
        accepted_tcb_statuses = StrList(vec![String::from("UpToDate")]),
        rejected_advisories = StrList::default(),
        allow_debug = false,
        td_attributes = None,
        mrtd = StrList::default(),
        rtmr0 = StrList::default(),
        rtmr1 = StrList::default(),
        rtmr2 = StrList::default(),
        rtmr3 = StrList::default(),
        mrseam = StrList::default(),
        xfam = StrList::default(),
        max_collateral_age_secs = None,
        min_tcb_eval_data_number = None,
        mrconfigid = StrList::default(),
        mrowner = StrList::default(),
        mrownerconfig = StrList::default(),
        mrsignerseam = None,
        seam_attributes = None,
        fmspc = StrList::default(),
        min_tee_tcb_svn = None,
        qe_vendor_id = None,
        require_sept_ve_disable = true,
        trust = None,
    ),
    // Written out because PyO3 shows a non-literal default as `...`. Lists, not tuples:
    // `inspect.signature` (Python 3.11 at least) reads a one-element tuple such as
    // `('UpToDate',)` in a text signature as the bare string. Each call gets fresh values (Rust
    // `Vec`s), so a list default has none of the shared-mutable-default pitfall.
    text_signature = "(quote, collateral, *, nonce=None, report_data=None, at=None, \
        accepted_tcb_statuses=['UpToDate'], rejected_advisories=[], allow_debug=False, \
        td_attributes=None, mrtd=[], rtmr0=[], rtmr1=[], rtmr2=[], rtmr3=[], mrseam=[], \
        xfam=[], max_collateral_age_secs=None, min_tcb_eval_data_number=None, mrconfigid=[], \
        mrowner=[], mrownerconfig=[], mrsignerseam=None, seam_attributes=None, fmspc=[], \
        min_tee_tcb_svn=None, qe_vendor_id=None, require_sept_ve_disable=True, trust=None)"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python keyword arguments of the documented signature"
)]
fn verify_tdx(
    py: Python<'_>,
    quote: &Bound<'_, PyAny>,
    collateral: &Bound<'_, PyAny>,
    nonce: Option<String>,
    report_data: Option<String>,
    at: Option<&Bound<'_, PyAny>>,
    accepted_tcb_statuses: StrList,
    rejected_advisories: StrList,
    allow_debug: bool,
    td_attributes: Option<String>,
    mrtd: StrList,
    rtmr0: StrList,
    rtmr1: StrList,
    rtmr2: StrList,
    rtmr3: StrList,
    mrseam: StrList,
    xfam: StrList,
    max_collateral_age_secs: Option<&Bound<'_, PyAny>>,
    min_tcb_eval_data_number: Option<&Bound<'_, PyAny>>,
    mrconfigid: StrList,
    mrowner: StrList,
    mrownerconfig: StrList,
    mrsignerseam: Option<StrList>,
    seam_attributes: Option<StrList>,
    fmspc: StrList,
    min_tee_tcb_svn: Option<String>,
    qe_vendor_id: Option<String>,
    require_sept_ve_disable: bool,
    trust: Option<String>,
) -> PyResult<Verdict> {
    let quote = bytes_or_str(quote, "quote")?;
    let collateral = bytes_or_str(collateral, "collateral")?;
    let count = |value: Option<&Bound<'_, PyAny>>, key: &str| {
        value.map(|v| non_negative_int(v, key)).transpose()
    };
    // The keyword arguments in the policy's document form: the core decodes and checks them.
    let policy = serde_json::json!({
        "accepted_tcb_statuses": accepted_tcb_statuses.0,
        "rejected_advisories": rejected_advisories.0,
        "allow_debug": allow_debug,
        "td_attributes": td_attributes,
        "mrtd": mrtd.0,
        "rtmr0": rtmr0.0,
        "rtmr1": rtmr1.0,
        "rtmr2": rtmr2.0,
        "rtmr3": rtmr3.0,
        "mrseam": mrseam.0,
        "xfam": xfam.0,
        "max_collateral_age_secs": count(max_collateral_age_secs, "max_collateral_age_secs")?,
        "min_tcb_eval_data_number": count(min_tcb_eval_data_number, "min_tcb_eval_data_number")?,
        "mrconfigid": mrconfigid.0,
        "mrowner": mrowner.0,
        "mrownerconfig": mrownerconfig.0,
        "mrsignerseam": mrsignerseam.map(|l| l.0),
        "seam_attributes": seam_attributes.map(|l| l.0),
        "fmspc": fmspc.0,
        "min_tee_tcb_svn": min_tee_tcb_svn,
        "qe_vendor_id": qe_vendor_id,
        "require_sept_ve_disable": require_sept_ve_disable,
    });
    let options = TdxOptions {
        nonce,
        report_data,
        at: at.map(unix_time).transpose()?,
        trust: crate::input::trust_arg(py, trust)?,
        policy: TdxPolicy::from_value(policy).map_err(|e| to_py_err(py, e))?,
    };
    let (quote, collateral) = (quote.as_slice(), collateral.as_slice());
    py.detach(|| guard(|| ccverify::tdx::verify_tdx_with(quote, collateral, &options)))
        .and_then(|result| result)
        .map(Verdict::from)
        .map_err(|e| to_py_err(py, e))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_tdx, m)?)?;
    Ok(())
}
