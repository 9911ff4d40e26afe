//! `ccverify ui`: one web page, served on loopback, for verified chat and an evidence
//! inspector. The verification runs here, in the audited core and client, on the user's own
//! machine; the page only shows what this server says about what it verified.
//!
//! **Who may talk to it.** The server binds `127.0.0.1` only. Every request must name this
//! server in its `Host` header (`127.0.0.1:PORT` or `localhost:PORT`), which defeats DNS
//! rebinding: a page on another site that resolves its own name to 127.0.0.1 sends its own
//! name. Every `/api/` call must also carry the run's token (32 random bytes, fresh for each
//! start) in the `x-ccverify-token` header; the token reaches the page in the URL's fragment
//! (`/#token=…`), which browsers never send to a server, so it is never in a request line, a
//! log or a `Referer`. Other local users cannot read it, and other sites cannot send a custom
//! header to this origin without a CORS preflight, which is never granted. A request whose
//! `Origin` is another origin is refused. The gateway's API key stays in this process: no
//! response carries it.
//!
//! **What the page shows is what was verified.** Chat replies reach the page only as the text
//! the client extracted from bytes it verified (plain replies: the exact body whose hash was
//! checked; streams: the canonical re-serialisation of the verified events), each with its
//! verdict. While a stream arrives its text is marked as not yet verified; in `hold` mode none
//! is sent before the verdict.
//!
//! API (JSON; all under `/api/`, token required):
//!
//! | call | what |
//! |---|---|
//! | `GET /api/status` | version, gateway, policy, whether the sandbox runs, the session |
//! | `GET /api/models` | the gateway's models |
//! | `POST /api/attest` `{model_id, allow_unverified}` | a fresh attestation: verdict, claims, nonce |
//! | `POST /api/chat` `{messages, stream, hold, fault}` | one completion, verified; a stream answers as SSE |
//! | `POST /api/inspect` `{document, kind, options, bundles}` | an attestation, bundle or log re-verified offline |
//! | `GET /api/bundle` | the session's evidence bundle, to save |

#![forbid(unsafe_code)]

mod api;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ccverify_net::client::{ClientConfig, Session};
use ccverify_sandbox::http::{self, Body, ReadError, Request, Response};

/// Connections served at once; more are answered `503` straight away.
pub const MAX_CONNECTIONS: usize = 32;

/// Largest request body accepted (an attestation, bundle or log pasted into the inspector).
pub const MAX_BODY_BYTES: usize = 32 << 20;

/// Largest body of every other call (a chat history, an attestation request).
pub const MAX_SMALL_BODY_BYTES: usize = 1 << 20;

/// How long a client may take to send a request's head (a trickling client is cut off).
const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// How long a client may take to send a body, once its head was accepted.
const BODY_DEADLINE: Duration = Duration::from_secs(120);

/// The request header that carries the run's token on every `/api/` call.
pub const TOKEN_HEADER: &str = "x-ccverify-token";

/// How long one read or write on a connection may stall (a streamed reply waits on the
/// gateway between chunks, bounded by the client's own timeout).
const IO_TIMEOUT: Duration = Duration::from_secs(300);

/// The page, its script and its style, compiled in: nothing is fetched at run time.
const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

/// How `ccverify ui` reaches the gateway and what it says about it.
#[derive(Clone, Debug)]
pub struct UiConfig {
    /// Port on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// The client configuration every attestation and chat uses (gateway, API key, policy,
    /// trust, RIM/OCSP/PCCS services). The API key never leaves this process.
    pub client: ClientConfig,
    /// A short description of the gateway for the page, e.g. `"sandbox (TEST PKI)"`.
    pub gateway_label: String,
    /// Whether the gateway is a `ccverify sandbox`: the page then offers its faults
    /// (`x-sandbox-fault`) so a tampered reply can be seen failing.
    pub sandbox: bool,
    /// The model to preselect (its UUID).
    pub default_model: Option<String>,
    /// Log one line per request on standard error (never the token or a body).
    pub log: bool,
}

/// The running page server. Dropping it stops it.
pub struct Ui {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

/// What every connection shares.
struct Shared {
    config: UiConfig,
    token: String,
    port: u16,
    /// The attested session chats go through, with its model name (replaced by each
    /// attestation).
    session: Mutex<Option<(Session, String)>>,
    connections: http::Connections,
}

impl Ui {
    /// Binds `127.0.0.1:config.port`, makes a fresh token and serves on a background thread
    /// (one more thread per connection).
    ///
    /// # Errors
    /// The port cannot be bound, or the system has no randomness for the token.
    pub fn start(config: UiConfig) -> io::Result<Ui> {
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|e| io::Error::other(format!("no randomness: {e}")))?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            token: hex::encode(raw),
            port: local_addr.port(),
            session: Mutex::new(None),
            connections: http::Connections::default(),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("ccverify-ui-accept".into())
            .spawn(move || {
                http::accept_loop(
                    &listener,
                    &http::Server {
                        state: accept_shared,
                        connections: |s: &Shared| &s.connections,
                        max: MAX_CONNECTIONS,
                        busy,
                        thread_name: "ccverify-ui-conn",
                        serve,
                    },
                );
            })?;
        Ok(Ui {
            shared,
            local_addr,
            accept: Some(accept),
        })
    }

    /// The address served.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT` (no token: the API refuses calls without one).
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.local_addr.port())
    }

    /// The URL to open: the origin with this run's token in the fragment (`/#token=…`).
    pub fn url(&self) -> String {
        format!("{}/#token={}", self.origin(), self.shared.token)
    }

    /// This run's token.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// Stops accepting and waits for the accept thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }

    fn stop(&mut self) {
        self.shared.connections.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect(self.local_addr);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.stop();
        }
    }
}

/// The answer to a connection over [`MAX_CONNECTIONS`].
fn busy() -> Response {
    secured(api::problem(
        503,
        "busy",
        "ccverify ui: too many connections",
    ))
}

/// The most a body may be for this call: only the inspector takes large documents.
fn body_limit(req: &Request) -> usize {
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/api/inspect") => MAX_BODY_BYTES,
        ("POST", _) => MAX_SMALL_BODY_BYTES,
        _ => 0,
    }
}

fn serve(shared: &Shared, mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    // Who is asking is checked on the head alone, read whole within HEAD_DEADLINE; only then is
    // a body read (and memory given to it), within BODY_DEADLINE.
    let head = http::read_head(&mut stream, Some(Instant::now() + HEAD_DEADLINE))
        .and_then(|req| match guard(shared, &req) {
            Ok(()) => Ok(req),
            Err(response) => Err(ReadError::Http(response)),
        })
        .and_then(|mut req| {
            let limit = body_limit(&req);
            http::read_body(
                &mut stream,
                &mut req,
                limit,
                Some(Instant::now() + BODY_DEADLINE),
            )
            .map(|()| req)
        });
    let req = match head {
        Ok(req) => req,
        Err(ReadError::Http(response)) => {
            let status = response.status;
            let _ = http::send(&mut stream, &secured(response));
            if shared.config.log {
                eprintln!("ccverify ui: {peer} (refused) -> {status}");
            }
            // Closing with unread input makes the kernel reset the connection, which can
            // destroy the answer before it is read: drain a little, briefly.
            let _ = stream.shutdown(Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = std::io::copy(
                &mut std::io::Read::take(&stream, 64 << 10),
                &mut std::io::sink(),
            );
            return;
        }
        Err(ReadError::Gone) => return,
    };
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let status = route(shared, &req, &mut stream);
    if shared.config.log {
        // The path only (the token never travels in it), quoted; bodies are never logged.
        eprintln!(
            "ccverify ui: {peer} {} {:?} -> {status}",
            req.method, req.path
        );
    }
    let _ = stream.shutdown(Shutdown::Write);
}

/// The Host check for every request, and for `/api/` the Origin check and the token.
fn guard(shared: &Shared, req: &Request) -> Result<(), Response> {
    let host = req.header("host").unwrap_or_default();
    let mut allowed = vec![
        format!("127.0.0.1:{}", shared.port),
        format!("localhost:{}", shared.port),
    ];
    if shared.port == 80 {
        // Browsers leave the default port out.
        allowed.extend(["127.0.0.1".to_string(), "localhost".to_string()]);
    }
    if req.header_count("host") != 1 || !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
        return Err(api::problem(
            421,
            "host_not_allowed",
            "ccverify ui answers only to http://127.0.0.1:PORT or http://localhost:PORT (a Host check against DNS rebinding)",
        ));
    }
    if !req.path.starts_with("/api/") {
        return Ok(());
    }
    if req.header_count("origin") > 1 || req.header_count(TOKEN_HEADER) > 1 {
        return Err(api::problem(
            400,
            "invalid_argument",
            "repeated Origin or token header",
        ));
    }
    if let Some(origin) = req.header("origin")
        && !allowed
            .iter()
            .any(|a| origin.eq_ignore_ascii_case(&format!("http://{a}")))
    {
        return Err(api::problem(
            403,
            "cross_origin",
            "ccverify ui refuses calls from other origins",
        ));
    }
    let token = req.header(TOKEN_HEADER).unwrap_or_default();
    if !constant_time_eq(token.as_bytes(), shared.token.as_bytes()) {
        return Err(api::problem(
            401,
            "unauthorized",
            "missing or wrong token: open the URL `ccverify ui` printed (it carries the token after #token=)",
        ));
    }
    if req.method == "POST" {
        let json = req.header("content-type").is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Err(api::problem(
                415,
                "unsupported_media_type",
                "send application/json",
            ));
        }
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The headers every response carries: a strict content security policy (nothing but this
/// origin, no inline script, no framing), no sniffing, no referrer, no caching.
fn security_headers() -> Vec<(String, String)> {
    [
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn secured(mut response: Response) -> Response {
    response.headers.extend(security_headers());
    response
}

fn asset(content_type: &str, text: &str) -> Response {
    Response {
        status: 200,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: Body::Full(text.as_bytes().to_vec()),
    }
}

/// Answers one request (whole, or streamed for a streamed chat); returns the status sent.
fn route(shared: &Shared, req: &Request, stream: &mut TcpStream) -> u16 {
    let page = match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/" | "/index.html") => Some(asset("text/html; charset=utf-8", INDEX_HTML)),
        ("GET", "/app.js") => Some(asset("text/javascript; charset=utf-8", APP_JS)),
        ("GET", "/app.css") => Some(asset("text/css; charset=utf-8", APP_CSS)),
        _ => None,
    };
    let response = match page {
        Some(page) => page,
        None => match api::handle(shared, req, stream) {
            api::Outcome::Respond(response) => response,
            api::Outcome::Streamed(status) => return status,
        },
    };
    let status = response.status;
    let _ = http::send(stream, &secured(response));
    status
}
