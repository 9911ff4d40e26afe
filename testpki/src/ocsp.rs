//! An OCSP responder for the NVIDIA-shaped hierarchies: every answer is `good`, signed by the
//! certificate's issuer, and echoes the request's nonce.

use crate::der;
use crate::nvidia::Nvidia;

const NONCE_OID: &str = "1.3.6.1.5.5.7.48.1.2";

/// Answers a DER OCSP request at `now`: `good` for a certificate of the test PKI (or
/// `revoked` when its serial is in `revoked`), `unauthorized` for anything else.
pub fn respond(pki: &Nvidia, request: &[u8], now: i64, revoked: &[Vec<u8>]) -> Vec<u8> {
    answer(pki, request, now, revoked).unwrap_or_else(|| {
        // OCSPResponse { responseStatus unauthorized (6) }.
        der::seq(&[&der::enumerated(6)])
    })
}

fn answer(pki: &Nvidia, request: &[u8], now: i64, revoked: &[Vec<u8>]) -> Option<Vec<u8>> {
    let req = der::first(request)?;
    let tbs = *der::children(req.content).first()?;
    let parts = der::children(tbs.content);
    let list = parts.iter().find(|p| p.tag == 0x30)?;
    let first = *der::children(list.content).first()?;
    let cert_id = *der::children(first.content).first()?;
    let serial_tlv = *der::children(cert_id.content).get(3)?;
    let content = serial_tlv.content;
    let skip = content
        .iter()
        .take_while(|b| **b == 0)
        .count()
        .min(content.len().saturating_sub(1));
    let serial = content[skip..].to_vec();
    let issuers = pki.issued_by();
    let issuer = issuers.get(&serial)?;
    let nonce_ext = parts
        .iter()
        .find(|p| p.tag == 0xa2)
        .and_then(|e| der::first(e.content))
        .and_then(|exts| {
            der::children(exts.content).into_iter().find(|x| {
                der::children(x.content)
                    .first()
                    .is_some_and(|o| o.raw == der::oid(NONCE_OID))
            })
        })
        .map(|x| x.raw.to_vec());

    let status = if revoked.contains(&serial) {
        // revoked [1] IMPLICIT { revocationTime, [0] EXPLICIT reason keyCompromise (1) }
        der::tlv(
            0xa1,
            &der::cat(&[
                &der::generalized(now - 86_400),
                &der::explicit(0, &der::enumerated(1)),
            ]),
        )
    } else {
        der::tlv(0x80, &[])
    };
    let single = der::seq(&[
        cert_id.raw,
        &status,
        &der::generalized(now - 3600),
        &der::explicit(0, &der::generalized(now + 7 * 86_400)),
    ]);
    let mut data: Vec<Vec<u8>> = vec![
        der::explicit(1, &issuer.subject),
        der::generalized(now),
        der::seq(&[&single]),
    ];
    if let Some(n) = nonce_ext {
        data.push(der::explicit(1, &der::seq(&[&n])));
    }
    let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    let tbs_data = der::seq(&refs);
    let basic = der::seq(&[
        &tbs_data,
        &issuer.key.sig_alg(),
        &der::bits(&issuer.key.sign_der(&tbs_data)),
    ]);
    Some(der::seq(&[
        &der::enumerated(0),
        &der::explicit(
            0,
            &der::seq(&[&der::oid("1.3.6.1.5.5.7.48.1.1"), &der::octets(&basic)]),
        ),
    ]))
}
