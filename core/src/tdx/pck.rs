//! The PCK certificate chain a quote carries, checked as presented.
//!
//! dcap-qvl validates the quote's PCK leaf against the root it is given and ignores the
//! quote's own copy of the root, and it prefers a PCK chain found in the collateral to the
//! quote's. ccverify requires more: the certification data is exactly a PEM chain of the PCK
//! leaf, the CA that issued it (Intel's platform or processor CA) and a root byte-identical to
//! the trusted one, each a well-formed certificate, nothing else in it, and no other chain in
//! the collateral. Anything else fails `tdx.quote_signature` with the reason.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use dcap_qvl::QuoteCollateralV3;
use dcap_qvl::quote::{AuthData, Quote};

use rustls_pki_types::{CertificateDer, UnixTime};

use crate::x509::Certificate;

/// Certification data type 6: the QE report certification data (v4 and v5 quotes).
const QE_REPORT_CERT_DATA: u16 = 6;
/// Certification data type 5: a PEM PCK certificate chain.
const PCK_CERT_CHAIN: u16 = 5;

/// The quote's PCK chain, as presented: leaf, issuing CA, root.
pub(crate) struct Presented {
    /// The PCK leaf.
    pub leaf: Certificate,
    /// The CA that issued the leaf.
    pub ca: Certificate,
}

/// Reads the quote's certification data and requires it to be exactly the PCK leaf, its CA
/// and `trusted_root` (DER), byte for byte; `root_name` names that root in reasons.
pub(crate) fn presented_chain(
    quote: &Quote,
    trusted_root: &[u8],
    root_name: &str,
) -> Result<Arc<Presented>, String> {
    let AuthData::V4(auth) = &quote.auth_data else {
        return Err("the quote's signature data is not the v4/v5 layout".into());
    };
    if auth.certification_data.cert_type != QE_REPORT_CERT_DATA {
        return Err(format!(
            "certification data type {} is not {QE_REPORT_CERT_DATA} (QE report certification data)",
            auth.certification_data.cert_type
        ));
    }
    let used = parity_scale_codec::Encode::encoded_size(&auth.qe_report_data);
    let outer = auth.certification_data.body.data.len();
    if used != outer {
        return Err(format!(
            "the QE report certification data is {outer} bytes but its contents use {used}"
        ));
    }
    let inner = &auth.qe_report_data.certification_data;
    if inner.cert_type != PCK_CERT_CHAIN {
        return Err(format!(
            "the QE's certification data type {} is not {PCK_CERT_CHAIN} (a PEM PCK certificate chain)",
            inner.cert_type
        ));
    }
    let key = (inner.body.data.clone(), trusted_root.to_vec());
    if let Some(p) = lock().get(&key) {
        return Ok(Arc::clone(p));
    }
    let presented = Arc::new(parse_chain(&inner.body.data, trusted_root, root_name)?);
    let mut memo = lock();
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    memo.insert(key, Arc::clone(&presented));
    Ok(presented)
}

/// Chains that passed [`presented_chain`], by (PEM, trusted root): a quote seen again is not
/// parsed again. Only successes are kept, so this changes how fast a verdict comes, never which.
type Memo = HashMap<(Vec<u8>, Vec<u8>), Arc<Presented>>;

/// Entries kept before the memo is emptied (each a few KiB).
const MEMO_ENTRIES: usize = 256;

fn lock() -> std::sync::MutexGuard<'static, Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forgets the chains [`presented_chain`] remembers.
pub(crate) fn clear_cache() {
    lock().clear();
}

fn parse_chain(pem: &[u8], trusted_root: &[u8], root_name: &str) -> Result<Presented, String> {
    let ders = crate::x509::pem_blocks(pem)
        .map_err(|e| format!("the quote's PCK certificate chain is malformed: {e}"))?;
    let [leaf, ca, root] = ders.as_slice() else {
        return Err(format!(
            "the quote's PCK chain has {} certificate(s); it must be exactly the PCK leaf, its CA and the root",
            ders.len()
        ));
    };
    // Byte-identical to the trusted root, so well-formed as it is; that the CA is its child
    // is what the chain's validation (dcap-qvl's, or `validate`) proves.
    if root != trusted_root {
        return Err(format!(
            "the root certificate in the quote (sha256 {}) is not byte-identical to {root_name} (sha256 {})",
            hex::encode(crate::crypto::sha256(root)),
            hex::encode(crate::crypto::sha256(trusted_root))
        ));
    }
    let parse = |der: &[u8], what: &str| {
        Certificate::from_der(der)
            .map_err(|e| format!("the quote's PCK certificate chain is malformed: its {what}: {e}"))
    };
    let (leaf, ca) = (parse(leaf, "leaf")?, parse(ca, "CA")?);
    if !ca.is_ca {
        return Err("the quote's PCK CA certificate is not a CA certificate".into());
    }
    if leaf.issuer_raw != ca.subject_raw {
        return Err("the quote's PCK leaf is not issued by the CA that follows it".into());
    }
    Ok(Presented { leaf, ca })
}

/// The collateral may carry a PCK chain of its own, which dcap-qvl would use instead of the
/// quote's: refused unless it starts with the quote's leaf and CA (the caller drops it in any
/// case, so only the quote's chain is ever validated).
pub(crate) fn collateral_chain_matches(
    collateral: &QuoteCollateralV3,
    presented: &Presented,
) -> Result<(), String> {
    let Some(pem) = &collateral.pck_certificate_chain else {
        return Ok(());
    };
    let certs = Certificate::from_pem_bundle(pem.as_bytes())
        .map_err(|e| format!("the collateral's PCK certificate chain is malformed: {e}"))?;
    match certs.as_slice() {
        [leaf, ca, ..] if leaf == &presented.leaf && ca == &presented.ca => Ok(()),
        _ => Err("the collateral carries a PCK certificate chain other than the quote's".into()),
    }
}

/// Validates the presented chain exactly as dcap-qvl 0.7.1 validates a PCK chain (webpki,
/// both CRLs, every certificate's revocation status required): for telling a failure of this
/// chain from a failure of the collateral's chains, whose errors read the same.
pub(crate) fn validate(
    presented: &Presented,
    collateral: &QuoteCollateralV3,
    trusted_root: &[u8],
    now: u64,
) -> Result<(), String> {
    chain_verifies(
        presented.leaf.der(),
        &[presented.ca.der()],
        collateral,
        trusted_root,
        now,
    )
}

/// Whether the collateral's own chains (the TCB Info and QE Identity signers') verify as
/// dcap-qvl verifies them: when the quote's chain is refused already and dcap-qvl reports a
/// chain failure, this tells whose chain it was.
pub(crate) fn collateral_chains_verify(
    collateral: &QuoteCollateralV3,
    trusted_root: &[u8],
    now: u64,
) -> Result<(), String> {
    for (what, pem) in [
        ("TCB Info", &collateral.tcb_info_issuer_chain),
        ("QE Identity", &collateral.qe_identity_issuer_chain),
    ] {
        let certs = Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| format!("the {what} issuer chain: {e}"))?;
        let (leaf, rest) = certs
            .split_first()
            .ok_or_else(|| format!("the {what} issuer chain is empty"))?;
        let rest: Vec<&[u8]> = rest.iter().map(Certificate::der).collect();
        chain_verifies(leaf.der(), &rest, collateral, trusted_root, now)
            .map_err(|e| format!("the {what} signer's chain: {e}"))?;
    }
    Ok(())
}

fn chain_verifies(
    leaf: &[u8],
    intermediates: &[&[u8]],
    collateral: &QuoteCollateralV3,
    trusted_root: &[u8],
    now: u64,
) -> Result<(), String> {
    // dcap-qvl's own bound on a chain's length (its path builder's cost).
    if intermediates.len() > 4 {
        return Err(format!(
            "Too many intermediate certificates: {}",
            intermediates.len()
        ));
    }
    let algs: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] = &[&super::dcap::P256];
    let root = CertificateDer::from_slice(trusted_root);
    let anchor = webpki::anchor_from_trusted_cert(&root).map_err(|e| format!("root: {e}"))?;
    let root_crl = webpki::OwnedCertRevocationList::from_der_verified(
        &collateral.root_ca_crl,
        &anchor.subject_public_key_info,
        algs,
    )
    .map_err(|e| format!("root CA CRL: {e}"))?;
    let pck_crl = webpki::OwnedCertRevocationList::from_der(&collateral.pck_crl)
        .map_err(|e| format!("PCK CRL: {e}"))?;
    let crls: [webpki::CertRevocationList<'_>; 2] = [root_crl.into(), pck_crl.into()];
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().collect();
    let revocation = webpki::RevocationOptionsBuilder::new(&crl_refs)
        .map_err(|_| "no CRLs".to_string())?
        .with_depth(webpki::RevocationCheckDepth::Chain)
        .with_status_policy(webpki::UnknownStatusPolicy::Deny)
        .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
        .build();
    let leaf_der = CertificateDer::from_slice(leaf);
    let leaf = webpki::EndEntityCert::try_from(&leaf_der).map_err(|e| format!("leaf: {e}"))?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|d| CertificateDer::from_slice(d))
        .collect();
    leaf.verify_for_usage(
        algs,
        &[anchor],
        &intermediates,
        UnixTime::since_unix_epoch(core::time::Duration::from_secs(now)),
        webpki::KeyUsage::server_auth(),
        Some(revocation),
        None,
    )
    .map(|_| ())
    .map_err(|e| format!("{e}"))
}

/// Whether a [`validate`] failure lies in the collateral's CRLs (expired, badly signed, not
/// covering the chain) rather than in the quote's certificates.
pub(crate) fn is_crl_problem(why: &str) -> bool {
    why.contains("Crl") || why.contains("CRL") || why.contains("UnknownRevocationStatus")
}
