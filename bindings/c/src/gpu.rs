//! NVIDIA GPU evidence: `ccverify_verify_gpu`.

use std::ffi::c_char;

use ccverify::Options as _;

use ccverify::gpu::GpuOptions;

use crate::*;

/// Verifies the NVIDIA GPU evidence of an io.net attestation: the JSON text of its `gpu`
/// member (`gpu_json`, `gpu_json_len` bytes, exactly as received) for the nonce you sent with the attestation
/// request (`nonce_hex`, hex as you sent it: it is normalised exactly like the agent does, so
/// `0x` prefixes and 16-byte nonces work).
///
/// `options_json` is NULL or `""` for the defaults, or a JSON object with any of these keys:
/// `"rim_dir"` (directory of reference integrity manifests named by RIM id), `"ocsp_dir"`
/// (directory of cached DER OCSP responses), `"at"` (the verification time as RFC 3339 text,
/// e.g. `"2026-11-28T00:00:00Z"`, or Unix seconds; absent or null = the system clock),
/// `"expected_count"` (how many GPUs must be attested), `"expected_arch"` (default
/// `"HOPPER"`), `"require_revocation"` (default true), `"require_rims"` (default true),
/// `"allow_expired_rims"` (default false), `"allow_hold_for_rims"` (default false), `"trust"`
/// (`"production"`, the default; `"test"`; or the path of a PEM file of your own roots, whose
/// P-384 roots replace NVIDIA's: device identity first, then RIM signing; any but the
/// production roots adds a `trust.anchors` warning). Unknown keys are refused, so that a typo
/// cannot silently weaken the policy.
///
/// On success `*out` receives a verdict that the caller frees with `ccverify_verdict_free`;
/// per-GPU checks have a subject (`ccverify_verdict_check_subject`: `"gpu0"`, `"gpu1"`, …).
/// Bad evidence is not an error: it is a failed check in the verdict. The defaults are strict:
/// without RIMs and OCSP responses the verdict is not verified (those checks are skipped).
///
/// Errors: `CCVERIFY_STATUS_INVALID_NONCE` for a nonce the agent would refuse or one without
/// freshness (empty, all zeros); `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers, text
/// that is not UTF-8, options that are not such a JSON object (a wrong type, an unknown key,
/// an `at` that is not RFC 3339) and a `rim_dir` or `ocsp_dir` that cannot be read;
/// `CCVERIFY_STATUS_LIMIT_EXCEEDED` for `gpu_json_len` over `CCVERIFY_MAX_INPUT_LEN`.
/// `ccverify_last_error_message` says which.
///
/// # Safety
/// `gpu_json` valid for `gpu_json_len` bytes (NULL allowed when the length is 0); `nonce_hex`
/// NUL-terminated; `options_json` NULL or NUL-terminated; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_gpu(
    gpu_json: *const u8,
    gpu_json_len: usize,
    nonce_hex: *const c_char,
    options_json: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let gpu_json = bytes(gpu_json, gpu_json_len, "gpu_json")?;
            let nonce = text(nonce_hex, "nonce_hex")?;
            let options = if options_json.is_null() {
                GpuOptions::default()
            } else {
                GpuOptions::from_json(text(options_json, "options_json")?)?
            };
            let verdict = ccverify::gpu::verify_gpu(gpu_json, nonce, &options)?;
            write_out(out, boxed_verdict(verdict))
        }
    })
}
