//! Signed exchanges: `ccverify_verify_response`, `ccverify_verify_stream` and the incremental
//! `ccverify_stream_verifier_*`, which hands on only verified events.

use std::ffi::c_char;

use ccverify::{Error, StreamVerifier};

use crate::*;

/// An incremental verifier for a streamed response. Free with `ccverify_stream_verifier_free`.
///
/// Thread safety: it may move between threads, but only one thread may use it at a time
/// (`_update`, `_tail`, `_finish` change it).
pub struct ccverify_stream_verifier {
    inner: StreamVerifier,
    /// What the last `_update` or `_tail` handed out; valid until the next call.
    out: Vec<u8>,
}

/// Whether the io.net agent answers the request body (`request_len` bytes) with a stream: its
/// own rule, `"stream"` true after pydantic's lax coercion (`true`, `1`, `"true"`, …). False
/// for a body the agent would refuse, and for NULL with a non-zero length. Decide from this —
/// never from a reply's `Content-Type`, which a relay controls — whether to read a reply
/// through a stream verifier.
///
/// # Safety
/// `request` valid for `request_len` bytes (NULL allowed when the length is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_request_streams(request: *const u8, request_len: usize) -> bool {
    guard_value(false, || {
        // SAFETY: caller contract for the request.
        unsafe { bytes(request, request_len, "request") }.is_ok_and(ccverify::request_streams)
    })
}

/// Verifies a plain (non-streamed) io.net response.
///
/// `request`/`response` are the exact body bytes sent and received. `header_names` and
/// `header_values` are `header_count` NUL-terminated UTF-8 strings each (names are matched
/// case-insensitively). `expected_address` is the attested signing address, or NULL — but
/// without it the verdict is never verified. On success `*out` receives a verdict that the
/// caller frees with `ccverify_verdict_free`. Bad evidence is not an error: it is a failed
/// check in the verdict.
///
/// # Safety
/// Every pointer must be valid for its stated length (a buffer may be NULL when its length is
/// 0); `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_response(
    request: *const u8,
    request_len: usize,
    response: *const u8,
    response_len: usize,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    expected_address: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let request = bytes(request, request_len, "request")?;
            let response = bytes(response, response_len, "response")?;
            let expected = optional_address(expected_address)?;
            let mut headers = Vec::with_capacity(header_count.min(1024));
            if header_count > 0 {
                if header_names.is_null() || header_values.is_null() {
                    return Err(Error::InvalidArgument(
                        "header arrays are NULL with a non-zero count".into(),
                    ));
                }
                if header_count > 1 << 16 {
                    return Err(Error::LimitExceeded(format!("{header_count} headers")));
                }
                for i in 0..header_count {
                    let name = text(*header_names.add(i), "header name")?;
                    let value = text(*header_values.add(i), "header value")?;
                    headers.push((name, value));
                }
            }
            let verdict = ccverify::verify_response(request, response, &headers, expected.as_ref());
            write_out(out, boxed_verdict(verdict))
        }
    })
}

/// Verifies a complete SSE stream (all bytes to the end of the connection). Same conventions
/// as `ccverify_verify_response`.
///
/// # Safety
/// As for `ccverify_verify_response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_verify_stream(
    request: *const u8,
    request_len: usize,
    stream: *const u8,
    stream_len: usize,
    expected_address: *const c_char,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let request = bytes(request, request_len, "request")?;
            let stream = bytes(stream, stream_len, "stream")?;
            let expected = optional_address(expected_address)?;
            let verdict = ccverify::verify_stream(request, stream, expected.as_ref());
            write_out(out, boxed_verdict(verdict))
        }
    })
}

/// Starts verifying a stream incrementally. Feed bytes with `ccverify_stream_verifier_update`
/// as they arrive (any chunking), then call `ccverify_stream_verifier_finish`. Free the
/// verifier with `ccverify_stream_verifier_free`, finished or not.
///
/// # Safety
/// As for `ccverify_verify_response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_new(
    request: *const u8,
    request_len: usize,
    expected_address: *const c_char,
    out: *mut *mut ccverify_stream_verifier,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for every argument.
        unsafe {
            let request = bytes(request, request_len, "request")?;
            let expected = optional_address(expected_address)?;
            let inner = StreamVerifier::new(request, expected);
            write_out(
                out,
                Box::into_raw(Box::new(ccverify_stream_verifier {
                    inner,
                    out: Vec::new(),
                })),
            )
        }
    })
}

/// Feeds the next `chunk_len` bytes of the stream (any chunking, even inside a UTF-8
/// character; the bytes are not retained) and hands back what to forward instead of them:
/// `*out` / `*out_len` receive the canonical re-serialisation of the events these bytes
/// completed (`data: <payload>\n\n` per data line the agent hashed; often empty, then `*out` is
/// NULL). Never forward the raw chunks: only these bytes are covered by the signature. The
/// buffer is borrowed from the verifier and valid until the next call on it.
///
/// # Safety
/// `verifier` must be a live verifier from `ccverify_stream_verifier_new`; `chunk` valid for
/// `chunk_len` bytes; `out` and `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_update(
    verifier: *mut ccverify_stream_verifier,
    chunk: *const u8,
    chunk_len: usize,
    out: *mut *const u8,
    out_len: *mut usize,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        require_out(out_len)?;
        // SAFETY: caller contract: NULL or a live, exclusively used verifier.
        let v = unsafe { verifier.as_mut() }
            .ok_or_else(|| Error::InvalidArgument("verifier is NULL".into()))?;
        // SAFETY: caller contract for the chunk.
        let chunk = unsafe { bytes(chunk, chunk_len, "chunk") }?;
        v.out = v.inner.update(chunk)?;
        // SAFETY: both checked non-NULL; writable per the caller's contract.
        unsafe { lend(&v.out, out, out_len) }
    })
}

/// After `ccverify_stream_verifier_finish`: the last bytes to forward — the event the stream
/// ended in without a closing blank line, if any, then `data: [DONE]\n\n` only if the stream
/// verified. `*out` / `*out_len` as for `ccverify_stream_verifier_update` (borrowed, valid
/// until the next call on the verifier). Before `finish` it is empty.
///
/// # Safety
/// `verifier` must be a live verifier; `out` and `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_tail(
    verifier: *mut ccverify_stream_verifier,
    out: *mut *const u8,
    out_len: *mut usize,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        require_out(out_len)?;
        // SAFETY: caller contract: NULL or a live, exclusively used verifier.
        let v = unsafe { verifier.as_mut() }
            .ok_or_else(|| Error::InvalidArgument("verifier is NULL".into()))?;
        v.out = v.inner.tail();
        // SAFETY: both checked non-NULL; writable per the caller's contract.
        unsafe { lend(&v.out, out, out_len) }
    })
}

/// Ends the stream; on success `*out` receives the verdict (free it with
/// `ccverify_verdict_free`). A second call gives `CCVERIFY_STATUS_INVALID_STATE`.
///
/// # Safety
/// `verifier` must be a live verifier; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_finish(
    verifier: *mut ccverify_stream_verifier,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract: NULL or a live, exclusively used verifier.
        let v = unsafe { verifier.as_mut() }
            .ok_or_else(|| Error::InvalidArgument("verifier is NULL".into()))?;
        let verdict = v.inner.finish()?;
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, boxed_verdict(verdict)) }
    })
}

/// Frees a stream verifier. NULL is ignored.
///
/// # Safety
/// `verifier` must be NULL or a live verifier not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_stream_verifier_free(verifier: *mut ccverify_stream_verifier) {
    guard_value((), || {
        if !verifier.is_null() {
            // SAFETY: allocated by Box::into_raw in `_new`, freed once per the contract.
            drop(unsafe { Box::from_raw(verifier) });
        }
    })
}
