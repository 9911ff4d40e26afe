//! Intel TDX quotes: `ccverify_verify_tdx`.

use std::ffi::c_char;

use ccverify::Options as _;

use ccverify::tdx::TdxOptions;

use crate::*;

/// Verifies an Intel TDX quote (the `cpu.quote` of an io.net attestation) with Intel's
/// collateral for it, under a policy.
///
/// `quote` is `quote_len` bytes: either the binary quote (version 4 or 5) or the hex text
/// io.net returns (an optional `0x` and surrounding whitespace are accepted), passed exactly as
/// received. `collateral_json` is `collateral_len` bytes of Intel collateral (TCB Info, QE
/// Identity, CRLs and their issuer chains) in dcap-qvl's `QuoteCollateralV3` JSON, as fetched
/// from Intel's PCS or a PCCS.
///
/// `options_json` is NULL or `""` for the defaults, or a JSON object with any of these keys:
/// - what REPORTDATA must be, at most one of: `"nonce"` (the hex nonce you sent with the
///   attestation request, normalised like the agent does; io.net's rule is REPORTDATA = the
///   32-byte nonce followed by 32 zero bytes) or `"report_data"` (the exact 64 bytes as 128 hex
///   digits). With neither, `tdx.report_data` is skipped and the verdict is not verified:
///   freshness is not proven.
/// - `"at"`: the verification time as RFC 3339 text (e.g. `"2026-11-28T00:00:00Z"`) or Unix
///   seconds; absent or null = the system clock.
/// - the policy: `"accepted_tcb_statuses"` (array of Intel's status names, default
///   `["UpToDate"]`; `"Revoked"` is never accepted), `"rejected_advisories"` (array of
///   `"INTEL-SA-…"` ids that fail the verdict), `"allow_debug"` (default false),
///   `"td_attributes"` (exact TDATTRIBUTES, 16 hex digits), `"mrtd"`, `"rtmr0"`, `"rtmr1"`,
///   `"rtmr2"`, `"rtmr3"`, `"mrseam"` (allowlists: arrays of 96 hex digits), `"xfam"` (array of
///   16 hex digits), `"max_collateral_age_secs"` and `"min_tcb_eval_data_number"` (integers),
///   `"mrconfigid"`, `"mrowner"`, `"mrownerconfig"` (allowlists of 96 hex digits),
///   `"mrsignerseam"` (96 hex digits each; default zero only, Intel's own TDX module; `[]`
///   does not pin it), `"seam_attributes"` (16 hex digits each; default zero only),
///   `"fmspc"` (allowed platform FMSPC values, 12 hex digits each), `"min_tee_tcb_svn"` (32
///   hex digits, compared byte by byte), `"qe_vendor_id"` (32 hex digits; default Intel's) and
///   `"require_sept_ve_disable"` (default true). Empty allowlists are not pinned:
///   `tdx.measurements` is then a warning.
/// - `"trust"`: `"production"` (default: Intel's SGX Root CA), `"test"` (ccverify's TEST
///   PKI) or the path of a PEM file of your own roots (its P-256 root replaces Intel's). Any
///   but the production root adds a `trust.anchors` warning; an unusable file is
///   `CCVERIFY_STATUS_INVALID_ARGUMENT`.
///
/// Unknown keys are refused, so that a typo cannot silently weaken the policy.
///
/// On success `*out` receives a verdict that the caller frees with `ccverify_verdict_free`.
/// Its checks are `tdx.quote_parse`, `tdx.collateral`, `tdx.quote_signature`,
/// `tdx.tcb_status`, `tdx.td_attributes`, `tdx.measurements` and `tdx.report_data`; its facts
/// are the quote's values (`"tdx.mrtd"`, `"tdx.rtmr0"`, `"tdx.report_data"`, …) and, once the
/// signature verified, `"tdx.tcb_status"`, `"tdx.advisory_ids"`, `"tdx.fmspc"`,
/// `"tdx.tcb_eval_data_number"` and `"tdx.collateral_expires"`. Bad evidence — a malformed or
/// tampered quote, collateral that is not JSON, expired or of another platform — is not an
/// error: it is a failed check in the verdict.
///
/// Errors: `CCVERIFY_STATUS_INVALID_NONCE` for a nonce the agent would refuse or one without
/// freshness (empty, all zeros); `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers, text
/// that is not UTF-8, options that are not such a JSON object (a wrong type, an unknown key or
/// TCB status name, a hex value of the wrong length, an `at` that is not RFC 3339), a
/// `report_data` that is not 128 hex digits, and both `nonce` and `report_data`;
/// `CCVERIFY_STATUS_LIMIT_EXCEEDED` for a length over `CCVERIFY_MAX_INPUT_LEN`.
/// `ccverify_last_error_message` says which.
///
/// # Safety
/// `quote` valid for `quote_len` bytes and `collateral_json` for `collateral_len` bytes (each
/// NULL allowed when its length is 0); `options_json` NULL or NUL-terminated; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_tdx(
    quote: *const u8,
    quote_len: usize,
    collateral_json: *const u8,
    collateral_len: usize,
    options_json: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let quote = bytes(quote, quote_len, "quote")?;
            let collateral = bytes(collateral_json, collateral_len, "collateral_json")?;
            let options = if options_json.is_null() {
                TdxOptions::default()
            } else {
                TdxOptions::from_json(text(options_json, "options_json")?)?
            };
            let verdict = ccverify::tdx::verify_tdx_with(quote, collateral, &options)?;
            write_out(out, boxed_verdict(verdict))
        }
    })
}
