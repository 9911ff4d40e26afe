#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::der::*;

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
    let name = der::seq(&[]);
    let mut tbs_items: Vec<Vec<u8>> = vec![
        der::tlv(TAG_CTX1, &name),
        der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        der::seq(&[single]),
    ];
    if let Some(e) = extensions {
        tbs_items.push(der::tlv(TAG_CTX1, e));
    }
    let refs: Vec<&[u8]> = tbs_items.iter().map(Vec::as_slice).collect();
    let tbs = der::seq(&refs);
    let basic = der::seq(&[
        &tbs,
        &der::seq(&[&der::tlv(TAG_OID, OID_ECDSA_SHA384)]),
        &der::tlv(TAG_BIT_STRING, &[0, 1, 2]),
    ]);
    der::seq(&[
        &der::tlv(TAG_ENUMERATED, &[0]),
        &der::tlv(
            TAG_CTX0,
            &der::seq(&[
                &der::tlv(TAG_OID, OID_PKIX_OCSP_BASIC),
                &der::tlv(TAG_OCTET_STRING, &basic),
            ]),
        ),
    ])
}

fn cert_id_der(hash: &[u8], len: usize) -> Vec<u8> {
    der::seq(&[
        &der::seq(&[&der::tlv(TAG_OID, hash)]),
        &der::tlv(TAG_OCTET_STRING, &vec![1; len]),
        &der::tlv(TAG_OCTET_STRING, &vec![2; len]),
        &der::tlv(TAG_INTEGER, &[0x00, 0x93]),
    ])
}

#[test]
fn hand_built_responses_parse_strictly() {
    let id = cert_id_der(OID_SHA1, 20);
    let good = der::seq(&[
        &id,
        &der::tlv(TAG_CTX0_PRIM, &[]),
        &der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
    ]);
    let r = parse_response(&basic_with(&good, None)).unwrap();
    let basic = r.basic.unwrap();
    assert_eq!(basic.responses.len(), 1);
    assert_eq!(basic.responses[0].cert_id.serial, vec![0x93]);
    assert_eq!(basic.responses[0].cert_id.hash, HashAlgorithm::Sha1);
    assert_eq!(basic.responses[0].status, CertStatus::Good);
    assert_eq!(basic.responses[0].next_update, None);

    // Hash length not matching the algorithm.
    let short = der::seq(&[
        &cert_id_der(OID_SHA384, 20),
        &der::tlv(TAG_CTX0_PRIM, &[]),
        &der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
    ]);
    assert!(parse_response(&basic_with(&short, None)).is_err());

    // Unknown hash algorithm (MD5).
    let md5 = der::seq(&[
        &cert_id_der(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05], 16),
        &der::tlv(TAG_CTX0_PRIM, &[]),
        &der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
    ]);
    assert!(matches!(
        parse_response(&basic_with(&md5, None)),
        Err(OcspError::Unsupported(_))
    ));

    // good with content, revoked with reason 7.
    let bad_good = der::seq(&[
        &id,
        &der::tlv(TAG_CTX0_PRIM, &[0]),
        &der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
    ]);
    assert!(parse_response(&basic_with(&bad_good, None)).is_err());
    let revoked7 = der::seq(&[
        &id,
        &der::tlv(
            TAG_CTX1,
            &[
                der::tlv(TAG_GENERALIZED_TIME, b"20240501000000Z"),
                der::tlv(TAG_CTX0, &der::tlv(TAG_ENUMERATED, &[7])),
            ]
            .concat(),
        ),
        &der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
    ]);
    assert!(parse_response(&basic_with(&revoked7, None)).is_err());

    // A critical unknown response extension is refused; a non-critical one ignored.
    let ext = |critical: bool| {
        let mut items = vec![der::tlv(TAG_OID, &[0x2a, 0x03, 0x04])];
        if critical {
            items.push(der::tlv(TAG_BOOLEAN, &[0xff]));
        }
        items.push(der::tlv(TAG_OCTET_STRING, &[0x05, 0x00]));
        let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        der::seq(&[&der::seq(&refs)])
    };
    assert!(parse_response(&basic_with(&good, Some(&ext(false)))).is_ok());
    assert!(matches!(
        parse_response(&basic_with(&good, Some(&ext(true)))),
        Err(OcspError::Unsupported(_))
    ));
    // Empty Extensions and duplicate extensions.
    assert!(parse_response(&basic_with(&good, Some(&der::seq(&[])))).is_err());
    let one = der::seq(&[
        &der::tlv(TAG_OID, &[0x2a, 0x03]),
        &der::tlv(TAG_OCTET_STRING, &[]),
    ]);
    assert!(parse_response(&basic_with(&good, Some(&der::seq(&[&one, &one])))).is_err());

    // The raw and the wrapped nonce forms both match.
    let nonce_ext = |value: &[u8]| {
        der::seq(&[&der::seq(&[
            &der::tlv(TAG_OID, OID_PKIX_OCSP_NONCE),
            &der::tlv(TAG_OCTET_STRING, value),
        ])])
    };
    let n = [0x5a; 32];
    for value in [n.to_vec(), der::tlv(TAG_OCTET_STRING, &n)] {
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
    let good = der::seq(&[
        &id,
        &der::tlv(TAG_CTX0_PRIM, &[]),
        &der::tlv(TAG_GENERALIZED_TIME, b"20240601000000Z"),
        &der::tlv(
            TAG_CTX0,
            &der::tlv(TAG_GENERALIZED_TIME, b"20240608000000Z"),
        ),
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
