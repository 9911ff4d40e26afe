//! The one DER reader (and minimal writer) of ccverify: OCSP responses and requests, the
//! canonical re-encoding of certificates, the TCG DICE extension of GPU leaf certificates.
//! Certificates themselves are parsed by x509-parser ([`crate::x509`]).
//!
//! Strict: definite lengths only, minimally encoded, low tag numbers only; every read is
//! bounds-checked and every failure names the field it was reading. Nothing here panics.

use std::fmt;

/// Why bytes are not the DER that was expected; the message names the field and the fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn malformed(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

// Tags (single-byte, low tag numbers only).
/// BOOLEAN (0x01).
pub const TAG_BOOLEAN: u8 = 0x01;
/// INTEGER (0x02).
pub const TAG_INTEGER: u8 = 0x02;
/// BIT STRING (0x03).
pub const TAG_BIT_STRING: u8 = 0x03;
/// OCTET STRING (0x04).
pub const TAG_OCTET_STRING: u8 = 0x04;
/// NULL (0x05).
pub const TAG_NULL: u8 = 0x05;
/// OBJECT IDENTIFIER (0x06).
pub const TAG_OID: u8 = 0x06;
/// ENUMERATED (0x0a).
pub const TAG_ENUMERATED: u8 = 0x0a;
/// GeneralizedTime (0x18).
pub const TAG_GENERALIZED_TIME: u8 = 0x18;
/// SEQUENCE (constructed) (0x30).
pub const TAG_SEQUENCE: u8 = 0x30;
/// context-specific [0], constructed (0xa0).
pub const TAG_CTX0: u8 = 0xa0;
/// context-specific [1], constructed (0xa1).
pub const TAG_CTX1: u8 = 0xa1;
/// context-specific [2], constructed (0xa2).
pub const TAG_CTX2: u8 = 0xa2;
/// context-specific [0], primitive (0x80).
pub const TAG_CTX0_PRIM: u8 = 0x80;
/// context-specific [2], primitive (0x82).
pub const TAG_CTX2_PRIM: u8 = 0x82;

/// One TLV: its tag, its content and its whole encoding.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// The identifier octet (class, constructed bit, tag number).
    pub tag: u8,
    /// The content octets.
    pub content: &'a [u8],
    /// The whole encoding: identifier, length and content.
    pub raw: &'a [u8],
}

/// A cursor over consecutive DER TLVs. Definite lengths only, minimally encoded, low tag
/// numbers only; every `read` is bounds-checked.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`, which holds zero or more consecutive TLVs.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The tag of the next TLV, without reading it.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// Reads the next TLV, whatever its tag; `what` names it in errors.
    pub fn read_any(&mut self, what: &str) -> Result<Tlv<'a>, Error> {
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
    pub fn read_tlv(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, Error> {
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
    pub fn read(&mut self, tag: u8, what: &str) -> Result<&'a [u8], Error> {
        Ok(self.read_tlv(tag, what)?.content)
    }

    /// Reads the content of the next TLV if it has `tag`.
    pub fn optional(&mut self, tag: u8, what: &str) -> Result<Option<&'a [u8]>, Error> {
        if self.peek_tag() == Some(tag) {
            Ok(Some(self.read(tag, what)?))
        } else {
            Ok(None)
        }
    }

    /// Fails unless everything was consumed.
    pub fn finish(&self, what: &str) -> Result<(), Error> {
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
pub fn exactly_one<'a>(data: &'a [u8], tag: u8, what: &str) -> Result<&'a [u8], Error> {
    let mut r = Reader::new(data);
    let content = r.read(tag, what)?;
    r.finish(what)?;
    Ok(content)
}

/// Checks a DER INTEGER's content (non-empty, minimal) and returns it.
pub fn integer(content: &[u8], what: &str) -> Result<(), Error> {
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
pub fn small_uint(content: &[u8], what: &str) -> Result<u64, Error> {
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

/// A DER BOOLEAN's content: exactly `0x00` or `0xFF`.
pub fn boolean(content: &[u8], what: &str) -> Result<bool, Error> {
    match content {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(malformed(format!("{what}: BOOLEAN must be 0x00 or 0xFF"))),
    }
}

/// `bytes` without leading zero bytes (at least one byte is kept).
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let mut b = bytes;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

/// DER GeneralizedTime (`YYYYMMDDHHMMSS[.f+]Z`, no trailing zeros in the fraction) to Unix
/// seconds; a fraction is dropped.
pub fn generalized_time(content: &[u8], what: &str) -> Result<i64, Error> {
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
pub fn oid_text(content: &[u8]) -> String {
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

/// Encodes one TLV with a minimal definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
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

/// Encodes a SEQUENCE of already-encoded items.
pub fn seq(items: &[&[u8]]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &items.concat())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read_all(data: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, Error> {
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
        assert_eq!(
            oid_text(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02]),
            "1.3.6.1.5.5.7.48.1.2"
        );
        assert_eq!(
            oid_text(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]),
            "2.16.840.1.101.3.4.2.2"
        );
        assert_eq!(
            oid_text(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]),
            "1.2.840.10045.4.3.3"
        );
        assert!(oid_text(&[0x2b, 0x86]).starts_with("OID:"));
        assert!(oid_text(&[0xff; 40]).starts_with("OID:"));
    }
}
