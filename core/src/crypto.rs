//! The few cryptographic primitives the verifiers need (GPU reports, X.509, OCSP, RIMs, NRAS,
//! TDX): SHA-1/SHA-2 digests, ECDSA P-384 verification in the encodings NVIDIA uses (raw `r‖s`
//! for reports and XML-DSig, DER for X.509 and OCSP) and ECDSA P-256 (DER) for Intel's chain.
//!
//! Two backends give the same answers: aws-lc-rs (feature `aws-lc`, the default; its P-384
//! verify is about 2.5× faster than the pure-Rust crates on these machines) and RustCrypto
//! (feature `pure-rust`: `p256`, `p384`, `sha1`, `sha2`; no C toolchain). When both are
//! enabled, aws-lc-rs is used. Everything else in the crate calls these functions only.

#[cfg(not(any(feature = "aws-lc", feature = "pure-rust")))]
compile_error!(
    "ccverify needs a crypto backend: enable the `aws-lc` (default) or `pure-rust` feature"
);

/// The backend in use: `"aws-lc-rs"` or `"rustcrypto"`.
pub const BACKEND: &str = if cfg!(feature = "aws-lc") {
    "aws-lc-rs"
} else {
    "rustcrypto"
};

/// A hash function the verifiers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-1 (only for OCSP `CertID`s, as RFC 6960 allows).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// SHA-384 of `data`.
pub fn sha384(data: &[u8]) -> [u8; 48] {
    let mut out = [0u8; 48];
    out.copy_from_slice(&digest(Hash::Sha384, data));
    out
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&digest(Hash::Sha256, data));
    out
}

/// Whether `point` has the shape of a SEC1 point on a curve whose coordinates are `len` bytes:
/// uncompressed (`04‖x‖y`) or compressed (`02|03‖x`). Both backends are given only these, so
/// they accept exactly the same keys (aws-lc-rs would also take a DER SubjectPublicKeyInfo,
/// RustCrypto a compact `05‖x` point).
fn sec1_shape(point: &[u8], len: usize) -> bool {
    match point.first() {
        Some(0x04) => point.len() == 1 + 2 * len,
        Some(0x02 | 0x03) => point.len() == 1 + len,
        _ => false,
    }
}

/// Verifies an ECDSA P-384 / SHA-384 signature given as raw 96-byte `r‖s` over `msg`, with an
/// uncompressed (or compressed) SEC1 public key point.
pub fn verify_p384_raw(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    sig.len() == 96
        && sec1_shape(public_point, 48)
        && backend::verify_p384(public_point, msg, sig, false)
}

/// Verifies an ECDSA P-384 / SHA-384 signature given in DER (`SEQUENCE { r, s }`) over `msg`,
/// with an uncompressed (or compressed) SEC1 public key point.
pub fn verify_p384_der(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    sec1_shape(public_point, 48) && backend::verify_p384(public_point, msg, sig, true)
}

/// Verifies an ECDSA P-256 / SHA-256 signature given in DER over `msg`, with an uncompressed
/// (or compressed) SEC1 public key point.
pub fn verify_p256_der(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    sec1_shape(public_point, 32) && backend::verify_p256_der(public_point, msg, sig)
}

/// Whether `point` is a valid P-384 public key in SEC1 form, uncompressed or compressed (on
/// the curve, not the identity).
pub fn is_p384_point(point: &[u8]) -> bool {
    sec1_shape(point, 48) && backend::is_p384_point(point)
}

/// The digest of `data` under `hash`.
pub fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
    backend::digest(hash, data)
}

#[cfg(feature = "aws-lc")]
mod backend {
    use super::Hash;
    use aws_lc_rs::digest;
    use aws_lc_rs::signature::{self, ParsedPublicKey, UnparsedPublicKey};

    pub(super) fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
        let alg = match hash {
            Hash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha384 => &digest::SHA384,
            Hash::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }

    pub(super) fn verify_p384(point: &[u8], msg: &[u8], sig: &[u8], der: bool) -> bool {
        let alg = if der {
            &signature::ECDSA_P384_SHA384_ASN1
        } else {
            &signature::ECDSA_P384_SHA384_FIXED
        };
        UnparsedPublicKey::new(alg, point).verify(msg, sig).is_ok()
    }

    pub(super) fn verify_p256_der(point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point)
            .verify(msg, sig)
            .is_ok()
    }

    pub(super) fn is_p384_point(point: &[u8]) -> bool {
        ParsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point).is_ok()
    }
}

#[cfg(all(feature = "pure-rust", not(feature = "aws-lc")))]
mod backend {
    use super::Hash;
    use p384::ecdsa::signature::Verifier as _;
    use sha2::Digest as _;

    pub(super) fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
        match hash {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    pub(super) fn verify_p384(point: &[u8], msg: &[u8], sig: &[u8], der: bool) -> bool {
        let Ok(key) = p384::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
            return false;
        };
        let sig = if der {
            p384::ecdsa::Signature::from_der(sig)
        } else {
            p384::ecdsa::Signature::from_slice(sig)
        };
        sig.is_ok_and(|s| key.verify(msg, &s).is_ok())
    }

    pub(super) fn verify_p256_der(point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
            return false;
        };
        p256::ecdsa::Signature::from_der(sig).is_ok_and(|s| key.verify(msg, &s).is_ok())
    }

    pub(super) fn is_p384_point(point: &[u8]) -> bool {
        p384::ecdsa::VerifyingKey::from_sec1_bytes(point).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_known_answers() {
        assert_eq!(
            hex::encode(sha384(b"abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(digest(Hash::Sha1, b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex::encode(digest(Hash::Sha512, b"abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    /// Key encodings outside SEC1's uncompressed and compressed forms are refused before either
    /// backend sees them: a DER SubjectPublicKeyInfo (which aws-lc-rs would parse) and a
    /// compact `05‖x` point (which RustCrypto would), so the backends agree.
    #[test]
    fn only_sec1_point_shapes_reach_a_backend() {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let sig = pair.sign(&rng, b"m").unwrap().as_ref().to_vec();
        let point = pair.public_key().as_ref().to_vec();
        assert!(verify_p256_der(&point, b"m", &sig));
        // The same key as a DER SubjectPublicKeyInfo (the fixed P-256 prefix, then the point).
        let mut spki = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        spki.extend_from_slice(&point);
        assert!(!verify_p256_der(&spki, b"m", &sig));
        // Compact form: 05 ‖ x.
        let mut compact = vec![0x05];
        compact.extend_from_slice(&point[1..33]);
        assert!(!verify_p256_der(&compact, b"m", &sig));
        // Compressed form of the same key verifies on both backends.
        let mut compressed = vec![0x02 | (point[64] & 1)];
        compressed.extend_from_slice(&point[1..33]);
        assert!(verify_p256_der(&compressed, b"m", &sig));
        assert!(!verify_p256_der(&point[..64], b"m", &sig));
    }

    #[test]
    fn garbage_never_verifies() {
        assert!(!verify_p384_raw(&[4u8; 97], b"m", &[1u8; 96]));
        assert!(!verify_p384_raw(&[4u8; 97], b"m", &[1u8; 95]));
        assert!(!verify_p384_der(&[4u8; 97], b"m", &[0x30, 0]));
        assert!(!verify_p256_der(&[4u8; 65], b"m", &[0x30, 0]));
        assert!(!is_p384_point(&[4u8; 97]));
    }

    /// Signatures made by aws-lc-rs verify under whichever backend is compiled in, and fail
    /// for another message, in every encoding.
    #[test]
    fn signatures_verify_in_every_encoding() {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
            ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
        };
        let rng = SystemRandom::new();
        let msg = b"ccverify";
        let sign = |alg, msg: &[u8]| {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
            let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).unwrap();
            let sig = pair.sign(&rng, msg).unwrap().as_ref().to_vec();
            (pair.public_key().as_ref().to_vec(), sig)
        };
        let (pk, sig) = sign(&ECDSA_P384_SHA384_FIXED_SIGNING, msg);
        assert!(is_p384_point(&pk));
        assert!(verify_p384_raw(&pk, msg, &sig));
        assert!(!verify_p384_raw(&pk, b"other", &sig));
        let (pk, sig) = sign(&ECDSA_P384_SHA384_ASN1_SIGNING, msg);
        assert!(verify_p384_der(&pk, msg, &sig));
        assert!(!verify_p384_der(&pk, b"other", &sig));
        let (pk, sig) = sign(&ECDSA_P256_SHA256_ASN1_SIGNING, msg);
        assert!(verify_p256_der(&pk, msg, &sig));
        assert!(!verify_p256_der(&pk, b"other", &sig));
    }
}
