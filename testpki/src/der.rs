//! A minimal DER writer and reader: exactly what the test PKI's certificates, CRLs and OCSP
//! answers need.

pub use ccverify::der::{Tlv, seq, tlv};

/// Concatenates parts.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// SET of the parts (in the order given: callers give one element or sorted ones).
pub fn set(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x31, &cat(parts))
}

/// INTEGER from unsigned big-endian bytes.
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = ccverify::der::strip_leading_zeros(bytes).to_vec();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

/// INTEGER from a small number.
pub fn int(n: u64) -> Vec<u8> {
    uint(&n.to_be_bytes())
}

/// ENUMERATED.
pub fn enumerated(n: u8) -> Vec<u8> {
    tlv(0x0a, &[n])
}

/// BOOLEAN.
pub fn boolean(b: bool) -> Vec<u8> {
    tlv(0x01, &[if b { 0xff } else { 0 }])
}

/// OCTET STRING.
pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

/// BIT STRING with no unused bits.
pub fn bits(b: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(b);
    tlv(0x03, &v)
}

/// UTF8String.
pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

/// PrintableString.
pub fn printable(s: &str) -> Vec<u8> {
    tlv(0x13, s.as_bytes())
}

/// `[n]` EXPLICIT (constructed context tag).
pub fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// OBJECT IDENTIFIER from dotted text.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut body = Vec::new();
    if arcs.len() >= 2 {
        base128(arcs[0] * 40 + arcs[1], &mut body);
        for a in &arcs[2..] {
            base128(*a, &mut body);
        }
    }
    tlv(0x06, &body)
}

fn base128(mut n: u64, out: &mut Vec<u8>) {
    let mut tmp = vec![(n & 0x7f) as u8];
    n >>= 7;
    while n > 0 {
        tmp.push(0x80 | (n & 0x7f) as u8);
        n >>= 7;
    }
    tmp.reverse();
    out.extend_from_slice(&tmp);
}

/// X.509 Time: UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5).
pub fn x509_time(unix: i64) -> Vec<u8> {
    let t = civil(unix);
    if t.0 < 2050 {
        tlv(
            0x17,
            format!(
                "{:02}{:02}{:02}{:02}{:02}{:02}Z",
                t.0 % 100,
                t.1,
                t.2,
                t.3,
                t.4,
                t.5
            )
            .as_bytes(),
        )
    } else {
        generalized(unix)
    }
}

/// GeneralizedTime (OCSP).
pub fn generalized(unix: i64) -> Vec<u8> {
    let t = civil(unix);
    tlv(
        0x18,
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            t.0, t.1, t.2, t.3, t.4, t.5
        )
        .as_bytes(),
    )
}

fn civil(unix: i64) -> (i32, u8, u8, u8, u8, u8) {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
}

/// RFC 3339 text of a Unix time (`2026-01-01T00:00:00Z`), as Intel's collateral writes it.
pub fn rfc3339(unix: i64) -> String {
    let t = civil(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.0, t.1, t.2, t.3, t.4, t.5
    )
}

/// The first TLV of `data` (ccverify's strict DER reader), if it reads.
pub fn first(data: &[u8]) -> Option<Tlv<'_>> {
    ccverify::der::Reader::new(data).read_any("TLV").ok()
}

/// The TLVs inside a constructed value's content, up to the first that does not read.
pub fn children(content: &[u8]) -> Vec<Tlv<'_>> {
    let mut reader = ccverify::der::Reader::new(content);
    let mut out = Vec::new();
    while !reader.is_empty() {
        match reader.read_any("TLV") {
            Ok(t) => out.push(t),
            Err(_) => break,
        }
    }
    out
}

/// PEM text of DER data.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER of every certificate in PEM text (ccverify's reader; none if it does not read).
pub fn pem_certificates(text: &str) -> Vec<Vec<u8>> {
    ccverify::x509::Certificate::from_pem_bundle(text.as_bytes())
        .map(|certs| certs.iter().map(|c| c.der().to_vec()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(
            oid("1.2.840.10045.2.1"),
            hex::decode("06072a8648ce3d0201").unwrap()
        );
        assert_eq!(int(0x80), vec![2, 2, 0, 0x80]);
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(x509_time(1_735_689_600), tlv(0x17, b"250101000000Z"));
        let data = seq(&[&int(1), &int(2)]);
        let t = first(&data).unwrap();
        assert_eq!(t.raw, &data[..]);
        assert_eq!(children(t.content).len(), 2);
    }
}
