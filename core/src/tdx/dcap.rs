//! The cryptographic backend ccverify gives dcap-qvl: P-256 ECDSA and SHA-2 from
//! [`crate::crypto`] (aws-lc-rs by default, the library the GPU verifier already uses; RustCrypto
//! with the `pure-rust` feature), with verified signatures remembered.
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

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

/// dcap-qvl's configuration for ccverify: dcap-qvl's own X.509 reader and signature encoder,
/// ccverify's cryptography ([`Crypto`]).
pub struct DcapConfig;

impl dcap_qvl::config::Config for DcapConfig {
    type X509 = dcap_qvl::x509::X509CertBackend;
    type SigEncoder = dcap_qvl::signature::DerSigEncoder;
    type Crypto = Crypto;
}

/// SHA-256/384 and memoised P-256 ECDSA from [`crate::crypto`].
pub struct Crypto;

impl dcap_qvl::config::CryptoProvider for Crypto {
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

/// Bounds on the memo, which is emptied when either is reached (it only saves work): entries,
/// and bytes of keys, signatures and messages kept.
const MEMO_MAX_ENTRIES: usize = 4096;
const MEMO_MAX_BYTES: usize = 16 << 20;

/// Verified triples: the key is the public key and the signature (length-prefixed), the value
/// the signed message itself, compared byte for byte on lookup — no digest to trust and none to
/// compute (hashing kilobytes of TCB Info costs more than comparing them).
#[derive(Default)]
struct Memo {
    verified: HashMap<Vec<u8>, Box<[u8]>>,
    bytes: usize,
}

fn memo() -> &'static Mutex<Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(Memo::default()))
}

/// Forgets every remembered signature (the next verification does all the cryptography).
pub fn clear_cache() {
    if let Ok(mut m) = memo().lock() {
        *m = Memo::default();
    }
}

/// How many verified signatures are remembered.
pub fn cached_signatures() -> usize {
    memo().lock().map(|m| m.verified.len()).unwrap_or(0)
}

/// The memo key of a public key and a signature: both length-prefixed, so no two different
/// pairs share an encoding.
fn memo_key(public_key: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(16 + public_key.len() + signature.len());
    for part in [public_key, signature] {
        key.extend_from_slice(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
        key.extend_from_slice(part);
    }
    key
}

fn remembered(key: &[u8], message: &[u8]) -> bool {
    memo()
        .lock()
        .is_ok_and(|m| m.verified.get(key).is_some_and(|msg| **msg == *message))
}

fn remember(key: Vec<u8>, message: &[u8]) {
    let size = key.len() + message.len();
    if size > MEMO_MAX_BYTES {
        return;
    }
    if let Ok(mut m) = memo().lock() {
        if m.verified.len() >= MEMO_MAX_ENTRIES || m.bytes + size > MEMO_MAX_BYTES {
            *m = Memo::default();
        }
        let key_len = key.len();
        if let Some(old) = m.verified.insert(key, message.into()) {
            m.bytes = m.bytes.saturating_sub(key_len + old.len());
        }
        m.bytes += size;
    }
}

/// The signatures a quote carries, as dcap-qvl will ask for them: the quote (by the
/// attestation key), the QE report (by the PCK leaf), the PCK leaf (by its CA) and the CA (by
/// the root), each `(public key, message, DER signature)`. Anything that does not decode is
/// left out: these only warm the memo, dcap-qvl still verifies everything itself.
fn quote_signatures(raw: &[u8], quote: &dcap_qvl::quote::Quote) -> Vec<Triple> {
    let auth = quote.auth_data.clone().into_v3();
    let mut out: Vec<Triple> = quote_triple(raw, quote, &auth).into_iter().collect();
    // Leaf, CA, root: the chain dcap-qvl checks. A longer chain only ever costs dcap-qvl, which
    // bounds its own work; the prefetch does not walk it.
    let ders = pem_certificates(&auth.certification_data.body.data, 3);
    let certs = parse_certificates(&ders);
    if let (Some(leaf), Some(sig)) = (certs.first(), der_signature(&auth.qe_report_signature)) {
        out.push((public_key(leaf), auth.qe_report.to_vec(), sig));
    }
    for pair in certs.windows(2) {
        if let [child, issuer] = pair {
            out.push(signed_by(child, issuer));
        }
    }
    out
}

/// A (public key, message, DER signature) triple as dcap-qvl hands it to the verifier.
type Triple = (Vec<u8>, Vec<u8>, Vec<u8>);

/// The quote's own signature: its signed part by the attestation key.
fn quote_triple(
    raw: &[u8],
    quote: &dcap_qvl::quote::Quote,
    auth: &dcap_qvl::quote::AuthDataV3,
) -> Option<Triple> {
    let mut attestation_key = vec![0x04u8];
    attestation_key.extend_from_slice(&auth.ecdsa_attestation_key);
    let signed = raw.get(..quote.signed_length())?;
    Some((
        attestation_key,
        signed.to_vec(),
        der_signature(&auth.ecdsa_signature)?,
    ))
}

/// Whether the quote's attestation key signed its header and TD report (dcap-qvl's step 7),
/// checked here for the failures dcap-qvl reports before it gets that far.
pub(crate) fn quote_signature_verifies(raw: &[u8], quote: &dcap_qvl::quote::Quote) -> bool {
    use rustls_pki_types::SignatureVerificationAlgorithm as _;
    let auth = quote.auth_data.clone().into_v3();
    quote_triple(raw, quote, &auth)
        .is_some_and(|(key, signed, sig)| P256.verify_signature(&key, &signed, &sig).is_ok())
}

fn parse_certificates(ders: &[Vec<u8>]) -> Vec<x509_parser::prelude::X509Certificate<'_>> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    ders.iter()
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .collect()
}

/// The SubjectPublicKey bits of a certificate (the SEC1 point webpki passes on).
fn public_key(c: &x509_parser::prelude::X509Certificate<'_>) -> Vec<u8> {
    c.public_key().subject_public_key.data.to_vec()
}

/// `child`'s signature by `issuer`: (issuer's key, child's tbsCertificate, signature).
fn signed_by(
    child: &x509_parser::prelude::X509Certificate<'_>,
    issuer: &x509_parser::prelude::X509Certificate<'_>,
) -> Triple {
    (
        public_key(issuer),
        child.tbs_certificate.as_ref().to_vec(),
        child.signature_value.data.to_vec(),
    )
}

/// dcap-qvl's DER encoding of a raw 64-byte `r‖s` signature.
fn der_signature(raw: &[u8]) -> Option<Vec<u8>> {
    use dcap_qvl::config::EcdsaSigEncoder as _;
    let (r, s) = raw.split_at_checked(32)?;
    dcap_qvl::signature::DerSigEncoder::encode_ecdsa_sig(r, s).ok()
}

/// The first `max` certificates of a PEM chain, decoded (blocks that do not decode are skipped).
fn pem_certificates(pem: &[u8], max: usize) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while out.len() < max
        && let Some(start) = memchr::memmem::find(rest, BEGIN)
    {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = memchr::memmem::find(body, END) else {
            break;
        };
        let text: Vec<u8> = body[..end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(text) {
            out.push(der);
        }
        rest = &body[end + END.len()..];
    }
    out
}

/// Whether verifying the quote's own signatures on another core first would save time: not
/// when the quote signature is already remembered (the same quote again).
pub(crate) fn worth_prefetching(raw: &[u8], quote: &dcap_qvl::quote::Quote) -> bool {
    let auth = quote.auth_data.clone().into_v3();
    quote_triple(raw, quote, &auth)
        .is_some_and(|(key, signed, sig)| !remembered(&memo_key(&key, &sig), &signed))
}

/// Verifies the signatures of a TDX quote and its collateral that dcap-qvl will check — the
/// quote (by its attestation key), the QE report (by the PCK leaf), the PCK leaf and its CA,
/// QE Identity and TCB Info (by the TCB signing certificate), that certificate, the PCK CRL and
/// the root CA CRL — and remembers those that verify. `verify_tdx` runs this on a second core,
/// from the opposite end of dcap-qvl's order, so a cold call does about half its
/// elliptic-curve work there. Only successful verifications are remembered, so this changes how
/// fast a verdict comes, never which verdict. `collateral_json` that does not parse adds
/// nothing. Returns how many verified (0 for bytes that are not a quote).
pub fn prefetch_signatures(raw_quote: &[u8], collateral_json: &[u8]) -> usize {
    let mut slice = raw_quote;
    let Ok(quote) = <dcap_qvl::quote::Quote as parity_scale_codec::Decode>::decode(&mut slice)
    else {
        return 0;
    };
    let collateral: Option<dcap_qvl::QuoteCollateralV3> =
        serde_json::from_slice(collateral_json).ok();
    prefetch_parsed(raw_quote, &quote, collateral.as_ref())
}

pub(crate) fn prefetch_parsed(
    raw: &[u8],
    quote: &dcap_qvl::quote::Quote,
    collateral: Option<&dcap_qvl::QuoteCollateralV3>,
) -> usize {
    // The quote's signatures first, then the collateral's from the last dcap-qvl checks to the
    // first: the two threads meet in the middle.
    let mut triples = quote_signatures(raw, quote);
    if let Some(c) = collateral {
        triples.extend(collateral_signatures(c));
    }
    triples
        .into_iter()
        .filter(|(key, message, signature)| P256.verify_signature(key, message, signature).is_ok())
        .count()
}

/// The collateral's signatures as dcap-qvl asks for them, in the reverse of its order: QE
/// Identity and TCB Info (by the TCB signing certificate), that certificate (by the root), the
/// PCK CRL (by the PCK CA) and the root CA CRL (by the root). The root's key is the one in
/// the issuer chains; a chain that does not end in Intel's root only adds triples dcap-qvl
/// never asks for.
fn collateral_signatures(c: &dcap_qvl::QuoteCollateralV3) -> Vec<Triple> {
    use x509_parser::prelude::FromDer;
    use x509_parser::revocation_list::CertificateRevocationList;
    let mut out = Vec::new();
    let tcb_ders = pem_certificates(c.tcb_info_issuer_chain.as_bytes(), 2);
    let tcb_chain = parse_certificates(&tcb_ders);
    if let Some(signer) = tcb_chain.first() {
        for (body, signature) in [
            (&c.qe_identity, &c.qe_identity_signature),
            (&c.tcb_info, &c.tcb_info_signature),
        ] {
            if let Some(sig) = der_signature(signature) {
                out.push((public_key(signer), body.as_bytes().to_vec(), sig));
            }
        }
    }
    if let [signer, root, ..] = tcb_chain.as_slice() {
        out.push(signed_by(signer, root));
    }
    let pck_ders = pem_certificates(c.pck_crl_issuer_chain.as_bytes(), 2);
    let pck_chain = parse_certificates(&pck_ders);
    for (crl, issuer) in [
        (&c.pck_crl, pck_chain.first()),
        (&c.root_ca_crl, pck_chain.last()),
    ] {
        if let (Ok((_, crl)), Some(issuer)) = (CertificateRevocationList::from_der(crl), issuer) {
            out.push((
                public_key(issuer),
                crl.tbs_cert_list.as_ref().to_vec(),
                crl.signature_value.data.to_vec(),
            ));
        }
    }
    out
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
        let key = memo_key(public_key, signature);
        if remembered(&key, message) {
            return Ok(());
        }
        if !crate::crypto::verify_p256_der(public_key, message, signature) {
            return Err(InvalidSignature);
        }
        remember(key, message);
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

    /// The tests that read or fill the process-wide memo run one at a time.
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
        let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
        let msg = b"tcb info body";
        let (pk, sig) = signed(msg);
        assert!(P256.verify_signature(&pk, msg, &sig).is_ok());
        assert!(remembered(&memo_key(&pk, &sig), msg));
        // Again, from memory.
        assert!(P256.verify_signature(&pk, msg, &sig).is_ok());
        // Any change of key, message or signature is a different triple and is verified.
        let mut bad_sig = sig.clone();
        let last = bad_sig.len() - 1;
        bad_sig[last] ^= 1;
        assert!(P256.verify_signature(&pk, msg, &bad_sig).is_err());
        assert!(P256.verify_signature(&pk, b"tcb info bodz", &sig).is_err());
        assert!(P256.verify_signature(&pk, b"tcb info body ", &sig).is_err());
        let (other_pk, _) = signed(msg);
        assert!(P256.verify_signature(&other_pk, msg, &sig).is_err());
        assert!(!remembered(&memo_key(&pk, &bad_sig), msg));
        assert!(!remembered(&memo_key(&pk, &sig), b"tcb info bodz"));
        assert!(!remembered(&memo_key(&other_pk, &sig), msg));
        // The remembered triple is still there after the failures.
        assert!(remembered(&memo_key(&pk, &sig), msg));
    }

    #[test]
    fn the_memo_stays_within_its_bounds() {
        let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
        let big = vec![7u8; MEMO_MAX_BYTES / 3];
        for i in 0..5u8 {
            remember(memo_key(&[4, i], &[i]), &big);
            let m = memo().lock().expect("memo");
            assert!(m.bytes <= MEMO_MAX_BYTES && m.verified.len() <= MEMO_MAX_ENTRIES);
            let counted: usize = m.verified.iter().map(|(k, v)| k.len() + v.len()).sum();
            assert!(counted <= m.bytes, "{counted} > {}", m.bytes);
        }
        remember(memo_key(&[4], &[1]), &vec![0u8; MEMO_MAX_BYTES + 1]);
        assert!(!remembered(
            &memo_key(&[4], &[1]),
            &vec![0u8; MEMO_MAX_BYTES + 1]
        ));
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
        assert_ne!(memo_key(b"ab", b"c"), memo_key(b"a", b"bc"));
    }

    #[test]
    fn identifies_as_webpki_p256_sha256() {
        use dcap_qvl::config::CryptoProvider;
        let reference = dcap_qvl::crypto::RustCryptoCrypto::sig_algo();
        assert_eq!(P256.public_key_alg_id(), reference.public_key_alg_id());
        assert_eq!(P256.signature_alg_id(), reference.signature_alg_id());
    }
}
