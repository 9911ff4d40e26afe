//! C ABI for ccverify. The header `include/ccverify.h` is generated from this file by cbindgen.
//!
//! Every export catches panics, checks every pointer, and writes out-parameters only on
//! success. Objects are opaque and freed by their `_free` function.
#![allow(non_camel_case_types)]
// This crate is the one place where the project uses `unsafe`: raw pointers from C.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::sync::OnceLock;

use ccverify::Options as _;
use ccverify::bundle::BundleOptions;
use ccverify::gpu::GpuOptions;
use ccverify::policy::Policy;
use ccverify::report::ReportOptions;
use ccverify::tdx::TdxOptions;
use ccverify::{Address, Check, CheckStatus, Error, ErrorKind, Nonce, StreamVerifier, Verdict};

mod client;
pub use client::*;

/// Largest input buffer accepted by any function (1 GiB); larger lengths give
/// `CCVERIFY_STATUS_LIMIT_EXCEEDED`.
pub const CCVERIFY_MAX_INPUT_LEN: usize = 1 << 30;

/// Size of the buffer `ccverify_recover_address` writes: `0x` + 40 hex digits + NUL.
pub const CCVERIFY_ADDRESS_BUFFER_LEN: usize = 43;

/// Size of the buffer the nonce functions write: 64 lowercase hex digits + NUL.
pub const CCVERIFY_NONCE_HEX_BUFFER_LEN: usize = 65;

/// Result of a call. The numbers are stable and never reused; names match the `code` of
/// errors in every other binding (`CCVERIFY_STATUS_INVALID_NONCE` ↔ `"invalid_nonce"`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ccverify_status {
    /// Success.
    Ok = 0,
    /// A malformed argument: a NULL pointer where one is required, text that is not UTF-8.
    InvalidArgument = 1,
    /// A nonce the io.net agent would reject, or one without freshness (empty, all zeros).
    InvalidNonce = 2,
    /// An address that is not 40 hex digits or fails its EIP-55 checksum.
    InvalidAddress = 3,
    /// A malformed or unrecoverable signature given to `ccverify_recover_address`.
    InvalidSignature = 4,
    /// An input longer than `CCVERIFY_MAX_INPUT_LEN`.
    LimitExceeded = 5,
    /// An object used in a state that forbids the call (e.g. update after finish).
    InvalidState = 6,
    /// The operating system's random number generator failed.
    Rng = 7,
    /// A network step failed (connection, TLS, timeout, an HTTP error that persisted after the
    /// retries). Offline verification never returns it.
    Network = 8,
    /// An attestation did not verify and the caller did not allow unverified use, so an
    /// attested session refused to continue.
    AttestationFailed = 9,
    /// A bug, including a caught panic. Please report it.
    Internal = 99,
}

impl From<ErrorKind> for ccverify_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => ccverify_status::InvalidArgument,
            ErrorKind::InvalidNonce => ccverify_status::InvalidNonce,
            ErrorKind::InvalidAddress => ccverify_status::InvalidAddress,
            ErrorKind::InvalidSignature => ccverify_status::InvalidSignature,
            ErrorKind::LimitExceeded => ccverify_status::LimitExceeded,
            ErrorKind::InvalidState => ccverify_status::InvalidState,
            ErrorKind::Rng => ccverify_status::Rng,
            ErrorKind::Network => ccverify_status::Network,
            ErrorKind::AttestationFailed => ccverify_status::AttestationFailed,
            ErrorKind::Internal => ccverify_status::Internal,
            // `ErrorKind` is non-exhaustive: a kind newer than this binding is a bug here.
            _ => ccverify_status::Internal,
        }
    }
}

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
pub struct ccverify_verdict {
    verdict: Verdict,
    ids: Vec<CString>,
    details: Vec<CString>,
    subjects: Vec<Option<CString>>,
    signer: Option<CString>,
    facts: Vec<(CString, CString)>,
    json: CString,
}

/// An incremental verifier for a streamed response. Free with `ccverify_stream_verifier_free`.
pub struct ccverify_stream_verifier {
    inner: StreamVerifier,
    /// What the last `_update` or `_tail` handed out; valid until the next call.
    out: Vec<u8>,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// A C string from Rust text; interior NULs (never produced by ccverify) become U+FFFD.
fn c_string(text: &str) -> CString {
    CString::new(text)
        .unwrap_or_else(|_| CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default())
}

fn set_last_error(message: &str) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(c_string(message)));
}

fn fail(error: Error) -> ccverify_status {
    set_last_error(&error.to_string());
    error.kind().into()
}

/// Runs `body` behind a panic boundary; a panic becomes `CCVERIFY_STATUS_INTERNAL`.
fn guard(body: impl FnOnce() -> Result<(), Error>) -> ccverify_status {
    match ccverify::error::catch_panic(body) {
        Ok(Ok(())) => ccverify_status::Ok,
        Ok(Err(e)) | Err(e) => fail(e),
    }
}

/// Runs an accessor behind a panic boundary, returning `fallback` on panic.
fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    ccverify::error::catch_panic(body).unwrap_or(fallback)
}

/// Borrows `len` bytes at `ptr`; `ptr` may be NULL only when `len` is 0.
///
/// # Safety
/// `ptr` must be valid for reads of `len` bytes for the returned lifetime.
unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if len > CCVERIFY_MAX_INPUT_LEN {
        return Err(Error::LimitExceeded(format!(
            "{what} is {len} bytes, the limit is {CCVERIFY_MAX_INPUT_LEN}"
        )));
    }
    if ptr.is_null() {
        return Err(Error::InvalidArgument(format!(
            "{what} is NULL with a length of {len}"
        )));
    }
    // SAFETY: non-NULL, length checked above, validity guaranteed by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows a NUL-terminated UTF-8 string.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string valid for the returned lifetime.
unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let raw = unsafe { CStr::from_ptr(ptr) };
    if raw.to_bytes().len() > CCVERIFY_MAX_INPUT_LEN {
        return Err(Error::LimitExceeded(format!(
            "{what} is longer than the limit"
        )));
    }
    raw.to_str()
        .map_err(|_| Error::InvalidArgument(format!("{what} is not valid UTF-8")))
}

/// Parses an optional expected address (NULL = none).
///
/// # Safety
/// As for [`text`].
unsafe fn optional_address(ptr: *const c_char) -> Result<Option<Address>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded caller contract.
    let t = unsafe { text(ptr, "expected_address") }?;
    Address::parse(t).map(Some)
}

/// Fails unless the out-parameter is usable; called before any work so that nothing is
/// allocated for an output that cannot be delivered.
fn require_out<T>(out: *mut T) -> Result<(), Error> {
    if out.is_null() {
        return Err(Error::InvalidArgument("output pointer is NULL".into()));
    }
    Ok(())
}

/// Writes `value` through `out`, checked non-NULL by [`require_out`] first.
///
/// # Safety
/// `out` must be valid for a write of `T`.
unsafe fn write_out<T>(out: *mut T, value: T) -> Result<(), Error> {
    require_out(out)?;
    // SAFETY: non-NULL and writable per the caller's contract.
    unsafe { out.write(value) };
    Ok(())
}

fn check_status(status: CheckStatus) -> ccverify_check_status {
    match status {
        CheckStatus::Pass => ccverify_check_status::Pass,
        CheckStatus::Fail => ccverify_check_status::Fail,
        CheckStatus::Skip => ccverify_check_status::Skip,
        CheckStatus::Warn => ccverify_check_status::Warn,
    }
}

fn boxed_verdict(verdict: Verdict) -> *mut ccverify_verdict {
    Box::into_raw(Box::new(c_verdict(verdict)))
}

/// A verdict with its C strings made once, so that accessors can lend them.
fn c_verdict(verdict: Verdict) -> ccverify_verdict {
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
unsafe fn verdict_str(
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
unsafe fn verdict_ref<'a>(v: *const ccverify_verdict) -> Option<&'a ccverify_verdict> {
    // SAFETY: NULL or a live Box-allocated verdict per the caller's contract.
    unsafe { v.as_ref() }
}

/// Whether the io.net agent answers the request body (`request_len` bytes) with a stream: its
/// own rule, `"stream"` true after pydantic's lax coercion (`true`, `1`, `"true"`, …). False
/// for a body the agent would refuse, and for NULL with a non-zero length. Decide from this —
/// never from a reply's `Content-Type`, which a relay controls — whether to read a reply
/// through a stream verifier.
///
/// # Safety
/// `request` valid for `request_len` bytes (NULL allowed when the length is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_request_streams(request: *const u8, request_len: usize) -> bool {
    guard_value(false, || {
        // SAFETY: caller contract for the request.
        unsafe { bytes(request, request_len, "request") }.is_ok_and(ccverify::request_streams)
    })
}

/// The library version, e.g. `"0.1.0"`. Static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ccverify_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// The stable name of a `ccverify_status` value, e.g. `"invalid_nonce"` (`"ok"` for success,
/// `"unknown"` for a number this version does not know). Static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ccverify_status_name(status: u32) -> *const c_char {
    // The names of the core's error table, NUL-terminated once for the life of the process.
    static NAMES: OnceLock<Vec<(u32, CString)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        ErrorKind::ALL
            .iter()
            .filter_map(|k| Some((k.code(), CString::new(k.as_str()).ok()?)))
            .collect()
    });
    match status {
        0 => c"ok".as_ptr(),
        _ => names
            .iter()
            .find(|(code, _)| *code == status)
            .map_or(c"unknown".as_ptr(), |(_, name)| name.as_ptr()),
    }
}

/// The message of the last failed call on this thread, or NULL if none failed yet. Valid until
/// the next failing call on the same thread; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ccverify_last_error_message() -> *const c_char {
    guard_value(std::ptr::null(), || {
        LAST_ERROR.with(|slot| {
            slot.borrow()
                .as_ref()
                .map_or(std::ptr::null(), |m| m.as_ptr())
        })
    })
}

/// Verifies a plain (non-streamed) io.net response.
///
/// `request`/`response` are the exact body bytes sent and received. `header_names` and
/// `header_values` are `header_count` NUL-terminated UTF-8 strings each (names are matched
/// case-insensitively). `expected_address` is the attested signing address, or NULL — but
/// without it the verdict is never verified. On success `*out` receives a verdict that the
/// caller frees with `ccverify_verdict_free`. Bad evidence is not an error: it is a failed
/// check in the verdict.
///
/// # Safety
/// Every pointer must be valid for its stated length (a buffer may be NULL when its length is
/// 0); `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_response(
    request: *const u8,
    request_len: usize,
    response: *const u8,
    response_len: usize,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    expected_address: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let request = bytes(request, request_len, "request")?;
            let response = bytes(response, response_len, "response")?;
            let expected = optional_address(expected_address)?;
            let mut headers = Vec::with_capacity(header_count.min(1024));
            if header_count > 0 {
                if header_names.is_null() || header_values.is_null() {
                    return Err(Error::InvalidArgument(
                        "header arrays are NULL with a non-zero count".into(),
                    ));
                }
                if header_count > 1 << 16 {
                    return Err(Error::LimitExceeded(format!("{header_count} headers")));
                }
                for i in 0..header_count {
                    let name = text(*header_names.add(i), "header name")?;
                    let value = text(*header_values.add(i), "header value")?;
                    headers.push((name, value));
                }
            }
            let verdict = ccverify::verify_response(request, response, &headers, expected.as_ref());
            write_out(out, boxed_verdict(verdict))
        }
    })
}

/// Verifies a complete SSE stream (all bytes to the end of the connection). Same conventions
/// as `ccverify_verify_response`.
///
/// # Safety
/// As for `ccverify_verify_response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_stream(
    request: *const u8,
    request_len: usize,
    stream: *const u8,
    stream_len: usize,
    expected_address: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let request = bytes(request, request_len, "request")?;
            let stream = bytes(stream, stream_len, "stream")?;
            let expected = optional_address(expected_address)?;
            let verdict = ccverify::verify_stream(request, stream, expected.as_ref());
            write_out(out, boxed_verdict(verdict))
        }
    })
}

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
/// `"allow_expired_rims"` (default false), `"allow_hold_for_rims"` (default false). Unknown
/// keys are refused, so that a typo cannot silently weaken the policy.
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
///   16 hex digits), `"max_collateral_age_secs"` and `"min_tcb_eval_data_number"` (integers).
///   Empty allowlists are not pinned: `tdx.measurements` is then a warning.
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

/// Frees a string this library allocated for the caller (`ccverify_policy_normalize`). NULL is
/// ignored. Never pass it a borrowed string (accessors, `ccverify_last_error_message`).
///
/// # Safety
/// `s` must be NULL or a string from this library not freed before and not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_string_free(s: *mut c_char) {
    guard_value((), || {
        if !s.is_null() {
            // SAFETY: allocated by `CString::into_raw` in this library, freed once per the
            // contract.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

/// Starts verifying a stream incrementally. Feed bytes with `ccverify_stream_verifier_update`
/// as they arrive (any chunking), then call `ccverify_stream_verifier_finish`. Free the
/// verifier with `ccverify_stream_verifier_free`, finished or not.
///
/// # Safety
/// As for `ccverify_verify_response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_new(
    request: *const u8,
    request_len: usize,
    expected_address: *const c_char,
    out: *mut *mut ccverify_stream_verifier,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let request = bytes(request, request_len, "request")?;
            let expected = optional_address(expected_address)?;
            let inner = StreamVerifier::new(request, expected);
            write_out(
                out,
                Box::into_raw(Box::new(ccverify_stream_verifier {
                    inner,
                    out: Vec::new(),
                })),
            )
        }
    })
}

/// Feeds the next `chunk_len` bytes of the stream (any chunking, even inside a UTF-8
/// character; the bytes are not retained) and hands back what to forward instead of them:
/// `*out` / `*out_len` receive the canonical re-serialisation of the events these bytes
/// completed (`data: <payload>\n\n` per data line the agent hashed; often empty, then `*out` is
/// NULL). Never forward the raw chunks: only these bytes are covered by the signature. The
/// buffer is borrowed from the verifier and valid until the next call on it.
///
/// # Safety
/// `verifier` must be a live verifier from `ccverify_stream_verifier_new`; `chunk` valid for
/// `chunk_len` bytes; `out` and `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_update(
    verifier: *mut ccverify_stream_verifier,
    chunk: *const u8,
    chunk_len: usize,
    out: *mut *const u8,
    out_len: *mut usize,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        require_out(out_len)?;
        // SAFETY: caller contract: NULL or a live, exclusively used verifier.
        let v = unsafe { verifier.as_mut() }
            .ok_or_else(|| Error::InvalidArgument("verifier is NULL".into()))?;
        // SAFETY: caller contract for the chunk.
        let chunk = unsafe { bytes(chunk, chunk_len, "chunk") }?;
        v.out = v.inner.update(chunk)?;
        // SAFETY: both checked non-NULL; writable per the caller's contract.
        unsafe { lend(&v.out, out, out_len) }
    })
}

/// After `ccverify_stream_verifier_finish`: the last bytes to forward — the event the stream
/// ended in without a closing blank line, if any, then `data: [DONE]\n\n` only if the stream
/// verified. `*out` / `*out_len` as for `ccverify_stream_verifier_update` (borrowed, valid
/// until the next call on the verifier). Before `finish` it is empty.
///
/// # Safety
/// `verifier` must be a live verifier; `out` and `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_tail(
    verifier: *mut ccverify_stream_verifier,
    out: *mut *const u8,
    out_len: *mut usize,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        require_out(out_len)?;
        // SAFETY: caller contract: NULL or a live, exclusively used verifier.
        let v = unsafe { verifier.as_mut() }
            .ok_or_else(|| Error::InvalidArgument("verifier is NULL".into()))?;
        v.out = v.inner.tail();
        // SAFETY: both checked non-NULL; writable per the caller's contract.
        unsafe { lend(&v.out, out, out_len) }
    })
}

/// Writes a borrowed view of `data` (NULL when empty) through `ptr` and `len`.
///
/// # Safety
/// `ptr` and `len` must be valid for writes.
pub(crate) unsafe fn lend(data: &[u8], ptr: *mut *const u8, len: *mut usize) -> Result<(), Error> {
    let p = if data.is_empty() {
        std::ptr::null()
    } else {
        data.as_ptr()
    };
    // SAFETY: forwarded caller contract.
    unsafe {
        write_out(ptr, p)?;
        write_out(len, data.len())
    }
}

/// Ends the stream; on success `*out` receives the verdict (free it with
/// `ccverify_verdict_free`). A second call gives `CCVERIFY_STATUS_INVALID_STATE`.
///
/// # Safety
/// `verifier` must be a live verifier; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_finish(
    verifier: *mut ccverify_stream_verifier,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract: NULL or a live, exclusively used verifier.
        let v = unsafe { verifier.as_mut() }
            .ok_or_else(|| Error::InvalidArgument("verifier is NULL".into()))?;
        let verdict = v.inner.finish()?;
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, boxed_verdict(verdict)) }
    })
}

/// Frees a stream verifier. NULL is ignored.
///
/// # Safety
/// `verifier` must be NULL or a live verifier not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_free(verifier: *mut ccverify_stream_verifier) {
    guard_value((), || {
        if !verifier.is_null() {
            // SAFETY: allocated by Box::into_raw in `_new`, freed once per the contract.
            drop(unsafe { Box::from_raw(verifier) });
        }
    })
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

/// Writes a C string into a caller buffer of exactly `N` bytes (text + NUL).
///
/// # Safety
/// `out` must be NULL or writable for `N` bytes.
unsafe fn write_fixed<const N: usize>(out: *mut c_char, value: &str) -> Result<(), Error> {
    if out.is_null() {
        return Err(Error::InvalidArgument("output buffer is NULL".into()));
    }
    if value.len() + 1 != N {
        return Err(Error::Internal(format!(
            "{} bytes do not fit {N}",
            value.len()
        )));
    }
    // SAFETY: `out` is writable for N bytes per the contract; value.len() + 1 == N.
    unsafe {
        std::ptr::copy_nonoverlapping(value.as_ptr().cast::<c_char>(), out, value.len());
        out.add(value.len()).write(0);
    }
    Ok(())
}

/// Recovers the address that signed `message` as an EIP-191 personal message. `signature` is
/// 65 bytes r‖s‖v as hex (optional `0x`). On success writes the EIP-55 address and a NUL into
/// `out_address`, which must hold `CCVERIFY_ADDRESS_BUFFER_LEN` bytes.
///
/// # Safety
/// `message` valid for `message_len` bytes; `signature` NUL-terminated; `out_address` writable
/// for `CCVERIFY_ADDRESS_BUFFER_LEN` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_recover_address(
    message: *const u8,
    message_len: usize,
    signature: *const c_char,
    out_address: *mut c_char,
) -> ccverify_status {
    guard(|| {
        // SAFETY: caller contract for every argument.
        unsafe {
            let message = bytes(message, message_len, "message")?;
            let signature = text(signature, "signature")?;
            let address = ccverify::eth::recover_personal_signer(message, signature)?;
            write_fixed::<CCVERIFY_ADDRESS_BUFFER_LEN>(out_address, &address.to_checksum())
        }
    })
}

/// Writes a fresh random nonce (32 bytes from the OS CSPRNG, as 64 lowercase hex digits + NUL)
/// into `out_hex`, which must hold `CCVERIFY_NONCE_HEX_BUFFER_LEN` bytes.
///
/// # Safety
/// `out_hex` writable for `CCVERIFY_NONCE_HEX_BUFFER_LEN` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_nonce_generate(out_hex: *mut c_char) -> ccverify_status {
    guard(|| {
        let nonce = Nonce::generate()?;
        // SAFETY: caller contract for the buffer.
        unsafe { write_fixed::<CCVERIFY_NONCE_HEX_BUFFER_LEN>(out_hex, &nonce.to_hex()) }
    })
}

/// Normalises a nonce exactly as the io.net agent does (lowercase, every `0x` removed,
/// whitespace between byte pairs, right-padded to 32 bytes) and writes the 64 hex digits + NUL
/// into `out_hex` (`CCVERIFY_NONCE_HEX_BUFFER_LEN` bytes). Empty and all-zero nonces are
/// refused with `CCVERIFY_STATUS_INVALID_NONCE`.
///
/// # Safety
/// `input` NUL-terminated; `out_hex` writable for `CCVERIFY_NONCE_HEX_BUFFER_LEN` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_nonce_normalize(
    input: *const c_char,
    out_hex: *mut c_char,
) -> ccverify_status {
    guard(|| {
        // SAFETY: caller contract for both pointers.
        unsafe {
            let nonce = Nonce::normalize(text(input, "nonce")?)?;
            write_fixed::<CCVERIFY_NONCE_HEX_BUFFER_LEN>(out_hex, &nonce.to_hex())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_internal_status() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, ccverify_status::Internal);
        // SAFETY: set just above on this thread; NUL-terminated.
        let message = unsafe { CStr::from_ptr(ccverify_last_error_message()) };
        assert!(message.to_str().unwrap().contains("panic"));
        assert_eq!(guard_value(7, || panic!("boom")), 7);
    }

    #[test]
    fn policy_normalize_round_trips_and_frees() {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: NUL-terminated input, writable out-parameter.
        let st = unsafe { ccverify_policy_normalize(c"strict".as_ptr(), &mut out) };
        assert_eq!(st, ccverify_status::Ok);
        // SAFETY: written on success, NUL-terminated.
        let json = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        assert_eq!(
            Policy::parse(&json).unwrap(),
            Policy::preset("strict").unwrap()
        );
        // SAFETY: allocated by the library, freed once.
        unsafe { ccverify_string_free(out) };
        let untouched = std::ptr::dangling_mut::<c_char>();
        let mut out = untouched;
        // SAFETY: as above.
        let st = unsafe { ccverify_policy_normalize(c"nonsense = [".as_ptr(), &mut out) };
        assert_eq!(st, ccverify_status::InvalidArgument);
        assert_eq!(out, untouched);
        // SAFETY: NULL is ignored.
        unsafe { ccverify_string_free(std::ptr::null_mut()) };
    }

    #[test]
    fn status_numbers_match_the_core_error_kinds() {
        for kind in ErrorKind::ALL {
            let status = ccverify_status::from(*kind);
            assert_eq!(status as u32, kind.code(), "{kind}");
            // SAFETY: static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(ccverify_status_name(status as u32)) };
            assert_eq!(name.to_str().unwrap(), kind.as_str());
        }
    }
}
