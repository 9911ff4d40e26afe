//! Audits of recorded exchanges: `ccverify_audit_jsonl`.

use std::ffi::c_char;

use ccverify::Options as _;
use ccverify::audit::AuditOptions;

use crate::*;

/// Audits a JSON Lines log of recorded exchanges (`log`, `log_len` bytes; one exchange per
/// line in the README's format: `id`, `request`/`request_b64`, `response`/`response_b64` with
/// `headers` or `stream`/`stream_b64`, and `address` or `bundle`) on every core, and writes the
/// report, compact JSON, to `*out_json` (free it with `ccverify_string_free`):
///
/// `{"summary": {...}, "results": [...]}` — the summary has `exchanges`, `verified`,
/// `not_verified`, `bad_lines` (each `{"source", "line", "reason"}`: lines that are not records
/// never stop the audit), `bundles` (`{"verified", "not_verified", "failures"}`), `keys` (count
/// by where the key came from), `duplicate_ids` and `failed_checks` (count by check id); each
/// result row, in the log's order, has `id`, `verified`, `key` (`"attested"`, `"caveated"`,
/// `"named"` or `"none"`), `failed` and `warnings` (check ids), `signer`, `request_hash`,
/// `response_hash` and `source` (`"log:LINE"`).
///
/// `options_json` is NULL or `""` for the defaults, or a JSON object with any of the keys
/// `"at"` and `"policy"` (how each bundle the log names is re-verified, as for
/// `ccverify_verify_bundle`; each bundle is verified once) and `"bundle_dir"` (the directory
/// relative `bundle` paths are read from; default the current directory). Unknown keys are
/// refused.
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for options that do not parse, NULL pointers and
/// text that is not UTF-8; `CCVERIFY_STATUS_LIMIT_EXCEEDED` for a log over
/// `CCVERIFY_MAX_INPUT_LEN`. A log of bad lines is not an error: they are in the report.
///
/// # Safety
/// `log` valid for `log_len` bytes (NULL allowed when the length is 0); `options_json` NULL or
/// NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_audit_jsonl(
    log: *const u8,
    log_len: usize,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ccverify_status {
    guard(|| {
        require_out(out_json)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let log = bytes(log, log_len, "log")?;
            let options = if options_json.is_null() {
                AuditOptions::default()
            } else {
                AuditOptions::from_json(text(options_json, "options_json")?)?
            };
            let report = ccverify::audit::audit_jsonl(log, &options);
            let json = c_string(&report.to_value().to_string()).into_raw();
            write_out(out_json, json)
        }
    })
}
