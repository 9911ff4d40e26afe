//! Ethereum-style signing primitives used by io.net response signatures.
//!
//! The io.net attestation agent signs `text` with `eth_account`'s `encode_defunct(text=…)`, i.e.
//! an EIP-191 "personal message" signature over secp256k1 with a 65-byte `r‖s‖v` encoding. This
//! module recovers the signer's [`Address`] from such a signature, and parses and prints
//! addresses with the EIP-55 mixed-case checksum.

use std::fmt;

use sha3::{Digest, Keccak256};

use crate::error::Error;

/// Order `n` of the secp256k1 group, big-endian.
const SECP256K1_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// `n / 2` (rounded down): the largest `s` a canonical ("low-s") signature may carry.
const SECP256K1_HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Keccak-256 of `data` (the original Keccak padding used by Ethereum, not NIST SHA3-256).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The EIP-191 (version `0x45`, "personal_sign") digest of `message`:
/// `keccak256("\x19Ethereum Signed Message:\n" ‖ decimal(len(message)) ‖ message)`.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(b"\x19Ethereum Signed Message:\n");
    hasher.update(message.len().to_string().as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// A 20-byte Ethereum address. Compares by value; displays with the EIP-55 checksum.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// Parses 40 hex digits, optionally prefixed by `0x` or `0X`.
    ///
    /// All-lowercase and all-uppercase digits are accepted as they carry no checksum; a
    /// mixed-case address must match its EIP-55 checksum exactly, so a mistyped address is
    /// refused instead of silently compared.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        if digits.len() != 40 {
            return Err(Error::InvalidAddress(format!(
                "{text:?} has {} hex digits after 0x, expected 40",
                digits.len()
            )));
        }
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(digits, &mut bytes)
            .map_err(|_| Error::InvalidAddress(format!("{text:?} is not hexadecimal")))?;
        let address = Address(bytes);
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && address.to_checksum()[2..] != *digits {
            return Err(Error::InvalidAddress(format!(
                "{text:?} fails its EIP-55 checksum (expected {})",
                address.to_checksum()
            )));
        }
        Ok(address)
    }

    /// The address derived from an uncompressed SEC1 public key (`0x04 ‖ x ‖ y`, 65 bytes):
    /// the last 20 bytes of `keccak256(x ‖ y)`.
    pub fn from_uncompressed_public_key(key: &[u8; 65]) -> Self {
        let digest = keccak256(&key[1..]);
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(&digest[12..]);
        Address(bytes)
    }

    /// `0x` + 40 hex digits with the EIP-55 mixed-case checksum.
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let digest = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (digest[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_checksum())
    }
}

impl std::str::FromStr for Address {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Address::parse(s)
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_checksum())
    }
}

/// Why a signature string is not an acceptable 65-byte recoverable signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureFormatError {
    /// The string is empty (after an optional `0x`).
    #[error("signature is empty")]
    Empty,
    /// The string is not hexadecimal or has an odd number of digits.
    #[error("signature is not hexadecimal")]
    NotHex,
    /// 64 bytes: the raw `r‖s` form of the first agent version (python-ecdsa, SHA-1); it has no
    /// recovery id and a different hash, so it is never accepted.
    #[error(
        "signature is 64 bytes (raw r||s without a recovery id, the legacy python-ecdsa/SHA-1 form of the first agent version); only 65-byte EIP-191 signatures are accepted"
    )]
    Legacy64,
    /// Any length other than 64 or 65 bytes.
    #[error("signature is {0} bytes, expected 65 (r||s||v)")]
    WrongLength(usize),
    /// `v` is not one of 0, 1, 27, 28.
    #[error("recovery byte v = {0} is not one of 0, 1, 27, 28")]
    BadRecoveryId(u8),
    /// `r` or `s` is zero or not below the group order.
    #[error("{0} is zero or not below the secp256k1 group order")]
    ScalarOutOfRange(&'static str),
    /// `s` is above `n/2`; every signature produced by eth_account has low `s`, and the
    /// high-`s` twin is a malleated copy of a valid signature.
    #[error("s is above n/2 (non-canonical high-s signature, a malleated twin)")]
    HighS,
}

/// A parsed, canonical 65-byte recoverable secp256k1 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecoverableSignature {
    rs: [u8; 64],
    /// Recovery id normalised to 0 or 1 (the parity of R's y coordinate).
    recid: u8,
}

impl fmt::Debug for RecoverableSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RecoverableSignature({}, v={})",
            hex::encode(self.rs),
            self.recid
        )
    }
}

impl RecoverableSignature {
    /// Parses `r‖s‖v` as hex, with or without a `0x`/`0X` prefix. `v` may be 0/1 or 27/28.
    /// Rejects every other length (with a dedicated reason for the 64-byte legacy form),
    /// out-of-range scalars and high-`s` signatures.
    pub fn parse_hex(text: &str) -> Result<Self, SignatureFormatError> {
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        if digits.is_empty() {
            return Err(SignatureFormatError::Empty);
        }
        if !digits.len().is_multiple_of(2) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SignatureFormatError::NotHex);
        }
        match digits.len() / 2 {
            65 => {}
            64 => return Err(SignatureFormatError::Legacy64),
            n => return Err(SignatureFormatError::WrongLength(n)),
        }
        let mut bytes = [0u8; 65];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| SignatureFormatError::NotHex)?;
        Self::from_bytes(&bytes)
    }

    /// Builds a signature from its 65 raw bytes `r‖s‖v`.
    pub fn from_bytes(bytes: &[u8; 65]) -> Result<Self, SignatureFormatError> {
        let recid = match bytes[64] {
            0 | 27 => 0,
            1 | 28 => 1,
            v => return Err(SignatureFormatError::BadRecoveryId(v)),
        };
        let r: &[u8] = &bytes[..32];
        let s: &[u8] = &bytes[32..64];
        for (name, scalar) in [("r", r), ("s", s)] {
            if scalar.iter().all(|&b| b == 0) || scalar >= &SECP256K1_ORDER[..] {
                return Err(SignatureFormatError::ScalarOutOfRange(name));
            }
        }
        if s > &SECP256K1_HALF_ORDER[..] {
            return Err(SignatureFormatError::HighS);
        }
        let mut rs = [0u8; 64];
        rs.copy_from_slice(&bytes[..64]);
        Ok(Self { rs, recid })
    }

    /// The recovery id (0 or 1).
    pub fn recovery_id(&self) -> u8 {
        self.recid
    }

    /// Recovers the signer's uncompressed public key from a 32-byte message digest.
    pub fn recover_public_key(&self, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
        recover_backend(&self.rs, self.recid, digest)
    }

    /// Recovers the signer's address from a 32-byte message digest.
    pub fn recover_address(&self, digest: &[u8; 32]) -> Result<Address, Error> {
        Ok(Address::from_uncompressed_public_key(
            &self.recover_public_key(digest)?,
        ))
    }
}

#[cfg(not(feature = "libsecp256k1"))]
fn recover_backend(rs: &[u8; 64], recid: u8, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
    use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let signature = Signature::from_slice(rs)
        .map_err(|_| Error::InvalidSignature("r or s is out of range".into()))?;
    let recovery_id = RecoveryId::from_byte(recid)
        .ok_or_else(|| Error::InvalidSignature(format!("bad recovery id {recid}")))?;
    let key =
        VerifyingKey::recover_from_prehash(digest, &signature, recovery_id).map_err(|_| {
            Error::InvalidSignature("no public key can be recovered from this signature".into())
        })?;
    let point = key.to_sec1_point(false);
    <[u8; 65]>::try_from(point.as_bytes())
        .map_err(|_| Error::Internal("recovered key is not a 65-byte SEC1 point".into()))
}

#[cfg(feature = "libsecp256k1")]
fn recover_backend(rs: &[u8; 64], recid: u8, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
    use secp256k1::Message;
    use secp256k1::ecdsa::{RecoverableSignature as Sig, RecoveryId};
    let recovery_id = RecoveryId::try_from(i32::from(recid))
        .map_err(|_| Error::InvalidSignature(format!("bad recovery id {recid}")))?;
    let signature = Sig::from_compact(rs, recovery_id)
        .map_err(|_| Error::InvalidSignature("r or s is out of range".into()))?;
    let key = signature
        .recover_ecdsa(Message::from_digest(*digest))
        .map_err(|_| {
            Error::InvalidSignature("no public key can be recovered from this signature".into())
        })?;
    Ok(key.serialize_uncompressed())
}

/// Recovers the address that signed `message` as an EIP-191 personal message.
///
/// `signature` is 65 bytes `r‖s‖v` in hex, with or without `0x`; see
/// [`RecoverableSignature::parse_hex`] for what is rejected.
pub fn recover_personal_signer(message: &[u8], signature: &str) -> Result<Address, Error> {
    let signature = RecoverableSignature::parse_hex(signature)
        .map_err(|e| Error::InvalidSignature(e.to_string()))?;
    signature.recover_address(&eip191_hash(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    const N1_TEXT: &str = "502cd93772f39b158fddef9bb17deee83acd3604acbc2435ec443b5eb2960ef5:ebca17c09584205ad887346d97c57cf2a0e81e226a6c26d5a6cf05ba4a8fc5f6";
    const N1_SIG: &str = "10a44d030052a8b84e6944f03bce264d39ccec3acbc5e14808db4bd65840e8255882e3dba4efd19e82ffefd5807b91ad5ab9e8d6d2626d1b4fc931bdf0122fbb1c";
    const TEST_ADDRESS: &str = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

    #[test]
    fn keccak_of_empty_string() {
        assert_eq!(
            hex::encode(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn eip191_digest_of_n1() {
        assert_eq!(
            hex::encode(eip191_hash(N1_TEXT.as_bytes())),
            "fcee5fee20f5b870710d9dc1c38194d4ddfa07d80828309bf7b8d179692e1a4c"
        );
    }

    #[test]
    fn recovers_n1_signer() {
        let address = recover_personal_signer(N1_TEXT.as_bytes(), N1_SIG).unwrap();
        assert_eq!(address.to_string(), TEST_ADDRESS);
        let prefixed = format!("0x{N1_SIG}");
        assert_eq!(
            recover_personal_signer(N1_TEXT.as_bytes(), &prefixed).unwrap(),
            address
        );
    }

    #[test]
    fn v_zero_one_equal_27_28() {
        let mut low_v = N1_SIG[..128].to_string();
        low_v.push_str("01");
        assert_eq!(
            recover_personal_signer(N1_TEXT.as_bytes(), &low_v)
                .unwrap()
                .to_string(),
            TEST_ADDRESS
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        use SignatureFormatError::*;
        assert_eq!(RecoverableSignature::parse_hex(""), Err(Empty));
        assert_eq!(RecoverableSignature::parse_hex("0x"), Err(Empty));
        assert_eq!(
            RecoverableSignature::parse_hex(&N1_SIG[..128]),
            Err(Legacy64)
        );
        assert_eq!(
            RecoverableSignature::parse_hex(&N1_SIG[..126]),
            Err(WrongLength(63))
        );
        assert_eq!(RecoverableSignature::parse_hex(&N1_SIG[..129]), Err(NotHex));
        let mut bad_v = N1_SIG[..128].to_string();
        bad_v.push_str("1d");
        assert_eq!(
            RecoverableSignature::parse_hex(&bad_v),
            Err(BadRecoveryId(29))
        );
        let zero_r = format!("{}{}", "00".repeat(32), &N1_SIG[64..]);
        assert_eq!(
            RecoverableSignature::parse_hex(&zero_r),
            Err(ScalarOutOfRange("r"))
        );
    }

    #[test]
    fn rejects_high_s_twin() {
        let bytes = hex::decode(N1_SIG).unwrap();
        // s' = n - s, computed with schoolbook big-endian subtraction.
        let mut twin = [0u8; 65];
        twin[..32].copy_from_slice(&bytes[..32]);
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let mut d = SECP256K1_ORDER[i] as i16 - bytes[32 + i] as i16 - borrow;
            borrow = if d < 0 {
                d += 256;
                1
            } else {
                0
            };
            twin[32 + i] = d as u8;
        }
        twin[64] = if bytes[64] == 27 { 28 } else { 27 };
        assert_eq!(
            RecoverableSignature::from_bytes(&twin),
            Err(SignatureFormatError::HighS)
        );
    }

    #[test]
    fn address_parsing_rules() {
        let good = Address::parse(TEST_ADDRESS).unwrap();
        assert_eq!(Address::parse(&TEST_ADDRESS.to_lowercase()).unwrap(), good);
        let upper = format!("0x{}", TEST_ADDRESS[2..].to_uppercase());
        assert_eq!(Address::parse(&upper).unwrap(), good);
        let mut flipped = TEST_ADDRESS.to_string();
        flipped.replace_range(3..4, "C"); // 'c' -> 'C' breaks the checksum
        assert!(Address::parse(&flipped).is_err());
        assert_eq!(Address::parse(&TEST_ADDRESS[2..]).unwrap(), good);
        assert!(Address::parse(&format!(" {TEST_ADDRESS}")).is_err());
        assert!(Address::parse(&TEST_ADDRESS[..41]).is_err());
        assert!(Address::parse("0xzz7536E3605D9C16a7a3D7b1898e529396a65c23").is_err());
    }
}
