//! Verdicts: `ccverify_verdict` and its accessors (checks, signer, facts, JSON).

use std::ffi::{CString, c_char};

use ccverify::{Check, CheckStatus, Verdict};

use crate::*;

/// Outcome of one check in a verdict.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ccverify_check_status {
    /// The property was proven.
    Pass = 0,
    /// The property is false or the evidence is malformed.
    Fail = 1,
    /// The check could not run; never counts as a pass.
    Skip = 2,
    /// The proof holds but something is missing or weaker than it should be.
    Warn = 3,
}

/// A verification result: a table of checks. Free with `ccverify_verdict_free`.
///
/// Thread safety: immutable once returned; any number of threads may read it at once (the
/// strings it lends stay valid until it is freed).
pub struct ccverify_verdict {
    verdict: Verdict,
    ids: Vec<CString>,
    details: Vec<CString>,
    subjects: Vec<Option<CString>>,
    signer: Option<CString>,
    facts: Vec<(CString, CString)>,
    json: CString,
}

pub(crate) fn check_status(status: CheckStatus) -> ccverify_check_status {
    match status {
        CheckStatus::Pass => ccverify_check_status::Pass,
        CheckStatus::Fail => ccverify_check_status::Fail,
        CheckStatus::Skip => ccverify_check_status::Skip,
        CheckStatus::Warn => ccverify_check_status::Warn,
    }
}

pub(crate) fn boxed_verdict(verdict: Verdict) -> *mut ccverify_verdict {
    Box::into_raw(Box::new(c_verdict(verdict)))
}

/// A verdict with its C strings made once, so that accessors can lend them.
pub(crate) fn c_verdict(verdict: Verdict) -> ccverify_verdict {
    let ids = verdict
        .checks
        .iter()
        .map(|c: &Check| c_string(&c.id))
        .collect();
    let details = verdict.checks.iter().map(|c| c_string(&c.detail)).collect();
    let subjects = verdict
        .checks
        .iter()
        .map(|c| c.subject.as_deref().map(c_string))
        .collect();
    let signer = verdict.signer.map(|s| c_string(&s.to_checksum()));
    let facts = verdict
        .facts
        .iter()
        .map(|(k, v)| (c_string(k), c_string(v)))
        .collect();
    let json = c_string(&verdict.to_json());
    ccverify_verdict {
        verdict,
        ids,
        details,
        subjects,
        signer,
        facts,
        json,
    }
}

/// Borrows one string of a verdict for C: NULL when the verdict is NULL or `pick` finds
/// nothing; otherwise a pointer that lives as long as the verdict.
///
/// # Safety
/// `verdict` must be NULL or a live pointer from this library.
pub(crate) unsafe fn verdict_str(
    verdict: *const ccverify_verdict,
    pick: impl FnOnce(&ccverify_verdict) -> Option<&CString>,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        unsafe { verdict_ref(verdict) }
            .and_then(pick)
            .map_or(std::ptr::null(), |s| s.as_ptr())
    })
}

/// Borrows the verdict behind a handle.
///
/// # Safety
/// `v` must be NULL or a live pointer from this library.
pub(crate) unsafe fn verdict_ref<'a>(v: *const ccverify_verdict) -> Option<&'a ccverify_verdict> {
    // SAFETY: NULL or a live Box-allocated verdict per the caller's contract.
    unsafe { v.as_ref() }
}

/// Frees a verdict. NULL is ignored.
///
/// # Safety
/// `verdict` must be NULL or a live verdict not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_free(verdict: *mut ccverify_verdict) {
    guard_value((), || {
        if !verdict.is_null() {
            // SAFETY: allocated by Box::into_raw in `boxed_verdict`, freed once per the contract.
            drop(unsafe { Box::from_raw(verdict) });
        }
    })
}

/// True only if no check failed and none was skipped. False for NULL.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_verified(verdict: *const ccverify_verdict) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded caller contract.
        unsafe { verdict_ref(verdict) }.is_some_and(|v| v.verdict.verified)
    })
}

/// Number of checks in the verdict (0 for NULL).
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_check_count(verdict: *const ccverify_verdict) -> usize {
    guard_value(0, || {
        // SAFETY: forwarded caller contract.
        unsafe { verdict_ref(verdict) }.map_or(0, |v| v.ids.len())
    })
}

/// The stable id of check `index` (e.g. `"response.signer"`), or NULL if out of range.
/// Borrowed from the verdict.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_check_id(
    verdict: *const ccverify_verdict,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { verdict_str(verdict, |v| v.ids.get(index)) }
}

/// Why check `index` has its status, in plain language; NULL if out of range. Borrowed.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_check_detail(
    verdict: *const ccverify_verdict,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { verdict_str(verdict, |v| v.details.get(index)) }
}

/// What check `index` is about when a verification covers several things (e.g. `"gpu0"`), or
/// NULL. Borrowed.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_check_subject(
    verdict: *const ccverify_verdict,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { verdict_str(verdict, |v| v.subjects.get(index).and_then(Option::as_ref)) }
}

/// The status of check `index`. Out of range or NULL gives `CCVERIFY_CHECK_STATUS_SKIP`.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_check_status(
    verdict: *const ccverify_verdict,
    index: usize,
) -> ccverify_check_status {
    guard_value(ccverify_check_status::Skip, || {
        // SAFETY: forwarded caller contract.
        unsafe { verdict_ref(verdict) }
            .and_then(|v| v.verdict.checks.get(index))
            .map_or(ccverify_check_status::Skip, |c| check_status(c.status))
    })
}

/// The signer, EIP-55, or NULL if there is none. For a signed exchange, the address recovered
/// from the signature; for a whole attestation (`ccverify_verify_report`, a bundle), the
/// attested `signing_address` when it is well-formed — the key to pin. Borrowed.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_signer(
    verdict: *const ccverify_verdict,
) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { verdict_str(verdict, |v| v.signer.as_ref()) }
}

/// A value the verifier computed, by name, or NULL. Signed exchanges have `"request_hash"` and
/// `"response_hash"`; GPU verdicts `"gpu.count"` and per-GPU values such as `"gpu0.ueid"`; TDX
/// verdicts the quote's values such as `"tdx.mrtd"` and `"tdx.tcb_status"`; whole-attestation
/// and bundle verdicts `"summary"` (in plain words, what is and is not proven), `"nonce"`,
/// `"signing_address"` and the GPU and TDX facts (enumerate them with
/// `ccverify_verdict_fact_count` and `ccverify_verdict_fact_name`).
/// Borrowed.
///
/// # Safety
/// `verdict` must be NULL or live; `name` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_fact(
    verdict: *const ccverify_verdict,
    name: *const c_char,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        let (Some(v), Ok(name)) = (unsafe { verdict_ref(verdict) }, unsafe {
            text(name, "name")
        }) else {
            return std::ptr::null();
        };
        v.facts
            .iter()
            .find(|(k, _)| k.as_bytes() == name.as_bytes())
            .map_or(std::ptr::null(), |(_, value)| value.as_ptr())
    })
}

/// Number of facts in the verdict (0 for NULL).
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_fact_count(verdict: *const ccverify_verdict) -> usize {
    guard_value(0, || {
        // SAFETY: forwarded caller contract.
        unsafe { verdict_ref(verdict) }.map_or(0, |v| v.facts.len())
    })
}

/// The name of fact `index` (in byte order of the names), or NULL if out of range; pass it to
/// `ccverify_verdict_fact` for the value. Borrowed.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_fact_name(
    verdict: *const ccverify_verdict,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { verdict_str(verdict, |v| v.facts.get(index).map(|(name, _)| name)) }
}

/// The whole verdict as one JSON object (the CLI's `--json` shape). Borrowed.
///
/// # Safety
/// `verdict` must be NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verdict_json(verdict: *const ccverify_verdict) -> *const c_char {
    // SAFETY: forwarded caller contract.
    unsafe { verdict_str(verdict, |v| Some(&v.json)) }
}
