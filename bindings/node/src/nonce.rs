//! Nonces: fresh ones and the agent's normalisation.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;

use crate::input::js_string;
use crate::*;

/// A fresh 32-byte attestation nonce from the operating system's CSPRNG, as 64 lowercase hex
/// digits. Use a new one for every attestation. Throws `rng` if the generator fails.
#[napi(catch_unwind)]
pub fn generate_nonce() -> Result<String> {
    guard(|| {
        ccverify::Nonce::generate()
            .map(|nonce| nonce.to_hex())
            .map_err(core_error)
    })
}

/// Normalises a caller nonce exactly as the io.net agent does (lowercase, drop every `0x`,
/// hex-decode with whitespace between byte pairs, at most 32 bytes, right-pad with zeros) and
/// returns the 64 hex digits the evidence must contain. Throws `invalid_nonce` for input the
/// agent refuses, and for empty or all-zero nonces, which carry no freshness.
#[napi(catch_unwind)]
pub fn normalize_nonce(#[napi(ts_arg_type = "string")] nonce: Unknown<'_>) -> Result<String> {
    guard(|| {
        ccverify::Nonce::normalize(&js_string(&nonce, "nonce")?)
            .map(|nonce| nonce.to_hex())
            .map_err(core_error)
    })
}
