//! The request hash exactly as the io.net agent computes it (spec §6, steps 1–3).
//!
//! The agent parses the body with `json.loads`, validates it into a pydantic v2 model with
//! declared fields and `extra="allow"`, dumps it with `model_dump(exclude_none=True)` and hashes
//! `json.dumps(…, separators=(',', ':'))`. So the signed text depends on field order, pydantic's
//! lax coercions, a `stream` default and dropped top-level nulls — not on the bytes the client
//! sent. This module reproduces that, and says when it had to guess.

use sha2::{Digest, Sha256};

use crate::pyjson::{self, Value};

/// How the agent's pydantic model treats a declared field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldKind {
    /// `list`, items untouched.
    List,
    /// `str`.
    Str,
    /// `float`.
    Float,
    /// `int`.
    Int,
    /// `bool`.
    Bool,
    /// Any value, untouched.
    Any,
}

/// The agent's declared fields, in declaration order (which is the order `model_dump` uses).
const DECLARED: [(&str, FieldKind); 11] = [
    ("messages", FieldKind::List),
    ("model", FieldKind::Str),
    ("temperature", FieldKind::Float),
    ("max_tokens", FieldKind::Int),
    ("stream", FieldKind::Bool),
    ("top_p", FieldKind::Float),
    ("frequency_penalty", FieldKind::Float),
    ("presence_penalty", FieldKind::Float),
    ("stop", FieldKind::Any),
    ("n", FieldKind::Int),
    ("logprobs", FieldKind::Bool),
];

/// The agent-side form of a request body.
#[derive(Clone, Debug, PartialEq)]
pub struct CanonicalRequest {
    /// The exact string the agent hashes.
    pub json: String,
    /// Whether the agent would stream its answer (`stream` truthy after coercion).
    pub stream: bool,
    /// Places where the agent's behaviour had to be assumed; empty when the result is certain.
    pub uncertain: Vec<String>,
    hash: String,
}

impl CanonicalRequest {
    /// Lowercase hex SHA-256 of [`CanonicalRequest::json`]: the first half of the signed `text`.
    pub fn hash_hex(&self) -> &str {
        &self.hash
    }
}

/// Canonicalises a request body. `Err` means the agent would refuse the body (invalid JSON, not
/// an object, or a value pydantic rejects), so no genuine signature can cover it.
pub fn canonicalize(body: &[u8]) -> Result<CanonicalRequest, String> {
    let mut uncertain = Vec::new();
    let decoded = decode_body(body, &mut uncertain)?;
    let value = pyjson::parse(&decoded)
        .map_err(|e| format!("request body is not JSON Python accepts: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("request body is not a JSON object".into());
    };
    // `model_dump` order: declared fields (present, not None) in declaration order, then the
    // extra keys in arrival order. Keys are unique already, so the dump is written directly.
    let mut entries = obj.into_entries();
    let mut dump: Vec<(&str, Value)> = Vec::with_capacity(entries.len() + 1);
    let mut stream = false;
    for (name, kind) in DECLARED {
        let found = entries.iter().position(|(k, _)| k == name.as_bytes());
        let Some(i) = found else {
            if name == "stream" {
                dump.push((name, Value::Bool(false)));
            }
            continue;
        };
        let (_, value) = entries.remove(i);
        if value == Value::Null {
            continue;
        }
        let coerced = coerce(name, kind, value, &mut uncertain)?;
        if name == "stream" {
            stream = coerced == Value::Bool(true);
        }
        dump.push((name, coerced));
    }
    let mut json = Vec::with_capacity(body.len() + 16);
    json.push(b'{');
    let mut first = true;
    let mut member = |json: &mut Vec<u8>, key: &[u8], value: &Value| {
        if !std::mem::take(&mut first) {
            json.push(b',');
        }
        pyjson::write_pystr(json, key);
        json.push(b':');
        pyjson::write_compact(json, value);
    };
    for (name, value) in &dump {
        member(&mut json, name.as_bytes(), value);
    }
    for (key, value) in &entries {
        if *value != Value::Null {
            member(&mut json, key, value);
        }
    }
    json.push(b'}');
    // The writer escapes everything outside printable ASCII, so this cannot fail.
    let json =
        String::from_utf8(json).map_err(|_| "internal: non-ASCII canonical form".to_string())?;
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    Ok(CanonicalRequest {
        json,
        stream,
        uncertain,
        hash,
    })
}

fn units_to_string(text: &[u8]) -> Option<String> {
    String::from_utf8(text.to_vec()).ok()
}

/// pydantic v2 lax-mode validation of one declared field (Python input).
fn coerce(
    name: &str,
    kind: FieldKind,
    v: Value,
    uncertain: &mut Vec<String>,
) -> Result<Value, String> {
    let reject = |what: &str| {
        Err(format!(
            "`{name}`: {what}; the agent's pydantic model would reject the request"
        ))
    };
    match kind {
        FieldKind::Any => Ok(v),
        FieldKind::List => match &v {
            Value::Array(_) => Ok(v),
            _ => reject("not a list"),
        },
        FieldKind::Str => match &v {
            Value::Str(_) => Ok(v),
            _ => reject("not a string"),
        },
        FieldKind::Float => match &v {
            Value::Float(_) => Ok(v),
            Value::Int(digits) => {
                // float(int): correctly rounded, like Rust's parser; overflow raises in Python.
                let f: f64 = digits.parse().map_err(|_| format!("`{name}`: bad integer"))?;
                if f.is_infinite() {
                    return reject("integer too large for a float");
                }
                Ok(Value::Float(f))
            }
            Value::Bool(b) => Ok(Value::Float(if *b { 1.0 } else { 0.0 })),
            Value::Str(units) => {
                let s = units_to_string(units).ok_or_else(|| format!("`{name}`: invalid string"))?;
                match parse_float_str(&s, uncertain) {
                    Some(f) => Ok(Value::Float(f)),
                    None => reject("not a number"),
                }
            }
            _ => reject("not a number"),
        },
        FieldKind::Int => match &v {
            Value::Int(_) => Ok(v),
            Value::Float(f) => float_to_int(*f).ok_or_else(|| {
                format!("`{name}`: {f} is not a whole number; the agent's pydantic model would reject the request")
            }),
            Value::Bool(b) => Ok(Value::Int(if *b { "1" } else { "0" }.into())),
            Value::Str(units) => {
                let s = units_to_string(units).ok_or_else(|| format!("`{name}`: invalid string"))?;
                match parse_int_str(&s, uncertain) {
                    Some(i) => Ok(i),
                    None => reject("not an integer"),
                }
            }
            _ => reject("not an integer"),
        },
        FieldKind::Bool => match &v {
            Value::Bool(_) => Ok(v),
            Value::Int(d) if d == "0" => Ok(Value::Bool(false)),
            Value::Int(d) if d == "1" => Ok(Value::Bool(true)),
            Value::Float(f) if *f == 0.0 => Ok(Value::Bool(false)),
            Value::Float(f) if *f == 1.0 => Ok(Value::Bool(true)),
            Value::Str(units) => {
                let s = units_to_string(units).ok_or_else(|| format!("`{name}`: invalid string"))?;
                match s.to_ascii_lowercase().as_str() {
                    "0" | "off" | "f" | "false" | "n" | "no" => Ok(Value::Bool(false)),
                    "1" | "on" | "t" | "true" | "y" | "yes" => Ok(Value::Bool(true)),
                    _ => reject("not a boolean"),
                }
            }
            _ => reject("not a boolean"),
        },
    }
}

/// Removes underscores the way Python's `float()`/`int()` accept them: only single underscores
/// between two digits. `None` if an underscore is misplaced.
fn strip_underscores(t: &str, uncertain: &mut Vec<String>) -> Option<String> {
    if !t.contains('_') {
        return Some(t.to_string());
    }
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let before = i.checked_sub(1).and_then(|j| b.get(j));
            let after = b.get(i + 1);
            if !matches!((before, after), (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit())
            {
                return None;
            }
        }
    }
    uncertain.push(format!("numeric string {t:?} uses digit-group underscores"));
    Some(t.replace('_', ""))
}

/// Python whitespace that `float()` and pydantic strip around numeric strings (ASCII subset).
fn trim_py(s: &str) -> &str {
    s.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
}

/// pydantic's str → float, which follows Python's `float(str)`: surrounding whitespace,
/// digit-group underscores and `inf`/`infinity`/`nan` in any case are accepted.
fn parse_float_str(s: &str, uncertain: &mut Vec<String>) -> Option<f64> {
    let t = trim_py(s);
    if t.is_empty() || !t.is_ascii() {
        return None;
    }
    let t = strip_underscores(t, uncertain)?;
    // Rust's grammar equals Python's for ASCII input: optional sign, digits with an optional
    // fraction and exponent, or inf/infinity/nan case-insensitively.
    t.parse::<f64>().ok()
}

/// pydantic's str → int: surrounding whitespace ignored, optional sign, digits (with
/// digit-group underscores), and an optional fraction made only of zeros (`"1.0"` → 1).
fn parse_int_str(s: &str, uncertain: &mut Vec<String>) -> Option<Value> {
    let t = trim_py(s);
    if !t.is_ascii() {
        return None;
    }
    let t = strip_underscores(t, uncertain)?;
    let t = match t.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => t.as_str(),
    };
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.len() > pyjson::MAX_INT_DIGITS
    {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    let mag = if trimmed.is_empty() { "0" } else { trimmed };
    Some(Value::Int(if neg && mag != "0" {
        format!("-{mag}")
    } else {
        mag.to_string()
    }))
}

/// pydantic's float → int: only finite whole numbers inside the signed 64-bit range
/// (larger floats fail with `int_parsing_size`), converted exactly.
fn float_to_int(f: f64) -> Option<Value> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if !f.is_finite() || f.fract() != 0.0 || !(-TWO_63..TWO_63).contains(&f) {
        return None;
    }
    // `{:.0}` prints the exact decimal expansion of an integral f64.
    let text = format!("{f:.0}");
    Some(Value::Int(if text == "-0" { "0".into() } else { text }))
}

/// Decodes the body the way `json.loads(bytes)` does: UTF-8 (a BOM is skipped), or UTF-16 /
/// UTF-32 recognised by Python's `detect_encoding` rules, transcoded to UTF-8.
fn decode_body<'b>(
    body: &'b [u8],
    uncertain: &mut Vec<String>,
) -> Result<std::borrow::Cow<'b, [u8]>, String> {
    use std::borrow::Cow;
    if let Some(rest) = body.strip_prefix(b"\xef\xbb\xbf") {
        uncertain
            .push("body starts with a UTF-8 byte-order mark (Python's json.loads skips it)".into());
        return Ok(Cow::Borrowed(rest));
    }
    let (unit, big_endian, skip) = match body {
        [0, 0, 0xfe, 0xff, ..] => (4, true, 4),
        [0xff, 0xfe, 0, 0, ..] => (4, false, 4),
        [0xfe, 0xff, ..] => (2, true, 2),
        [0xff, 0xfe, ..] => (2, false, 2),
        [0, 0, _, _, ..] => (4, true, 0),
        [0, _, _, _, ..] => (2, true, 0),
        [_, 0, 0, 0, ..] => (4, false, 0),
        [_, 0, _, _, ..] => (2, false, 0),
        [0, _] => (2, true, 0),
        [_, 0] => (2, false, 0),
        _ => return Ok(Cow::Borrowed(body)),
    };
    let data = &body[skip..];
    let bad = || "request body looks like UTF-16/UTF-32 but does not decode".to_string();
    if !data.len().is_multiple_of(unit) {
        return Err(bad());
    }
    let text: String = if unit == 2 {
        let units = data.chunks_exact(2).map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?
    } else {
        data.chunks_exact(4)
            .map(|c| {
                let v = if big_endian {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(v)
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?
    };
    uncertain.push(format!("body is UTF-{} encoded, not UTF-8", unit * 8));
    Ok(Cow::Owned(text.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(body: &str) -> String {
        canonicalize(body.as_bytes()).unwrap().json
    }

    #[test]
    fn n1_matches_spec() {
        let c = canonicalize(br#"{"messages":[{"role":"user","content":"Hello, world!"}],"model":"test-model","temperature":0.7,"max_tokens":100}"#).unwrap();
        assert_eq!(
            c.json,
            r#"{"messages":[{"role":"user","content":"Hello, world!"}],"model":"test-model","temperature":0.7,"max_tokens":100,"stream":false}"#
        );
        assert_eq!(
            c.hash_hex(),
            "502cd93772f39b158fddef9bb17deee83acd3604acbc2435ec443b5eb2960ef5"
        );
        assert!(c.uncertain.is_empty());
        assert!(!c.stream);
    }

    #[test]
    fn s1_matches_spec() {
        let c = canonicalize(br#"{"messages":[{"role":"user","content":"Test"}],"stream":true}"#)
            .unwrap();
        assert_eq!(
            c.hash_hex(),
            "91813a5bfca1a468574ac655cbeb8af745d4eae5362bf218374df7927b86bb45"
        );
        assert!(c.stream);
    }

    #[test]
    fn reorders_and_coerces() {
        assert_eq!(
            canon(
                r#"{"seed":7,"max_tokens":5000,"messages":[{"role":"user","content":"Hi"}],"model":"m"}"#
            ),
            r#"{"messages":[{"role":"user","content":"Hi"}],"model":"m","max_tokens":5000,"stream":false,"seed":7}"#
        );
        assert_eq!(
            canon(
                r#"{"messages":[],"temperature":1,"top_p":"0.5","n":2.0,"stream":1,"logprobs":"true","stop":null,"x":null}"#
            ),
            r#"{"messages":[],"temperature":1.0,"stream":true,"top_p":0.5,"n":2,"logprobs":true}"#
        );
        assert_eq!(
            canon(r#"{"messages":[{"name":null}],"stream":null}"#),
            r#"{"messages":[{"name":null}]}"#
        );
        assert_eq!(
            canon(r#"{"messages":[],"x":[1e-7,1e20,"café 😀"]}"#),
            r#"{"messages":[],"stream":false,"x":[1e-07,1e+20,"caf\u00e9 \ud83d\ude00"]}"#
        );
        assert_eq!(
            canon(r#"{"messages":[],"max_tokens":1e18}"#),
            r#"{"messages":[],"max_tokens":1000000000000000000,"stream":false}"#
        );
        assert_eq!(
            canon(r#"{"temperature":"1_000","n":" +1_0 "}"#),
            r#"{"temperature":1000.0,"stream":false,"n":10}"#
        );
    }

    #[test]
    fn rejections() {
        for body in [
            r#"[]"#,
            r#"{"messages":[],"max_tokens":1.5}"#,
            r#"{"messages":"x"}"#,
            r#"{"model":1}"#,
            "{",
            r#"{"stream":2}"#,
            r#"{"max_tokens":1e20}"#,
            r#"{"temperature":"1__0"}"#,
            r#"{"temperature":"0x10"}"#,
        ] {
            assert!(canonicalize(body.as_bytes()).is_err(), "{body}");
        }
    }
}
