//! Test keys, derived from their names: `SHA-512("ccverify TEST PKI v1\0" ‖ name ‖ counter)`,
//! truncated to the curve's size, the first value that is a valid scalar. Anyone can derive
//! them — that is the point: nothing they sign proves anything.

use p256::ecdsa::signature::Signer as _;
use sha2::{Digest, Sha512};

use crate::der;

/// A test signing key on P-256 (Intel's curve) or P-384 (NVIDIA's).
#[derive(Clone, Debug)]
pub enum Key {
    /// ECDSA P-256 with SHA-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384 with SHA-384.
    P384(p384::ecdsa::SigningKey),
}

fn scalar(name: &str, counter: u32, len: usize) -> Vec<u8> {
    let mut h = Sha512::new();
    h.update(b"ccverify TEST PKI v1\0");
    h.update(name.as_bytes());
    h.update(counter.to_be_bytes());
    h.finalize()[..len].to_vec()
}

impl Key {
    /// The P-256 key called `name`.
    pub fn p256(name: &str) -> Key {
        let mut counter = 0;
        loop {
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&scalar(name, counter, 32)) {
                return Key::P256(k);
            }
            counter += 1;
        }
    }

    /// The P-384 key called `name`.
    pub fn p384(name: &str) -> Key {
        let mut counter = 0;
        loop {
            if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&scalar(name, counter, 48)) {
                return Key::P384(k);
            }
            counter += 1;
        }
    }

    /// The uncompressed SEC1 public point (`04 ‖ x ‖ y`).
    pub fn public_point(&self) -> Vec<u8> {
        match self {
            Key::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Key::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> Vec<u8> {
        let curve = match self {
            Key::P256(_) => "1.2.840.10045.3.1.7",
            Key::P384(_) => "1.3.132.0.34",
        };
        der::seq(&[
            &der::seq(&[&der::oid("1.2.840.10045.2.1"), &der::oid(curve)]),
            &der::bits(&self.public_point()),
        ])
    }

    /// The signature AlgorithmIdentifier this key signs with (ecdsa-with-SHA256 / SHA384).
    pub fn sig_alg(&self) -> Vec<u8> {
        der::seq(&[&der::oid(match self {
            Key::P256(_) => "1.2.840.10045.4.3.2",
            Key::P384(_) => "1.2.840.10045.4.3.3",
        })])
    }

    /// Deterministic (RFC 6979) ECDSA over `msg` with the curve's hash: raw `r ‖ s`.
    pub fn sign_raw(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Key::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_bytes().to_vec()
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_bytes().to_vec()
            }
        }
    }

    /// The same signature, DER-encoded (`SEQUENCE { r, s }`), as X.509 and OCSP carry it.
    pub fn sign_der(&self, msg: &[u8]) -> Vec<u8> {
        let raw = self.sign_raw(msg);
        let (r, s) = raw.split_at(raw.len() / 2);
        der::seq(&[&der::uint(r), &der::uint(s)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_derived_and_signatures_deterministic() {
        let a = Key::p384("x");
        assert_eq!(a.public_point(), Key::p384("x").public_point());
        assert_ne!(a.public_point(), Key::p384("y").public_point());
        assert_eq!(a.public_point().len(), 97);
        assert_eq!(Key::p256("x").public_point().len(), 65);
        assert_eq!(a.sign_raw(b"m"), a.sign_raw(b"m"));
        assert_eq!(a.sign_raw(b"m").len(), 96);
    }
}
