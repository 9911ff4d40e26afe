//! Runs the shared conformance vectors in `tests/vectors/` (written by the independent Python
//! generator in `tests/vectors/gen/`) against the Rust API. Every binding runs the same files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ccverify::exchange::canonicalize_request;
use ccverify::{Address, Nonce, StreamVerifier, Verdict, verify_response, verify_stream};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

fn exchange_cases() -> Vec<Value> {
    let mut paths: Vec<_> = std::fs::read_dir(vectors_dir().join("exchange"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 40,
        "expected the full exchange vector set, found {}",
        paths.len()
    );
    paths.iter().map(|p| load(p)).collect()
}

fn run_case(case: &Value) -> Verdict {
    let request = b64(&case["request_b64"]);
    let expected = case["expected_address"]
        .as_str()
        .map(|a| Address::parse(a).unwrap());
    match case["kind"].as_str().unwrap() {
        "response" => {
            let headers: Vec<(String, String)> = case["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            verify_response(
                &request,
                &b64(&case["response_b64"]),
                &headers,
                expected.as_ref(),
            )
        }
        "stream" => verify_stream(&request, &b64(&case["stream_b64"]), expected.as_ref()),
        other => panic!("unknown kind {other}"),
    }
}

fn assert_matches(case: &Value, verdict: &Verdict) {
    let id = case["id"].as_str().unwrap();
    let expect = &case["expect"];
    let checks = expect["checks"].as_object().unwrap();
    assert_eq!(
        verdict.checks.len(),
        checks.len(),
        "{id}: check count\n{verdict:#?}"
    );
    for (check_id, status) in checks {
        let got = verdict
            .check(check_id)
            .unwrap_or_else(|| panic!("{id}: missing check {check_id}"));
        assert_eq!(
            got.status.as_str(),
            status.as_str().unwrap(),
            "{id}: {check_id}: {}",
            got.detail
        );
    }
    assert_eq!(
        verdict.verified,
        expect["verified"].as_bool().unwrap(),
        "{id}: verified"
    );
    assert_eq!(
        verdict.signer.map(|s| s.to_string()),
        expect["signer"].as_str().map(String::from),
        "{id}: signer"
    );
    for fact in ["request_hash", "response_hash"] {
        assert_eq!(
            verdict.facts.get(fact).map(String::as_str),
            expect[fact].as_str(),
            "{id}: {fact}"
        );
    }
}

#[test]
fn exchange_vectors() {
    for case in exchange_cases() {
        assert_matches(&case, &run_case(&case));
    }
}

/// Splits `data` at pseudo-random points derived from `seed` (xorshift, deterministic).
fn random_chunks(data: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut state = seed | 1;
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let n = (state % 23) as usize + 1;
        let (a, b) = rest.split_at(n.min(rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

#[test]
fn stream_verifier_agrees_with_verify_stream_for_any_chunking() {
    for case in exchange_cases().iter().filter(|c| c["kind"] == "stream") {
        let id = case["id"].as_str().unwrap();
        let request = b64(&case["request_b64"]);
        let stream = b64(&case["stream_b64"]);
        let expected = case["expected_address"]
            .as_str()
            .map(|a| Address::parse(a).unwrap());
        let whole = verify_stream(&request, &stream, expected.as_ref());
        let mut splits: Vec<Vec<&[u8]>> = vec![
            stream.chunks(1).collect(),
            stream.chunks(2).collect(),
            stream.chunks(17).collect(),
        ];
        splits.extend((1..6).map(|seed| random_chunks(&stream, seed)));
        let delivered = b64(&case["expect"]["delivered_b64"]);
        for chunks in splits {
            let mut v = StreamVerifier::new(&request, expected);
            let mut out = Vec::new();
            for chunk in &chunks {
                out.extend(v.update(chunk).unwrap());
            }
            assert_eq!(v.finish().unwrap(), whole, "{id}: chunked verdict differs");
            out.extend(v.tail());
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&delivered),
                "{id}: delivered bytes differ"
            );
        }
    }
}

#[test]
fn canonical_request_oracle() {
    let doc = load(&vectors_dir().join("canonical/requests.json"));
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let ours = canonicalize_request(&b64(&case["body_b64"]));
        match case["canonical"].as_str() {
            Some(want) => {
                let got =
                    ours.unwrap_or_else(|e| panic!("{id}: agent accepts it, we refused: {e}"));
                assert_eq!(got.json, want, "{id}");
                assert_eq!(got.hash_hex(), case["sha256"].as_str().unwrap(), "{id}");
            }
            None => assert!(
                ours.is_err(),
                "{id}: agent refuses ({}), we produced {:?}",
                case["rejected"],
                ours
            ),
        }
    }
}

#[test]
fn nonce_oracle() {
    let doc = load(&vectors_dir().join("nonce.json"));
    for case in doc["cases"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        let ours = Nonce::normalize(input);
        match case["normalized"].as_str() {
            // The client refuses nonces that carry no freshness even where the agent accepts them.
            Some(hex) if hex.bytes().all(|b| b == b'0') => assert!(ours.is_err(), "{input:?}"),
            Some(hex) => assert_eq!(ours.unwrap().to_hex(), hex, "{input:?}"),
            None => {
                let err = ours.expect_err(input);
                assert_eq!(err.kind(), ccverify::ErrorKind::InvalidNonce, "{input:?}");
            }
        }
    }
}

#[test]
fn eth_oracle() {
    let doc = load(&vectors_dir().join("eth.json"));
    for case in doc["addresses"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        match Address::parse(input) {
            Ok(a) => {
                assert!(
                    case["valid"].as_bool().unwrap(),
                    "{input:?} should be refused"
                );
                assert_eq!(
                    a.to_string(),
                    case["checksummed"].as_str().unwrap(),
                    "{input:?}"
                );
            }
            Err(e) => assert!(!case["valid"].as_bool().unwrap(), "{input:?}: {e}"),
        }
    }
    for case in doc["personal_hashes"].as_array().unwrap() {
        let msg = case["message_utf8"].as_str().unwrap();
        assert_eq!(
            hex::encode(ccverify::eth::eip191_hash(msg.as_bytes())),
            case["eip191_keccak"].as_str().unwrap()
        );
    }
}
