//! Certificates and CRLs for the test PKI.

use sha2::{Digest, Sha256};

use crate::der;
use crate::keys::Key;

/// 2025-01-01T00:00:00Z: every test certificate is valid from then…
pub const NOT_BEFORE: i64 = 1_735_689_600;
/// …to 2045-01-01T00:00:00Z.
pub const NOT_AFTER: i64 = 2_366_841_600;

/// A distinguished name from (attribute OID, value, printable?) triples, most significant
/// first.
pub fn name(parts: &[(&str, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = parts
        .iter()
        .map(|(attr, value)| {
            let (oid, printable) = match *attr {
                "CN" => ("2.5.4.3", false),
                "O" => ("2.5.4.10", false),
                "C" => ("2.5.4.6", true),
                "L" => ("2.5.4.7", false),
                "ST" => ("2.5.4.8", false),
                _ => ("2.5.4.5", true), // serialNumber
            };
            let v = if printable {
                der::printable(value)
            } else {
                der::utf8(value)
            };
            der::set(&[&der::seq(&[&der::oid(oid), &v])])
        })
        .collect();
    let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
    der::seq(&refs)
}

/// One certificate in the PKI: its DER, its subject name and its key.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The certificate.
    pub der: Vec<u8>,
    /// Its subject Name DER (the issuer name of what it signs).
    pub subject: Vec<u8>,
    /// Its serial number (unsigned big-endian).
    pub serial: Vec<u8>,
    /// Its private key.
    pub key: Key,
}

impl Issued {
    /// PEM text.
    pub fn pem(&self) -> String {
        der::pem("CERTIFICATE", &self.der)
    }

    /// The key identifier used in SKI/AKI: the first 20 bytes of SHA-256 of the public point.
    pub fn key_id(&self) -> Vec<u8> {
        key_id(&self.key)
    }
}

fn key_id(k: &Key) -> Vec<u8> {
    Sha256::digest(k.public_point())[..20].to_vec()
}

/// An extension.
pub fn extension(oid: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    if critical {
        der::seq(&[&der::oid(oid), &der::boolean(true), &der::octets(value)])
    } else {
        der::seq(&[&der::oid(oid), &der::octets(value)])
    }
}

/// basicConstraints CA (with a path length) or end entity, critical.
pub fn basic_constraints(ca: bool, path_len: Option<u64>) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    if ca {
        parts.push(der::boolean(true));
    }
    if let Some(n) = path_len {
        parts.push(der::int(n));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    extension("2.5.29.19", true, &der::seq(&refs))
}

/// keyUsage, critical: `ca` = keyCertSign + cRLSign; otherwise digitalSignature (+
/// nonRepudiation when `non_repudiation`).
pub fn key_usage(ca: bool, non_repudiation: bool) -> Vec<u8> {
    let value = if ca {
        vec![0x03, 0x02, 0x01, 0x06]
    } else if non_repudiation {
        vec![0x03, 0x02, 0x06, 0xc0]
    } else {
        vec![0x03, 0x02, 0x07, 0x80]
    };
    extension("2.5.29.15", true, &value)
}

/// What a new certificate says.
pub struct Spec<'a> {
    /// Serial number (unsigned big-endian, unique in the PKI).
    pub serial: Vec<u8>,
    /// Subject name DER.
    pub subject: Vec<u8>,
    /// Its key.
    pub key: Key,
    /// The issuer (`None`: self-signed).
    pub issuer: Option<&'a Issued>,
    /// Extensions beyond SKI and AKI (which are always added).
    pub extensions: Vec<Vec<u8>>,
}

/// Issues a certificate.
pub fn issue(spec: Spec<'_>) -> Issued {
    let (issuer_name, issuer_key) = match spec.issuer {
        Some(i) => (i.subject.clone(), i.key.clone()),
        None => (spec.subject.clone(), spec.key.clone()),
    };
    let mut exts = spec.extensions;
    exts.push(extension(
        "2.5.29.14",
        false,
        &der::octets(&key_id(&spec.key)),
    ));
    exts.push(extension(
        "2.5.29.35",
        false,
        &der::seq(&[&der::tlv(0x80, &key_id(&issuer_key))]),
    ));
    let ext_refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    let tbs = der::seq(&[
        &der::explicit(0, &der::int(2)),
        &der::uint(&spec.serial),
        &issuer_key.sig_alg(),
        &issuer_name,
        &der::seq(&[&der::x509_time(NOT_BEFORE), &der::x509_time(NOT_AFTER)]),
        &spec.subject,
        &spec.key.spki(),
        &der::explicit(3, &der::seq(&ext_refs)),
    ]);
    let der = signed(&tbs, &issuer_key);
    Issued {
        der,
        subject: spec.subject,
        serial: spec.serial,
        key: spec.key,
    }
}

/// `SEQUENCE { tbs, algorithm, BIT STRING signature }`.
pub fn signed(tbs: &[u8], key: &Key) -> Vec<u8> {
    der::seq(&[tbs, &key.sig_alg(), &der::bits(&key.sign_der(tbs))])
}

/// A v2 CRL by `issuer` revoking nothing, valid from `this_update` to `next_update`.
pub fn crl(issuer: &Issued, number: u64, this_update: i64, next_update: i64) -> Vec<u8> {
    let exts = der::seq(&[
        &extension("2.5.29.20", false, &der::int(number)),
        &extension(
            "2.5.29.35",
            false,
            &der::seq(&[&der::tlv(0x80, &issuer.key_id())]),
        ),
    ]);
    let tbs = der::seq(&[
        &der::int(1),
        &issuer.key.sig_alg(),
        &issuer.subject,
        &der::x509_time(this_update),
        &der::x509_time(next_update),
        &der::explicit(0, &exts),
    ]);
    signed(&tbs, &issuer.key)
}

/// The extensions of a certificate, as (OID DER, whole extension DER).
pub fn extensions_of(cert_der: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(cert) = der::first(cert_der) else {
        return out;
    };
    let Some(tbs) = der::children(cert.content).first().copied() else {
        return out;
    };
    for part in der::children(tbs.content) {
        if part.tag == 0xa3
            && let Some(exts) = der::first(part.content)
        {
            for e in der::children(exts.content) {
                if let Some(oid) = der::children(e.content).first() {
                    out.push((oid.raw.to_vec(), e.raw.to_vec()));
                }
            }
        }
    }
    out
}

/// The extension `oid` (dotted) of a certificate, whole, if it has one.
pub fn extension_of(cert_der: &[u8], oid: &str) -> Option<Vec<u8>> {
    let want = der::oid(oid);
    extensions_of(cert_der)
        .into_iter()
        .find(|(o, _)| *o == want)
        .map(|(_, e)| e)
}
