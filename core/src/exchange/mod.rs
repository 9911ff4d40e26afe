//! Signed-exchange verification: is this response, signed by the attested key, the answer to
//! exactly the request I sent?
//!
//! The io.net agent signs `text = sha256(request) ":" sha256(response)` (EIP-191, secp256k1).
//! Recovering the signer alone — all the io.net docs' sample code does — accepts a valid
//! signature over *any* exchange. Here both hashes are recomputed from the bytes the client sent
//! and received, with the agent's exact rules (spec §6, §7):
//!
//! * [`verify_response`] for a plain JSON response (signature material in headers);
//! * [`verify_stream`] / [`StreamVerifier`] for an SSE stream carrying an `event: signature`
//!   block;
//! * [`verify_responses_batch`] to audit many exchanges on every core.

mod request;
mod response;
mod stream;

pub use request::{CanonicalRequest, canonicalize as canonicalize_request};
pub use response::response_hash_hex;
pub use stream::{
    DONE_EVENT, StreamLimits, StreamVerifier, verify_stream, verify_stream_delivered,
};

use crate::eth::{Address, RecoverableSignature, eip191_hash};
use crate::verdict::{Check, CheckStatus, Verdict, ids};

/// One piece of signature material (a header, or a field of the stream's signature event).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    /// Not present.
    Missing,
    /// Present once (or several times with the same value).
    Value(String),
    /// Present with conflicting values, or not a string.
    Invalid(String),
}

impl Field {
    fn from_headers<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)], name: &str) -> Field {
        let mut found: Option<&str> = None;
        for (k, v) in headers {
            if k.as_ref().trim().eq_ignore_ascii_case(name) {
                let v = v.as_ref().trim();
                match found {
                    Some(prev) if prev != v => {
                        return Field::Invalid(format!(
                            "`{name}` appears twice with different values"
                        ));
                    }
                    _ => found = Some(v),
                }
            }
        }
        found.map_or(Field::Missing, |v| Field::Value(v.to_string()))
    }
}

/// The signature material of one exchange.
#[derive(Clone, Debug)]
struct Claim {
    text: Field,
    signature: Field,
    signing_address: Field,
    signing_algo: Field,
}

impl Claim {
    fn from_headers<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)]) -> Self {
        Claim {
            text: Field::from_headers(headers, "text"),
            signature: Field::from_headers(headers, "signature"),
            signing_address: Field::from_headers(headers, "signing_address"),
            signing_algo: Field::from_headers(headers, "signing_algo"),
        }
    }
}

/// Splits `text` into its two 64-hex halves.
fn parse_text(text: &str) -> Result<(&str, &str), String> {
    let is_hash =
        |h: &str| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    match text.split_once(':') {
        Some((req, resp)) if is_hash(req) && is_hash(resp) => Ok((req, resp)),
        _ => Err(format!(
            "`text` is not `<64 lowercase hex>:<64 lowercase hex>` ({} characters)",
            text.len()
        )),
    }
}

fn short(h: &str) -> &str {
    h.get(..16).unwrap_or(h)
}

/// Evaluates the seven signature and hash checks shared by plain and streamed responses.
fn evaluate(
    claim: &Claim,
    request: &Result<CanonicalRequest, String>,
    response_hash: &Result<String, String>,
    expected: Option<&Address>,
    source: &str,
) -> (Vec<Check>, Option<Address>) {
    let mut checks = Vec::with_capacity(7);

    checks.push(match &claim.signing_algo {
        Field::Value(v) if v == "ecdsa" => Check::new(
            ids::SIGNING_ALGO,
            CheckStatus::Pass,
            "signing_algo is \"ecdsa\"",
        ),
        Field::Value(v) => Check::new(
            ids::SIGNING_ALGO,
            CheckStatus::Fail,
            format!("signing_algo is {v:?}, expected \"ecdsa\""),
        ),
        Field::Missing => Check::new(
            ids::SIGNING_ALGO,
            CheckStatus::Warn,
            format!("no signing_algo in the {source}; the signature format decides"),
        ),
        Field::Invalid(why) => Check::new(ids::SIGNING_ALGO, CheckStatus::Fail, why.clone()),
    });

    let signature: Result<RecoverableSignature, String> = match &claim.signature {
        Field::Value(s) => RecoverableSignature::parse_hex(s).map_err(|e| e.to_string()),
        Field::Missing => Err(format!(
            "no signature in the {source}: the response is unsigned"
        )),
        Field::Invalid(why) => Err(why.clone()),
    };
    let text: Result<(&str, (&str, &str)), String> = match &claim.text {
        Field::Value(t) => parse_text(t).map(|halves| (t.as_str(), halves)),
        Field::Missing => Err(format!("no text in the {source}")),
        Field::Invalid(why) => Err(why.clone()),
    };
    checks.push(match (&signature, &text) {
        (Ok(sig), Ok(_)) => Check::new(
            ids::SIGNATURE_FORMAT,
            CheckStatus::Pass,
            format!("65-byte r||s||v signature (v normalised to {}, low-s) over a 129-character hash:hash text", sig.recovery_id()),
        ),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Check::new(ids::SIGNATURE_FORMAT, CheckStatus::Fail, e.clone()),
        (Err(e1), Err(e2)) => Check::new(ids::SIGNATURE_FORMAT, CheckStatus::Fail, format!("{e1}; {e2}")),
    });

    let mut signer = None;
    checks.push(match (&signature, &text) {
        (Ok(sig), Ok((t, _))) => match sig.recover_address(&eip191_hash(t.as_bytes())) {
            Ok(address) => {
                signer = Some(address);
                Check::new(
                    ids::SIGNATURE,
                    CheckStatus::Pass,
                    "EIP-191 signature over text recovers to the signer",
                )
            }
            Err(e) => Check::new(ids::SIGNATURE, CheckStatus::Fail, e.to_string()),
        },
        _ => Check::new(
            ids::SIGNATURE,
            CheckStatus::Skip,
            "signature or text is malformed",
        ),
    });

    // EIP-55 text costs a Keccak-256; compute the signer's once.
    let signer_text = signer.map(|s| s.to_checksum());
    let signer_str = signer_text.as_deref().unwrap_or("");
    checks.push(match (signer, expected) {
        (Some(s), Some(e)) if s == *e => Check::new(ids::SIGNER, CheckStatus::Pass, format!("signer {signer_str} is the expected address")),
        (Some(_), Some(e)) => Check::new(
            ids::SIGNER,
            CheckStatus::Fail,
            format!("signed by {signer_str}, not by the expected {e}: another key made this signature"),
        ),
        (None, _) => Check::new(ids::SIGNER, CheckStatus::Skip, "no signer was recovered"),
        (Some(_), None) => Check::new(
            ids::SIGNER,
            CheckStatus::Skip,
            format!("signed by {signer_str}, but no expected address was given: pin the attested signing_address to verify who signed"),
        ),
    });

    checks.push(match &claim.signing_address {
        Field::Missing => Check::new(
            ids::HEADER_ADDRESS,
            CheckStatus::Warn,
            format!("no signing_address in the {source}"),
        ),
        Field::Invalid(why) => Check::new(ids::HEADER_ADDRESS, CheckStatus::Fail, why.clone()),
        // Declared exactly as the signer's EIP-55 text: equal, and its checksum is known good.
        Field::Value(v)
            if signer_text.as_deref() == Some(v.as_str())
                && expected.is_none_or(|e| signer == Some(*e)) =>
        {
            Check::new(
                ids::HEADER_ADDRESS,
                CheckStatus::Pass,
                format!("declared {v} agrees"),
            )
        }
        Field::Value(v) => match Address::parse(v) {
            Err(e) => Check::new(
                ids::HEADER_ADDRESS,
                CheckStatus::Fail,
                format!("declared signing_address is malformed: {e}"),
            ),
            Ok(declared) => {
                let mut problems = Vec::new();
                if let Some(s) = signer.filter(|s| *s != declared) {
                    problems.push(format!(
                        "declared {declared} but the signature recovers to {s}"
                    ));
                }
                if let Some(e) = expected.filter(|e| **e != declared) {
                    problems.push(format!(
                        "declared {declared} but the expected (attested) address is {e}"
                    ));
                }
                if !problems.is_empty() {
                    Check::new(ids::HEADER_ADDRESS, CheckStatus::Fail, problems.join("; "))
                } else if signer.is_none() && expected.is_none() {
                    Check::new(
                        ids::HEADER_ADDRESS,
                        CheckStatus::Skip,
                        format!("declared {declared}, but there is nothing to compare it with"),
                    )
                } else {
                    Check::new(
                        ids::HEADER_ADDRESS,
                        CheckStatus::Pass,
                        format!("declared {declared} agrees"),
                    )
                }
            }
        },
    });

    match &text {
        Ok((_, (signed_req, signed_resp))) => {
            checks.push(match request {
                Ok(canon) => {
                    let ours = canon.hash_hex();
                    if ours == *signed_req {
                        Check::new(ids::REQUEST_HASH, CheckStatus::Pass, format!("signed request hash {}… is that of the request sent", short(ours)))
                    } else {
                        let mut detail = format!(
                            "signed request hash {}… is not that of the request sent ({}…): the signature covers another request, or the request was rewritten on the way",
                            short(signed_req),
                            short(ours)
                        );
                        if !canon.uncertain.is_empty() {
                            detail.push_str("; note, the agent-side form of this request involved assumptions: ");
                            detail.push_str(&canon.uncertain.join("; "));
                        }
                        Check::new(ids::REQUEST_HASH, CheckStatus::Fail, detail)
                    }
                }
                Err(why) => Check::new(ids::REQUEST_HASH, CheckStatus::Fail, format!("cannot reproduce the agent's request hash: {why}")),
            });
            checks.push(match response_hash {
                Ok(ours) if ours == signed_resp => Check::new(
                    ids::RESPONSE_HASH,
                    CheckStatus::Pass,
                    format!("signed response hash {}… is that of the bytes received", short(ours)),
                ),
                Ok(ours) => Check::new(
                    ids::RESPONSE_HASH,
                    CheckStatus::Fail,
                    format!(
                        "signed response hash {}… is not that of the bytes received ({}…): the response was altered or belongs to another exchange",
                        short(signed_resp),
                        short(ours)
                    ),
                ),
                Err(why) => Check::new(ids::RESPONSE_HASH, CheckStatus::Fail, why.clone()),
            });
        }
        Err(_) => {
            checks.push(Check::new(
                ids::REQUEST_HASH,
                CheckStatus::Skip,
                "no well-formed signed text to compare with",
            ));
            checks.push(Check::new(
                ids::RESPONSE_HASH,
                CheckStatus::Skip,
                "no well-formed signed text to compare with",
            ));
        }
    }
    (checks, signer)
}

/// Whether the io.net agent answers this exact request body with a stream: its own rule,
/// `stream` true after pydantic's lax coercion (`true`, `1`, `"true"`, …). `false` for a body the
/// agent would refuse. Wrappers decide from this, never from a reply header a relay controls,
/// whether a reply must be read (and verified) as a stream.
pub fn request_streams(request: &[u8]) -> bool {
    request::canonicalize(request).is_ok_and(|c| c.stream)
}

/// Records the hashes the verifier computed, so callers can see what `text` should have been.
fn with_hash_facts(
    mut verdict: Verdict,
    request: &Result<CanonicalRequest, String>,
    response_hash: &Result<String, String>,
) -> Verdict {
    if let Ok(canon) = request {
        verdict = verdict.with_fact("request_hash", canon.hash_hex());
    }
    if let Ok(hash) = response_hash {
        verdict = verdict.with_fact("response_hash", hash.clone());
    }
    verdict
}

/// Verifies a plain (non-streamed) io.net response.
///
/// * `request` — the exact body bytes you POSTed to `/v1/private/completions`;
/// * `response` — the exact body bytes you received;
/// * `headers` — the response headers as `(name, value)` pairs; names are matched
///   case-insensitively (`text`, `signature`, `signing_address`, `signing_algo`);
/// * `expected_address` — the `signing_address` you pinned from a verified attestation. Without
///   it the verdict cannot be `verified`: anyone can sign.
///
/// Never fails: every problem is a failed or skipped check in the returned [`Verdict`].
pub fn verify_response<K: AsRef<str>, V: AsRef<str>>(
    request: &[u8],
    response: &[u8],
    headers: &[(K, V)],
    expected_address: Option<&Address>,
) -> Verdict {
    let claim = Claim::from_headers(headers);
    let canon = request::canonicalize(request);
    let response_hash = response::response_hash_hex(response);
    let (checks, signer) = evaluate(&claim, &canon, &response_hash, expected_address, "headers");
    with_hash_facts(Verdict::from_checks(checks, signer), &canon, &response_hash)
}

/// One exchange for [`verify_responses_batch`].
#[derive(Clone, Debug)]
pub struct ResponseItem<'a> {
    /// The exact request body sent.
    pub request: &'a [u8],
    /// The exact response body received.
    pub response: &'a [u8],
    /// The response headers.
    pub headers: &'a [(String, String)],
    /// The pinned signing address.
    pub expected_address: Option<Address>,
}

/// Verifies many plain responses, spreading the work over every available core. Returns one
/// verdict per item, in order; the result is identical to calling [`verify_response`] on each.
pub fn verify_responses_batch(items: &[ResponseItem<'_>]) -> Vec<Verdict> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    let one = |item: &ResponseItem<'_>| {
        verify_response(
            item.request,
            item.response,
            item.headers,
            item.expected_address.as_ref(),
        )
    };
    if threads <= 1 || items.len() < 4 {
        return items.iter().map(one).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (handle, part) in handles.into_iter().zip(items.chunks(chunk)) {
            // A panicking worker is a bug; verify its share on this thread instead of aborting.
            match handle.join() {
                Ok(verdicts) => out.extend(verdicts),
                Err(_) => out.extend(part.iter().map(one)),
            }
        }
        out
    })
}
