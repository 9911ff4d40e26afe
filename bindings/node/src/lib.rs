//! Node.js binding of [`ccverify`]: a thin napi-rs layer over the core crate, packaged as the
//! `@ccverify/ccverify` npm module in `node/`.
//!
//! All logic lives in `ccverify`; this crate only converts JavaScript values in and out.
//! Conventions every export follows:
//!
//! * `#[napi(catch_unwind)]` on every export (functions, the constructor and the methods): a
//!   panic that escapes a plain `#[napi]` function aborts the whole Node process. Inside, each
//!   body also runs under `guard`, which turns a panic into an `internal` error so callers
//!   see one error convention.
//! * Thrown errors are JS `Error`s whose `code` is the core [`ErrorKind`] name
//!   (`invalid_address`, `invalid_nonce`, `invalid_state`, …) and whose `message` is the core
//!   error's text. A JS value of the wrong type is `invalid_argument`.
//! * Bad evidence never throws: it is a failed check in the returned [`Verdict`].
//! * The verifications run synchronously and never fetch. The io.net client ([`client`]:
//!   `Session`, `listModels`) does network I/O as `AsyncTask`s on the libuv thread pool; its
//!   promises reject with the same `Error`s.
//!
//! The workspace denies `unsafe_code`; the code napi-derive generates is not linted, and the
//! three hand-written `unsafe` blocks (`js_bytes`, `js_headers`, `gpu::GpuOptions::from_js`)
//! are allowed locally: they turn an argument whose JS type was just checked into a typed napi
//! view (`Unknown::cast`). `tdx` needs none: an object or array coerces to itself
//! (`coerce_to_object`).

use std::collections::BTreeMap;

use ccverify::ErrorKind;
use napi::bindgen_prelude::{Buffer, Either, Null, Unknown};
use napi_derive::napi;

mod client;
mod gpu;
mod input;
mod report;
mod tdx;
pub use client::{ChatResponse, ChatStreamOptions, ClientConfig, Model, Session, list_models};
pub use gpu::{GpuOptions, verify_gpu};
use input::{js_address, js_bytes, js_headers, js_string};
pub use report::{
    BundleOptions, GpuPolicy, POLICY_PRESETS, Policy, ReportOptions, TdxPolicy, load_policy,
    verify_bundle, verify_report,
};
pub use tdx::{TdxOptions, verify_tdx};

/// The `code` of every `Error` this module throws: the error names shared by every ccverify
/// binding (C status names, Python, Kotlin and Swift codes).
#[napi(string_enum = "snake_case")]
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum ErrorCode {
    /// A value of the wrong type, an unknown or ill-typed option, an unusable policy or
    /// directory, an unreadable bundle.
    InvalidArgument,
    /// A nonce the agent would refuse, or one without freshness (empty, all zeros).
    InvalidNonce,
    /// Not 40 hex digits (optional `0x`), or a wrong EIP-55 mixed-case checksum.
    InvalidAddress,
    /// A signature given to `recoverAddress` is malformed or unrecoverable.
    InvalidSignature,
    /// An input over a documented size limit (e.g. a bundle over 64 MiB).
    LimitExceeded,
    /// E.g. `update` after `finish` on a {@link StreamVerifier}.
    InvalidState,
    /// The operating system's random number generator failed.
    Rng,
    /// A network step failed (connection, TLS, timeout, a persistent HTTP error after the
    /// retries): the rejections of {@link Session.attest}, {@link Session.chat},
    /// {@link Session.chatStream} and {@link listModels}. The verifications never fetch.
    Network,
    /// A session's attestation did not verify and the config did not allow unverified use
    /// (`allowUnverified`): {@link Session.chat} and {@link Session.chatStream} reject with it.
    /// Verifications return a verdict instead.
    AttestationFailed,
    /// A bug, including a caught panic; please report it.
    Internal,
}

/// The `code` of a thrown JS error: the core [`ErrorKind`]'s shared name (the values of
/// [`ErrorCode`], which only types them for TypeScript; node/test/report.test.mjs checks that it
/// lists every name).
#[derive(Clone, Copy, Debug)]
pub struct Code(ErrorKind);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

/// A napi error carrying a [`Code`]; napi throws it as `Error` with `.code` set.
type JsError = napi::Error<Code>;
/// The result type of every export (the name `Result` is what napi-derive recognises).
type Result<T> = std::result::Result<T, JsError>;

fn core_error(e: ccverify::Error) -> JsError {
    JsError::new(Code(e.kind()), e.to_string())
}

fn invalid_argument(reason: impl std::fmt::Display) -> JsError {
    core_error(ccverify::Error::InvalidArgument(reason.to_string()))
}

/// Runs `f`, turning a panic into an `internal` error (the outer `catch_unwind` of napi-rs
/// would report it as `GenericFailure`).
fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    ccverify::error::catch_panic(f).unwrap_or_else(|e| Err(core_error(e)))
}

/// What one check found.
#[napi(string_enum = "lowercase")]
#[derive(Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// The property was proven.
    Pass,
    /// The property is false, or the evidence is malformed.
    Fail,
    /// The check could not run (a prerequisite failed or an input is missing). Never a pass.
    Skip,
    /// The proof holds, but something is missing or weaker than it should be.
    Warn,
}

impl From<ccverify::CheckStatus> for CheckStatus {
    fn from(status: ccverify::CheckStatus) -> Self {
        match status {
            ccverify::CheckStatus::Pass => CheckStatus::Pass,
            ccverify::CheckStatus::Fail => CheckStatus::Fail,
            ccverify::CheckStatus::Skip => CheckStatus::Skip,
            ccverify::CheckStatus::Warn => CheckStatus::Warn,
        }
    }
}

/// One row of a verdict.
#[napi(object)]
pub struct Check {
    /// Stable identifier, e.g. `response.signature` (ids are never renamed or reused).
    pub id: String,
    /// What the check found.
    pub status: CheckStatus,
    /// Why, in plain language, with the values compared.
    pub detail: String,
    /// What the check is about when a verification covers several things (e.g. `gpu0`).
    pub subject: Option<String>,
}

/// The outcome of a verification: a table of named checks.
#[napi(object)]
pub struct Verdict {
    /// True only if every check passed or warned: no failure and no skipped check.
    pub verified: bool,
    /// Every check that was evaluated, in a fixed order.
    pub checks: Vec<Check>,
    /// The EIP-55 address recovered from the signature, when one could be recovered — even if
    /// it is not the expected one. For attestations and bundles: the attested
    /// `signing_address` when it is well-formed (the key to pin).
    pub signer: Either<String, Null>,
    /// Values the verifier computed, by stable name — for signed exchanges `request_hash` and
    /// `response_hash` (what the signed `text` should contain), when they could be computed; for
    /// attestations and bundles `summary`, what is and is not proven in plain language.
    pub facts: BTreeMap<String, String>,
}

impl From<ccverify::Verdict> for Verdict {
    fn from(verdict: ccverify::Verdict) -> Self {
        Verdict {
            verified: verdict.verified,
            checks: verdict
                .checks
                .into_iter()
                .map(|c| Check {
                    id: c.id,
                    status: c.status.into(),
                    detail: c.detail,
                    subject: c.subject,
                })
                .collect(),
            signer: match verdict.signer {
                Some(address) => Either::A(address.to_checksum()),
                None => Either::B(Null),
            },
            facts: verdict.facts,
        }
    }
}

/// Verifies a plain (non-streamed) io.net Confidential Inference response.
///
/// - `request`: the exact body you POSTed (a string is taken as its UTF-8 bytes);
/// - `response`: the exact body you received;
/// - `headers`: the response headers as a plain object; names are matched case-insensitively
///   (`text`, `signature`, `signing_address`, `signing_algo`). For a fetch `Headers` object
///   pass `Object.fromEntries(res.headers)`;
/// - `expectedAddress`: the `signing_address` pinned from a verified attestation. Without it
///   the verdict is never `verified`: anyone can sign.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_address` for a
/// malformed `expectedAddress` and `invalid_argument` for arguments of the wrong type.
#[napi(catch_unwind)]
pub fn verify_response(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] request: Unknown<'_>,
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] response: Unknown<'_>,
    #[napi(ts_arg_type = "Record<string, string>")] headers: Unknown<'_>,
    #[napi(ts_arg_type = "string | null")] expected_address: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| {
        let request = js_bytes(&request, "request")?;
        let response = js_bytes(&response, "response")?;
        let headers = js_headers(&headers)?;
        let expected = js_address(expected_address)?;
        Ok(ccverify::verify_response(
            request.as_slice(),
            response.as_slice(),
            &headers,
            expected.as_ref(),
        )
        .into())
    })
}

/// Verifies a complete SSE stream (every byte received, up to the connection's end — not just
/// up to `data: [DONE]`, after which older agents send the signature).
///
/// Identical to feeding the same bytes to a {@link StreamVerifier} in any chunks. Throws
/// `invalid_address` for a malformed `expectedAddress`.
#[napi(catch_unwind)]
pub fn verify_stream(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] request: Unknown<'_>,
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] stream: Unknown<'_>,
    #[napi(ts_arg_type = "string | null")] expected_address: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| {
        let request = js_bytes(&request, "request")?;
        let stream = js_bytes(&stream, "stream")?;
        let expected = js_address(expected_address)?;
        Ok(
            ccverify::verify_stream(request.as_slice(), stream.as_slice(), expected.as_ref())
                .into(),
        )
    })
}

/// Verifies an SSE stream incrementally: pass every chunk through `update` as it arrives (any
/// boundaries, even inside a UTF-8 character) and forward what it returns — the verified events
/// re-serialised, never the raw bytes; call `finish` at the end of the stream for the verdict,
/// then forward `tail()` (`data: [DONE]` only if it verified). Memory stays bounded by the
/// longest line.
#[napi]
pub struct StreamVerifier {
    inner: ccverify::StreamVerifier,
    /// Set when a call panicked: the state is no longer trustworthy.
    poisoned: bool,
}

#[napi]
impl StreamVerifier {
    /// Starts verifying the stream answering `request` (the exact body sent), expecting a
    /// signature by `expectedAddress` (the attested signing address). Throws `invalid_address`
    /// for a malformed address.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "Buffer | Uint8Array | string")] request: Unknown<'_>,
        #[napi(ts_arg_type = "string | null")] expected_address: Option<Unknown<'_>>,
    ) -> Result<Self> {
        guard(|| {
            let request = js_bytes(&request, "request")?;
            let expected = js_address(expected_address)?;
            Ok(StreamVerifier {
                inner: ccverify::StreamVerifier::new(request.as_slice(), expected),
                poisoned: false,
            })
        })
    }

    /// Feeds the next chunk of the stream and returns what to pass on instead of it: the
    /// canonical re-serialisation of the events it completed, each exactly one data line the
    /// agent hashed (`data: <payload>` and a blank line; often empty) —
    /// `res.write(verifier.update(chunk))`.
    /// Never forward the raw chunks. Throws `invalid_state` after `finish`.
    #[napi(catch_unwind)]
    pub fn update(
        &mut self,
        #[napi(ts_arg_type = "Buffer | Uint8Array | string")] chunk: Unknown<'_>,
    ) -> Result<Buffer> {
        self.run(|inner| {
            let bytes = js_bytes(&chunk, "chunk")?;
            inner
                .update(bytes.as_slice())
                .map(Buffer::from)
                .map_err(core_error)
        })
    }

    /// After `finish`: the last bytes to pass on — an event the stream ended in without a
    /// closing blank line, then the `data: [DONE]` event only if the stream verified. Empty
    /// before.
    #[napi(catch_unwind)]
    pub fn tail(&mut self) -> Result<Buffer> {
        self.run(|inner| Ok(Buffer::from(inner.tail())))
    }

    /// Ends the stream and returns the verdict. Throws `invalid_state` when called twice; the
    /// verifier cannot be used afterwards.
    #[napi(catch_unwind)]
    pub fn finish(&mut self) -> Result<Verdict> {
        self.run(|inner| inner.finish().map(Verdict::from).map_err(core_error))
    }
}

impl StreamVerifier {
    fn run<T>(&mut self, f: impl FnOnce(&mut ccverify::StreamVerifier) -> Result<T>) -> Result<T> {
        if self.poisoned {
            return Err(core_error(ccverify::Error::InvalidState(
                "the verifier is unusable after an internal error".into(),
            )));
        }
        let inner = &mut self.inner;
        let result = guard(|| f(inner));
        if matches!(&result, Err(e) if e.status.0 == ErrorKind::Internal) {
            self.poisoned = true;
        }
        result
    }
}

/// Recovers the EIP-55 address that signed `message` as an EIP-191 personal message
/// (`signature`: 65 bytes `r‖s‖v` in hex, with or without `0x`). Throws
/// `invalid_signature` for a malformed or unrecoverable signature.
#[napi(catch_unwind)]
pub fn recover_address(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] message: Unknown<'_>,
    #[napi(ts_arg_type = "string")] signature: Unknown<'_>,
) -> Result<String> {
    guard(|| {
        let message = js_bytes(&message, "message")?;
        let signature = js_string(&signature, "signature")?;
        ccverify::eth::recover_personal_signer(message.as_slice(), &signature)
            .map(|address| address.to_checksum())
            .map_err(core_error)
    })
}

/// Whether the io.net agent answers this exact request body with a stream (its own rule:
/// `stream` true after pydantic's lax coercion, e.g. `1` or `"true"`); `false` for a body it
/// would refuse. Decide from this — never from a reply's `content-type`, which a relay controls —
/// whether to read a reply through a {@link StreamVerifier}.
#[napi(catch_unwind)]
pub fn request_streams(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] request: Unknown<'_>,
) -> Result<bool> {
    guard(|| {
        let request = js_bytes(&request, "request")?;
        Ok(ccverify::request_streams(request.as_slice()))
    })
}

/// A fresh 32-byte attestation nonce from the operating system's CSPRNG, as 64 lowercase hex
/// digits. Use a new one for every attestation. Throws `rng` if the generator fails.
#[napi(catch_unwind)]
pub fn generate_nonce() -> Result<String> {
    guard(|| {
        ccverify::Nonce::generate()
            .map(|nonce| nonce.to_hex())
            .map_err(core_error)
    })
}

/// Normalises a caller nonce exactly as the io.net agent does (lowercase, drop every `0x`,
/// hex-decode with whitespace between byte pairs, at most 32 bytes, right-pad with zeros) and
/// returns the 64 hex digits the evidence must contain. Throws `invalid_nonce` for input the
/// agent refuses, and for empty or all-zero nonces, which carry no freshness.
#[napi(catch_unwind)]
pub fn normalize_nonce(#[napi(ts_arg_type = "string")] nonce: Unknown<'_>) -> Result<String> {
    guard(|| {
        ccverify::Nonce::normalize(&js_string(&nonce, "nonce")?)
            .map(|nonce| nonce.to_hex())
            .map_err(core_error)
    })
}
