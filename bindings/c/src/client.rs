//! The io.net client over the C ABI: `ccverify_session_*` (attest, then chat plain or streamed)
//! and `ccverify_chat_response_*`, over [`ccverify_net::client`]. Every call blocks the calling
//! thread until the gateway answered (or the timeouts and retries of the configuration ran out).

use std::ffi::{CString, c_char, c_int, c_void};

use ccverify::Error;
use ccverify::Options as _;
use ccverify_net::Cancel;
use ccverify_net::client::{ChatError, ChatResponse, ClientConfig, Session};

use crate::{
    bytes, c_string, c_verdict, ccverify_status, ccverify_verdict, guard, guard_value, require_out,
    text, write_out,
};

/// An attested session with one model of the io.net gateway: the attestation verdict, the
/// pinned signing address and the evidence bundle. Made by `ccverify_session_attest`; free it
/// with `ccverify_session_free`.
///
/// Thread safety: calls on one session may overlap from several threads (chat while another
/// thread streams); only `ccverify_session_free` must wait until every call returned.
pub struct ccverify_session {
    inner: Session,
    model_id: CString,
    nonce_hex: CString,
}

/// One completion and its verdict. Made by `ccverify_session_chat` and
/// `ccverify_session_chat_stream`; free it with `ccverify_chat_response_free`.
///
/// Thread safety: immutable; any number of threads may read it at once.
pub struct ccverify_chat_response {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(CString, CString)>,
    verdict: ccverify_verdict,
    verified: bool,
    attested: bool,
    stream: bool,
}

/// Receives the bytes of a streamed completion as they arrive (`ccverify_session_chat_stream`):
/// `chunk` is valid for `len` bytes during the call only (copy what you keep); `user_data` is
/// the pointer given to `ccverify_session_chat_stream`. Called on the thread that called
/// `ccverify_session_chat_stream`, before that call returns.
///
/// Return 0 to go on; any other value stops the stream at once: the request is aborted (the
/// connection closed) and the call returns `CCVERIFY_STATUS_CANCELLED`.
///
/// The callback must not unwind: no C++ exception, `longjmp` or Rust panic may leave it (wrap
/// its body in `try`/`catch` in C++). It must not free the session it streams from; it may call
/// other functions of this library.
pub type ccverify_chunk_fn =
    Option<unsafe extern "C" fn(chunk: *const u8, len: usize, user_data: *mut c_void) -> c_int>;

/// A cancel token for the blocking calls (`ccverify_session_attest`, `ccverify_session_chat`,
/// `ccverify_session_chat_stream`): pass it to a call, then `ccverify_cancel_cancel` from any
/// thread stops that call — the HTTP request in flight is aborted, not waited out — and it
/// returns `CCVERIFY_STATUS_CANCELLED`. A token stays cancelled (make a new one for new calls)
/// and may be shared by several calls. Thread-safe: cancelling while another thread is in a
/// call is the point. Free it with `ccverify_cancel_free` after the calls using it returned.
pub struct ccverify_cancel {
    inner: Cancel,
}

/// Makes a cancel token in `*out` (free it with `ccverify_cancel_free`).
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` when `out` is NULL.
///
/// # Safety
/// `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_cancel_new(out: *mut *mut ccverify_cancel) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        let token = Box::into_raw(Box::new(ccverify_cancel {
            inner: Cancel::new(),
        }));
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, token) }
    })
}

/// Cancels every call using `cancel` (from any thread; idempotent). NULL is ignored.
///
/// # Safety
/// `cancel` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_cancel_cancel(cancel: *const ccverify_cancel) {
    guard_value((), || {
        // SAFETY: NULL or live per the caller's contract.
        if let Some(c) = unsafe { cancel.as_ref() } {
            c.inner.cancel();
        }
    })
}

/// Whether `cancel` was cancelled (false for NULL).
///
/// # Safety
/// `cancel` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_cancel_is_cancelled(cancel: *const ccverify_cancel) -> bool {
    guard_value(false, || {
        // SAFETY: NULL or live per the caller's contract.
        unsafe { cancel.as_ref() }.is_some_and(|c| c.inner.is_cancelled())
    })
}

/// Frees a cancel token. NULL is ignored. No call may still be using it.
///
/// # Safety
/// `cancel` NULL or a live token not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_cancel_free(cancel: *mut ccverify_cancel) {
    guard_value((), || {
        if !cancel.is_null() {
            // SAFETY: allocated by Box::into_raw in `ccverify_cancel_new`, freed once.
            drop(unsafe { Box::from_raw(cancel) });
        }
    })
}

/// The token behind `cancel`, or a fresh one nobody can cancel for NULL.
///
/// # Safety
/// `cancel` NULL or live.
unsafe fn token(cancel: *const ccverify_cancel) -> Cancel {
    // SAFETY: NULL or live per the caller's contract.
    unsafe { cancel.as_ref() }.map_or_else(Cancel::new, |c| c.inner.clone())
}

/// Writes a chat's reply to `out`: on success, and also for the unverified reply of a strict
/// session, which is returned as `CCVERIFY_STATUS_UNVERIFIED_RESPONSE` with `*out` written so
/// that its verdict can be read (free it as usual).
///
/// # Safety
/// `out` non-NULL and writable.
unsafe fn deliver(
    out: *mut *mut ccverify_chat_response,
    result: Result<ChatResponse, ChatError>,
) -> Result<(), Error> {
    match result {
        Ok(reply) => {
            // SAFETY: forwarded caller contract.
            unsafe { write_out(out, boxed_response(reply)) }
        }
        Err(ChatError::Unverified(reply)) => {
            let error = ChatError::Unverified(reply.clone()).error();
            // SAFETY: forwarded caller contract.
            unsafe { write_out(out, boxed_response(*reply)) }?;
            Err(error)
        }
        Err(ChatError::Failed(e)) => Err(e),
    }
}

/// Borrows the session behind a handle, or fails for NULL.
///
/// # Safety
/// `session` must be NULL or a live pointer from `ccverify_session_attest`.
unsafe fn session_ref<'a>(session: *const ccverify_session) -> Result<&'a ccverify_session, Error> {
    // SAFETY: NULL or a live Box-allocated session per the caller's contract.
    unsafe { session.as_ref() }.ok_or_else(|| Error::InvalidArgument("session is NULL".into()))
}

/// Borrows the response behind a handle.
///
/// # Safety
/// `response` must be NULL or a live pointer from this library.
unsafe fn response_ref<'a>(
    response: *const ccverify_chat_response,
) -> Option<&'a ccverify_chat_response> {
    // SAFETY: NULL or a live Box-allocated response per the caller's contract.
    unsafe { response.as_ref() }
}

fn boxed_response(r: ChatResponse) -> *mut ccverify_chat_response {
    let headers = r
        .headers
        .iter()
        .map(|(k, v)| (c_string(k), c_string(v)))
        .collect();
    Box::into_raw(Box::new(ccverify_chat_response {
        status: r.status,
        body: r.body,
        headers,
        verdict: c_verdict(r.verdict),
        verified: r.verified,
        attested: r.attested,
        stream: r.stream,
    }))
}

/// Attests `model_id` (the model's UUID) at the io.net gateway with a fresh nonce and verifies
/// the answer end to end, as `ccverify_verify_report` does, fetching the NVIDIA RIMs, OCSP
/// answers and Intel collateral it needs unless the policy is offline. The attested
/// `signing_address` is pinned: every completion of the session is verified against it.
/// Blocks until done.
///
/// `config_json` is NULL or `""` for the defaults (the public gateway
/// `https://api.intelligence.io.net`, the API key from `$IO_API_KEY`, the `default` policy), or
/// a JSON object with any of the keys: `"base_url"` (without `/v1`), `"api_key"` (sent as
/// `Authorization: Bearer`; default `$IO_API_KEY`), `"timeout_ms"` (per request, connection to
/// last byte; streams count per read; default 120000), `"retries"` (on connection failures, 429
/// and 5xx; default 3), `"backoff_ms"` (the first backoff, doubling up to 8 s; a `Retry-After`
/// of up to 30 s is honoured; default 500), `"policy"` (an object, or text: JSON, TOML or a
/// preset name `"default"`, `"offline"`, `"strict"`; `"offline"` fetches nothing),
/// `"allow_unverified"` (chat even when the attestation did not verify; default false),
/// `"rim_dir"`, `"ocsp_dir"` (local RIMs and DER OCSP answers, consulted first),
/// `"strict"` (an unverified reply is `CCVERIFY_STATUS_UNVERIFIED_RESPONSE`; default on
/// unless `"allow_unverified"`), `"collateral"` (Intel collateral as an object or JSON text;
/// absent = fetched unless
/// offline; a policy object's `"trust": "test"` selects ccverify's TEST roots, which prove
/// nothing about real hardware, and `"trust": "<path>"` a PEM file of your own roots, warned
/// about the same way), `"pccs_url"`, `"rim_url"` (an NVIDIA RIM service base URL), `"ocsp_url"` (one
/// OCSP responder for every certificate; e.g. the URLs `ccverify sandbox --evidence test`
/// prints), `"at"` (the verification time as RFC 3339 text or Unix seconds;
/// default the clock at attestation), `"record_exchanges"` (keep every completion in the
/// bundle; default false) and `"headers"` (an object of extra request headers). Unknown keys
/// are refused.
///
/// A session is returned whether or not the attestation verified: look at
/// `ccverify_session_attested` and `ccverify_session_verdict`. On success `*out` receives the
/// session; free it with `ccverify_session_free`.
///
/// Errors: `CCVERIFY_STATUS_NETWORK` when the gateway cannot be reached or answers with an
/// error status after the retries (`ccverify_last_error_message` has the HTTP status and the
/// gateway's reason, e.g. `401`); `CCVERIFY_STATUS_INVALID_ARGUMENT` for a configuration that
/// does not parse (not JSON, an unknown key, a wrong type, a policy that does not parse), an
/// unreadable `rim_dir` or `ocsp_dir`, NULL pointers and text that is not UTF-8;
/// `CCVERIFY_STATUS_RNG` when no nonce could be drawn.
///
/// `cancel` (NULL: not cancellable) stops the call from another thread: the attestation
/// request and every RIM, OCSP or collateral fetch in flight is aborted and the call returns
/// `CCVERIFY_STATUS_CANCELLED`.
///
/// # Safety
/// `config_json` NULL or NUL-terminated; `model_id` NUL-terminated; `cancel` NULL or live;
/// `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_attest(
    config_json: *const c_char,
    model_id: *const c_char,
    cancel: *const ccverify_cancel,
    out: *mut *mut ccverify_session,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: caller contract for both strings.
        let (config, model_id) = unsafe {
            let config = if config_json.is_null() {
                ClientConfig::from_env()
            } else {
                ClientConfig::from_json(text(config_json, "config_json")?)?
            };
            (config, text(model_id, "model_id")?)
        };
        // SAFETY: forwarded caller contract.
        let token = unsafe { token(cancel) };
        let inner = Session::attest_cancellable(config, model_id, &token)?;
        let session = ccverify_session {
            model_id: c_string(inner.model_id()),
            nonce_hex: c_string(&inner.nonce_hex()),
            inner,
        };
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, Box::into_raw(Box::new(session))) }
    })
}

/// Frees a session. NULL is ignored. Responses made by the session stay valid.
///
/// # Safety
/// `session` must be NULL or a live session not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_free(session: *mut ccverify_session) {
    guard_value((), || {
        if !session.is_null() {
            // SAFETY: allocated by Box::into_raw in `ccverify_session_attest`, freed once per
            // the contract.
            drop(unsafe { Box::from_raw(session) });
        }
    })
}

/// The attestation verdict of the session, as a copy: `*out` receives a verdict that the
/// caller frees with `ccverify_verdict_free` (it outlives the session). Its checks are those of
/// `ccverify_verify_report` (`report.*`, `gpu.*` with subjects `"gpu0"`, …, `tdx.*`); its fact
/// `"summary"` says in plain words what is and is not proven.
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers.
///
/// # Safety
/// `session` NULL or live; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_verdict(
    session: *const ccverify_session,
    out: *mut *mut ccverify_verdict,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(session) }?;
        let verdict = crate::boxed_verdict(s.inner.verdict().clone());
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, verdict) }
    })
}

/// Whether the session's attestation verified. False for NULL.
///
/// # Safety
/// `session` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_attested(session: *const ccverify_session) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded caller contract.
        unsafe { session_ref(session) }.is_ok_and(|s| s.inner.attested())
    })
}

/// The pinned signing address (the attested `signing_address`, EIP-55), as a string the caller
/// frees with `ccverify_string_free`. When the attestation carried no well-formed
/// `signing_address`, the call succeeds and writes NULL: nothing is pinned, so no completion of
/// the session can verify (`response.signer` fails).
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers.
///
/// # Safety
/// `session` NULL or live; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_signing_address(
    session: *const ccverify_session,
    out: *mut *mut c_char,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(session) }?;
        let address = s.inner.signing_address().map_or(std::ptr::null_mut(), |a| {
            c_string(&a.to_checksum()).into_raw()
        });
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, address) }
    })
}

/// The model UUID the session attested. Borrowed from the session; NULL for NULL.
///
/// # Safety
/// `session` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_model_id(
    session: *const ccverify_session,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        unsafe { session_ref(session) }.map_or(std::ptr::null(), |s| s.model_id.as_ptr())
    })
}

/// The nonce the session sent with its attestation request (64 lowercase hex digits).
/// Borrowed from the session; NULL for NULL.
///
/// # Safety
/// `session` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_nonce_hex(
    session: *const ccverify_session,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        unsafe { session_ref(session) }.map_or(std::ptr::null(), |s| s.nonce_hex.as_ptr())
    })
}

/// The session's evidence bundle as JSON (`"format": "ccverify-bundle/1"`): the attestation as
/// received, the nonce, the collateral, RIMs and OCSP answers used, the policy, the time and —
/// with `"record_exchanges"` — every completion so far. `ccverify_verify_bundle` re-verifies it
/// offline. `*out` receives a string the caller frees with `ccverify_string_free`.
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers.
///
/// # Safety
/// `session` NULL or live; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_bundle_json(
    session: *const ccverify_session,
    out: *mut *mut c_char,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(session) }?;
        let json = c_string(&s.inner.bundle().to_json()).into_raw();
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { write_out(out, json) }
    })
}

/// Sends one plain chat completion (`POST /v1/private/completions` with exactly the `body_len`
/// bytes at `body`, an OpenAI chat request) and verifies the signed reply against the pinned
/// signing address. Blocks until done.
///
/// On success `*out` receives the response (free it with `ccverify_chat_response_free`). Its
/// verdict has the exchange's checks (`response.signature`, `response.signer`,
/// `response.request_hash`, `response.response_hash`, …) plus `session.attestation`; it is
/// verified only when the exchange verified AND the session's attestation did. A strict
/// session (`"strict"` in the configuration; on by default unless `"allow_unverified"` is set)
/// returns a reply that did not verify as `CCVERIFY_STATUS_UNVERIFIED_RESPONSE`, with `*out`
/// written all the same so that its verdict can be read (free it); otherwise such a reply is
/// `CCVERIFY_STATUS_OK` with `ccverify_chat_response_verified` false.
///
/// Errors: `CCVERIFY_STATUS_ATTESTATION_FAILED` when the attestation did not verify and the
/// configuration did not set `"allow_unverified"`; `CCVERIFY_STATUS_NETWORK` when the gateway
/// cannot be reached or answers with an error status after the retries (error replies are
/// never signed); `CCVERIFY_STATUS_LIMIT_EXCEEDED` for a body over `CCVERIFY_MAX_INPUT_LEN` or a
/// reply over 32 MiB; `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers.
///
/// `cancel` (NULL: not cancellable) stops the call from another thread; the request is
/// aborted and the call returns `CCVERIFY_STATUS_CANCELLED`.
///
/// # Safety
/// `session` NULL or live; `body` valid for `body_len` bytes (NULL allowed when the length is
/// 0); `cancel` NULL or live; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_chat(
    session: *const ccverify_session,
    body: *const u8,
    body_len: usize,
    cancel: *const ccverify_cancel,
    out: *mut *mut ccverify_chat_response,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(session) }?;
        // SAFETY: caller contract for the body.
        let body = unsafe { bytes(body, body_len, "body") }?;
        // SAFETY: forwarded caller contract.
        let token = unsafe { token(cancel) };
        let result = s.inner.chat_cancellable(body, &token);
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { deliver(out, result) }
    })
}

/// Sends one streamed chat completion (the body should say `"stream": true`) and verifies the
/// SSE stream against the pinned signing address. Blocks until the stream ended.
///
/// `on_chunk` (may be NULL) receives, on the calling thread with `user_data`, never the relayed
/// bytes but the canonical re-serialisation of each event as it is shown to be one data line
/// the agent hashed (`data: <payload>\n\n`), and at the end `data: [DONE]\n\n` only if the
/// stream and the session verified. With `hold`, nothing is passed while the stream arrives:
/// all of it is passed in one call once it verified, and never when it did not (so on a
/// session whose attestation did not verify, never). The concatenated chunks are the response
/// body.
///
/// On success `*out` receives the response (free it with `ccverify_chat_response_free`); its
/// body is those canonical events, its verdict has the stream's checks (`stream.signature_block`, `stream.coverage`,
/// `response.signer`, `response.request_hash`, `response.response_hash`, …) plus
/// `session.attestation`. Errors: as `ccverify_session_chat`; a connection lost mid-stream is
/// `CCVERIFY_STATUS_NETWORK` (chunks already passed to `on_chunk` stay passed).
///
/// `on_chunk` returning non-zero, or `cancel` (NULL: not cancellable) cancelled from another
/// thread, stops the stream: the request is aborted (the gateway sees the connection close)
/// and the call returns `CCVERIFY_STATUS_CANCELLED`.
///
/// # Safety
/// As `ccverify_session_chat`; `on_chunk` NULL or a function that does not unwind (see
/// `ccverify_chunk_fn`), called with `user_data` as given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_session_chat_stream(
    session: *const ccverify_session,
    body: *const u8,
    body_len: usize,
    hold: bool,
    on_chunk: ccverify_chunk_fn,
    user_data: *mut c_void,
    cancel: *const ccverify_cancel,
    out: *mut *mut ccverify_chat_response,
) -> ccverify_status {
    guard(|| {
        require_out(out)?;
        // SAFETY: forwarded caller contract.
        let s = unsafe { session_ref(session) }?;
        // SAFETY: caller contract for the body.
        let body = unsafe { bytes(body, body_len, "body") }?;
        // SAFETY: forwarded caller contract.
        let token = unsafe { token(cancel) };
        let result = (|| {
            let mut stream = s.inner.stream(body, hold, token.clone())?;
            while let Some(chunk) = stream.next_chunk()? {
                if let Some(f) = on_chunk {
                    // SAFETY: a C callback per the caller's contract: it reads `chunk.len()`
                    // bytes at a pointer valid for the call and receives the caller's own
                    // `user_data`; it does not unwind.
                    let stop = unsafe { f(chunk.as_ptr(), chunk.len(), user_data) };
                    if stop != 0 {
                        // Dropping the stream aborts the request.
                        return Err(ChatError::Failed(Error::Cancelled(
                            "stream: on_chunk asked to stop; the request was aborted".into(),
                        )));
                    }
                }
            }
            stream.into_response()
        })();
        // SAFETY: `out` checked non-NULL; writable per the caller's contract.
        unsafe { deliver(out, result) }
    })
}

/// Frees a response. NULL is ignored.
///
/// # Safety
/// `response` must be NULL or a live response not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_free(response: *mut ccverify_chat_response) {
    guard_value((), || {
        if !response.is_null() {
            // SAFETY: allocated by Box::into_raw in `boxed_response`, freed once per the
            // contract.
            drop(unsafe { Box::from_raw(response) });
        }
    })
}

/// The HTTP status of the reply (2xx: other statuses are errors). 0 for NULL.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_status(
    response: *const ccverify_chat_response,
) -> u16 {
    guard_value(0, || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }.map_or(0, |r| r.status)
    })
}

/// The body to hand on: for a plain reply the exact body received; for a stream the canonical
/// events (see `ccverify_session_chat_stream`), never the relayed bytes: `*ptr` receives its address
/// (NULL when it is empty) and `*len` its length. Borrowed from the response.
///
/// Errors: `CCVERIFY_STATUS_INVALID_ARGUMENT` for NULL pointers.
///
/// # Safety
/// `response` NULL or live; `ptr` and `len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_body(
    response: *const ccverify_chat_response,
    ptr: *mut *const u8,
    len: *mut usize,
) -> ccverify_status {
    guard(|| {
        require_out(ptr)?;
        require_out(len)?;
        // SAFETY: forwarded caller contract.
        let r = unsafe { response_ref(response) }
            .ok_or_else(|| Error::InvalidArgument("response is NULL".into()))?;
        // SAFETY: both checked non-NULL; writable per the caller's contract.
        unsafe { crate::lend(&r.body, ptr, len) }
    })
}

/// True only if the exchange verified against the pinned key AND the session's attestation
/// verified. False for NULL.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_verified(
    response: *const ccverify_chat_response,
) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }.is_some_and(|r| r.verified)
    })
}

/// Whether the attestation of the session that made this response verified. False for NULL.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_attested(
    response: *const ccverify_chat_response,
) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }.is_some_and(|r| r.attested)
    })
}

/// Whether the body is an SSE stream (`ccverify_session_chat_stream`). False for NULL.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_stream(
    response: *const ccverify_chat_response,
) -> bool {
    guard_value(false, || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }.is_some_and(|r| r.stream)
    })
}

/// The response's verdict: the exchange's checks plus `session.attestation`. Borrowed from the
/// response, like its strings: read it with the `ccverify_verdict_*` accessors and never pass it
/// to `ccverify_verdict_free`. NULL for NULL.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_verdict(
    response: *const ccverify_chat_response,
) -> *const ccverify_verdict {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }
            .map_or(std::ptr::null(), |r| std::ptr::from_ref(&r.verdict))
    })
}

/// Number of response headers (0 for NULL).
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_header_count(
    response: *const ccverify_chat_response,
) -> usize {
    guard_value(0, || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }.map_or(0, |r| r.headers.len())
    })
}

/// The name of response header `index` (lower case, in the order received), or NULL if out of
/// range. Borrowed.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_header_name(
    response: *const ccverify_chat_response,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }
            .and_then(|r| r.headers.get(index))
            .map_or(std::ptr::null(), |(name, _)| name.as_ptr())
    })
}

/// The value of response header `index`, or NULL if out of range. Borrowed.
///
/// # Safety
/// `response` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_header_value(
    response: *const ccverify_chat_response,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        unsafe { response_ref(response) }
            .and_then(|r| r.headers.get(index))
            .map_or(std::ptr::null(), |(_, value)| value.as_ptr())
    })
}

/// The value of the first response header named `name` (matched case-insensitively, e.g.
/// `"signature"`), or NULL if there is none. Borrowed.
///
/// # Safety
/// `response` NULL or live; `name` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ccverify_chat_response_header(
    response: *const ccverify_chat_response,
    name: *const c_char,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: forwarded caller contract.
        let (Some(r), Ok(name)) = (unsafe { response_ref(response) }, unsafe {
            text(name, "name")
        }) else {
            return std::ptr::null();
        };
        r.headers
            .iter()
            .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .map_or(std::ptr::null(), |(_, value)| value.as_ptr())
    })
}
