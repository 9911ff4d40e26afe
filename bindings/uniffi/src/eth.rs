//! Ethereum primitives: EIP-191 signer recovery and address arguments.

use crate::*;

pub(crate) fn address(
    expected: Option<String>,
) -> Result<Option<ccverify::Address>, CcverifyError> {
    Ok(expected
        .as_deref()
        .map(ccverify::Address::parse)
        .transpose()?)
}

/// Recovers the EIP-55 address that signed `message` as an EIP-191 personal message.
#[uniffi::export]
pub fn recover_address(message: Vec<u8>, signature: String) -> Result<String, CcverifyError> {
    Ok(ccverify::eth::recover_personal_signer(&message, &signature)?.to_checksum())
}
