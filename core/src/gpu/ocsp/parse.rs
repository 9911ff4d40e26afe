//! The strict `OCSPResponse` / `BasicOCSPResponse` parser.

use super::*;
use crate::der::{
    Reader, TAG_BIT_STRING, TAG_BOOLEAN, TAG_CTX0, TAG_CTX0_PRIM, TAG_CTX1, TAG_CTX2,
    TAG_CTX2_PRIM, TAG_ENUMERATED, TAG_GENERALIZED_TIME, TAG_INTEGER, TAG_NULL, TAG_OCTET_STRING,
    TAG_OID, TAG_SEQUENCE, boolean, exactly_one, generalized_time, integer, oid_text, small_uint,
    strip_leading_zeros,
};
use crate::x509;

/// One parsed `Extension`.
pub(super) struct Extension<'a> {
    oid: &'a [u8],
    critical: bool,
    value: &'a [u8],
}

/// `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` (the content of its explicit tag).
pub(super) fn extensions<'a>(
    explicit: &'a [u8],
    what: &str,
) -> Result<Vec<Extension<'a>>, OcspError> {
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
pub(super) fn check_certificate_shape(content: &[u8]) -> Result<(), OcspError> {
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
    Ok(r.finish("Certificate")?)
}

pub(super) fn parse_cert_id(content: &[u8]) -> Result<CertId, OcspError> {
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

pub(super) fn parse_single_response(content: &[u8]) -> Result<SingleResponse, OcspError> {
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

pub(super) fn parse_basic(der: &[u8]) -> Result<BasicResponse, OcspError> {
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
