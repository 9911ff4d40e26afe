//! # ccverify-net
//!
//! Network input fetching for the pure `ccverify` verifier, and the io.net session ([`client`]):
//! NVIDIA's RIM service, OCSP responders, NRAS, and
//! Intel's collateral for TDX quotes.
//!
//! This module only **fetches**: it never decides whether anything is genuine. Whatever it
//! returns — a RIM, an OCSP response, an NRAS token or key set — is verified afterwards by the
//! pure code ([`ccverify::gpu::GpuVerifier`], [`ccverify::gpu::ocsp::verify_response`],
//! [`ccverify::gpu::nras::verify_eat`]) exactly as if it had been read from a file, so a network
//! attacker can make a check fail or be skipped, never pass. The one exception is NRAS's key
//! set: it is trusted because it comes over TLS from the configured URL, so the `gpu.nras`
//! rows are only as good as that connection (the local checks do not depend on it).
//!
//! * [`HttpRimSource`] — a [`RimSource`] reading `GET {base}/v1/rim/{id}` from NVIDIA's RIM
//!   service, with an optional on-disk cache;
//! * [`HttpOcspSource`] — an [`OcspSource`] POSTing a fresh-nonce request to the
//!   certificate's OCSP responder;
//! * [`NrasClient`] — NVIDIA's Remote Attestation Service (remote mode) and its JWKS;
//! * [`CollateralClient`] ([`collateral`]) — Intel PCS or a PCCS: TCB Info, QE Identity and
//!   CRLs for a TDX quote, as the collateral JSON [`ccverify::tdx::verify_tdx`] takes, with an
//!   on-disk cache.
//!
//! Combine them with local sources with [`ccverify::gpu::source::ChainRimSource`] and
//! [`ccverify::gpu::source::ChainOcspSource`]. Every request has a timeout
//! ([`DEFAULT_TIMEOUT`] unless [`HttpClient::with_timeout`] says otherwise) and every reply
//! body is bounded.
//!
//! Network failures: the [`RimSource`] contract reports them as `Err` (the RIM check then
//! fails with the reason in its detail), unless [`HttpRimSource::with_errors_as_missing`]
//! turns them into "not found" (the check is then skipped, or warned per policy).
//! [`OcspSource::lookup`] can only say "no response", so [`HttpOcspSource`] records why in a
//! [`FetchLog`]. [`FetchLog::annotate`] appends the recorded reasons to the rows of a verdict
//! that did not pass (for example "responder unreachable" on `gpu.ocsp`).
//!
//! The clients are blocking (`reqwest::blocking`): call them from ordinary threads, not from
//! inside an async runtime.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

use ccverify::gpu::MAX_GPU_JSON;
use ccverify::gpu::nras::{self, Jwks};
use ccverify::gpu::ocsp::{self, OcspFetched, OcspSource};
use ccverify::gpu::roots::TrustAnchors;
use ccverify::gpu::source::{MAX_RIM_LEN, RimSource};
use ccverify::verdict::{Check, CheckStatus, Verdict};
use ccverify::x509::{Certificate, ChainStatus};

mod cancel;
pub mod client;
pub mod collateral;

pub use cancel::{Cancel, spawn_blocking};

pub use collateral::{CollateralClient, FetchedCollateral, INTEL_PCS_URL, PckCa, QuotePck};

/// NVIDIA's RIM service (section 5.1 of the GPU spec); RIMs are at `{base}/v1/rim/{id}`.
pub const DEFAULT_RIM_SERVICE_URL: &str = ccverify::services::RIM_SERVICE_URL;

/// NVIDIA's OCSP responder, used for certificates without an OCSP URL of their own.
pub const DEFAULT_OCSP_URL: &str = ccverify::services::NVIDIA_OCSP_URL;

/// NRAS's GPU attestation endpoint (API v4).
pub const DEFAULT_NRAS_URL: &str = ccverify::services::NRAS_URL;

/// Where NRAS publishes its token-signing keys.
pub const DEFAULT_JWKS_URL: &str = nras::NRAS_JWKS_URL;

/// The timeout of every request unless [`HttpClient::with_timeout`] sets another (NVIDIA's
/// verifiers use 10 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest RIM service reply accepted, in bytes: the JSON envelope around the base64 of a
/// RIM of at most [`MAX_RIM_LEN`] bytes.
pub const MAX_RIM_REPLY_LEN: usize = 6 * 1024 * 1024;

/// The most entries a [`FetchLog`] keeps (later ones are counted, not stored).
pub const MAX_LOG_ENTRIES: usize = 32;

/// How much of an error reply's body is quoted in a message, in characters.
const ERROR_SNIPPET_CHARS: usize = 300;

/// The most bytes of an error reply that are read.
const MAX_ERROR_BODY: usize = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// HTTP client
// ---------------------------------------------------------------------------------------------

/// A blocking HTTP client shared by the sources of this module (cheap to clone: clones share
/// one connection pool). With [`HttpClient::with_cancel`], cancelling the token aborts the
/// request in flight (see [`Cancel`]). HTTPS uses rustls with the platform's trust store; `http://` URLs
/// are allowed too, since everything fetched is verified anyway (OCSP responders commonly
/// publish `http://` URLs). At most 5 redirects are followed.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: Client,
    timeout: Duration,
    cancel: Option<Cancel>,
}

impl HttpClient {
    /// A client with the [`DEFAULT_TIMEOUT`] per request.
    ///
    /// # Errors
    /// When the TLS backend cannot be set up.
    pub fn new() -> Result<Self, String> {
        let client = Client::builder()
            .user_agent(concat!("ccverify/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", error_text(&e)))?;
        Ok(HttpClient {
            client,
            timeout: DEFAULT_TIMEOUT,
            cancel: None,
        })
    }

    /// Sets the timeout of every request (connection, sending and reading the whole reply).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout of every request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Every request of this client (and of its clones made afterwards) stops, and is aborted,
    /// when `cancel` is cancelled.
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = Some(cancel);
        self
    }

    fn send(&self, request: RequestBuilder, url: &str) -> Result<Reply, String> {
        let timeout = self.timeout;
        let sent = cancel::block(self.cancel.as_ref(), url, async move {
            request.timeout(timeout).send().await
        })
        .map_err(|e| e.reason().to_string())?;
        let response = sent.map_err(|e| self.transport_error(url, &e))?;
        Ok(Reply {
            response,
            cancel: self.cancel.clone(),
        })
    }

    fn transport_error(&self, url: &str, e: &reqwest::Error) -> String {
        // reqwest's own message repeats the URL; its causes say what happened.
        let why = match std::error::Error::source(e) {
            Some(cause) => error_text(cause),
            None => e.to_string(),
        };
        if e.is_timeout() {
            format!("{url}: timed out after {} s", self.timeout.as_secs_f32())
        } else if e.is_connect() {
            format!("{url}: unreachable ({why})")
        } else {
            format!("{url}: {why}")
        }
    }
}

/// A reqwest error with its chain of causes (`a: b: c`), which holds the useful part
/// ("Connection refused", "dns error", …).
fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// A reply whose body is still to be read, with the token that may abort it.
#[derive(Debug)]
struct Reply {
    response: Response,
    cancel: Option<Cancel>,
}

impl std::ops::Deref for Reply {
    type Target = Response;
    fn deref(&self) -> &Response {
        &self.response
    }
}

/// Reads at most `limit` bytes of a reply body; more is an error.
fn read_limited(reply: Reply, limit: usize, url: &str) -> Result<Vec<u8>, String> {
    let too_large = |n: String| format!("{url}: the reply is {n} bytes, more than {limit}");
    let limit64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if let Some(n) = reply.content_length()
        && n > limit64
    {
        return Err(too_large(n.to_string()));
    }
    let Reply {
        mut response,
        cancel,
    } = reply;
    let read = async move {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() > limit {
                break;
            }
        }
        Ok::<_, reqwest::Error>(body)
    };
    let body = cancel::block(cancel.as_ref(), url, read)
        .map_err(|e| e.reason().to_string())?
        .map_err(|e| format!("{url}: reading the reply: {}", error_text(&e)))?;
    if body.len() > limit {
        return Err(too_large("at least ".to_string() + &body.len().to_string()));
    }
    Ok(body)
}

/// `HTTP <code> <reason>` and a printable prefix of the body, for error messages.
fn status_error(url: &str, response: Reply) -> String {
    let status = response.status();
    let body = read_limited(response, MAX_ERROR_BODY, url).unwrap_or_default();
    let text: String = String::from_utf8_lossy(&body)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(ERROR_SNIPPET_CHARS)
        .collect();
    let text = text.trim();
    if text.is_empty() {
        format!("{url}: HTTP {status}")
    } else {
        format!("{url}: HTTP {status}: {text}")
    }
}

/// Checks that `url` is an absolute `http://` or `https://` URL.
fn check_url(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad URL {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "bad URL {url:?}: only http:// and https:// URLs are used"
        ));
    }
    Ok(url.to_string())
}

/// Whether a service key may be sent to `url`: over `https://`, or over `http://` to a
/// loopback address only (local proxies and tests). Keys never travel in clear text over a
/// network, whatever URL a certificate names.
fn key_allowed(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    match u.scheme() {
        "https" => true,
        "http" => {
            let host = u.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

fn bearer(request: RequestBuilder, url: &str, key: Option<&str>) -> RequestBuilder {
    match key {
        Some(k) if key_allowed(url) => request.bearer_auth(k),
        _ => request,
    }
}

// ---------------------------------------------------------------------------------------------
// Fetch log
// ---------------------------------------------------------------------------------------------

/// Why live fetches failed, shared between a source and whoever reads the verdict (clones
/// share one log). Identical messages are kept once; at most [`MAX_LOG_ENTRIES`] are kept.
///
/// An entry may be about a *topic* (the RIM id, or the name of the certificate an OCSP query
/// was about), so that [`FetchLog::annotate`] adds it only to the rows that mention it.
#[derive(Clone, Debug, Default)]
pub struct FetchLog {
    inner: Arc<Mutex<LogInner>>,
}

#[derive(Debug, Default)]
struct LogInner {
    /// (topic, message).
    entries: Vec<(Option<String>, String)>,
    dropped: usize,
}

impl FetchLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failure that concerns every row [`FetchLog::annotate`] touches.
    pub fn record(&self, message: impl Into<String>) {
        self.push(None, message.into());
    }

    /// Records a failure about `topic` (a RIM id, a certificate name): [`FetchLog::annotate`]
    /// adds it only to rows whose detail contains `topic`.
    pub fn record_about(&self, topic: impl Into<String>, message: impl Into<String>) {
        self.push(Some(topic.into()), message.into());
    }

    fn push(&self, topic: Option<String>, message: String) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.entries.iter().any(|(_, m)| *m == message) {
                return;
            }
            if inner.entries.len() < MAX_LOG_ENTRIES {
                inner.entries.push((topic, message));
            } else {
                inner.dropped += 1;
            }
        }
    }

    /// The failures recorded so far (plus a line counting those not kept).
    pub fn entries(&self) -> Vec<String> {
        match self.inner.lock() {
            Ok(inner) => {
                let mut out: Vec<String> = inner.entries.iter().map(|(_, m)| m.clone()).collect();
                if inner.dropped > 0 {
                    out.push(format!("{} more failure(s) not shown", inner.dropped));
                }
                out
            }
            Err(_) => Vec::new(),
        }
    }

    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.inner
            .lock()
            .map(|i| i.entries.is_empty())
            .unwrap_or(true)
    }

    /// Appends the recorded failures to the detail of every row of `verdict` with id
    /// `check_id` that did not pass (for example `gpu.ocsp` rows saying "no OCSP response"):
    /// entries without a topic go to every such row, entries about a topic only to the rows
    /// whose detail names it. All entries are also stored as the JSON array fact
    /// `<check_id>.network_errors`. Statuses, and so `verified`, are unchanged. Returns false
    /// (and changes nothing) when the log is empty.
    pub fn annotate(&self, verdict: &mut Verdict, check_id: &str) -> bool {
        let (entries, dropped) = match self.inner.lock() {
            Ok(inner) => (inner.entries.clone(), inner.dropped),
            Err(_) => return false,
        };
        if entries.is_empty() {
            return false;
        }
        for c in verdict
            .checks
            .iter_mut()
            .filter(|c| c.id == check_id && c.status != CheckStatus::Pass)
        {
            let relevant: Vec<&str> = entries
                .iter()
                .filter(|(topic, _)| topic.as_ref().is_none_or(|t| c.detail.contains(t.as_str())))
                .map(|(_, m)| m.as_str())
                .collect();
            if !relevant.is_empty() {
                c.detail = format!("{}; live fetch failed: {}", c.detail, relevant.join("; "));
            }
        }
        let mut all: Vec<String> = entries.into_iter().map(|(_, m)| m).collect();
        if dropped > 0 {
            all.push(format!("{dropped} more failure(s) not shown"));
        }
        verdict.facts.insert(
            format!("{check_id}.network_errors"),
            Value::from(all).to_string(),
        );
        true
    }
}

// ---------------------------------------------------------------------------------------------
// RIM service
// ---------------------------------------------------------------------------------------------

/// Whether `id` is safe as a file name and a URL path segment (RIM ids are letters, digits,
/// `_`, `.` and `-`).
fn valid_rim_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// RIMs from NVIDIA's RIM service: `GET {base}/v1/rim/{id}` with an optional
/// `Authorization: Bearer <service key>`. The JSON reply must carry `id` equal to the requested
/// id and `rim`, the standard base64 of the RIM XML (at most [`MAX_RIM_LEN`] bytes); the reply
/// itself is bounded by [`MAX_RIM_REPLY_LEN`].
///
/// HTTP 404 means the service has no such RIM (`Ok(None)`); any other failure is `Err` with
/// the reason (or `Ok(None)` with [`HttpRimSource::with_errors_as_missing`]), and is also
/// recorded in [`HttpRimSource::log`].
///
/// With a cache directory, `<dir>/<id>.xml` is read before asking the service, and written
/// (atomically: a temporary file renamed into place) after a successful fetch. The cache needs
/// no trust since every RIM is verified after it is fetched, but to keep a corrupted or forged
/// download from being served again, a RIM is cached only when it is well-formed and its XML
/// signature verifies with a certificate chain to NVIDIA's pinned RIM root (expired or not).
/// Failing to write the cache is recorded in the log and does not fail the fetch. To force a
/// refetch, delete the file.
#[derive(Clone, Debug)]
pub struct HttpRimSource {
    http: HttpClient,
    base: String,
    key: Option<String>,
    cache: Option<PathBuf>,
    log: FetchLog,
    errors_as_missing: bool,
}

impl HttpRimSource {
    /// A source for NVIDIA's service ([`DEFAULT_RIM_SERVICE_URL`]), without a key or a cache.
    pub fn new(http: HttpClient) -> Self {
        HttpRimSource {
            http,
            base: DEFAULT_RIM_SERVICE_URL.to_string(),
            key: None,
            cache: None,
            log: FetchLog::new(),
            errors_as_missing: false,
        }
    }

    /// Reports fetch failures (unreachable service, timeout, HTTP error, malformed reply) as
    /// "not found" (`Ok(None)`) instead of `Err`, the reason being recorded in the log only.
    ///
    /// [`ccverify::gpu::GpuVerifier`] fails a RIM check when its source errs, but skips it (or
    /// warns, per policy) when the RIM is missing: with this setting a network outage makes
    /// the RIM checks "could not run" rather than "failed". Use [`FetchLog::annotate`] on the
    /// `gpu.driver_rim` and `gpu.vbios_rim` rows to show why.
    pub fn with_errors_as_missing(mut self) -> Self {
        self.errors_as_missing = true;
        self
    }

    /// Uses another service base URL (RIMs are at `{base}/v1/rim/{id}`).
    ///
    /// # Errors
    /// When `base` is not an absolute `http(s)://` URL.
    pub fn with_base_url(mut self, base: &str) -> Result<Self, String> {
        self.base = check_url(base)?.trim_end_matches('/').to_string();
        Ok(self)
    }

    /// Sends `Authorization: Bearer <key>` (an NVIDIA service key) with every request, over
    /// `https://` (or to a loopback address) only.
    pub fn with_service_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Reads RIMs from, and stores fetched RIMs in, `dir` (created if missing).
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Result<Self, String> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the RIM cache {}: {e}", dir.display()))?;
        self.cache = Some(dir);
        Ok(self)
    }

    /// The cache directory, if any.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_deref()
    }

    /// The URL a RIM id is fetched from.
    pub fn url_for(&self, rim_id: &str) -> String {
        format!("{}/v1/rim/{rim_id}", self.base)
    }

    /// The failures so far (shared with clones of this source).
    pub fn log(&self) -> FetchLog {
        self.log.clone()
    }

    fn read_cache(&self, rim_id: &str) -> Option<Vec<u8>> {
        let path = self.cache.as_ref()?.join(format!("{rim_id}.xml"));
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() {
            return None;
        }
        if meta.len() > MAX_RIM_LEN {
            self.log.record(format!(
                "{}: {} bytes is larger than {MAX_RIM_LEN}, ignored",
                path.display(),
                meta.len()
            ));
            return None;
        }
        match std::fs::read(&path) {
            Ok(xml) => Some(xml),
            Err(e) => {
                self.log.record(format!("{}: {e}", path.display()));
                None
            }
        }
    }

    fn write_cache(&self, rim_id: &str, xml: &[u8]) {
        let Some(dir) = &self.cache else { return };
        if !worth_caching(xml) {
            self.log.record(format!(
                "RIM {rim_id} not cached: it does not verify as an NVIDIA-signed RIM"
            ));
            return;
        }
        if let Err(e) = write_atomically(dir, &format!("{rim_id}.xml"), xml) {
            self.log
                .record(format!("RIM {rim_id} not cached in {}: {e}", dir.display()));
        }
    }

    fn fetch_live(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        let url = self.url_for(rim_id);
        let request = bearer(
            self.http
                .client
                .get(&url)
                .header(reqwest::header::ACCEPT, "application/json"),
            &url,
            self.key.as_deref(),
        );
        let response = self.http.send(request, &url)?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            _ => return Err(format!("RIM service {}", status_error(&url, response))),
        }
        let body = read_limited(response, MAX_RIM_REPLY_LEN, &url)?;
        let xml = parse_rim_reply(&body, rim_id).map_err(|e| format!("{url}: {e}"))?;
        Ok(Some(xml))
    }
}

/// The RIM XML inside a RIM service reply for `rim_id`.
fn parse_rim_reply(body: &[u8], rim_id: &str) -> Result<Vec<u8>, String> {
    let v: Value = ccverify::limits::json_from_slice(body, "the reply")?;
    let obj = v.as_object().ok_or("reply is not a JSON object")?;
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or("reply has no string \"id\"")?;
    if id != rim_id {
        return Err(format!(
            "reply is for RIM id {:?}, not the requested {rim_id}",
            id.chars().take(100).collect::<String>()
        ));
    }
    let b64 = obj
        .get("rim")
        .and_then(Value::as_str)
        .ok_or("reply has no string \"rim\"")?;
    let compact: Vec<u8> = b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let xml = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| format!("\"rim\" is not standard base64: {e}"))?;
    if xml.is_empty() {
        return Err("\"rim\" is empty".into());
    }
    if u64::try_from(xml.len()).unwrap_or(u64::MAX) > MAX_RIM_LEN {
        return Err(format!(
            "the RIM is {} bytes, more than {MAX_RIM_LEN}",
            xml.len()
        ));
    }
    Ok(xml)
}

/// Whether a fetched RIM deserves a place in the cache: well-formed, XML signature valid,
/// signer chain leading to NVIDIA's RIM root (validity dates not considered).
fn worth_caching(xml: &[u8]) -> bool {
    let Some(anchors) = TrustAnchors::nvidia() else {
        return false;
    };
    let report = ccverify::gpu::rim::verify_rim(xml, &anchors.rim, ccverify::time::unix_now());
    report.schema.is_ok()
        && report.signature.is_ok()
        && !matches!(report.chain.status, ChainStatus::Invalid(_))
}

/// Writes `dir/name` by writing a new temporary file in `dir` and renaming it into place, so
/// readers never see a partial file.
fn write_atomically(dir: &Path, name: &str, data: &[u8]) -> Result<(), String> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| format!("no randomness: {e}"))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        e.to_string()
    })
}

impl RimSource for HttpRimSource {
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        if !valid_rim_id(rim_id) {
            return Err(format!("refusing RIM id {rim_id:?}"));
        }
        if let Some(xml) = self.read_cache(rim_id) {
            return Ok(Some(xml));
        }
        match self.fetch_live(rim_id) {
            Ok(Some(xml)) => {
                self.write_cache(rim_id, &xml);
                Ok(Some(xml))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.log.record_about(rim_id, e.clone());
                if self.errors_as_missing {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    fn describe(&self) -> String {
        match &self.cache {
            Some(dir) => format!("RIM service {} (cache {})", self.base, dir.display()),
            None => format!("RIM service {}", self.base),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// OCSP
// ---------------------------------------------------------------------------------------------

/// Live OCSP: for each lookup, POSTs [`ocsp::build_request`] for (cert, issuer) with a fresh
/// random 32-byte nonce, as `application/ocsp-request`, and returns the DER reply with the nonce
/// sent ([`OcspFetched::sent_nonce`]), so that [`ocsp::verify_response`] requires the echo.
///
/// The responder is the override URL when one is set ([`HttpOcspSource::with_url`]),
/// otherwise the first `http(s)` OCSP URL of the certificate's Authority Information Access
/// extension (the certificates it is asked about have already been validated to NVIDIA's
/// roots), otherwise [`DEFAULT_OCSP_URL`].
///
/// A failed query (unreachable, timeout, HTTP error, oversized reply) makes
/// [`OcspSource::lookup`] return `None` — revocation is then "not checked", which policy
/// decides on — and is recorded in [`HttpOcspSource::log`]; [`HttpOcspSource::query`] returns
/// the reason directly.
#[derive(Clone, Debug)]
pub struct HttpOcspSource {
    http: HttpClient,
    url: Option<String>,
    key: Option<String>,
    log: FetchLog,
}

impl HttpOcspSource {
    /// A source asking each certificate's own responder (or NVIDIA's).
    pub fn new(http: HttpClient) -> Self {
        HttpOcspSource {
            http,
            url: None,
            key: None,
            log: FetchLog::new(),
        }
    }

    /// Sends every query to `url`, whatever the certificates say.
    ///
    /// # Errors
    /// When `url` is not an absolute `http(s)://` URL.
    pub fn with_url(mut self, url: &str) -> Result<Self, String> {
        self.url = Some(check_url(url)?);
        Ok(self)
    }

    /// Sends `Authorization: Bearer <key>` (an NVIDIA service key) with every query to an
    /// `https://` responder (or a loopback one); never to a plain `http://` responder, such as
    /// the URLs NVIDIA's certificates name.
    pub fn with_service_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The failures so far (shared with clones of this source).
    pub fn log(&self) -> FetchLog {
        self.log.clone()
    }

    /// The responder URL used for `cert`.
    pub fn url_for(&self, cert: &Certificate) -> String {
        if let Some(u) = &self.url {
            return u.clone();
        }
        cert.ocsp_urls
            .iter()
            .find(|u| check_url(u).is_ok())
            .cloned()
            .unwrap_or_else(|| DEFAULT_OCSP_URL.to_string())
    }

    /// Queries the responder about `cert` issued by `issuer`; the reply is not verified.
    ///
    /// # Errors
    /// Why no reply could be obtained.
    pub fn query(&self, cert: &Certificate, issuer: &Certificate) -> Result<OcspFetched, String> {
        let mut nonce = [0u8; 32];
        getrandom::fill(&mut nonce).map_err(|e| format!("no randomness for the nonce: {e}"))?;
        let body = ocsp::build_request(cert, issuer, Some(&nonce));
        let url = self.url_for(cert);
        let request = bearer(
            self.http
                .client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
                .header(reqwest::header::ACCEPT, "application/ocsp-response")
                .body(body),
            &url,
            self.key.as_deref(),
        );
        let response = self.http.send(request, &url)?;
        if response.status() != StatusCode::OK {
            return Err(status_error(&url, response));
        }
        let der = read_limited(response, ocsp::MAX_RESPONSE_LEN, &url)?;
        Ok(OcspFetched {
            der,
            sent_nonce: Some(nonce.to_vec()),
        })
    }
}

impl OcspSource for HttpOcspSource {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        match self.query(cert, issuer) {
            Ok(f) => Some(f),
            Err(e) => {
                let name = cert.display_name();
                self.log
                    .record_about(format!("'{name}'"), format!("OCSP for '{name}': {e}"));
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NRAS
// ---------------------------------------------------------------------------------------------

/// NVIDIA Remote Attestation Service (remote mode): sends the GPU evidence to NRAS and fetches
/// its signing keys. The detached EAT NRAS returns is verified by
/// [`nras::verdict_from_eat`] / [`nras::verify_eat`], never trusted as such.
#[derive(Clone, Debug)]
pub struct NrasClient {
    http: HttpClient,
    url: String,
    jwks_url: String,
    key: Option<String>,
}

impl NrasClient {
    /// A client for [`DEFAULT_NRAS_URL`] and [`DEFAULT_JWKS_URL`], without a key.
    pub fn new(http: HttpClient) -> Self {
        NrasClient {
            http,
            url: DEFAULT_NRAS_URL.to_string(),
            jwks_url: DEFAULT_JWKS_URL.to_string(),
            key: None,
        }
    }

    /// Uses another attestation endpoint (the full URL of `…/attest/gpu`).
    ///
    /// # Errors
    /// When `url` is not an absolute `http(s)://` URL.
    pub fn with_url(mut self, url: &str) -> Result<Self, String> {
        self.url = check_url(url)?;
        Ok(self)
    }

    /// Fetches the key set from another URL.
    ///
    /// # Errors
    /// When `url` is not an absolute `http(s)://` URL.
    pub fn with_jwks_url(mut self, url: &str) -> Result<Self, String> {
        self.jwks_url = check_url(url)?;
        Ok(self)
    }

    /// Sends `Authorization: Bearer <key>` (an NVIDIA service key) with attestation requests,
    /// over `https://` (or to a loopback address) only.
    pub fn with_service_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The attestation endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The key set URL.
    pub fn jwks_url(&self) -> &str {
        &self.jwks_url
    }

    /// POSTs an io.net `gpu` object as is (it already has NRAS's request shape: `nonce`,
    /// `arch`, `claims_version`, `evidence_list`) and returns the body of the 200 reply, the
    /// detached EAT (at most [`nras::MAX_EAT_LEN`] bytes), unverified.
    ///
    /// # Errors
    /// Transport failures, HTTP errors (401/403 are reported as a refusal, with NRAS's
    /// message) and oversized replies or requests.
    pub fn attest(&self, gpu_object_json: &[u8]) -> Result<Vec<u8>, String> {
        if gpu_object_json.len() > MAX_GPU_JSON {
            return Err(format!(
                "the gpu object is {} bytes, more than {MAX_GPU_JSON}",
                gpu_object_json.len()
            ));
        }
        let request = bearer(
            self.http
                .client
                .post(&self.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(gpu_object_json.to_vec()),
            &self.url,
            self.key.as_deref(),
        );
        let response = self.http.send(request, &self.url)?;
        match response.status() {
            StatusCode::OK => read_limited(response, nras::MAX_EAT_LEN, &self.url),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(format!(
                "NRAS refused the request (forbidden; a service key may be needed): {}",
                status_error(&self.url, response)
            )),
            _ => Err(format!("NRAS {}", status_error(&self.url, response))),
        }
    }

    /// Fetches and parses NRAS's key set. It is trusted because of where it came from (TLS to
    /// the configured URL).
    ///
    /// # Errors
    /// Transport failures, HTTP errors, oversized or unusable key sets.
    pub fn jwks(&self) -> Result<Jwks, String> {
        let url = &self.jwks_url;
        let request = self
            .http
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        let response = self.http.send(request, url)?;
        if response.status() != StatusCode::OK {
            return Err(format!("JWKS {}", status_error(url, response)));
        }
        let body = read_limited(response, nras::MAX_JWKS_LEN, url)?;
        Jwks::from_json(&body).map_err(|e| format!("{url}: {e}"))
    }

    /// Remote mode in one call: [`NrasClient::attest`], [`NrasClient::jwks`], then
    /// [`nras::verdict_from_eat`]. When NRAS or its key set cannot be fetched, the verdict
    /// has one `gpu.nras` row with status `skip` saying why (so it is not verified).
    pub fn appraise(
        &self,
        gpu_object_json: &[u8],
        expected_nonce: &[u8; 32],
        expected_gpus: Option<usize>,
        now: i64,
    ) -> Verdict {
        let skipped = |why: String| {
            Verdict::from_checks(
                vec![Check::new(nras::CHECK_ID, CheckStatus::Skip, why)],
                None,
            )
        };
        let eat = match self.attest(gpu_object_json) {
            Ok(eat) => eat,
            Err(e) => return skipped(format!("NRAS not consulted: {e}")),
        };
        let jwks = match self.jwks() {
            Ok(j) => j,
            Err(e) => return skipped(format!("NRAS token not verifiable: key set: {e}")),
        };
        nras::verdict_from_eat(&eat, &jwks, expected_nonce, expected_gpus, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rim_ids_are_path_safe() {
        assert!(valid_rim_id("NV_GPU_DRIVER_GH100_550.90.07"));
        assert!(valid_rim_id("NV_GPU_VBIOS_1010_0200_882_96009F0001"));
        for bad in ["", "../x", "a/b", ".hidden", "a b", "a%2fb", "a?b"] {
            assert!(!valid_rim_id(bad), "{bad}");
        }
    }

    #[test]
    fn urls_must_be_http() {
        assert!(check_url("https://rim.attestation.nvidia.com").is_ok());
        assert!(check_url("http://127.0.0.1:9/").is_ok());
        for bad in [
            "file:///etc/passwd",
            "ftp://x/",
            "rim.attestation.nvidia.com",
            "",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_never_travel_in_clear_text() {
        for ok in [
            "https://ocsp.ndis.nvidia.com/",
            "http://127.0.0.1:8080/x",
            "http://localhost/",
            "http://[::1]:9/",
        ] {
            assert!(key_allowed(ok), "{ok}");
        }
        for no in [
            "http://ocsp.ndis.nvidia.com",
            "http://10.0.0.1/",
            "ftp://x/",
            "junk",
        ] {
            assert!(!key_allowed(no), "{no}");
        }
    }

    #[test]
    fn ocsp_url_override_aia_default() {
        let chain = Certificate::from_pem_bundle(include_bytes!(
            "../../tests/vectors/gpu/nvidia/hopperCertChain.txt"
        ))
        .unwrap();
        let http = HttpClient::new().unwrap();
        let src = HttpOcspSource::new(http.clone());
        // The leaf has no AIA; the provisioner ICA names NVIDIA's responder.
        assert_eq!(src.url_for(&chain[0]), DEFAULT_OCSP_URL);
        assert_eq!(src.url_for(&chain[2]), "http://ocsp.ndis.nvidia.com");
        let forced = HttpOcspSource::new(http)
            .with_url("http://127.0.0.1:1/ocsp")
            .unwrap();
        assert_eq!(forced.url_for(&chain[2]), "http://127.0.0.1:1/ocsp");
    }

    #[test]
    fn rim_reply_parsing() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let ok = serde_json::json!({"id": "X_1", "rim": b64.encode(b"<a/>"), "sha256": "00"});
        assert_eq!(
            parse_rim_reply(ok.to_string().as_bytes(), "X_1").unwrap(),
            b"<a/>"
        );
        assert!(
            parse_rim_reply(ok.to_string().as_bytes(), "X_2")
                .unwrap_err()
                .contains("not the requested")
        );
        let wrapped = serde_json::json!({"id": "X_1", "rim": "PGEv\nPg=="});
        assert_eq!(
            parse_rim_reply(wrapped.to_string().as_bytes(), "X_1").unwrap(),
            b"<a/>"
        );
        for bad in [
            serde_json::json!({"rim": "PGEvPg=="}),
            serde_json::json!({"id": "X_1"}),
            serde_json::json!({"id": "X_1", "rim": "%%%"}),
            serde_json::json!({"id": "X_1", "rim": ""}),
            serde_json::json!([1]),
        ] {
            assert!(
                parse_rim_reply(bad.to_string().as_bytes(), "X_1").is_err(),
                "{bad}"
            );
        }
        assert!(parse_rim_reply(b"not json", "X_1").is_err());
    }

    #[test]
    fn log_dedups_bounds_and_annotates() {
        let log = FetchLog::new();
        assert!(log.is_empty());
        let mut v = Verdict::from_checks(
            vec![
                Check::new("gpu.ocsp", CheckStatus::Skip, "no OCSP response"),
                Check::new("gpu.ocsp", CheckStatus::Pass, "good"),
            ],
            None,
        );
        assert!(!log.annotate(&mut v, "gpu.ocsp"));
        log.record("unreachable");
        log.record("unreachable");
        assert_eq!(log.entries(), vec!["unreachable".to_string()]);
        assert!(log.annotate(&mut v, "gpu.ocsp"));
        assert!(
            v.checks[0]
                .detail
                .ends_with("live fetch failed: unreachable")
        );
        let about = FetchLog::new();
        about.record_about("RIM_A", "a down");
        about.record_about("RIM_B", "b down");
        let mut w = Verdict::from_checks(
            vec![
                Check::new("gpu.driver_rim", CheckStatus::Skip, "RIM RIM_A not found"),
                Check::new("gpu.vbios_rim", CheckStatus::Skip, "RIM RIM_B not found"),
            ],
            None,
        );
        about.annotate(&mut w, "gpu.driver_rim");
        about.annotate(&mut w, "gpu.vbios_rim");
        assert_eq!(
            w.checks[0].detail,
            "RIM RIM_A not found; live fetch failed: a down"
        );
        assert_eq!(
            w.checks[1].detail,
            "RIM RIM_B not found; live fetch failed: b down"
        );
        assert_eq!(v.checks[1].detail, "good");
        assert_eq!(v.facts["gpu.ocsp.network_errors"], r#"["unreachable"]"#);
        assert!(!v.verified);
        for i in 0..MAX_LOG_ENTRIES + 5 {
            log.record(format!("e{i}"));
        }
        let e = log.entries();
        assert_eq!(e.len(), MAX_LOG_ENTRIES + 1);
        assert!(e[MAX_LOG_ENTRIES].starts_with("6 more"));
    }
}
