//! Property test for the stream issue's central claim: whatever bytes a relay adds or rewrites,
//! when ccverify says a stream verified, a standard SSE consumer reading what ccverify hands on
//! sees exactly the data lines the agent signed, in order, then `[DONE]`; and that `[DONE]`
//! is never handed on for a stream that did not verify.
//!
//! The consumer here is an independent implementation of the WHATWG "event stream
//! interpretation" algorithm (HTML Living Standard §9.2.6), written from the standard and not
//! sharing code with the crate's engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

use ccverify::exchange::canonicalize_request;
use ccverify::{Address, StreamVerifier};
use proptest::prelude::*;

/// One dispatched event: (type, data).
type Event = (String, String);

/// The WHATWG event-stream parser: UTF-8 decode (lossy), BOM dropped once, lines end at CRLF,
/// LF or CR, fields split at the first colon with one leading space removed from the value,
/// `data` appends value + LF, `event` sets the type, blank lines dispatch non-empty data with its
/// last LF removed; an unterminated last line is discarded.
fn whatwg_parse(bytes: &[u8]) -> Vec<Event> {
    let text = String::from_utf8_lossy(bytes);
    let mut text: &str = &text;
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        text = rest;
    }
    let mut events = Vec::new();
    let mut data = String::new();
    let mut event_type = String::new();
    let mut line = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ended = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                true
            }
            '\n' => true,
            _ => {
                line.push(c);
                false
            }
        };
        if !ended {
            continue;
        }
        let l = std::mem::take(&mut line);
        if l.is_empty() {
            if !data.is_empty() {
                data.pop();
                let t = if event_type.is_empty() {
                    "message".to_string()
                } else {
                    std::mem::take(&mut event_type)
                };
                events.push((t, std::mem::take(&mut data)));
            }
            data.clear();
            event_type.clear();
        } else if l.starts_with(':') {
            // comment
        } else {
            let (name, value) = match l.find(':') {
                Some(i) => {
                    let v = &l[i + 1..];
                    (&l[..i], v.strip_prefix(' ').unwrap_or(v))
                }
                None => (l.as_str(), ""),
            };
            match name {
                "event" => event_type = value.to_string(),
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                _ => {}
            }
        }
    }
    events
}

/// What a relay may do to the wire.
#[derive(Clone, Debug)]
enum Mutation {
    /// Insert these bytes at (offset mod wire length).
    Insert(usize, Vec<u8>),
    /// Re-encode every LF as CRLF.
    Crlf,
    /// Drop the byte at (offset mod length).
    Delete(usize),
}

fn payload() -> impl Strategy<Value = String> {
    // Text a model could produce plus the characters that matter to SSE framing.
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(vec!['a', 'b', ' ', '{', '}', '"', ',', 'é', '😀']),
            1 => prop::sample::select(vec![':', 'd', '\t', '[']),
            1 => Just('\r'),
        ],
        0..12,
    )
    .prop_map(|v| format!("{{\"c\":\"{}\"}}", v.into_iter().collect::<String>()))
}

fn attack() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![
            "data:{P}\n\n",
            "data:\t{P}\n\n",
            ": c\rdata: {P}\r\r\n",
            "data\n\n",
            "data: {P}\n\n",
            "data:{P}\n",
            "event: message\n",
            "event:signature\n",
            "event: signature\n",
            "id: 1\n",
            "retry: 3000\n",
            ": ping\n\n",
            "\r",
            "\n",
            "\r\n",
            "data: [DONE]\n\n",
            "data:[DONE]\n\n",
            "\u{feff}",
            " ",
        ]),
        payload(),
    )
        .prop_map(|(t, p)| t.replace("{P}", &p).into_bytes())
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), attack()).prop_map(|(at, b)| Mutation::Insert(at, b)),
        1 => Just(Mutation::Crlf),
        1 => any::<usize>().prop_map(Mutation::Delete),
    ]
}

/// The agent's hashed payloads of `upstream` (split on LF, `data: ` lines but `[DONE]`).
fn agent_payloads(upstream: &[u8]) -> Vec<String> {
    String::from_utf8(upstream.to_vec())
        .unwrap()
        .split('\n')
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|p| !p.starts_with("[DONE]"))
        .map(str::to_string)
        .collect()
}

/// A genuinely signed stream: upstream events with `crlf` line ends, the signature block
/// spliced in at byte `at` of the upstream (the agent splices at any upstream chunk boundary).
fn signed_wire(
    request: &[u8],
    payloads: &[String],
    crlf: bool,
    at: usize,
) -> (Vec<u8>, Vec<String>) {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut upstream = Vec::new();
    for p in payloads {
        upstream.extend_from_slice(format!("data: {p}{eol}{eol}").as_bytes());
    }
    upstream.extend_from_slice(format!("data: [DONE]{eol}{eol}").as_bytes());
    let hashed = agent_payloads(&upstream);
    let text = format!(
        "{}:{}",
        canonicalize_request(request).unwrap().hash_hex(),
        support::stream_hash(&hashed)
    );
    let block = format!(
        "event: signature\ndata: {{\"text\": \"{text}\", \"signature\": \"{}\", \"signing_address\": \"{}\", \"signing_algo\": \"ecdsa\"}}\n\n",
        support::sign_text(&support::key(), &text),
        support::TEST_ADDRESS
    );
    // Never inside a UTF-8 character (the agent's A5 would abort there).
    let mut at = at % (upstream.len() + 1);
    while at < upstream.len() && (upstream[at] & 0xC0) == 0x80 {
        at += 1;
    }
    let mut wire = upstream[..at].to_vec();
    wire.extend_from_slice(block.as_bytes());
    wire.extend_from_slice(&upstream[at..]);
    (wire, hashed)
}

fn apply(wire: &[u8], m: &Mutation) -> Vec<u8> {
    match m {
        Mutation::Insert(at, bytes) => {
            let at = at % (wire.len() + 1);
            let mut out = wire[..at].to_vec();
            out.extend_from_slice(bytes);
            out.extend_from_slice(&wire[at..]);
            out
        }
        Mutation::Crlf => {
            let mut out = Vec::with_capacity(wire.len() * 2);
            for &b in wire {
                if b == b'\n' {
                    out.push(b'\r');
                }
                out.push(b);
            }
            out
        }
        Mutation::Delete(at) if !wire.is_empty() => {
            let mut out = wire.to_vec();
            out.remove(at % wire.len());
            out
        }
        Mutation::Delete(_) => wire.to_vec(),
    }
}

/// Runs the verifier over `wire` in chunks of the given sizes; (verified, delivered bytes).
fn verify_chunked(request: &[u8], wire: &[u8], sizes: &[usize]) -> (bool, Vec<u8>) {
    let address = Address::parse(support::TEST_ADDRESS).unwrap();
    let mut v = StreamVerifier::new(request, Some(address));
    let mut out = Vec::new();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        out.extend(v.update(&rest[..n]).unwrap());
        rest = &rest[n..];
        i += 1;
    }
    let verdict = v.finish().unwrap();
    out.extend(v.tail());
    (verdict.verified, out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_verified_stream_delivers_exactly_the_signed_data(
        payloads in prop::collection::vec(payload(), 0..5),
        crlf in any::<bool>(),
        at in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 0..4),
        sizes in prop::collection::vec(1usize..64, 1..4),
    ) {
        let request = support::request_of_size(120, true);
        let (genuine, hashed) = signed_wire(&request, &payloads, crlf, at);
        let mut wire = genuine.clone();
        for m in &mutations {
            wire = apply(&wire, m);
        }
        let (verified, delivered) = verify_chunked(&request, &wire, &sizes);
        let events = whatwg_parse(&delivered);
        // What a consumer may see: the signed payloads as the consumer reads lines (a trailing
        // CR of a CRLF upstream is part of the line end).
        let signed: Vec<String> = hashed.iter().map(|p| p.strip_suffix('\r').unwrap_or(p).to_string()).collect();

        // Verified or not, every delivered event is a plain message carrying one line.
        for (t, data) in &events {
            prop_assert_eq!(t, "message");
            prop_assert!(!data.contains('\n'), "a delivered event joins lines: {:?}", data);
        }
        if verified {
            let mut want: Vec<Event> = signed.iter().map(|s| ("message".to_string(), s.clone())).collect();
            want.push(("message".into(), "[DONE]".into()));
            prop_assert_eq!(&events, &want, "wire {:?}", String::from_utf8_lossy(&wire));
        } else {
            prop_assert!(!events.iter().any(|(_, d)| d.starts_with("[DONE]")), "[DONE] delivered for an unverified stream");
        }
        // A genuine stream verifies whatever the splice point, chunking and line ends — and
        // after a CRLF re-encoding of the whole wire (unless the agent's own payloads carry CRs).
        let reencodings = mutations.iter().filter(|m| matches!(m, Mutation::Crlf)).count();
        let harmless = reencodings == mutations.len() && reencodings <= 1;
        let clean = !hashed.iter().any(|p| p.trim_end_matches('\r').contains('\r'));
        let reencoded_crlf_upstream = crlf && mutations.iter().any(|m| matches!(m, Mutation::Crlf));
        if harmless && clean && !reencoded_crlf_upstream {
            prop_assert!(verified, "a genuine stream did not verify: {:?}", String::from_utf8_lossy(&wire));
        }
    }
}

#[test]
fn the_parser_is_the_standard_one() {
    assert_eq!(
        whatwg_parse(
            b"\xEF\xBB\xBFdata:a\r\ndata:  b\rdata\r\r: c\nevent: x\ndata: y\n\nid: 1\ndata: z"
        ),
        vec![
            ("message".to_string(), "a\n b\n".to_string()),
            ("x".to_string(), "y".to_string()),
        ]
    );
}
