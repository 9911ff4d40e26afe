//! The cryptographic backend ccverify gives dcap-qvl: P-256 ECDSA and SHA-2 on aws-lc-rs (the
//! library the GPU verifier already links), with verified signatures remembered.
//!
//! A TDX quote with its collateral takes nine P-256 verifications: the root CA CRL, the TCB
//! signing certificate, TCB Info, QE Identity, the PCK leaf and intermediate, the PCK CRL, the
//! QE report and the quote. Seven depend only on the collateral and the PCK chain, which a
//! platform serves unchanged for days. ECDSA verification is a pure function of (public key,
//! message, signature), so a triple that verified once verifies again: [`P256`] keeps the
//! digests of triples that verified (never of failures) and answers them from memory. Every
//! time-dependent decision — validity windows, CRL freshness, revocation lookups, TCB matching,
//! policy — is dcap-qvl's and ccverify's code running at each call's time, untouched by the
//! memo, so it changes how fast a verdict comes and never which verdict.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

/// dcap-qvl's configuration for ccverify: dcap-qvl's own X.509 reader and signature encoder,
/// aws-lc-rs for the cryptography ([`AwsLc`]).
pub struct AwsLcConfig;

impl dcap_qvl::config::Config for AwsLcConfig {
    type X509 = dcap_qvl::x509::X509CertBackend;
    type SigEncoder = dcap_qvl::signature::DerSigEncoder;
    type Crypto = AwsLc;
}

/// SHA-256/384 and memoised P-256 ECDSA on aws-lc-rs.
pub struct AwsLc;

impl dcap_qvl::config::CryptoProvider for AwsLc {
    fn sig_algo() -> &'static dyn SignatureVerificationAlgorithm {
        &P256
    }

    fn sha256(data: &[u8]) -> [u8; 32] {
        crate::crypto::sha256(data)
    }

    fn sha384(data: &[u8]) -> [u8; 48] {
        crate::crypto::sha384(data)
    }
}

/// ECDSA P-256 with SHA-256, DER signatures (what webpki and dcap-qvl hand over), for the
/// algorithm identifiers webpki matches against certificates and CRLs.
#[derive(Debug)]
pub struct P256Sha256;

/// The one instance dcap-qvl is given.
pub static P256: P256Sha256 = P256Sha256;

/// Bound on remembered signatures; the memo is emptied when full (it only saves work).
const MEMO_MAX: usize = 4096;

fn memo() -> &'static Mutex<HashSet<[u8; 32]>> {
    static MEMO: OnceLock<Mutex<HashSet<[u8; 32]>>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Forgets every remembered signature (the next verification does all the cryptography).
pub fn clear_cache() {
    if let Ok(mut m) = memo().lock() {
        m.clear();
    }
}

/// How many verified signatures are remembered.
pub fn cached_signatures() -> usize {
    memo().lock().map(|m| m.len()).unwrap_or(0)
}

/// The memo key: SHA-256 over a domain tag and the length-prefixed key, signature and message,
/// so no two different triples share an encoding.
fn memo_key(public_key: &[u8], message: &[u8], signature: &[u8]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(32 + public_key.len() + signature.len() + message.len());
    buf.extend_from_slice(b"ccverify/p256-sha256-der/v1\0");
    for part in [public_key, signature] {
        buf.extend_from_slice(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        buf.extend_from_slice(part);
    }
    buf.extend_from_slice(message);
    crate::crypto::sha256(&buf)
}

impl SignatureVerificationAlgorithm for P256Sha256 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // SEC1 points only (uncompressed or compressed), as webpki's own P-256 verifiers.
        if !matches!(public_key.first(), Some(0x02..=0x04)) {
            return Err(InvalidSignature);
        }
        let key = memo_key(public_key, message, signature);
        if memo().lock().is_ok_and(|m| m.contains(&key)) {
            return Ok(());
        }
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
            .verify(message, signature)
            .map_err(|_| InvalidSignature)?;
        if let Ok(mut m) = memo().lock() {
            if m.len() >= MEMO_MAX {
                m.clear();
            }
            m.insert(key);
        }
        Ok(())
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        rustls_pki_types::alg_id::ECDSA_P256
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        rustls_pki_types::alg_id::ECDSA_SHA256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    fn signed(msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .expect("key generates");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
            .expect("key loads");
        let sig = pair.sign(&rng, msg).expect("signs");
        (pair.public_key().as_ref().to_vec(), sig.as_ref().to_vec())
    }

    #[test]
    fn verifies_remembers_successes_and_never_failures() {
        let msg = b"tcb info body";
        let (pk, sig) = signed(msg);
        let key = memo_key(&pk, msg, &sig);
        assert!(P256.verify_signature(&pk, msg, &sig).is_ok());
        assert!(memo().lock().expect("memo").contains(&key));
        // Again, from memory.
        assert!(P256.verify_signature(&pk, msg, &sig).is_ok());
        // Any change of key, message or signature is a different triple and is verified.
        let mut bad_sig = sig.clone();
        let last = bad_sig.len() - 1;
        bad_sig[last] ^= 1;
        assert!(P256.verify_signature(&pk, msg, &bad_sig).is_err());
        assert!(P256.verify_signature(&pk, b"tcb info bodz", &sig).is_err());
        let (other_pk, _) = signed(msg);
        assert!(P256.verify_signature(&other_pk, msg, &sig).is_err());
        let m = memo().lock().expect("memo");
        assert!(!m.contains(&memo_key(&pk, msg, &bad_sig)));
        assert!(!m.contains(&memo_key(&pk, b"tcb info bodz", &sig)));
        assert!(!m.contains(&memo_key(&other_pk, msg, &sig)));
    }

    #[test]
    fn refuses_keys_that_are_not_sec1_points() {
        let msg = b"m";
        let (mut pk, sig) = signed(msg);
        pk[0] = 0x05;
        assert!(P256.verify_signature(&pk, msg, &sig).is_err());
        assert!(P256.verify_signature(&[], msg, &sig).is_err());
    }

    #[test]
    fn the_memo_key_separates_fields() {
        // Moving a byte between key and signature changes the key.
        assert_ne!(memo_key(b"ab", b"m", b"c"), memo_key(b"a", b"m", b"bc"));
        assert_ne!(memo_key(b"a", b"bm", b"c"), memo_key(b"a", b"m", b"cb"));
    }

    #[test]
    fn identifies_as_webpki_p256_sha256() {
        use dcap_qvl::config::CryptoProvider;
        let reference = dcap_qvl::crypto::RustCryptoCrypto::sig_algo();
        assert_eq!(P256.public_key_alg_id(), reference.public_key_alg_id());
        assert_eq!(P256.signature_alg_id(), reference.signature_alg_id());
    }
}
