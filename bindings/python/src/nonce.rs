//! Attestation nonces: `generate_nonce` and `normalize_nonce`.

use ccverify::Nonce;
use pyo3::prelude::*;

use crate::error::{guard, to_py_err};

/// Generate a fresh 32-byte attestation nonce from the operating system's CSPRNG.
///
/// Use a new one for every attestation request: a nonce that is not fresh proves nothing about
/// when the evidence was made.
///
/// Returns:
///     64 lowercase hex characters.
///
/// Raises:
///     RngError: the operating system's random number generator failed.
#[pyfunction]
fn generate_nonce(py: Python<'_>) -> PyResult<String> {
    guard(Nonce::generate)
        .and_then(|result| result)
        .map(|nonce| nonce.to_hex())
        .map_err(|e| to_py_err(py, e))
}

/// Normalise a nonce exactly as the io.net agent does, giving the 32 bytes the hardware
/// evidence must contain.
///
/// The agent lowercases the string, deletes every "0x", parses it like Python's
/// bytes.fromhex (ASCII whitespace allowed between byte pairs), refuses more than 32 bytes and
/// right-pads with zeros. Unlike the agent, input with no hex digits or only zero bytes is
/// refused, because the agent would then use its own random bytes or 32 zeros and the
/// caller's freshness guarantee would be gone.
///
/// Args:
///     nonce: the nonce string as sent to the agent.
///
/// Returns:
///     64 lowercase hex characters (what the agent echoes as `nonce`).
///
/// Raises:
///     InvalidNonceError: the agent would refuse it, or it carries no freshness.
#[pyfunction]
fn normalize_nonce(py: Python<'_>, nonce: String) -> PyResult<String> {
    guard(|| Nonce::normalize(&nonce))
        .and_then(|result| result)
        .map(|nonce| nonce.to_hex())
        .map_err(|e| to_py_err(py, e))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(generate_nonce, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_nonce, m)?)?;
    Ok(())
}
