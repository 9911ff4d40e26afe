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

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::der::{
    self, TAG_INTEGER, TAG_NULL, TAG_OCTET_STRING, TAG_OID, exactly_one, seq as der_seq,
    strip_leading_zeros, tlv,
};
use crate::x509::Certificate;

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
        let hash = match self {
            HashAlgorithm::Sha1 => crate::crypto::Hash::Sha1,
            HashAlgorithm::Sha256 => crate::crypto::Hash::Sha256,
            HashAlgorithm::Sha384 => crate::crypto::Hash::Sha384,
            HashAlgorithm::Sha512 => crate::crypto::Hash::Sha512,
        };
        crate::crypto::digest(hash, data)
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

impl From<der::Error> for OcspError {
    fn from(e: der::Error) -> Self {
        OcspError::Malformed(e.0)
    }
}

mod parse;
mod request;
mod source;
mod verify;

pub use parse::*;
pub use request::*;
pub use source::*;
pub use verify::*;

#[cfg(test)]
mod tests;
