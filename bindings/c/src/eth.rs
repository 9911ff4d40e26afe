//! Ethereum primitives: EIP-191 signer recovery and address arguments.

use std::ffi::c_char;

use ccverify::{Address, Error};

use crate::*;

/// Parses an optional expected address (NULL = none).
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn optional_address(ptr: *const c_char) -> Result<Option<Address>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded caller contract.
    let t = unsafe { text(ptr, "expected_address") }?;
    Address::parse(t).map(Some)
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
