//! Status codes (`ccverify_status`, one per core `ErrorKind`), the per-thread last error
//! message, and the panic boundary every export runs inside.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use ccverify::{Error, ErrorKind};

use crate::*;

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
    /// A strict session (the default) got a reply that did not verify. The response is still
    /// written to the out-parameter so its verdict can be inspected (and must be freed).
    UnverifiedResponse = 10,
    /// The call was cancelled through its `ccverify_cancel` token; the request in flight was
    /// aborted.
    Cancelled = 11,
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
            ErrorKind::UnverifiedResponse => ccverify_status::UnverifiedResponse,
            ErrorKind::Cancelled => ccverify_status::Cancelled,
            ErrorKind::Internal => ccverify_status::Internal,
            // `ErrorKind` is non-exhaustive: a kind newer than this binding is a bug here.
            _ => ccverify_status::Internal,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

pub(crate) fn set_last_error(message: &str) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(c_string(message)));
}

pub(crate) fn fail(error: Error) -> ccverify_status {
    set_last_error(&error.to_string());
    error.kind().into()
}

/// Runs `body` behind a panic boundary; a panic becomes `CCVERIFY_STATUS_INTERNAL`.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Error>) -> ccverify_status {
    match ccverify::error::catch_panic(body) {
        Ok(Ok(())) => ccverify_status::Ok,
        Ok(Err(e)) | Err(e) => fail(e),
    }
}

/// Runs an accessor behind a panic boundary, returning `fallback` on panic.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    ccverify::error::catch_panic(body).unwrap_or(fallback)
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
