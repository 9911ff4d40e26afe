//! Signed exchanges: `verifyResponse`, `verifyStream`, the incremental `StreamVerifier` (which
//! hands on only verified events) and `requestStreams`.

use ccverify::ErrorKind;
use napi::bindgen_prelude::{Buffer, Unknown};
use napi_derive::napi;

use crate::input::{js_address, js_bytes, js_headers};
use crate::*;

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
