//! OCSP (RFC 6960) for NVIDIA's device and RIM certificate chains, offline.
//!
//! NVIDIA's verifiers ask `ocsp.ndis.nvidia.com` whether the intermediates of a GPU's device
//! chain and of each RIM signer chain are revoked. This module holds everything about that
//! exchange except the network:
//!
//! * [`build_request`] encodes the `OCSPRequest` a network client POSTs (one SHA-384 `CertID`
//!   and an optional nonce, byte-identical to what NVIDIA's Python verifier sends);
//! * [`parse_response`] is a strict DER parser for `OCSPResponse` / `BasicOCSPResponse`;
//! * [`verify_response`] decides what a response says about one certificate, at a
//!   caller-supplied time, as an [`OcspOutcome`];
//! * [`OcspSource`] supplies responses from somewhere — a directory of cached responses
//!   ([`DirOcspSource`]), memory ([`MemoryOcspSource`]) or nowhere ([`NoOcsp`]).
//!
//! Rules applied by [`verify_response`] (stricter than NVIDIA's Python verifier, which checks
//! neither freshness nor that the answer is about the certificate asked for):
//!
//! * `responseStatus` is `successful` and the response type is `id-pkix-ocsp-basic`;
//! * `tbsResponseData` is signed with ECDSA P-384 / SHA-384 by the **issuer** of the
//!   certificate, or by a **delegated responder** whose certificate is in the response's
//!   `certs`, was signed by that issuer, carries extended key usage `id-kp-OCSPSigning`
//!   (and keyUsage digitalSignature when keyUsage is present), has no unrecognised critical
//!   extension and is within its validity period at `now`. The `responderID` (byName or byKey)
//!   must name the signer;
//! * exactly the `SingleResponse` whose `CertID` matches (cert, issuer) is used: the issuer
//!   name and key hashes are recomputed with the `CertID`'s own hash algorithm (SHA-1,
//!   SHA-256, SHA-384 or SHA-512) and the serial numbers must be equal;
//! * freshness: `thisUpdate ≤ now + MAX_CLOCK_SKEW_SECS` and
//!   `now ≤ nextUpdate + MAX_CLOCK_SKEW_SECS`; without `nextUpdate`, `thisUpdate` may be at most
//!   [`MAX_AGE_WITHOUT_NEXT_UPDATE_SECS`] old;
//! * a nonce that was sent must come back unchanged; a nonce in a response when none was sent
//!   (a cached response) is ignored.
//!
//! Anything else — including every malformed input — is [`OcspOutcome::Invalid`] with a reason.
//! Nothing here panics, touches the network or reads the clock.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_lc_rs::digest;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::crypto;
use crate::x509::{self, Certificate};

/// Clock skew tolerated between this verifier and the OCSP responder, in seconds (5 minutes):
/// a `thisUpdate` up to this far in the future, and a `nextUpdate` up to this far in the past,
/// are still accepted.
pub const MAX_CLOCK_SKEW_SECS: i64 = 5 * 60;

/// The oldest a response without `nextUpdate` may be (its `thisUpdate` before `now`), in
/// seconds: 7 days. RFC 6960 leaves such responses' lifetime to local policy; NVIDIA's
/// responder sets `nextUpdate`.
pub const MAX_AGE_WITHOUT_NEXT_UPDATE_SECS: i64 = 7 * 24 * 60 * 60;

/// The largest DER response accepted, in bytes (NVIDIA's are about 2 KiB).
pub const MAX_RESPONSE_LEN: usize = 256 * 1024;

/// The most `SingleResponse`s one response may carry.
pub const MAX_SINGLE_RESPONSES: usize = 256;

/// The most files a [`DirOcspSource`] reads from its directory.
pub const MAX_CACHE_FILES: usize = 10_000;

// OIDs, as the content bytes of their DER encoding.
const OID_PKIX_OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
const OID_PKIX_OCSP_NONCE: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02];
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const OID_ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];

// DER tags used here (single-byte, low tag numbers only).
const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_ENUMERATED: u8 = 0x0a;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_CTX0: u8 = 0xa0;
const TAG_CTX1: u8 = 0xa1;
const TAG_CTX2: u8 = 0xa2;
const TAG_CTX0_PRIM: u8 = 0x80;
const TAG_CTX2_PRIM: u8 = 0x82;

// ---------------------------------------------------------------------------------------------
// Errors and the parsed model
// ---------------------------------------------------------------------------------------------

/// Why bytes are not an OCSP response this module can use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    /// Not strict DER, or not the RFC 6960 structure (truncated input, trailing bytes,
    /// non-minimal lengths, a wrong tag, a bad time or integer …).
    #[error("malformed OCSP response: {0}")]
    Malformed(String),
    /// Well-formed but outside what this verifier supports (a response type other than
    /// `id-pkix-ocsp-basic`, an unknown `CertID` hash algorithm, an unrecognised critical
    /// extension, a response version other than v1).
    #[error("unsupported OCSP response: {0}")]
    Unsupported(String),
}

fn malformed(msg: impl Into<String>) -> OcspError {
    OcspError::Malformed(msg.into())
}

/// `OCSPResponseStatus` (RFC 6960 §4.2.1): whether the responder could answer at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseStatus {
    /// 0: the response carries a `BasicOCSPResponse`.
    Successful,
    /// 1: the responder could not parse the request.
    MalformedRequest,
    /// 2: the responder failed internally.
    InternalError,
    /// 3: try again later.
    TryLater,
    /// 5: the request must be signed.
    SigRequired,
    /// 6: the requester is not authorised.
    Unauthorized,
}

impl ResponseStatus {
    fn from_code(code: u64) -> Option<ResponseStatus> {
        Some(match code {
            0 => ResponseStatus::Successful,
            1 => ResponseStatus::MalformedRequest,
            2 => ResponseStatus::InternalError,
            3 => ResponseStatus::TryLater,
            5 => ResponseStatus::SigRequired,
            6 => ResponseStatus::Unauthorized,
            _ => return None,
        })
    }

    /// The RFC 6960 name (`"successful"`, `"tryLater"` …).
    pub fn name(self) -> &'static str {
        match self {
            ResponseStatus::Successful => "successful",
            ResponseStatus::MalformedRequest => "malformedRequest",
            ResponseStatus::InternalError => "internalError",
            ResponseStatus::TryLater => "tryLater",
            ResponseStatus::SigRequired => "sigRequired",
            ResponseStatus::Unauthorized => "unauthorized",
        }
    }
}

/// The hash algorithm of a `CertID`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-1 (the RFC 6960 default; NVIDIA's nvat uses it).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384 (NVIDIA's Python verifier uses it, as does [`build_request`]).
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Every supported algorithm.
    pub const ALL: [HashAlgorithm; 4] = [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];

    fn from_oid(oid: &[u8]) -> Option<HashAlgorithm> {
        Some(match oid {
            OID_SHA1 => HashAlgorithm::Sha1,
            OID_SHA256 => HashAlgorithm::Sha256,
            OID_SHA384 => HashAlgorithm::Sha384,
            OID_SHA512 => HashAlgorithm::Sha512,
            _ => return None,
        })
    }

    fn oid(self) -> &'static [u8] {
        match self {
            HashAlgorithm::Sha1 => OID_SHA1,
            HashAlgorithm::Sha256 => OID_SHA256,
            HashAlgorithm::Sha384 => OID_SHA384,
            HashAlgorithm::Sha512 => OID_SHA512,
        }
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => &digest::SHA256,
            HashAlgorithm::Sha384 => &digest::SHA384,
            HashAlgorithm::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }

    /// A short name (`"SHA-384"`).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }
}

/// An OCSP `CertID`: which certificate a request or a `SingleResponse` is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertId {
    /// The algorithm of both hashes.
    pub hash: HashAlgorithm,
    /// Hash of the issuer's DER-encoded subject Name.
    pub issuer_name_hash: Vec<u8>,
    /// Hash of the issuer's subjectPublicKey BIT STRING content.
    pub issuer_key_hash: Vec<u8>,
    /// The certificate's serial number, unsigned big-endian without leading zero bytes (the
    /// same form as [`Certificate::serial`]).
    pub serial: Vec<u8>,
}

impl CertId {
    /// The `CertID` of `cert`, issued by `issuer`, hashed with `hash`.
    pub fn new(cert: &Certificate, issuer: &Certificate, hash: HashAlgorithm) -> CertId {
        CertId {
            hash,
            issuer_name_hash: hash.digest(&issuer.subject_raw),
            issuer_key_hash: hash.digest(&issuer.public_key_bits),
            serial: strip_leading_zeros(&cert.serial).to_vec(),
        }
    }

    /// Whether this `CertID` designates `cert` issued by `issuer` (recomputed with this
    /// `CertID`'s own hash algorithm).
    pub fn matches(&self, cert: &Certificate, issuer: &Certificate) -> bool {
        *self == CertId::new(cert, issuer, self.hash)
    }

    fn to_der(&self) -> Vec<u8> {
        let mut serial = Vec::with_capacity(self.serial.len() + 1);
        if self.serial.first().is_none_or(|b| b & 0x80 != 0) {
            serial.push(0);
        }
        serial.extend_from_slice(&self.serial);
        der_seq(&[
            &der_seq(&[&tlv(TAG_OID, self.hash.oid()), &tlv(TAG_NULL, &[])]),
            &tlv(TAG_OCTET_STRING, &self.issuer_name_hash),
            &tlv(TAG_OCTET_STRING, &self.issuer_key_hash),
            &tlv(TAG_INTEGER, &serial),
        ])
    }
}

/// `CRLReason` (RFC 5280 §5.3.1): why a certificate was revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// 0 `unspecified`.
    Unspecified,
    /// 1 `keyCompromise`.
    KeyCompromise,
    /// 2 `cACompromise`.
    CaCompromise,
    /// 3 `affiliationChanged`.
    AffiliationChanged,
    /// 4 `superseded`.
    Superseded,
    /// 5 `cessationOfOperation`.
    CessationOfOperation,
    /// 6 `certificateHold`: a temporary suspension that may be lifted. NVIDIA's verifier can
    /// be told to tolerate it (`--allow_hold_cert`), meant for RIM chains.
    CertificateHold,
    /// 8 `removeFromCRL`.
    RemoveFromCrl,
    /// 9 `privilegeWithdrawn`.
    PrivilegeWithdrawn,
    /// 10 `aACompromise`.
    AaCompromise,
}

impl RevocationReason {
    /// The reason for a `CRLReason` code; `None` for 7 (unused) and codes above 10.
    pub fn from_code(code: u64) -> Option<RevocationReason> {
        Some(match code {
            0 => RevocationReason::Unspecified,
            1 => RevocationReason::KeyCompromise,
            2 => RevocationReason::CaCompromise,
            3 => RevocationReason::AffiliationChanged,
            4 => RevocationReason::Superseded,
            5 => RevocationReason::CessationOfOperation,
            6 => RevocationReason::CertificateHold,
            8 => RevocationReason::RemoveFromCrl,
            9 => RevocationReason::PrivilegeWithdrawn,
            10 => RevocationReason::AaCompromise,
            _ => return None,
        })
    }

    /// The `CRLReason` code.
    pub fn code(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::CaCompromise => 2,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::CertificateHold => 6,
            RevocationReason::RemoveFromCrl => 8,
            RevocationReason::PrivilegeWithdrawn => 9,
            RevocationReason::AaCompromise => 10,
        }
    }

    /// The RFC 5280 name (`"keyCompromise"`, `"certificateHold"` …).
    pub fn name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
            RevocationReason::RemoveFromCrl => "removeFromCRL",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
            RevocationReason::AaCompromise => "aACompromise",
        }
    }

    /// Whether this is `certificateHold` (a suspension, not a final revocation).
    pub fn is_certificate_hold(self) -> bool {
        self == RevocationReason::CertificateHold
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `CertStatus` of one `SingleResponse`, as encoded (not yet verified).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    /// `good`.
    Good,
    /// `revoked`.
    Revoked {
        /// `revocationTime`, Unix seconds.
        at: i64,
        /// `revocationReason`, if given.
        reason: Option<RevocationReason>,
    },
    /// `unknown`: the responder does not know the certificate.
    Unknown,
}

/// One `SingleResponse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleResponse {
    /// Which certificate it is about.
    pub cert_id: CertId,
    /// Its status.
    pub status: CertStatus,
    /// `thisUpdate`, Unix seconds.
    pub this_update: i64,
    /// `nextUpdate`, Unix seconds, if present.
    pub next_update: Option<i64>,
}

/// `ResponderID`: how a response names its signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponderId {
    /// `byName`: the signer's DER-encoded subject Name.
    ByName(Vec<u8>),
    /// `byKey`: SHA-1 of the signer's subjectPublicKey BIT STRING content (20 bytes).
    ByKey(Vec<u8>),
}

impl ResponderId {
    /// Whether this ID designates `cert`.
    pub fn identifies(&self, cert: &Certificate) -> bool {
        match self {
            ResponderId::ByName(name) => *name == cert.subject_raw,
            ResponderId::ByKey(hash) => *hash == HashAlgorithm::Sha1.digest(&cert.public_key_bits),
        }
    }
}

/// The signature algorithm of a `BasicOCSPResponse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// `ecdsa-with-SHA384` (1.2.840.10045.4.3.3), the only one [`verify_response`] accepts.
    EcdsaSha384,
    /// Anything else, as a dotted OID.
    Other(String),
}

/// A parsed `BasicOCSPResponse`.
#[derive(Clone, Debug)]
pub struct BasicResponse {
    /// The exact DER bytes of `tbsResponseData` (what the responder signed).
    pub tbs_response_data: Vec<u8>,
    /// Who signed.
    pub responder_id: ResponderId,
    /// `producedAt`, Unix seconds.
    pub produced_at: i64,
    /// Every `SingleResponse`, in order.
    pub responses: Vec<SingleResponse>,
    /// The content of the nonce extension's `extnValue` OCTET STRING, if present. RFC 8954
    /// puts another OCTET STRING inside; some responders put the raw nonce. See
    /// [`BasicResponse::nonce_matches`].
    pub nonce_extn_value: Option<Vec<u8>>,
    /// `signatureAlgorithm`.
    pub signature_algorithm: SignatureAlgorithm,
    /// The signature BIT STRING content (a DER ECDSA signature for ECDSA).
    pub signature: Vec<u8>,
    /// `certs`: certificates the responder included (a delegated responder's certificate).
    pub certs: Vec<Certificate>,
}

impl BasicResponse {
    /// The `SingleResponse` about `cert` issued by `issuer`, if any.
    pub fn find(&self, cert: &Certificate, issuer: &Certificate) -> Option<&SingleResponse> {
        self.responses
            .iter()
            .find(|r| r.cert_id.matches(cert, issuer))
    }

    /// Whether the response echoes `sent`: its nonce extension holds either
    /// `OCTET STRING { sent }` (RFC 8954, what [`build_request`] sends) or `sent` itself.
    pub fn nonce_matches(&self, sent: &[u8]) -> bool {
        let Some(value) = &self.nonce_extn_value else {
            return false;
        };
        if value.as_slice() == sent {
            return true;
        }
        matches!(exactly_one(value, TAG_OCTET_STRING, "nonce"), Ok(inner) if inner == sent)
    }
}

/// A parsed `OCSPResponse`.
#[derive(Clone, Debug)]
pub struct OcspResponse {
    /// `responseStatus`.
    pub status: ResponseStatus,
    /// The basic response; present exactly when `status` is [`ResponseStatus::Successful`].
    pub basic: Option<BasicResponse>,
}

// ---------------------------------------------------------------------------------------------
// Strict DER reader
// ---------------------------------------------------------------------------------------------

/// One TLV: its tag, its content and its whole encoding.
#[derive(Clone, Copy, Debug)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    raw: &'a [u8],
}

/// A cursor over consecutive DER TLVs. Definite lengths only, minimally encoded, low tag
/// numbers only; every `read` is bounds-checked.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    fn read_any(&mut self, what: &str) -> Result<Tlv<'a>, OcspError> {
        let data = self.data;
        let Some((&tag, rest)) = data.split_first() else {
            return Err(malformed(format!("{what}: truncated (no tag)")));
        };
        if tag & 0x1f == 0x1f {
            return Err(malformed(format!(
                "{what}: high tag numbers are not supported"
            )));
        }
        let Some((&first, rest)) = rest.split_first() else {
            return Err(malformed(format!("{what}: truncated (no length)")));
        };
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else if first == 0x80 {
            return Err(malformed(format!(
                "{what}: indefinite length (BER) is not DER"
            )));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err(malformed(format!(
                    "{what}: length of {n} bytes is too large"
                )));
            }
            let Some((len_bytes, rest)) = rest.split_at_checked(n) else {
                return Err(malformed(format!("{what}: truncated (length bytes)")));
            };
            if len_bytes.first() == Some(&0) {
                return Err(malformed(format!(
                    "{what}: non-minimal length (leading zero byte)"
                )));
            }
            let len = len_bytes
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            if len < 0x80 {
                return Err(malformed(format!(
                    "{what}: non-minimal length (long form for {len} bytes)"
                )));
            }
            let len = usize::try_from(len)
                .map_err(|_| malformed(format!("{what}: length {len} is too large")))?;
            (len, rest)
        };
        let Some(content) = rest.get(..len) else {
            return Err(malformed(format!(
                "{what}: truncated (length {len}, {} bytes left)",
                rest.len()
            )));
        };
        let header = data.len() - rest.len();
        let raw = &data[..header + len];
        self.data = &rest[len..];
        Ok(Tlv { tag, content, raw })
    }

    /// Reads a TLV that must have `tag`.
    fn read_tlv(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, OcspError> {
        let t = self.read_any(what)?;
        if t.tag != tag {
            return Err(malformed(format!(
                "{what}: expected tag 0x{tag:02x}, found 0x{:02x}",
                t.tag
            )));
        }
        Ok(t)
    }

    /// Reads the content of a TLV that must have `tag`.
    fn read(&mut self, tag: u8, what: &str) -> Result<&'a [u8], OcspError> {
        Ok(self.read_tlv(tag, what)?.content)
    }

    /// Reads the content of the next TLV if it has `tag`.
    fn optional(&mut self, tag: u8, what: &str) -> Result<Option<&'a [u8]>, OcspError> {
        if self.peek_tag() == Some(tag) {
            Ok(Some(self.read(tag, what)?))
        } else {
            Ok(None)
        }
    }

    /// Fails unless everything was consumed.
    fn finish(&self, what: &str) -> Result<(), OcspError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(malformed(format!(
                "{what}: {} unexpected trailing bytes",
                self.data.len()
            )))
        }
    }
}

/// The content of the single TLV that `data` must consist of, with `tag`.
fn exactly_one<'a>(data: &'a [u8], tag: u8, what: &str) -> Result<&'a [u8], OcspError> {
    let mut r = Reader::new(data);
    let content = r.read(tag, what)?;
    r.finish(what)?;
    Ok(content)
}

/// Checks a DER INTEGER's content (non-empty, minimal) and returns it.
fn integer(content: &[u8], what: &str) -> Result<(), OcspError> {
    match content {
        [] => Err(malformed(format!("{what}: empty INTEGER"))),
        [0x00, next, ..] if next & 0x80 == 0 => {
            Err(malformed(format!("{what}: non-minimal INTEGER")))
        }
        [0xff, next, ..] if next & 0x80 != 0 => {
            Err(malformed(format!("{what}: non-minimal INTEGER")))
        }
        _ => Ok(()),
    }
}

/// A small non-negative INTEGER or ENUMERATED value.
fn small_uint(content: &[u8], what: &str) -> Result<u64, OcspError> {
    integer(content, what)?;
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(malformed(format!("{what}: negative value")));
    }
    let digits = strip_leading_zeros(content);
    if digits.len() > 8 {
        return Err(malformed(format!("{what}: value too large")));
    }
    Ok(digits
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn boolean(content: &[u8], what: &str) -> Result<bool, OcspError> {
    match content {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(malformed(format!("{what}: BOOLEAN must be 0x00 or 0xFF"))),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let mut b = bytes;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

/// DER GeneralizedTime (`YYYYMMDDHHMMSS[.f+]Z`, no trailing zeros in the fraction) to Unix
/// seconds; a fraction is dropped.
fn generalized_time(content: &[u8], what: &str) -> Result<i64, OcspError> {
    let bad = || malformed(format!("{what}: not a DER GeneralizedTime"));
    let Some((b'Z', body)) = content.split_last() else {
        return Err(bad());
    };
    let Some((main, fraction)) = body.split_at_checked(14) else {
        return Err(bad());
    };
    if !main.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    if let Some((b'.', digits)) = fraction.split_first() {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || digits.ends_with(b"0") {
            return Err(bad());
        }
    } else if !fraction.is_empty() {
        return Err(bad());
    }
    let num = |from: usize, to: usize| -> u32 {
        main[from..to]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(num(0, 4)).map_err(|_| bad())?;
    let month = u8::try_from(num(4, 6))
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(num(6, 8)).map_err(|_| bad())?;
    let (h, m, s) = (num(8, 10), num(10, 12), num(12, 14));
    let date = time::Date::from_calendar_date(year, month, day).map_err(|_| bad())?;
    let clock = time::Time::from_hms(
        u8::try_from(h).map_err(|_| bad())?,
        u8::try_from(m).map_err(|_| bad())?,
        u8::try_from(s).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    Ok(time::PrimitiveDateTime::new(date, clock)
        .assume_utc()
        .unix_timestamp())
}

/// Dotted text of an OID's content bytes (for messages); hex if it does not decode.
fn oid_text(content: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    for (i, b) in content.iter().enumerate() {
        if acc > (u128::MAX >> 7) {
            return format!("OID:{}", hex::encode(content));
        }
        acc = (acc << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (first, second) = match acc {
                    0..40 => (0, acc),
                    40..80 => (1, acc - 40),
                    _ => (2, acc - 80),
                };
                arcs.push(first);
                arcs.push(second);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        } else if i + 1 == content.len() {
            return format!("OID:{}", hex::encode(content));
        }
    }
    if arcs.is_empty() {
        return "OID:(empty)".into();
    }
    arcs.iter()
        .map(u128::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// One parsed `Extension`.
struct Extension<'a> {
    oid: &'a [u8],
    critical: bool,
    value: &'a [u8],
}

/// `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` (the content of its explicit tag).
fn extensions<'a>(explicit: &'a [u8], what: &str) -> Result<Vec<Extension<'a>>, OcspError> {
    let list = exactly_one(explicit, TAG_SEQUENCE, what)?;
    if list.is_empty() {
        return Err(malformed(format!("{what}: empty Extensions")));
    }
    let mut r = Reader::new(list);
    let mut out: Vec<Extension<'a>> = Vec::new();
    while !r.is_empty() {
        let mut e = Reader::new(r.read(TAG_SEQUENCE, what)?);
        let oid = e.read(TAG_OID, what)?;
        // DEFAULT FALSE: an explicit FALSE is tolerated (common in the wild).
        let critical = match e.optional(TAG_BOOLEAN, what)? {
            Some(c) => boolean(c, what)?,
            None => false,
        };
        let value = e.read(TAG_OCTET_STRING, what)?;
        e.finish(what)?;
        if out.iter().any(|x| x.oid == oid) {
            return Err(malformed(format!(
                "{what}: duplicate extension {}",
                oid_text(oid)
            )));
        }
        out.push(Extension {
            oid,
            critical,
            value,
        });
    }
    Ok(out)
}

/// Strict DER check of the parts of an included certificate its signature does not cover:
/// `SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE { ecdsa-with-SHA384 },
/// signatureValue BIT STRING }` with no trailing bytes. `x509-parser` 0.18 accepts a wrong tag
/// class on the AlgorithmIdentifier and an unterminated OID that still reads as
/// ecdsa-with-SHA384, which would make these bytes malleable.
fn check_certificate_shape(content: &[u8]) -> Result<(), OcspError> {
    let mut r = Reader::new(content);
    r.read(TAG_SEQUENCE, "tbsCertificate")?;
    let alg = r.read(TAG_SEQUENCE, "Certificate.signatureAlgorithm")?;
    if exactly_one(alg, TAG_OID, "Certificate.signatureAlgorithm")? != OID_ECDSA_SHA384 {
        return Err(OcspError::Unsupported(
            "an included certificate not signed with ecdsa-with-SHA384".into(),
        ));
    }
    match r
        .read(TAG_BIT_STRING, "Certificate.signatureValue")?
        .first()
    {
        Some(0) => {}
        _ => {
            return Err(malformed(
                "Certificate.signatureValue: unused bits or empty",
            ));
        }
    }
    r.finish("Certificate")
}

fn parse_cert_id(content: &[u8]) -> Result<CertId, OcspError> {
    let mut r = Reader::new(content);
    let mut alg = Reader::new(r.read(TAG_SEQUENCE, "CertID.hashAlgorithm")?);
    let oid = alg.read(TAG_OID, "CertID.hashAlgorithm")?;
    if alg
        .optional(TAG_NULL, "CertID.hashAlgorithm parameters")?
        .is_some_and(|params| !params.is_empty())
    {
        return Err(malformed("CertID.hashAlgorithm: NULL with content"));
    }
    alg.finish("CertID.hashAlgorithm")?;
    let hash = HashAlgorithm::from_oid(oid).ok_or_else(|| {
        OcspError::Unsupported(format!("CertID hash algorithm {}", oid_text(oid)))
    })?;
    let issuer_name_hash = r.read(TAG_OCTET_STRING, "CertID.issuerNameHash")?;
    let issuer_key_hash = r.read(TAG_OCTET_STRING, "CertID.issuerKeyHash")?;
    if issuer_name_hash.len() != hash.output_len() || issuer_key_hash.len() != hash.output_len() {
        return Err(malformed(format!(
            "CertID: hash lengths do not match {}",
            hash.name()
        )));
    }
    let serial = r.read(TAG_INTEGER, "CertID.serialNumber")?;
    integer(serial, "CertID.serialNumber")?;
    r.finish("CertID")?;
    Ok(CertId {
        hash,
        issuer_name_hash: issuer_name_hash.to_vec(),
        issuer_key_hash: issuer_key_hash.to_vec(),
        serial: strip_leading_zeros(serial).to_vec(),
    })
}

fn parse_single_response(content: &[u8]) -> Result<SingleResponse, OcspError> {
    let mut r = Reader::new(content);
    let cert_id = parse_cert_id(r.read(TAG_SEQUENCE, "CertID")?)?;
    let status_tlv = r.read_any("certStatus")?;
    let status = match status_tlv.tag {
        TAG_CTX0_PRIM if status_tlv.content.is_empty() => CertStatus::Good,
        TAG_CTX2_PRIM if status_tlv.content.is_empty() => CertStatus::Unknown,
        TAG_CTX1 => {
            let mut info = Reader::new(status_tlv.content);
            let at = generalized_time(
                info.read(TAG_GENERALIZED_TIME, "revocationTime")?,
                "revocationTime",
            )?;
            let reason = match info.optional(TAG_CTX0, "revocationReason")? {
                Some(explicit) => {
                    let code = small_uint(
                        exactly_one(explicit, TAG_ENUMERATED, "revocationReason")?,
                        "revocationReason",
                    )?;
                    Some(RevocationReason::from_code(code).ok_or_else(|| {
                        malformed(format!("revocationReason: unknown CRLReason {code}"))
                    })?)
                }
                None => None,
            };
            info.finish("RevokedInfo")?;
            CertStatus::Revoked { at, reason }
        }
        other => {
            return Err(malformed(format!(
                "certStatus: unexpected tag 0x{other:02x} or content"
            )));
        }
    };
    let this_update = generalized_time(r.read(TAG_GENERALIZED_TIME, "thisUpdate")?, "thisUpdate")?;
    let next_update = match r.optional(TAG_CTX0, "nextUpdate")? {
        Some(explicit) => Some(generalized_time(
            exactly_one(explicit, TAG_GENERALIZED_TIME, "nextUpdate")?,
            "nextUpdate",
        )?),
        None => None,
    };
    if let Some(explicit) = r.optional(TAG_CTX1, "singleExtensions")? {
        for ext in extensions(explicit, "singleExtensions")? {
            if ext.critical {
                return Err(OcspError::Unsupported(format!(
                    "critical single extension {}",
                    oid_text(ext.oid)
                )));
            }
        }
    }
    r.finish("SingleResponse")?;
    Ok(SingleResponse {
        cert_id,
        status,
        this_update,
        next_update,
    })
}

fn parse_basic(der: &[u8]) -> Result<BasicResponse, OcspError> {
    let mut outer = Reader::new(exactly_one(der, TAG_SEQUENCE, "BasicOCSPResponse")?);
    let tbs = outer.read_tlv(TAG_SEQUENCE, "tbsResponseData")?;

    let mut sig_alg = Reader::new(outer.read(TAG_SEQUENCE, "signatureAlgorithm")?);
    let sig_oid = sig_alg.read(TAG_OID, "signatureAlgorithm")?;
    let has_params = !sig_alg.is_empty();
    if has_params {
        sig_alg.read_any("signatureAlgorithm parameters")?;
        sig_alg.finish("signatureAlgorithm")?;
    }
    let signature_algorithm = if sig_oid == OID_ECDSA_SHA384 {
        if has_params {
            // RFC 5758 §3.2: the parameters MUST be absent.
            return Err(malformed("ecdsa-with-SHA384 with parameters"));
        }
        SignatureAlgorithm::EcdsaSha384
    } else {
        SignatureAlgorithm::Other(oid_text(sig_oid))
    };

    let bits = outer.read(TAG_BIT_STRING, "signature")?;
    let signature = match bits.split_first() {
        Some((0, sig)) => sig.to_vec(),
        _ => return Err(malformed("signature: BIT STRING with unused bits or empty")),
    };

    let mut certs = Vec::new();
    if let Some(explicit) = outer.optional(TAG_CTX0, "certs")? {
        let mut list = Reader::new(exactly_one(explicit, TAG_SEQUENCE, "certs")?);
        while !list.is_empty() {
            let cert = list.read_tlv(TAG_SEQUENCE, "certs")?;
            if certs.len() >= x509::MAX_CHAIN_LEN {
                return Err(malformed(format!(
                    "certs: more than {} certificates",
                    x509::MAX_CHAIN_LEN
                )));
            }
            check_certificate_shape(cert.content)
                .map_err(|e| malformed(format!("certs[{}]: {e}", certs.len())))?;
            certs.push(
                Certificate::from_der(cert.raw)
                    .map_err(|e| malformed(format!("certs[{}]: {e}", certs.len())))?,
            );
        }
    }
    outer.finish("BasicOCSPResponse")?;

    // tbsResponseData
    let mut r = Reader::new(tbs.content);
    if let Some(explicit) = r.optional(TAG_CTX0, "version")? {
        // DEFAULT v1: tolerated when spelled out, anything else refused.
        let v = small_uint(exactly_one(explicit, TAG_INTEGER, "version")?, "version")?;
        if v != 0 {
            return Err(OcspError::Unsupported(format!("ResponseData version {v}")));
        }
    }
    let responder_tlv = r.read_any("responderID")?;
    let responder_id = match responder_tlv.tag {
        TAG_CTX1 => {
            let mut name = Reader::new(responder_tlv.content);
            let n = name.read_tlv(TAG_SEQUENCE, "responderID byName")?;
            name.finish("responderID byName")?;
            ResponderId::ByName(n.raw.to_vec())
        }
        TAG_CTX2 => {
            let hash = exactly_one(responder_tlv.content, TAG_OCTET_STRING, "responderID")?;
            if hash.len() != 20 {
                return Err(malformed("responderID byKey: not a 20-byte SHA-1 hash"));
            }
            ResponderId::ByKey(hash.to_vec())
        }
        other => {
            return Err(malformed(format!(
                "responderID: unexpected tag 0x{other:02x}"
            )));
        }
    };
    let produced_at = generalized_time(r.read(TAG_GENERALIZED_TIME, "producedAt")?, "producedAt")?;
    let mut list = Reader::new(r.read(TAG_SEQUENCE, "responses")?);
    let mut responses = Vec::new();
    while !list.is_empty() {
        if responses.len() >= MAX_SINGLE_RESPONSES {
            return Err(malformed(format!(
                "more than {MAX_SINGLE_RESPONSES} SingleResponses"
            )));
        }
        responses.push(parse_single_response(
            list.read(TAG_SEQUENCE, "SingleResponse")?,
        )?);
    }
    let mut nonce_extn_value = None;
    if let Some(explicit) = r.optional(TAG_CTX1, "responseExtensions")? {
        for ext in extensions(explicit, "responseExtensions")? {
            if ext.oid == OID_PKIX_OCSP_NONCE {
                nonce_extn_value = Some(ext.value.to_vec());
            } else if ext.critical {
                return Err(OcspError::Unsupported(format!(
                    "critical response extension {}",
                    oid_text(ext.oid)
                )));
            }
        }
    }
    r.finish("tbsResponseData")?;

    Ok(BasicResponse {
        tbs_response_data: tbs.raw.to_vec(),
        responder_id,
        produced_at,
        responses,
        nonce_extn_value,
        signature_algorithm,
        signature,
        certs,
    })
}

/// Parses a DER `OCSPResponse` strictly: definite, minimally encoded lengths, no trailing
/// bytes at any level, the RFC 6960 structure, and at most [`MAX_RESPONSE_LEN`] bytes.
///
/// This checks the encoding only; [`verify_response`] decides whether to believe it.
pub fn parse_response(der: &[u8]) -> Result<OcspResponse, OcspError> {
    if der.len() > MAX_RESPONSE_LEN {
        return Err(malformed(format!(
            "{} bytes exceeds the {MAX_RESPONSE_LEN}-byte limit",
            der.len()
        )));
    }
    let mut r = Reader::new(exactly_one(der, TAG_SEQUENCE, "OCSPResponse")?);
    let code = small_uint(r.read(TAG_ENUMERATED, "responseStatus")?, "responseStatus")?;
    let status = ResponseStatus::from_code(code)
        .ok_or_else(|| malformed(format!("responseStatus: unknown value {code}")))?;
    let response_bytes = r.optional(TAG_CTX0, "responseBytes")?;
    r.finish("OCSPResponse")?;
    let Some(explicit) = response_bytes else {
        if status == ResponseStatus::Successful {
            return Err(malformed("successful response without responseBytes"));
        }
        return Ok(OcspResponse {
            status,
            basic: None,
        });
    };
    if status != ResponseStatus::Successful {
        return Err(malformed(format!(
            "{} response with responseBytes",
            status.name()
        )));
    }
    let mut rb = Reader::new(exactly_one(explicit, TAG_SEQUENCE, "ResponseBytes")?);
    let kind = rb.read(TAG_OID, "responseType")?;
    let body = rb.read(TAG_OCTET_STRING, "response")?;
    rb.finish("ResponseBytes")?;
    if kind != OID_PKIX_OCSP_BASIC {
        return Err(OcspError::Unsupported(format!(
            "response type {} (only id-pkix-ocsp-basic)",
            oid_text(kind)
        )));
    }
    Ok(OcspResponse {
        status,
        basic: Some(parse_basic(body)?),
    })
}

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let digits = strip_leading_zeros(&bytes);
        out.push(0x80 | digits.len() as u8);
        out.extend_from_slice(digits);
    }
    out.extend_from_slice(content);
    out
}

fn der_seq(items: &[&[u8]]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &items.concat())
}

/// Encodes a DER `OCSPRequest` for `cert` issued by `issuer`: one SHA-384 `CertID` and, when
/// `nonce` is given, a critical nonce extension holding `OCTET STRING { nonce }` (RFC 8954).
/// The result is byte-identical to the request NVIDIA's Python verifier builds with
/// `cryptography` (POST it as `application/ocsp-request`); pass the same nonce to
/// [`verify_response`].
pub fn build_request(cert: &Certificate, issuer: &Certificate, nonce: Option<&[u8]>) -> Vec<u8> {
    let cert_id = CertId::new(cert, issuer, HashAlgorithm::Sha384).to_der();
    let request_list = der_seq(&[&der_seq(&[&cert_id])]);
    let tbs = match nonce {
        None => der_seq(&[&request_list]),
        Some(n) => {
            let ext = der_seq(&[
                &tlv(TAG_OID, OID_PKIX_OCSP_NONCE),
                &tlv(TAG_BOOLEAN, &[0xff]),
                &tlv(TAG_OCTET_STRING, &tlv(TAG_OCTET_STRING, n)),
            ]);
            der_seq(&[&request_list, &tlv(TAG_CTX2, &der_seq(&[&ext]))])
        }
    };
    der_seq(&[&tbs])
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// What a verified OCSP response says about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspOutcome {
    /// Authentic, fresh, about this certificate: not revoked.
    Good {
        /// `thisUpdate`, Unix seconds.
        this_update: i64,
        /// `nextUpdate`, Unix seconds, if given.
        next_update: Option<i64>,
    },
    /// Authentic, fresh, about this certificate: revoked (or on hold — see
    /// [`RevocationReason::is_certificate_hold`]).
    Revoked {
        /// `revocationTime`, Unix seconds.
        at: i64,
        /// The reason, if the responder gave one.
        reason: Option<RevocationReason>,
        /// `thisUpdate`, Unix seconds.
        this_update: i64,
        /// `nextUpdate`, Unix seconds, if given.
        next_update: Option<i64>,
    },
    /// Authentic, fresh, about this certificate: the responder does not know it.
    Unknown,
    /// The response cannot be relied on; the text says why (malformed, not `successful`, bad
    /// signature or responder, no matching `CertID`, stale, nonce mismatch …).
    Invalid(String),
}

impl OcspOutcome {
    /// Whether the certificate was positively confirmed as not revoked.
    pub fn is_good(&self) -> bool {
        matches!(self, OcspOutcome::Good { .. })
    }

    /// A stable one-word status for claims and logs: `"good"`, `"revoked"`, `"unknown"` or
    /// `"invalid"`.
    pub fn status_name(&self) -> &'static str {
        match self {
            OcspOutcome::Good { .. } => "good",
            OcspOutcome::Revoked { .. } => "revoked",
            OcspOutcome::Unknown => "unknown",
            OcspOutcome::Invalid(_) => "invalid",
        }
    }
}

/// Whether `cert` carries extended key usage id-kp-OCSPSigning.
fn has_ocsp_signing_eku(cert: &Certificate) -> bool {
    let Ok((_, parsed)) = X509Certificate::from_der(cert.der()) else {
        return false;
    };
    matches!(parsed.extended_key_usage(), Ok(Some(eku)) if eku.value.ocsp_signing)
}

fn signature_verifies(basic: &BasicResponse, signer: &Certificate) -> bool {
    basic.signature_algorithm == SignatureAlgorithm::EcdsaSha384
        && signer.p384_point.as_deref().is_some_and(|point| {
            crypto::verify_p384_der(point, &basic.tbs_response_data, &basic.signature)
        })
}

/// Checks that the response was signed by `issuer` or by a delegated responder `issuer`
/// authorised, and that the signature verifies.
fn check_responder(basic: &BasicResponse, issuer: &Certificate, now: i64) -> Result<(), String> {
    if let SignatureAlgorithm::Other(oid) = &basic.signature_algorithm {
        return Err(format!(
            "signature algorithm {oid} is not ecdsa-with-SHA384"
        ));
    }
    if basic.responder_id.identifies(issuer) {
        return if signature_verifies(basic, issuer) {
            Ok(())
        } else {
            Err(format!(
                "the signature does not verify with the key of the issuer '{}'",
                issuer.display_name()
            ))
        };
    }
    let Some(responder) = basic
        .certs
        .iter()
        .find(|c| basic.responder_id.identifies(c))
    else {
        return Err(
            "the responder is neither the issuer nor a certificate included in the response".into(),
        );
    };
    let name = responder.display_name();
    if responder.issuer_raw != issuer.subject_raw || !responder.signed_by(issuer) {
        return Err(format!(
            "delegated responder '{name}' was not certified by the issuer '{}'",
            issuer.display_name()
        ));
    }
    if !has_ocsp_signing_eku(responder) {
        return Err(format!(
            "delegated responder '{name}' lacks extended key usage OCSPSigning"
        ));
    }
    if responder
        .key_usage
        .is_some_and(|(digital_signature, _)| !digital_signature)
    {
        return Err(format!(
            "delegated responder '{name}' lacks keyUsage digitalSignature"
        ));
    }
    if !responder.unknown_critical.is_empty() {
        return Err(format!(
            "delegated responder '{name}' has unrecognised critical extension(s) {}",
            responder.unknown_critical.join(", ")
        ));
    }
    if now < responder.not_before || now > responder.not_after {
        return Err(format!(
            "delegated responder '{name}' is not valid at {} (valid {} to {})",
            crate::time::format_time(now),
            crate::time::format_time(responder.not_before),
            crate::time::format_time(responder.not_after)
        ));
    }
    if !signature_verifies(basic, responder) {
        return Err(format!(
            "the signature does not verify with the key of the delegated responder '{name}'"
        ));
    }
    Ok(())
}

fn check_freshness(single: &SingleResponse, now: i64) -> Result<(), String> {
    let this = single.this_update;
    if this > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(format!(
            "thisUpdate {} is after now ({})",
            crate::time::format_time(this),
            crate::time::format_time(now)
        ));
    }
    match single.next_update {
        Some(next) if next < this => Err(format!(
            "nextUpdate {} is before thisUpdate {}",
            crate::time::format_time(next),
            crate::time::format_time(this)
        )),
        Some(next) if now > next.saturating_add(MAX_CLOCK_SKEW_SECS) => Err(format!(
            "stale: nextUpdate {} is before now ({})",
            crate::time::format_time(next),
            crate::time::format_time(now)
        )),
        Some(_) => Ok(()),
        None if now.saturating_sub(this) > MAX_AGE_WITHOUT_NEXT_UPDATE_SECS => Err(format!(
            "stale: no nextUpdate and thisUpdate {} is more than {} days before now ({})",
            crate::time::format_time(this),
            MAX_AGE_WITHOUT_NEXT_UPDATE_SECS / 86_400,
            crate::time::format_time(now)
        )),
        None => Ok(()),
    }
}

fn verify_inner(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    anchor: &Certificate,
    now: i64,
    sent_nonce: Option<&[u8]>,
) -> Result<OcspOutcome, String> {
    if cert.issuer_raw != issuer.subject_raw {
        return Err(format!(
            "'{}' was not issued by '{}' (issuer name differs)",
            cert.display_name(),
            issuer.display_name()
        ));
    }
    if issuer.is_self_issued() && issuer.der() != anchor.der() {
        return Err(format!(
            "the issuer '{}' is a root but not the pinned trust anchor",
            issuer.display_name()
        ));
    }
    let response = parse_response(der).map_err(|e| e.to_string())?;
    let Some(basic) = response.basic else {
        return Err(format!("the responder answered {}", response.status.name()));
    };
    check_responder(&basic, issuer, now)?;
    let single = basic.find(cert, issuer).ok_or_else(|| {
        format!(
            "no SingleResponse is about '{}' (serial {})",
            cert.display_name(),
            hex::encode(&cert.serial)
        )
    })?;
    if let Some(sent) = sent_nonce {
        if basic.nonce_extn_value.is_none() {
            return Err("a nonce was sent but the response carries none".into());
        }
        if !basic.nonce_matches(sent) {
            return Err("the response's nonce differs from the one sent".into());
        }
    }
    check_freshness(single, now)?;
    let (this_update, next_update) = (single.this_update, single.next_update);
    Ok(match single.status {
        CertStatus::Good => OcspOutcome::Good {
            this_update,
            next_update,
        },
        CertStatus::Revoked { at, reason } => OcspOutcome::Revoked {
            at,
            reason,
            this_update,
            next_update,
        },
        CertStatus::Unknown => OcspOutcome::Unknown,
    })
}

/// Verifies a DER OCSP response about `cert`, issued by `issuer`, at `now` (Unix seconds).
///
/// The caller must already have validated `cert` → `issuer` → … → `anchor` (see
/// [`x509::validate_chain`]); this function checks that `cert` names `issuer` as its issuer and,
/// when `issuer` is a root, that it is `anchor` itself. `sent_nonce` is the nonce given to
/// [`build_request`] for a live query, or `None` for a cached response.
///
/// The rules are listed in the [module documentation](self). Never panics; every failure is
/// [`OcspOutcome::Invalid`].
pub fn verify_response(
    der: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    anchor: &Arc<Certificate>,
    now: i64,
    sent_nonce: Option<&[u8]>,
) -> OcspOutcome {
    verify_inner(der, cert, issuer, anchor, now, sent_nonce).unwrap_or_else(OcspOutcome::Invalid)
}

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

/// An OCSP response obtained for one certificate, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspFetched {
    /// The DER `OCSPResponse`.
    pub der: Vec<u8>,
    /// The nonce the request carried, if the response was fetched live with one; `None` for
    /// cached responses.
    pub sent_nonce: Option<Vec<u8>>,
}

/// Where OCSP responses come from: a cache, memory, or (in `ccverify-net`) a
/// live responder. Implementations must be cheap to call repeatedly and must not verify:
/// [`verify_response`] does.
pub trait OcspSource: Send + Sync {
    /// A response about `cert` issued by `issuer`, or `None` if this source has none.
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched>;
}

/// A source that never has a response (revocation is then reported as not checked).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOcsp;

impl OcspSource for NoOcsp {
    fn lookup(&self, _cert: &Certificate, _issuer: &Certificate) -> Option<OcspFetched> {
        None
    }
}

/// Responses indexed by every `CertID` they contain.
#[derive(Clone, Debug, Default)]
struct ResponseIndex {
    blobs: Vec<Vec<u8>>,
    /// CertID → (blob index, thisUpdate of that SingleResponse).
    by_id: HashMap<CertId, (usize, i64)>,
    algorithms: Vec<HashAlgorithm>,
}

impl ResponseIndex {
    /// Parses and indexes one response. When two responses cover the same `CertID`, the one
    /// with the later `thisUpdate` wins (the earlier-added one on a tie).
    fn add(&mut self, der: Vec<u8>) -> Result<(), String> {
        let parsed = parse_response(&der).map_err(|e| e.to_string())?;
        let Some(basic) = parsed.basic else {
            return Err(format!(
                "responseStatus {}: nothing to index",
                parsed.status.name()
            ));
        };
        if basic.responses.is_empty() {
            return Err("no SingleResponse".into());
        }
        let slot = self.blobs.len();
        self.blobs.push(der);
        for single in basic.responses {
            if !self.algorithms.contains(&single.cert_id.hash) {
                self.algorithms.push(single.cert_id.hash);
                self.algorithms.sort();
            }
            let newer = self
                .by_id
                .get(&single.cert_id)
                .is_none_or(|&(_, this_update)| single.this_update > this_update);
            if newer {
                self.by_id
                    .insert(single.cert_id, (slot, single.this_update));
            }
        }
        Ok(())
    }

    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        self.algorithms
            .iter()
            .filter_map(|&hash| self.by_id.get(&CertId::new(cert, issuer, hash)))
            .max_by_key(|&&(slot, this_update)| (this_update, std::cmp::Reverse(slot)))
            .and_then(|&(slot, _)| self.blobs.get(slot))
            .map(|der| OcspFetched {
                der: der.clone(),
                sent_nonce: None,
            })
    }
}

/// Cached DER OCSP responses read once from a directory.
///
/// At construction every regular file named `*.der` or `*.ocsp` (any letter case) is read, in
/// file-name order, and every `SingleResponse` in it indexed by its `CertID`. Other files are
/// ignored; unreadable, oversized or unparsable files, and responses that are not
/// `successful`, are skipped and reported by [`DirOcspSource::warnings`]. Nothing is verified
/// here. A lookup recomputes the `CertID` of (cert, issuer) with each hash algorithm present;
/// if several responses match, the one with the latest `thisUpdate` is returned.
#[derive(Clone, Debug)]
pub struct DirOcspSource {
    dir: PathBuf,
    index: ResponseIndex,
    warnings: Vec<String>,
}

impl DirOcspSource {
    /// Reads `dir`. Fails only if the directory itself cannot be listed.
    pub fn new(dir: impl AsRef<Path>) -> std::io::Result<DirOcspSource> {
        let dir = dir.as_ref().to_path_buf();
        let mut warnings = Vec::new();
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    let wanted = path.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                        x.eq_ignore_ascii_case("der") || x.eq_ignore_ascii_case("ocsp")
                    });
                    if wanted && path.is_file() {
                        paths.push(path);
                    }
                }
                Err(e) => warnings.push(format!("{}: {e}", dir.display())),
            }
        }
        paths.sort();
        if paths.len() > MAX_CACHE_FILES {
            warnings.push(format!(
                "{}: {} response files, only the first {MAX_CACHE_FILES} were read",
                dir.display(),
                paths.len()
            ));
            paths.truncate(MAX_CACHE_FILES);
        }
        let mut index = ResponseIndex::default();
        for path in paths {
            let label = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let result = read_limited(&path).and_then(|der| index.add(der));
            if let Err(why) = result {
                warnings.push(format!("{label}: {why}"));
            }
        }
        Ok(DirOcspSource {
            dir,
            index,
            warnings,
        })
    }

    /// Files that were skipped, each as `"<file name>: <reason>"`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How many responses were indexed.
    pub fn len(&self) -> usize {
        self.index.blobs.len()
    }

    /// Whether no response was indexed.
    pub fn is_empty(&self) -> bool {
        self.index.blobs.is_empty()
    }

    /// The directory this source was read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut der = Vec::new();
    let limit = u64::try_from(MAX_RESPONSE_LEN).unwrap_or(u64::MAX);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut der)
        .map_err(|e| e.to_string())?;
    if der.len() > MAX_RESPONSE_LEN {
        return Err(format!("larger than {MAX_RESPONSE_LEN} bytes"));
    }
    Ok(der)
}

impl OcspSource for DirOcspSource {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        self.index.lookup(cert, issuer)
    }
}

/// DER OCSP responses held in memory (for example stapled next to the evidence), indexed like
/// [`DirOcspSource`].
#[derive(Clone, Debug, Default)]
pub struct MemoryOcspSource {
    index: ResponseIndex,
    warnings: Vec<String>,
}

impl MemoryOcspSource {
    /// Indexes `blobs`. Blobs that do not parse, or are not `successful`, are skipped and
    /// reported by [`MemoryOcspSource::warnings`] as `"#<position>: <reason>"`.
    pub fn new(blobs: Vec<Vec<u8>>) -> MemoryOcspSource {
        let mut index = ResponseIndex::default();
        let mut warnings = Vec::new();
        for (i, der) in blobs.into_iter().enumerate() {
            if let Err(why) = index.add(der) {
                warnings.push(format!("#{i}: {why}"));
            }
        }
        MemoryOcspSource { index, warnings }
    }

    /// Blobs that were skipped, with the reason.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How many responses were indexed.
    pub fn len(&self) -> usize {
        self.index.blobs.len()
    }

    /// Whether no response was indexed.
    pub fn is_empty(&self) -> bool {
        self.index.blobs.is_empty()
    }
}

impl OcspSource for MemoryOcspSource {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        self.index.lookup(cert, issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, OcspError> {
        let mut r = Reader::new(data);
        let mut out = Vec::new();
        while !r.is_empty() {
            let t = r.read_any("test")?;
            out.push((t.tag, t.content.to_vec()));
        }
        Ok(out)
    }

    #[test]
    fn short_and_long_form_lengths() {
        assert_eq!(read_all(&[0x04, 0x00]).unwrap(), vec![(0x04, vec![])]);
        assert_eq!(
            read_all(&[0x04, 0x02, 1, 2]).unwrap(),
            vec![(0x04, vec![1, 2])]
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x80));
        assert_eq!(read_all(&long).unwrap()[0].1.len(), 0x80);
        let mut two = vec![0x04, 0x82, 0x01, 0x00];
        two.extend(std::iter::repeat_n(7u8, 0x100));
        assert_eq!(read_all(&two).unwrap()[0].1.len(), 0x100);
        // The writer produces what the reader accepts.
        for n in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536] {
            let enc = tlv(0x04, &vec![0u8; n]);
            assert_eq!(read_all(&enc).unwrap()[0].1.len(), n);
        }
    }

    #[test]
    fn non_minimal_and_indefinite_lengths_are_refused() {
        // Long form for a length below 128.
        assert!(read_all(&[0x04, 0x81, 0x01, 0xaa]).is_err());
        // Leading zero length byte.
        let mut padded = vec![0x04, 0x82, 0x00, 0x80];
        padded.extend(std::iter::repeat_n(0u8, 0x80));
        assert!(read_all(&padded).is_err());
        // Indefinite length.
        assert!(read_all(&[0x30, 0x80, 0x00, 0x00]).is_err());
        // More than four length bytes.
        assert!(read_all(&[0x04, 0x85, 1, 0, 0, 0, 0]).is_err());
        // High tag number form.
        assert!(read_all(&[0x1f, 0x81, 0x00, 0x00]).is_err());
    }

    #[test]
    fn truncation_is_refused() {
        assert!(read_all(&[0x04]).is_err());
        assert!(read_all(&[0x04, 0x03, 1, 2]).is_err());
        assert!(read_all(&[0x04, 0x82, 0x01]).is_err());
        assert!(read_all(&[0x04, 0x82, 0x01, 0x00, 0x00]).is_err());
        assert!(read_all(&[0x04, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn trailing_bytes_are_refused() {
        assert_eq!(exactly_one(&[0x04, 0x01, 9], 0x04, "t").unwrap(), &[9]);
        assert!(exactly_one(&[0x04, 0x01, 9, 0], 0x04, "t").is_err());
        assert!(exactly_one(&[0x05, 0x00], 0x04, "t").is_err());
        let mut r = Reader::new(&[0x05, 0x00, 0x05]);
        assert!(r.read(TAG_NULL, "t").is_ok());
        assert!(r.finish("t").is_err());
    }

    #[test]
    fn integers_booleans_and_times() {
        assert!(integer(&[], "i").is_err());
        assert!(integer(&[0x00, 0x01], "i").is_err());
        assert!(integer(&[0xff, 0x80], "i").is_err());
        assert!(integer(&[0x00, 0x80], "i").is_ok());
        assert_eq!(small_uint(&[0x06], "e").unwrap(), 6);
        assert!(small_uint(&[0x80], "e").is_err());
        assert!(small_uint(&[0x01; 9], "e").is_err());
        assert!(boolean(&[0x01], "b").is_err());
        assert!(boolean(&[0xff], "b").unwrap());
        assert_eq!(
            generalized_time(b"20240601000000Z", "t").unwrap(),
            1_717_200_000
        );
        assert_eq!(
            generalized_time(b"20240601000000.5Z", "t").unwrap(),
            1_717_200_000
        );
        for bad in [
            &b"20240601000000"[..],
            b"202406010000Z",
            b"20240601000000+0000",
            b"20240601000000.50Z",
            b"20240601000000.Z",
            b"20240231000000Z",
            b"20241301000000Z",
            b"20240601240000Z",
            b"2024060100000aZ",
            b"",
        ] {
            assert!(generalized_time(bad, "t").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn oid_text_decodes() {
        assert_eq!(oid_text(OID_PKIX_OCSP_NONCE), "1.3.6.1.5.5.7.48.1.2");
        assert_eq!(oid_text(OID_SHA384), "2.16.840.1.101.3.4.2.2");
        assert_eq!(oid_text(OID_ECDSA_SHA384), "1.2.840.10045.4.3.3");
        assert!(oid_text(&[0x2b, 0x86]).starts_with("OID:"));
        assert!(oid_text(&[0xff; 40]).starts_with("OID:"));
    }

    #[test]
    fn response_status_only() {
        // tryLater, no responseBytes.
        let r = parse_response(&[0x30, 0x03, 0x0a, 0x01, 0x03]).unwrap();
        assert_eq!(r.status, ResponseStatus::TryLater);
        assert!(r.basic.is_none());
        // successful without responseBytes, unknown status 4, non-minimal enum.
        assert!(parse_response(&[0x30, 0x03, 0x0a, 0x01, 0x00]).is_err());
        assert!(parse_response(&[0x30, 0x03, 0x0a, 0x01, 0x04]).is_err());
        assert!(parse_response(&[0x30, 0x04, 0x0a, 0x02, 0x00, 0x03]).is_err());
        // Trailing byte after the outer SEQUENCE, and inside it.
        assert!(parse_response(&[0x30, 0x03, 0x0a, 0x01, 0x03, 0x00]).is_err());
        assert!(parse_response(&[0x30, 0x05, 0x0a, 0x01, 0x03, 0x05, 0x00]).is_err());
        // Unsuccessful with responseBytes.
        assert!(parse_response(&[0x30, 0x07, 0x0a, 0x01, 0x03, 0xa0, 0x02, 0x30, 0x00]).is_err());
        assert!(parse_response(&[]).is_err());
        assert!(parse_response(&vec![0u8; MAX_RESPONSE_LEN + 1]).is_err());
    }

    #[test]
    fn revocation_reasons() {
        for code in 0..=10u64 {
            match RevocationReason::from_code(code) {
                Some(r) => assert_eq!(u64::from(r.code()), code),
                None => assert_eq!(code, 7),
            }
        }
        assert!(RevocationReason::from_code(11).is_none());
        assert!(RevocationReason::CertificateHold.is_certificate_hold());
        assert!(!RevocationReason::KeyCompromise.is_certificate_hold());
        assert_eq!(RevocationReason::CaCompromise.to_string(), "cACompromise");
    }

    /// Hand-built minimal responses around one SingleResponse, to exercise paths the Python
    /// fixtures do not (the signature is garbage, so only parsing is tested).
    fn basic_with(single: &[u8], extensions: Option<&[u8]>) -> Vec<u8> {
        let name = der_seq(&[]);
        let mut tbs_items: Vec<Vec<u8>> = vec![
            tlv(TAG_CTX1, &name),
            tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
            der_seq(&[single]),
        ];
        if let Some(e) = extensions {
            tbs_items.push(tlv(TAG_CTX1, e));
        }
        let refs: Vec<&[u8]> = tbs_items.iter().map(Vec::as_slice).collect();
        let tbs = der_seq(&refs);
        let basic = der_seq(&[
            &tbs,
            &der_seq(&[&tlv(TAG_OID, OID_ECDSA_SHA384)]),
            &tlv(TAG_BIT_STRING, &[0, 1, 2]),
        ]);
        der_seq(&[
            &tlv(TAG_ENUMERATED, &[0]),
            &tlv(
                TAG_CTX0,
                &der_seq(&[
                    &tlv(TAG_OID, OID_PKIX_OCSP_BASIC),
                    &tlv(TAG_OCTET_STRING, &basic),
                ]),
            ),
        ])
    }

    fn cert_id_der(hash: &[u8], len: usize) -> Vec<u8> {
        der_seq(&[
            &der_seq(&[&tlv(TAG_OID, hash)]),
            &tlv(TAG_OCTET_STRING, &vec![1; len]),
            &tlv(TAG_OCTET_STRING, &vec![2; len]),
            &tlv(TAG_INTEGER, &[0x00, 0x93]),
        ])
    }

    #[test]
    fn hand_built_responses_parse_strictly() {
        let id = cert_id_der(OID_SHA1, 20);
        let good = der_seq(&[
            &id,
            &tlv(TAG_CTX0_PRIM, &[]),
            &tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        ]);
        let r = parse_response(&basic_with(&good, None)).unwrap();
        let basic = r.basic.unwrap();
        assert_eq!(basic.responses.len(), 1);
        assert_eq!(basic.responses[0].cert_id.serial, vec![0x93]);
        assert_eq!(basic.responses[0].cert_id.hash, HashAlgorithm::Sha1);
        assert_eq!(basic.responses[0].status, CertStatus::Good);
        assert_eq!(basic.responses[0].next_update, None);

        // Hash length not matching the algorithm.
        let short = der_seq(&[
            &cert_id_der(OID_SHA384, 20),
            &tlv(TAG_CTX0_PRIM, &[]),
            &tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        ]);
        assert!(parse_response(&basic_with(&short, None)).is_err());

        // Unknown hash algorithm (MD5).
        let md5 = der_seq(&[
            &cert_id_der(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05], 16),
            &tlv(TAG_CTX0_PRIM, &[]),
            &tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        ]);
        assert!(matches!(
            parse_response(&basic_with(&md5, None)),
            Err(OcspError::Unsupported(_))
        ));

        // good with content, revoked with reason 7.
        let bad_good = der_seq(&[
            &id,
            &tlv(TAG_CTX0_PRIM, &[0]),
            &tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        ]);
        assert!(parse_response(&basic_with(&bad_good, None)).is_err());
        let revoked7 = der_seq(&[
            &id,
            &tlv(
                TAG_CTX1,
                &[
                    tlv(TAG_GENERALIZED_TIME, b"20240501000000Z"),
                    tlv(TAG_CTX0, &tlv(TAG_ENUMERATED, &[7])),
                ]
                .concat(),
            ),
            &tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        ]);
        assert!(parse_response(&basic_with(&revoked7, None)).is_err());

        // A critical unknown response extension is refused; a non-critical one ignored.
        let ext = |critical: bool| {
            let mut items = vec![tlv(TAG_OID, &[0x2a, 0x03, 0x04])];
            if critical {
                items.push(tlv(TAG_BOOLEAN, &[0xff]));
            }
            items.push(tlv(TAG_OCTET_STRING, &[0x05, 0x00]));
            let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
            der_seq(&[&der_seq(&refs)])
        };
        assert!(parse_response(&basic_with(&good, Some(&ext(false)))).is_ok());
        assert!(matches!(
            parse_response(&basic_with(&good, Some(&ext(true)))),
            Err(OcspError::Unsupported(_))
        ));
        // Empty Extensions and duplicate extensions.
        assert!(parse_response(&basic_with(&good, Some(&der_seq(&[])))).is_err());
        let one = der_seq(&[&tlv(TAG_OID, &[0x2a, 0x03]), &tlv(TAG_OCTET_STRING, &[])]);
        assert!(parse_response(&basic_with(&good, Some(&der_seq(&[&one, &one])))).is_err());

        // The raw and the wrapped nonce forms both match.
        let nonce_ext = |value: &[u8]| {
            der_seq(&[&der_seq(&[
                &tlv(TAG_OID, OID_PKIX_OCSP_NONCE),
                &tlv(TAG_OCTET_STRING, value),
            ])])
        };
        let n = [0x5a; 32];
        for value in [n.to_vec(), tlv(TAG_OCTET_STRING, &n)] {
            let b = parse_response(&basic_with(&good, Some(&nonce_ext(&value))))
                .unwrap()
                .basic
                .unwrap();
            assert!(b.nonce_matches(&n));
            assert!(!b.nonce_matches(&[0x5a; 31]));
        }
    }

    #[test]
    fn every_truncation_of_a_response_fails_cleanly() {
        let id = cert_id_der(OID_SHA256, 32);
        let good = der_seq(&[
            &id,
            &tlv(TAG_CTX0_PRIM, &[]),
            &tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
            &tlv(TAG_CTX0, &tlv(TAG_GENERALIZED_TIME, b"20240608000000Z")),
        ]);
        let full = basic_with(&good, None);
        assert!(parse_response(&full).is_ok());
        for cut in 0..full.len() {
            assert!(parse_response(&full[..cut]).is_err(), "cut at {cut}");
        }
        // Flipping any single byte never panics.
        for i in 0..full.len() {
            let mut m = full.clone();
            m[i] ^= 0xff;
            let _ = parse_response(&m);
        }
    }
}
