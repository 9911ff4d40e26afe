//! Streamed responses (spec §7): one incremental engine behind both [`verify_stream`] and
//! [`StreamVerifier`], so a whole buffer and any chunking of it give the same verdict.
//!
//! The agent hashes the *upstream* SSE bytes — every line starting with `data: ` except
//! `data: [DONE]`, first 6 characters stripped, as `json.dumps({"chunks": [...]})` — and injects
//! one `event: signature\n data: {…}\n\n` block into what it relays. Depending on agent version
//! and network chunking that block arrives after `[DONE]`, before it, before the last data line,
//! or spliced into the middle of a line. Cutting the block out of the raw bytes restores the
//! upstream bytes in every case, so that is what the engine does, one line at a time: memory is
//! bounded by the longest line (and the signature block).

use sha2::{Digest, Sha256};

use super::request::{self, CanonicalRequest};
use super::{Claim, Field, evaluate, with_hash_facts};
use crate::error::Error;
use crate::eth::Address;
use crate::pyjson::{self, Value};
use crate::verdict::{Check, CheckStatus, Verdict, ids};

const MARKER_HEAD: &[u8] = b"event: signature";

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

/// Verifies an SSE stream incrementally: feed chunks with [`StreamVerifier::update`] as they
/// arrive (any chunk boundaries, including inside a UTF-8 character), forward them to your
/// user as usual, and call [`StreamVerifier::finish`] at end of stream for the verdict.
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
    block_prev_newline: bool,
    block_overflow: bool,
    blocks: u32,
    event: Option<Vec<u8>>,
    hasher: Sha256,
    hashed_lines: u64,
    escape_buf: Vec<u8>,
    stream_error: Option<String>,
    line_no: u64,
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
            block_prev_newline: false,
            block_overflow: false,
            blocks: 0,
            event: None,
            hasher,
            hashed_lines: 0,
            escape_buf: Vec::new(),
            stream_error: None,
            line_no: 0,
            finished: false,
        }
    }

    /// Feeds the next bytes of the stream. Fails only if called after [`StreamVerifier::finish`].
    pub fn update(&mut self, mut chunk: &[u8]) -> Result<(), Error> {
        if self.finished {
            return Err(Error::InvalidState("update() called after finish()".into()));
        }
        while !chunk.is_empty() {
            if self.in_block {
                chunk = self.feed_block(chunk);
            } else {
                match chunk.iter().position(|&b| b == b'\n') {
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
        let n = line.len();
        if !self.line_overflow
            && n >= MARKER_HEAD.len()
            && n - MARKER_HEAD.len() >= self.line_joined_at
            && line.ends_with(MARKER_HEAD)
        {
            // `event: signature\n` found: cut it (and the block after it) out of the line; what
            // came before it on this line continues after the block.
            let kept = &line[..n - MARKER_HEAD.len()];
            self.line.clear();
            self.line.extend_from_slice(kept);
            self.in_block = true;
            self.blocks += 1;
            self.block.clear();
            self.block_prev_newline = true;
            self.block_overflow = false;
            return;
        }
        self.line_no += 1;
        if !self.line_overflow {
            self.hash_line(line);
        }
        self.line_joined_at = 0;
        self.line_overflow = false;
    }

    /// Consumes block bytes up to the terminating blank line; returns the rest of the chunk.
    fn feed_block<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' && self.block_prev_newline {
                self.in_block = false;
                if self.blocks == 1 && !self.block_overflow {
                    self.event = Some(std::mem::take(&mut self.block));
                }
                self.block.clear();
                self.line_joined_at = self.line.len();
                return &chunk[i + 1..];
            }
            self.block_prev_newline = b == b'\n';
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
            if self.hashed_lines > 0 {
                self.hasher.update(b",");
            }
            self.escape_buf.clear();
            pyjson::write_str(&mut self.escape_buf, data);
            self.hasher.update(&self.escape_buf);
            self.hashed_lines += 1;
        }
    }

    /// Ends the stream and returns the verdict. The verifier cannot be used afterwards.
    pub fn finish(&mut self) -> Result<Verdict, Error> {
        if self.finished {
            return Err(Error::InvalidState("finish() called twice".into()));
        }
        let block_unterminated = self.in_block;
        if !self.in_block {
            // The text after the last newline is a line too (Python's split keeps it).
            let line = std::mem::take(&mut self.line);
            if !self.line_overflow {
                self.line_no += 1;
                self.hash_line(&line);
            }
        }
        self.finished = true;
        let mut hasher = std::mem::take(&mut self.hasher);
        hasher.update(b"]}");
        let response_hash = match self.stream_error.take() {
            Some(e) => Err(e),
            None => Ok(hex::encode(hasher.finalize())),
        };

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
        let mut checks = Vec::with_capacity(8);
        let block_ok = block_result.is_ok();
        let (rest, signer) = match block_result {
            Ok(claim) => {
                checks.push(Check::new(
                    ids::STREAM_SIGNATURE_BLOCK,
                    CheckStatus::Pass,
                    "exactly one `event: signature` block, cut out before hashing",
                ));
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
        let verdict = Verdict::from_checks(checks, signer);
        // Without a usable block the remainder is not known to be the agent's upstream bytes.
        Ok(if block_ok {
            with_hash_facts(verdict, &self.request, &response_hash)
        } else {
            verdict
        })
    }
}

/// Reads the block's `data: {...}` line into signature material.
fn parse_event(block: &[u8]) -> Result<Claim, String> {
    let data = block
        .strip_prefix(b"data: ")
        .and_then(|d| d.strip_suffix(b"\n"))
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
    let mut verifier = StreamVerifier::new(request, expected_address.copied());
    match verifier.update(stream).and_then(|()| verifier.finish()) {
        Ok(verdict) => verdict,
        // Unreachable for a fresh verifier; fail closed all the same.
        Err(e) => Verdict::from_checks(
            vec![Check::new(
                ids::STREAM_SIGNATURE_BLOCK,
                CheckStatus::Fail,
                e.to_string(),
            )],
            None,
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
        let verdict = verify_stream(S1_REQ, b"data: {}\n\ndata: [DONE]\n\n", None);
        assert!(!verdict.verified);
        assert_eq!(verdict.checks[0].status, CheckStatus::Fail);
        assert!(
            verdict.checks[1..]
                .iter()
                .all(|c| c.status == CheckStatus::Skip)
        );
        assert_eq!(verdict.checks.len(), 8);
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
    }
}
