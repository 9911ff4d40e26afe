//! A loopback server that speaks the io.net gateway API and signs exactly like the attestation
//! agent (A5, spec §4–§7) — for testing clients, SDKs and verifiers without io.net.
//!
//! **Nothing a sandbox says can be trusted.** Its signing key is made fresh at start-up, its
//! `image_digest` is a made-up constant, and its attestation evidence is *bundled*: a real
//! NVIDIA H100 report and a real Intel TDX quote whose nonces are fixed. A fresh caller nonce
//! is echoed in the JSON but can never appear inside that evidence, so a correct verifier must
//! report the evidence as not fresh — which is intended. Only the [`BUNDLED_GPU_NONCE`] matches
//! the GPU report.
//!
//! Endpoints (HTTP/1.1 on `127.0.0.1`, every response `Connection: close`):
//!
//! * `GET /v1/models` — one model, [`SandboxConfig::model_name`] / [`SandboxConfig::model_id`],
//!   `supports_attestation: true`.
//! * `POST /v1/private/attestation` — `{"model_id", "nonce"}`; the nonce is normalised like the
//!   agent does (missing, `null` or `""` → 32 random bytes; bad hex or more than 32 bytes → 500).
//! * `POST /v1/private/completions` — an OpenAI chat body; the "echo" model answers
//!   `"Echo: " + <last user message>`, plain (signature in headers) or streamed (SSE with an
//!   `event: signature` block before `data: [DONE]`, sent with chunked transfer encoding).
//!
//! When [`SandboxConfig::api_key`] is set, the `/v1/private/*` calls need
//! `Authorization: Bearer <key>`. The request header [`FAULT_HEADER`] injects one fault into a
//! completion so clients can test that verification fails:
//!
//! | `x-sandbox-fault`  | effect                                                           |
//! |--------------------|------------------------------------------------------------------|
//! | `tamper-response`  | one character of the reply changed on the wire *after* signing   |
//! | `tamper-signature` | one byte of the signature flipped                                |
//! | `wrong-key`        | signed by another fresh key, still declaring the sandbox address |
//! | `no-signature`     | no `signature` header / no `event: signature` block              |
//!
//! Streams only (a plain completion with one of these is refused with 400): what a relay could
//! add that a standard SSE parser reads but the agent's signature does not cover, each placed
//! before the second content chunk, plus a harmless line-end re-encoding:
//!
//! | `x-sandbox-fault`      | added to the signed stream                                    |
//! |------------------------|---------------------------------------------------------------|
//! | `inject-data-no-space` | `data:{…"content":" INJECTED"…}` + blank line                  |
//! | `inject-data-tab`      | `data:\t{…" INJECTED"…}` + blank line                          |
//! | `inject-cr-comment`    | `: c\rdata: {…" INJECTED"…}\r\r\n` (one unhashed line to the agent) |
//! | `inject-bare-data`     | a bare `data` field + blank line (an empty event)             |
//! | `inject-done-no-space` | `data:[DONE]` + blank line (a consumer would stop early)      |
//! | `relabel-event`        | `event:signature` right before a genuine chunk                |
//! | `crlf`                 | every LF re-encoded as CRLF (changes no event: still verifies) |
//!
//! And one that changes nothing but the pace, for cancellation tests: `slow` sends a stream's
//! chunks [`SLOW_CHUNK_DELAY`] apart (send a long message for a long stream).
//!
//! `GET /v1/sandbox/stats` answers `{"completions", "streams_completed", "streams_aborted"}`:
//! a stream counts as aborted when the client closed the connection before its last chunk
//! (also [`Sandbox::streams_aborted`]) — how tests see that a cancelled call really closed it.
//!
//! **Test evidence** ([`SandboxConfig::evidence`] = [`Evidence::Test`], `ccverify sandbox
//! --evidence test`): every attestation carries fresh GPU reports ([`SandboxConfig::gpus`] of
//! them) and a TDX quote for the caller's nonce, signed under ccverify's TEST PKI
//! (`ccverify-testpki`), with REPORTDATA = nonce ‖ zeros as io.net does, or the key bound
//! (address ‖ zeros ‖ nonce) with [`SandboxConfig::bind_key`]. The sandbox then also serves the
//! test PKI's RIM service (`GET /v1/rim/{id}`), OCSP responder (`POST /ocsp`) and Intel PCS
//! endpoints (`/sgx/certification/v4/{pckcrl,rootcacrl}`, `/tdx/certification/v4/{tcb,qe/identity}`),
//! so a client given `trust = "test"` and [`Sandbox::rim_url`], [`Sandbox::ocsp_url`] and
//! [`Sandbox::pccs_url`] verifies a whole session end to end. A base-URL prefix
//! `/fault/<name>` injects a fault into that path ([`PATH_FAULTS`]): `gpu-wrong-nonce`,
//! `debug-td`, `relay-key`, `tampered-rim`, `stale-collateral`.
//!
//! Everything is deterministic except the keys and random nonces: completion ids count up
//! (`chatcmpl-sandbox-1`, …) and `created` is a constant.
//!
//! ```no_run
//! use ccverify_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::default())?;
//! println!("{} signs as {}", sandbox.base_url(), sandbox.signing_address());
//! sandbox.wait(); // serve until the process ends
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use k256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};

use ccverify::eth::{Address, eip191_hash, recover_personal_signer};
use ccverify::exchange::canonicalize_request;
use ccverify::nonce::{NONCE_LEN, Nonce};
use ccverify::pyjson::{self, Object, Value};

pub mod http;
use http::{Body, ReadError, Request, Response, error, json_response, read_request, send};

/// The sandbox's default `image_digest`: a fixed, made-up value that names no real image.
pub const SANDBOX_IMAGE_DIGEST: &str =
    "sha256:e1eb8307656bcbd3899dfe05e8cf703833adf289ac98338f612212c78d2b3983";

/// The sandbox's default model name (what `/v1/models` lists and completions report).
pub const SANDBOX_MODEL_NAME: &str = "ccverify/echo";

/// The sandbox's default model UUID (what `/v1/private/attestation` expects as `model_id`).
pub const SANDBOX_MODEL_ID: &str = "c24928d1-3a77-48e6-832b-ba6a83ed04b2";

/// The nonce inside the bundled NVIDIA GPU report (and its JSON `nonce`). Verifying the
/// sandbox's GPU evidence succeeds only with this nonce; any fresh nonce must fail.
pub const BUNDLED_GPU_NONCE: &str =
    "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

/// Request header that injects a fault into a completion (see the module docs for values).
pub const FAULT_HEADER: &str = "x-sandbox-fault";

/// The pause between the chunks of a stream under the `slow` fault.
pub const SLOW_CHUNK_DELAY: Duration = Duration::from_millis(100);

/// Connections served at once; more are answered `503` straight away.
pub const MAX_CONNECTIONS: usize = 64;

/// Largest request head (request line and headers) accepted; larger gets `431`.
pub const MAX_HEADER_BYTES: usize = http::MAX_HEADER_BYTES;

/// Largest request body accepted (by `Content-Length`); larger gets `413`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The `created` timestamp of every completion (2026-01-01T00:00:00Z): no clocks, so runs repeat.
const CREATED: u64 = 1_767_225_600;

/// How long a connection may stay silent before it is dropped.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// An io.net `gpu` object holding a real NVIDIA H100 report (nonce [`BUNDLED_GPU_NONCE`]).
const BUNDLED_GPU_JSON: &str = include_str!("../../examples/gpu/gpu.json");

/// A real Intel TDX v4 quote (from dcap-qvl's tests), lowercase hex.
const BUNDLED_TDX_QUOTE_HEX: &str = include_str!("../../examples/tdx/quote.hex");

/// How a [`Sandbox`] behaves. Start from [`SandboxConfig::default`] and change what you need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxConfig {
    /// TCP port on `127.0.0.1`; `0` (the default) picks a free one — read it back with
    /// [`Sandbox::local_addr`] or [`Sandbox::base_url`].
    pub port: u16,
    /// When set, every `/v1/private/*` call needs `Authorization: Bearer <api_key>`; a missing
    /// header gets `401 {"detail": "Not authenticated"}`, a wrong key
    /// `401 {"detail": "Invalid API key"}`. Default: no authentication.
    pub api_key: Option<String>,
    /// The `image_digest` reported in attestations and signatures; empty leaves it out, like an
    /// agent started without `IMAGE_DIGEST`. Default [`SANDBOX_IMAGE_DIGEST`].
    pub image_digest: String,
    /// The model name listed by `/v1/models` and used when a request has no string `model`.
    /// Default [`SANDBOX_MODEL_NAME`].
    pub model_name: String,
    /// The model UUID listed by `/v1/models`; attestation requests for any other `model_id`
    /// get `404`. Default [`SANDBOX_MODEL_ID`].
    pub model_id: String,
    /// The first this-many `/v1/private/completions` calls (after authentication) answer
    /// `503` with `Retry-After: 0` and `{"detail":"sandbox: transient failure"}`, so clients
    /// can test their retries. Default 0.
    pub transient_failures: u32,
    /// Print one line per request on standard error. Default false.
    pub log: bool,
    /// Which evidence attestations carry. Default [`Evidence::Real`].
    pub evidence: Evidence,
    /// GPUs per attestation with [`Evidence::Test`] (1 to 8). Default 1.
    pub gpus: usize,
    /// With [`Evidence::Test`]: bind the signing key into REPORTDATA with the dstack layout
    /// (address ‖ 12 zero bytes ‖ nonce) instead of io.net's (nonce ‖ 32 zero bytes), so
    /// `report.key_binding` can pass. Default false.
    pub bind_key: bool,
}

/// The evidence a sandbox's attestations carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Evidence {
    /// NVIDIA's and Intel's real sample evidence, with fixed nonces: never verifies for a fresh
    /// nonce (the default).
    #[default]
    Real,
    /// Fresh GPU reports and a TDX quote for every caller's nonce, under ccverify's TEST PKI:
    /// verifies end to end only with `trust = "test"` and this sandbox's RIM, OCSP and PCS
    /// endpoints ([`Sandbox::rim_url`], [`Sandbox::ocsp_url`], [`Sandbox::pccs_url`]).
    Test,
}

impl Evidence {
    /// `"real"` or `"test"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Real => "real",
            Evidence::Test => "test",
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            api_key: None,
            image_digest: SANDBOX_IMAGE_DIGEST.into(),
            model_name: SANDBOX_MODEL_NAME.into(),
            model_id: SANDBOX_MODEL_ID.into(),
            transient_failures: 0,
            log: false,
            evidence: Evidence::Real,
            gpus: 1,
            bind_key: false,
        }
    }
}

/// A running sandbox server. Dropping it (or [`Sandbox::shutdown`]) stops accepting
/// connections; requests already being served finish on their own threads.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    config: SandboxConfig,
    key: SigningKey,
    /// Signs for the `wrong-key` fault (and as the relay under `relay-key`).
    wrong_key: SigningKey,
    address: Address,
    /// The address of `wrong_key`.
    relay_address: Address,
    /// The bundled `gpu` object, parsed once.
    gpu: Value,
    connections: http::Connections,
    completions: AtomicU64,
    failures_left: AtomicU32,
    streams_completed: AtomicU64,
    streams_aborted: AtomicU64,
}

impl Sandbox {
    /// Binds `127.0.0.1:config.port`, makes a fresh signing key and starts serving on a
    /// background thread (one more thread per connection).
    ///
    /// Fails if the port cannot be bound or the operating system has no randomness.
    pub fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        let gpu = pyjson::parse(BUNDLED_GPU_JSON.trim().as_bytes()).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidData, format!("bundled gpu.json: {e}"))
        })?;
        let key = fresh_key()?;
        let wrong_key = fresh_key()?;
        let address = address_of(&key)?;
        let relay_address = address_of(&wrong_key)?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            failures_left: AtomicU32::new(config.transient_failures),
            config,
            key,
            wrong_key,
            address,
            relay_address,
            gpu,
            connections: http::Connections::default(),
            completions: AtomicU64::new(0),
            streams_completed: AtomicU64::new(0),
            streams_aborted: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("ccverify-sandbox".into())
            .spawn(move || {
                http::accept_loop(
                    &listener,
                    &http::Server {
                        state: accept_shared,
                        connections: |s: &Shared| &s.connections,
                        max: MAX_CONNECTIONS,
                        busy,
                        thread_name: "ccverify-sandbox-conn",
                        serve,
                    },
                );
            })?;
        Ok(Sandbox {
            shared,
            local_addr,
            accept: Some(accept),
        })
    }

    /// How many streams the client closed before their last chunk (a cancelled call).
    pub fn streams_aborted(&self) -> u64 {
        self.shared.streams_aborted.load(Ordering::SeqCst)
    }

    /// How many streams were sent to their end.
    pub fn streams_completed(&self) -> u64 {
        self.shared.streams_completed.load(Ordering::SeqCst)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT` — the base URL to give a client in place of the io.net gateway.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The address of this sandbox's fresh signing key: what attestations report and what
    /// every correct signature recovers to.
    pub fn signing_address(&self) -> Address {
        self.shared.address
    }

    /// The base URL of the RIM service (`GET {rim_url}/v1/rim/{id}`) serving the test PKI's
    /// RIMs ([`Evidence::Test`]; the real evidence's RIMs are NVIDIA's).
    pub fn rim_url(&self) -> String {
        self.base_url()
    }

    /// The OCSP responder for the test PKI's certificates ([`Evidence::Test`]).
    pub fn ocsp_url(&self) -> String {
        format!("{}/ocsp", self.base_url())
    }

    /// The PCCS-style base URL serving the test PKI's Intel collateral ([`Evidence::Test`]).
    pub fn pccs_url(&self) -> String {
        self.base_url()
    }

    /// The MRTD of the test evidence's TD (hex), for a policy that pins it
    /// ([`Evidence::Test`]; `report.key_binding` passes only for a TD whose code is pinned).
    pub fn test_mrtd(&self) -> String {
        ccverify_testpki::pki().intel.mrtd_hex()
    }

    /// The configuration the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// Stops accepting connections and waits for the accept thread to end (promptly).
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Serves until the process ends (for a command-line `serve`); never returns in practice.
    pub fn wait(mut self) {
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }

    fn stop(&mut self) {
        self.shared.connections.stop.store(true, Ordering::SeqCst);
        let Some(handle) = self.accept.take() else {
            return;
        };
        // Wake the blocking `accept` with a connection of our own. If even that fails, leave
        // the thread detached: it ends at its next connection.
        if TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(1)).is_ok() {
            let _ = handle.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

fn fresh_key() -> io::Result<SigningKey> {
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io::Error::other(format!("no randomness: {e}")))?;
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(io::Error::other("could not draw a valid secp256k1 key"))
}

fn address_of(key: &SigningKey) -> io::Result<Address> {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = <[u8; 65]>::try_from(point.as_bytes())
        .map_err(|_| io::Error::other("public key is not a 65-byte SEC1 point"))?;
    Ok(Address::from_uncompressed_public_key(&bytes))
}

/// EIP-191 personal_sign over `text`: 130 lowercase hex, `r‖s‖v`, low-s, v ∈ {27, 28}.
fn sign_text(key: &SigningKey, text: &str) -> [u8; 65] {
    let (signature, recovery_id) = key.sign_prehash_recoverable(&eip191_hash(text.as_bytes()));
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&signature.to_bytes());
    out[64] = 27 + recovery_id.to_byte();
    out
}

// ---------------------------------------------------------------------------------------------
// Connections

/// The answer to a connection over [`MAX_CONNECTIONS`].
fn busy() -> Response {
    let mut busy = error(503, "sandbox: too many connections");
    busy.headers.push(("Retry-After".into(), "1".into()));
    busy
}

fn serve(shared: &Shared, mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let (response, what, unread) = match read_request(&mut stream, MAX_BODY_BYTES) {
        Ok(req) => {
            let response = route(shared, &req);
            (response, format!("{} {}", req.method, req.target), false)
        }
        Err(ReadError::Http(response)) => (response, "(bad request)".to_string(), true),
        Err(ReadError::Gone) => return,
    };
    if shared.config.log {
        eprintln!("sandbox: {peer} {what} -> {}", response.status);
    }
    let sent = send(&mut stream, &response);
    if let Body::Chunked(..) = response.body {
        let counter = if sent.is_ok() {
            &shared.streams_completed
        } else {
            &shared.streams_aborted
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }
    let _ = stream.shutdown(Shutdown::Write);
    if unread {
        // Closing with unread input makes the kernel reset the connection, which can destroy
        // the error response before the client reads it; drain a little first.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let _ = io::copy(
            &mut (&stream).take(2 * MAX_BODY_BYTES as u64),
            &mut io::sink(),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Routing

fn s(text: &str) -> Value {
    Value::Str(text.as_bytes().to_vec())
}

fn int(n: u64) -> Value {
    Value::Int(n.to_string())
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut obj = Object::default();
    for (k, v) in entries {
        obj.insert(k.as_bytes().to_vec(), v);
    }
    Value::Object(obj)
}

fn route(shared: &Shared, req: &Request) -> Response {
    let (fault, path) = match path_fault(&req.path) {
        Ok(split) => split,
        Err(response) => return response,
    };
    if shared.config.evidence == Evidence::Test
        && let Some(response) = test_pki_service(fault, path, req)
    {
        return response;
    }
    let allowed = match path {
        "/v1/models" | "/v1/sandbox/stats" => "GET",
        "/v1/private/attestation" | "/v1/private/completions" => "POST",
        _ => return error(404, "Not Found"),
    };
    if req.method != allowed {
        let mut response = error(405, "Method Not Allowed");
        response.headers.push(("Allow".into(), allowed.into()));
        return response;
    }
    match path {
        "/v1/models" => models(shared),
        "/v1/sandbox/stats" => json_response(
            200,
            &object([
                (
                    "completions",
                    int(shared.completions.load(Ordering::SeqCst)),
                ),
                (
                    "streams_completed",
                    int(shared.streams_completed.load(Ordering::SeqCst)),
                ),
                (
                    "streams_aborted",
                    int(shared.streams_aborted.load(Ordering::SeqCst)),
                ),
            ]),
        ),
        "/v1/private/attestation" => {
            authorize(shared, req).unwrap_or_else(|| attestation(shared, req, fault))
        }
        _ => authorize(shared, req).unwrap_or_else(|| completion(shared, req, fault)),
    }
}

/// `None` when the call may proceed, else the `401` to send (FastAPI `HTTPBearer` messages).
fn authorize(shared: &Shared, req: &Request) -> Option<Response> {
    let expected = shared.config.api_key.as_deref()?;
    let unauthorized = |detail: &str| {
        let mut response = error(401, detail);
        response
            .headers
            .push(("WWW-Authenticate".into(), "Bearer".into()));
        response
    };
    let value = req.header("authorization").unwrap_or_default();
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.is_empty() || credentials.is_empty() {
        return Some(unauthorized("Not authenticated"));
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Some(unauthorized("Invalid authentication credentials"));
    }
    if !constant_time_eq(credentials.as_bytes(), expected.as_bytes()) {
        return Some(unauthorized("Invalid API key"));
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn models(shared: &Shared) -> Response {
    let config = &shared.config;
    let model = object([
        ("id", s(&config.model_name)),
        ("name", s(&config.model_name)),
        ("model_id", s(&config.model_id)),
        ("supports_attestation", Value::Bool(true)),
    ]);
    json_response(
        200,
        &object([("object", s("list")), ("data", Value::Array(vec![model]))]),
    )
}

// ---------------------------------------------------------------------------------------------
// Attestation

fn attestation(shared: &Shared, req: &Request, fault: Option<PathFault>) -> Response {
    let Ok(Value::Object(body)) = pyjson::parse(&req.body) else {
        return error(422, "request body must be a JSON object");
    };
    match body.get("model_id") {
        Some(Value::Str(id)) if *id == shared.config.model_id.as_bytes() => {}
        Some(Value::Str(_)) => return error(404, "model not found"),
        None | Some(Value::Null) => return error(422, "model_id is required"),
        Some(_) => return error(422, "model_id must be a string"),
    }
    let nonce_text = match body.get("nonce") {
        None | Some(Value::Null) => None,
        // Lone surrogates are not hex either; the lossy form fails the same way.
        Some(Value::Str(text)) => Some(String::from_utf8_lossy(text).into_owned()),
        Some(_) => return error(422, "nonce must be a string"),
    };
    let nonce = match agent_nonce(nonce_text.as_deref()) {
        Ok(nonce) => nonce,
        Err(detail) => return error(500, detail),
    };
    let nonce_hex = nonce.to_hex();
    if shared.config.evidence == Evidence::Test {
        return test_attestation(shared, &nonce, fault);
    }
    let mut gpu = shared.gpu.clone();
    if let Value::Object(obj) = &mut gpu {
        // The JSON echo follows the caller; the nonce inside the signed report cannot.
        obj.insert(b"nonce".to_vec(), s(&nonce_hex));
    }
    let mut out = Object::default();
    out.insert(b"nonce".to_vec(), s(&nonce_hex));
    out.insert(
        b"cpu".to_vec(),
        object([("quote", s(BUNDLED_TDX_QUOTE_HEX.trim()))]),
    );
    out.insert(b"gpu".to_vec(), gpu);
    out.insert(
        b"signing_address".to_vec(),
        s(&shared.address.to_checksum()),
    );
    if !shared.config.image_digest.is_empty() {
        out.insert(b"image_digest".to_vec(), s(&shared.config.image_digest));
    }
    json_response(200, &Value::Object(out))
}

const NONCE_INVALID: &str = "Nonce Error: Invalid hex string provided.";
const NONCE_TOO_LONG: &str =
    "Nonce Error: Nonce too long. Maximum 32 bytes (64 hex characters) allowed.";

/// The agent's nonce rule (spec §5), error details included.
fn agent_nonce(input: Option<&str>) -> Result<Nonce, &'static str> {
    let input = match input {
        None | Some("") => {
            return Nonce::generate().map_err(|_| "Nonce Error: no randomness available.");
        }
        Some(text) => text,
    };
    if let Ok(nonce) = Nonce::normalize(input) {
        return Ok(nonce);
    }
    // `Nonce::normalize` also refuses what the agent accepts but a careful client must not
    // send (no hex digits at all, all zero bytes): redo Python's `bytes.fromhex` to tell.
    if !input.is_ascii() {
        return Err(NONCE_INVALID);
    }
    let cleaned = input.to_ascii_lowercase().replace("0x", "");
    let bytes = python_fromhex(cleaned.as_bytes()).ok_or(NONCE_INVALID)?;
    if bytes.len() > NONCE_LEN {
        return Err(NONCE_TOO_LONG);
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..bytes.len()].copy_from_slice(&bytes);
    Ok(Nonce(nonce))
}

/// Python's `bytes.fromhex` on ASCII: whitespace allowed between byte pairs only.
fn python_fromhex(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if matches!(text[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            i += 1;
            continue;
        }
        let hi = (text[i] as char).to_digit(16)?;
        let lo = (*text.get(i + 1)? as char).to_digit(16)?;
        out.push((hi << 4 | lo) as u8);
        i += 2;
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Completions

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    TamperResponse,
    TamperSignature,
    WrongKey,
    NoSignature,
    Stream(StreamFault),
    /// Nothing changed but the pace of a stream (see [`SLOW_CHUNK_DELAY`]).
    Slow,
}

/// Faults a relay could introduce into a signed stream (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
enum StreamFault {
    InjectDataNoSpace,
    InjectDataTab,
    InjectCrComment,
    InjectBareData,
    InjectDoneNoSpace,
    RelabelEvent,
    Crlf,
}

/// Every `x-sandbox-fault` value with its fault.
const FAULTS: &[(&str, Fault)] = &[
    ("tamper-response", Fault::TamperResponse),
    ("tamper-signature", Fault::TamperSignature),
    ("wrong-key", Fault::WrongKey),
    ("no-signature", Fault::NoSignature),
    (
        "inject-data-no-space",
        Fault::Stream(StreamFault::InjectDataNoSpace),
    ),
    ("inject-data-tab", Fault::Stream(StreamFault::InjectDataTab)),
    (
        "inject-cr-comment",
        Fault::Stream(StreamFault::InjectCrComment),
    ),
    (
        "inject-bare-data",
        Fault::Stream(StreamFault::InjectBareData),
    ),
    (
        "inject-done-no-space",
        Fault::Stream(StreamFault::InjectDoneNoSpace),
    ),
    ("relabel-event", Fault::Stream(StreamFault::RelabelEvent)),
    ("crlf", Fault::Stream(StreamFault::Crlf)),
    ("slow", Fault::Slow),
];

fn completion(shared: &Shared, req: &Request, path_fault: Option<PathFault>) -> Response {
    let fault = match req.header(FAULT_HEADER) {
        None => Fault::None,
        Some(v) => match FAULTS.iter().find(|(name, _)| v.eq_ignore_ascii_case(name)) {
            Some((_, f)) => *f,
            None => {
                let known: Vec<&str> = FAULTS.iter().map(|(name, _)| *name).collect();
                return error(
                    400,
                    &format!(
                        "sandbox: unknown x-sandbox-fault; use one of {}",
                        known.join(", ")
                    ),
                );
            }
        },
    };
    let transient = shared
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if transient {
        let mut response = error(503, "sandbox: transient failure");
        response.headers.push(("Retry-After".into(), "0".into()));
        return response;
    }
    let canon = match canonicalize_request(&req.body) {
        Ok(canon) => canon,
        Err(detail) => return error(422, &detail),
    };
    // The agent forwards its `model_dump` upstream, so the echo model reads that.
    let Ok(Value::Object(body)) = pyjson::parse(canon.json.as_bytes()) else {
        return error(500, "sandbox: canonical request does not parse");
    };
    let n = shared.completions.fetch_add(1, Ordering::SeqCst) + 1;
    let exchange = Exchange {
        shared,
        fault,
        relay: path_fault == Some(PathFault::RelayKey),
        request_hash: canon.hash_hex().to_string(),
        id: format!("chatcmpl-sandbox-{n}"),
        model: match body.get("model") {
            Some(Value::Str(model)) => model.clone(),
            _ => shared.config.model_name.as_bytes().to_vec(),
        },
        content: echo_content(&body),
    };
    if canon.stream {
        exchange.streamed()
    } else if matches!(fault, Fault::Stream(_) | Fault::Slow) {
        error(
            400,
            "sandbox: this x-sandbox-fault applies to streamed completions only",
        )
    } else {
        exchange.plain(&body)
    }
}

/// The echo model: `"Echo: "` + the last user message (compact JSON if not a string).
fn echo_content(body: &Object) -> Vec<u8> {
    let mut out = b"Echo: ".to_vec();
    let Some(Value::Array(messages)) = body.get("messages") else {
        return out;
    };
    let last_user = messages.iter().rev().find_map(|m| match m {
        Value::Object(msg) if matches!(msg.get("role"), Some(Value::Str(r)) if r == b"user") => {
            Some(msg)
        }
        _ => None,
    });
    match last_user.and_then(|msg| msg.get("content")) {
        Some(Value::Str(text)) => out.extend_from_slice(text),
        Some(other) => pyjson::write_compact(&mut out, other),
        None => {}
    }
    out
}

fn word_count(text: &[u8]) -> u64 {
    text.split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .count() as u64
}

/// The reply changed by one character: the case of its first ASCII letter flipped.
fn tampered(content: &[u8]) -> Vec<u8> {
    let mut out = content.to_vec();
    if let Some(b) = out.iter_mut().find(|b| b.is_ascii_alphabetic()) {
        *b ^= 0x20;
    } else {
        out.push(b'!');
    }
    out
}

struct Exchange<'a> {
    shared: &'a Shared,
    fault: Fault,
    /// Signed by the relay's key, which the relayed attestation declares.
    relay: bool,
    request_hash: String,
    id: String,
    model: Vec<u8>,
    content: Vec<u8>,
}

impl Exchange<'_> {
    /// The address replies declare: the sandbox's, or the relay's under `relay-key`.
    fn declared_address(&self) -> Address {
        if self.relay {
            self.shared.relay_address
        } else {
            self.shared.address
        }
    }

    /// `text` and its signature (per the fault), given the response hash.
    fn sign(&self, response_hash: &str) -> (String, Option<String>) {
        let text = format!("{}:{response_hash}", self.request_hash);
        let key = if self.fault == Fault::WrongKey || self.relay {
            &self.shared.wrong_key
        } else {
            &self.shared.key
        };
        let mut signature = sign_text(key, &text);
        if self.fault == Fault::TamperSignature {
            // Flip bits of one byte of r, choosing a flip that still recovers a key: the
            // signature then looks valid but names another signer, so exactly the signer
            // checks fail (deterministically, whatever the key).
            let genuine = signature;
            for flip in 1..=u8::MAX {
                signature[31] = genuine[31] ^ flip;
                if recover_personal_signer(text.as_bytes(), &hex::encode(signature)).is_ok() {
                    break;
                }
            }
        }
        let signature = (self.fault != Fault::NoSignature).then(|| hex::encode(signature));
        (text, signature)
    }

    fn signing_material(&self, text: String, signature: Option<String>) -> Vec<(String, String)> {
        let mut fields = vec![("text".to_string(), text)];
        if let Some(signature) = signature {
            fields.push(("signature".into(), signature));
        }
        fields.push((
            "signing_address".into(),
            self.declared_address().to_checksum(),
        ));
        fields.push(("signing_algo".into(), "ecdsa".into()));
        if !self.shared.config.image_digest.is_empty() {
            fields.push((
                "image_digest".into(),
                self.shared.config.image_digest.clone(),
            ));
        }
        fields
    }

    fn plain(&self, body: &Object) -> Response {
        let prompt_tokens: u64 = match body.get("messages") {
            Some(Value::Array(messages)) => messages
                .iter()
                .filter_map(|m| match m {
                    Value::Object(msg) => msg.get("content"),
                    _ => None,
                })
                .map(|content| match content {
                    Value::Str(text) => word_count(text),
                    other => {
                        let mut text = Vec::new();
                        pyjson::write_compact(&mut text, other);
                        word_count(&text)
                    }
                })
                .sum(),
            _ => 0,
        };
        let completion_tokens = word_count(&self.content);
        let build = |content: &[u8]| {
            object([
                ("id", s(&self.id)),
                ("object", s("chat.completion")),
                ("created", int(CREATED)),
                ("model", Value::Str(self.model.clone())),
                (
                    "choices",
                    Value::Array(vec![object([
                        ("index", int(0)),
                        (
                            "message",
                            object([
                                ("role", s("assistant")),
                                ("content", Value::Str(content.to_vec())),
                            ]),
                        ),
                        ("finish_reason", s("stop")),
                    ])]),
                ),
                (
                    "usage",
                    object([
                        ("prompt_tokens", int(prompt_tokens)),
                        ("completion_tokens", int(completion_tokens)),
                        ("total_tokens", int(prompt_tokens + completion_tokens)),
                    ]),
                ),
            ])
        };
        let signed = build(&self.content);
        let mut compact = Vec::new();
        pyjson::write_compact(&mut compact, &signed);
        let (text, signature) = self.sign(&sha256_hex(&compact));
        let sent = if self.fault == Fault::TamperResponse {
            build(&tampered(&self.content))
        } else {
            signed
        };
        let mut wire = Vec::new();
        pyjson::write_default(&mut wire, &sent);
        let mut headers = self.signing_material(text, signature);
        headers.push(("Content-Type".into(), "application/json".into()));
        Response {
            status: 200,
            headers,
            body: Body::Full(wire),
        }
    }

    fn streamed(&self) -> Response {
        let chunk = |delta: Value, finish: Option<&str>| {
            object([
                ("id", s(&self.id)),
                ("object", s("chat.completion.chunk")),
                ("created", int(CREATED)),
                ("model", Value::Str(self.model.clone())),
                (
                    "choices",
                    Value::Array(vec![object([
                        ("index", int(0)),
                        ("delta", delta),
                        ("logprobs", Value::Null),
                        ("finish_reason", finish.map_or(Value::Null, s)),
                    ])]),
                ),
            ])
        };
        let sse = |value: &Value| {
            let mut line = b"data: ".to_vec();
            write_vllm(&mut line, value);
            line.extend_from_slice(b"\n\n");
            line
        };
        let words = split_words(&self.content);
        let first = sse(&chunk(
            object([("role", s("assistant")), ("content", s(""))]),
            None,
        ));
        let last = sse(&chunk(object([]), Some("stop")));
        let content_line = |word: &[u8]| {
            sse(&chunk(
                object([("content", Value::Str(word.to_vec()))]),
                None,
            ))
        };
        // What vLLM sent (and the agent hashed) and what reaches the client.
        let mut upstream = vec![first.clone()];
        let mut wire = vec![first];
        for (i, word) in words.iter().enumerate() {
            upstream.push(content_line(word));
            wire.push(if i == 0 && self.fault == Fault::TamperResponse {
                content_line(&tampered(word))
            } else {
                content_line(word)
            });
        }
        upstream.push(last.clone());
        wire.push(last);
        upstream.push(b"data: [DONE]\n\n".to_vec());

        // Spec §7 steps 3–4, literally.
        let joined = String::from_utf8_lossy(&upstream.concat()).into_owned();
        let chunks: Vec<Value> = joined
            .split('\n')
            .filter(|line| line.starts_with("data: ") && !line.starts_with("data: [DONE]"))
            .map(|line| Value::Str(line.as_bytes()[6..].to_vec()))
            .collect();
        let mut hashed = Vec::new();
        pyjson::write_compact(&mut hashed, &object([("chunks", Value::Array(chunks))]));
        let (text, signature) = self.sign(&sha256_hex(&hashed));
        if signature.is_some() {
            let mut event = Object::default();
            for (k, v) in self.signing_material(text, signature) {
                event.insert(k.into_bytes(), Value::Str(v.into_bytes()));
            }
            let mut block = b"event: signature\ndata: ".to_vec();
            pyjson::write_default(&mut block, &Value::Object(event));
            block.extend_from_slice(b"\n\n");
            wire.push(block);
        }
        wire.push(b"data: [DONE]\n\n".to_vec());
        if let Fault::Stream(f) = self.fault {
            let injected = sse(&chunk(object([("content", s(" INJECTED"))]), None));
            let payload = &injected[6..injected.len() - 2];
            let added: Option<Vec<u8>> = match f {
                StreamFault::InjectDataNoSpace => Some([b"data:", payload, b"\n\n"].concat()),
                StreamFault::InjectDataTab => Some([b"data:\t", payload, b"\n\n"].concat()),
                StreamFault::InjectCrComment => Some([b": c\rdata: ", payload, b"\r\r\n"].concat()),
                StreamFault::InjectBareData => Some(b"data\n\n".to_vec()),
                StreamFault::InjectDoneNoSpace => Some(b"data:[DONE]\n\n".to_vec()),
                StreamFault::RelabelEvent => Some(b"event:signature\n".to_vec()),
                StreamFault::Crlf => None,
            };
            match added {
                // Before the second content chunk (wire[0] is the role chunk).
                Some(bytes) => wire.insert(2.min(wire.len()), bytes),
                None => {
                    for part in &mut wire {
                        let mut out = Vec::with_capacity(part.len() + 8);
                        for &b in part.iter() {
                            if b == b'\n' {
                                out.push(b'\r');
                            }
                            out.push(b);
                        }
                        *part = out;
                    }
                }
            }
        }
        Response {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                "text/event-stream; charset=utf-8".into(),
            )],
            body: Body::Chunked(
                wire,
                if self.fault == Fault::Slow {
                    SLOW_CHUNK_DELAY
                } else {
                    Duration::ZERO
                },
            ),
        }
    }
}

/// Splits text into words that concatenate back to it: each carries its leading whitespace,
/// the last also any trailing whitespace.
fn split_words(text: &[u8]) -> Vec<Vec<u8>> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    let mut in_word = false;
    for &b in text {
        let space = b.is_ascii_whitespace();
        if space && in_word {
            words.push(std::mem::take(&mut current));
            in_word = false;
        }
        if !space {
            in_word = true;
        }
        current.push(b);
    }
    if !current.is_empty() {
        match words.last_mut() {
            Some(last) if !in_word => last.extend_from_slice(&current),
            _ => words.push(current),
        }
    }
    words
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Compact JSON with raw UTF-8 strings, like vLLM's chunks (pydantic `model_dump_json`).
/// Strings holding lone surrogates, which UTF-8 cannot carry, fall back to `\u` escapes.
fn write_vllm(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(text) => match std::str::from_utf8(text) {
            Ok(text) => {
                out.push(b'"');
                for c in text.chars() {
                    match c {
                        '"' => out.extend_from_slice(b"\\\""),
                        '\\' => out.extend_from_slice(b"\\\\"),
                        '\n' => out.extend_from_slice(b"\\n"),
                        '\r' => out.extend_from_slice(b"\\r"),
                        '\t' => out.extend_from_slice(b"\\t"),
                        '\u{8}' => out.extend_from_slice(b"\\b"),
                        '\u{c}' => out.extend_from_slice(b"\\f"),
                        c if (c as u32) < 0x20 => {
                            out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
                        }
                        c => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
                out.push(b'"');
            }
            Err(_) => pyjson::write_pystr(out, text),
        },
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_vllm(out, item);
            }
            out.push(b']');
        }
        Value::Object(obj) => {
            out.push(b'{');
            for (i, (k, v)) in obj.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_vllm(out, &Value::Str(k.clone()));
                out.push(b':');
                write_vllm(out, v);
            }
            out.push(b'}');
        }
        scalar => pyjson::write_compact(out, scalar),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_concatenate_back() {
        for text in ["Echo: ", "Echo: a  b\tc ", "Echo: hi", "Echo:"] {
            let words = split_words(text.as_bytes());
            assert_eq!(words.concat(), text.as_bytes(), "{text:?}");
        }
        assert_eq!(split_words(b"Echo: a  b").len(), 3);
    }

    #[test]
    fn nonce_rule_matches_the_agent() {
        assert_eq!(agent_nonce(Some("00")), Ok(Nonce([0; 32])));
        assert_eq!(agent_nonce(Some("  ")), Ok(Nonce([0; 32])));
        assert_eq!(agent_nonce(Some("0 0")), Err(NONCE_INVALID));
        assert_eq!(agent_nonce(Some("zz")), Err(NONCE_INVALID));
        assert_eq!(agent_nonce(Some(&"00".repeat(33))), Err(NONCE_TOO_LONG));
        assert_eq!(agent_nonce(Some(&"ab".repeat(33))), Err(NONCE_TOO_LONG));
        let a = agent_nonce(None).unwrap();
        assert_ne!(a, agent_nonce(Some("")).unwrap());
    }

    #[test]
    fn bundled_gpu_nonce_is_the_reports() {
        let Ok(Value::Object(gpu)) = pyjson::parse(BUNDLED_GPU_JSON.as_bytes()) else {
            panic!("gpu.json")
        };
        assert_eq!(gpu.get("nonce"), Some(&s(BUNDLED_GPU_NONCE)));
    }
}

// ---------------------------------------------------------------------------------------------
// The test PKI's evidence and services (`Evidence::Test`)

/// Faults chosen by a base-URL prefix, `{base}/fault/<name>`, so that a client under test needs
/// nothing but another base URL (or RIM/PCCS URL) to meet them. With [`Evidence::Test`]:
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathFault {
    /// `gpu-wrong-nonce`: the last GPU's report is signed over another nonce.
    GpuWrongNonce,
    /// `debug-td`: the quoted TD has the DEBUG attribute.
    DebugTd,
    /// `relay-key`: a relay's key replaces the sandbox's in the attestation JSON (the quote is
    /// untouched) and signs the replies.
    RelayKey,
    /// `tampered-rim`: RIMs served with one golden value changed after signing.
    TamperedRim,
    /// `stale-collateral`: TCB Info, QE Identity and CRLs issued 60 days ago (expired).
    StaleCollateral,
}

/// Every `/fault/<name>` prefix.
pub const PATH_FAULTS: &[(&str, PathFault)] = &[
    ("gpu-wrong-nonce", PathFault::GpuWrongNonce),
    ("debug-td", PathFault::DebugTd),
    ("relay-key", PathFault::RelayKey),
    ("tampered-rim", PathFault::TamperedRim),
    ("stale-collateral", PathFault::StaleCollateral),
];

/// Splits `/fault/<name>/rest` into the fault and `/rest`.
fn path_fault(path: &str) -> Result<(Option<PathFault>, &str), Response> {
    let Some(rest) = path.strip_prefix("/fault/") else {
        return Ok((None, path));
    };
    let (name, rest) = rest.split_once('/').unwrap_or((rest, ""));
    match PATH_FAULTS.iter().find(|(n, _)| *n == name) {
        Some((_, f)) if rest.is_empty() => Ok((Some(*f), "/")),
        Some((_, f)) => Ok((
            Some(*f),
            path.get(path.len() - rest.len() - 1..).unwrap_or("/"),
        )),
        None => {
            let known: Vec<&str> = PATH_FAULTS.iter().map(|(n, _)| *n).collect();
            Err(error(
                404,
                &format!(
                    "sandbox: unknown /fault/ prefix {name:?}; use one of {}",
                    known.join(", ")
                ),
            ))
        }
    }
}

fn unix_now() -> i64 {
    ccverify::time::unix_now()
}

/// When the test PKI's time-dependent answers are issued: an hour ago, or 60 days ago for
/// `stale-collateral`.
fn issued_at(fault: Option<PathFault>) -> i64 {
    let now = unix_now();
    if fault == Some(PathFault::StaleCollateral) {
        now - 60 * 86_400
    } else {
        now - 3600
    }
}

fn bytes_response(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: Body::Full(body),
    }
}

/// Intel PCS percent-encodes PEM issuer chains in headers.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The RIM service, the OCSP responder and the Intel PCS endpoints of the test PKI; `None`
/// for any other path.
fn test_pki_service(fault: Option<PathFault>, path: &str, req: &Request) -> Option<Response> {
    use base64::Engine as _;
    let pki = ccverify_testpki::pki();
    let get = req.method == "GET";
    if let Some(id) = path.strip_prefix("/v1/rim/") {
        if !get {
            return Some(error(405, "Method Not Allowed"));
        }
        let Some(xml) = pki.nvidia.rim(id) else {
            return Some(error(404, "RIM not found"));
        };
        let mut xml = xml.to_vec();
        if fault == Some(PathFault::TamperedRim)
            && let Some(at) = xml.windows(7).position(|w| w == b"Hash0=\"")
        {
            let i = at + 7;
            xml[i] = if xml[i] == b'0' { b'1' } else { b'0' };
        }
        let body = serde_json::json!({
            "id": id,
            "rim": base64::engine::general_purpose::STANDARD.encode(&xml),
            "sha256": hex::encode(Sha256::digest(&xml)),
        });
        return Some(bytes_response(
            200,
            "application/json",
            body.to_string().into_bytes(),
        ));
    }
    let issued = issued_at(fault);
    let with_chain = |mut r: Response, header: &str, chain: String| {
        r.headers.push((header.into(), percent_encode(&chain)));
        r
    };
    Some(match path {
        "/ocsp" if req.method == "POST" => bytes_response(
            200,
            "application/ocsp-response",
            ccverify_testpki::ocsp::respond(&pki.nvidia, &req.body, unix_now(), &[]),
        ),
        "/sgx/certification/v4/rootcacrl" if get => {
            bytes_response(200, "application/pkix-crl", pki.intel.root_crl(issued))
        }
        "/sgx/certification/v4/pckcrl" if get => with_chain(
            bytes_response(200, "application/pkix-crl", pki.intel.pck_crl(issued)),
            "SGX-PCK-CRL-Issuer-Chain",
            pki.intel.pck_crl_chain_pem(),
        ),
        "/tdx/certification/v4/tcb" if get => {
            let (info, sig) = pki.intel.tcb_info(issued);
            with_chain(
                bytes_response(
                    200,
                    "application/json",
                    format!("{{\"tcbInfo\":{info},\"signature\":\"{sig}\"}}").into_bytes(),
                ),
                "TCB-Info-Issuer-Chain",
                pki.intel.tcb_chain_pem(),
            )
        }
        "/tdx/certification/v4/qe/identity" if get => {
            let (identity, sig) = pki.intel.qe_identity(issued);
            with_chain(
                bytes_response(
                    200,
                    "application/json",
                    format!("{{\"enclaveIdentity\":{identity},\"signature\":\"{sig}\"}}")
                        .into_bytes(),
                ),
                "SGX-Enclave-Identity-Issuer-Chain",
                pki.intel.tcb_chain_pem(),
            )
        }
        _ => return None,
    })
}

/// An attestation under the test PKI for `nonce`: fresh reports from every GPU, a fresh quote.
fn test_attestation(shared: &Shared, nonce: &Nonce, fault: Option<PathFault>) -> Response {
    use ccverify_testpki::{TdChanges, report_data_bound, report_data_unbound};
    let config = &shared.config;
    let gpus = config.gpus.clamp(1, ccverify_testpki::nvidia::MAX_GPUS);
    let mut gpu_nonces = vec![nonce.0; gpus];
    if fault == Some(PathFault::GpuWrongNonce) {
        gpu_nonces[gpus - 1][0] ^= 0xff;
    }
    let report_data = if config.bind_key {
        report_data_bound(&shared.address.0, &nonce.0)
    } else {
        report_data_unbound(&nonce.0)
    };
    let td = if fault == Some(PathFault::DebugTd) {
        // DEBUG (bit 0) on, SEPT_VE_DISABLE (bit 28) kept.
        TdChanges {
            td_attributes: Some([1, 0, 0, 0x10, 0, 0, 0, 0]),
            ..TdChanges::default()
        }
    } else {
        TdChanges::default()
    };
    let declared = if fault == Some(PathFault::RelayKey) {
        shared.relay_address
    } else {
        shared.address
    };
    let mut doc = ccverify_testpki::pki().attestation(
        &nonce.0,
        &gpu_nonces,
        &report_data,
        &td,
        &declared.to_checksum(),
        &config.image_digest,
    );
    if config.image_digest.is_empty()
        && let Some(o) = doc.as_object_mut()
    {
        o.remove("image_digest");
    }
    match pyjson::parse(doc.to_string().as_bytes()) {
        Ok(v) => json_response(200, &v),
        Err(e) => error(500, &format!("sandbox: test attestation: {e}")),
    }
}
