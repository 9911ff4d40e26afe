//! Attestation nonces: fresh generation and the io.net agent's normalisation.
//!
//! The agent turns the caller's nonce string into 32 bytes (spec §5): lowercase it, delete
//! every `0x` (anywhere, in one left-to-right pass), parse it like Python's `bytes.fromhex`
//! (ASCII whitespace allowed *between* byte pairs), refuse more than 32 bytes, right-pad with
//! zeros. Those 32 bytes are what the GPU reports and the TDX REPORTDATA must contain, so a
//! verifier computes them itself rather than trusting the JSON echo.

use std::fmt;

use crate::error::Error;

/// Length of a normalised nonce in bytes.
pub const NONCE_LEN: usize = 32;

/// A normalised 32-byte attestation nonce.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce(pub [u8; NONCE_LEN]);

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({})", self.to_hex())
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Python's `str.isspace()` restricted to ASCII, which is what `bytes.fromhex` skips.
fn is_python_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

impl Nonce {
    /// 32 fresh bytes from the operating system's CSPRNG. Use this for every attestation: a
    /// nonce that is not fresh proves nothing about when the evidence was made.
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = [0u8; NONCE_LEN];
        getrandom::fill(&mut bytes).map_err(|e| Error::Rng(e.to_string()))?;
        Ok(Nonce(bytes))
    }

    /// Normalises a caller nonce exactly as the io.net agent does (see the module docs).
    ///
    /// Unlike the agent, an input with no hex digits at all (empty, whitespace, a bare `0x`) or
    /// one that is all zero bytes (`"00"`) is refused: the agent would replace an empty nonce
    /// with random bytes of its own or use 32 zero bytes, and either way the caller's freshness
    /// guarantee is gone.
    pub fn normalize(input: &str) -> Result<Self, Error> {
        if input.trim().is_empty() {
            return Err(Error::InvalidNonce(
                "nonce is empty; the agent would substitute its own random bytes".into(),
            ));
        }
        // Python `str.lower()` only maps non-ASCII characters to non-hex characters, and
        // `bytes.fromhex` rejects all of those, so an ASCII check first is equivalent.
        if !input.is_ascii() {
            return Err(Error::InvalidNonce(
                "invalid hex string: non-ASCII character".into(),
            ));
        }
        let cleaned = input.to_ascii_lowercase().replace("0x", "");
        let mut out = Vec::with_capacity(NONCE_LEN);
        let bytes = cleaned.as_bytes();
        let mut i = 0;
        loop {
            while i < bytes.len() && is_python_ascii_space(bytes[i]) {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            let hi = hex_value(bytes[i]);
            let lo = bytes.get(i + 1).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => {
                    return Err(Error::InvalidNonce(format!(
                        "invalid hex string: non-hexadecimal number found at position {i} of {cleaned:?}"
                    )));
                }
            }
            i += 2;
        }
        if out.len() > NONCE_LEN {
            return Err(Error::InvalidNonce(format!(
                "nonce too long: {} bytes, at most {NONCE_LEN} allowed",
                out.len()
            )));
        }
        if out.is_empty() {
            return Err(Error::InvalidNonce(
                "nonce has no hex digits; the agent would use 32 zero bytes".into(),
            ));
        }
        if out.iter().all(|&b| b == 0) {
            return Err(Error::InvalidNonce(
                "nonce is all zero bytes, which is not fresh".into(),
            ));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..out.len()].copy_from_slice(&out);
        Ok(Nonce(nonce))
    }

    /// The 64 lowercase hex characters the agent echoes as `nonce`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The 64-byte TDX REPORTDATA the agent requests: the nonce followed by 32 zero bytes.
    pub fn report_data(&self) -> [u8; 64] {
        let mut data = [0u8; 64];
        data[..NONCE_LEN].copy_from_slice(&self.0);
        data
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_short_nonces() {
        let n = Nonce::normalize("00112233445566778899aabbccddeeff").unwrap();
        assert_eq!(
            n.to_hex(),
            "00112233445566778899aabbccddeeff00000000000000000000000000000000"
        );
        assert_eq!(&n.report_data()[32..], &[0u8; 32]);
    }

    #[test]
    fn agent_quirks() {
        let expect = "abcd".to_string() + &"0".repeat(60);
        for input in [
            "ABCD",
            "0xabcd",
            "0XABCD",
            "ab cd",
            " ab\tcd\n",
            "a0xbcd",
            "ab0x0xcd",
        ] {
            assert_eq!(
                Nonce::normalize(input).unwrap().to_hex(),
                expect,
                "{input:?}"
            );
        }
    }

    #[test]
    fn errors() {
        for input in [
            "",
            "   ",
            "0x",
            "00",
            "0x0000",
            "abc",
            "a bc",
            "zz",
            "ab\u{a0}cd",
            "00xx",
        ] {
            assert!(Nonce::normalize(input).is_err(), "{input:?}");
        }
        assert!(Nonce::normalize(&"ab".repeat(33)).is_err());
        assert!(Nonce::normalize(&"ab".repeat(32)).is_ok());
    }

    #[test]
    fn generated_nonces_differ() {
        assert_ne!(Nonce::generate().unwrap(), Nonce::generate().unwrap());
    }
}
