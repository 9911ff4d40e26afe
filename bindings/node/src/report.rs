//! `verifyReport`, `verifyBundle`, `loadPolicy` and `POLICY_PRESETS`: whole io.net attestations
//! and evidence bundles under one policy, over [`ccverify::report::verify_report`],
//! [`ccverify::bundle::verify_bundle`] and [`ccverify::policy::Policy`]. Only argument
//! conversion lives here: every default, every rule and every value check is the core's.
//!
//! A policy is given either as text (the shared JSON or TOML policy document with its
//! snake_case keys, or a preset name) or as a JavaScript object with camelCase keys
//! (`imageDigests`, `gpu.expectedCount`, `tdx.acceptedTcbStatuses`, …, the names `verifyGpu` and
//! `verifyTdx` use); the core reads both ([`ccverify::Options::from_camel`]). `loadPolicy`
//! returns the camelCase form, so its result can be passed back as a policy.

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;
use serde_json::Value;

use crate::input::{js_bytes, js_options, js_string};
use crate::verdict::{VerifyTask, Work, run_now};
use crate::{Result, Verdict, core_error, guard};

/// The names of the policy presets, for `loadPolicy` or the `policy` option: `'default'` (every
/// hardware check strict, no image allowlist, the unbound signing key warned), `'offline'`
/// (`default`, with revocation that cannot be proven from the supplied OCSP responses a warning)
/// and `'strict'` (`default`, plus an image allowlist and a hardware-bound signing key are
/// required: an io.net attestation never verifies under it today).
#[napi]
pub const POLICY_PRESETS: [&str; 3] = ["default", "offline", "strict"];

// `POLICY_PRESETS` must list the core's presets (node/test/report.test.mjs compares the names).
const _: () = assert!(POLICY_PRESETS.len() == ccverify::policy::PRESETS.len());

/// The appraisal policy of a whole attestation, as a JavaScript object (the camelCase form of the
/// shared JSON/TOML policy document). Every key is optional: the policy starts from `preset`
/// (default `'default'`) and each key set overrides it. `undefined` (and `null` for
/// `preset`, `gpu.expectedCount`, `tdx.tdAttributes`, `tdx.maxCollateralAgeSecs` and
/// `tdx.minTcbEvalDataNumber`) means "not set". Any other key — including the document's
/// snake_case spellings — throws `invalid_argument`, so that a misspelt key cannot silently
/// weaken the policy. {@link loadPolicy} returns this form with every key resolved.
// Only the TypeScript interfaces are generated from these structs: the JS objects are read by
// the core's `Policy` schema (`js_options`) and written from its document form.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct Policy {
    /// The preset the policy starts from (in `loadPolicy`'s result: the one it started from).
    #[napi(ts_type = "'default' | 'offline' | 'strict'")]
    pub preset: Option<String>,
    /// Fetch nothing from the network: a {@link Session} fetches no RIMs, OCSP answers or Intel
    /// collateral (informational for the verifications, which never fetch).
    pub offline: Option<bool>,
    /// Accepted `image_digest` values (`sha256:` and 64 lowercase hex digits). Empty: the
    /// digest is only reported and `report.image_digest` warns.
    pub image_digests: Option<Vec<String>>,
    /// With no allowlist configured, fail `report.image_digest` instead of warning.
    pub require_image_digest: Option<bool>,
    /// Fail `report.key_binding` because io.net does not bind the signing key into the hardware
    /// evidence (default `false`: warned).
    pub require_key_binding: Option<bool>,
    /// The GPU appraisal.
    pub gpu: Option<GpuPolicy>,
    /// The TDX appraisal.
    pub tdx: Option<TdxPolicy>,
    /// The roots to trust: `'production'` (NVIDIA's and Intel's pinned roots; the default),
    /// `'test'` (ccverify's TEST PKI, e.g. for `ccverify sandbox --evidence test`: proves nothing
    /// about real hardware; verdicts then carry a `trust.anchors` warning and say "TEST ROOTS"),
    /// or the path of a PEM file of your own roots (its P-256 root replaces Intel's, its P-384
    /// roots NVIDIA's; verdicts say "CALLER'S TRUST ANCHORS"). A bundle's recorded policy never
    /// selects anything but the production roots.
    #[napi(ts_type = "'production' | 'test' | (string & {})")]
    pub trust: Option<String>,
}

/// The GPU part of a {@link Policy} (the policy keys of {@link GpuOptions}).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct GpuPolicy {
    /// How many GPUs must be attested. Default: not enforced, and `gpu.count` warns.
    pub expected_count: Option<u32>,
    /// The architecture the evidence must show (default `'HOPPER'`, the only one supported).
    pub expected_arch: Option<String>,
    /// Revocation must be proven by OCSP (default `true`; `false` in the `offline` preset).
    pub require_revocation: Option<bool>,
    /// RIMs, and so the measurement comparison, are required (default `true`).
    pub require_rims: Option<bool>,
    /// Accept RIMs whose signer chain has expired at the verification time (default `false`).
    pub allow_expired_rims: Option<bool>,
    /// Accept a RIM signer certificate that is on hold, for RIM chains only (default `false`).
    pub allow_hold_for_rims: Option<bool>,
}

/// The TDX part of a {@link Policy} (the policy keys of {@link TdxOptions}). Hex values may
/// start with `0x`; `loadPolicy` returns them in lowercase without it.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct TdxPolicy {
    /// Accepted TCB statuses, as Intel spells them (default `['UpToDate']`; never `Revoked`).
    pub accepted_tcb_statuses: Option<Vec<String>>,
    /// Advisory ids (`INTEL-SA-…`) that fail `tdx.tcb_status` when the platform is affected.
    pub rejected_advisories: Option<Vec<String>>,
    /// Accept debug or profiling TDs (default `false`; never in production).
    pub allow_debug: Option<bool>,
    /// The exact TDATTRIBUTES, 16 hex digits. Default: not pinned.
    pub td_attributes: Option<String>,
    /// Allowed MRTD values (96 hex digits each). Empty: not pinned.
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
    /// Refuse collateral issued longer ago than this many seconds before the verification time.
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
}

/// Options of {@link verifyReport}: the nonce you sent, where the RIMs, OCSP responses and Intel
/// collateral are, the verification time and the policy. Only `nonce` is required; `undefined`
/// and `null` mean "not set" for the others. Any other key throws `invalid_argument`, so that a
/// misspelt key cannot silently weaken the policy.
// Only the TypeScript interface is generated from this struct: `verifyReport` hands the JS
// object to the core's `ReportOptions` schema (`js_options`).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct ReportOptions {
    /// The nonce you sent to `/v1/private/attestation` (hex; normalised as the agent does, so
    /// `normalizeNonce` of it must succeed).
    pub nonce: String,
    /// The policy: a preset name (`'default'`, `'offline'`, `'strict'`), a JSON or TOML policy
    /// document (snake_case keys, as in policy files), or a {@link Policy} object (camelCase).
    /// Default: the `default` preset.
    #[napi(ts_type = "string | Policy")]
    pub policy: Option<String>,
    /// Directory of NVIDIA RIMs named by RIM id. Without it the RIM and measurement checks
    /// cannot run.
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    pub ocsp_dir: Option<String>,
    /// Intel collateral for the TDX quote (dcap-qvl's `QuoteCollateralV3` JSON): its text, as a
    /// string, `Buffer` or `Uint8Array`, or the parsed object. Without it `tdx.collateral`,
    /// `tdx.quote_signature` and `tdx.tcb_status` are skipped.
    #[napi(ts_type = "string | Buffer | Uint8Array | Record<string, unknown>")]
    pub collateral: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string. Default: the
    /// system clock at the call.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
}

/// Options of {@link verifyBundle}: the verification time and policy. `undefined` and `null`
/// mean the defaults — now, and the `default` preset: never what the bundle says unless asked
/// for with `'recorded'`. Any other key throws `invalid_argument`.
// Only the TypeScript interface is generated from this struct (see `ReportOptions`).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct BundleOptions {
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string. Default:
    /// now. `'recorded'` uses the time the bundle says it was verified at — a value its writer
    /// chose, so the verdict then warns (`bundle.inputs`).
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// The policy, in any form {@link ReportOptions.policy} takes. Default: the `default`
    /// preset. `'recorded'` applies the policy stored in the bundle — its writer could have
    /// relaxed it, so the verdict then warns (`bundle.inputs`).
    #[napi(ts_type = "'recorded' | string | Policy")]
    pub policy: Option<String>,
}

/// Verifies a whole io.net attestation — the body of the `POST /v1/private/attestation` answer,
/// exactly as received — for the nonce you sent: the nonce echo (exact equality), every GPU
/// report (see {@link verifyGpu}), the TDX quote with REPORTDATA = nonce ‖ 32 zero bytes (see
/// {@link verifyTdx}), the `image_digest` against the policy's allowlist, the form of
/// `signing_address`, and whether the signing key is bound to the hardware evidence (for io.net
/// it is not: `report.key_binding` warns, and fails under the `strict` preset).
///
/// The verdict's `signer` is the attested `signing_address` when it is well-formed — the key to
/// pin for the completions that follow (`verifyResponse`, `StreamVerifier`) once the verdict is
/// verified. `facts.summary` says in plain language what is and is not proven; the other facts
/// are those of the GPU and TDX verifications (measurements, TCB status, versions, …).
///
/// Offline: nothing is fetched. Runs synchronously on the calling thread (a whole report takes
/// milliseconds); {@link verifyReportAsync} runs it on the libuv thread pool instead.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_nonce` for a
/// nonce the agent would refuse, and `invalid_argument` for arguments of the wrong type, a
/// missing `nonce`, an unknown or ill-typed option or policy key, a policy the core refuses, or
/// a `rimDir` / `ocspDir` that is not a readable directory.
#[napi(catch_unwind)]
pub fn verify_report(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] report: Unknown<'_>,
    #[napi(ts_arg_type = "ReportOptions")] options: Unknown<'_>,
) -> Result<Verdict> {
    guard(|| run_now(report_work(&report, options)?))
}

/// {@link verifyReport} on the libuv thread pool, off the JavaScript thread: the same verdict,
/// as a promise. Arguments are read (and wrong ones throw) at the call; the promise rejects only
/// with what {@link verifyReport} throws after reading them (`invalid_nonce`, an unusable
/// policy or directory).
#[napi(catch_unwind, ts_return_type = "Promise<Verdict>")]
pub fn verify_report_async(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] report: Unknown<'_>,
    #[napi(ts_arg_type = "ReportOptions")] options: Unknown<'_>,
) -> Result<AsyncTask<VerifyTask>> {
    guard(|| {
        Ok(AsyncTask::new(VerifyTask::new(report_work(
            &report, options,
        )?)))
    })
}

/// Reads `verifyReport`'s arguments into the verification to run.
fn report_work(report: &Unknown<'_>, options: Unknown<'_>) -> Result<Work> {
    let report = js_bytes(report, "report")?.as_slice().to_vec();
    let options: ccverify::report::ReportOptions = js_options(Some(options), "options")?;
    Ok(Box::new(move || {
        ccverify::report::verify_report(&report, &options)
    }))
}

/// Re-verifies an evidence bundle (the `ccverify-bundle/1` JSON a client or the CLI wrote)
/// offline: the attestation as {@link verifyReport} does, with the RIMs, OCSP responses and
/// collateral stored in it — each verified to NVIDIA's and Intel's pinned roots as if just
/// fetched; the stored verdict is ignored — then every stored exchange against the attested
/// signing address (its checks carry the subject `exchange0`, `exchange1`, …).
///
/// A bundle is untrusted input: by default it is verified now under the `default` preset,
/// whatever policy and time it records (`bundle.inputs` passes); `options.at` and
/// `options.policy` choose others, and `'recorded'` asks for the bundle's own, which makes
/// `bundle.inputs` warn. Runs synchronously on the calling thread; {@link verifyBundleAsync}
/// runs it on the libuv thread pool instead.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_argument` for
/// a bundle that cannot be read (not JSON, another format, a missing member), an unknown or
/// ill-typed option or policy key; `limit_exceeded` for a bundle over 64 MiB; `invalid_nonce`
/// for a bundle whose nonce is malformed.
#[napi(catch_unwind)]
pub fn verify_bundle(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] bundle: Unknown<'_>,
    #[napi(ts_arg_type = "BundleOptions | null")] options: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| run_now(bundle_work(&bundle, options)?))
}

/// {@link verifyBundle} on the libuv thread pool, off the JavaScript thread: the same verdict,
/// as a promise. Arguments are read (and wrong ones throw) at the call; the promise rejects with
/// what {@link verifyBundle} throws for a bundle it cannot read.
#[napi(catch_unwind, ts_return_type = "Promise<Verdict>")]
pub fn verify_bundle_async(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] bundle: Unknown<'_>,
    #[napi(ts_arg_type = "BundleOptions | null")] options: Option<Unknown<'_>>,
) -> Result<AsyncTask<VerifyTask>> {
    guard(|| {
        Ok(AsyncTask::new(VerifyTask::new(bundle_work(
            &bundle, options,
        )?)))
    })
}

/// Reads `verifyBundle`'s arguments into the verification to run.
fn bundle_work(bundle: &Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Work> {
    let bundle = js_bytes(bundle, "bundle")?.as_slice().to_vec();
    let options: ccverify::bundle::BundleOptions = js_options(options, "options")?;
    Ok(Box::new(move || {
        ccverify::bundle::verify_bundle(&bundle, &options)
    }))
}

/// Reads a policy — a preset name from {@link POLICY_PRESETS}, or a JSON or TOML policy document
/// (snake_case keys, as in policy files) — and returns it normalised: every key resolved to its
/// value, in the camelCase object form `verifyReport` and `verifyBundle` accept (limits that are
/// not set are left out). Throws `invalid_argument` for text that is not a policy (unknown key,
/// bad value, unknown preset).
#[napi(catch_unwind, ts_return_type = "Policy")]
pub fn load_policy(#[napi(ts_arg_type = "string")] text_or_preset: Unknown<'_>) -> Result<Value> {
    guard(|| {
        let text = js_string(&text_or_preset, "textOrPreset")?;
        let policy = ccverify::policy::Policy::parse(&text).map_err(core_error)?;
        Ok(ccverify::options::to_camel(policy.to_value()))
    })
}
