//! Nonces: fresh ones and the agent's normalisation.

use crate::*;

/// A fresh 32-byte nonce from the OS CSPRNG, as 64 lowercase hex digits.
#[uniffi::export]
pub fn generate_nonce() -> Result<String, CcverifyError> {
    Ok(ccverify::Nonce::generate()?.to_hex())
}

/// The io.net agent's normalisation of a nonce (64 hex digits); empty and all-zero nonces are
/// refused.
#[uniffi::export]
pub fn normalize_nonce(nonce: String) -> Result<String, CcverifyError> {
    Ok(ccverify::Nonce::normalize(&nonce)?.to_hex())
}
