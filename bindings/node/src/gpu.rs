//! `verifyGpu`: NVIDIA GPU evidence (the `gpu` member of an io.net attestation), over
//! [`ccverify::gpu::verify_gpu`]. Only argument conversion lives here; every default and every
//! rule is the core's.

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;

use crate::input::{js_bytes, js_options, js_string};
use crate::verdict::{VerifyTask, Work, run_now};
use crate::{Result, Verdict, guard};

/// Options of {@link verifyGpu}: where the RIMs and cached OCSP responses are, the verification
/// time, and the appraisal policy. Every key is optional and defaults to the strict policy;
/// `undefined` (and `null` for `rimDir`, `ocspDir`, `at` and `expectedCount`) means "not set".
/// Any other key throws `invalid_argument`, so that a misspelt key cannot silently weaken the
/// policy.
// Only the TypeScript interface is generated from this struct: `verifyGpu` hands the JS object
// to the core's `GpuOptions` schema (`js_options`), so every wrong value throws its
// `invalid_argument`.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct GpuOptions {
    /// Directory of NVIDIA RIMs named by RIM id (`<id>`, `<id>.xml` or `<id>.swidtag`). Without
    /// it the RIM and measurement checks cannot run.
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    pub ocsp_dir: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string such as
    /// `'2024-06-01T00:00:00Z'`. Default: the system clock at the call.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// How many GPUs must be attested. Default: not enforced, and `gpu.count` warns (io.net
    /// silently drops GPUs whose evidence it could not collect).
    pub expected_count: Option<u32>,
    /// The architecture the evidence must show (default `'HOPPER'`, the only one supported).
    pub expected_arch: Option<String>,
    /// Revocation must be proven by OCSP (default `true`). With `false`, a certificate without
    /// an OCSP answer makes `gpu.ocsp` warn instead of skip.
    pub require_revocation: Option<bool>,
    /// RIMs, and so the measurement comparison, are required (default `true`). With `false`, a
    /// RIM that cannot be found is a warning instead of a skip.
    pub require_rims: Option<bool>,
    /// Accept RIMs whose signer chain has expired at the verification time (default `false`).
    pub allow_expired_rims: Option<bool>,
    /// Accept a RIM signer certificate that is on hold (OCSP `certificateHold`), for RIM chains
    /// only (default `false`).
    pub allow_hold_for_rims: Option<bool>,
    /// The roots to trust: `'production'` (the default), `'test'` (ccverify's TEST PKI) or the
    /// path of a PEM file of your own roots. Anything but `'production'` adds a
    /// `trust.anchors` warning to the verdict.
    #[napi(ts_type = "'production' | 'test' | (string & {})")]
    pub trust: Option<String>,
}

/// Verifies an io.net `gpu` object — the JSON of the attestation's `gpu` member, NVIDIA
/// Hopper evidence — for the nonce you sent with the attestation request (hex; normalised as
/// the agent does, so `normalizeNonce` of it must succeed).
///
/// Offline: nothing is fetched. RIMs and OCSP responses come from `options.rimDir` and
/// `options.ocspDir`; the verification time is `options.at` or the system clock. Per-GPU
/// checks carry a `subject` (`gpu0`, `gpu1`, …). Runs synchronously on the calling thread;
/// {@link verifyGpuAsync} runs it on the libuv thread pool instead.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_nonce` for a
/// nonce the agent would refuse, and `invalid_argument` for arguments of the wrong type, an
/// unknown or ill-typed option, or a `rimDir` / `ocspDir` that is not a readable directory.
#[napi(catch_unwind)]
pub fn verify_gpu(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] gpu_json: Unknown<'_>,
    #[napi(ts_arg_type = "string")] nonce: Unknown<'_>,
    #[napi(ts_arg_type = "GpuOptions | null")] options: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| run_now(gpu_work(&gpu_json, &nonce, options)?))
}

/// {@link verifyGpu} on the libuv thread pool, off the JavaScript thread: the same verdict, as
/// a promise. Arguments are read (and wrong ones throw) at the call; the promise rejects with
/// what {@link verifyGpu} throws after reading them (`invalid_nonce`, an unusable directory).
#[napi(catch_unwind, ts_return_type = "Promise<Verdict>")]
pub fn verify_gpu_async(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] gpu_json: Unknown<'_>,
    #[napi(ts_arg_type = "string")] nonce: Unknown<'_>,
    #[napi(ts_arg_type = "GpuOptions | null")] options: Option<Unknown<'_>>,
) -> Result<AsyncTask<VerifyTask>> {
    guard(|| {
        Ok(AsyncTask::new(VerifyTask::new(gpu_work(
            &gpu_json, &nonce, options,
        )?)))
    })
}

/// Reads `verifyGpu`'s arguments into the verification to run.
fn gpu_work(
    gpu_json: &Unknown<'_>,
    nonce: &Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<Work> {
    let gpu_json = js_bytes(gpu_json, "gpuJson")?.as_slice().to_vec();
    let nonce = js_string(nonce, "nonce")?;
    let options: ccverify::gpu::GpuOptions = js_options(options, "options")?;
    Ok(Box::new(move || {
        ccverify::gpu::verify_gpu(&gpu_json, &nonce, &options)
    }))
}
