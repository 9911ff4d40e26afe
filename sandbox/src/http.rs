//! The small HTTP/1.1 server both loopback services use: the sandbox gateway and the
//! `ccverify ui` page server. One request per connection (`Connection: close`), bounded heads
//! and bodies, no chunked request bodies; responses whole ([`send`]) or streamed chunk by chunk
//! as they are produced ([`ChunkedWriter`]).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ccverify::pyjson::{self, Object, Value};

/// Largest request head (request line and headers) accepted; larger gets `431`.
pub const MAX_HEADER_BYTES: usize = 64 << 10;

/// One parsed request.
#[derive(Debug)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// The target's path (before any `?`).
    pub path: String,
    /// The header lines in order, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

impl Request {
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
/// `Content-Length`; chunked request bodies are refused with `411`).
///
/// # Errors
/// [`ReadError::Http`] with the response to send for a malformed or oversized request,
/// [`ReadError::Gone`] when the client went away.
pub fn read_request(stream: &mut TcpStream, max_body: usize) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
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
    if head_end > MAX_HEADER_BYTES {
        return Err(bad(431, "request head too large"));
    }
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| bad(400, "request head is not valid UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(bad(400, "malformed request line"));
    };
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(bad(505, "only HTTP/1.0 and HTTP/1.1 are supported"));
    }
    if method.is_empty() || !target.starts_with('/') {
        return Err(bad(400, "malformed request line"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad(400, "malformed header line"));
        };
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad(400, "malformed header name"));
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
            // Anything longer than 7 digits is over the limit anyway.
            let n = if value.len() > 7 {
                usize::MAX
            } else {
                value.parse().unwrap_or(usize::MAX)
            };
            if content_length.is_some_and(|old| old != n) {
                return Err(bad(400, "conflicting Content-Length headers"));
            }
            content_length = Some(n);
        }
    }
    let length = content_length.unwrap_or(0);
    if length > max_body {
        return Err(bad(413, "request body too large"));
    }
    let mut body: Vec<u8> = buf[head_end + 4..].to_vec();
    body.truncate(length);
    if body.len() < length {
        let expects_continue = headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("expect") && v.eq_ignore_ascii_case("100-continue")
        });
        if expects_continue {
            stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| ReadError::Gone)?;
        }
        let start = body.len();
        body.resize(length, 0);
        stream
            .read_exact(&mut body[start..])
            .map_err(|_| ReadError::Gone)?;
    }
    let path = target.split('?').next().unwrap_or_default().to_string();
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        headers,
        body,
    })
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
