//! Helpers shared by integration tests and benches: sign exchanges like the io.net agent.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use ccverify::eth::eip191_hash;
use ccverify::exchange::{canonicalize_request, response_hash_hex};
use k256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};

/// The eth-account documentation key used by spec §10 (address 0x2c7536E3…5c23).
pub const TEST_KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
pub const TEST_ADDRESS: &str = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

pub fn key() -> SigningKey {
    SigningKey::from_slice(&hex::decode(TEST_KEY).unwrap()).unwrap()
}

/// EIP-191 signature of `text`, 130 lowercase hex chars, v in {27, 28}.
pub fn sign_text(key: &SigningKey, text: &str) -> String {
    let (sig, recid) = key.sign_prehash_recoverable(&eip191_hash(text.as_bytes()));
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(27 + recid.to_byte());
    hex::encode(bytes)
}

/// Headers the agent would send for `request` → `response` (wire bytes).
pub fn signed_headers(key: &SigningKey, request: &[u8], response: &[u8]) -> Vec<(String, String)> {
    let text = format!(
        "{}:{}",
        canonicalize_request(request).unwrap().hash_hex(),
        response_hash_hex(response).unwrap()
    );
    vec![
        ("text".into(), text.clone()),
        ("signature".into(), sign_text(key, &text)),
        ("signing_address".into(), TEST_ADDRESS.into()),
        ("signing_algo".into(), "ecdsa".into()),
    ]
}

/// A chat request of about `size` bytes.
pub fn request_of_size(size: usize, stream: bool) -> Vec<u8> {
    let filler = "lorem ipsum dolor sit amet ".repeat(size / 27 + 1);
    let body = format!(
        r#"{{"messages":[{{"role":"system","content":"You are helpful."}},{{"role":"user","content":"{}"}}],"model":"meta-llama/Llama-3.3-70B-Instruct","temperature":0.7,"max_tokens":512,"stream":{stream}}}"#,
        &filler[..size.saturating_sub(170).max(1)]
    );
    body.into_bytes()
}

/// A `json.dumps`-style (default separators) chat completion of about `size` bytes.
pub fn response_of_size(size: usize) -> Vec<u8> {
    let filler = "The quick brown fox jumps over the lazy dog. ".repeat(size / 45 + 1);
    format!(
        r#"{{"id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "meta-llama/Llama-3.3-70B-Instruct", "choices": [{{"index": 0, "message": {{"role": "assistant", "content": "{}"}}, "finish_reason": "stop"}}], "usage": {{"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}}}}"#,
        &filler[..size.saturating_sub(330).max(1)]
    )
    .into_bytes()
}

/// Upstream vLLM data lines for `n` content deltas.
pub fn upstream_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"m","choices":[{{"index":0,"delta":{{"content":"tok{i} "}},"finish_reason":null}}]}}"#
            )
        })
        .collect()
}

/// The agent's stream hash over data-line payloads, computed independently of the crate's
/// stream engine (Python `json.dumps({"chunks": lines}, separators=(',', ':'))`).
pub fn stream_hash(lines: &[String]) -> String {
    let mut s = b"{\"chunks\":[".to_vec();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            s.push(b',');
        }
        ccverify::pyjson::write_str(&mut s, l);
    }
    s.extend_from_slice(b"]}");
    hex::encode(Sha256::digest(&s))
}

/// A signed SSE stream in agent A5 order: data lines, signature block, `[DONE]`.
pub fn signed_stream(key: &SigningKey, request: &[u8], lines: &[String]) -> Vec<u8> {
    let text = format!(
        "{}:{}",
        canonicalize_request(request).unwrap().hash_hex(),
        stream_hash(lines)
    );
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(format!("data: {l}\n\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "event: signature\ndata: {{\"text\": \"{text}\", \"signature\": \"{}\", \"signing_address\": \"{TEST_ADDRESS}\", \"signing_algo\": \"ecdsa\"}}\n\n",
            sign_text(key, &text)
        )
        .as_bytes(),
    );
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}
