//! Paired, interleaved timing of `verify_response` against bare signer recovery.
//!
//! Criterion measures one benchmark after the other, so on a shared machine whose speed drifts
//! the ratio of two criterion medians can be off by 10–20 %. Here both calls alternate in one
//! loop and the ratio of their medians is reported, which is what the README quotes.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Instant;

use ccverify::eth::{RecoverableSignature, eip191_hash};
use ccverify::{Address, verify_response, verify_stream};

fn median(mut v: Vec<u128>) -> f64 {
    v.sort_unstable();
    v[v.len() / 2] as f64 / 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    let backend = if cfg!(feature = "libsecp256k1") {
        "libsecp256k1"
    } else {
        "k256"
    };
    let key = support::key();
    let expected = Address::parse(support::TEST_ADDRESS).unwrap();
    let request = support::request_of_size(1024, false);
    let response = support::response_of_size(4096);
    let headers = support::signed_headers(&key, &request, &response);
    let signature = RecoverableSignature::parse_hex(&headers[1].1).unwrap();
    let stream_request = support::request_of_size(1024, true);
    let stream = support::signed_stream(&key, &stream_request, &support::upstream_lines(200));

    let rounds = 4000;
    let (mut bare, mut full, mut streamed) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        let t = Instant::now();
        black_box(
            signature
                .recover_address(&eip191_hash(headers[0].1.as_bytes()))
                .unwrap(),
        );
        bare.push(t.elapsed().as_nanos());
        let t = Instant::now();
        assert!(
            black_box(verify_response(
                &request,
                &response,
                &headers,
                Some(&expected)
            ))
            .verified
        );
        full.push(t.elapsed().as_nanos());
        if i % 4 == 0 {
            let t = Instant::now();
            assert!(black_box(verify_stream(&stream_request, &stream, Some(&expected))).verified);
            streamed.push(t.elapsed().as_nanos());
        }
    }
    let (bare, full, streamed) = (median(bare), median(full), median(streamed));
    println!(
        "backend {backend}: bare recovery {bare:.1} us, verify_response (1 KB + 4 KB) {full:.1} us, ratio {:.2}x",
        full / bare
    );
    println!(
        "backend {backend}: verify_stream (200 chunks, {} bytes) {streamed:.1} us, ratio {:.2}x",
        stream.len(),
        streamed / bare
    );
}
