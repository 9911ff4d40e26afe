//! Ethereum primitives: EIP-191 signer recovery.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;

use crate::input::{js_bytes, js_string};
use crate::*;

/// Recovers the EIP-55 address that signed `message` as an EIP-191 personal message
/// (`signature`: 65 bytes `r‖s‖v` in hex, with or without `0x`). Throws
/// `invalid_signature` for a malformed or unrecoverable signature.
#[napi(catch_unwind)]
pub fn recover_address(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] message: Unknown<'_>,
    #[napi(ts_arg_type = "string")] signature: Unknown<'_>,
) -> Result<String> {
    guard(|| {
        let message = js_bytes(&message, "message")?;
        let signature = js_string(&signature, "signature")?;
        ccverify::eth::recover_personal_signer(message.as_slice(), &signature)
            .map(|address| address.to_checksum())
            .map_err(core_error)
    })
}
