//! C ABI for ccverify. The header `include/ccverify.h` is generated from this crate by cbindgen.
//! One module per core module (`exchange`, `nonce`, `eth`, `gpu`, `tdx`, `report`, `client`,
//! `verdict`, `error`); this file holds the limits and the argument helpers they share.
//!
//! Every export catches panics, checks every pointer, and writes out-parameters only on
//! success. Objects are opaque and freed by their `_free` function.
#![allow(non_camel_case_types)]
// This crate is the one place where the project uses `unsafe`: raw pointers from C.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ffi::{CStr, CString, c_char};

use ccverify::Error;

mod audit;
mod client;
mod error;
mod eth;
mod exchange;
mod gpu;
mod nonce;
mod report;
mod tdx;
mod verdict;

pub use audit::*;
pub use client::*;
pub use error::*;
pub use eth::*;
pub use exchange::*;
pub use gpu::*;
pub use nonce::*;
pub use report::*;
pub use tdx::*;
pub use verdict::*;

/// The library's major version (semantic versioning; the header and library of one build
/// agree, `ccverify_version()` gives the whole string at run time).
pub const CCVERIFY_VERSION_MAJOR: u32 = 0;

/// The library's minor version.
pub const CCVERIFY_VERSION_MINOR: u32 = 1;

/// The library's patch version.
pub const CCVERIFY_VERSION_PATCH: u32 = 0;

/// Largest input buffer accepted by any function (1 GiB); larger lengths give
/// `CCVERIFY_STATUS_LIMIT_EXCEEDED`.
pub const CCVERIFY_MAX_INPUT_LEN: usize = 1 << 30;

/// Size of the buffer `ccverify_recover_address` writes: `0x` + 40 hex digits + NUL.
pub const CCVERIFY_ADDRESS_BUFFER_LEN: usize = 43;

/// Size of the buffer the nonce functions write: 64 lowercase hex digits + NUL.
pub const CCVERIFY_NONCE_HEX_BUFFER_LEN: usize = 65;

/// A C string from Rust text; interior NULs (never produced by ccverify) become U+FFFD.
fn c_string(text: &str) -> CString {
    CString::new(text)
        .unwrap_or_else(|_| CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default())
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

#[cfg(test)]
mod tests {
    use super::*;
    use ccverify::ErrorKind;
    use ccverify::policy::Policy;

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
    fn version_macros_match_the_crate_version() {
        let version =
            format!("{CCVERIFY_VERSION_MAJOR}.{CCVERIFY_VERSION_MINOR}.{CCVERIFY_VERSION_PATCH}");
        assert_eq!(
            version,
            env!("CARGO_PKG_VERSION"),
            "update the CCVERIFY_VERSION_* constants"
        );
        // SAFETY: a static NUL-terminated string.
        let runtime = unsafe { CStr::from_ptr(ccverify_version()) };
        assert_eq!(runtime.to_str().unwrap(), version);
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
