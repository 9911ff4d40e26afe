//! `verifyTdx`: Intel TDX quotes (the `cpu.quote` of an io.net attestation) with Intel
//! collateral, over [`ccverify::tdx::verify_tdx_with`]. Only argument conversion lives here:
//! the options object is read by the core's [`ccverify::tdx::TdxOptions`] schema, so hex
//! decoding, the known TCB status names and every default are the core's.

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;

use crate::input::{js_bytes, js_options};
use crate::verdict::{VerifyTask, Work, run_now};
use crate::{Result, Verdict, guard};

/// Options of {@link verifyTdx}: what REPORTDATA must be, the verification time, and the
/// appraisal policy. Every key is optional and defaults to the strict policy; `undefined` (and
/// `null` for `nonce`, `reportData`, `at`, `tdAttributes`, `maxCollateralAgeSecs` and
/// `minTcbEvalDataNumber`) means "not set". Any other key throws `invalid_argument`, so that a
/// misspelt key cannot silently weaken the policy. Hex values may start with `0x`.
// Only the TypeScript interface is generated from this struct: `verifyTdx` hands the JS object
// to the core's `TdxOptions` schema (`js_options`), so every wrong value throws its
// `invalid_argument`.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct TdxOptions {
    /// The nonce you sent to the attestation endpoint (hex, normalised as the agent does):
    /// REPORTDATA must be the nonce followed by 32 zero bytes (io.net's rule). Exclusive with
    /// `reportData`. With neither, `tdx.report_data` is skipped and the verdict is not verified.
    pub nonce: Option<String>,
    /// The exact expected REPORTDATA, 128 hex digits. Exclusive with `nonce`.
    pub report_data: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string such as
    /// `'2025-06-20T06:13:20Z'`. Default: the system clock at the call.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// Accepted TCB statuses, as Intel spells them (default `['UpToDate']`). `Revoked` and
    /// unknown names throw `invalid_argument`.
    pub accepted_tcb_statuses: Option<Vec<String>>,
    /// Advisory ids (`INTEL-SA-…`) that fail `tdx.tcb_status` when the platform is affected.
    pub rejected_advisories: Option<Vec<String>>,
    /// Accept debug or profiling TDs (default `false`; never in production).
    pub allow_debug: Option<bool>,
    /// The exact TDATTRIBUTES, 16 hex digits as in the quote. Default: not pinned.
    pub td_attributes: Option<String>,
    /// Allowed MRTD values (96 hex digits each). Empty or unset: not pinned.
    pub mrtd: Option<Vec<String>>,
    /// Allowed RTMR0 values (96 hex digits each).
    pub rtmr0: Option<Vec<String>>,
    /// Allowed RTMR1 values (96 hex digits each).
    pub rtmr1: Option<Vec<String>>,
    /// Allowed RTMR2 values (96 hex digits each).
    pub rtmr2: Option<Vec<String>>,
    /// Allowed RTMR3 values (96 hex digits each).
    pub rtmr3: Option<Vec<String>>,
    /// Allowed MRSEAM (TDX module) values (96 hex digits each).
    pub mrseam: Option<Vec<String>>,
    /// Allowed XFAM values (16 hex digits each).
    pub xfam: Option<Vec<String>>,
    /// Refuse collateral whose TCB Info or QE Identity was issued longer ago than this many
    /// seconds before the verification time. Default: only Intel's own validity windows.
    pub max_collateral_age_secs: Option<i64>,
    /// The minimum TCB evaluation data number (Intel's TCB-recovery counter).
    pub min_tcb_eval_data_number: Option<u32>,
    /// Allowed MRCONFIGID values (96 hex digits each). Empty or unset: not pinned.
    pub mrconfigid: Option<Vec<String>>,
    /// Allowed MROWNER values (96 hex digits each). Empty or unset: not pinned.
    pub mrowner: Option<Vec<String>>,
    /// Allowed MROWNERCONFIG values (96 hex digits each). Empty or unset: not pinned.
    pub mrownerconfig: Option<Vec<String>>,
    /// Allowed MRSIGNERSEAM values (96 hex digits each). Unset: zero only (Intel's own TDX
    /// module); empty: not pinned.
    pub mrsignerseam: Option<Vec<String>>,
    /// Allowed SEAMATTRIBUTES values (16 hex digits each). Unset: zero only; empty: not pinned.
    pub seam_attributes: Option<Vec<String>>,
    /// Allowed FMSPC values (12 hex digits each: the platform family of the PCK certificate).
    /// Empty or unset: not pinned.
    pub fmspc: Option<Vec<String>>,
    /// The minimum TEE_TCB_SVN (32 hex digits), compared byte by byte. Unset: no minimum.
    pub min_tee_tcb_svn: Option<String>,
    /// The QE vendor id the quote must name (32 hex digits). Unset: Intel's.
    pub qe_vendor_id: Option<String>,
    /// Require the SEPT_VE_DISABLE TD attribute (default `true`).
    pub require_sept_ve_disable: Option<bool>,
    /// The roots to trust: `'production'` (the default), `'test'` (ccverify's TEST PKI) or the
    /// path of a PEM file of your own roots. Anything but `'production'` adds a
    /// `trust.anchors` warning to the verdict.
    #[napi(ts_type = "'production' | 'test' | (string & {})")]
    pub trust: Option<String>,
}

/// Verifies an Intel TDX quote — io.net's `cpu.quote` (hex text, with or without `0x`) or the
/// raw binary quote — with Intel's collateral for it (dcap-qvl's `QuoteCollateralV3` JSON:
/// TCB Info, QE Identity, CRLs and their chains).
///
/// Pass the nonce you sent with the attestation request as `options.nonce` (REPORTDATA must be
/// the nonce followed by 32 zero bytes), or the exact 64 bytes as `options.reportData`; without
/// either, `tdx.report_data` is skipped and the verdict is not verified. By default only TCB
/// status `UpToDate` is accepted, debug TDs are refused and measurements are reported but not
/// pinned (`tdx.measurements` warns) until you give allowlists (`mrtd`, `rtmr0`…`rtmr3`,
/// `mrseam`, `xfam`). The measurements, TCB status and collateral dates are in `facts`
/// (`tdx.mrtd`, `tdx.tcb_status`, …).
///
/// Offline: nothing is fetched; the verification time is `options.at` or the system clock.
/// Runs synchronously on the calling thread; {@link verifyTdxAsync} runs it on the libuv thread
/// pool instead.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_nonce` for a
/// nonce the agent would refuse, and `invalid_argument` for arguments of the wrong type, an
/// unknown or ill-typed option, bad hex or a wrong length in `reportData`, `tdAttributes` or an
/// allowlist, an unknown (or `Revoked`) TCB status name, or both `nonce` and `reportData`.
#[napi(catch_unwind)]
pub fn verify_tdx(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] quote: Unknown<'_>,
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] collateral: Unknown<'_>,
    #[napi(ts_arg_type = "TdxOptions | null")] options: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| run_now(tdx_work(&quote, &collateral, options)?))
}

/// {@link verifyTdx} on the libuv thread pool, off the JavaScript thread: the same verdict, as
/// a promise. Arguments are read (and wrong ones throw) at the call.
#[napi(catch_unwind, ts_return_type = "Promise<Verdict>")]
pub fn verify_tdx_async(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] quote: Unknown<'_>,
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] collateral: Unknown<'_>,
    #[napi(ts_arg_type = "TdxOptions | null")] options: Option<Unknown<'_>>,
) -> Result<AsyncTask<VerifyTask>> {
    guard(|| {
        Ok(AsyncTask::new(VerifyTask::new(tdx_work(
            &quote,
            &collateral,
            options,
        )?)))
    })
}

/// Reads `verifyTdx`'s arguments into the verification to run.
fn tdx_work(
    quote: &Unknown<'_>,
    collateral: &Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<Work> {
    let quote = js_bytes(quote, "quote")?.as_slice().to_vec();
    let collateral = js_bytes(collateral, "collateral")?.as_slice().to_vec();
    let options: ccverify::tdx::TdxOptions = js_options(options, "options")?;
    Ok(Box::new(move || {
        ccverify::tdx::verify_tdx_with(&quote, &collateral, &options)
    }))
}
