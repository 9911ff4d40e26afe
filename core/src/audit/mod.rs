//! Recorded exchanges, verified in bulk: the audit of a log of confidential-inference calls.
//!
//! A team that logs every exchange (the exact request bytes, the exact response bytes with their
//! headers or the whole SSE stream, and which key must have signed it) can later prove, for an
//! auditor, that every reply was signed by an attested key over exactly those bytes. One record
//! is one JSON object (one line of a JSON Lines file):
//!
//! | key | value |
//! |---|---|
//! | `id` | the caller's name for the exchange (text; echoed in the results) |
//! | `request` / `request_b64` | the exact request body: UTF-8 text, or base64 for any bytes |
//! | `response` / `response_b64` | a plain reply's exact body (with `headers`) |
//! | `stream` / `stream_b64` | a streamed reply's exact bytes, every byte up to the end |
//! | `headers` | the plain reply's headers, an object of name → text (plain replies only) |
//! | `address` | the `0x…` address the reply must be signed by |
//! | `bundle` | or: the evidence bundle whose attested key must have signed it (a path) |
//!
//! Exactly one form of each part is allowed; an unknown key is an error (a typo must not drop a
//! field). A record is untrusted input like any other: a malformed one is an error naming the
//! problem, never a panic and never a pass.
//!
//! The key an exchange is held to comes from outside this module: the caller resolves each
//! record's `bundle` by re-verifying it (once per bundle, [`crate::bundle::verify_bundle`]) and
//! hands [`Record::verify`] the attested address, or the reason there is none. Each verdict then
//! carries an [`ids::SIGNER_SOURCE`] row saying where the key came from: a verified bundle with
//! nothing relaxed about its key (pass), a verified bundle whose key rests on a warning such as
//! io.net's missing key binding (warn), an address the record merely names (warn: nothing here
//! attested it), or a bundle that gave no key (fail).

use crate::eth::Address;
use crate::exchange::{verify_response, verify_stream};
use crate::verdict::{Check, CheckStatus, Verdict};
use crate::{Error, ErrorKind};
use base64::Engine as _;
use serde_json::Value;

#[cfg(feature = "arrow")]
pub mod arrow;
mod run;
pub use run::*;

/// Check ids of the audit. Stable API.
pub mod ids {
    /// Where the key an exchange is held to came from: a verified bundle, or only the record.
    pub const SIGNER_SOURCE: &str = "audit.signer";
}

/// A recorded reply: a plain response with its headers, or a whole SSE stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A plain (non-streamed) response: its exact body and its headers.
    Response {
        /// The exact body received.
        body: Vec<u8>,
        /// The headers received, name → value.
        headers: Vec<(String, String)>,
    },
    /// A streamed response: every byte received, up to the connection's end.
    Stream(Vec<u8>),
}

/// Which key a recorded exchange must be signed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// An address the record names. Nothing in the audit attests it.
    Address(Address),
    /// An evidence bundle (its path, as written in the record), whose attested key is the one.
    Bundle(String),
}

/// One recorded exchange (see the [module documentation](self) for the format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The caller's name for the exchange.
    pub id: String,
    /// The exact request body sent.
    pub request: Vec<u8>,
    /// The reply received.
    pub reply: Reply,
    /// The key the reply must be signed by.
    pub signer: Signer,
}

/// The key an exchange is held to, as the caller resolved it: the address the record names,
/// a bundle's attested address, or why a bundle gave none.
#[derive(Clone, Copy, Debug)]
pub enum Key<'a> {
    /// The record's own `address`.
    Named(&'a Address),
    /// The attested address of the record's `bundle`, which verified with nothing relaxed
    /// about its key.
    Attested(&'a Address),
    /// The address of the record's `bundle`, which verified, but whose key rests on what its
    /// verdict warned about (the text): io.net not binding the key into hardware evidence
    /// (`report.key_binding`), values the bundle supplied (`bundle.inputs`), or trust anchors
    /// other than the production roots (`trust.anchors`).
    Caveated(&'a Address, &'a str),
    /// The record's `bundle` gave no attested key: the reason (it did not verify, could not be
    /// read, …).
    Unavailable(&'a str),
}

/// The verdict fact naming where the key came from ([`Key::source`]).
pub const KEY_FACT: &str = "audit.key";

impl Key<'_> {
    /// The key's source as the results name it: `"named"`, `"attested"`, `"caveated"` or
    /// `"none"`.
    pub fn source(&self) -> &'static str {
        match self {
            Key::Named(_) => "named",
            Key::Attested(_) => "attested",
            Key::Caveated(..) => "caveated",
            Key::Unavailable(_) => "none",
        }
    }
}

const KEYS: &[&str] = &[
    "id",
    "request",
    "request_b64",
    "response",
    "response_b64",
    "stream",
    "stream_b64",
    "headers",
    "address",
    "bundle",
];

/// The names a record's fields (JSON keys, table columns, dictionary keys) may have.
pub const FIELDS: &[&str] = KEYS;

fn invalid(reason: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, reason)
}

/// One field of a record as its container holds it: a JSON value, an Arrow cell, a Python or
/// JavaScript value. [`Record::from_fields`] applies the format's rules to them, the same for
/// every container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// Text (a JSON string, an Arrow string cell, a Python `str`).
    Text(String),
    /// Bytes (an Arrow binary cell, a Python `bytes`, a Node `Buffer`); allowed for `request`,
    /// `response` and `stream`, whose exact bytes they are.
    Bytes(Vec<u8>),
    /// Header names and values (a JSON object of text, an Arrow map or struct of text). A name
    /// may repeat, as on the wire.
    Headers(Vec<(String, String)>),
    /// Not set (an Arrow null, a Python `None`, a JavaScript `undefined`): as if absent. A JSON
    /// `null` is not this: in the JSON Lines form a key is either given properly or left out.
    Null,
    /// A value of any other type, or headers that are not all text.
    Other,
}

/// The bytes of a part given as `name` (text or bytes) or `name_b64` (base64 text); `None`
/// when neither is present, an error when both are or a value has the wrong type.
fn bytes_of(
    name: &str,
    plain: Option<Field>,
    b64: Option<Field>,
) -> Result<Option<Vec<u8>>, Error> {
    match (plain, b64) {
        (Some(_), Some(_)) => Err(invalid(format!(
            "`{name}` and `{name}_b64` are both present: give one"
        ))),
        (Some(Field::Text(s)), None) => Ok(Some(s.into_bytes())),
        (Some(Field::Bytes(b)), None) => Ok(Some(b)),
        (Some(_), None) => Err(invalid(format!(
            "`{name}` must be text or bytes (in JSON, use `{name}_b64` for bytes that are not UTF-8)"
        ))),
        (None, Some(Field::Text(s))) => base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map(Some)
            .map_err(|e| invalid(format!("`{name}_b64` is not base64: {e}"))),
        (None, Some(_)) => Err(invalid(format!("`{name}_b64` must be base64 text"))),
        (None, None) => Ok(None),
    }
}

/// A JSON value as a record field.
fn field_of_json(value: Value) -> Field {
    match value {
        Value::String(s) => Field::Text(s),
        Value::Object(map) => {
            let mut headers = Vec::with_capacity(map.len());
            for (k, v) in map {
                match v {
                    Value::String(s) => headers.push((k, s)),
                    _ => return Field::Other,
                }
            }
            Field::Headers(headers)
        }
        _ => Field::Other,
    }
}

impl Record {
    /// Reads one record from its JSON text (one line of a JSON Lines file).
    pub fn from_json(bytes: &[u8]) -> Result<Record, Error> {
        // Duplicate keys are refused at any depth: a log two JSON readers could read differently
        // (first or last `response` wins) must not be audited as one of them.
        let value = crate::gpu::nras::parse_strict(bytes)
            .map_err(|e| invalid(format!("not a JSON object: {e}")))?;
        Record::from_json_value(value)
    }

    /// Reads one record from a parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Record, Error> {
        Record::from_json_value(value.clone())
    }

    fn from_json_value(value: Value) -> Result<Record, Error> {
        let Value::Object(obj) = value else {
            return Err(invalid("a record must be a JSON object"));
        };
        Record::from_fields(obj.into_iter().map(|(k, v)| (k, field_of_json(v))))
    }

    /// Reads one record from its fields, by name, in any container (a table row, a dictionary).
    /// The rules are the JSON form's: an unknown or repeated name is an error (a typo must not
    /// drop a field), exactly one form of each part, `headers` with a plain `response` only,
    /// exactly one of `address` and `bundle`. [`Field::Null`] counts as absent.
    pub fn from_fields(fields: impl IntoIterator<Item = (String, Field)>) -> Result<Record, Error> {
        let mut slots: [Option<Field>; KEYS.len()] = Default::default();
        let mut seen = [false; KEYS.len()];
        for (name, field) in fields {
            let Some(i) = KEYS.iter().position(|k| *k == name) else {
                return Err(invalid(format!(
                    "unknown key {name:?} (a record has {})",
                    KEYS.join(", ")
                )));
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(invalid(format!("{name:?} is given twice")));
            }
            if field != Field::Null {
                slots[i] = Some(field);
            }
        }
        let [
            id,
            request,
            request_b64,
            response,
            response_b64,
            stream,
            stream_b64,
            headers,
            address,
            bundle,
        ] = slots;
        let id = match id {
            Some(Field::Text(s)) => s,
            Some(_) => return Err(invalid("`id` must be text")),
            None => return Err(invalid("`id` is missing")),
        };
        let request = bytes_of("request", request, request_b64)?
            .ok_or_else(|| invalid("`request` (or `request_b64`) is missing"))?;
        let reply = match (
            bytes_of("response", response, response_b64)?,
            bytes_of("stream", stream, stream_b64)?,
        ) {
            (Some(_), Some(_)) => {
                return Err(invalid("a record has a `response` or a `stream`, not both"));
            }
            (None, None) => {
                return Err(invalid(
                    "`response` or `stream` (or their `_b64` forms) is missing",
                ));
            }
            (Some(body), None) => {
                let headers = match headers {
                    Some(Field::Headers(h)) => h,
                    Some(_) => return Err(invalid("`headers` must be an object of text")),
                    None => {
                        return Err(invalid(
                            "`headers` is missing: a plain reply's signature travels in them",
                        ));
                    }
                };
                Reply::Response { body, headers }
            }
            (None, Some(stream)) => {
                if headers.is_some() {
                    return Err(invalid(
                        "`headers` belong to plain replies; a stream carries its signature inside",
                    ));
                }
                Reply::Stream(stream)
            }
        };
        let signer = match (address, bundle) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "a record names an `address` or a `bundle`, not both",
                ));
            }
            (Some(Field::Text(a)), None) => Signer::Address(Address::parse(&a)?),
            (None, Some(Field::Text(b))) if !b.is_empty() => Signer::Bundle(b),
            (Some(_), None) => return Err(invalid("`address` must be `0x…` text")),
            (None, Some(_)) => return Err(invalid("`bundle` must be a path")),
            (None, None) => {
                return Err(invalid(
                    "`address` or `bundle` is missing: say which key must have signed the reply",
                ));
            }
        };
        Ok(Record {
            id,
            request,
            reply,
            signer,
        })
    }

    /// The record as one line of a JSON Lines log (no newline): each part as text when it is
    /// UTF-8, else as `…_b64`, so [`Record::from_json`] reads back exactly these bytes. A JSON
    /// object holds a header name once: a name repeated with the same value is written once, a
    /// name repeated with different values is an error (the line would verify where the reply
    /// did not; keep such records in the table form, whose `headers` map keeps every pair).
    pub fn to_json(&self) -> Result<String, Error> {
        let mut obj = serde_json::Map::new();
        let mut part = |name: &str, bytes: &[u8]| match std::str::from_utf8(bytes) {
            Ok(text) => {
                obj.insert(name.to_string(), Value::String(text.to_string()));
            }
            Err(_) => {
                obj.insert(
                    format!("{name}_b64"),
                    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
                );
            }
        };
        part("request", &self.request);
        let headers = match &self.reply {
            Reply::Response { body, headers } => {
                part("response", body);
                Some(headers)
            }
            Reply::Stream(bytes) => {
                part("stream", bytes);
                None
            }
        };
        obj.insert("id".into(), Value::String(self.id.clone()));
        if let Some(headers) = headers {
            let mut map = serde_json::Map::new();
            for (k, v) in headers {
                match map.insert(k.clone(), Value::String(v.clone())) {
                    Some(Value::String(old)) if old != *v => {
                        return Err(invalid(format!(
                            "header {k:?} is repeated with different values: a JSON Lines record cannot hold it"
                        )));
                    }
                    _ => {}
                }
            }
            obj.insert("headers".into(), Value::Object(map));
        }
        match &self.signer {
            Signer::Address(a) => obj.insert("address".into(), Value::String(a.to_string())),
            Signer::Bundle(b) => obj.insert("bundle".into(), Value::String(b.clone())),
        };
        Ok(Value::Object(obj).to_string())
    }

    /// Verifies the exchange against the key the caller resolved for it (see [`Key`]). The
    /// verdict holds the exchange's own checks and an [`ids::SIGNER_SOURCE`] row; it is
    /// verified only when the reply is signed by that key over exactly these bytes and the key
    /// did not come from a bundle that failed.
    pub fn verify(&self, key: Key<'_>) -> Verdict {
        let (expected, source) = match key {
            Key::Named(a) => (
                Some(a),
                Check::new(
                    ids::SIGNER_SOURCE,
                    CheckStatus::Warn,
                    format!(
                        "held to {a}, the address the record names: the audit does not attest it (name a bundle to have its attestation re-verified)"
                    ),
                ),
            ),
            Key::Attested(a) => (
                Some(a),
                Check::new(
                    ids::SIGNER_SOURCE,
                    CheckStatus::Pass,
                    format!("held to {a}, the key attested by the bundle, which verified"),
                ),
            ),
            Key::Caveated(a, why) => (
                Some(a),
                Check::new(
                    ids::SIGNER_SOURCE,
                    CheckStatus::Warn,
                    format!(
                        "held to {a}, the signing address of a bundle that verified, but not proven attested: {why}"
                    ),
                ),
            ),
            Key::Unavailable(why) => (
                None,
                Check::new(
                    ids::SIGNER_SOURCE,
                    CheckStatus::Fail,
                    format!("no attested key: {why}"),
                ),
            ),
        };
        let verdict = match &self.reply {
            Reply::Response { body, headers } => {
                verify_response(&self.request, body, headers, expected)
            }
            Reply::Stream(stream) => verify_stream(&self.request, stream, expected),
        };
        let signer = verdict.signer;
        let facts = verdict.facts;
        let mut checks = vec![source];
        checks.extend(verdict.checks);
        let mut out = Verdict::from_checks(checks, signer);
        out.facts = facts;
        out.with_fact(KEY_FACT, key.source())
    }
}

/// Reads a JSON Lines log on every core: each non-blank line's 1-based number with its record,
/// or the error that says why the line is not one. Blank lines are skipped; the order is the
/// file's.
pub fn parse_lines(text: &[u8]) -> Vec<(usize, Result<Record, Error>)> {
    let lines: Vec<(usize, &[u8])> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(i, l)| (i + 1, l))
        .collect();
    let one = |(n, line): &(usize, &[u8])| (*n, Record::from_json(line));
    parallel_map(&lines, one)
}

/// `f` over `items` on every core, results in order (one chunk per thread). A worker that
/// panicked has its share run again on this thread, so a panic (a bug) surfaces here rather
/// than as a lost result.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    if threads <= 1 || items.len() < 4 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (handle, part) in handles.into_iter().zip(items.chunks(chunk)) {
            match handle.join() {
                Ok(results) => out.extend(results),
                Err(_) => out.extend(part.iter().map(f)),
            }
        }
        out
    })
}

/// Verifies many records on every core, each with its resolved key; verdicts come back in the
/// order given. The pure form of `ccverify audit`.
pub fn verify_records(items: &[(&Record, Key<'_>)]) -> Vec<Verdict> {
    parallel_map(items, |(record, key)| record.verify(*key))
}

/// Where a verdict's key came from: its [`KEY_FACT`] (see [`Key::source`]); `"none"` for a
/// verdict that is not an audit's.
pub fn key_source(verdict: &Verdict) -> &str {
    verdict.facts.get(KEY_FACT).map_or("none", String::as_str)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::Map;

    fn example(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../examples/exchanges/01-n1_plain/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn genuine() -> Value {
        let headers: Value = serde_json::from_slice(&example("headers.json")).unwrap();
        serde_json::json!({
            "id": "ex-1",
            "request": String::from_utf8(example("request.json")).unwrap(),
            "response": String::from_utf8(example("response.json")).unwrap(),
            "headers": headers,
            "address": String::from_utf8(example("expected_address.txt")).unwrap().trim(),
        })
    }

    fn address() -> Address {
        Address::parse(
            String::from_utf8(example("expected_address.txt"))
                .unwrap()
                .trim(),
        )
        .unwrap()
    }

    #[test]
    fn a_named_address_verifies_with_a_warning_that_nothing_attested_it() {
        let r = Record::from_value(&genuine()).unwrap();
        let a = address();
        let v = r.verify(Key::Named(&a));
        assert!(v.verified, "{v:?}");
        assert_eq!(v.checks[0].id, ids::SIGNER_SOURCE);
        assert_eq!(v.checks[0].status, CheckStatus::Warn);
        let row = ResultRow::new(&r.id, &v).to_value();
        assert_eq!(row["verified"], true);
        assert_eq!(row["key"], "named");
        assert_eq!(row["failed"], serde_json::json!([]));
    }

    #[test]
    fn an_attested_key_passes_and_an_unavailable_one_fails() {
        let mut g = genuine();
        g.as_object_mut().unwrap().remove("address");
        g["bundle"] = "b.json".into();
        let r = Record::from_value(&g).unwrap();
        assert_eq!(r.signer, Signer::Bundle("b.json".into()));
        let a = address();
        let ok = r.verify(Key::Attested(&a));
        assert!(ok.verified && ok.checks[0].status == CheckStatus::Pass);
        let caveat = r.verify(Key::Caveated(
            &a,
            "report.key_binding: io.net binds only the nonce",
        ));
        assert!(caveat.verified && caveat.checks[0].status == CheckStatus::Warn);
        assert_eq!(key_source(&caveat), "caveated");
        assert_eq!(key_source(&ok), "attested");
        let row = ResultRow::new(&r.id, &caveat).to_value();
        assert_eq!(row["key"], "caveated");
        assert!(
            row["warnings"]
                .as_array()
                .unwrap()
                .contains(&ids::SIGNER_SOURCE.into())
        );
        assert_eq!(row["request_hash"].as_str().unwrap().len(), 64);
        let bad = r.verify(Key::Unavailable("the bundle did not verify"));
        assert_eq!(key_source(&bad), "none");
        assert!(!bad.verified);
        assert_eq!(bad.checks[0].status, CheckStatus::Fail);
        let failed = ResultRow::new(&r.id, &bad).to_value()["failed"].clone();
        assert!(
            failed
                .as_array()
                .unwrap()
                .contains(&ids::SIGNER_SOURCE.into())
        );
    }

    #[test]
    fn tampered_bytes_and_the_wrong_key_fail() {
        let mut g = genuine();
        let body = g["response"]
            .as_str()
            .unwrap()
            .replacen("Hello", "Jello", 1);
        g["response"] = body.into();
        let r = Record::from_value(&g).unwrap();
        let a = address();
        assert!(!r.verify(Key::Named(&a)).verified);
        let other = Address::parse("0x0000000000000000000000000000000000000001").unwrap();
        let r = Record::from_value(&genuine()).unwrap();
        assert!(!r.verify(Key::Named(&other)).verified);
    }

    #[test]
    fn a_record_written_as_a_line_reads_back_as_itself() {
        let plain = Record::from_value(&genuine()).unwrap();
        assert_eq!(
            Record::from_json(plain.to_json().unwrap().as_bytes()).unwrap(),
            plain
        );
        let odd = Record {
            id: "odd".into(),
            request: vec![0xff, 0xfe],
            reply: Reply::Stream(b"data: x\n\n".to_vec()),
            signer: Signer::Bundle("b.json".into()),
        };
        let line = odd.to_json().unwrap();
        assert!(line.contains("request_b64") && !line.contains('\n'));
        assert_eq!(Record::from_json(line.as_bytes()).unwrap(), odd);
        let twice = |second: &str| Record {
            reply: Reply::Response {
                body: b"{}".to_vec(),
                headers: vec![("a".into(), "1".into()), ("a".into(), second.into())],
            },
            ..odd.clone()
        };
        assert!(twice("1").to_json().is_ok());
        assert!(
            twice("2")
                .to_json()
                .unwrap_err()
                .to_string()
                .contains("repeated")
        );
        // A repeated name is refused whether or not its first value is null.
        let null_first = Record::from_fields([
            ("id".to_string(), Field::Null),
            ("id".to_string(), Field::Text("x".into())),
        ]);
        assert!(null_first.unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn base64_forms_are_the_same_bytes() {
        let g = genuine();
        let b64 = |s: &Value| base64::engine::general_purpose::STANDARD.encode(s.as_str().unwrap());
        let mut h = g.clone();
        let o = h.as_object_mut().unwrap();
        o.remove("request");
        o.remove("response");
        o.insert("request_b64".into(), b64(&g["request"]).into());
        o.insert("response_b64".into(), b64(&g["response"]).into());
        assert_eq!(
            Record::from_value(&h).unwrap(),
            Record::from_value(&g).unwrap()
        );
    }

    #[test]
    fn malformed_records_name_their_problem() {
        let g = genuine();
        let with = |f: &dyn Fn(&mut Map<String, Value>)| {
            let mut v = g.clone();
            f(v.as_object_mut().unwrap());
            Record::from_value(&v).unwrap_err().to_string()
        };
        assert!(
            with(&|o| {
                o.insert("respnose".into(), "x".into());
            })
            .contains("unknown key \"respnose\"")
        );
        assert!(
            with(&|o| {
                o.remove("id");
            })
            .contains("`id` is missing")
        );
        assert!(
            with(&|o| {
                o.insert("request_b64".into(), "AA==".into());
            })
            .contains("both present")
        );
        assert!(
            with(&|o| {
                o.insert("stream".into(), "data: x\n\n".into());
            })
            .contains("not both")
        );
        assert!(
            with(&|o| {
                o.remove("headers");
            })
            .contains("`headers` is missing")
        );
        assert!(
            with(&|o| {
                o.insert("bundle".into(), "b.json".into());
            })
            .contains("not both")
        );
        assert!(
            with(&|o| {
                o.remove("address");
            })
            .contains("is missing")
        );
        assert!(
            with(&|o| {
                o.insert("address".into(), "0x12".into());
            })
            .contains("address")
        );
        assert!(
            with(&|o| {
                o.insert("request".into(), 7.into());
            })
            .contains("must be text")
        );
        let dup = serde_json::to_string(&g)
            .unwrap()
            .replacen('{', r#"{"response": "{}", "#, 1);
        assert!(
            Record::from_json(dup.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("duplicate")
        );
        assert!(Record::from_json(b"[1]").is_err());
        assert!(Record::from_json(b"{").is_err());
    }

    #[test]
    fn lines_keep_their_numbers_and_order_and_blank_lines_are_skipped() {
        let good = serde_json::to_string(&genuine()).unwrap();
        let mut text = String::new();
        for i in 0..40 {
            match i % 10 {
                3 => text.push_str("  \n"),
                7 => text.push_str("{\"id\": 1}\n"),
                _ => {
                    text.push_str(&good.replace("ex-1", &format!("ex-{i}")));
                    text.push('\n');
                }
            }
        }
        let parsed = parse_lines(text.as_bytes());
        assert_eq!(parsed.len(), 36, "four blank lines skipped");
        for (n, r) in &parsed {
            match (n - 1) % 10 {
                7 => assert!(r.is_err(), "line {n}"),
                _ => assert_eq!(r.as_ref().unwrap().id, format!("ex-{}", n - 1)),
            }
        }
        assert!(parsed.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn streams_take_no_headers_and_batches_keep_order() {
        let mut g = genuine();
        let o = g.as_object_mut().unwrap();
        o.remove("response");
        o.insert("stream".into(), "data: x\n\n".into());
        assert!(
            Record::from_value(&g)
                .unwrap_err()
                .to_string()
                .contains("belong to plain")
        );
        g.as_object_mut().unwrap().remove("headers");
        let s = Record::from_value(&g).unwrap();
        assert!(matches!(s.reply, Reply::Stream(_)));

        let plain = Record::from_value(&genuine()).unwrap();
        let a = address();
        let items: Vec<(&Record, Key<'_>)> = (0..9)
            .map(|i| {
                if i % 3 == 0 {
                    (&s, Key::Named(&a))
                } else {
                    (&plain, Key::Named(&a))
                }
            })
            .collect();
        let verdicts = verify_records(&items);
        assert_eq!(verdicts.len(), 9);
        for (i, v) in verdicts.iter().enumerate() {
            assert_eq!(v.verified, i % 3 != 0, "item {i}");
        }
    }
}
