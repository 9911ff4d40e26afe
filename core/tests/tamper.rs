//! Property tests: a single-byte change to anything the agent's signature covers makes
//! verification fail. What the signature does not cover is stated precisely: JSON whitespace
//! outside strings (plain responses), and SSE lines that are not `data: ` payloads (`[DONE]`,
//! blank separators, comments) plus the formatting of the signature event itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

use std::ops::Range;

use ccverify::{Address, verify_response, verify_stream};
use proptest::prelude::*;

fn expected() -> Address {
    Address::parse(support::TEST_ADDRESS).unwrap()
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

struct Plain {
    request: Vec<u8>,
    response: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn plain() -> Plain {
    let request = support::request_of_size(300, false);
    let response = support::response_of_size(600);
    let headers = support::signed_headers(&support::key(), &request, &response);
    Plain {
        request,
        response,
        headers,
    }
}

/// Byte ranges of `stream` that the signature covers: every hashed `data: ` line with its
/// newline, and the values of `text` and `signature` in the event.
fn covered_ranges(stream: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in stream.iter().enumerate() {
        if b == b'\n' {
            let line = &stream[start..i];
            if line.starts_with(b"data: {\"id\"") {
                out.push(start..i + 1);
            }
            if line.starts_with(b"data: {\"text\"") {
                let text = std::str::from_utf8(line).unwrap();
                for key in ["\"text\": \"", "\"signature\": \""] {
                    let v = text.find(key).unwrap() + key.len();
                    let end = v + text[v..].find('"').unwrap();
                    out.push(start + v..start + end);
                }
            }
            start = i + 1;
        }
    }
    out
}

/// Whether `pos` lies inside the value of the event's `signature` field.
fn in_signature(stream: &[u8], pos: usize) -> bool {
    covered_ranges(stream)
        .get(6)
        .is_some_and(|r| r.contains(&pos))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn plain_response_byte_flip(pos in 0usize..10_000, byte in any::<u8>()) {
        let p = plain();
        let pos = pos % p.response.len();
        prop_assume!(p.response[pos] != byte);
        let mut tampered = p.response.clone();
        tampered[pos] = byte;
        let verdict = verify_response(&p.request, &tampered, &p.headers, Some(&expected()));
        if verdict.verified {
            // Only swapping one JSON whitespace byte for another leaves the signed form intact.
            prop_assert!(is_ws(p.response[pos]) && is_ws(byte), "byte {pos}: {:?}", verdict);
        }
    }

    #[test]
    fn plain_request_byte_flip(pos in 0usize..10_000, byte in any::<u8>()) {
        let p = plain();
        let pos = pos % p.request.len();
        prop_assume!(p.request[pos] != byte);
        let mut tampered = p.request.clone();
        tampered[pos] = byte;
        let verdict = verify_response(&tampered, &p.response, &p.headers, Some(&expected()));
        if verdict.verified {
            prop_assert!(is_ws(p.request[pos]) && is_ws(byte), "byte {pos}: {:?}", verdict);
        }
    }

    #[test]
    fn stream_byte_flip_in_signed_content(pick in 0usize..100_000, byte in any::<u8>()) {
        let request = support::request_of_size(200, true);
        let stream = support::signed_stream(&support::key(), &request, &support::upstream_lines(5));
        let positions: Vec<usize> = covered_ranges(&stream).into_iter().flatten().collect();
        let pos = positions[pick % positions.len()];
        prop_assume!(stream[pos] != byte);
        // Hex is case-insensitive: `F` for `f` in the signature is the same signature.
        prop_assume!(!(stream[pos].is_ascii_hexdigit() && stream[pos].eq_ignore_ascii_case(&byte) && in_signature(&stream, pos)));
        let mut tampered = stream.clone();
        tampered[pos] = byte;
        let verdict = verify_stream(&request, &tampered, Some(&expected()));
        prop_assert!(!verdict.verified, "byte {pos} changed {:?} -> {:?} still verifies", stream[pos] as char, byte as char);
    }

    #[test]
    fn stream_any_byte_flip_outside_covered_content_is_harmless_or_fails(pos in 0usize..100_000, byte in any::<u8>()) {
        let request = support::request_of_size(200, true);
        let stream = support::signed_stream(&support::key(), &request, &support::upstream_lines(5));
        let pos = pos % stream.len();
        prop_assume!(stream[pos] != byte);
        let mut tampered = stream.clone();
        tampered[pos] = byte;
        let verdict = verify_stream(&request, &tampered, Some(&expected()));
        if verdict.verified {
            let covered = covered_ranges(&stream).iter().any(|r| r.contains(&pos));
            // Hex is case-insensitive: `F` for `f` in the signature is the same signature.
            let case_flip = in_signature(&stream, pos) && stream[pos].eq_ignore_ascii_case(&byte);
            prop_assert!(!covered || case_flip, "byte {pos} is covered yet the change verifies");
        }
    }
}

#[test]
fn untampered_inputs_verify() {
    let p = plain();
    assert!(verify_response(&p.request, &p.response, &p.headers, Some(&expected())).verified);
    let request = support::request_of_size(200, true);
    let stream = support::signed_stream(&support::key(), &request, &support::upstream_lines(5));
    assert!(verify_stream(&request, &stream, Some(&expected())).verified);
    assert_eq!(covered_ranges(&stream).len(), 7);
}

#[test]
fn done_line_is_not_covered_by_the_agent_signature() {
    // A protocol fact users should know: the agent hashes only `data: ` payloads, so a relay
    // can rewrite `data: [DONE]` into another non-data line without breaking the signature.
    let request = support::request_of_size(200, true);
    let stream = support::signed_stream(&support::key(), &request, &support::upstream_lines(2));
    let tampered = String::from_utf8(stream)
        .unwrap()
        .replace("data: [DONE]", "dxta: [DONE]");
    assert!(verify_stream(&request, tampered.as_bytes(), Some(&expected())).verified);
}
