//! The sandbox over real loopback HTTP: its answers must verify with ccverify's own verifiers,
//! and every injected fault must fail the check it targets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ccverify::verdict::ids;
use ccverify::{CheckStatus, Verdict, verify_response, verify_stream};
use ccverify_sandbox::{
    BUNDLED_GPU_NONCE, Evidence, FAULT_HEADER, SANDBOX_IMAGE_DIGEST, SANDBOX_MODEL_ID,
    SANDBOX_MODEL_NAME, Sandbox, SandboxConfig,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client.

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body, de-chunked.
    body: Vec<u8>,
    /// Number of HTTP chunks when the body was chunked.
    chunks: Vec<Vec<u8>>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

fn raw(sandbox: &Sandbox, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(sandbox.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse_reply(&bytes)
}

fn parse_reply(bytes: &[u8]) -> Reply {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of head");
    let head = std::str::from_utf8(&bytes[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.to_string(), v.trim().to_string())
        })
        .collect();
    let rest = &bytes[end + 4..];
    let mut reply = Reply {
        status,
        headers,
        body: Vec::new(),
        chunks: Vec::new(),
    };
    assert_eq!(reply.header("connection"), Some("close"));
    if reply.header("transfer-encoding") == Some("chunked") {
        let mut rest = rest;
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
            rest = &rest[line_end + 2..];
            if size == 0 {
                assert_eq!(rest, b"\r\n", "chunked body must end with an empty trailer");
                break;
            }
            reply.chunks.push(rest[..size].to_vec());
            reply.body.extend_from_slice(&rest[..size]);
            assert_eq!(&rest[size..size + 2], b"\r\n");
            rest = &rest[size + 2..];
        }
    } else {
        let length: usize = reply.header("content-length").unwrap().parse().unwrap();
        assert_eq!(rest.len(), length);
        reply.body = rest.to_vec();
    }
    reply
}

fn call(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
        sandbox.local_addr(),
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    raw(sandbox, &bytes)
}

fn post(sandbox: &Sandbox, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    call(sandbox, "POST", path, headers, body)
}

fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).unwrap()
}

fn attest(sandbox: &Sandbox, nonce: Value) -> Reply {
    let body = json!({"model_id": SANDBOX_MODEL_ID, "nonce": nonce}).to_string();
    post(sandbox, "/v1/private/attestation", &[], body.as_bytes())
}

fn status(verdict: &Verdict, id: &str) -> CheckStatus {
    verdict
        .check(id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .status
}

fn plain_verdict(sandbox: &Sandbox, request: &[u8], reply: &Reply) -> Verdict {
    verify_response(
        request,
        &reply.body,
        &reply.headers,
        Some(&sandbox.signing_address()),
    )
}

const HELLO: &[u8] = br#"{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"Hello, world!"}],"model":"test-model","temperature":0.7,"max_tokens":100}"#;
const HELLO_STREAM: &[u8] =
    br#"{"messages":[{"role":"user","content":"Hello there, world"}],"stream":true}"#;

// ---------------------------------------------------------------------------------------------

#[test]
fn models_list() {
    let sandbox = start();
    let reply = call(&sandbox, "GET", "/v1/models", &[], b"");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"object": "list", "data": [{"id": SANDBOX_MODEL_NAME, "name": SANDBOX_MODEL_NAME,
            "model_id": SANDBOX_MODEL_ID, "supports_attestation": true}]})
    );
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(
        sandbox.base_url(),
        format!("http://127.0.0.1:{}", sandbox.local_addr().port())
    );
}

#[test]
fn attestation_shape_and_bundled_evidence() {
    let sandbox = start();
    let nonce = "ab".repeat(32);
    let reply = attest(&sandbox, json!(nonce));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let text = reply.text();
    // Compact and in the agent's key order.
    assert!(text.starts_with(&format!("{{\"nonce\":\"{nonce}\",\"cpu\":{{\"quote\":\"")));
    let order: Vec<usize> = [
        "\"cpu\":",
        "\"gpu\":",
        "\"signing_address\":",
        "\"image_digest\":",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(!text.contains(", ") && !text.contains("\": "));

    let v = reply.json();
    let quote = include_str!("../../examples/tdx/quote.hex").trim();
    assert_eq!(v["cpu"]["quote"], json!(quote));
    let mut bundled: Value =
        serde_json::from_str(include_str!("../../examples/gpu/gpu.json")).unwrap();
    assert_eq!(bundled["nonce"], json!(BUNDLED_GPU_NONCE));
    bundled["nonce"] = json!(nonce);
    assert_eq!(
        v["gpu"], bundled,
        "gpu = bundled object with the nonce echo replaced"
    );
    assert_eq!(
        v["signing_address"],
        json!(sandbox.signing_address().to_checksum())
    );
    assert_eq!(v["image_digest"], json!(SANDBOX_IMAGE_DIGEST));

    // The real report carries its own fixed nonce: a fresh nonce can never verify against it.
    let gpu = serde_json::to_vec(&v["gpu"]).unwrap();
    let options = ccverify::gpu::GpuOptions::default();
    let fresh = ccverify::gpu::verify_gpu(&gpu, &nonce, &options).unwrap();
    assert!(!fresh.verified);
    assert_eq!(status(&fresh, ccverify::gpu::ids::NONCE), CheckStatus::Fail);
    let reply = attest(&sandbox, json!(BUNDLED_GPU_NONCE));
    let gpu = serde_json::to_vec(&reply.json()["gpu"]).unwrap();
    let bundled = ccverify::gpu::verify_gpu(&gpu, BUNDLED_GPU_NONCE, &options).unwrap();
    assert_eq!(
        status(&bundled, ccverify::gpu::ids::NONCE),
        CheckStatus::Pass,
        "{}",
        bundled.to_json()
    );
}

#[test]
fn attestation_nonce_normalisation() {
    let sandbox = start();
    let cases = [
        ("0xABCDEF", format!("abcdef{}", "0".repeat(58))),
        ("AB cd", format!("abcd{}", "0".repeat(60))),
        (&*"0X11".repeat(32), "11".repeat(32)),
        ("00", "0".repeat(64)),
    ];
    for (input, expected) in cases {
        let v = attest(&sandbox, json!(input)).json();
        assert_eq!(v["nonce"], json!(expected), "{input:?}");
        assert_eq!(v["gpu"]["nonce"], json!(expected), "{input:?}");
    }
    // Missing, null or empty: the agent substitutes 32 random bytes.
    let mut seen = Vec::new();
    for body in [
        json!({"model_id": SANDBOX_MODEL_ID}),
        json!({"model_id": SANDBOX_MODEL_ID, "nonce": null}),
        json!({"model_id": SANDBOX_MODEL_ID, "nonce": ""}),
    ] {
        let reply = post(
            &sandbox,
            "/v1/private/attestation",
            &[],
            body.to_string().as_bytes(),
        );
        assert_eq!(reply.status, 200);
        let nonce = reply.json()["nonce"].as_str().unwrap().to_string();
        assert_eq!(nonce.len(), 64);
        assert!(
            nonce
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(!seen.contains(&nonce));
        seen.push(nonce);
    }
}

#[test]
fn attestation_errors() {
    let sandbox = start();
    for (input, detail) in [
        ("abc", "Nonce Error: Invalid hex string provided."),
        ("zz", "Nonce Error: Invalid hex string provided."),
        ("café", "Nonce Error: Invalid hex string provided."),
        (
            &*"ab".repeat(33),
            "Nonce Error: Nonce too long. Maximum 32 bytes (64 hex characters) allowed.",
        ),
    ] {
        let reply = attest(&sandbox, json!(input));
        assert_eq!(reply.status, 500, "{input:?}");
        assert_eq!(reply.json(), json!({"detail": detail}), "{input:?}");
    }
    let body = json!({"model_id": "00000000-0000-0000-0000-000000000000", "nonce": "ab"});
    let reply = post(
        &sandbox,
        "/v1/private/attestation",
        &[],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"detail": "model not found"}));
    let reply = post(&sandbox, "/v1/private/attestation", &[], b"not json");
    assert_eq!(reply.status, 422);
}

#[test]
fn auth_401s_when_an_api_key_is_set() {
    let sandbox = Sandbox::start(SandboxConfig {
        api_key: Some("s3cret".into()),
        ..SandboxConfig::default()
    })
    .unwrap();
    let attestation = json!({"model_id": SANDBOX_MODEL_ID, "nonce": "ab"}).to_string();
    for (path, body) in [
        ("/v1/private/attestation", attestation.as_bytes()),
        ("/v1/private/completions", HELLO),
    ] {
        let none = post(&sandbox, path, &[], body);
        assert_eq!(none.status, 401, "{path}");
        assert_eq!(none.json(), json!({"detail": "Not authenticated"}));
        let wrong = post(&sandbox, path, &[("Authorization", "Bearer nope")], body);
        assert_eq!(wrong.status, 401, "{path}");
        assert_eq!(wrong.json(), json!({"detail": "Invalid API key"}));
        let prefix = post(&sandbox, path, &[("Authorization", "Bearer s3cre")], body);
        assert_eq!(prefix.status, 401, "{path}");
        let basic = post(&sandbox, path, &[("Authorization", "Basic s3cret")], body);
        assert_eq!(basic.status, 401, "{path}");
        let ok = post(&sandbox, path, &[("Authorization", "Bearer s3cret")], body);
        assert_eq!(ok.status, 200, "{path}: {}", ok.text());
    }
    // The model list is public.
    assert_eq!(call(&sandbox, "GET", "/v1/models", &[], b"").status, 200);
}

#[test]
fn completion_verifies() {
    let sandbox = start();
    let reply = post(&sandbox, "/v1/private/completions", &[], HELLO);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("signing_algo"), Some("ecdsa"));
    assert_eq!(reply.header("image_digest"), Some(SANDBOX_IMAGE_DIGEST));
    assert_eq!(
        reply.header("signing_address"),
        Some(&*sandbox.signing_address().to_checksum())
    );
    let signature = reply.header("signature").unwrap();
    assert_eq!(signature.len(), 130);
    assert!(
        signature
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert!(signature.ends_with("1b") || signature.ends_with("1c"));
    // Python json.dumps default separators.
    assert!(reply.text().starts_with(r#"{"id": "chatcmpl-sandbox-1", "object": "chat.completion", "created": 1767225600, "model": "test-model", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Echo: Hello, world!"}"#), "{}", reply.text());
    let v = reply.json();
    assert_eq!(
        v["usage"],
        json!({"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7})
    );
    assert_eq!(v["choices"][0]["finish_reason"], json!("stop"));

    let verdict = plain_verdict(&sandbox, HELLO, &reply);
    assert!(verdict.verified, "{}", verdict.to_json());
    assert_eq!(verdict.signer, Some(sandbox.signing_address()));
    // Spec §10 N1: the agent-side request hash of this body shape.
    let text = reply.header("text").unwrap();
    assert_eq!(
        text.split_once(':').unwrap().0,
        ccverify::exchange::canonicalize_request(HELLO)
            .unwrap()
            .hash_hex()
    );
    // Another sandbox's key is not this one.
    let other = start();
    let verdict = verify_response(
        HELLO,
        &reply.body,
        &reply.headers,
        Some(&other.signing_address()),
    );
    assert!(!verdict.verified);
    assert_eq!(status(&verdict, ids::SIGNER), CheckStatus::Fail);

    // Ids count up; the model falls back to the configured name.
    let body = br#"{"messages":[{"role":"user","content":"x"}],"model":null}"#;
    let reply = post(&sandbox, "/v1/private/completions", &[], body);
    let v = reply.json();
    assert_eq!(v["id"], json!("chatcmpl-sandbox-2"));
    assert_eq!(v["model"], json!(SANDBOX_MODEL_NAME));
    assert!(plain_verdict(&sandbox, body, &reply).verified);
}

fn dechunked_stream(sandbox: &Sandbox, request: &[u8], headers: &[(&str, &str)]) -> Reply {
    let reply = post(sandbox, "/v1/private/completions", headers, request);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
    reply
}

#[test]
fn stream_verifies() {
    let sandbox = start();
    let reply = dechunked_stream(&sandbox, HELLO_STREAM, &[]);
    // role chunk, 4 words ("Echo:", " Hello", " there,", " world"), stop chunk, event, [DONE],
    // each its own HTTP chunk.
    let chunks: Vec<String> = reply
        .chunks
        .iter()
        .map(|c| String::from_utf8(c.clone()).unwrap())
        .collect();
    assert_eq!(chunks.len(), 8, "{chunks:#?}");
    assert!(
        chunks[..6]
            .iter()
            .all(|c| c.starts_with("data: {") && c.ends_with("}\n\n"))
    );
    assert!(chunks[6].starts_with("event: signature\ndata: {\"text\": \""));
    assert_eq!(chunks[7], "data: [DONE]\n\n");
    let content: String = chunks[..6]
        .iter()
        .map(|c| {
            let v: Value = serde_json::from_str(&c[6..]).unwrap();
            assert_eq!(v["object"], json!("chat.completion.chunk"));
            v["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(content, "Echo: Hello there, world");
    let first: Value = serde_json::from_str(&chunks[0][6..]).unwrap();
    assert_eq!(
        first["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    let last: Value = serde_json::from_str(&chunks[5][6..]).unwrap();
    assert_eq!(last["choices"][0]["delta"], json!({}));
    assert_eq!(last["choices"][0]["finish_reason"], json!("stop"));
    let event: Value =
        serde_json::from_str(&chunks[6]["event: signature\ndata: ".len()..]).unwrap();
    let keys: Vec<&String> = event.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5);

    let verdict = verify_stream(HELLO_STREAM, &reply.body, Some(&sandbox.signing_address()));
    assert!(verdict.verified, "{}", verdict.to_json());
    // Same verdict fed chunk by chunk, as they arrived.
    let mut verifier = ccverify::StreamVerifier::new(HELLO_STREAM, Some(sandbox.signing_address()));
    for chunk in &reply.chunks {
        verifier.update(chunk).unwrap();
    }
    assert!(verifier.finish().unwrap().verified);
}

#[test]
fn non_ascii_content_verifies() {
    let sandbox = start();
    let plain = r#"{"messages":[{"role":"user","content":"café 😀"}],"model":"m","stream":false}"#;
    let reply = post(&sandbox, "/v1/private/completions", &[], plain.as_bytes());
    assert!(
        reply.text().contains(r"Echo: caf\u00e9 \ud83d\ude00"),
        "{}",
        reply.text()
    );
    assert!(reply.body.is_ascii());
    let verdict = plain_verdict(&sandbox, plain.as_bytes(), &reply);
    assert!(verdict.verified, "{}", verdict.to_json());

    let streamed = r#"{"messages":[{"role":"user","content":"café 😀"}],"stream":true}"#;
    let reply = dechunked_stream(&sandbox, streamed.as_bytes(), &[]);
    // vLLM sends raw UTF-8; the agent's hash escapes it.
    assert!(
        reply.text().contains("\"content\":\" café\""),
        "{}",
        reply.text()
    );
    let verdict = verify_stream(
        streamed.as_bytes(),
        &reply.body,
        Some(&sandbox.signing_address()),
    );
    assert!(verdict.verified, "{}", verdict.to_json());

    // Non-string content is echoed as compact JSON.
    let parts = r#"{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#;
    let reply = post(&sandbox, "/v1/private/completions", &[], parts.as_bytes());
    assert_eq!(
        reply.json()["choices"][0]["message"]["content"],
        json!(r#"Echo: [{"type":"text","text":"hi"}]"#)
    );
    assert!(plain_verdict(&sandbox, parts.as_bytes(), &reply).verified);
}

#[test]
fn faults_fail_plain_verification() {
    let sandbox = start();
    let cases = [
        ("tamper-response", ids::RESPONSE_HASH),
        ("wrong-key", ids::SIGNER),
        ("no-signature", ids::SIGNATURE_FORMAT),
    ];
    for (fault, failing) in cases {
        let reply = post(
            &sandbox,
            "/v1/private/completions",
            &[(FAULT_HEADER, fault)],
            HELLO,
        );
        assert_eq!(reply.status, 200, "{fault}");
        let verdict = plain_verdict(&sandbox, HELLO, &reply);
        assert!(!verdict.verified, "{fault}");
        assert_eq!(
            status(&verdict, failing),
            CheckStatus::Fail,
            "{fault}: {}",
            verdict.to_json()
        );
        if fault == "no-signature" {
            assert!(reply.header("signature").is_none());
        }
        if fault == "tamper-response" {
            assert!(
                reply
                    .text()
                    .contains("\"content\": \"echo: Hello, world!\"")
            );
            // The signature itself is genuine.
            assert_eq!(status(&verdict, ids::SIGNER), CheckStatus::Pass);
            assert_eq!(status(&verdict, ids::REQUEST_HASH), CheckStatus::Pass);
        }
        if fault == "wrong-key" {
            assert_eq!(
                reply.header("signing_address"),
                Some(&*sandbox.signing_address().to_checksum())
            );
            assert_eq!(status(&verdict, ids::RESPONSE_HASH), CheckStatus::Pass);
        }
    }
    // A flipped byte of r that still recovers a key: a well-formed signature by someone else.
    for _ in 0..4 {
        let reply = post(
            &sandbox,
            "/v1/private/completions",
            &[(FAULT_HEADER, "tamper-signature")],
            HELLO,
        );
        let verdict = plain_verdict(&sandbox, HELLO, &reply);
        assert!(!verdict.verified);
        assert_eq!(status(&verdict, ids::SIGNATURE), CheckStatus::Pass);
        assert_eq!(status(&verdict, ids::SIGNER), CheckStatus::Fail);
        assert_eq!(status(&verdict, ids::HEADER_ADDRESS), CheckStatus::Fail);
        assert_eq!(status(&verdict, ids::RESPONSE_HASH), CheckStatus::Pass);
        assert!(verdict.signer.is_some());
        assert_ne!(verdict.signer, Some(sandbox.signing_address()));
    }

    let reply = post(
        &sandbox,
        "/v1/private/completions",
        &[(FAULT_HEADER, "explode")],
        HELLO,
    );
    assert_eq!(reply.status, 400);
}

#[test]
fn faults_fail_stream_verification() {
    let sandbox = start();
    for (fault, failing) in [
        ("tamper-response", ids::RESPONSE_HASH),
        ("wrong-key", ids::SIGNER),
        ("no-signature", ids::STREAM_SIGNATURE_BLOCK),
        ("tamper-signature", ids::HEADER_ADDRESS),
    ] {
        let reply = dechunked_stream(&sandbox, HELLO_STREAM, &[(FAULT_HEADER, fault)]);
        let verdict = verify_stream(HELLO_STREAM, &reply.body, Some(&sandbox.signing_address()));
        assert!(!verdict.verified, "{fault}");
        assert_eq!(
            status(&verdict, failing),
            CheckStatus::Fail,
            "{fault}: {}",
            verdict.to_json()
        );
        assert!(reply.text().ends_with("data: [DONE]\n\n"), "{fault}");
        if fault == "no-signature" {
            assert!(!reply.text().contains("event: signature"));
        }
        if fault == "tamper-response" {
            assert!(reply.text().contains("\"content\":\"echo:\""));
            assert_eq!(status(&verdict, ids::SIGNER), CheckStatus::Pass);
        }
    }
}

#[test]
fn relay_additions_fail_coverage_and_are_never_delivered() {
    let sandbox = start();
    for fault in [
        "inject-data-no-space",
        "inject-data-tab",
        "inject-cr-comment",
        "inject-bare-data",
        "inject-done-no-space",
        "relabel-event",
    ] {
        let reply = dechunked_stream(&sandbox, HELLO_STREAM, &[(FAULT_HEADER, fault)]);
        let (verdict, delivered) = ccverify::exchange::verify_stream_delivered(
            HELLO_STREAM,
            &reply.body,
            Some(&sandbox.signing_address()),
        );
        assert!(!verdict.verified, "{fault}");
        // The signature itself is genuine and covers every genuine line.
        assert_eq!(
            status(&verdict, ids::RESPONSE_HASH),
            CheckStatus::Pass,
            "{fault}"
        );
        assert_eq!(
            status(&verdict, ids::STREAM_COVERAGE),
            CheckStatus::Fail,
            "{fault}: {}",
            verdict.to_json()
        );
        let delivered = String::from_utf8(delivered).unwrap();
        assert!(!delivered.contains("INJECTED"), "{fault}");
        assert!(!delivered.contains("[DONE]"), "{fault}");
        let genuine = verify_stream(
            HELLO_STREAM,
            &dechunked_stream(&sandbox, HELLO_STREAM, &[]).body,
            None,
        );
        assert_eq!(
            verdict.facts["stream.events"], genuine.facts["stream.events"],
            "{fault}: every signed chunk is delivered"
        );
    }
    // A CRLF re-encoding changes no event: it verifies.
    let reply = dechunked_stream(&sandbox, HELLO_STREAM, &[(FAULT_HEADER, "crlf")]);
    assert!(reply.text().contains("\r\n\r\n"));
    let verdict = verify_stream(HELLO_STREAM, &reply.body, Some(&sandbox.signing_address()));
    assert!(verdict.verified, "{}", verdict.to_json());
    assert_eq!(verdict.facts["stream.line_ends"], "crlf-normalised");
    // Stream faults on a plain completion are refused.
    let reply = post(
        &sandbox,
        "/v1/private/completions",
        &[(FAULT_HEADER, "crlf")],
        HELLO,
    );
    assert_eq!(reply.status, 400);
}

#[test]
fn transient_failures_then_success() {
    let sandbox = Sandbox::start(SandboxConfig {
        transient_failures: 2,
        ..SandboxConfig::default()
    })
    .unwrap();
    for _ in 0..2 {
        let reply = post(&sandbox, "/v1/private/completions", &[], HELLO);
        assert_eq!(reply.status, 503);
        assert_eq!(reply.header("retry-after"), Some("0"));
        assert_eq!(
            reply.json(),
            json!({"detail": "sandbox: transient failure"})
        );
    }
    let reply = post(&sandbox, "/v1/private/completions", &[], HELLO);
    assert_eq!(reply.status, 200);
    assert!(plain_verdict(&sandbox, HELLO, &reply).verified);
    // Attestation never fails transiently.
    assert_eq!(attest(&sandbox, json!("ab")).status, 200);
}

#[test]
fn bad_requests_get_http_errors() {
    let sandbox = start();
    let reply = call(&sandbox, "GET", "/nope", &[], b"");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"detail": "Not Found"}));
    let reply = call(&sandbox, "GET", "/v1/private/completions", &[], b"");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    assert_eq!(call(&sandbox, "DELETE", "/v1/models", &[], b"").status, 405);

    for body in [&b"{"[..], b"[]", br#"{"messages":[],"max_tokens":1.5}"#] {
        let reply = post(&sandbox, "/v1/private/completions", &[], body);
        assert_eq!(reply.status, 422, "{}", String::from_utf8_lossy(body));
        assert!(reply.json()["detail"].is_string());
    }

    let chunked = format!(
        "POST /v1/private/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        HELLO.len(),
        String::from_utf8_lossy(HELLO)
    );
    assert_eq!(raw(&sandbox, chunked.as_bytes()).status, 411);
    let big = format!(
        "POST /v1/private/completions HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        (1 << 20) + 1
    );
    assert_eq!(raw(&sandbox, big.as_bytes()).status, 413);
    let huge_head = format!(
        "GET /v1/models HTTP/1.1\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(70_000)
    );
    assert_eq!(raw(&sandbox, huge_head.as_bytes()).status, 431);
    assert_eq!(raw(&sandbox, b"garbage\r\n\r\n").status, 400);
    assert_eq!(
        raw(&sandbox, b"GET /v1/models HTTP/2.0\r\n\r\n").status,
        505
    );
    assert_eq!(
        raw(
            &sandbox,
            b"POST /v1/private/completions HTTP/1.1\r\nContent-Length: x\r\n\r\n"
        )
        .status,
        400
    );
    // Still serving.
    assert_eq!(call(&sandbox, "GET", "/v1/models", &[], b"").status, 200);
}

#[test]
fn shutdown_is_prompt() {
    let sandbox = start();
    let addr = sandbox.local_addr();
    let started = Instant::now();
    sandbox.shutdown();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        TcpStream::connect(addr).is_err(),
        "still accepting after shutdown"
    );
}

// ---------------------------------------------------------------------------------------------
// Test evidence: its services, and what they refuse.

fn test_sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        evidence: Evidence::Test,
        ..SandboxConfig::default()
    })
    .unwrap()
}

#[test]
fn test_evidence_services_and_their_refusals() {
    let sb = test_sandbox();
    // Fresh evidence for the caller's nonce.
    let nonce = "ab".repeat(32);
    let a = attest(&sb, json!(nonce)).json();
    assert_eq!(a["nonce"], nonce.as_str());
    assert_eq!(a["gpu"]["evidence_list"].as_array().unwrap().len(), 1);
    // RIMs: known ids as the RIM service shapes them, unknown ids 404.
    let rim = call(
        &sb,
        "GET",
        "/v1/rim/NV_GPU_DRIVER_GH100_550.90.07",
        &[],
        b"",
    );
    assert_eq!(rim.status, 200);
    assert!(rim.json()["rim"].as_str().is_some());
    assert_eq!(
        call(&sb, "GET", "/v1/rim/NV_GPU_DRIVER_GH100_1.2.3", &[], b"").status,
        404
    );
    assert_eq!(
        post(&sb, "/v1/rim/NV_GPU_DRIVER_GH100_550.90.07", &[], b"").status,
        405
    );
    // OCSP: garbage is answered "unauthorized" (status 6), never "good".
    let o = post(&sb, "/ocsp", &[], b"not an OCSP request");
    assert_eq!(o.status, 200);
    assert_eq!(o.body, [0x30, 0x03, 0x0a, 0x01, 0x06]);
    // PCS: the issuer chains come percent-encoded, as Intel sends them.
    let tcb = call(
        &sb,
        "GET",
        "/tdx/certification/v4/tcb?fmspc=b0c06f000000",
        &[],
        b"",
    );
    assert_eq!(tcb.status, 200);
    assert!(
        tcb.header("TCB-Info-Issuer-Chain")
            .unwrap()
            .starts_with("-----BEGIN%20CERTIFICATE")
    );
    // An unknown fault prefix is refused with the list of known ones.
    let r = attest_at(&sb, "/fault/no-such-fault/v1/private/attestation");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("gpu-wrong-nonce"), "{}", r.text());
    // A known one changes only what it names.
    let r = attest_at(&sb, "/fault/relay-key/v1/private/attestation");
    assert_eq!(r.status, 200);
    assert_ne!(
        r.json()["signing_address"],
        sb.signing_address().to_checksum().as_str()
    );
}

fn attest_at(sb: &Sandbox, path: &str) -> Reply {
    let body = json!({"model_id": SANDBOX_MODEL_ID}).to_string();
    post(sb, path, &[], body.as_bytes())
}

#[test]
fn real_evidence_serves_no_test_pki_services() {
    let sb = start();
    assert_eq!(
        call(
            &sb,
            "GET",
            "/v1/rim/NV_GPU_DRIVER_GH100_550.90.07",
            &[],
            b""
        )
        .status,
        404
    );
    assert_eq!(post(&sb, "/ocsp", &[], b"x").status, 404);
    assert_eq!(
        call(&sb, "GET", "/tdx/certification/v4/qe/identity", &[], b"").status,
        404
    );
}
