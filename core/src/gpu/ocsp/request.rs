//! The `OCSPRequest` a network client POSTs.

use super::*;
use crate::der::{TAG_BOOLEAN, TAG_CTX2};

/// Encodes a DER `OCSPRequest` for `cert` issued by `issuer`: one SHA-384 `CertID` and, when
/// `nonce` is given, a critical nonce extension holding `OCTET STRING { nonce }` (RFC 8954).
/// The result is byte-identical to the request NVIDIA's Python verifier builds with
/// `cryptography` (POST it as `application/ocsp-request`); pass the same nonce to
/// [`verify_response`].
pub fn build_request(cert: &Certificate, issuer: &Certificate, nonce: Option<&[u8]>) -> Vec<u8> {
    let cert_id = CertId::new(cert, issuer, HashAlgorithm::Sha384).to_der();
    let request_list = der::seq(&[&der::seq(&[&cert_id])]);
    let tbs = match nonce {
        None => der::seq(&[&request_list]),
        Some(n) => {
            let ext = der::seq(&[
                &der::tlv(TAG_OID, OID_PKIX_OCSP_NONCE),
                &der::tlv(TAG_BOOLEAN, &[0xff]),
                &der::tlv(TAG_OCTET_STRING, &der::tlv(TAG_OCTET_STRING, n)),
            ]);
            der::seq(&[&request_list, &der::tlv(TAG_CTX2, &der::seq(&[&ext]))])
        }
    };
    der::seq(&[&tbs])
}
