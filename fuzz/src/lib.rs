//! The fuzz targets of ccverify: one function per entry point that takes untrusted bytes, each
//! with the oracles that can say more than "did not panic".
//!
//! `fuzz/libfuzzer/fuzz_targets/<name>.rs` hands libFuzzer's input to [`run`]`("<name>", data)`, and
//! `tests/regressions.rs` runs every committed seed (`fuzz/seeds/<name>/`) and every past
//! finding (`fuzz/regressions/<name>/`) through the same function on stable Rust, so a fixed
//! defect stays fixed in plain `cargo test`. A target panics when an oracle fails: that is the
//! finding.
//!
//! Structured targets (several byte strings) read their input as [`fields`]: each field but the
//! last is a 4-byte big-endian length and its bytes, the last is the rest, so any byte string is
//! a valid input, seeds are easy to write (`fuzz/seeds.py`) and the fuzzer's mutations reach
//! every field.
//!
//! Verification time is fixed ([`AT`]) so that a finding replays identically.

// A failed oracle is a panic: that is how libFuzzer (and the stable replay) see a finding.
#![allow(
    clippy::panic,
    reason = "a panic is a fuzz target's way to report a finding"
)]

use std::sync::Arc;

use ccverify::bundle::{BundleOptions, BundlePolicy, BundleTime};
use ccverify::exchange::{ResponseItem, StreamVerifier};
use ccverify::gpu::report::AttestationReport;
use ccverify::gpu::roots::TrustAnchors;
use ccverify::pyjson;
use ccverify::report::ReportOptions;
use ccverify::time::Time;
use ccverify::x509::{Certificate, LeafUse};
use ccverify::{Address, CheckStatus, Nonce, Verdict};
use sha2::{Digest, Sha256};

mod sse;

/// The verification time of every target: 2025-06-20T06:13:20Z, inside the windows of the
/// real evidence in `tests/vectors`.
pub const AT: i64 = 1_750_400_000;

/// The verification time of the NRAS target: that of `tests/vectors/gpu/nras` (2024-06-01).
pub const NRAS_AT: i64 = 1_717_200_000;

/// The nonce of the real attestation in `tests/vectors/report` (its GPU report holds it).
pub const NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

/// A fuzz target: panics when an oracle fails on `data`.
pub type Target = fn(&[u8]);

/// Every target, by name (the file names under `fuzz/libfuzzer/fuzz_targets/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("pyjson", pyjson),
    ("request", request),
    ("response", response),
    ("stream", stream),
    ("spdm", spdm),
    ("x509", x509),
    ("xml", xml),
    ("rim", rim),
    ("ocsp", ocsp),
    ("nras", nras),
    ("tdx", tdx),
    ("report", report),
    ("policy", policy),
    ("bundle", bundle),
    ("audit", audit),
    ("nonce", nonce),
    ("address", address),
    ("verdict", verdict),
    ("http", http),
];

/// Runs the target `name` on `data`. Panics on an unknown name.
pub fn run(name: &str, data: &[u8]) {
    match TARGETS.iter().find(|(n, _)| *n == name) {
        Some((_, target)) => target(data),
        None => panic!("no fuzz target {name}"),
    }
}

/// Splits `data` into `n` fields: `n - 1` length-prefixed ones (4-byte big-endian length, then
/// the bytes; a length past the end takes what is left) and the rest. Missing fields are empty.
pub fn fields(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    for _ in 1..n {
        let Some((len, tail)) = rest.split_first_chunk::<4>() else {
            out.push(&rest[..0]);
            rest = &rest[rest.len()..];
            continue;
        };
        let len = (u32::from_be_bytes(*len) as usize).min(tail.len());
        out.push(&tail[..len]);
        rest = &tail[len..];
    }
    out.push(rest);
    out
}

/// The inverse of [`fields`], for writing seeds and regression inputs.
pub fn join_fields(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some((last, init)) = parts.split_last() {
        for part in init {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(part);
        }
        out.extend_from_slice(last);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CPython-compatible JSON

/// The CPython-JSON reader and writer: whatever it accepts, its writer's output reads back to
/// the same value; `validate` agrees with `parse`; and on every input `serde_json` also
/// accepts, both read the same value.
pub fn pyjson(data: &[u8]) {
    let parsed = pyjson::parse(data);
    assert_eq!(
        parsed.is_ok(),
        pyjson::validate(data).is_ok(),
        "parse and validate disagree"
    );
    let Ok(value) = parsed else {
        return;
    };
    for write in [pyjson::write_compact, pyjson::write_default] {
        let mut out = Vec::new();
        write(&mut out, &value);
        match pyjson::parse(&out) {
            Ok(again) => {
                // CPython's own round trip joins a high and a low surrogate that were separate
                // code points (`surrogatepass` bytes) into one: `\ud800\udc00` reads back as
                // U+10000. Elsewhere the value survives; and the writer's output is always a
                // fixed point.
                assert!(
                    same_py(&value, &again) || has_surrogate_pair(&value),
                    "write-then-read changed the value: {value:?} -> {}",
                    String::from_utf8_lossy(&out)
                );
                let mut twice = Vec::new();
                write(&mut twice, &again);
                assert_eq!(
                    String::from_utf8_lossy(&twice),
                    String::from_utf8_lossy(&out),
                    "the writer's output is not a fixed point"
                );
            }
            Err(e) => panic!(
                "the writer's output does not read back ({e}): {}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
    if let Ok(serde) = serde_json::from_slice::<serde_json::Value>(data) {
        assert!(
            agrees_with_serde(&value, &serde),
            "pyjson {value:?} and serde_json {serde} differ"
        );
    }
    // CPython reads a float correctly rounded, as Rust's `f64::from_str` does (serde_json's
    // default reader only nearly: see `close`). Exact for an input that is one number.
    if let pyjson::Value::Float(f) = &value
        && let Ok(text) = std::str::from_utf8(data)
    {
        let token = text.trim_matches([' ', '\t', '\n', '\r']);
        if let Ok(exact) = token.parse::<f64>()
            && !(f.is_nan() && exact.is_nan())
        {
            assert_eq!(
                f.to_bits(),
                exact.to_bits(),
                "{token} reads as {f:?}, not the correctly rounded {exact:?}"
            );
        }
    }
}

/// Whether a string of `value` holds a high surrogate code point followed by a low one (each
/// as its own generalized-UTF-8 sequence), which any JSON round trip joins into one character.
fn has_surrogate_pair(value: &pyjson::Value) -> bool {
    use pyjson::Value as V;
    let split = |s: &[u8]| {
        s.windows(6).any(|w| {
            w[0] == 0xED
                && (0xA0..=0xAF).contains(&w[1])
                && w[3] == 0xED
                && (0xB0..=0xBF).contains(&w[4])
        })
    };
    match value {
        V::Str(s) => split(s),
        V::Array(items) => items.iter().any(has_surrogate_pair),
        V::Object(o) => o.iter().any(|(k, v)| split(k) || has_surrogate_pair(v)),
        _ => false,
    }
}

/// Equality of CPython values where a NaN equals a NaN (Python's `float('nan')` round-trips).
fn same_py(a: &pyjson::Value, b: &pyjson::Value) -> bool {
    use pyjson::Value as V;
    match (a, b) {
        (V::Float(x), V::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (V::Array(x), V::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_py(p, q))
        }
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same_py(v1, v2))
        }
        _ => a == b,
    }
}

/// Whether a CPython value and a `serde_json` value are the same JSON value (objects compared
/// as maps: `serde_json` keeps the last of duplicate keys, like CPython).
fn agrees_with_serde(py: &pyjson::Value, serde: &serde_json::Value) -> bool {
    use pyjson::Value as V;
    use serde_json::Value as S;
    match (py, serde) {
        (V::Null, S::Null) => true,
        (V::Bool(a), S::Bool(b)) => a == b,
        (V::Int(text), S::Number(n)) => {
            if let Some(i) = n.as_i64() {
                text == &i.to_string()
            } else if let Some(u) = n.as_u64() {
                text == &u.to_string()
            } else {
                // serde_json reads `-0` (CPython: the int 0) and integers beyond 64 bits as
                // floats.
                let f = n.as_f64().unwrap_or(f64::NAN);
                (text == "0" && f == 0.0)
                    || (text.len() > 18 && text.parse::<f64>().is_ok_and(|t| close(t, f)))
            }
        }
        (V::Float(a), S::Number(n)) => n.as_f64().is_some_and(|b| close(*a, b)),
        (V::Str(a), S::String(b)) => a == b.as_bytes(),
        (V::Array(a), S::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| agrees_with_serde(x, y))
        }
        (V::Object(a), S::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, v)| {
                    std::str::from_utf8(k)
                        .ok()
                        .and_then(|k| b.get(k))
                        .is_some_and(|w| agrees_with_serde(v, w))
                })
        }
        _ => false,
    }
}

/// Float equality up to a few units in the last place: serde_json's default reader is not
/// correctly rounded (one rounding of the significand, one of the power of ten, another past
/// 1e-308: seen 2 ULPs off at 1e-165, `fuzz/regressions/pyjson/serde-two-ulps-off`), CPython's
/// is — and `pyjson` checks that exactly on single numbers.
fn close(a: f64, b: f64) -> bool {
    const ULPS: u64 = 4;
    a == b
        || (a.is_sign_negative() == b.is_sign_negative()
            && a.is_finite()
            && b.is_finite()
            && a.to_bits().abs_diff(b.to_bits()) <= ULPS)
}

// ---------------------------------------------------------------------------------------------
// Signed exchanges

/// Request canonicalisation (the bytes the agent hashes): canonicalising the canonical form
/// changes nothing — except that a request without `stream` (the agent drops a `null` one) gets
/// the `"stream": false` the agent adds, and from then on nothing changes — and
/// `request_streams` agrees with it.
pub fn request(data: &[u8]) {
    let canon = ccverify::exchange::canonicalize_request;
    let Ok(canonical) = canon(data) else {
        return;
    };
    assert_eq!(ccverify::request_streams(data), canonical.stream);
    let again = match canon(canonical.json.as_bytes()) {
        Ok(again) => again,
        Err(e) => panic!("the canonical form is refused: {e}: {}", canonical.json),
    };
    assert_eq!(again.stream, canonical.stream);
    if again.json == canonical.json {
        return;
    }
    let entries = |json: &str| match pyjson::parse(json.as_bytes()) {
        Ok(pyjson::Value::Object(o)) => o.into_entries(),
        other => panic!("a canonical request is not an object: {other:?}"),
    };
    let (first, mut second) = (entries(&canonical.json), entries(&again.json));
    let stream = second.iter().position(|(k, _)| k == b"stream");
    let added = stream.map(|i| second.remove(i));
    assert!(
        first.iter().all(|(k, _)| k != b"stream")
            && added.is_some_and(|(_, v)| v == pyjson::Value::Bool(false))
            && first.len() == second.len()
            && first
                .iter()
                .all(|(k, v)| second.iter().any(|(k2, w)| k == k2 && same_py(v, w))),
        "canonicalisation is not idempotent: {} -> {}",
        canonical.json,
        again.json
    );
    match canon(again.json.as_bytes()) {
        Ok(third) => assert_eq!(third.json, again.json, "canonicalisation is not idempotent"),
        Err(e) => panic!("the canonical form is refused: {e}: {}", again.json),
    }
}

/// `verify_response` on request, response and header bytes: the single and the batch entry
/// points agree, and nothing verifies without the expected signer.
///
/// Input: the request, the response body, the expected address (20 bytes, else none) and the
/// headers, one `name: value` per line.
pub fn response(data: &[u8]) {
    let f = fields(data, 4);
    let (request, body) = (f[0], f[1]);
    let expected: Option<Address> = <[u8; 20]>::try_from(f[2])
        .ok()
        .and_then(|raw| Address::parse(&format!("0x{}", hex::encode(raw))).ok());
    let headers: Vec<(String, String)> = f[3]
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = String::from_utf8_lossy(line);
            let (name, value) = line.split_once(':')?;
            Some((name.to_string(), value.trim_start().to_string()))
        })
        .collect();
    let one = ccverify::verify_response(request, body, &headers, expected.as_ref());
    let batch = ccverify::verify_responses_batch(&[ResponseItem {
        request,
        response: body,
        headers: &headers,
        expected_address: expected,
    }]);
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0], one, "verify_response and the batch disagree");
    let unpinned = ccverify::verify_response(request, body, &headers, None);
    assert!(!unpinned.verified, "verified without an expected signer");
    assert_eq!(Verdict::from_json(&one.to_json()).ok(), Some(one));
}

/// The SSE stream verifier fed in random chunkings: every chunking gives the same verdict and
/// the same delivered bytes as the whole buffer; what it delivers, read by an independent
/// WHATWG SSE parser, is exactly the hashed data (the hash of the events a consumer dispatches
/// is the `response_hash` the verdict reports, whenever `stream.coverage` passes); and an
/// unsigned stream never verifies.
///
/// Input: the request, the stream, and the chunk lengths (one byte each, 0 read as 256; the
/// last chunk is what is left).
pub fn stream(data: &[u8]) {
    stream_checked(data);
}

/// [`stream`], returning whether the consumer-view oracle ran (the coverage check passed and the
/// verdict reported a response hash), so tests can see it is not vacuous.
pub fn stream_checked(data: &[u8]) -> bool {
    let f = fields(data, 3);
    let (request, body) = (f[0], f[1]);
    let mut cuts: Vec<usize> = Vec::new();
    for &step in f[2] {
        let at =
            cuts.last().copied().unwrap_or(0) + if step == 0 { 256 } else { usize::from(step) };
        if at >= body.len() {
            break;
        }
        cuts.push(at);
    }
    let whole = feed(request, body, &[]);
    let chunked = feed(request, body, &cuts);
    assert_eq!(whole.0, chunked.0, "the chunking changed the verdict");
    assert_eq!(
        whole.1, chunked.1,
        "the chunking changed the delivered bytes"
    );
    let reference = ccverify::verify_stream(request, body, None);
    assert_eq!(
        reference, whole.0,
        "verify_stream and StreamVerifier disagree"
    );
    let (verdict, delivered) = whole;
    assert!(!verdict.verified, "verified without an expected signer");
    let coverage = verdict.check("stream.coverage").map(|c| c.status);
    if coverage == Some(CheckStatus::Pass)
        && let Some(signed) = verdict.facts.get("response_hash")
        && !body.contains(&b'\r')
    {
        let events = sse::parse(&delivered);
        let mut h = Sha256::new();
        h.update(b"{\"chunks\":[");
        for (i, event) in events.iter().enumerate() {
            let mut part = Vec::new();
            if i > 0 {
                part.push(b',');
            }
            pyjson::write_str(&mut part, &String::from_utf8_lossy(event));
            h.update(&part);
        }
        h.update(b"]}");
        assert_eq!(
            &hex::encode(h.finalize()),
            signed,
            "a consumer reads {events:?}, which is not what was hashed"
        );
        return true;
    }
    false
}

/// Feeds `body` cut at `cuts`; returns the verdict and everything delivered (tail included).
fn feed(request: &[u8], body: &[u8], cuts: &[usize]) -> (Verdict, Vec<u8>) {
    let mut v = StreamVerifier::new(request, None);
    let mut delivered = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&body.len())) {
        match v.update(&body[start..end]) {
            Ok(out) => delivered.extend_from_slice(&out),
            Err(e) => panic!("update refused a chunk: {e}"),
        }
        start = end;
    }
    let verdict = match v.finish() {
        Ok(verdict) => verdict,
        Err(e) => panic!("finish failed: {e}"),
    };
    delivered.extend_from_slice(&v.tail());
    (verdict, delivered)
}

// ---------------------------------------------------------------------------------------------
// NVIDIA GPU evidence

/// The SPDM measurement-report parser: a parsed report is exactly its signed part followed by
/// its signature, and every claim it extracts can be read.
pub fn spdm(data: &[u8]) {
    let Ok(report) = AttestationReport::parse(data) else {
        return;
    };
    let (signed, signature) = (report.signed_part(), report.signature());
    assert_eq!(report.raw(), data);
    assert_eq!(
        [signed, signature].concat(),
        data,
        "signed part and signature do not make up the report"
    );
    let _ = (
        report.driver_version(),
        report.vbios_version(),
        report.project(),
        report.project_sku(),
        report.chip_sku(),
        report.fwid(),
        report.nvdec0_status(),
        report.protected_pcie_status(),
        report.opaque_data_version(),
        report.feature_flag(),
        report.driver_rim_id(),
        report.vbios_rim_id(),
        report.runtime_measurements(),
    );
    // Parsing is a pure function of the bytes.
    let again = AttestationReport::parse(data).ok();
    assert_eq!(
        again.map(|r| r.runtime_measurements()),
        Some(report.runtime_measurements())
    );

    // Serialise → parse: an independent writer rebuilds the report from the extracted claims
    // plus the framing the parser does not keep; the result must be the original bytes (the
    // parser skipped or altered nothing) and parse to the same claims.
    let frame = SpdmFrame::of(data);
    let written = spdm_write(&report, &frame);
    assert_eq!(
        written, data,
        "re-serialised report differs from the original"
    );
    let reparsed = match AttestationReport::parse(&written) {
        Ok(r) => r,
        Err(e) => panic!("re-serialised report does not parse: {e}"),
    };
    assert_eq!(
        spdm_claims(&reparsed),
        spdm_claims(&report),
        "claims changed in serialise → parse"
    );
}

/// The bytes of an SPDM GET_MEASUREMENTS request + MEASUREMENTS response that the parser reads
/// but does not keep (request Param2 and SlotID, response Param1/Param2) and the signature.
struct SpdmFrame {
    operation: u8,
    slot: u8,
    param1: u8,
    param2: u8,
    signature: Vec<u8>,
    /// The opaque TLV types in report order (the parser keeps them by type).
    opaque_order: Vec<u16>,
}

impl SpdmFrame {
    /// Reads the frame of a report that parsed (so every offset exists).
    fn of(raw: &[u8]) -> Self {
        SpdmFrame {
            operation: raw[3],
            slot: raw[36],
            param1: raw[39],
            param2: raw[40],
            signature: raw[raw.len() - ccverify::gpu::report::SIGNATURE_LEN..].to_vec(),
            opaque_order: opaque_types(raw),
        }
    }
}

/// The opaque TLV types of `raw` (a report that parsed) in order, walked from the raw bytes:
/// the list starts after the request (37 bytes), the response header (8), the measurement
/// record, the responder nonce (32) and the 2-byte OpaqueLength.
fn opaque_types(raw: &[u8]) -> Vec<u16> {
    let record_len = usize::from(raw[42]) | usize::from(raw[43]) << 8 | usize::from(raw[44]) << 16;
    let mut at = 45 + record_len + 32 + 2;
    let end = raw.len() - ccverify::gpu::report::SIGNATURE_LEN;
    let mut types = Vec::new();
    while at + 4 <= end {
        types.push(u16::from_le_bytes([raw[at], raw[at + 1]]));
        at += 4 + usize::from(u16::from_le_bytes([raw[at + 2], raw[at + 3]]));
    }
    types
}

/// An SPDM 1.1 measurement report written from parsed claims (DMTF DSP0274 §10.11 layout:
/// the 37-byte request, then the response with its measurement record, responder nonce,
/// opaque data as NVIDIA's type/length/value list in the frame's order, and the signature).
/// Independent of the parser.
fn spdm_write(report: &AttestationReport, frame: &SpdmFrame) -> Vec<u8> {
    use ccverify::gpu::report::{GET_MEASUREMENTS, MEASUREMENTS, SPDM_VERSION_11};
    let mut out = vec![
        SPDM_VERSION_11,
        GET_MEASUREMENTS,
        report.request_attributes,
        frame.operation,
    ];
    out.extend_from_slice(&report.request_nonce);
    out.push(frame.slot);
    let mut record = Vec::new();
    for block in &report.blocks {
        let value_len = u16::try_from(block.value.len()).unwrap_or(u16::MAX);
        record.push(block.index);
        record.push(0x01); // DMTF measurement specification
        record.extend_from_slice(&(value_len.saturating_add(3)).to_le_bytes());
        record.push(block.value_type);
        record.extend_from_slice(&value_len.to_le_bytes());
        record.extend_from_slice(&block.value);
    }
    out.extend_from_slice(&[SPDM_VERSION_11, MEASUREMENTS, frame.param1, frame.param2]);
    out.push(u8::try_from(report.blocks.len()).unwrap_or(u8::MAX));
    let record_len = u32::try_from(record.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    out.extend_from_slice(&record_len[..3]);
    out.extend_from_slice(&record);
    out.extend_from_slice(&report.responder_nonce);
    let mut opaque = Vec::new();
    let unordered = report
        .opaque
        .keys()
        .filter(|t| !frame.opaque_order.contains(t));
    for t in frame.opaque_order.iter().chain(unordered) {
        let Some(v) = report.opaque.get(t) else {
            continue;
        };
        opaque.extend_from_slice(&t.to_le_bytes());
        opaque.extend_from_slice(&u16::try_from(v.len()).unwrap_or(u16::MAX).to_le_bytes());
        opaque.extend_from_slice(v);
    }
    out.extend_from_slice(
        &u16::try_from(opaque.len())
            .unwrap_or(u16::MAX)
            .to_le_bytes(),
    );
    out.extend_from_slice(&opaque);
    out.extend_from_slice(&frame.signature);
    out
}

/// Every claim a verifier reads from a report, for comparison.
fn spdm_claims(r: &AttestationReport) -> impl PartialEq + std::fmt::Debug {
    (
        (
            r.request_nonce,
            r.request_attributes,
            r.responder_nonce,
            r.blocks.clone(),
            r.opaque.clone(),
        ),
        (
            r.driver_version(),
            r.vbios_version(),
            r.project(),
            r.project_sku(),
            r.chip_sku(),
            r.fwid().map(<[u8]>::to_vec),
            r.nvdec0_status(),
            r.protected_pcie_status(),
        ),
        (
            r.opaque_data_version(),
            r.feature_flag(),
            r.driver_rim_id(),
            r.vbios_rim_id(),
            r.runtime_measurements(),
        ),
    )
}

/// X.509: DER certificates (and a PEM bundle) parse or are refused, and chain building to the
/// pinned NVIDIA device root never accepts a chain that does not reach it.
///
/// Input: up to four DER certificates, leaf first (also read whole as a PEM bundle).
pub fn x509(data: &[u8]) {
    let _ = Certificate::from_pem_bundle(data);
    let mut chain = Vec::new();
    for der in fields(data, 4) {
        if let Ok(cert) = Certificate::from_der(der) {
            let _ = (
                cert.display_name(),
                cert.serial_decimal(),
                cert.is_self_issued(),
            );
            chain.push(Arc::new(cert));
        }
    }
    let Some(anchors) = TrustAnchors::nvidia() else {
        panic!("the pinned NVIDIA roots do not load");
    };
    let report = ccverify::x509::validate_chain(&chain, &anchors.device, AT, LeafUse::Any);
    if report.status == ccverify::x509::ChainStatus::Valid {
        let root = report.path.last().map(|c| c.der().to_vec());
        assert_eq!(
            root.as_deref(),
            Some(anchors.device.der()),
            "a valid path that does not end at the pinned root"
        );
    }
}

/// The XML reader and C14N 1.1: parse → canonical write → parse gives the same tree, and
/// canonicalising canonical output changes nothing.
pub fn xml(data: &[u8]) {
    let Ok(doc) = ccverify::xml::parse(data) else {
        return;
    };
    let Ok(canonical) = ccverify::xml::canonicalize(&doc, None) else {
        return;
    };
    match ccverify::xml::parse(&canonical) {
        Ok(again) => match ccverify::xml::canonicalize(&again, None) {
            Ok(_) if !same_tree(&doc.root, &again.root) => panic!(
                "parse → write → parse changed the tree: {:?} became {:?}",
                doc.root, again.root
            ),
            Ok(twice) => assert_eq!(
                String::from_utf8_lossy(&twice),
                String::from_utf8_lossy(&canonical),
                "C14N is not idempotent"
            ),
            Err(e) => panic!("canonical output does not canonicalise: {e}"),
        },
        Err(e) => panic!(
            "canonical output does not parse ({e}): {}",
            String::from_utf8_lossy(&canonical)
        ),
    }
}

/// Whether two elements are the same XML tree: names, prefixes and resolved namespaces,
/// attribute sets (C14N sorts them) and children in order. Namespace declarations may differ
/// (C14N drops superfluous ones); what they resolve to may not.
fn same_tree(a: &ccverify::xml::Element, b: &ccverify::xml::Element) -> bool {
    use ccverify::xml::Node;
    let attrs = |e: &ccverify::xml::Element| {
        let mut v: Vec<_> = e
            .attributes
            .iter()
            .map(|x| {
                (
                    x.namespace.clone(),
                    x.local.clone(),
                    x.prefix.clone(),
                    x.value.clone(),
                )
            })
            .collect();
        v.sort();
        v
    };
    a.prefix == b.prefix
        && a.local == b.local
        && a.namespace == b.namespace
        && attrs(a) == attrs(b)
        && a.children.len() == b.children.len()
        && a.children.iter().zip(&b.children).all(|pair| match pair {
            (Node::Element(x), Node::Element(y)) => same_tree(x, y),
            (Node::Text(x), Node::Text(y)) => x == y,
            _ => false,
        })
}

/// RIM parsing and XML-DSig verification against NVIDIA's pinned RIM root.
pub fn rim(data: &[u8]) {
    let Some(anchors) = TrustAnchors::nvidia() else {
        panic!("the pinned NVIDIA roots do not load");
    };
    let report = ccverify::gpu::rim::verify_rim(data, &anchors.rim, AT);
    let _ = report.is_fully_valid();
}

/// The OCSP response parser.
pub fn ocsp(data: &[u8]) {
    let _ = ccverify::gpu::ocsp::parse_response(data);
}

/// NRAS EAT (JWT) verification: a key set and a token from the input; nothing passes without
/// a signature by a key of the set.
///
/// Input: the JWKS document, the nonce (32 bytes, else zeros) and the detached EAT.
pub fn nras(data: &[u8]) {
    let f = fields(data, 3);
    let Ok(keys) = ccverify::gpu::nras::Jwks::from_json(f[0]) else {
        return;
    };
    let nonce = <[u8; 32]>::try_from(f[1]).unwrap_or([0; 32]);
    let report = ccverify::gpu::nras::verify_eat(f[2], &keys, &nonce, None, NRAS_AT);
    let _ = (report.passed(), report.checks());
}

// ---------------------------------------------------------------------------------------------
// Intel TDX, whole attestations, bundles

/// TDX quote parsing and `verify_tdx` with collateral from the input.
///
/// Input: the quote (hex text or binary) and the collateral JSON.
pub fn tdx(data: &[u8]) {
    let f = fields(data, 2);
    let (quote, collateral) = (f[0], f[1]);
    let _ = ccverify::tdx::decode_quote_input(quote);
    let options = ccverify::tdx::TdxOptions {
        nonce: Some(NONCE.into()),
        at: Some(Time::from_unix(AT)),
        ..ccverify::tdx::TdxOptions::default()
    };
    if let Ok(v) = ccverify::tdx::verify_tdx_with(quote, collateral, &options) {
        assert_eq!(Verdict::from_json(&v.to_json()).ok(), Some(v));
    }
}

/// A whole attestation report (the JSON of `/v1/private/attestation`), offline.
pub fn report(data: &[u8]) {
    let options = ReportOptions {
        nonce: NONCE.into(),
        at: Some(Time::from_unix(AT)),
        ..ReportOptions::default()
    };
    if let Ok(v) = ccverify::report::verify_report(data, &options) {
        assert!(!v.verified, "a report verified without RIMs or collateral");
    }
}

/// Policy TOML/JSON: a policy that parses reads back from its normalised JSON unchanged.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = ccverify::policy::Policy::parse(text) else {
        return;
    };
    let json = policy.to_json();
    match ccverify::policy::Policy::parse(&json) {
        Ok(again) => assert_eq!(
            again, policy,
            "the normalised policy reads back differently"
        ),
        Err(e) => panic!("the normalised policy is refused: {e}: {json}"),
    }
}

/// Bundle JSON, re-verified offline under the caller's policy at the fixed time.
pub fn bundle(data: &[u8]) {
    let options = BundleOptions {
        at: BundleTime::At(Time::from_unix(AT)),
        policy: BundlePolicy::default(),
    };
    let _ = ccverify::bundle::verify_bundle(data, &options);
}

/// One line of an audit log. A record that reads writes back as a line that reads as itself;
/// it verifies without panicking; a verified
/// record recovered exactly the key it was held to; no record verifies against a key that
/// signs nothing (a different address) or without a key; and where the key came from changes
/// only the audit.signer row.
pub fn audit(data: &[u8]) {
    use ccverify::audit::{Key, Record, Signer};
    let Ok(record) = Record::from_json(data) else {
        return;
    };
    // Written back as a log line, it reads as the same record (the form `chat --log` writes).
    // (A line read from JSON holds each header name once, so it always writes.)
    let line = record
        .to_json()
        .unwrap_or_else(|e| panic!("a record read from a line does not write: {e}"));
    match Record::from_json(line.as_bytes()) {
        Ok(again) => assert_eq!(again, record, "the written line reads differently"),
        Err(e) => panic!("the written line does not read back: {e}"),
    }
    let fixed = |text: &str| {
        Address::parse(text).unwrap_or_else(|e| panic!("the fixed address is refused: {e}"))
    };
    let address = match &record.signer {
        Signer::Address(a) => *a,
        Signer::Bundle(_) => fixed("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
    };
    let named = record.verify(Key::Named(&address));
    if named.verified {
        assert_eq!(named.signer, Some(address), "verified by another key");
    }
    let attested = record.verify(Key::Attested(&address));
    assert_eq!(
        named.verified, attested.verified,
        "the key's source changed the verdict"
    );
    assert_eq!(named.checks[1..], attested.checks[1..]);
    // No known private key gives this address.
    let nobody = fixed("0x000000000000000000000000000000000000dEaD");
    if address != nobody {
        assert!(
            !record.verify(Key::Named(&nobody)).verified,
            "verified against a key that signed nothing"
        );
    }
    assert!(
        !record.verify(Key::Unavailable("fuzzing")).verified,
        "verified without a key"
    );
}

// ---------------------------------------------------------------------------------------------
// Small parsers

/// Nonce normalisation: idempotent, and a normalised nonce is 64 lowercase hex digits.
pub fn nonce(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(n) = Nonce::normalize(text) else {
        return;
    };
    let hex = n.to_hex();
    assert!(
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{hex}"
    );
    match Nonce::normalize(&hex) {
        Ok(again) => assert_eq!(again.to_hex(), hex),
        Err(e) => panic!("a normalised nonce is refused: {e}"),
    }
}

/// Address parsing: an accepted address reads back from its EIP-55 form.
pub fn address(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(a) = Address::parse(text) else {
        return;
    };
    match Address::parse(&a.to_checksum()) {
        Ok(again) => assert_eq!(again, a),
        Err(e) => panic!("an EIP-55 address is refused: {e}"),
    }
}

/// Verdict JSON (untrusted stored verdicts): what reads back writes the same JSON again, and
/// never claims more than its checks show.
pub fn verdict(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(v) = Verdict::from_json(text) else {
        return;
    };
    let all_good = !v.checks.is_empty()
        && v.checks
            .iter()
            .all(|c| matches!(c.status, CheckStatus::Pass | CheckStatus::Warn));
    assert_eq!(
        v.verified, all_good,
        "a verdict that contradicts its checks"
    );
    assert_eq!(Verdict::from_json(&v.to_json()).ok(), Some(v));
}

/// The loopback servers' request-head parser (`ccverify_sandbox::http::parse_head`, which the
/// sandbox and `ccverify ui` run on every request before any check): never panics, and what it
/// accepts keeps the rules it promises (token method and header names, a visible-ASCII target
/// starting with `/`, header values without control characters but tab, already trimmed, one
/// `Content-Length`) and parses again to itself when written back out.
pub fn http(data: &[u8]) {
    use ccverify_sandbox::http::parse_head;
    let Ok(req) = parse_head(data) else {
        return;
    };
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    assert!(token(&req.method), "method {:?}", req.method);
    assert!(req.target.starts_with('/') && req.target.bytes().all(|b| b.is_ascii_graphic()));
    assert!(req.target.starts_with(&req.path));
    assert!(req.body.is_empty());
    let mut first_length = None;
    for (name, value) in &req.headers {
        assert!(token(name), "header name {name:?}");
        assert!(!value.bytes().any(|b| b.is_ascii_control() && b != b'\t'));
        assert_eq!(value.trim(), value);
        assert!(!name.eq_ignore_ascii_case("transfer-encoding"));
        if name.eq_ignore_ascii_case("content-length") && first_length.is_none() {
            first_length = Some(value.clone());
        }
    }
    let declared = first_length.map_or(0, |v| {
        v.parse::<u64>()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(usize::MAX)
    });
    assert_eq!(req.content_length, declared);
    let mut again = format!("{} {} HTTP/1.1", req.method, req.target);
    for (name, value) in &req.headers {
        again.push_str(&format!("\r\n{name}: {value}"));
    }
    match parse_head(again.as_bytes()) {
        Ok(second) => assert_eq!(second, req, "written back: {again:?}"),
        // Writing back can only grow the head by the normalised spaces it drops.
        Err(response) => assert_eq!(response.status, 431, "written back: {again:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::same_tree;

    fn root(xml: &str) -> ccverify::xml::Element {
        ccverify::xml::parse(xml.as_bytes())
            .expect("test XML parses")
            .root
    }

    #[test]
    fn the_tree_oracle_tells_trees_apart() {
        let a = root(r#"<a xmlns:p="urn:x" y="1" x="2"><p:b>t</p:b></a>"#);
        // Same tree: attribute order and a superfluous declaration do not matter.
        let same = root(r#"<a xmlns:p="urn:x" x="2" y="1"><p:b xmlns:p="urn:x">t</p:b></a>"#);
        assert!(same_tree(&a, &same));
        for other in [
            r#"<a xmlns:p="urn:y" y="1" x="2"><p:b>t</p:b></a>"#,
            r#"<a xmlns:p="urn:x" y="1" x="3"><p:b>t</p:b></a>"#,
            r#"<a xmlns:p="urn:x" y="1" x="2"><p:b>u</p:b></a>"#,
            r#"<a xmlns:p="urn:x" y="1" x="2"><p:b>t</p:b><c/></a>"#,
            r#"<a xmlns:q="urn:x" y="1" x="2"><q:b>t</q:b></a>"#,
        ] {
            assert!(!same_tree(&a, &root(other)), "{other}");
        }
    }
}
