//! The small HTTP/1.1 server both loopback services use: the sandbox gateway and the
//! `ccverify ui` page server. One request per connection (`Connection: close`), bounded heads
//! and bodies, no chunked request bodies; responses whole ([`send`]) or streamed chunk by chunk
//! as they are produced ([`ChunkedWriter`]).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ccverify::pyjson::{self, Object, Value};

/// Largest request head (request line and headers) accepted; larger gets `431`.
pub const MAX_HEADER_BYTES: usize = 64 << 10;

/// One parsed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// The target's path (before any `?`).
    pub path: String,
    /// The header lines in order, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The declared `Content-Length` (0 when absent).
    pub content_length: usize,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

impl Request {
    /// How many headers of this name the request has (ASCII case-insensitive).
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }

    /// The first header of this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request was read.
pub enum ReadError {
    /// Answer with this and close.
    Http(Response),
    /// The client went away or stalled: close silently.
    Gone,
}

fn bad(status: u16, detail: &str) -> ReadError {
    ReadError::Http(error(status, detail))
}

/// Reads one request (head at most [`MAX_HEADER_BYTES`], body at most `max_body` bytes by
/// `Content-Length`; chunked request bodies are refused with `411`): [`read_head`] then
/// [`read_body`].
///
/// # Errors
/// [`ReadError::Http`] with the response to send for a malformed or oversized request,
/// [`ReadError::Gone`] when the client went away.
pub fn read_request(stream: &mut TcpStream, max_body: usize) -> Result<Request, ReadError> {
    let mut req = read_head(stream, None)?;
    read_body(stream, &mut req, max_body, None)?;
    Ok(req)
}

/// Sets the read timeout to what is left before `deadline` (none left: the client stalled).
fn before(stream: &TcpStream, deadline: Option<Instant>) -> Result<(), ReadError> {
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ReadError::Gone);
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| ReadError::Gone)?;
    }
    Ok(())
}

/// `tchar` of RFC 9110: what a method and a header name are made of.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Reads and parses a request's head, all of it before `deadline` when one is given (a client
/// that trickles bytes cannot hold the connection longer). The body is not read: `body` holds
/// only what arrived with the head, and [`Request::content_length`] what was declared, so a
/// server can check who is asking before it reads (and allocates for) a body ([`read_body`]).
///
/// The head is held to RFC 9112 strictly: a method of token characters, an origin-form target
/// of visible ASCII, header names of token characters, header values without control
/// characters (other than tab), one `Content-Length` value, no `Transfer-Encoding`.
///
/// # Errors
/// As [`read_request`].
pub fn read_head(stream: &mut TcpStream, deadline: Option<Instant>) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        before(stream, deadline)?;
        let n = stream.read(&mut chunk).map_err(|_| ReadError::Gone)?;
        if n == 0 {
            return Err(if buf.is_empty() {
                ReadError::Gone
            } else {
                bad(400, "incomplete request head")
            });
        }
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            break from + pos;
        }
        if buf.len() > MAX_HEADER_BYTES {
            return Err(bad(431, "request head too large"));
        }
    };
    let mut req = parse_head(&buf[..head_end]).map_err(ReadError::Http)?;
    req.body = buf[head_end + 4..].to_vec();
    Ok(req)
}

/// Parses a request head: the bytes before the blank line that ends it (the request line and
/// the header lines, separated by CRLF), held to the rules of [`read_head`]. The request's
/// `body` is empty. Pure, so that it can be fuzzed (`fuzz/libfuzzer/fuzz_targets/http.rs`).
///
/// # Errors
/// The response to send: `431` over [`MAX_HEADER_BYTES`], `505` for another HTTP version,
/// `411` for `Transfer-Encoding`, `400` for anything else malformed.
pub fn parse_head(head: &[u8]) -> Result<Request, Response> {
    let bad = |status: u16, detail: &str| error(status, detail);
    if head.len() > MAX_HEADER_BYTES {
        return Err(bad(431, "request head too large"));
    }
    let head =
        std::str::from_utf8(head).map_err(|_| bad(400, "request head is not valid UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(bad(400, "malformed request line"));
    };
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(bad(505, "only HTTP/1.0 and HTTP/1.1 are supported"));
    }
    if !is_token(method)
        || !target.starts_with('/')
        || !target.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(bad(400, "malformed request line"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad(400, "malformed header line"));
        };
        if !is_token(name) {
            return Err(bad(400, "malformed header name"));
        }
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(bad(400, "control character in a header value"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut content_length: Option<usize> = None;
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad(
                411,
                "chunked request bodies are not supported; send Content-Length",
            ));
        }
        if name.eq_ignore_ascii_case("content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(400, "invalid Content-Length"));
            }
            // Saturates: a length too large for this machine is over any limit anyway.
            let n = value
                .parse::<u64>()
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(usize::MAX);
            if content_length.is_some_and(|old| old != n) {
                return Err(bad(400, "conflicting Content-Length headers"));
            }
            content_length = Some(n);
        }
    }
    let path = target.split('?').next().unwrap_or_default().to_string();
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        headers,
        content_length: content_length.unwrap_or(0),
        body: Vec::new(),
    })
}

/// Reads the body [`read_head`] left (`Content-Length` bytes, at most `max_body`, all of it
/// before `deadline` when one is given), growing the buffer only as bytes arrive.
///
/// # Errors
/// `413` over `max_body`; [`ReadError::Gone`] when the client went away or stalled.
pub fn read_body(
    stream: &mut TcpStream,
    req: &mut Request,
    max_body: usize,
    deadline: Option<Instant>,
) -> Result<(), ReadError> {
    let length = req.content_length;
    if length > max_body {
        return Err(bad(413, "request body too large"));
    }
    req.body.truncate(length);
    if req.body.len() < length {
        if req
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| ReadError::Gone)?;
        }
        let mut chunk = [0u8; 16 << 10];
        while req.body.len() < length {
            before(stream, deadline)?;
            let want = (length - req.body.len()).min(chunk.len());
            let n = stream
                .read(&mut chunk[..want])
                .map_err(|_| ReadError::Gone)?;
            if n == 0 {
                return Err(ReadError::Gone);
            }
            req.body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(())
}

/// A response to send whole (see [`send`]).
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines (control characters are dropped when sent).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

/// A response body.
pub enum Body {
    /// Sent with `Content-Length`.
    Full(Vec<u8>),
    /// Sent with chunked transfer encoding, one frame per piece, the pause between frames.
    Chunked(Vec<Vec<u8>>, Duration),
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        303 => "See Other",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Writes `response` with `Connection: close`.
///
/// # Errors
/// The write failed (the client went away).
pub fn send(stream: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    push_headers(&mut head, &response.headers);
    match &response.body {
        Body::Full(body) => head.push_str(&format!("Content-Length: {}\r\n", body.len())),
        Body::Chunked(..) => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    match &response.body {
        Body::Full(body) => stream.write_all(body)?,
        Body::Chunked(chunks, pace) => {
            stream.flush()?;
            for (i, chunk) in chunks.iter().filter(|c| !c.is_empty()).enumerate() {
                if i > 0 && !pace.is_zero() {
                    std::thread::sleep(*pace);
                }
                let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                frame.extend_from_slice(chunk);
                frame.extend_from_slice(b"\r\n");
                stream.write_all(&frame)?;
                stream.flush()?;
            }
            stream.write_all(b"0\r\n\r\n")?;
        }
    }
    stream.flush()
}

/// A JSON response (`application/json`), compact as Python's `json.dumps` writes it.
pub fn json_response(status: u16, value: &Value) -> Response {
    let mut body = Vec::new();
    pyjson::write_compact(&mut body, value);
    Response {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Full(body),
    }
}

/// A FastAPI-style error: `{"detail": "..."}`.
pub fn error(status: u16, detail: &str) -> Response {
    let mut obj = Object::default();
    obj.insert(b"detail".to_vec(), Value::Str(detail.as_bytes().to_vec()));
    json_response(status, &Value::Object(obj))
}

fn push_headers(head: &mut String, headers: &[(String, String)]) {
    for (name, value) in headers {
        // Header values come partly from the configuration; never let them split the head.
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
}

/// A response streamed as it is produced, with chunked transfer encoding: [`ChunkedWriter::start`]
/// sends the head, each [`ChunkedWriter::chunk`] one frame (flushed), [`ChunkedWriter::finish`]
/// the last frame.
pub struct ChunkedWriter<'a> {
    stream: &'a mut TcpStream,
}

impl<'a> ChunkedWriter<'a> {
    /// Sends the status line and headers (plus `Transfer-Encoding: chunked` and
    /// `Connection: close`).
    ///
    /// # Errors
    /// The write failed (the client went away).
    pub fn start(
        stream: &'a mut TcpStream,
        status: u16,
        headers: &[(String, String)],
    ) -> io::Result<Self> {
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        push_headers(&mut head, headers);
        head.push_str("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes())?;
        stream.flush()?;
        Ok(ChunkedWriter { stream })
    }

    /// Sends one frame (nothing for empty data, which would end the body).
    ///
    /// # Errors
    /// The write failed (the client went away).
    pub fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
        frame.extend_from_slice(data);
        frame.extend_from_slice(b"\r\n");
        self.stream.write_all(&frame)?;
        self.stream.flush()
    }

    /// Sends the terminating frame.
    ///
    /// # Errors
    /// The write failed (the client went away).
    pub fn finish(self) -> io::Result<()> {
        self.stream.write_all(b"0\r\n\r\n")?;
        self.stream.flush()
    }
}

/// What a server's accept loop shares with its owner: the flag that stops it and the count of
/// connections being served.
#[derive(Debug, Default)]
pub struct Connections {
    /// Set to stop accepting (then wake the blocking accept with a connection of your own).
    pub stop: AtomicBool,
    /// Connections being served now.
    pub active: AtomicUsize,
}

/// Gives a connection slot back when its thread ends, even by unwinding.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How [`accept_loop`] serves: the state every connection shares, where its [`Connections`]
/// are, how many connections it serves at once, and what it answers to one more.
pub struct Server<S: 'static> {
    /// The shared state.
    pub state: Arc<S>,
    /// The state's [`Connections`].
    pub connections: fn(&S) -> &Connections,
    /// Connections served at once; one more gets `busy` and is closed.
    pub max: usize,
    /// The answer to a connection over `max` (sent with a 1 s write timeout).
    pub busy: fn() -> Response,
    /// The name of each connection's thread.
    pub thread_name: &'static str,
    /// Serves one connection, on its own thread.
    pub serve: fn(&S, TcpStream, SocketAddr),
}

/// Accepts connections on `listener` until [`Connections::stop`] is set, each served on its own
/// thread; a failed accept (out of descriptors and the like) backs off instead of spinning.
pub fn accept_loop<S: Send + Sync + 'static>(listener: &TcpListener, server: &Server<S>) {
    let connections = (server.connections)(&server.state);
    loop {
        let accepted = listener.accept();
        if connections.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok((mut stream, peer)) = accepted else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if connections.active.fetch_add(1, Ordering::SeqCst) >= server.max {
            connections.active.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = send(&mut stream, &(server.busy)());
            // Closing with the request unread would reset the connection and could destroy the
            // answer before it is read: take what arrives within a moment (bounded, since this
            // runs on the accepting thread).
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
            let _ = io::copy(&mut (&stream).take(64 << 10), &mut io::sink());
            continue;
        }
        let state = Arc::clone(&server.state);
        let (gate, serve) = (server.connections, server.serve);
        let spawned = std::thread::Builder::new()
            .name(server.thread_name.into())
            .spawn(move || {
                let _slot = Slot(&gate(&state).active);
                serve(&state, stream, peer);
            });
        if spawned.is_err() {
            connections.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
