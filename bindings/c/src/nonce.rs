//! Nonces: fresh ones and the agent's normalisation.

use std::ffi::c_char;

use ccverify::Nonce;

use crate::*;

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
