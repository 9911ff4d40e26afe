//! The io.net client: `attest`, the attested `Session` (`chat`, `chatStream`) and `listModels`,
//! over [`ccverify_net::client`]. Every network call is `async` (Kotlin `suspend`, Swift
//! `async`) without any Rust runtime: the core's blocking call runs on a thread of its own and
//! hands its result to a runtime-agnostic oneshot that the foreign executor polls. The core's
//! blocking HTTP client must never run inside an async runtime, and here it never does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ccverify_net::Cancel;
use ccverify_net::client as core;
use futures_channel::oneshot;

use crate::{CcverifyError, Policy, Verdict, core_time};

/// How to reach the io.net gateway and how to judge what it says. Every field has a default:
/// `null` / `nil` means the core's default, so `ClientConfig()` is the public gateway with the
/// API key from `$IO_API_KEY` and the `default` policy (online: RIMs, OCSP answers and Intel
/// collateral are fetched as needed).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientConfig {
    /// Gateway base URL, without `/v1`. Unset: `https://api.intelligence.io.net`.
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// The io.net API key, sent as `Authorization: Bearer`. Unset: `$IO_API_KEY`; empty: no
    /// key at all.
    #[uniffi(default = None)]
    pub api_key: Option<String>,
    /// Per-request timeout, connection to last byte (streams: per read). Unset: 120 s.
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    /// Retries on connection failures, 429 and 5xx, with exponential backoff. Unset: 3.
    /// Negative: `InvalidArgument`.
    #[uniffi(default = None)]
    pub retries: Option<i32>,
    /// The first backoff (doubling, at most 8 s; a `Retry-After` of up to 30 s is honoured).
    /// Unset: 500 ms.
    #[uniffi(default = None)]
    pub backoff: Option<Duration>,
    /// The appraisal policy (`loadPolicy("offline")` for a preset; an `offline` policy fetches
    /// nothing). Default: the `default` preset.
    #[uniffi(default)]
    pub policy: Policy,
    /// Chat even when the attestation did not verify; every reply is then marked unverified.
    #[uniffi(default = false)]
    pub allow_unverified: bool,
    /// Fail closed: a reply that did not verify is an `UnverifiedResponse` error carrying the
    /// reply, instead of a reply with `verified == false`. Unset (default): on, unless
    /// `allowUnverified` is set.
    #[uniffi(default = None)]
    pub strict: Option<bool>,
    /// Directory of NVIDIA RIMs, consulted before NVIDIA's RIM service.
    #[uniffi(default = None)]
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses, consulted before the live responders.
    #[uniffi(default = None)]
    pub ocsp_dir: Option<String>,
    /// Intel collateral for the TDX quote (dcap-qvl `QuoteCollateralV3` JSON). Unset: fetched
    /// from `pccsUrl`, unless the policy is offline.
    #[uniffi(default = None)]
    pub collateral: Option<String>,
    /// Intel PCS or PCCS base URL for the collateral. Unset: Intel PCS.
    #[uniffi(default = None)]
    pub pccs_url: Option<String>,
    /// Base URL of an NVIDIA RIM service, RIMs at `{rimUrl}/v1/rim/{id}`. Unset: NVIDIA's
    /// (e.g. the `rim_url` a `ccverify sandbox --evidence test` prints).
    #[uniffi(default = None)]
    pub rim_url: Option<String>,
    /// An OCSP responder asked about every certificate. Unset: each certificate's own (e.g.
    /// the test sandbox's `ocsp_url`).
    #[uniffi(default = None)]
    pub ocsp_url: Option<String>,
    /// The verification time (Kotlin `Instant`, Swift `Date`; whole seconds count). Unset: the
    /// system clock at attestation.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
    /// Keep every exchange in the session's evidence bundle (memory grows per call).
    #[uniffi(default = false)]
    pub record_exchanges: bool,
    /// Extra request headers sent to the gateway (e.g. an organisation header).
    #[uniffi(default)]
    pub headers: HashMap<String, String>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("policy", &self.policy)
            .field("allow_unverified", &self.allow_unverified)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// The core config. Errors: `InvalidArgument` for a policy the core refuses or a header
    /// HTTP cannot carry (refused here rather than retried as a network failure).
    fn into_core(self) -> Result<core::ClientConfig, CcverifyError> {
        let defaults = core::ClientConfig::from_env();
        // Signed in Kotlin and Swift (no unsigned types on their surface): negatives refused.
        let retries = self
            .retries
            .map(|r| {
                u32::try_from(r).map_err(|_| {
                    CcverifyError::from(ccverify::Error::InvalidArgument(format!(
                        "client config: retries must not be negative, not {r}"
                    )))
                })
            })
            .transpose()?;
        let config = core::ClientConfig {
            base_url: self.base_url.unwrap_or(defaults.base_url),
            api_key: match self.api_key {
                None => defaults.api_key,
                Some(key) if key.is_empty() => None,
                Some(key) => Some(key),
            },
            timeout: self.timeout.unwrap_or(defaults.timeout),
            retries: retries.unwrap_or(defaults.retries),
            backoff: self.backoff.unwrap_or(defaults.backoff),
            policy: self.policy.into_core()?,
            allow_unverified: self.allow_unverified,
            strict: self.strict,
            rim_dir: self.rim_dir.map(PathBuf::from),
            ocsp_dir: self.ocsp_dir.map(PathBuf::from),
            collateral: self.collateral.map(String::into_bytes),
            pccs_url: self.pccs_url,
            rim_url: self.rim_url,
            ocsp_url: self.ocsp_url,
            at: self.at.map(core_time),
            record_exchanges: self.record_exchanges,
            headers: self.headers.into_iter().collect(),
            ..defaults
        };
        config.validate()?;
        Ok(config)
    }
}

/// A model the gateway offers (`listModels`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Model {
    /// The name to put in a completion's `model`.
    pub name: String,
    /// The UUID to attest (`attest(modelId)`).
    pub model_id: String,
    /// Whether the gateway says it can attest this model.
    pub supports_attestation: bool,
}

impl From<core::Model> for Model {
    fn from(m: core::Model) -> Self {
        Model {
            name: m.name,
            model_id: m.model_id,
            supports_attestation: m.supports_attestation,
        }
    }
}

/// One completion and its verdict.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChatResponse {
    /// The HTTP status (2xx; other statuses are `Network` errors).
    pub status: i32,
    /// The body to hand on: for a plain reply the exact body received; for a stream its
    /// verified events re-serialised (`data: <payload>` events, then `data: [DONE]` only if it
    /// verified), never the relayed bytes.
    pub body: Vec<u8>,
    /// The response headers, lower-case names; a repeated field's values are joined with
    /// `", "` (RFC 9110 §5.3). Pass them to `verifyResponse` to re-verify.
    pub headers: HashMap<String, String>,
    /// The exchange's verdict against the pinned key, plus the `session.attestation` row.
    pub verdict: Verdict,
    /// The signature, hashes and signer check out AND the session's attestation verified.
    pub verified: bool,
    /// Whether the session's attestation verified.
    pub attested: bool,
    /// Whether `body` is an SSE stream.
    pub stream: bool,
}

impl From<core::ChatResponse> for ChatResponse {
    fn from(r: core::ChatResponse) -> Self {
        let mut headers: HashMap<String, String> = HashMap::with_capacity(r.headers.len());
        for (name, value) in r.headers {
            headers
                .entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        ChatResponse {
            status: i32::from(r.status),
            body: r.body,
            headers,
            verdict: r.verdict.into(),
            verified: r.verified,
            attested: r.attested,
            stream: r.stream,
        }
    }
}

/// Receives the chunks of a streamed completion (`chatStream`), implemented in Kotlin or
/// Swift. Called on a ccverify thread, never the caller's: make it thread-safe and quick.
/// Throwing from it aborts the stream: the call then fails with that `CcverifyException` /
/// `CcverifyError`, or with `Internal` for any other exception.
#[uniffi::export(callback_interface)]
pub trait ChunkListener: Send + Sync {
    /// The next verified events of the stream, re-serialised (each one data line the agent
    /// hashed; never the relayed bytes). The last call ends with the `data: [DONE]` event
    /// only if the stream and the session verified.
    fn on_chunk(&self, chunk: Vec<u8>) -> Result<(), CcverifyError>;
}

/// What a foreign callback threw that is not a `CcverifyError`.
impl From<uniffi::UnexpectedUniFFICallbackError> for CcverifyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // Kotlin sends the whole stack trace: its first line names the exception.
        let first = e.reason.lines().next().unwrap_or_default();
        CcverifyError::Internal {
            reason: format!("a callback threw: {first}"),
        }
    }
}

/// Cancels its token when dropped: when the caller stops waiting (its coroutine or task was
/// cancelled) the request in flight is aborted; after an answer it is harmless.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Runs the blocking `call` on a fresh thread with a cancel token and awaits its result
/// through a oneshot the foreign executor polls (no Rust runtime involved). A panic becomes
/// `Internal`. Dropping the future — a cancelled coroutine or task — cancels the token, which
/// aborts the request in flight at once.
async fn off_thread<T, F>(what: &'static str, call: F) -> Result<T, CcverifyError>
where
    T: Send + 'static,
    F: FnOnce(&Cancel) -> Result<T, CcverifyError> + Send + 'static,
{
    let cancel = Cancel::new();
    let _abort = CancelOnDrop(cancel.clone());
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name(format!("ccverify-{what}"))
        .spawn(move || {
            let outcome = ccverify::error::catch_panic(|| call(&cancel));
            // An error means the caller stopped waiting: nobody is left to tell.
            let _ = tx.send(outcome);
        })
        .map_err(|e| CcverifyError::Internal {
            reason: format!("{what}: cannot start a thread: {e}"),
        })?;
    match rx.await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(CcverifyError::Internal {
            reason: format!("{what}: {}", panic.reason()),
        }),
        Err(oneshot::Canceled) => Err(CcverifyError::Internal {
            reason: format!("{what}: the worker thread ended without an answer"),
        }),
    }
}

/// Attests `modelId` with a fresh nonce and verifies the answer — the GPU reports, the TDX
/// quote, the image digest and the signing address, fetching RIMs, OCSP answers and Intel
/// collateral unless the policy is `offline` — then pins the attested signing address.
///
/// Returns the session whether or not the attestation verified: see `verdict` and its
/// `summary` fact. Chatting on an unverified session fails with `AttestationFailed` unless
/// `allowUnverified` is set. `config` defaults to the public gateway with `$IO_API_KEY`.
///
/// Errors: `Network` when the gateway cannot be reached or refuses (after the retries; e.g.
/// HTTP 401 for a bad API key); `InvalidArgument` for a policy the core refuses, a bad header,
/// or a `rimDir` / `ocspDir` that is not a readable directory.
#[uniffi::export(default(config))]
pub async fn attest(model_id: String, config: ClientConfig) -> Result<Arc<Session>, CcverifyError> {
    let config = config.into_core()?;
    let inner = off_thread("attest", move |cancel| {
        Ok(core::Session::attest_cancellable(
            config, &model_id, cancel,
        )?)
    })
    .await?;
    Ok(Arc::new(Session {
        inner: Arc::new(inner),
    }))
}

/// Lists the gateway's models (`GET /v1/models`). `config` defaults to the public gateway with
/// `$IO_API_KEY`. Errors: `Network` (including a reply that is not a model list);
/// `InvalidArgument` for a bad config.
#[uniffi::export(default(config))]
pub async fn list_models(config: ClientConfig) -> Result<Vec<Model>, CcverifyError> {
    let config = config.into_core()?;
    let models = off_thread("models", move |cancel| {
        Ok(core::list_models_cancellable(&config, cancel)?)
    })
    .await?;
    Ok(models.into_iter().map(Model::from).collect())
}

/// An attested session with one model (made by `attest`): the attestation's verdict, the
/// pinned signing address, completions verified against it, and an evidence bundle that
/// re-verifies offline (`verifyBundle`). Thread-safe; calls may overlap.
///
/// Its fixed facts are properties in Kotlin and Swift (`session.verdict`, `attested`,
/// `signingAddress`, `modelId`, `nonce`), declared beside the generated code over the
/// `get…()` accessors exported here.
#[derive(uniffi::Object)]
pub struct Session {
    inner: Arc<core::Session>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl Session {
    /// The attestation verdict, with its plain-language `summary` fact; its `signer` is the
    /// pinned address.
    #[uniffi::method(name = "get_verdict")]
    pub fn verdict(&self) -> Verdict {
        self.inner.verdict().clone().into()
    }

    /// Whether the attestation verified.
    #[uniffi::method(name = "get_attested")]
    pub fn attested(&self) -> bool {
        self.inner.attested()
    }

    /// The pinned signing address (EIP-55), when the attestation gave a well-formed one.
    #[uniffi::method(name = "get_signing_address")]
    pub fn signing_address(&self) -> Option<String> {
        self.inner.signing_address().map(|a| a.to_checksum())
    }

    /// The model attested.
    #[uniffi::method(name = "get_model_id")]
    pub fn model_id(&self) -> String {
        self.inner.model_id().to_string()
    }

    /// The nonce sent with the attestation request (normalised: 64 hex digits).
    #[uniffi::method(name = "get_nonce")]
    pub fn nonce(&self) -> String {
        self.inner.nonce_hex()
    }

    /// The evidence bundle as JSON text (`ccverify-bundle/1`): the attestation and everything
    /// it was verified with, and the exchanges when `recordExchanges` is set. Re-verify it
    /// offline with `verifyBundle`.
    pub fn bundle(&self) -> String {
        self.inner.bundle().to_json()
    }

    /// Sends one plain completion (`POST /v1/private/completions`, exactly the `body` bytes)
    /// and verifies the reply against the pinned key.
    ///
    /// Cancelling the call (the coroutine or task) aborts the request.
    ///
    /// Errors: `UnverifiedResponse` (strict sessions, the default) when the reply did not
    /// verify, with the reply in `response`; `AttestationFailed` on an unverified session
    /// without `allowUnverified`; `Network` when the gateway cannot be reached or answers with
    /// an error status.
    pub async fn chat(&self, body: Vec<u8>) -> Result<ChatResponse, CcverifyError> {
        let inner = Arc::clone(&self.inner);
        let reply = off_thread("chat", move |cancel| {
            inner.chat_cancellable(&body, cancel).map_err(chat_error)
        })
        .await?;
        Ok(reply.into())
    }

    /// Sends one streamed completion (the body should say `"stream": true`). Its verified
    /// events, re-serialised, go to `listener` as they arrive — or, with `hold`, all at once,
    /// only after the stream verified (never when it did not). The verdict comes with the
    /// returned response. Cancelling the call (the coroutine or task) aborts the request: the
    /// gateway sees the connection close.
    ///
    /// Errors: as `chat` (`UnverifiedResponse` at the end of a stream that did not verify, in
    /// a strict session); a connection lost mid-stream is `Network`; a listener that throws
    /// aborts the stream with its error (`Internal` unless it threw a ccverify error).
    pub async fn chat_stream(
        &self,
        body: Vec<u8>,
        hold: bool,
        listener: Box<dyn ChunkListener>,
    ) -> Result<ChatResponse, CcverifyError> {
        let inner = Arc::clone(&self.inner);
        let reply = off_thread("chat-stream", move |cancel| {
            let mut stream = inner
                .stream(&body, hold, cancel.clone())
                .map_err(chat_error)?;
            while let Some(chunk) = stream.next_chunk().map_err(chat_error)? {
                // A listener error drops the stream: the request is aborted.
                listener.on_chunk(chunk)?;
            }
            stream.into_response().map_err(chat_error)
        })
        .await?;
        Ok(reply.into())
    }
}

/// A failed chat as the shared error (the unverified reply kept in `response`).
fn chat_error(e: core::ChatError) -> CcverifyError {
    match e {
        core::ChatError::Failed(e) => e.into(),
        core::ChatError::Unverified(reply) => CcverifyError::UnverifiedResponse {
            reason: reply.verdict.failure_summary(),
            response: Some((*reply).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{ChatResponse, ClientConfig, off_thread};
    use crate::CcverifyError;
    use ccverify::policy::Policy;
    use std::collections::HashMap;
    use std::time::Duration;

    /// `ClientConfig()` in Kotlin and Swift: must repeat the `#[uniffi(default)]` attributes.
    fn foreign_default() -> ClientConfig {
        ClientConfig {
            base_url: None,
            api_key: None,
            timeout: None,
            retries: None,
            backoff: None,
            policy: crate::load_policy("default".into()).unwrap(),
            allow_unverified: false,
            strict: None,
            rim_dir: None,
            ocsp_dir: None,
            collateral: None,
            pccs_url: None,
            rim_url: None,
            ocsp_url: None,
            at: None,
            record_exchanges: false,
            headers: HashMap::new(),
        }
    }

    #[test]
    fn record_defaults_are_the_core_defaults() {
        let core = foreign_default().into_core().unwrap();
        let want = ccverify_net::client::ClientConfig::from_env();
        assert_eq!(core.base_url, want.base_url);
        assert_eq!(core.api_key, want.api_key);
        assert_eq!(core.timeout, want.timeout);
        assert_eq!(core.retries, want.retries);
        assert_eq!(core.backoff, want.backoff);
        assert_eq!(core.policy, want.policy);
        assert!(!core.allow_unverified && !core.record_exchanges);
        assert_eq!(core.strict, want.strict);
        assert!(core.rim_dir.is_none() && core.ocsp_dir.is_none());
        assert!(core.collateral.is_none() && core.pccs_url.is_none() && core.at.is_none());
        assert!(core.headers.is_empty() && core.progress.is_none());
    }

    #[test]
    fn every_field_reaches_the_core() {
        let core = ClientConfig {
            base_url: Some("http://127.0.0.1:1".into()),
            api_key: Some("k".into()),
            timeout: Some(Duration::from_millis(1500)),
            retries: Some(7),
            backoff: Some(Duration::from_millis(2)),
            policy: crate::load_policy("offline".into()).unwrap(),
            allow_unverified: true,
            strict: Some(true),
            rim_dir: Some("rims".into()),
            ocsp_dir: Some("ocsp".into()),
            collateral: Some("{}".into()),
            pccs_url: Some("https://pccs.example".into()),
            rim_url: None,
            ocsp_url: None,
            at: Some(std::time::UNIX_EPOCH - Duration::from_secs(5)),
            record_exchanges: true,
            headers: HashMap::from([("x-org".into(), "o\tv".into())]),
        }
        .into_core()
        .unwrap();
        assert_eq!(core.base_url, "http://127.0.0.1:1");
        assert_eq!(core.api_key.as_deref(), Some("k"));
        assert_eq!(core.timeout, Duration::from_millis(1500));
        assert_eq!(core.retries, 7);
        assert_eq!(core.backoff, Duration::from_millis(2));
        assert_eq!(core.policy, Policy::preset("offline").unwrap());
        assert!(core.allow_unverified && core.record_exchanges);
        assert_eq!(core.strict, Some(true));
        assert_eq!(core.rim_dir.unwrap().to_str(), Some("rims"));
        assert_eq!(core.ocsp_dir.unwrap().to_str(), Some("ocsp"));
        assert_eq!(core.collateral.as_deref(), Some(&b"{}"[..]));
        assert_eq!(core.pccs_url.as_deref(), Some("https://pccs.example"));
        assert_eq!(core.at, Some(ccverify::time::Time::from_unix(-5)));
        assert_eq!(core.headers, vec![("x-org".into(), "o\tv".into())]);
        // An empty key sends none, whatever $IO_API_KEY says.
        let core = ClientConfig {
            api_key: Some(String::new()),
            ..foreign_default()
        }
        .into_core()
        .unwrap();
        assert_eq!(core.api_key, None);
    }

    #[test]
    fn bad_policies_and_headers_are_invalid_arguments() {
        let bad = [
            ClientConfig {
                policy: crate::Policy {
                    preset: "lenient".into(),
                    ..crate::load_policy("default".into()).unwrap()
                },
                ..foreign_default()
            },
            ClientConfig {
                retries: Some(-1),
                ..foreign_default()
            },
            ClientConfig {
                headers: HashMap::from([("bad name".into(), "v".into())]),
                ..foreign_default()
            },
            ClientConfig {
                headers: HashMap::from([(String::new(), "v".into())]),
                ..foreign_default()
            },
            ClientConfig {
                headers: HashMap::from([("x-a".into(), "v\r\nx-b: injected".into())]),
                ..foreign_default()
            },
        ];
        for config in bad {
            let e = config.clone().into_core().unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{config:?}: {e}");
        }
    }

    #[test]
    fn the_api_key_is_never_printed() {
        let config = ClientConfig {
            api_key: Some("secret-key".into()),
            ..foreign_default()
        };
        assert!(!format!("{config:?}").contains("secret-key"));
    }

    #[test]
    fn repeated_headers_are_joined() {
        let r = ccverify_net::client::ChatResponse {
            status: 200,
            body: b"{}".to_vec(),
            headers: vec![
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("a".into(), "3".into()),
            ],
            verdict: ccverify::verify_response::<&str, &str>(b"{}", b"{}", &[], None),
            verified: false,
            attested: false,
            stream: false,
        };
        let r = ChatResponse::from(r);
        assert_eq!(r.headers["a"], "1, 3");
        assert_eq!(r.headers["b"], "2");
    }

    #[test]
    fn foreign_exceptions_become_internal_errors_named_by_their_first_line() {
        let e = CcverifyError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "java.lang.IllegalStateException: no\n\tat Foo.bar(Foo.kt:1)",
        ));
        assert_eq!(e.code(), "internal");
        assert_eq!(
            e.to_string(),
            "internal: a callback threw: java.lang.IllegalStateException: no"
        );
    }

    /// Polls a future to its end on this thread, as a foreign executor would.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::sync::Arc;
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        loop {
            match f.as_mut().poll(&mut cx) {
                Poll::Ready(out) => return out,
                Poll::Pending => std::thread::park(),
            }
        }
    }

    #[test]
    fn off_thread_returns_results_errors_and_panics() {
        assert_eq!(block_on(off_thread("t", |_| Ok(42))).unwrap(), 42);
        let e = block_on(off_thread("t", |_| {
            Err::<(), _>(ccverify::Error::Network("down".into()).into())
        }))
        .unwrap_err();
        assert_eq!(e.code(), "network");
        assert!(e.to_string().ends_with(": down"), "{e}");
        let e = block_on(off_thread("t", |_| -> Result<(), CcverifyError> {
            panic!("boom")
        }))
        .unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(e.to_string().contains("boom"), "{e}");
        // Not on the caller's thread.
        let caller = std::thread::current().id();
        let worker = block_on(off_thread("t", |_| Ok(std::thread::current().id()))).unwrap();
        assert_ne!(caller, worker);
    }
}
