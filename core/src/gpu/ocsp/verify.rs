//! What a response says about one certificate, at a given time.

use super::*;
use crate::crypto;

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
pub(super) fn has_ocsp_signing_eku(cert: &Certificate) -> bool {
    let Ok((_, parsed)) = X509Certificate::from_der(cert.der()) else {
        return false;
    };
    matches!(parsed.extended_key_usage(), Ok(Some(eku)) if eku.value.ocsp_signing)
}

pub(super) fn signature_verifies(basic: &BasicResponse, signer: &Certificate) -> bool {
    basic.signature_algorithm == SignatureAlgorithm::EcdsaSha384
        && signer.p384_point.as_deref().is_some_and(|point| {
            crypto::verify_p384_der(point, &basic.tbs_response_data, &basic.signature)
        })
}

/// Checks that the response was signed by `issuer` or by a delegated responder `issuer`
/// authorised, and that the signature verifies.
pub(super) fn check_responder(
    basic: &BasicResponse,
    issuer: &Certificate,
    now: i64,
) -> Result<(), String> {
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

pub(super) fn check_freshness(single: &SingleResponse, now: i64) -> Result<(), String> {
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

pub(super) fn verify_inner(
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
