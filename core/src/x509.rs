//! X.509 for NVIDIA's two PKIs (device identity and RIM signing): an owned certificate model
//! parsed once with `x509-parser`, and path validation to a pinned trust anchor at a
//! caller-supplied time.
//!
//! Rules (stricter than NVIDIA's Python verifier, equal to or stricter than nvat):
//! * the evidence's own root is never trusted: the chain must end in a certificate that is
//!   byte-identical to the anchor, or that the anchor's key signed;
//! * every link: issuer name equals the parent's subject name byte for byte, the parent is a CA
//!   (basicConstraints cA=true, keyCertSign when keyUsage is present, pathLen respected), the
//!   signature is ECDSA P-384 / SHA-384 over the exact `tbsCertificate` bytes;
//! * the leaf carries keyUsage digitalSignature (when keyUsage is present);
//! * an unrecognised critical extension fails the chain;
//! * validity is evaluated at `now` for every certificate (anchor included) and reported as its
//!   own status, so callers can let policy decide about expiry (NVIDIA's RIM signer
//!   certificates are two-year certificates and the bundled sample RIMs have all expired).
//!
//! The time-independent part of a link (names, CA flags, signature) is cached process-wide by
//! the SHA-256 of both certificates, so identical intermediates shared by eight GPUs, or seen
//! again on a later call, are verified once.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::crypto;
use crate::der;

/// Most certificates a chain may hold (NVIDIA's are 4 or 5 long).
pub const MAX_CHAIN_LEN: usize = 8;

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_SECP384R1: &str = "1.3.132.0.34";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
/// TCG DICE TcbInfo (carries the FWID on Hopper leaves).
pub const OID_TCG_DICE_TCBINFO: &str = "2.23.133.5.4.1";
/// The variant Python's verifier also accepts.
pub const OID_TCG_DICE_TCBINFO_1: &str = "2.23.133.5.4.1.1";
const OID_OCSP_ACCESS: &str = "1.3.6.1.5.5.7.48.1";

/// Why a certificate could not be used at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// The PEM text or DER bytes are not a certificate.
    #[error("malformed certificate: {0}")]
    Malformed(String),
}

/// A parsed certificate, owning its DER. Only the fields verification needs are extracted.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    /// SHA-256 of the DER (cache key, pinning).
    pub sha256: [u8; 32],
    tbs: Range<usize>,
    signature: Vec<u8>,
    sig_alg_ecdsa_p384: bool,
    /// The raw DER of the subject Name.
    pub subject_raw: Vec<u8>,
    /// The raw DER of the issuer Name.
    pub issuer_raw: Vec<u8>,
    /// The first subject CN, if any.
    pub subject_cn: Option<String>,
    /// The serial number as unsigned big-endian bytes (no leading zero).
    pub serial: Vec<u8>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// The SEC1 public key point when the key is P-384, else `None`.
    pub p384_point: Option<Vec<u8>>,
    /// The BIT STRING content of subjectPublicKey (for OCSP issuerKeyHash).
    pub public_key_bits: Vec<u8>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage as (digitalSignature, keyCertSign), if the extension is present.
    pub key_usage: Option<(bool, bool)>,
    /// Critical extensions this verifier does not understand (fail the chain).
    pub unknown_critical: Vec<String>,
    /// The content of the TCG DICE TcbInfo extension, if present.
    pub dice_tcb_info: Option<Vec<u8>>,
    /// OCSP responder URLs from authorityInfoAccess.
    pub ocsp_urls: Vec<String>,
    /// otherName SAN values (the Hopper leaf carries `NVIDIA:GH100:<id>`).
    pub san_other_names: Vec<String>,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    /// Parses one DER certificate. Trailing bytes are refused.
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| PkiError::Malformed(format!("X.509 DER: {e}")))?;
        if !rest.is_empty() {
            return Err(PkiError::Malformed(format!(
                "{} trailing bytes after the certificate",
                rest.len()
            )));
        }
        let tbs_raw = cert.tbs_certificate.as_ref();
        let start = (tbs_raw.as_ptr() as usize).wrapping_sub(der.as_ptr() as usize);
        if start > der.len() || start + tbs_raw.len() > der.len() {
            return Err(PkiError::Malformed("tbsCertificate outside the DER".into()));
        }
        let tbs = start..start + tbs_raw.len();
        let signature = cert.signature_value.data.to_vec();
        let tbsc = &cert.tbs_certificate;
        let sig_alg_ecdsa_p384 = cert.signature_algorithm.algorithm.to_id_string()
            == OID_ECDSA_SHA384
            && tbsc.signature.algorithm.to_id_string() == OID_ECDSA_SHA384;
        // The outer signatureAlgorithm and signature are not covered by the signature: require
        // their one canonical DER form, so no unsigned byte of the certificate is malleable.
        let sig_alg_ecdsa_p384 =
            sig_alg_ecdsa_p384 && der == canonical_certificate(&der[tbs.clone()], &signature);
        let spki = &tbsc.subject_pki;
        let public_key_bits = spki.subject_public_key.data.to_vec();
        let is_p384 = spki.algorithm.algorithm.to_id_string() == OID_EC_PUBLIC_KEY
            && spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o: Oid| o.to_id_string() == OID_SECP384R1)
                .unwrap_or(false)
            && matches!(spki.parsed(), Ok(PublicKey::EC(_)));
        let p384_point = is_p384.then(|| public_key_bits.clone());

        let mut is_ca = false;
        let mut path_len = None;
        let mut key_usage = None;
        let mut unknown_critical = Vec::new();
        let mut dice_tcb_info = None;
        let mut ocsp_urls = Vec::new();
        let mut san_other_names = Vec::new();
        let mut seen = HashSet::new();
        for ext in tbsc.extensions() {
            let oid = ext.oid.to_id_string();
            if !seen.insert(oid.clone()) {
                return Err(PkiError::Malformed(format!("duplicate extension {oid}")));
            }
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    is_ca = bc.ca;
                    path_len = bc.path_len_constraint;
                }
                ParsedExtension::KeyUsage(ku) => {
                    key_usage = Some((ku.digital_signature(), ku.key_cert_sign()));
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for ad in aia.iter() {
                        if ad.access_method.to_id_string() == OID_OCSP_ACCESS
                            && let GeneralName::URI(u) = &ad.access_location
                        {
                            ocsp_urls.push((*u).to_string());
                        }
                    }
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    for gn in &san.general_names {
                        if let GeneralName::OtherName(_, value) = gn {
                            san_other_names.push(other_name_text(value));
                        }
                    }
                }
                ParsedExtension::ParseError { error } => {
                    return Err(PkiError::Malformed(format!("extension {oid}: {error}")));
                }
                ParsedExtension::SubjectKeyIdentifier(_)
                | ParsedExtension::AuthorityKeyIdentifier(_)
                | ParsedExtension::CRLDistributionPoints(_)
                | ParsedExtension::ExtendedKeyUsage(_)
                | ParsedExtension::CertificatePolicies(_) => {}
                _ => {
                    if oid == OID_TCG_DICE_TCBINFO || oid == OID_TCG_DICE_TCBINFO_1 {
                        dice_tcb_info = Some(ext.value.to_vec());
                    } else if ext.critical {
                        unknown_critical.push(oid);
                    }
                }
            }
        }
        let subject_cn = tbsc
            .subject
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string);
        let mut serial = tbsc.raw_serial().to_vec();
        while serial.len() > 1 && serial[0] == 0 {
            serial.remove(0);
        }
        Ok(Certificate {
            sha256: crypto::sha256(der),
            der: der.to_vec(),
            tbs,
            signature,
            sig_alg_ecdsa_p384,
            subject_raw: tbsc.subject.as_raw().to_vec(),
            issuer_raw: tbsc.issuer.as_raw().to_vec(),
            subject_cn,
            serial,
            not_before: tbsc.validity.not_before.timestamp(),
            not_after: tbsc.validity.not_after.timestamp(),
            p384_point,
            public_key_bits,
            is_ca,
            path_len,
            key_usage,
            unknown_critical,
            dice_tcb_info,
            ocsp_urls,
            san_other_names,
        })
    }

    /// Parses every `-----BEGIN CERTIFICATE-----` block of a PEM bundle, in order. Text between
    /// blocks other than whitespace, and an empty bundle, are refused.
    pub fn from_pem_bundle(pem: &[u8]) -> Result<Vec<Self>, PkiError> {
        pem_blocks(pem)?
            .iter()
            .map(|der| Certificate::from_der(der))
            .collect()
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The signature value (the BIT STRING's bytes: DER ECDSA for the keys ccverify uses).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The exact `tbsCertificate` bytes the issuer signed.
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The serial number as decimal text (NVIDIA's `ueid` claim).
    pub fn serial_decimal(&self) -> String {
        bytes_to_decimal(&self.serial)
    }

    /// Whether subject == issuer (a self-issued certificate such as a root).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Checks this certificate's signature with `issuer`'s key (ECDSA P-384/SHA-384 only).
    pub fn signed_by(&self, issuer: &Certificate) -> bool {
        match &issuer.p384_point {
            Some(point) if self.sig_alg_ecdsa_p384 => {
                crypto::verify_p384_der(point, self.tbs(), &self.signature)
            }
            _ => false,
        }
    }

    /// Verifies a raw 96-byte r‖s ECDSA P-384/SHA-384 signature with this certificate's key.
    pub fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        match &self.p384_point {
            Some(point) => crypto::verify_p384_raw(point, msg, sig),
            None => false,
        }
    }

    /// A short human name for messages: the CN, or the SHA-256 prefix.
    pub fn display_name(&self) -> String {
        self.subject_cn
            .clone()
            .unwrap_or_else(|| format!("sha256:{}", hex::encode(&self.sha256[..8])))
    }
}

const ALGID_ECDSA_SHA384: [u8; 12] = [
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
];

/// The only DER encoding of an ecdsa-with-SHA384 certificate with this tbs and signature.
fn canonical_certificate(tbs: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut bits = Vec::with_capacity(signature.len() + 1);
    bits.push(0);
    bits.extend_from_slice(signature);
    let mut body = Vec::with_capacity(tbs.len() + 128);
    body.extend_from_slice(tbs);
    body.extend_from_slice(&ALGID_ECDSA_SHA384);
    body.extend_from_slice(&der::tlv(der::TAG_BIT_STRING, &bits));
    der::tlv(der::TAG_SEQUENCE, &body)
}

/// The text of an otherName value: `[0] EXPLICIT` around a UTF8String, PrintableString or
/// IA5String (x509-parser hands over either the wrapper or its content). Anything else has no
/// text: the name is then empty, and checks that read it find nothing.
fn other_name_text(value: &[u8]) -> String {
    fn text(data: &[u8], depth: usize) -> Option<String> {
        let t = der::Reader::new(data).read_any("otherName").ok()?;
        if t.raw.len() != data.len() {
            return None;
        }
        match t.tag {
            der::TAG_CTX0 if depth == 0 => text(t.content, 1),
            0x0c | 0x13 | 0x16 => String::from_utf8(t.content.to_vec()).ok(),
            _ => None,
        }
    }
    text(value, 0).unwrap_or_default()
}

fn trim_ascii_start(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn bytes_to_decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &b in bytes {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// The outcome of path validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainStatus {
    /// Every link verified and every certificate is within its validity at `now`.
    Valid,
    /// Every link verified, but `now` is after some certificate's notAfter.
    Expired {
        /// The certificate that expired first.
        subject: String,
        /// Its notAfter (Unix seconds).
        not_after: i64,
    },
    /// Every link verified, but `now` is before some certificate's notBefore.
    NotYetValid {
        /// The certificate concerned.
        subject: String,
        /// Its notBefore (Unix seconds).
        not_before: i64,
    },
    /// The chain is broken (names, flags, signatures, anchor, length).
    Invalid(String),
}

/// Path validation result with the facts NVIDIA's claims report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// The verdict.
    pub status: ChainStatus,
    /// The validated path, leaf first, ending with the trust anchor (empty when invalid early).
    pub path: Vec<Arc<Certificate>>,
    /// The earliest notAfter along the path (Unix seconds).
    pub earliest_not_after: Option<i64>,
}

/// What the leaf of a chain must be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafUse {
    /// Sign data (attestation reports, RIMs): keyUsage digitalSignature.
    DigitalSignature,
    /// Sign certificates or OCSP responses as a CA.
    Any,
}

fn link_cache() -> &'static Mutex<HashSet<[u8; 64]>> {
    static CACHE: OnceLock<Mutex<HashSet<[u8; 64]>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Forgets every cached verified link (the next validation re-verifies signatures).
pub fn clear_link_cache() {
    if let Ok(mut cache) = link_cache().lock() {
        cache.clear();
    }
}

/// Bound on cached links; the cache is cleared when it is full (it only saves work).
const LINK_CACHE_MAX: usize = 4096;

/// Verifies the time-independent part of `child` ← `parent`: names, CA flags, pathLen and the
/// signature. `below` is how many non-self-issued CA certificates sit below `child`'s issuer
/// in the path (for pathLen). Cached by the digests of both certificates.
fn check_link(child: &Certificate, parent: &Certificate, below: u32) -> Result<(), String> {
    if child.issuer_raw != parent.subject_raw {
        return Err(format!(
            "issuer of '{}' is not the subject of '{}'",
            child.display_name(),
            parent.display_name()
        ));
    }
    if !parent.is_ca {
        return Err(format!(
            "'{}' signs certificates but is not a CA (basicConstraints)",
            parent.display_name()
        ));
    }
    if let Some((_, cert_sign)) = parent.key_usage
        && !cert_sign
    {
        return Err(format!(
            "'{}' lacks keyUsage keyCertSign",
            parent.display_name()
        ));
    }
    if let Some(limit) = parent.path_len
        && below > limit
    {
        return Err(format!(
            "pathLenConstraint {limit} of '{}' exceeded",
            parent.display_name()
        ));
    }
    if !parent.unknown_critical.is_empty() {
        return Err(format!(
            "'{}' has unrecognised critical extension(s) {}",
            parent.display_name(),
            parent.unknown_critical.join(", ")
        ));
    }
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&child.sha256);
    key[32..].copy_from_slice(&parent.sha256);
    if let Ok(cache) = link_cache().lock()
        && cache.contains(&key)
    {
        return Ok(());
    }
    if !child.signed_by(parent) {
        return Err(format!(
            "signature of '{}' does not verify with the key of '{}'",
            child.display_name(),
            parent.display_name()
        ));
    }
    if let Ok(mut cache) = link_cache().lock() {
        if cache.len() >= LINK_CACHE_MAX {
            cache.clear();
        }
        cache.insert(key);
    }
    Ok(())
}

/// Validates `chain` (leaf first, as found in evidence) up to `anchor` at `now` (Unix seconds).
///
/// The chain may end with a copy of the anchor (it is then replaced by the pinned one) or with
/// the certificate the anchor signed. A different self-issued root at the end is refused.
pub fn validate_chain(
    chain: &[Arc<Certificate>],
    anchor: &Arc<Certificate>,
    now: i64,
    leaf_use: LeafUse,
) -> ChainReport {
    let invalid = |why: String| ChainReport {
        status: ChainStatus::Invalid(why),
        path: Vec::new(),
        earliest_not_after: None,
    };
    if chain.is_empty() {
        return invalid("no certificate".into());
    }
    if chain.len() > MAX_CHAIN_LEN {
        return invalid(format!("more than {MAX_CHAIN_LEN} certificates"));
    }
    let mut path: Vec<Arc<Certificate>> = chain.to_vec();
    let last_is_anchor = path.last().is_some_and(|c| c.der == anchor.der);
    if last_is_anchor {
        path.pop();
        if path.is_empty() {
            return invalid("the chain holds only the trust anchor".into());
        }
    } else if path.last().is_some_and(|c| c.is_self_issued()) {
        return invalid(format!(
            "the chain ends in '{}', which is not the pinned trust anchor",
            path.last().map(|c| c.display_name()).unwrap_or_default()
        ));
    }
    path.push(Arc::clone(anchor));
    // Anchor must be self-signed and usable as a CA (checked like any link).
    for (i, pair) in path.windows(2).enumerate() {
        let (child, parent) = (&pair[0], &pair[1]);
        if i > 0 && child.is_self_issued() {
            return invalid(format!(
                "self-issued certificate '{}' in the middle of the chain",
                child.display_name()
            ));
        }
        let below = u32::try_from(i.saturating_sub(1)).unwrap_or(u32::MAX);
        if let Err(why) = check_link(child, parent, below) {
            return invalid(why);
        }
    }
    let leaf = &path[0];
    if !leaf.unknown_critical.is_empty() {
        return invalid(format!(
            "leaf '{}' has unrecognised critical extension(s) {}",
            leaf.display_name(),
            leaf.unknown_critical.join(", ")
        ));
    }
    if leaf_use == LeafUse::DigitalSignature {
        if let Some((digital_signature, _)) = leaf.key_usage
            && !digital_signature
        {
            return invalid(format!(
                "leaf '{}' lacks keyUsage digitalSignature",
                leaf.display_name()
            ));
        }
        if leaf.p384_point.is_none() {
            return invalid(format!("leaf '{}' key is not P-384", leaf.display_name()));
        }
    }
    let earliest_not_after = path.iter().map(|c| c.not_after).min();
    let status = time_status(&path, now);
    ChainReport {
        status,
        path,
        earliest_not_after,
    }
}

/// Evaluates validity windows at `now` (the first expired, else the first not-yet-valid).
pub fn time_status(path: &[Arc<Certificate>], now: i64) -> ChainStatus {
    if let Some(c) = path
        .iter()
        .filter(|c| now > c.not_after)
        .min_by_key(|c| c.not_after)
    {
        return ChainStatus::Expired {
            subject: c.display_name(),
            not_after: c.not_after,
        };
    }
    if let Some(c) = path.iter().find(|c| now < c.not_before) {
        return ChainStatus::NotYetValid {
            subject: c.display_name(),
            not_before: c.not_before,
        };
    }
    ChainStatus::Valid
}

/// The DER of every `-----BEGIN CERTIFICATE-----` block of a PEM bundle, in order, without
/// parsing them. Text between blocks other than whitespace, an empty bundle and more than
/// [`MAX_CHAIN_LEN`] blocks are refused. After the last block only NULs and whitespace may
/// follow: production GPU evidence (NVIDIA's SDK since 2026) and TDX quotes pad the chain with
/// NUL bytes after the last END line, and their verifiers accept that.
pub fn pem_blocks(pem: &[u8]) -> Result<Vec<Vec<u8>>, PkiError> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    loop {
        let trimmed = trim_ascii_start(rest);
        if trimmed.is_empty() {
            break;
        }
        if !out.is_empty() && trimmed.iter().all(|&b| b == 0 || b.is_ascii_whitespace()) {
            break;
        }
        if !trimmed.starts_with(BEGIN) {
            return Err(PkiError::Malformed(
                "text outside a CERTIFICATE block in the PEM bundle".into(),
            ));
        }
        let body_and_rest = &trimmed[BEGIN.len()..];
        let end = find(body_and_rest, END)
            .ok_or_else(|| PkiError::Malformed("PEM block without its END line".into()))?;
        let body: Vec<u8> = body_and_rest[..end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD
            .decode(&body)
            .map_err(|e| PkiError::Malformed(format!("PEM base64: {e}")))?;
        out.push(der);
        if out.len() > MAX_CHAIN_LEN {
            return Err(PkiError::Malformed(format!(
                "more than {MAX_CHAIN_LEN} certificates in one bundle"
            )));
        }
        rest = &body_and_rest[end + END.len()..];
    }
    if out.is_empty() {
        return Err(PkiError::Malformed(
            "no certificate in the PEM bundle".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAIN: &[u8] = include_bytes!("../../tests/vectors/gpu/nvidia/hopperCertChain.txt");
    const ROOT: &[u8] = include_bytes!("gpu/roots/verifier_device_root.pem");

    fn chain() -> Vec<Arc<Certificate>> {
        Certificate::from_pem_bundle(CHAIN)
            .unwrap()
            .into_iter()
            .map(Arc::new)
            .collect()
    }

    fn root() -> Arc<Certificate> {
        Arc::new(Certificate::from_pem_bundle(ROOT).unwrap().remove(0))
    }

    #[test]
    fn sample_chain_validates_at_any_date() {
        for now in [1_700_000_000, 4_000_000_000] {
            let r = validate_chain(&chain(), &root(), now, LeafUse::DigitalSignature);
            assert_eq!(r.status, ChainStatus::Valid);
            assert_eq!(r.path.len(), 5);
        }
        let c = chain();
        assert_eq!(c[0].subject_cn.as_deref(), Some("GH100 A01 GSP FMC LF"));
        assert_eq!(
            c[0].serial_decimal(),
            "478176379286082186618948445787393647364802107249"
        );
        assert!(c[0].dice_tcb_info.is_some());
        assert_eq!(c[0].san_other_names, ["NVIDIA:GH100:48B02D92494BADF4"]);
        assert_eq!(
            hex::encode(root().sha256),
            "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48"
        );
    }

    #[test]
    fn other_names_are_read_as_der_strings_or_not_at_all() {
        let utf8 = der::tlv(0x0c, b"NVIDIA:GH100:1");
        assert_eq!(other_name_text(&utf8), "NVIDIA:GH100:1");
        assert_eq!(
            other_name_text(&der::tlv(der::TAG_CTX0, &utf8)),
            "NVIDIA:GH100:1"
        );
        // A length byte that happens to be printable is a length, not text.
        let long = der::tlv(0x0c, &[b'A'; 0x35]);
        assert_eq!(other_name_text(&long), "A".repeat(0x35));
        for bad in [
            &b""[..],
            &[0x0c, 0x05, b'a'],
            &[0x04, 0x01, b'a'],
            &[0x0c, 0x01, b'a', 0],
        ] {
            assert_eq!(other_name_text(bad), "", "{bad:?}");
        }
    }

    #[test]
    fn broken_chains_fail() {
        let mut c = chain();
        c.swap(1, 2);
        assert!(matches!(
            validate_chain(&c, &root(), 1_700_000_000, LeafUse::DigitalSignature).status,
            ChainStatus::Invalid(_)
        ));
        let mut c = chain();
        c.pop();
        // Without its root the chain still ends at a certificate the anchor signed.
        assert_eq!(
            validate_chain(&c, &root(), 1_700_000_000, LeafUse::DigitalSignature).status,
            ChainStatus::Valid
        );
        // Foreign anchor: the evidence root is not the pinned one.
        let foreign = Arc::clone(&chain()[3]);
        assert!(matches!(
            validate_chain(&chain(), &foreign, 1_700_000_000, LeafUse::DigitalSignature).status,
            ChainStatus::Invalid(_)
        ));
        // Before notBefore.
        assert!(matches!(
            validate_chain(&chain(), &root(), 1_000_000_000, LeafUse::DigitalSignature).status,
            ChainStatus::NotYetValid { .. }
        ));
    }

    #[test]
    fn unsigned_outer_bytes_are_not_malleable() {
        let der = chain()[0].der().to_vec();
        let tbs_end = chain()[0].tbs.end;
        // The outer AlgorithmIdentifier's SEQUENCE tag and the OID's last byte.
        for (off, val) in [(tbs_end, 0xB0u8), (tbs_end + 11, 0x83)] {
            let mut m = der.clone();
            m[off] = val;
            if let Ok(c) = Certificate::from_der(&m) {
                assert!(!c.signed_by(&chain()[1]), "offset {off} accepted");
            }
        }
        assert!(chain()[0].signed_by(&chain()[1]));
    }

    #[test]
    fn decimal() {
        assert_eq!(bytes_to_decimal(&[0]), "0");
        assert_eq!(bytes_to_decimal(&[1, 0]), "256");
    }

    #[test]
    fn pem_garbage_is_refused() {
        assert!(Certificate::from_pem_bundle(b"").is_err());
        assert!(Certificate::from_pem_bundle(b"hello").is_err());
        let mut c = CHAIN.to_vec();
        c.extend_from_slice(b"junk");
        assert!(Certificate::from_pem_bundle(&c).is_err());
    }
}
