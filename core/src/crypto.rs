//! The few cryptographic primitives the verifiers need (GPU reports, X.509, OCSP, RIMs, NRAS): SHA-2 digests and ECDSA P-384
//! verification in the three encodings NVIDIA uses (raw r‖s for reports and XML-DSig, DER for
//! X.509 and OCSP). Backed by aws-lc-rs, whose P-384 verify is about 2.5× faster than the
//! pure-Rust `p384` crate on these machines.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};

/// SHA-384 of `data`.
pub fn sha384(data: &[u8]) -> [u8; 48] {
    let d = digest::digest(&digest::SHA384, data);
    let mut out = [0u8; 48];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Verifies an ECDSA P-384 / SHA-384 signature given as raw 96-byte `r‖s` over `msg`, with an
/// uncompressed (or compressed) SEC1 public key point.
pub fn verify_p384_raw(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    if sig.len() != 96 {
        return false;
    }
    UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, public_point)
        .verify(msg, sig)
        .is_ok()
}

/// Verifies an ECDSA P-384 / SHA-384 signature given in DER (`SEQUENCE { r, s }`) over `msg`.
pub fn verify_p384_der(public_point: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_ASN1, public_point)
        .verify(msg, sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha384_known_answer() {
        assert_eq!(
            hex::encode(sha384(b"abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
    }

    #[test]
    fn garbage_never_verifies() {
        assert!(!verify_p384_raw(&[4u8; 97], b"m", &[1u8; 96]));
        assert!(!verify_p384_raw(&[4u8; 97], b"m", &[1u8; 95]));
        assert!(!verify_p384_der(&[4u8; 97], b"m", &[0x30, 0]));
    }
}
