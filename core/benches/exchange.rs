//! Criterion benches for signed-exchange verification.
//!
//! Compares `verify_response` (1 KB request, 4 KB response) with bare signer recovery, the
//! step that dominates it, and measures `verify_stream` over 200 chunks and the batch API.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use ccverify::eth::{RecoverableSignature, eip191_hash};
use ccverify::exchange::{ResponseItem, verify_responses_batch};
use ccverify::{Address, StreamVerifier, verify_response, verify_stream};
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let key = support::key();
    let expected = Address::parse(support::TEST_ADDRESS).unwrap();
    let request = support::request_of_size(1024, false);
    let response = support::response_of_size(4096);
    let headers = support::signed_headers(&key, &request, &response);
    assert!(verify_response(&request, &response, &headers, Some(&expected)).verified);
    dump_inputs(&request, &response, &headers);

    let text = headers[0].1.clone();
    let signature = RecoverableSignature::parse_hex(&headers[1].1).unwrap();
    c.bench_function("recover_signer_bare", |b| {
        b.iter(|| {
            signature
                .recover_address(black_box(&eip191_hash(text.as_bytes())))
                .unwrap()
        })
    });
    c.bench_function("verify_response_1k_4k", |b| {
        b.iter(|| {
            verify_response(
                black_box(&request),
                black_box(&response),
                &headers,
                Some(&expected),
            )
        })
    });

    let stream_request = support::request_of_size(1024, true);
    let lines = support::upstream_lines(200);
    let stream = support::signed_stream(&key, &stream_request, &lines);
    assert!(verify_stream(&stream_request, &stream, Some(&expected)).verified);
    c.bench_function("verify_stream_200_chunks", |b| {
        b.iter(|| {
            verify_stream(
                black_box(&stream_request),
                black_box(&stream),
                Some(&expected),
            )
        })
    });
    let chunk_size = stream.len() / 200 + 1;
    c.bench_function("stream_verifier_200_updates", |b| {
        b.iter(|| {
            let mut v = StreamVerifier::new(&stream_request, Some(expected));
            for chunk in stream.chunks(chunk_size) {
                v.update(black_box(chunk)).unwrap();
            }
            v.finish().unwrap()
        })
    });

    let items: Vec<ResponseItem<'_>> = (0..64)
        .map(|_| ResponseItem {
            request: &request,
            response: &response,
            headers: &headers,
            expected_address: Some(expected),
        })
        .collect();
    c.bench_function("verify_responses_batch_64", |b| {
        b.iter(|| verify_responses_batch(black_box(&items)))
    });
}

/// Writes the plain-response inputs for `bench/python_baseline.py`, so both sides time the
/// same bytes.
fn dump_inputs(request: &[u8], response: &[u8], headers: &[(String, String)]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-inputs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("request.json"), request).unwrap();
    std::fs::write(dir.join("response.json"), response).unwrap();
    let map: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    std::fs::write(
        dir.join("headers.json"),
        serde_json::Value::Object(map).to_string(),
    )
    .unwrap();
}

criterion_group!(exchange, benches);
criterion_main!(exchange);
