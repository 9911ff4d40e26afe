//! Ethereum primitives: `recover_address`.

use pyo3::prelude::*;

use crate::error::{guard, to_py_err};
use crate::input::ByteArg;

/// Recover the address that signed `message` as an EIP-191 personal message.
///
/// This is eth_account's `Account.recover_message(encode_defunct(primitive=message), ...)`.
/// On its own it proves only who signed, not what was answered: use verify_response() or
/// verify_stream() to check a signed exchange.
///
/// Args:
///     message: the signed bytes (for io.net, the `text` header encoded as UTF-8).
///     signature: 65 bytes r||s||v in hex, with or without "0x"; v may be 0/1 or 27/28.
///         High-s (malleated) signatures and the legacy 64-byte form are refused.
///
/// Returns:
///     The signer's address with its EIP-55 checksum, e.g. "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23".
///
/// Raises:
///     InvalidSignatureError: the signature is malformed or no key can be recovered from it.
#[pyfunction]
fn recover_address(py: Python<'_>, message: ByteArg<'_>, signature: String) -> PyResult<String> {
    let message = message.as_slice();
    py.detach(|| guard(|| ccverify::eth::recover_personal_signer(message, &signature)))
        .and_then(|result| result)
        .map(|address| address.to_checksum())
        .map_err(|e| to_py_err(py, e))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(recover_address, m)?)?;
    Ok(())
}
