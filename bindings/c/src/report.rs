//! Whole attestations and bundles: `ccverify_verify_report`, `ccverify_verify_bundle`,
//! `ccverify_policy_normalize`.

use std::ffi::c_char;

use ccverify::Options as _;

use ccverify::bundle::BundleOptions;
use ccverify::policy::Policy;
use ccverify::report::ReportOptions;

use crate::*;

/// Verifies a whole io.net attestation: the JSON bytes of the `POST /v1/private/attestation`
/// answer (`report`, `report_len` bytes, exactly as received), end to end — the nonce echo,
/// every GPU report (as `ccverify_verify_gpu`), the TDX quote (as `ccverify_verify_tdx`, with
/// REPORTDATA = nonce followed by 32 zero bytes), the `image_digest` against the policy's
/// allowlist, the form of `signing_address`, and whether the signing key is bound to the
/// hardware evidence (for io.net it is not: a warning by default, a failure under `strict`).
///
/// `options_json` is a JSON object (required: the nonce has no default) with the keys:
/// `"nonce"` (required: the hex nonce you sent, normalised like the agent does), `"rim_dir"`
/// (directory of NVIDIA RIMs named by RIM id), `"ocsp_dir"` (directory of cached DER OCSP
/// responses), `"collateral"` (Intel collateral, dcap-qvl's `QuoteCollateralV3` JSON, as an
/// object or as JSON text; absent = `tdx.collateral` is skipped), `"at"` (the verification time
/// as RFC 3339 text or Unix seconds; absent or null = the system clock) and `"policy"` (a
/// policy object, or text: JSON, TOML or a preset name `"default"`, `"offline"`, `"strict"`;
/// see `ccverify_policy_normalize`). Unknown keys are refused, so that a typo cannot silently
/// weaken the policy. Nothing is fetched: RIMs, OCSP responses and collateral come only from
/// these options.
///
/// On success `*out` receives a verdict that the caller frees with `ccverify_verdict_free`.
/// Its checks are `report.*`, `gpu.*` (with subjects `"gpu0"`, …) and `tdx.*`; its signer
/// (`ccverify_verdict_signer`) is the attested `signing_address` when it is well-formed — the
/// key to pin for the completions that follow; its fact `"summary"` says in plain words what
/// is and is not proven. Bad evidence — a report that is not JSON, a missing or tampered
/// member — is not an error: it is a failed check in the verdict.
///
/// Errors: `CCVERIFY_STATUS_INVALID_NONCE` for a nonce the agent would refuse or one without
/// freshness (empty, all zeros); `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers (including
/// a NULL `options_json`), text that is not UTF-8, options that are not such a JSON object (no
/// nonce, a wrong type, an unknown key, a policy that does not parse, an `at` that is not
/// RFC 3339) and a `rim_dir` or `ocsp_dir` that cannot be read; `CCVERIFY_STATUS_LIMIT_EXCEEDED`
/// for a length over `CCVERIFY_MAX_INPUT_LEN`. `ccverify_last_error_message` says which.
///
/// # Safety
/// `report` valid for `report_len` bytes (NULL allowed when the length is 0); `options_json`
/// NUL-terminated; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_report(
    report: *const u8,
    report_len: usize,
    options_json: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let report = bytes(report, report_len, "report")?;
            let options = ReportOptions::from_json(text(options_json, "options_json")?)?;
            let verdict = ccverify::report::verify_report(report, &options)?;
            write_out(out, boxed_verdict(verdict))
        }
    })
}

/// Re-verifies an evidence bundle (`bundle`, `bundle_len` bytes of its JSON, as written by the
/// CLI or a session) offline: the attestation inside it with the RIMs, OCSP responses and
/// collateral it carries — each verified to NVIDIA's and Intel's pinned roots as if just
/// fetched; the stored verdict is ignored — and every stored completion against the attested
/// signing address (checks with the subjects `"exchange0"`, …).
///
/// A bundle is untrusted input: its recorded policy and time are never applied unless asked
/// for. `options_json` is NULL or `""` for the defaults (now, the `default` preset), or a JSON
/// object with any of the keys `"at"` (RFC 3339 text, Unix seconds, or `"recorded"` for the
/// time stored in the bundle) and `"policy"` (as for `ccverify_verify_report`, or
/// `"recorded"` for the policy stored in the bundle). Asking for a recorded value makes the
/// check `bundle.inputs` warn. Unknown keys are refused.
///
/// On success `*out` receives a verdict (free it with `ccverify_verdict_free`) with the facts
/// `"summary"`, `"bundle.at"`, `"bundle.time_source"`, `"policy.name"`, `"policy.sha256"`,
/// `"policy.source"` and `"bundle.exchanges"`. Bad evidence inside a readable bundle is a
/// failed check in the verdict.
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for a bundle that cannot be read (not JSON, not
/// an object, another `format`, a missing or mistyped member), options as above that do not
/// parse, NULL pointers and text that is not UTF-8; `CCVERIFY_STATUS_INVALID_NONCE` for a
/// stored nonce the agent would refuse; `CCVERIFY_STATUS_LIMIT_EXCEEDED` for a bundle over its
/// size limit (64 MiB). `ccverify_last_error_message` says which.
///
/// # Safety
/// `bundle` valid for `bundle_len` bytes (NULL allowed when the length is 0); `options_json`
/// NULL or NUL-terminated; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_bundle(
    bundle: *const u8,
    bundle_len: usize,
    options_json: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let bundle = bytes(bundle, bundle_len, "bundle")?;
            let options = if options_json.is_null() {
                BundleOptions::default()
            } else {
                BundleOptions::from_json(text(options_json, "options_json")?)?
            };
            let verdict = ccverify::bundle::verify_bundle(bundle, &options)?;
            write_out(out, boxed_verdict(verdict))
        }
    })
}

/// Parses a policy — JSON (text starting with `{`), TOML, or a preset name (`"default"`,
/// `"offline"`, `"strict"`) — and writes its canonical form, compact JSON with every key
/// spelled out, to `*out_json`. That JSON is accepted wherever a policy is (the `"policy"` of
/// `ccverify_verify_report` and `ccverify_verify_bundle`) and means the same policy. The caller
/// frees the string with `ccverify_string_free`.
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for a policy that does not parse (an unknown key
/// or preset, a wrong type, a malformed image digest or measurement), NULL pointers and text
/// that is not UTF-8; `ccverify_last_error_message` says which.
///
/// # Safety
/// `text` NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_policy_normalize(
    text: *const c_char,
    out_json: *mut *mut c_char,
) -> ccverify_status {
    guard(|| {
        require_out(out_json)?;
        // SAFETY: caller contract for `text`.
        let policy = Policy::parse(unsafe { self::text(text, "text") }?)?;
        let json = c_string(&policy.to_json()).into_raw();
        // SAFETY: `out_json` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out_json, json) }
    })
}
