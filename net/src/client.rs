//! The io.net Confidential Inference client: attest a model's machine with a fresh nonce,
//! verify everything the attestation offers, pin the attested signing key, then send chat
//! completions — plain or streamed — each returned with its own verdict.
//!
//! ```no_run
//! use ccverify_net::client::{ClientConfig, Session};
//! let config = ClientConfig::from_env(); // IO_API_KEY, the public gateway
//! let session = Session::attest(config, "<model UUID>")?;
//! println!("{}", session.verdict().facts["summary"]);
//! let reply = session.chat(br#"{"model":"meta-llama/Llama-3.3-70B-Instruct","messages":[{"role":"user","content":"Hi"}]}"#)?;
//! assert!(reply.verified); // strict by default: an unverified reply is an error instead
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Streams are pulled ([`Session::stream`] → [`ChatStream::next_chunk`]) and every call can be
//! cancelled from another thread with a [`Cancel`] token (`*_cancellable`), which aborts the
//! HTTP request itself.
//!
//! A session whose attestation did not verify refuses to chat ([`Error::AttestationFailed`])
//! unless [`ClientConfig::allow_unverified`] is set; then every reply is marked unverified
//! (`verified == false`, `attested == false`) whatever its signature says. A strict session
//! (the default unless `allow_unverified` is set) returns a reply that did not verify as
//! [`ChatError::Unverified`], never as ordinary content.
//!
//! Only inputs come from the network (the attestation, RIMs, OCSP answers, Intel collateral);
//! verification is the same pure code as offline, and everything used is kept in an
//! evidence [`Bundle`] that re-verifies offline later. Blocking: call it from ordinary
//! threads, not from inside an async runtime.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::{Client, Response};
use serde_json::{Value, json};

use crate::cancel::{self, Cancel};
use crate::{CollateralClient, HttpClient, HttpOcspSource, HttpRimSource};
use ccverify::Error;
use ccverify::bundle::{Bundle, Exchange, Recorder};
use ccverify::eth::Address;
use ccverify::exchange::{DONE_EVENT, StreamVerifier, verify_response};
use ccverify::gpu::ocsp::DirOcspSource;
use ccverify::gpu::source::{ChainOcspSource, ChainRimSource, DirRimSource};
use ccverify::nonce::Nonce;
use ccverify::policy::Policy;
use ccverify::report::ReportVerifier;
use ccverify::time::unix_now;
use ccverify::verdict::{Check, CheckStatus, Verdict};

/// io.net's public gateway.
pub const DEFAULT_BASE_URL: &str = "https://api.intelligence.io.net";

/// The environment variable holding the io.net API key.
pub const API_KEY_ENV: &str = "IO_API_KEY";

/// Largest attestation or plain completion body read.
pub const MAX_REPLY_LEN: usize = 32 * 1024 * 1024;

/// Response headers as (lower-case name, value) pairs.
type Headers = Vec<(String, String)>;

/// A progress callback: one line per network step (for a CLI, print it on stderr).
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// The document form (the bindings' form). Keys, all optional: `base_url`, `api_key` (default
/// `$IO_API_KEY`), `timeout_ms`, `retries`, `backoff_ms`, `policy` (object or text: JSON, TOML or
/// a preset name), `allow_unverified`, `strict`, `rim_dir`, `ocsp_dir`, `collateral` (JSON object or
/// text), `pccs_url`, `rim_url`, `ocsp_url`, `at` (RFC 3339 or Unix seconds), `record_exchanges`, `headers` (object of
/// strings). `null` means "not set"; unknown keys are refused. Defaults:
/// [`ClientConfig::from_env`].
impl ccverify::Options for ClientConfig {
    const WHAT: &'static str = "client config";

    fn from_value(value: Value) -> Result<ClientConfig, Error> {
        let doc: ConfigDocument = ccverify::options::from_object(value, Self::WHAT)?;
        let d = ClientConfig::from_env();
        let c = ClientConfig {
            base_url: doc.base_url.unwrap_or(d.base_url),
            api_key: doc.api_key.or(d.api_key),
            timeout: doc.timeout_ms.map_or(d.timeout, Duration::from_millis),
            retries: doc.retries.unwrap_or(d.retries),
            backoff: doc.backoff_ms.map_or(d.backoff, Duration::from_millis),
            policy: doc.policy,
            allow_unverified: doc.allow_unverified.unwrap_or(d.allow_unverified),
            strict: doc.strict,
            rim_dir: doc.rim_dir.map(PathBuf::from),
            ocsp_dir: doc.ocsp_dir.map(PathBuf::from),
            collateral: doc.collateral,
            pccs_url: doc.pccs_url,
            rim_url: doc.rim_url,
            ocsp_url: doc.ocsp_url,
            at: doc.at,
            record_exchanges: doc.record_exchanges.unwrap_or(d.record_exchanges),
            headers: doc.headers.unwrap_or_default().into_iter().collect(),
            progress: None,
        };
        c.validate()?;
        Ok(c)
    }
}

/// The JSON form of [`ClientConfig`].
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigDocument {
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    retries: Option<u32>,
    #[serde(default)]
    backoff_ms: Option<u64>,
    #[serde(default, deserialize_with = "ccverify::policy::policy_or_text")]
    policy: Policy,
    #[serde(default)]
    allow_unverified: Option<bool>,
    #[serde(default)]
    strict: Option<bool>,
    #[serde(default)]
    rim_dir: Option<String>,
    #[serde(default)]
    ocsp_dir: Option<String>,
    #[serde(default, deserialize_with = "ccverify::options::json_document")]
    collateral: Option<Vec<u8>>,
    #[serde(default)]
    pccs_url: Option<String>,
    #[serde(default)]
    rim_url: Option<String>,
    #[serde(default)]
    ocsp_url: Option<String>,
    #[serde(default)]
    at: Option<ccverify::time::Time>,
    #[serde(default)]
    record_exchanges: Option<bool>,
    #[serde(default)]
    headers: Option<std::collections::BTreeMap<String, String>>,
}

/// How to reach the gateway and how to judge what it says.
#[derive(Clone)]
pub struct ClientConfig {
    /// Gateway base URL, without `/v1` (default [`DEFAULT_BASE_URL`]).
    pub base_url: String,
    /// The io.net API key, sent as `Authorization: Bearer` (default: `$IO_API_KEY`).
    pub api_key: Option<String>,
    /// Per-request timeout, connection to last byte (default 120 s; streams count per read).
    pub timeout: Duration,
    /// Retries on connection failures, 429 and 5xx (default 3), with exponential backoff
    /// from `backoff` (doubling, at most 8 s; a `Retry-After` of up to 30 s is honoured).
    pub retries: u32,
    /// First backoff (default 500 ms).
    pub backoff: Duration,
    /// The appraisal policy; `policy.offline` stops all fetching of RIMs, OCSP and collateral.
    pub policy: Policy,
    /// Chat even when the attestation did not verify; every reply is then marked unverified.
    pub allow_unverified: bool,
    /// Fail closed: a reply that did not verify is an error ([`ChatError::Unverified`], kind
    /// `unverified_response`) carrying the reply and its verdict, and a stream ends in that
    /// error instead of its end marker. `None` (the default) means on, unless
    /// `allow_unverified` is set — a caller who allows unverified use gets replies flagged
    /// `verified == false` instead. `Some(false)` always returns replies with their flag.
    pub strict: Option<bool>,
    /// Local RIMs, consulted before NVIDIA's RIM service.
    pub rim_dir: Option<PathBuf>,
    /// Local DER OCSP responses, consulted before the live responders.
    pub ocsp_dir: Option<PathBuf>,
    /// Intel collateral JSON for the TDX quote; when `None` it is fetched (unless offline).
    pub collateral: Option<Vec<u8>>,
    /// Intel PCS or PCCS base URL for collateral (default Intel PCS).
    pub pccs_url: Option<String>,
    /// NVIDIA RIM service base URL (RIMs at `{rim_url}/v1/rim/{id}`; default NVIDIA's).
    pub rim_url: Option<String>,
    /// OCSP responder asked about every certificate (default: each certificate's own, else
    /// NVIDIA's).
    pub ocsp_url: Option<String>,
    /// Verification time (default: the clock at attestation).
    pub at: Option<ccverify::time::Time>,
    /// Keep every exchange in the session's bundle (default false: memory grows per call).
    pub record_exchanges: bool,
    /// Extra request headers sent to the gateway (e.g. an organisation header).
    pub headers: Vec<(String, String)>,
    /// Called with one line per network step.
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("policy", &self.policy.preset)
            .field("allow_unverified", &self.allow_unverified)
            .finish_non_exhaustive()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: None,
            timeout: Duration::from_secs(120),
            retries: 3,
            backoff: Duration::from_millis(500),
            policy: Policy::default(),
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
            headers: Vec::new(),
            progress: None,
        }
    }
}

impl ClientConfig {
    /// Defaults with the API key from `$IO_API_KEY`.
    pub fn from_env() -> Self {
        ClientConfig {
            api_key: std::env::var(API_KEY_ENV)
                .ok()
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty()),
            ..ClientConfig::default()
        }
    }

    /// What the types cannot say: every extra header is one HTTP can carry (a non-empty RFC
    /// 9110 token as its name, no control character but tab in its value) — refused here
    /// rather than retried later as a network failure.
    pub fn validate(&self) -> Result<(), Error> {
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        };
        let value_ok = |v: &str| v.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f));
        match self
            .headers
            .iter()
            .find(|(n, v)| !name_ok(n) || !value_ok(v))
        {
            Some((n, _)) => Err(Error::InvalidArgument(format!(
                "client config: header {n:?} is not a valid HTTP field"
            ))),
            None => Ok(()),
        }
    }

    /// Whether an unverified reply is an error (see [`ClientConfig::strict`]).
    pub fn is_strict(&self) -> bool {
        self.strict.unwrap_or(!self.allow_unverified)
    }

    fn say(&self, line: &str) {
        if let Some(p) = &self.progress {
            p(line);
        }
    }
}

/// A model the gateway offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// The name to put in a completion's `model`.
    pub name: String,
    /// The UUID to attest.
    pub model_id: String,
    /// Whether the gateway says it can attest this model.
    pub supports_attestation: bool,
}

/// One completion and its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatResponse {
    /// The HTTP status (2xx; other statuses are errors).
    pub status: u16,
    /// The body to hand on. Plain replies: the exact body received (its hash was checked over
    /// exactly these bytes, JSON whitespace aside). Streams: never the relayed bytes, but the
    /// canonical re-serialisation of the verified events (`data: <payload>\n\n` each), ending
    /// in `data: [DONE]\n\n` only when the stream verified. The raw stream is in the session's
    /// bundle, for re-verification.
    pub body: Vec<u8>,
    /// The response headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The exchange's verdict against the pinned key, plus the `session.attestation` row.
    pub verdict: Verdict,
    /// The signature, hashes and signer check out AND the session's attestation verified.
    pub verified: bool,
    /// Whether the session's attestation verified.
    pub attested: bool,
    /// Whether `body` is an SSE stream.
    pub stream: bool,
}

/// The check id added to every exchange verdict of a session: the attestation that pinned
/// the key verified.
pub const SESSION_ATTESTATION: &str = ccverify::checks::SESSION_ATTESTATION;

/// Why a chat call returned no verified reply.
#[derive(Clone, Debug)]
pub enum ChatError {
    /// The call could not run or was stopped: network, attestation gate, cancellation, …
    Failed(Error),
    /// A strict session got a reply that did not verify: the reply, with its verdict.
    Unverified(Box<ChatResponse>),
}

impl ChatError {
    /// The shared error kind (`unverified_response` for [`ChatError::Unverified`]).
    pub fn kind(&self) -> ccverify::ErrorKind {
        self.error().kind()
    }

    /// The error as the core's [`Error`] (the unverified reply's failing checks as its reason).
    pub fn error(&self) -> Error {
        match self {
            ChatError::Failed(e) => e.clone(),
            ChatError::Unverified(r) => Error::UnverifiedResponse(r.verdict.failure_summary()),
        }
    }

    /// The unverified reply, if that is what this is.
    pub fn response(&self) -> Option<&ChatResponse> {
        match self {
            ChatError::Failed(_) => None,
            ChatError::Unverified(r) => Some(r),
        }
    }
}

impl std::fmt::Display for ChatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

impl std::error::Error for ChatError {}

impl From<Error> for ChatError {
    fn from(e: Error) -> Self {
        ChatError::Failed(e)
    }
}

/// An attested session with one model (see the [module documentation](self)). Cheap to clone:
/// clones share the session (its pinned key and bundle).
#[derive(Clone)]
pub struct Session(Arc<SessionState>);

#[doc(hidden)]
pub struct SessionState {
    config: ClientConfig,
    http: Client,
    model_id: String,
    nonce: Nonce,
    verdict: Verdict,
    pinned: Option<Address>,
    bundle: Mutex<Bundle>,
}

impl std::ops::Deref for Session {
    type Target = SessionState;
    fn deref(&self) -> &SessionState {
        &self.0
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("model_id", &self.model_id)
            .field("verified", &self.verdict.verified)
            .field("pinned", &self.pinned)
            .finish_non_exhaustive()
    }
}

fn http_client(config: &ClientConfig) -> Result<Client, Error> {
    Client::builder()
        .user_agent(concat!("ccverify/", env!("CARGO_PKG_VERSION")))
        .read_timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(30)))
        .build()
        .map_err(|e| Error::Network(format!("cannot set up the HTTP client: {e}")))
}

fn url(config: &ClientConfig, path: &str) -> String {
    format!("{}{path}", config.base_url.trim_end_matches('/'))
}

fn retry_after(r: &Response) -> Option<Duration> {
    let secs: u64 = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs.min(30)))
}

fn transient(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// One request to the gateway: where, how, and the token that aborts it.
struct Call<'a> {
    config: &'a ClientConfig,
    http: &'a Client,
    cancel: &'a Cancel,
    what: &'a str,
    /// Headers for this call only, after the configuration's.
    extra: &'a [(String, String)],
}

impl Call<'_> {
    /// Sends with retries; returns the first non-transient response (or the last one). Every
    /// wait — connecting, the reply's head, the backoff — stops when the token is cancelled.
    fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<Response, Error> {
        let (config, what) = (self.config, self.what);
        let mut delay = config.backoff;
        let mut attempt = 0;
        loop {
            let mut req = self.http.request(method.clone(), url);
            if let Some(key) = &config.api_key {
                req = req.bearer_auth(key);
            }
            for (k, v) in config.headers.iter().chain(self.extra) {
                req = req.header(k.as_str(), v.as_str());
            }
            if let Some(b) = body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.to_vec());
            }
            let outcome = cancel::block(Some(self.cancel), what, async move { req.send().await })?;
            let (wait, why) = match outcome {
                Ok(r) if !transient(r.status()) => return Ok(r),
                Ok(r) => {
                    let wait = retry_after(&r).unwrap_or(delay);
                    let why = format!("HTTP {}", r.status());
                    if attempt >= config.retries {
                        return Err(self.status_error(r));
                    }
                    (wait, why)
                }
                Err(e) => {
                    let why = describe_reqwest(&e);
                    if attempt >= config.retries {
                        return Err(Error::Network(format!("{what}: {url}: {why}")));
                    }
                    (delay, why)
                }
            };
            attempt += 1;
            config.say(&format!(
                "{what}: {why}; retry {attempt}/{} in {} ms",
                config.retries,
                wait.as_millis()
            ));
            cancel::sleep(Some(self.cancel), what, wait)?;
            delay = (delay * 2).min(Duration::from_secs(8));
        }
    }

    /// The next piece of a body (`None` at its end), unless the token fires first.
    fn chunk(&self, r: &mut Response) -> Result<Option<Vec<u8>>, Error> {
        cancel::block(Some(self.cancel), self.what, async { r.chunk().await })?
            .map(|c| c.map(|b| b.to_vec()))
            .map_err(|e| {
                Error::Network(format!(
                    "{}: connection lost: {}",
                    self.what,
                    describe_reqwest(&e)
                ))
            })
    }

    /// A whole body of at most [`MAX_REPLY_LEN`] bytes.
    fn read_body(&self, mut r: Response) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        while let Some(chunk) = self.chunk(&mut r)? {
            out.extend_from_slice(&chunk);
            if out.len() > MAX_REPLY_LEN {
                return Err(Error::LimitExceeded(format!(
                    "{}: reply larger than {MAX_REPLY_LEN} bytes",
                    self.what
                )));
            }
        }
        Ok(out)
    }

    /// The error of a reply with an error status: `HTTP <status>: <detail>`.
    fn status_error(&self, mut r: Response) -> Error {
        let status = r.status();
        let mut body = Vec::new();
        while body.len() < 4096 {
            match self.chunk(&mut r) {
                Ok(Some(c)) => body.extend_from_slice(&c),
                Ok(None) | Err(_) => break,
            }
        }
        if self.cancel.is_cancelled() {
            return cancel::cancelled(self.what);
        }
        body.truncate(4096);
        let text = String::from_utf8_lossy(&body);
        let detail = ccverify::limits::json_from_slice::<Value>(&body, "the error reply")
            .ok()
            .and_then(|v| {
                v.get("detail").map(|d| {
                    d.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| d.to_string())
                })
            })
            .unwrap_or_else(|| text.chars().take(300).collect());
        Error::Network(format!("{}: HTTP {status}: {detail}", self.what))
    }
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        source = s.source();
    }
    let text = parts.join(": ");
    if e.is_timeout() {
        format!("timed out ({text})")
    } else {
        text
    }
}

fn headers_of(r: &Response) -> Vec<(String, String)> {
    r.headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

/// Lists the gateway's models (`GET /v1/models`).
pub fn list_models(config: &ClientConfig) -> Result<Vec<Model>, Error> {
    list_models_cancellable(config, &Cancel::new())
}

/// [`list_models`], stopped (and the request aborted) when `cancel` is cancelled.
pub fn list_models_cancellable(
    config: &ClientConfig,
    cancel: &Cancel,
) -> Result<Vec<Model>, Error> {
    let http = http_client(config)?;
    let call = Call {
        config,
        http: &http,
        cancel,
        what: "models",
        extra: &[],
    };
    let u = url(config, "/v1/models");
    config.say(&format!("listing models at {u}"));
    let r = call.send(reqwest::Method::GET, &u, None)?;
    if !r.status().is_success() {
        return Err(call.status_error(r));
    }
    let body = call.read_body(r)?;
    let v: Value = ccverify::limits::json_from_slice(&body, "the reply")
        .map_err(|e| Error::Network(format!("models: {e}")))?;
    let list = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Network("models: the reply has no data array".into()))?;
    Ok(list
        .iter()
        .map(|m| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            Model {
                name: if s("name").is_empty() {
                    s("id")
                } else {
                    s("name")
                },
                model_id: s("model_id"),
                supports_attestation: m
                    .get("supports_attestation")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }
        })
        .collect())
}

impl Session {
    /// Attests `model_id` with a fresh nonce and verifies the answer (fetching RIMs, OCSP
    /// answers and Intel collateral unless the policy is offline). Returns the session
    /// whether or not the attestation verified — look at [`Session::verdict`]; chatting on
    /// an unverified session fails unless [`ClientConfig::allow_unverified`] is set.
    ///
    /// # Errors
    /// [`Error::Network`] when the gateway cannot be reached or refuses (after retries);
    /// [`Error::InvalidArgument`] for unusable local inputs (a missing RIM directory).
    pub fn attest(config: ClientConfig, model_id: &str) -> Result<Session, Error> {
        Session::attest_cancellable(config, model_id, &Cancel::new())
    }

    /// [`Session::attest`], stopped when `cancel` is cancelled: the attestation request, every
    /// RIM, OCSP and collateral fetch in flight is aborted and the result is
    /// [`Error::Cancelled`].
    pub fn attest_cancellable(
        config: ClientConfig,
        model_id: &str,
        cancel: &Cancel,
    ) -> Result<Session, Error> {
        let http = http_client(&config)?;
        let nonce = Nonce::generate()?;
        let u = url(&config, "/v1/private/attestation");
        config.say(&format!(
            "attesting model {model_id} at {u} with a fresh nonce"
        ));
        let call = Call {
            config: &config,
            http: &http,
            cancel,
            what: "attestation",
            extra: &[],
        };
        let body = json!({"model_id": model_id, "nonce": nonce.to_hex()}).to_string();
        let r = call.send(reqwest::Method::POST, &u, Some(body.as_bytes()))?;
        if !r.status().is_success() {
            return Err(call.status_error(r));
        }
        let report = call.read_body(r)?;
        let now = config.at.map_or_else(unix_now, ccverify::time::Time::unix);
        let (verdict, bundle) =
            verify_attestation_cancellable(&config, &report, &nonce, now, cancel)?;
        config.say(&format!(
            "attestation {}",
            if verdict.verified {
                "verified"
            } else {
                "NOT verified"
            }
        ));
        let mut bundle = bundle;
        bundle.base_url = Some(config.base_url.clone());
        bundle.model_id = Some(model_id.to_string());
        Ok(Session(Arc::new(SessionState {
            pinned: verdict.signer,
            config,
            http,
            model_id: model_id.to_string(),
            nonce,
            verdict,
            bundle: Mutex::new(bundle),
        })))
    }

    /// The attestation verdict (with its `summary` fact).
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// Whether the attestation verified.
    pub fn attested(&self) -> bool {
        self.verdict.verified
    }

    /// The pinned signing address (the attested `signing_address`, when well-formed).
    pub fn signing_address(&self) -> Option<Address> {
        self.pinned
    }

    /// The model attested.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The nonce sent (normalised, 64 hex digits).
    pub fn nonce_hex(&self) -> String {
        self.nonce.to_hex()
    }

    /// The configuration the session was attested with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The evidence bundle: everything needed to re-verify the attestation (and the recorded
    /// exchanges) offline.
    pub fn bundle(&self) -> Bundle {
        self.bundle
            .lock()
            .map(|b| b.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn gate(&self) -> Result<(), Error> {
        if self.verdict.verified || self.config.allow_unverified {
            return Ok(());
        }
        Err(Error::AttestationFailed(
            self.verdict
                .facts
                .get("summary")
                .cloned()
                .unwrap_or_else(|| "the attestation did not verify".into()),
        ))
    }

    /// The exchange's verdict with the session row; records the exchange (its raw bytes) in
    /// the bundle; `body` is what the caller hands on.
    #[allow(
        clippy::too_many_arguments,
        reason = "one private constructor of ChatResponse"
    )]
    fn finish(
        &self,
        mut verdict: Verdict,
        request: &[u8],
        raw: &[u8],
        body: Vec<u8>,
        headers: Vec<(String, String)>,
        status: u16,
        stream: bool,
    ) -> ChatResponse {
        let attested = self.verdict.verified;
        let exchange_ok = verdict.verified;
        // A reply inherits what its attestation rested on: under the TEST roots it says so.
        let test_roots = self.verdict.check(ccverify::trust::ids::ANCHORS).cloned();
        verdict.checks.push(if attested {
            Check::new(
                SESSION_ATTESTATION,
                CheckStatus::Pass,
                if test_roots.is_some() {
                    "the attestation that pinned the signing key verified, under the TEST roots (nothing about real hardware)"
                } else {
                    "the attestation that pinned the signing key verified"
                },
            )
        } else {
            Check::new(
                SESSION_ATTESTATION,
                CheckStatus::Fail,
                "the attestation that pinned the signing key did NOT verify (unverified use was allowed): the signature proves only who signed",
            )
        });
        verdict.checks.extend(test_roots);
        verdict.verified = exchange_ok && attested;
        if self.config.record_exchanges
            && let (Ok(req), Ok(resp)) = (
                String::from_utf8(request.to_vec()),
                String::from_utf8(raw.to_vec()),
            )
            && let Ok(mut b) = self.bundle.lock()
        {
            b.exchanges.push(Exchange {
                request: req,
                response: resp,
                headers: if stream { Vec::new() } else { headers.clone() },
                stream,
            });
        }
        ChatResponse {
            status,
            verified: verdict.verified,
            verdict,
            body,
            headers,
            attested,
            stream,
        }
    }

    /// `Ok(reply)`, or under [`ClientConfig::strict`] the unverified reply as an error.
    fn judged(&self, reply: ChatResponse) -> Result<ChatResponse, ChatError> {
        if reply.verified || !self.config.is_strict() {
            Ok(reply)
        } else {
            Err(ChatError::Unverified(Box::new(reply)))
        }
    }

    /// POSTs `body` to `/v1/private/completions` (after the attestation gate, with retries):
    /// the successful response, its status and its headers.
    fn post_completion(
        &self,
        call: &Call<'_>,
        body: &[u8],
    ) -> Result<(Response, u16, Headers), Error> {
        self.gate()?;
        let u = url(&self.config, "/v1/private/completions");
        let r = call.send(reqwest::Method::POST, &u, Some(body))?;
        if !r.status().is_success() {
            return Err(call.status_error(r));
        }
        let status = r.status().as_u16();
        let headers = headers_of(&r);
        Ok((r, status, headers))
    }

    /// Sends one plain completion (`POST /v1/private/completions`, the exact `body` bytes)
    /// and verifies the reply against the pinned key.
    ///
    /// # Errors
    /// [`ChatError::Unverified`] (strict sessions, the default) when the reply did not verify;
    /// [`Error::AttestationFailed`] on an unverified session without `allow_unverified`;
    /// [`Error::Network`] when the gateway cannot be reached or answers with an error status
    /// (error replies are never signed).
    pub fn chat(&self, body: &[u8]) -> Result<ChatResponse, ChatError> {
        self.chat_cancellable(body, &Cancel::new())
    }

    /// [`Session::chat`], stopped (and the request aborted) when `cancel` is cancelled.
    pub fn chat_cancellable(
        &self,
        body: &[u8],
        cancel: &Cancel,
    ) -> Result<ChatResponse, ChatError> {
        self.chat_with_headers(body, &[], cancel)
    }

    /// [`Session::chat_cancellable`] with request headers for this call only, sent after the
    /// configuration's [`ClientConfig::headers`] (e.g. a per-request id). They are not part of
    /// what is signed: the agent hashes the body only.
    pub fn chat_with_headers(
        &self,
        body: &[u8],
        headers: &[(String, String)],
        cancel: &Cancel,
    ) -> Result<ChatResponse, ChatError> {
        let call = Call {
            config: &self.config,
            http: &self.http,
            cancel,
            what: "completion",
            extra: headers,
        };
        let (r, status, headers) = self.post_completion(&call, body)?;
        let reply = call.read_body(r)?;
        let verdict = verify_response(body, &reply, &headers, self.pinned.as_ref());
        self.judged(self.finish(verdict, body, &reply, reply.clone(), headers, status, false))
    }

    /// Starts one streamed completion (the body should say `"stream": true`) and returns it as
    /// a pull stream of verified bytes ([`ChatStream::next_chunk`]); cancelling `cancel` (from
    /// any thread) aborts the request, so the gateway sees the connection close.
    ///
    /// # Errors
    /// As [`Session::chat`], for the request itself.
    pub fn stream(&self, body: &[u8], hold: bool, cancel: Cancel) -> Result<ChatStream, ChatError> {
        self.stream_with_headers(body, &[], hold, cancel)
    }

    /// [`Session::stream`] with request headers for this call only (as
    /// [`Session::chat_with_headers`]).
    pub fn stream_with_headers(
        &self,
        body: &[u8],
        headers: &[(String, String)],
        hold: bool,
        cancel: Cancel,
    ) -> Result<ChatStream, ChatError> {
        let call = Call {
            config: &self.config,
            http: &self.http,
            cancel: &cancel,
            what: "stream",
            extra: headers,
        };
        let (response, status, headers) = self.post_completion(&call, body)?;
        Ok(ChatStream {
            session: self.clone(),
            verifier: StreamVerifier::new(body, self.pinned),
            request: body.to_vec(),
            response: Some(response),
            raw: Vec::new(),
            delivered: Vec::new(),
            hold,
            status,
            headers,
            cancel,
            end: None,
        })
    }

    /// Sends one streamed completion and verifies it, passing verified bytes to `on_chunk` as
    /// they are verified (a thin loop over [`Session::stream`]).
    ///
    /// `on_chunk` never sees the relayed bytes: it receives the canonical re-serialisation of
    /// each event as it is verified to be one hashed data line (`data: <payload>\n\n`), and
    /// at the end `data: [DONE]\n\n` only if the whole stream (and the session) verified.
    /// With `hold`, nothing is passed until the verdict, then all of it in one call — nothing
    /// at all when it did not verify. The verdict comes at the end.
    ///
    /// # Errors
    /// As [`Session::chat`]; a connection lost mid-stream is [`Error::Network`].
    pub fn chat_stream(
        &self,
        body: &[u8],
        hold: bool,
        on_chunk: &mut dyn FnMut(&[u8]),
    ) -> Result<ChatResponse, ChatError> {
        let mut stream = self.stream(body, hold, Cancel::new())?;
        while let Some(chunk) = stream.next_chunk()? {
            on_chunk(&chunk);
        }
        stream.into_response()
    }
}

/// A streamed completion being read: pull verified bytes with [`ChatStream::next_chunk`]
/// until it returns `None`, then read the reply and its verdict. Only bytes that were verified
/// to be hashed data lines are ever returned, re-serialised (`data: <payload>\n\n`), with
/// `data: [DONE]\n\n` last only when the whole stream and the session verified. Dropping it,
/// or cancelling its token ([`ChatStream::cancel_token`]), aborts the request.
pub struct ChatStream {
    session: Session,
    verifier: StreamVerifier,
    request: Vec<u8>,
    response: Option<Response>,
    raw: Vec<u8>,
    delivered: Vec<u8>,
    hold: bool,
    status: u16,
    headers: Headers,
    cancel: Cancel,
    end: Option<Result<ChatResponse, ChatError>>,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("status", &self.status)
            .field("hold", &self.hold)
            .field("ended", &self.end.is_some())
            .finish_non_exhaustive()
    }
}

impl ChatStream {
    /// The next verified bytes to hand on, or `None` once the stream has ended (then
    /// [`ChatStream::response`] holds the reply and its verdict). Blocks until the gateway
    /// sends more or the token is cancelled.
    ///
    /// # Errors
    /// [`ChatError::Unverified`] at the end of a stream that did not verify (strict sessions);
    /// [`Error::Network`] when the connection is lost; [`Error::Cancelled`] when the token was
    /// cancelled (the request is aborted; later calls fail the same way).
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ChatError> {
        loop {
            if let Some(end) = &self.end {
                return match end {
                    Ok(_) => Ok(None),
                    Err(e) => Err(e.clone()),
                };
            }
            let Some(response) = self.response.as_mut() else {
                return Ok(None);
            };
            let call = Call {
                config: &self.session.config,
                http: &self.session.http,
                cancel: &self.cancel,
                what: "stream",
                extra: &[],
            };
            let piece = match call.chunk(response) {
                Ok(p) => p,
                Err(e) => return Err(self.stop(e)),
            };
            match piece {
                Some(chunk) => {
                    self.raw.extend_from_slice(&chunk);
                    if self.raw.len() > MAX_REPLY_LEN {
                        return Err(self.stop(Error::LimitExceeded(format!(
                            "stream larger than {MAX_REPLY_LEN} bytes"
                        ))));
                    }
                    let events = match self.verifier.update(&chunk) {
                        Ok(e) => e,
                        Err(e) => return Err(self.stop(e)),
                    };
                    self.delivered.extend_from_slice(&events);
                    if !self.hold && !events.is_empty() {
                        return Ok(Some(events));
                    }
                }
                None => return self.conclude(),
            }
        }
    }

    /// Ends the stream with an error: the request is dropped (aborted) and later calls fail.
    fn stop(&mut self, e: Error) -> ChatError {
        self.response = None;
        self.end = Some(Err(ChatError::Failed(e.clone())));
        ChatError::Failed(e)
    }

    /// The body has ended: the verdict, then the last bytes to hand on (if any).
    fn conclude(&mut self) -> Result<Option<Vec<u8>>, ChatError> {
        self.response = None;
        let verdict = match self.verifier.finish() {
            Ok(v) => v,
            Err(e) => return Err(self.stop(e)),
        };
        let mut last = self.verifier.final_event().to_vec();
        self.delivered.extend_from_slice(&last);
        let mut out = self.session.finish(
            verdict,
            &self.request,
            &self.raw,
            std::mem::take(&mut self.delivered),
            self.headers.clone(),
            self.status,
            true,
        );
        // The end marker only for a stream that verified with a verified session.
        if out.verified {
            last.extend_from_slice(DONE_EVENT);
            out.body.extend_from_slice(DONE_EVENT);
        }
        let emit = if self.hold {
            out.verified.then(|| out.body.clone())
        } else {
            (!last.is_empty()).then_some(last)
        };
        match self.session.judged(out) {
            Ok(reply) => {
                self.end = Some(Ok(reply));
                Ok(emit)
            }
            Err(e) => {
                self.end = Some(Err(e.clone()));
                Err(e)
            }
        }
    }

    /// Whether the stream has ended (its verdict is known, or it failed).
    pub fn is_done(&self) -> bool {
        self.end.is_some()
    }

    /// The reply with its verdict once the stream has ended; `None` before.
    pub fn response(&self) -> Option<&ChatResponse> {
        match &self.end {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => e.response(),
            None => None,
        }
    }

    /// The verdict once the stream has ended.
    ///
    /// # Errors
    /// [`Error::InvalidState`] before the end: a partial stream has no verdict.
    pub fn verdict(&self) -> Result<&Verdict, Error> {
        self.response().map(|r| &r.verdict).ok_or_else(|| {
            Error::InvalidState("the stream has not ended: its verdict comes at the end".into())
        })
    }

    /// Reads the rest of the stream (discarding the bytes) and returns its reply.
    ///
    /// # Errors
    /// As [`ChatStream::next_chunk`].
    pub fn into_response(mut self) -> Result<ChatResponse, ChatError> {
        while self.next_chunk()?.is_some() {}
        match self.end.take() {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(e),
            None => Err(ChatError::Failed(Error::Internal(
                "stream ended without an outcome".into(),
            ))),
        }
    }

    /// The token that aborts this stream (cancel it from any thread).
    pub fn cancel_token(&self) -> Cancel {
        self.cancel.clone()
    }

    /// Aborts the stream now: the connection is closed and later calls fail with
    /// [`Error::Cancelled`].
    pub fn cancel(&mut self) {
        self.cancel.cancel();
        if self.end.is_none() {
            self.stop(cancel::cancelled("stream"));
        }
    }

    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers (lower-case names).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}

/// Verifies an attestation document for `nonce` at `now`, fetching (or reading) RIMs, OCSP
/// answers and Intel collateral as `config` says (nothing is fetched when its policy is
/// offline), and returns the verdict with a bundle of everything used.
///
/// # Errors
/// Only for unusable local inputs (a RIM or OCSP directory that cannot be read) or an HTTP
/// client that cannot be set up; unreachable services make checks skip, never pass.
pub fn verify_attestation(
    config: &ClientConfig,
    report: &[u8],
    nonce: &Nonce,
    now: i64,
) -> Result<(Verdict, Bundle), Error> {
    verify_attestation_cancellable(config, report, nonce, now, &Cancel::new())
}

/// [`verify_attestation`], stopped when `cancel` is cancelled: every RIM, OCSP and collateral
/// fetch in flight is aborted and the result is [`Error::Cancelled`] (never a verdict built
/// on fetches that were cut short).
pub fn verify_attestation_cancellable(
    config: &ClientConfig,
    report: &[u8],
    nonce: &Nonce,
    now: i64,
    cancel: &Cancel,
) -> Result<(Verdict, Bundle), Error> {
    let recorder = Recorder::new();
    let mut rims = ChainRimSource::new();
    if let Some(dir) = &config.rim_dir {
        rims.push(Box::new(
            DirRimSource::new(dir).map_err(Error::InvalidArgument)?,
        ));
    }
    let mut ocsp = ChainOcspSource::new();
    if let Some(dir) = &config.ocsp_dir {
        ocsp.push(Box::new(DirOcspSource::new(dir).map_err(|e| {
            Error::InvalidArgument(format!("OCSP directory {}: {e}", dir.display()))
        })?));
    }
    let net_http = || {
        HttpClient::new()
            .map(|h| {
                h.with_timeout(config.timeout.min(Duration::from_secs(30)))
                    .with_cancel(cancel.clone())
            })
            .map_err(Error::Network)
    };
    if !config.policy.offline {
        config.say(
            "RIMs from NVIDIA's RIM service, revocation from NVIDIA's OCSP responders, as needed",
        );
        let mut rim_source = HttpRimSource::new(net_http()?);
        if let Some(u) = &config.rim_url {
            rim_source = rim_source
                .with_base_url(u)
                .map_err(|e| Error::InvalidArgument(format!("rim_url: {e}")))?;
        }
        let mut ocsp_source = HttpOcspSource::new(net_http()?);
        if let Some(u) = &config.ocsp_url {
            ocsp_source = ocsp_source
                .with_url(u)
                .map_err(|e| Error::InvalidArgument(format!("ocsp_url: {e}")))?;
        }
        rims.push(Box::new(rim_source));
        ocsp.push(Box::new(ocsp_source));
    }
    let mut collateral = config.collateral.clone();
    if collateral.is_none() && !config.policy.offline {
        let quote = ccverify::limits::json_from_slice::<Value>(report, "the attestation")
            .ok()
            .and_then(|v| v.get("cpu")?.get("quote")?.as_str().map(str::to_string))
            .and_then(|q| hex::decode(q.trim()).ok());
        if let Some(q) = quote {
            let mut client = CollateralClient::new(net_http()?).with_policy(&config.policy.tdx);
            if let Some(u) = &config.pccs_url {
                client = client
                    .with_base_url(u)
                    .map_err(|e| Error::InvalidArgument(format!("pccs_url: {e}")))?;
            }
            config.say(&format!("Intel collateral from {}", client.base_url()));
            match client.fetch(&q, now) {
                Ok(f) => collateral = Some(f.json.into_bytes()),
                Err(why) => config.say(&format!("no Intel collateral: {why}")),
            }
        }
    }
    let mut verifier = ReportVerifier::new(config.policy.clone())
        .with_rims(recorder.rims(rims))
        .with_ocsp(recorder.ocsp(ocsp));
    if let Some(c) = &collateral {
        verifier = verifier.with_collateral(c.clone());
    }
    cancel.check("attestation")?;
    config.say("verifying the attestation");
    let verdict = verifier.verify(report, nonce, now);
    cancel.check("attestation")?;
    let attestation: Value = ccverify::limits::json_from_slice(report, "the attestation")
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(report).into_owned()));
    let bundle = Bundle {
        created_at: unix_now(),
        at: now,
        base_url: None,
        model_id: None,
        nonce: nonce.to_hex(),
        attestation,
        collateral: collateral
            .and_then(|c| ccverify::limits::json_from_slice(&c, "the collateral").ok()),
        rims: recorder.recorded_rims(),
        ocsp: recorder.recorded_ocsp(),
        policy: config.policy.clone(),
        verdict: serde_json::from_str(&verdict.to_json()).ok(),
        exchanges: Vec::new(),
    };
    Ok((verdict, bundle))
}
