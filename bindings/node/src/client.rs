//! The io.net client: `Session` (attest, then chat plain or streamed), `ChatResponse`, `Model`
//! and `listModels`, over [`ccverify_net::client`].
//!
//! The core client is blocking (each call drives its request on ccverify-net's own small
//! runtime), so every network call runs on a thread of ccverify-net's blocking pool
//! ([`off_pool`]) — never on the JavaScript thread, and never on the libuv pool, whose four
//! threads also serve `fs`, DNS and crypto: a few long streams waiting there would starve them.
//! Each call settles a promise through a napi deferred. An `AbortSignal` (`options.signal`)
//! cancels the call's token, which aborts the request in flight. Failures reject with the same
//! `Error`s (with `code`) the synchronous exports throw: the rejection value is built on the
//! JavaScript thread in `resolve`, from the core error computed on the I/O thread.
//!
//! `chatStream`'s `onChunk` is a thread-safe function called in non-blocking mode from the I/O
//! thread as chunks arrive; its calls run in order on the JavaScript thread. The task counts the
//! calls it queued and, before it completes, waits until each has run, so every chunk has been
//! delivered before the promise settles. A callback that throws stops the delivery: the stream
//! is dropped at the next chunk (the request is aborted) and the promise rejects with the
//! thrown value.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ccverify_net::Cancel;
use ccverify_net::client as net;
use napi::bindgen_prelude::{
    Buffer, Either, FnArgs, Function, JsObjectValue, Null, Object, Unknown,
};
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};
use napi::{Env, JsDeferred, JsValue, Status, Task, ValueType};
use napi_derive::napi;

use crate::error::rejection;
use crate::input::{is_null, js_bool, js_options, js_plain_object};
use crate::input::{js_bytes, js_string};
use crate::{JsError, Result, Verdict, core_error, guard, invalid_argument};

/// How to reach the io.net gateway and how to judge what it says: the options of
/// {@link Session.attest} and {@link listModels}. Every key is optional; `undefined` and `null`
/// mean "the default". Any other key throws `invalid_argument`, so that a misspelt key cannot
/// silently weaken the policy.
// Only the TypeScript interface is generated from this struct: the JS object is read key by
// key into the core's `ClientConfig` (see `ClientConfig::from_js`).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct ClientConfig {
    /// The gateway's base URL, without `/v1` (default `https://api.intelligence.io.net`).
    pub base_url: Option<String>,
    /// The io.net API key, sent as `Authorization: Bearer` (default: the `IO_API_KEY`
    /// environment variable of the process, read when the config is).
    pub api_key: Option<String>,
    /// Per-request timeout in milliseconds, connection to last byte (default 120000; streams
    /// count it per read).
    pub timeout_ms: Option<u32>,
    /// Retries on connection failures, HTTP 429 and 5xx (default 3), with exponential backoff
    /// from `backoffMs` (doubling, at most 8 s; a `Retry-After` of up to 30 s is honoured).
    pub retries: Option<u32>,
    /// The first backoff in milliseconds (default 500).
    pub backoff_ms: Option<u32>,
    /// The appraisal policy of the attestation, in any form {@link ReportOptions.policy} takes
    /// (default: the `default` preset). `'offline'` (or `offline: true`) stops every fetch of
    /// RIMs, OCSP answers and Intel collateral.
    #[napi(ts_type = "string | Policy")]
    pub policy: Option<String>,
    /// Chat even when the attestation did not verify (default `false`); every reply is then
    /// marked unverified (`verified: false`, `attested: false`, `session.attestation` fails).
    pub allow_unverified: Option<bool>,
    /// Fail closed (default: on, unless `allowUnverified` is set): a reply that did not verify
    /// rejects with `unverified_response`, the reply in `err.response`, instead of resolving
    /// with `verified: false`.
    pub strict: Option<bool>,
    /// Local NVIDIA RIMs, consulted before NVIDIA's RIM service.
    pub rim_dir: Option<String>,
    /// Local DER OCSP responses, consulted before the live responders.
    pub ocsp_dir: Option<String>,
    /// Intel collateral for the TDX quote (text, bytes or the parsed object); by default it is
    /// fetched (unless offline).
    #[napi(ts_type = "string | Buffer | Uint8Array | Record<string, unknown>")]
    pub collateral: Option<String>,
    /// Intel PCS or PCCS base URL for the collateral (default Intel PCS).
    pub pccs_url: Option<String>,
    /// Base URL of an NVIDIA RIM service, RIMs at `{rimUrl}/v1/rim/{id}` (default NVIDIA's),
    /// e.g. the `rim_url` a `ccverify sandbox --evidence test` prints.
    pub rim_url: Option<String>,
    /// An OCSP responder asked about every certificate (default: each certificate's own),
    /// e.g. the test sandbox's `ocsp_url`.
    pub ocsp_url: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds or RFC 3339 text (default: the
    /// clock at attestation).
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// Keep every exchange in the session's bundle (default `false`: memory grows per call).
    pub record_exchanges: Option<bool>,
    /// Extra request headers sent to the gateway (e.g. an organisation header).
    #[napi(ts_type = "Record<string, string>")]
    pub headers: Option<String>,
}

/// Options of {@link Session.chatStream}. Any other key throws `invalid_argument`.
// Only the TypeScript interface is generated from this struct (see `StreamOptions::from_js`).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct ChatStreamOptions {
    /// Deliver nothing until the whole stream verified, then the whole body as one chunk;
    /// nothing at all when it did not verify (default `false`: each chunk as it arrives).
    pub hold: Option<bool>,
    /// Called with the verified events (a `Buffer`: each event is one data line the agent
    /// hashed, re-serialised, never the relayed bytes; the last call ends with the
    /// `data: [DONE]` event only if the stream and the session verified) as they arrive, in
    /// order, on the JavaScript thread.
    /// Every call has run before the promise settles. If it throws, the stream is abandoned at
    /// the next chunk and the promise rejects with the thrown value.
    #[napi(ts_type = "(chunk: Buffer) => void")]
    pub on_chunk: Option<String>,
    /// Aborts the stream: the request is aborted at once (the gateway sees the connection
    /// close) and the promise rejects with code `cancelled`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<String>,
}

/// The options of {@link Session.chat} and {@link Session.attest}.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
#[allow(
    dead_code,
    reason = "only its TypeScript interface is generated and used"
)]
pub struct CallOptions {
    /// Aborts the call: the request in flight is aborted at once and the promise rejects with
    /// code `cancelled`.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<String>,
}

/// `EventTarget.addEventListener(type, listener)`.
type AddEventListener<'env> =
    Function<'env, FnArgs<(String, Function<'env, (), ()>)>, Unknown<'env>>;

/// The cancel token of an `AbortSignal`: cancelled at once when the signal has already
/// aborted, else when its `abort` event fires.
fn abort_token(env: &Env, signal: &Unknown<'_>, name: &str) -> Result<Cancel> {
    let wrong = || invalid_argument(format!("{name} must be an AbortSignal"));
    if signal.get_type().map_err(|_| wrong())? != ValueType::Object {
        return Err(wrong());
    }
    let object = signal.coerce_to_object().map_err(|_| wrong())?;
    let aborted: bool = object
        .get_named_property::<bool>("aborted")
        .map_err(|_| wrong())?;
    let token = Cancel::new();
    if aborted {
        token.cancel();
        return Ok(token);
    }
    let add: AddEventListener<'_> = object
        .get_named_property("addEventListener")
        .map_err(|_| wrong())?;
    let on_abort = token.clone();
    let listener = env
        .create_function_from_closure::<(), (), _>("ccverifyAbort", move |_| {
            on_abort.cancel();
            Ok(())
        })
        .map_err(|_| wrong())?;
    add.apply(object, FnArgs::from(("abort".to_string(), listener)))
        .map_err(|_| wrong())?;
    Ok(token)
}

/// Reads `{ signal }` (every key optional; `null`/`undefined` for the whole object).
fn call_options(env: &Env, value: Option<Unknown<'_>>) -> Result<Cancel> {
    let token = Cancel::new();
    let Some(value) = value else {
        return Ok(token);
    };
    let wrong = || invalid_argument("options must be an object, null or undefined");
    match value.get_type().map_err(|_| wrong())? {
        ValueType::Undefined | ValueType::Null => return Ok(token),
        ValueType::Object => {}
        _ => return Err(wrong()),
    }
    let object = js_plain_object(&value, "options")?;
    let mut token = token;
    for key in Object::keys(&object).map_err(|_| wrong())? {
        let Some(field) = object.get::<Unknown<'_>>(&key).map_err(|_| wrong())? else {
            continue;
        };
        if is_null(&field) {
            continue;
        }
        match key.as_str() {
            "signal" => token = abort_token(env, &field, "options.signal")?,
            _ => return Err(invalid_argument(format!("unknown option {key:?}"))),
        }
    }
    Ok(token)
}

/// The thread-safe `onChunk`: called from the pool thread with the chunk's bytes, it calls the
/// JS function with a `Buffer`; JS exceptions come back to the call's completion callback.
type ChunkFn = ThreadsafeFunction<Vec<u8>, UnknownReturnValue, Buffer, Status, false>;

/// The options of one `chatStream` call, read on the JavaScript thread.
struct StreamOptions {
    hold: bool,
    on_chunk: Option<ChunkFn>,
}

impl StreamOptions {
    fn from_js(env: &Env, value: Option<Unknown<'_>>) -> Result<(StreamOptions, Cancel)> {
        let mut options = StreamOptions {
            hold: false,
            on_chunk: None,
        };
        let mut cancel = Cancel::new();
        let Some(value) = value else {
            return Ok((options, cancel));
        };
        let wrong = || invalid_argument("options must be an object, null or undefined");
        match value.get_type().map_err(|_| wrong())? {
            ValueType::Undefined | ValueType::Null => return Ok((options, cancel)),
            ValueType::Object => {}
            _ => return Err(wrong()),
        }
        let object = js_plain_object(&value, "options")?;
        for key in Object::keys(&object).map_err(|_| wrong())? {
            let Some(field) = object.get::<Unknown<'_>>(&key).map_err(|_| wrong())? else {
                continue; // undefined: not set
            };
            if is_null(&field) {
                continue;
            }
            let name = format!("options.{key}");
            match key.as_str() {
                "hold" => options.hold = js_bool(&field, &name)?,
                "onChunk" => options.on_chunk = Some(chunk_fn(&object, &key, &field, &name)?),
                "signal" => cancel = abort_token(env, &field, &name)?,
                _ => return Err(invalid_argument(format!("unknown stream option {key:?}"))),
            }
        }
        Ok((options, cancel))
    }
}

/// Turns the `onChunk` function (`field`, the member `key` of `object`) into a [`ChunkFn`].
fn chunk_fn(object: &Object<'_>, key: &str, field: &Unknown<'_>, name: &str) -> Result<ChunkFn> {
    let wrong = || invalid_argument(format!("{name} must be a function"));
    if field.get_type().map_err(|_| wrong())? != ValueType::Function {
        return Err(wrong());
    }
    // The member was just checked to be a function; reading it as one needs no cast.
    let function = object
        .get::<Function<'_, Buffer, UnknownReturnValue>>(key)
        .map_err(|_| wrong())?
        .ok_or_else(wrong)?;
    function
        .build_threadsafe_function::<Vec<u8>>()
        .callee_handled::<false>()
        .build_callback(|ctx| Ok(Buffer::from(ctx.value)))
        .map_err(|e| napi_failure("cannot wrap options.onChunk", &e))
}

/// An `internal` error for a failed napi call.
fn napi_failure(what: &str, e: &napi::Error) -> JsError {
    core_error(ccverify::Error::Internal(format!(
        "{what}: {} ({})",
        e.reason,
        e.status.as_ref()
    )))
}

/// How a deferred promise is settled: made on an I/O thread, run on the JavaScript thread.
type Settle<V> = Box<dyn FnOnce(Env) -> napi::Result<V> + Send>;

/// Runs `task.compute()` on a thread of ccverify-net's blocking pool (not the libuv pool: a
/// stream waiting there for its next chunk would hold one of the four threads `fs` and DNS
/// share) and returns the promise that `task.resolve()` settles on the JavaScript thread.
fn off_pool<T>(env: &Env, mut task: T) -> Result<Object<'_>>
where
    T: Task + Send + 'static,
{
    let (deferred, promise) = env
        .create_deferred::<T::JsValue, Settle<T::JsValue>>()
        .map_err(|e| napi_failure("cannot create a promise", &e))?;
    let mut pending = Unsettled(Some(deferred));
    ccverify_net::spawn_blocking(move || {
        let output = catch_unwind(AssertUnwindSafe(|| task.compute()));
        let Some(deferred) = pending.0.take() else {
            return;
        };
        deferred.resolve(Box::new(move |env| {
            // On the JavaScript thread, inside napi's callback: a panic must not cross it.
            let resolved = catch_unwind(AssertUnwindSafe(|| match output {
                Ok(Ok(output)) => task.resolve(env, output),
                Ok(Err(e)) => Err(e),
                Err(payload) => Err(rejection(env, unexpected_unwind(payload))),
            }));
            resolved.unwrap_or_else(|payload| Err(rejection(env, unexpected_unwind(payload))))
        }));
    });
    Ok(promise)
}

/// A deferred promise not settled yet. Dropped unsettled — the job that owned it never ran (no
/// thread could be started) or unwound — it rejects with `internal`, so the promise settles
/// and stops keeping the event loop alive.
struct Unsettled<V: napi::bindgen_prelude::ToNapiValue>(Option<JsDeferred<V, Settle<V>>>);

impl<V: napi::bindgen_prelude::ToNapiValue> Drop for Unsettled<V> {
    fn drop(&mut self) {
        if let Some(deferred) = self.0.take() {
            deferred.resolve(Box::new(|env| {
                Err(rejection(
                    env,
                    core_error(ccverify::Error::Internal(
                        "the call ended without an answer".into(),
                    )),
                ))
            }));
        }
    }
}

/// An attested session with one model: attest with {@link Session.attest}, then chat. The
/// session pins the attested signing address; every reply is verified against it and carries
/// its own verdict, plus a `session.attestation` row saying whether the attestation verified.
///
/// A session whose attestation did not verify refuses to chat (`attestation_failed`) unless
/// `allowUnverified` was set; then every reply is marked unverified.
#[napi]
pub struct Session {
    inner: Arc<net::Session>,
}

#[napi]
impl Session {
    /// Attests `modelId` (the model's UUID, see {@link listModels}) with a fresh nonce, off the
    /// JavaScript thread, and verifies the answer — fetching RIMs, OCSP answers and Intel
    /// collateral unless the policy is offline — then resolves to the session whether or not
    /// the attestation verified: look at `verdict` (and `verdict.facts.summary`).
    ///
    /// Rejects (`err.code`) with `network` when the gateway cannot be reached or refuses (after
    /// the retries; the message says the HTTP status), `invalid_argument` for an unusable
    /// config (an unknown key, a bad policy, a missing `rimDir`). Wrong argument types throw
    /// `invalid_argument` synchronously.
    #[napi(catch_unwind, ts_return_type = "Promise<Session>")]
    pub fn attest<'env>(
        env: &'env Env,
        #[napi(ts_arg_type = "string")] model_id: Unknown<'_>,
        #[napi(ts_arg_type = "ClientConfig | null")] config: Option<Unknown<'_>>,
        #[napi(ts_arg_type = "CallOptions | null")] options: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        guard(|| {
            let model_id = js_string(&model_id, "modelId")?;
            let config = js_options::<net::ClientConfig>(config, "config")?;
            let cancel = call_options(env, options)?;
            off_pool(
                env,
                AttestTask {
                    config,
                    model_id,
                    cancel,
                },
            )
        })
    }

    /// The attestation's verdict, with `facts.summary` (what is and is not proven) and `signer`
    /// (the attested signing address).
    #[napi(getter, catch_unwind)]
    pub fn verdict(&self) -> Result<Verdict> {
        guard(|| Ok(self.inner.verdict().clone().into()))
    }

    /// Whether the attestation verified.
    #[napi(getter, catch_unwind)]
    pub fn attested(&self) -> Result<bool> {
        guard(|| Ok(self.inner.attested()))
    }

    /// The pinned signing address (the attested `signing_address`, EIP-55), or `null` when the
    /// attestation carried none that is well-formed.
    #[napi(getter, catch_unwind, ts_return_type = "string | null")]
    pub fn signing_address(&self) -> Result<Either<String, Null>> {
        guard(|| {
            Ok(match self.inner.signing_address() {
                Some(address) => Either::A(address.to_checksum()),
                None => Either::B(Null),
            })
        })
    }

    /// The model attested (its UUID).
    #[napi(getter, catch_unwind)]
    pub fn model_id(&self) -> Result<String> {
        guard(|| Ok(self.inner.model_id().to_string()))
    }

    /// The nonce sent with the attestation request (64 lowercase hex digits).
    #[napi(getter, catch_unwind)]
    pub fn nonce(&self) -> Result<String> {
        guard(|| Ok(self.inner.nonce_hex()))
    }

    /// The evidence bundle (`ccverify-bundle/1` JSON text): everything needed to re-verify the
    /// attestation — and, with `recordExchanges`, every exchange so far — offline later with
    /// {@link verifyBundle}.
    #[napi(catch_unwind)]
    pub fn bundle(&self) -> Result<String> {
        guard(|| Ok(self.inner.bundle().to_json()))
    }

    /// Sends one plain completion (`POST /v1/private/completions`), off the JavaScript thread,
    /// and verifies the reply against the pinned address. `body` is sent exactly: a `Buffer`,
    /// `Uint8Array` or string as its bytes, any other object as its `JSON.stringify` text
    /// (`ChatResponse.request` holds the bytes sent).
    ///
    /// Rejects (`err.code`) with `unverified_response` when the reply did not verify in a
    /// strict session (the default unless `allowUnverified`; the reply is `err.response`),
    /// `attestation_failed` on an unverified session without `allowUnverified`, `network` when
    /// the gateway cannot be reached or answers with an error status (error replies are never
    /// signed), `limit_exceeded` for a reply over 32 MiB, `cancelled` when `options.signal`
    /// aborted (the request is aborted at once). In a session that is not strict, a reply that
    /// does not verify resolves, with `verified: false`.
    #[napi(catch_unwind, ts_return_type = "Promise<ChatResponse>")]
    pub fn chat<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "Buffer | Uint8Array | string | object")] body: Unknown<'_>,
        #[napi(ts_arg_type = "CallOptions | null")] options: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        guard(|| {
            let body = js_body(env, &body)?;
            let cancel = call_options(env, options)?;
            off_pool(
                env,
                ChatTask {
                    session: Arc::clone(&self.inner),
                    body,
                    stream: None,
                    cancel,
                },
            )
        })
    }

    /// Starts one streamed completion (the body should say `"stream": true`) and returns its
    /// {@link ChatStream} at once, while the request goes out: `for await (const chunk of
    /// stream)` yields the verified events, re-serialised, as they arrive (`data: [DONE]` last
    /// only when the stream and the session verified); `await stream.verdict` settles at the
    /// end, and `stream.response` then has the reply. Leaving the loop early (or
    /// `stream.cancel()`, or `options.signal`) aborts the request. The iteration rejects as
    /// {@link Session.chat} does (a refused or failed request at the first chunk), and with
    /// `unverified_response` at the end of a stream that did not verify, in a strict session.
    /// `options.onChunk` is not taken here: iterate instead.
    #[napi(catch_unwind)]
    pub fn stream(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "Buffer | Uint8Array | string | object")] body: Unknown<'_>,
        #[napi(ts_arg_type = "ChatStreamOptions | null")] options: Option<Unknown<'_>>,
    ) -> Result<ChatStream> {
        guard(|| {
            let body = js_body(env, &body)?;
            let (options, cancel) = StreamOptions::from_js(env, options)?;
            if options.on_chunk.is_some() {
                return Err(invalid_argument(
                    "options.onChunk: iterate the stream instead (for await ... of)",
                ));
            }
            let shared = Arc::new(StreamShared {
                reader: Mutex::new(Reader {
                    start: Some(Start {
                        session: Arc::clone(&self.inner),
                        body: body.clone(),
                        hold: options.hold,
                    }),
                    stream: None,
                }),
                end: Mutex::new(None),
            });
            // Send the request now; the first `nextChunk()` waits for the answer (or sends it
            // itself if it gets the reader first).
            let starter = Arc::clone(&shared);
            let token = cancel.clone();
            ccverify_net::spawn_blocking(move || {
                let started = catch_unwind(AssertUnwindSafe(|| {
                    let mut reader = lock(&starter.reader);
                    starter.start(&mut reader, &token);
                }));
                if let Err(payload) = started {
                    let e = ccverify::error::panic_error(&*payload);
                    let mut reader = lock(&starter.reader);
                    starter.finish(&mut reader, Err(net::ChatError::Failed(e)));
                }
            });
            Ok(ChatStream {
                shared,
                cancel,
                request: body,
            })
        })
    }

    /// Sends one streamed completion (the body should say `"stream": true`), off the JavaScript
    /// thread. Its verified events, re-serialised, are passed to `options.onChunk` as they
    /// arrive — or, with `hold`, only after the whole stream verified, as one chunk (nothing
    /// when it did not). The promise resolves, after every `onChunk` call has run, to all of
    /// them (`body`) and its
    /// verdict. Rejects as {@link Session.chat} does, with `network` also for a connection lost
    /// mid-stream, and with the thrown value when `onChunk` throws.
    #[napi(catch_unwind, ts_return_type = "Promise<ChatResponse>")]
    pub fn chat_stream<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "Buffer | Uint8Array | string | object")] body: Unknown<'_>,
        #[napi(ts_arg_type = "ChatStreamOptions | null")] options: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        guard(|| {
            let body = js_body(env, &body)?;
            let (options, cancel) = StreamOptions::from_js(env, options)?;
            off_pool(
                env,
                ChatTask {
                    session: Arc::clone(&self.inner),
                    body,
                    stream: Some(options),
                    cancel,
                },
            )
        })
    }
}

/// Lists the gateway's models (`GET /v1/models`), off the JavaScript thread. Rejects with
/// `network` when the gateway cannot be reached or refuses, `invalid_argument` for a bad config.
#[napi(catch_unwind, ts_return_type = "Promise<Array<Model>>")]
pub fn list_models<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "ClientConfig | null")] config: Option<Unknown<'_>>,
) -> Result<Object<'env>> {
    guard(|| {
        off_pool(
            env,
            ListModelsTask {
                config: js_options::<net::ClientConfig>(config, "config")?,
            },
        )
    })
}

/// Reads a completion body: bytes, a string (its UTF-8), or any other object as the text
/// `JSON.stringify` makes of it (called, so the bytes are exactly JavaScript's).
fn js_body(env: &Env, value: &Unknown<'_>) -> Result<Vec<u8>> {
    let wrong = || {
        invalid_argument("body must be a Buffer, Uint8Array, string or an object to JSON.stringify")
    };
    match value.get_type().map_err(|_| wrong())? {
        ValueType::String => Ok(js_bytes(value, "body")?.as_slice().to_vec()),
        ValueType::Object if value.is_typedarray().map_err(|_| wrong())? => {
            Ok(js_bytes(value, "body")?.as_slice().to_vec())
        }
        ValueType::Object => {
            let failed = |e: napi::Error| {
                invalid_argument(format!("body: JSON.stringify failed: {}", e.reason))
            };
            let global = env.get_global().map_err(failed)?;
            let json = global
                .get_named_property::<Object<'_>>("JSON")
                .map_err(failed)?;
            let stringify = json
                .get_named_property::<Function<'_, Unknown<'_>, Unknown<'_>>>("stringify")
                .map_err(failed)?;
            // `call` (unlike `apply`) takes a thrown exception (a cycle, a BigInt) off the env.
            let text = stringify.call(*value).map_err(failed)?;
            js_string(&text, "JSON.stringify(body)").map(String::into_bytes)
        }
        _ => Err(wrong()),
    }
}

/// A completion and its verdict.
#[napi(object, object_from_js = false)]
pub struct ChatResponse {
    /// The HTTP status (2xx: other statuses reject with `network`).
    pub status: u32,
    /// The body to hand on: for a plain reply the exact body received; for a stream its
    /// verified events re-serialised (never the relayed bytes).
    pub body: Buffer,
    /// The response headers, lower-case names, in order received (`Object.fromEntries(headers)`
    /// is the form {@link verifyResponse} takes).
    #[napi(ts_type = "Array<[string, string]>")]
    pub headers: Vec<Vec<String>>,
    /// The exchange's verdict against the pinned address, plus the `session.attestation` row.
    pub verdict: Verdict,
    /// The signature, hashes and signer check out AND the session's attestation verified.
    pub verified: bool,
    /// Whether the session's attestation verified.
    pub attested: bool,
    /// Whether `body` is an SSE stream (from {@link Session.chatStream}).
    pub stream: bool,
    /// The exact bytes sent as the request body.
    pub request: Buffer,
}

impl ChatResponse {
    fn new(reply: net::ChatResponse, request: Vec<u8>) -> ChatResponse {
        ChatResponse {
            status: u32::from(reply.status),
            body: reply.body.into(),
            headers: reply
                .headers
                .into_iter()
                .map(|(name, value)| vec![name, value])
                .collect(),
            verdict: reply.verdict.into(),
            verified: reply.verified,
            attested: reply.attested,
            stream: reply.stream,
            request: request.into(),
        }
    }
}

/// A model the gateway offers.
#[napi(object, object_from_js = false)]
pub struct Model {
    /// The name to put in a completion's `model`.
    pub name: String,
    /// The UUID to attest ({@link Session.attest}).
    pub model_id: String,
    /// Whether the gateway says it can attest this model.
    pub supports_attestation: bool,
}

/// The pending `Session.attest` (run by [`off_pool`]).
pub struct AttestTask {
    config: net::ClientConfig,
    model_id: String,
    cancel: Cancel,
}

impl Task for AttestTask {
    type Output = Result<net::Session>;
    type JsValue = Session;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let config = std::mem::take(&mut self.config);
        let model_id = &self.model_id;
        let cancel = &self.cancel;
        Ok(guard(|| {
            net::Session::attest_cancellable(config, model_id, cancel).map_err(core_error)
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Session> {
        output
            .map(|session| Session {
                inner: Arc::new(session),
            })
            .map_err(|e| rejection(env, e))
    }
}

/// The pending `listModels` (run by [`off_pool`]).
pub struct ListModelsTask {
    config: net::ClientConfig,
}

impl Task for ListModelsTask {
    type Output = Result<Vec<net::Model>>;
    type JsValue = Vec<Model>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let config = &self.config;
        Ok(guard(|| net::list_models(config).map_err(core_error)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Vec<Model>> {
        let models = output.map_err(|e| rejection(env, e))?;
        Ok(models
            .into_iter()
            .map(|m| Model {
                name: m.name,
                model_id: m.model_id,
                supports_attestation: m.supports_attestation,
            })
            .collect())
    }
}

/// Why a chat task failed.
pub enum Failure {
    /// A core error (or a caught panic): rejected as an `Error` with `code`.
    Core(JsError),
    /// A strict session's reply did not verify: rejected as an `Error` with code
    /// `unverified_response` and the reply as `err.response`.
    Unverified(Box<net::ChatResponse>),
    /// `onChunk` threw this value: rejected with it unchanged.
    Thrown(napi::Error),
}

/// The `onChunk` calls of one stream: how many were queued, how many have run, and the first
/// value thrown.
#[derive(Default)]
struct Deliveries {
    state: Mutex<Delivered>,
    ran: Condvar,
}

#[derive(Default)]
struct Delivered {
    queued: u64,
    done: u64,
    thrown: Option<napi::Error>,
}

/// How often a task waiting for its `onChunk` calls checks that the function is still alive
/// (it is not once the environment is torn down; its queued calls then never run).
const DELIVERY_POLL: Duration = Duration::from_millis(100);

impl Deliveries {
    /// Locks the state; every critical section is a counter update or a take, so the data
    /// stay consistent even if a panic poisoned the lock.
    fn lock(&self) -> MutexGuard<'_, Delivered> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `onChunk` has thrown.
    fn thrown(&self) -> bool {
        self.lock().thrown.is_some()
    }

    /// Queues one call of `on_chunk` with `chunk` (on the I/O thread).
    fn deliver(self: &Arc<Self>, on_chunk: &ChunkFn, chunk: &[u8]) {
        let this = Arc::clone(self);
        let status = on_chunk.call_with_return_value(
            chunk.to_vec(),
            ThreadsafeFunctionCallMode::NonBlocking,
            move |result, _env| {
                // On the JavaScript thread, once the call has run (or thrown).
                let mut state = this.lock();
                state.done += 1;
                if let Err(thrown) = result
                    && state.thrown.is_none()
                {
                    state.thrown = Some(thrown);
                }
                drop(state);
                this.ran.notify_all();
                Ok(())
            },
        );
        // Anything but `Ok` means the function is closing (the environment is going away): the
        // call was not queued and will never run.
        if status == Status::Ok {
            self.lock().queued += 1;
        }
    }

    /// Waits (on the I/O thread) until every queued call has run, or the function is gone.
    fn wait(&self, on_chunk: &ChunkFn) {
        let mut state = self.lock();
        while state.done < state.queued && !on_chunk.aborted() {
            state = match self.ran.wait_timeout(state, DELIVERY_POLL) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// The pending `Session.chat` / `Session.chatStream` (run by [`off_pool`]).
pub struct ChatTask {
    session: Arc<net::Session>,
    body: Vec<u8>,
    /// `Some` for `chatStream`.
    stream: Option<StreamOptions>,
    /// Cancelled by the call's `AbortSignal`.
    cancel: Cancel,
}

/// A failed chat as a task failure (the unverified reply kept for `err.response`).
fn chat_failure(e: net::ChatError) -> Failure {
    match e {
        net::ChatError::Failed(e) => Failure::Core(core_error(e)),
        net::ChatError::Unverified(reply) => Failure::Unverified(reply),
    }
}

impl ChatTask {
    fn run(&self, deliveries: &Arc<Deliveries>) -> std::result::Result<net::ChatResponse, Failure> {
        let Some(options) = &self.stream else {
            return self
                .session
                .chat_cancellable(&self.body, &self.cancel)
                .map_err(chat_failure);
        };
        let mut stream = self
            .session
            .stream(&self.body, options.hold, self.cancel.clone())
            .map_err(chat_failure)?;
        while let Some(chunk) = stream.next_chunk().map_err(chat_failure)? {
            let Some(f) = &options.on_chunk else { continue };
            if deliveries.thrown() {
                // Dropping the stream aborts the request; the thrown value is the rejection.
                return Err(Failure::Core(core_error(ccverify::Error::Cancelled(
                    "stream: onChunk threw".into(),
                ))));
            }
            deliveries.deliver(f, &chunk);
        }
        stream.into_response().map_err(chat_failure)
    }
}

impl Task for ChatTask {
    type Output = std::result::Result<net::ChatResponse, Failure>;
    type JsValue = ChatResponse;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let deliveries = Arc::new(Deliveries::default());
        let outcome = catch_unwind(AssertUnwindSafe(|| self.run(&deliveries)));
        if let Some(on_chunk) = self.stream.as_ref().and_then(|s| s.on_chunk.as_ref()) {
            deliveries.wait(on_chunk);
        }
        if let Some(thrown) = deliveries.lock().thrown.take() {
            return Ok(Err(Failure::Thrown(thrown)));
        }
        Ok(match outcome {
            Ok(result) => result,
            Err(payload) => Err(Failure::Core(unexpected_unwind(payload))),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<ChatResponse> {
        match output {
            Ok(reply) => Ok(ChatResponse::new(reply, std::mem::take(&mut self.body))),
            Err(failure) => Err(failure_rejection(
                env,
                failure,
                std::mem::take(&mut self.body),
            )),
        }
    }
}

/// The rejection of a failed chat: an `Error` with `code`, for an unverified reply with the
/// reply as `err.response` (`request`: the bytes sent), or the value `onChunk` threw.
fn failure_rejection(env: Env, failure: Failure, request: Vec<u8>) -> napi::Error {
    match failure {
        Failure::Core(e) => rejection(env, e),
        Failure::Unverified(reply) => {
            let error = net::ChatError::Unverified(reply.clone()).error();
            let value = napi::JsError::from(core_error(error)).into_unknown(env);
            let attached = value.coerce_to_object().and_then(|mut object| {
                object.set_named_property("response", ChatResponse::new(*reply, request))
            });
            match attached {
                Ok(()) => napi::Error::from(value),
                Err(e) => e,
            }
        }
        Failure::Thrown(thrown) => thrown,
    }
}

/// The error of a panic in the task: `internal`.
fn unexpected_unwind(payload: Box<dyn Any + Send>) -> JsError {
    core_error(ccverify::error::panic_error(&*payload))
}

/// The request of a {@link ChatStream}, until it is sent.
struct Start {
    session: Arc<net::Session>,
    body: Vec<u8>,
    hold: bool,
}

/// The reading side of a stream, locked across its network reads.
struct Reader {
    start: Option<Start>,
    stream: Option<net::ChatStream>,
}

/// How a stream ended: its reply, or the error that ended it (a strict session's unverified
/// reply is an error that still has the reply).
type Ending = std::result::Result<net::ChatResponse, net::ChatError>;

/// What a {@link ChatStream} shares with the I/O threads reading it. Lock order: `reader`,
/// then `end`; `end` is never held across I/O, so the JavaScript thread never waits on it.
struct StreamShared {
    reader: Mutex<Reader>,
    end: Mutex<Option<Ending>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a take or a store: the data stay consistent after a panic.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StreamShared {
    /// Sends the request unless it was sent already (the reader locked by the caller).
    fn start(&self, reader: &mut Reader, cancel: &Cancel) {
        let Some(start) = reader.start.take() else {
            return;
        };
        match start
            .session
            .stream(&start.body, start.hold, cancel.clone())
        {
            Ok(stream) => reader.stream = Some(stream),
            Err(e) => self.finish(reader, Err(e)),
        }
    }

    /// Records how the stream ended (the first ending counts) and drops the connection.
    fn finish(&self, reader: &mut Reader, ending: Ending) {
        reader.start = None;
        reader.stream = None;
        let mut end = lock(&self.end);
        if end.is_none() {
            *end = Some(ending);
        }
    }

    /// How the stream ended, if it has.
    fn ending(&self) -> Option<Ending> {
        lock(&self.end).clone()
    }

    /// Reads the next verified chunk, `None` at the end (on an I/O thread).
    fn next_chunk(&self, cancel: &Cancel) -> std::result::Result<Option<Vec<u8>>, net::ChatError> {
        let mut reader = lock(&self.reader);
        self.start(&mut reader, cancel);
        if let Some(ending) = self.ending() {
            return ending.map(|_| None);
        }
        let read = match reader.stream.as_mut() {
            Some(stream) => stream
                .next_chunk()
                .map(|chunk| (chunk, stream.response().cloned())),
            None => Err(net::ChatError::Failed(ccverify::Error::Internal(
                "stream: neither started nor ended".into(),
            ))),
        };
        match read {
            // The last chunk (a verified stream's `data: [DONE]`, or a held stream's body) comes
            // with the end: record it now, so a consumer that stops reading there (or cancels)
            // still has the reply and its verdict.
            Ok((Some(chunk), Some(reply))) => {
                self.finish(&mut reader, Ok(reply));
                Ok(Some(chunk))
            }
            Ok((Some(chunk), None)) => Ok(Some(chunk)),
            Ok((None, Some(reply))) => {
                self.finish(&mut reader, Ok(reply));
                Ok(None)
            }
            Ok((None, None)) => {
                let e = net::ChatError::Failed(ccverify::Error::Internal(
                    "stream: ended without a reply".into(),
                ));
                self.finish(&mut reader, Err(e.clone()));
                Err(e)
            }
            Err(e) => {
                self.finish(&mut reader, Err(e.clone()));
                Err(e)
            }
        }
    }
}

/// A streamed completion being received (from {@link Session.stream}): an async iterable of
/// its verified events (`Buffer`s, each one data line the agent hashed, re-serialised; never
/// the relayed bytes). `for await (const chunk of stream)`; breaking out of the loop aborts the
/// request (the gateway sees the connection close). `await stream.verdict` for its verdict.
#[napi]
pub struct ChatStream {
    shared: Arc<StreamShared>,
    cancel: Cancel,
    request: Vec<u8>,
}

#[napi]
impl ChatStream {
    /// The next verified chunk, or `null` at the end (then `response` is set and `verdict`
    /// settles). What `for await` calls; rejects as {@link Session.chat} does, with
    /// `unverified_response` at the end of a stream that did not verify (strict sessions) and
    /// `cancelled` after `cancel()`.
    #[napi(catch_unwind, ts_return_type = "Promise<Buffer | null>")]
    pub fn next_chunk<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        guard(|| {
            off_pool(
                env,
                NextChunkTask {
                    shared: Arc::clone(&self.shared),
                    cancel: self.cancel.clone(),
                    request: self.request.clone(),
                },
            )
        })
    }

    /// The reply with its verdict once the stream ended (also after an `unverified_response`
    /// rejection), else `null`.
    #[napi(getter, catch_unwind, ts_return_type = "ChatResponse | null")]
    pub fn response(&self) -> Result<Either<ChatResponse, Null>> {
        guard(|| {
            let reply = match self.shared.ending() {
                Some(Ok(reply)) => Some(reply),
                Some(Err(e)) => e.response().cloned(),
                None => None,
            };
            Ok(match reply {
                Some(r) => Either::A(ChatResponse::new(r, self.request.clone())),
                None => Either::B(Null),
            })
        })
    }

    /// Aborts the stream now (the request is aborted, the connection closed); a pending or
    /// later `nextChunk()` rejects with `cancelled`. Harmless after the end.
    #[napi(catch_unwind)]
    pub fn cancel(&self) -> Result<()> {
        guard(|| {
            self.cancel.cancel();
            // Idle (no read in progress): drop the reply now, which closes the connection. A
            // read in progress holds the reader; the token aborts it and it drops the reply.
            if let Ok(mut reader) = self.shared.reader.try_lock() {
                if let Some(stream) = reader.stream.as_mut() {
                    stream.cancel();
                }
                self.shared.finish(
                    &mut reader,
                    Err(net::ChatError::Failed(ccverify::Error::Cancelled(
                        "stream: cancelled; the request was aborted".into(),
                    ))),
                );
            }
            Ok(())
        })
    }
}

/// The pending `ChatStream.nextChunk()` (run by [`off_pool`]).
pub struct NextChunkTask {
    shared: Arc<StreamShared>,
    cancel: Cancel,
    request: Vec<u8>,
}

impl Task for NextChunkTask {
    type Output = std::result::Result<Option<Vec<u8>>, Failure>;
    type JsValue = Either<Buffer, Null>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (shared, cancel) = (&self.shared, &self.cancel);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            shared.next_chunk(cancel).map_err(chat_failure)
        }));
        Ok(outcome.unwrap_or_else(|payload| {
            // A panic mid-read leaves the verifier in an unknown state: end the stream (the
            // connection is dropped) rather than read on from it.
            let e = ccverify::error::panic_error(&*payload);
            let mut reader = lock(&shared.reader);
            shared.finish(&mut reader, Err(net::ChatError::Failed(e.clone())));
            Err(Failure::Core(core_error(e)))
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        match output {
            Ok(Some(chunk)) => Ok(Either::A(chunk.into())),
            Ok(None) => Ok(Either::B(Null)),
            Err(failure) => Err(failure_rejection(
                env,
                failure,
                std::mem::take(&mut self.request),
            )),
        }
    }
}
