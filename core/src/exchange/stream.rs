//! Streamed responses (spec §7): one incremental engine behind both [`verify_stream`] and
//! [`StreamVerifier`], so a whole buffer and any chunking of it give the same verdict.
//!
//! The agent hashes the *upstream* SSE bytes — every line (split on `\n` only) starting with
//! `data: ` except `data: [DONE]`, first 6 characters stripped, as
//! `json.dumps({"chunks": [...]})` — and injects one `event: signature\n data: {…}\n\n` block into
//! what it relays. Depending on agent version and network chunking that block arrives after
//! `[DONE]`, before it, before the last data line, or spliced into the middle of a line. Cutting
//! the block out of the raw bytes restores the upstream bytes in every case, so that is what the
//! engine does, one line at a time: memory is bounded by the longest line (and the block).
//!
//! The application, though, reads a stream with a standard Server-Sent Events parser (the WHATWG
//! rules the OpenAI SDKs and browsers follow): CR, LF and CRLF line ends, `data:` with or without
//! a space, fields without a colon, `event` lines that re-label the next data. Anything such a
//! parser dispatches that the agent's rule did not hash is content no signature covers. So the
//! engine also parses the restored stream the WHATWG way and requires (`stream.coverage`) that
//! every event a consumer would dispatch is exactly one hashed `data: ` line, in order, and that
//! no `event` field other than the signature block's appears. And it never hands on the raw
//! bytes: [`StreamVerifier::update`] returns a canonical re-serialisation of the events it has
//! seen — `data: <payload>\n\n` per hashed line — and [`StreamVerifier::tail`] ends it with
//! `data: [DONE]\n\n` only when the whole stream verified.
//!
//! A proxy that re-encodes line ends from LF to CRLF changes no event and no data line; the
//! signed hash is then matched against the data lines without their added `\r` as well.

use sha2::{Digest, Sha256};

use super::request::{self, CanonicalRequest};
use super::{Claim, Field, evaluate, parse_text, with_hash_facts};
use crate::error::Error;
use crate::eth::Address;
use crate::pyjson::{self, Value};
use crate::verdict::{Check, CheckStatus, Verdict, ids};

const MARKER_HEAD: &[u8] = b"event: signature";
const MARKER_HEAD_CR: &[u8] = b"event: signature\r";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The event that ends a verified delivery (also what ends an OpenAI-style stream).
pub const DONE_EVENT: &[u8] = b"data: [DONE]\n\n";

/// Size limits that keep a hostile stream from exhausting memory. Exceeding one fails the
/// verdict; it never truncates silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    /// Longest SSE line kept in memory (default 16 MiB).
    pub max_line: usize,
    /// Longest signature block (default 64 KiB).
    pub max_block: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_line: 16 << 20,
            max_block: 64 << 10,
        }
    }
}

/// What the pending (not yet dispatched) event of the consumer's view holds.
#[derive(Clone, Copy, Debug)]
enum Pending {
    /// One hashed data line's payload (as a consumer reads it: without a trailing `\r`), kept
    /// in [`Coverage::payload`].
    Data,
    /// `data: [DONE]`: the end marker (never hashed, never delivered as such).
    Done,
}

/// The stream as a standard (WHATWG) SSE consumer reads it, checked line by line against what
/// the agent hashed.
#[derive(Clone, Debug, Default)]
struct Coverage {
    /// No line processed yet (a leading BOM is dropped from the first one).
    started: bool,
    pending: Option<Pending>,
    /// The pending data payload (the buffer is reused from event to event).
    payload: Vec<u8>,
    /// The first line that dispatches (or re-labels) content no signature covers.
    violation: Option<String>,
    events: u64,
    ignored: u64,
}

impl Coverage {
    fn violate(&mut self, line_no: u64, why: &str, line: &[u8]) {
        if self.violation.is_none() {
            self.violation = Some(format!("line {line_no}: {why}: {}", quote(line)));
        }
    }

    /// Handles one line of the restored stream as the agent splits it (on `\n`), appending
    /// the events it completes to `out`.
    fn line(&mut self, agent_line: &[u8], line_no: u64, out: &mut Vec<u8>) {
        let mut view = agent_line;
        if !self.started {
            self.started = true;
            view = view.strip_prefix(BOM).unwrap_or(view);
        }
        // The consumer also ends lines at a lone CR; the CR of a CRLF is part of the line end.
        let view = view.strip_suffix(b"\r").unwrap_or(view);
        if memchr::memchr(b'\r', view).is_none() {
            self.field(view, true, agent_line, line_no, out);
        } else {
            for piece in view.split(|&b| b == b'\r') {
                self.field(piece, false, agent_line, line_no, out);
            }
        }
    }

    fn field(
        &mut self,
        piece: &[u8],
        whole: bool,
        agent_line: &[u8],
        line_no: u64,
        out: &mut Vec<u8>,
    ) {
        if piece.is_empty() {
            self.dispatch(out);
            return;
        }
        if piece[0] == b':' {
            self.ignored += 1;
            return;
        }
        let (name, value) = match memchr::memchr(b':', piece) {
            Some(i) => {
                let v = &piece[i + 1..];
                (&piece[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (piece, &b""[..]),
        };
        match name {
            b"data" => {
                if !whole || !agent_line.starts_with(b"data: ") {
                    self.violate(
                        line_no,
                        "a `data` line the agent did not hash (it hashes only whole lines that begin with `data: `), so no signature covers what a consumer reads from it",
                        piece,
                    );
                } else {
                    if self.pending.is_some() {
                        self.violate(
                            line_no,
                            "a second `data` line in one event (a consumer joins them into one payload the agent never hashed)",
                            piece,
                        );
                        // Every hashed line is still delivered, as an event of its own.
                        self.dispatch(out);
                    }
                    self.pending = Some(if value.starts_with(b"[DONE]") {
                        Pending::Done
                    } else {
                        self.payload.clear();
                        self.payload.extend_from_slice(value);
                        Pending::Data
                    });
                }
            }
            b"event" => self.violate(
                line_no,
                "an `event` field outside the signature block (it re-labels the next event for a consumer)",
                piece,
            ),
            // `id`, `retry` and unknown fields change no event's data: ignored by consumers,
            // never delivered.
            _ => self.ignored += 1,
        }
    }

    fn dispatch(&mut self, out: &mut Vec<u8>) {
        if let Some(Pending::Data) = self.pending.take() {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(&self.payload);
            out.extend_from_slice(b"\n\n");
            self.events += 1;
        }
    }
}

/// A line for a failure detail: escaped, clipped.
fn quote(line: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(&line[..line.len().min(MAX)]);
    let mut q = format!("{:?}", text.as_ref());
    if line.len() > MAX {
        q.push('…');
    }
    q
}

/// Verifies an SSE stream incrementally and hands on only what it verified.
///
/// Feed the chunks as they arrive with [`StreamVerifier::update`] (any boundaries, even inside
/// a UTF-8 character) and forward **what `update` returns**, never the raw chunks: a canonical
/// re-serialisation of the events a standard SSE consumer would dispatch, each exactly one data
/// line the agent hashed (`data: <payload>\n\n`). At the real end of the stream call
/// [`StreamVerifier::finish`] for the verdict, then forward [`StreamVerifier::tail`]: a final
/// event the stream ended without a blank line after, and `data: [DONE]\n\n` only when the stream
/// verified. Until the verdict, what was forwarded is covered by the hash but not yet proven.
///
/// Read to the real end of the stream: agents before A5 send the signature *after*
/// `data: [DONE]`, so a client that stops at `[DONE]` never sees it.
#[derive(Clone, Debug)]
pub struct StreamVerifier {
    request: Result<CanonicalRequest, String>,
    expected: Option<Address>,
    limits: StreamLimits,
    line: Vec<u8>,
    /// Bytes of `line` before this index were separated on the wire by a removed block.
    line_joined_at: usize,
    line_overflow: bool,
    in_block: bool,
    block: Vec<u8>,
    /// Length and last byte of the block line being read (kept even when the block overflows).
    block_line_len: usize,
    block_line_last: u8,
    block_overflow: bool,
    blocks: u32,
    event: Option<Vec<u8>>,
    /// The agent's rule on the bytes received.
    hasher: Sha256,
    /// The same with one trailing `\r` removed from each hashed line (a CRLF re-encoding undone);
    /// created at the first hashed line that ends with `\r`, identical before it.
    hasher_lf: Option<Sha256>,
    hashed_lines: u64,
    stream_error: Option<String>,
    line_no: u64,
    coverage: Coverage,
    /// Canonical events completed since the last `update` returned.
    out: Vec<u8>,
    /// After `finish`: the event the stream ended in, if any, and whether it verified.
    final_event: Vec<u8>,
    verified: bool,
    finished: bool,
}

impl StreamVerifier {
    /// Starts verifying the stream answering `request` (the exact body bytes sent), expecting
    /// a signature by `expected_address` (the attested signing address).
    pub fn new(request: &[u8], expected_address: Option<Address>) -> Self {
        Self::with_limits(request, expected_address, StreamLimits::default())
    }

    /// Like [`StreamVerifier::new`] with explicit size limits.
    pub fn with_limits(
        request: &[u8],
        expected_address: Option<Address>,
        limits: StreamLimits,
    ) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"{\"chunks\":[");
        StreamVerifier {
            request: request::canonicalize(request),
            expected: expected_address,
            limits,
            line: Vec::new(),
            line_joined_at: 0,
            line_overflow: false,
            in_block: false,
            block: Vec::new(),
            block_line_len: 0,
            block_line_last: 0,
            block_overflow: false,
            blocks: 0,
            event: None,
            hasher,
            hasher_lf: None,
            hashed_lines: 0,
            stream_error: None,
            line_no: 0,
            coverage: Coverage::default(),
            out: Vec::new(),
            final_event: Vec::new(),
            verified: false,
            finished: false,
        }
    }

    /// Feeds the next bytes of the stream and returns the canonical events they completed
    /// (`data: <payload>\n\n` each; often empty) — the only bytes to hand on. Fails only if
    /// called after [`StreamVerifier::finish`].
    pub fn update(&mut self, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        self.feed(chunk)?;
        Ok(std::mem::take(&mut self.out))
    }

    /// Like [`StreamVerifier::update`], appending the completed events to `out` instead.
    pub fn update_into(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.feed(chunk)?;
        out.append(&mut self.out);
        Ok(())
    }

    fn feed(&mut self, mut chunk: &[u8]) -> Result<(), Error> {
        if self.finished {
            return Err(Error::InvalidState("update() called after finish()".into()));
        }
        while !chunk.is_empty() {
            if self.in_block {
                chunk = self.feed_block(chunk);
            } else {
                match memchr::memchr(b'\n', chunk) {
                    Some(p) if self.line.is_empty() && !self.line_overflow => {
                        // The whole line is inside this chunk: no copy needed.
                        let line = &chunk[..p];
                        if line.len() > self.limits.max_line {
                            self.line_overflow = true;
                            self.note_overflow();
                        }
                        self.end_of_line(line);
                        chunk = &chunk[p + 1..];
                    }
                    Some(p) => {
                        self.push_line(&chunk[..p]);
                        let mut line = std::mem::take(&mut self.line);
                        self.end_of_line(&line);
                        if !self.in_block {
                            // Keep the buffer's capacity for the next line.
                            line.clear();
                            self.line = line;
                        }
                        chunk = &chunk[p + 1..];
                    }
                    None => {
                        self.push_line(chunk);
                        chunk = &[];
                    }
                }
            }
        }
        Ok(())
    }

    fn push_line(&mut self, bytes: &[u8]) {
        if self.line_overflow {
            return;
        }
        if self.line.len() + bytes.len() > self.limits.max_line {
            self.line_overflow = true;
            self.line.clear();
            self.note_overflow();
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    fn note_overflow(&mut self) {
        let limit = self.limits.max_line;
        self.stream_error
            .get_or_insert_with(|| format!("a stream line is longer than the {limit}-byte limit"));
    }

    /// Handles a complete line (`line` is its logical content, any removed block cut out).
    /// The caller clears `self.line` afterwards unless a block started.
    fn end_of_line(&mut self, line: &[u8]) {
        if !self.line_overflow {
            let marker = if line.ends_with(MARKER_HEAD) {
                Some(MARKER_HEAD.len())
            } else if line.ends_with(MARKER_HEAD_CR) {
                Some(MARKER_HEAD_CR.len())
            } else {
                None
            };
            if let Some(m) = marker
                && line.len() - m >= self.line_joined_at
            {
                // `event: signature\n` (or `\r\n`) found: cut it (and the block after it) out
                // of the line; what came before it on this line continues after the block.
                let kept = &line[..line.len() - m];
                self.line.clear();
                self.line.extend_from_slice(kept);
                self.in_block = true;
                self.blocks += 1;
                self.block.clear();
                self.block_line_len = 0;
                self.block_line_last = 0;
                self.block_overflow = false;
                return;
            }
        }
        self.line_no += 1;
        if !self.line_overflow {
            self.hash_line(line);
            self.coverage.line(line, self.line_no, &mut self.out);
        }
        self.line_joined_at = 0;
        self.line_overflow = false;
    }

    /// Consumes block bytes up to the terminating blank line (`\n` or `\r\n`); returns the
    /// rest of the chunk.
    fn feed_block<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' {
                let blank = self.block_line_len == 0
                    || (self.block_line_len == 1 && self.block_line_last == b'\r');
                if blank {
                    if self.block_line_len == 1 {
                        // The CR of a CRLF blank line is not block content.
                        self.block.pop();
                    }
                    self.in_block = false;
                    if self.blocks == 1 && !self.block_overflow {
                        self.event = Some(std::mem::take(&mut self.block));
                    }
                    self.block.clear();
                    self.line_joined_at = self.line.len();
                    return &chunk[i + 1..];
                }
                self.block_line_len = 0;
            } else {
                self.block_line_len += 1;
            }
            self.block_line_last = b;
            if self.block.len() >= self.limits.max_block {
                self.block_overflow = true;
            } else {
                self.block.push(b);
            }
        }
        &[]
    }

    fn hash_line(&mut self, line: &[u8]) {
        let Ok(text) = std::str::from_utf8(line) else {
            self.stream_error.get_or_insert_with(|| {
                format!(
                    "line {} of the stream is not valid UTF-8, so the agent cannot have hashed it",
                    self.line_no
                )
            });
            return;
        };
        if let Some(data) = text.strip_prefix("data: ")
            && !data.starts_with("[DONE]")
        {
            let stripped = data.strip_suffix('\r');
            if stripped.is_some() && self.hasher_lf.is_none() {
                // Every earlier hashed line ended without `\r`: the two forms agree so far.
                self.hasher_lf = Some(self.hasher.clone());
            }
            let open: &[u8] = if self.hashed_lines > 0 { b",\"" } else { b"\"" };
            // The escaped line goes straight into the hasher(s), a stack buffer at a time.
            self.hasher.update(open);
            match (&mut self.hasher_lf, stripped) {
                (Some(lf), Some(s)) => {
                    pyjson::escape_pystr(data.as_bytes(), |piece| self.hasher.update(piece));
                    lf.update(open);
                    pyjson::escape_pystr(s.as_bytes(), |piece| lf.update(piece));
                    lf.update(b"\"");
                }
                (Some(lf), None) => {
                    lf.update(open);
                    pyjson::escape_pystr(data.as_bytes(), |piece| {
                        self.hasher.update(piece);
                        lf.update(piece);
                    });
                    lf.update(b"\"");
                }
                (None, _) => {
                    pyjson::escape_pystr(data.as_bytes(), |piece| self.hasher.update(piece))
                }
            }
            self.hasher.update(b"\"");
            self.hashed_lines += 1;
        }
    }

    /// Ends the stream and returns the verdict. The verifier cannot be fed afterwards; forward
    /// [`StreamVerifier::tail`] next.
    pub fn finish(&mut self) -> Result<Verdict, Error> {
        if self.finished {
            return Err(Error::InvalidState("finish() called twice".into()));
        }
        let block_unterminated = self.in_block;
        if !self.in_block {
            // The text after the last newline is a line too (Python's split keeps it); a
            // consumer never dispatches it, but it is hashed, so it is delivered.
            let line = std::mem::take(&mut self.line);
            if !self.line_overflow {
                self.line_no += 1;
                self.hash_line(&line);
                self.coverage.line(&line, self.line_no, &mut self.out);
            }
        }
        self.coverage.dispatch(&mut self.out);
        self.finished = true;
        self.final_event = std::mem::take(&mut self.out);

        let finalize = |h: Sha256| {
            let mut h = h;
            h.update(b"]}");
            hex::encode(h.finalize())
        };
        let raw_hash = finalize(std::mem::take(&mut self.hasher));
        let lf_hash = self.hasher_lf.take().map(finalize);

        let block_result: Result<Claim, String> = if self.blocks == 0 {
            Err("no `event: signature` block: the stream is unsigned (dropped by a relay, truncated, or read only up to [DONE])".into())
        } else if self.blocks > 1 {
            Err(format!(
                "{} `event: signature` blocks; exactly one is expected",
                self.blocks
            ))
        } else if block_unterminated {
            Err("the signature block is not terminated by a blank line (truncated stream?)".into())
        } else if self.block_overflow || self.event.is_none() {
            Err(format!(
                "the signature block is longer than {} bytes",
                self.limits.max_block
            ))
        } else {
            parse_event(self.event.as_deref().unwrap_or_default())
        };

        // The response hash to compare: the agent's rule on the bytes received, or — when the
        // signed text names it — the same after undoing a LF-to-CRLF re-encoding.
        let mut rule = "agent";
        let response_hash: Result<String, String> = match self.stream_error.take() {
            Some(e) => Err(e),
            None => {
                let signed = block_result.as_ref().ok().and_then(|c| match &c.text {
                    Field::Value(t) => parse_text(t).ok().map(|(_, resp)| resp.to_string()),
                    _ => None,
                });
                match (&lf_hash, signed) {
                    (Some(lf), Some(s)) if *lf == s && raw_hash != s => {
                        rule = "crlf-normalised";
                        Ok(lf.clone())
                    }
                    _ => Ok(raw_hash),
                }
            }
        };
        let coverage = self.coverage_check(&response_hash);

        let mut checks = Vec::with_capacity(9);
        let block_ok = block_result.is_ok();
        let (rest, signer) = match block_result {
            Ok(claim) => {
                checks.push(Check::new(
                    ids::STREAM_SIGNATURE_BLOCK,
                    CheckStatus::Pass,
                    "exactly one `event: signature` block, cut out before hashing",
                ));
                checks.push(coverage);
                evaluate(
                    &claim,
                    &self.request,
                    &response_hash,
                    self.expected.as_ref(),
                    "signature event",
                )
            }
            Err(why) => {
                checks.push(Check::new(
                    ids::STREAM_SIGNATURE_BLOCK,
                    CheckStatus::Fail,
                    why,
                ));
                checks.push(coverage);
                let skipped = [
                    ids::SIGNING_ALGO,
                    ids::SIGNATURE_FORMAT,
                    ids::SIGNATURE,
                    ids::SIGNER,
                    ids::HEADER_ADDRESS,
                    ids::REQUEST_HASH,
                    ids::RESPONSE_HASH,
                ]
                .into_iter()
                .map(|id| Check::new(id, CheckStatus::Skip, "no usable signature block"))
                .collect();
                (skipped, None)
            }
        };
        checks.extend(rest);
        let verdict = Verdict::from_checks(checks, signer)
            .with_fact("stream.events", self.coverage.events.to_string());
        self.verified = verdict.verified;
        // Without a usable block the remainder is not known to be the agent's upstream bytes.
        Ok(if block_ok {
            let v = with_hash_facts(verdict, &self.request, &response_hash);
            if rule == "agent" {
                v
            } else {
                v.with_fact("stream.line_ends", rule)
            }
        } else {
            verdict
        })
    }

    fn coverage_check(&self, response_hash: &Result<String, String>) -> Check {
        let id = ids::STREAM_COVERAGE;
        if let Err(e) = response_hash {
            return Check::new(
                id,
                CheckStatus::Fail,
                format!("what a consumer reads cannot be established: {e}"),
            );
        }
        match &self.coverage.violation {
            Some(v) => Check::new(id, CheckStatus::Fail, v.clone()),
            None => {
                let n = self.coverage.events;
                let ignored = match self.coverage.ignored {
                    0 => String::new(),
                    k => format!(
                        "; {k} comment/id/retry line(s) ignored, as consumers do, and not delivered"
                    ),
                };
                Check::new(
                    id,
                    CheckStatus::Pass,
                    format!(
                        "the {n} event(s) a standard SSE consumer dispatches are exactly the {} hashed data line(s), in order, and the signature block is the only `event`{ignored}",
                        self.hashed_lines
                    ),
                )
            }
        }
    }

    /// After [`StreamVerifier::finish`]: the last bytes to hand on — the event the stream ended
    /// in without a closing blank line, if any, then `data: [DONE]\n\n` if the stream verified.
    /// Empty before `finish`.
    pub fn tail(&self) -> Vec<u8> {
        let mut t = self.final_event.clone();
        if self.finished && self.verified {
            t.extend_from_slice(DONE_EVENT);
        }
        t
    }

    /// After [`StreamVerifier::finish`]: only the event the stream ended in without a closing
    /// blank line (no `[DONE]`), for callers that decide the end of delivery themselves.
    pub fn final_event(&self) -> &[u8] {
        &self.final_event
    }
}

/// Reads the block's single `data: {...}` line into signature material.
fn parse_event(block: &[u8]) -> Result<Claim, String> {
    let data = block
        .strip_prefix(b"data: ")
        .and_then(|d| d.strip_suffix(b"\n"))
        .map(|d| d.strip_suffix(b"\r").unwrap_or(d))
        .filter(|d| !d.contains(&b'\n') && !d.contains(&b'\r'))
        .ok_or("the signature block is not `event: signature` + one `data: ` line")?;
    let value =
        pyjson::parse(data).map_err(|e| format!("the signature event's data is not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the signature event's data is not a JSON object".into());
    };
    let field = |name: &str| match obj.get(name) {
        None | Some(Value::Null) => Field::Missing,
        Some(Value::Str(text)) => match String::from_utf8(text.clone()) {
            Ok(s) => Field::Value(s),
            Err(_) => Field::Invalid(format!("`{name}` is not valid text")),
        },
        Some(_) => Field::Invalid(format!("`{name}` in the signature event is not a string")),
    };
    Ok(Claim {
        text: field("text"),
        signature: field("signature"),
        signing_address: field("signing_address"),
        signing_algo: field("signing_algo"),
    })
}

/// Verifies a complete SSE stream (all bytes received, up to the connection's end).
/// Identical to feeding the bytes to a [`StreamVerifier`] in any chunks.
pub fn verify_stream(request: &[u8], stream: &[u8], expected_address: Option<&Address>) -> Verdict {
    verify_stream_delivered(request, stream, expected_address).0
}

/// Like [`verify_stream`], also returning the bytes a [`StreamVerifier`] would have handed on:
/// the canonical events, then `data: [DONE]\n\n` when the stream verified.
pub fn verify_stream_delivered(
    request: &[u8],
    stream: &[u8],
    expected_address: Option<&Address>,
) -> (Verdict, Vec<u8>) {
    let mut verifier = StreamVerifier::new(request, expected_address.copied());
    let mut out = Vec::new();
    match verifier
        .update_into(stream, &mut out)
        .and_then(|()| verifier.finish())
    {
        Ok(verdict) => {
            out.extend_from_slice(&verifier.tail());
            (verdict, out)
        }
        // Unreachable for a fresh verifier; fail closed all the same.
        Err(e) => (
            Verdict::from_checks(
                vec![Check::new(
                    ids::STREAM_SIGNATURE_BLOCK,
                    CheckStatus::Fail,
                    e.to_string(),
                )],
                None,
            ),
            Vec::new(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1_REQ: &[u8] = br#"{"messages":[{"role":"user","content":"Test"}],"stream":true}"#;

    #[test]
    fn empty_stream_hash() {
        let mut v = StreamVerifier::new(S1_REQ, None);
        v.update(b"data: [DONE]\n\n").unwrap();
        let mut h = std::mem::take(&mut v.hasher);
        h.update(b"]}");
        assert_eq!(
            hex::encode(h.finalize()),
            "0b0d7de9708ead98c994ceaac71711895fd3efeed4dcd991e70016886abd6797"
        );
    }

    #[test]
    fn missing_block_fails_and_skips_the_rest() {
        let (verdict, out) = verify_stream_delivered(S1_REQ, b"data: {}\n\ndata: [DONE]\n\n", None);
        assert!(!verdict.verified);
        assert_eq!(verdict.checks[0].status, CheckStatus::Fail);
        assert_eq!(verdict.checks[1].id, ids::STREAM_COVERAGE);
        assert_eq!(verdict.checks[1].status, CheckStatus::Pass);
        assert!(
            verdict.checks[2..]
                .iter()
                .all(|c| c.status == CheckStatus::Skip)
        );
        assert_eq!(verdict.checks.len(), 9);
        // The hashed line is delivered, canonically; no [DONE] for an unverified stream.
        assert_eq!(out, b"data: {}\n\n");
    }

    #[test]
    fn update_after_finish_is_an_error() {
        let mut v = StreamVerifier::new(S1_REQ, None);
        v.finish().unwrap();
        assert!(v.update(b"x").is_err());
        assert!(v.finish().is_err());
    }

    #[test]
    fn oversized_line_fails() {
        let limits = StreamLimits {
            max_line: 8,
            max_block: 64,
        };
        let mut v = StreamVerifier::with_limits(S1_REQ, None, limits);
        v.update(b"data: 0123456789\n").unwrap();
        assert!(v.stream_error.is_some());
        let verdict = v.finish().unwrap();
        assert_eq!(
            verdict.check(ids::STREAM_COVERAGE).unwrap().status,
            CheckStatus::Fail
        );
    }

    fn coverage_of(stream: &[u8]) -> (Option<String>, Vec<u8>, u64) {
        let mut c = Coverage::default();
        let mut out = Vec::new();
        let mut lines: Vec<&[u8]> = stream.split(|&b| b == b'\n').collect();
        let last = lines.pop().unwrap_or_default();
        for (i, l) in lines.iter().enumerate() {
            c.line(l, i as u64 + 1, &mut out);
        }
        c.line(last, 0, &mut out);
        c.dispatch(&mut out);
        (c.violation, out, c.ignored)
    }

    #[test]
    fn consumer_view_rules() {
        // Hashed lines, LF or CRLF, comments and id/retry: covered.
        let (v, out, ignored) =
            coverage_of(b": hi\nid: 7\nretry: 10\ndata: a\n\ndata: b\r\n\r\ndata: [DONE]\n\n");
        assert_eq!(v, None);
        assert_eq!(out, b"data: a\n\ndata: b\n\n");
        assert_eq!(ignored, 3);
        // What a standard consumer reads but the agent never hashed.
        for attack in [
            &b"data:{\"x\":1}\n\n"[..],
            b"data:\t{}\n\n",
            b"data\n\n",
            b": c\rdata: {}\r\r",
            b"data: a\rdata: b\n\n",
            b"event:signature\ndata: a\n\n",
            b"event: message\ndata: a\n\n",
            b"data: a\ndata: b\n\n",
            b"\xEF\xBB\xBFdata: a\n\n",
            b"data: [DONE]\ndata: a\n\n",
            b"data:[DONE]\n\n",
        ] {
            let (v, _, _) = coverage_of(attack);
            assert!(
                v.is_some(),
                "{:?} must not be covered",
                String::from_utf8_lossy(attack)
            );
        }
        // A BOM that is not at the start of the stream is part of a field name: ignored.
        let (v, out, _) = coverage_of(b"data: a\n\n\xEF\xBB\xBFdata: b\n\n");
        assert_eq!(v, None);
        assert_eq!(out, b"data: a\n\n");
    }
}
