//! A JSON reader and writer with CPython's `json` module semantics.
//!
//! The io.net agent hashes `json.dumps(obj, separators=(',', ':'))` of objects that came out of
//! `json.loads`, so reproducing its hashes byte for byte needs Python's exact behaviour:
//! `NaN`/`Infinity` literals, arbitrary-size integers, `float` for any number with a fraction or
//! exponent (printed with Python's shortest `repr`), duplicate keys resolved "last value wins,
//! first position kept", lone surrogates preserved, and `ensure_ascii` escaping. Strings are kept
//! as the UTF-8 encoding of their code points with surrogates allowed ("generalized UTF-8"), so
//! every Python `str`, including lone surrogates, round-trips, and plain text is copied as is.

use std::collections::HashMap;
use std::fmt::Write as _;

/// Nesting deeper than this is refused (CPython raises `RecursionError` near 1000 frames; the
/// core keeps to a depth whose recursion fits a small caller stack, see [`crate::limits`]).
pub const MAX_DEPTH: usize = crate::limits::MAX_NESTING;

/// CPython ≥ 3.11 refuses to convert integers with more than 4300 decimal digits.
pub const MAX_INT_DIGITS: usize = 4300;

/// A JSON value as CPython's `json.loads` builds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None`.
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// An `int`, as its canonical decimal text (no leading zeros, no `-0`).
    Int(String),
    /// A `float`.
    Float(f64),
    /// A `str`: its code points in generalized UTF-8 (valid UTF-8 unless it holds surrogates).
    Str(Vec<u8>),
    /// A `list`.
    Array(Vec<Value>),
    /// A `dict`, in insertion order.
    Object(Object),
}

/// A Python `dict` with string keys: insertion-ordered, keys unique.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object {
    entries: Vec<(Vec<u8>, Value)>,
    index: Option<HashMap<Vec<u8>, usize>>,
}

impl Object {
    /// Assigns like `d[key] = value`: a new key goes last, an existing key keeps its position.
    pub fn insert(&mut self, key: Vec<u8>, value: Value) {
        if let Some(pos) = self.position(&key) {
            self.entries[pos].1 = value;
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        } else if self.entries.len() >= 16 {
            let mut index: HashMap<Vec<u8>, usize> = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            index.insert(key.clone(), self.entries.len());
            self.index = Some(index);
        }
        self.entries.push((key, value));
    }

    fn position(&self, key: &[u8]) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// The value under `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key.as_bytes()).map(|i| &self.entries[i].1)
    }

    /// The entries in insertion order, by value.
    pub fn into_entries(self) -> Vec<(Vec<u8>, Value)> {
        self.entries
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the dict is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Why `json.loads` would refuse the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// Byte offset in the input.
    pub offset: usize,
}

/// Receiver of the compact form in [`validate_compact`].
type Sink<'a> = &'a mut dyn FnMut(&[u8]);

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    /// When set, receives the input minus whitespace between tokens, in order.
    sink: Option<Sink<'a>>,
    /// Start of the bytes not yet given to `sink`.
    flushed: usize,
}

/// Parses `input` like `json.loads(input)` on UTF-8 bytes without a byte-order mark.
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    let mut p = Parser::new(input, None);
    p.ws();
    let value = p.value()?;
    p.finish()?;
    Ok(value)
}

/// Checks that `input` is one JSON value as `json.loads` reads it, without building it.
pub fn validate(input: &[u8]) -> Result<(), ParseError> {
    let mut p = Parser::new(input, None);
    p.ws();
    p.skip_value()?;
    p.finish()
}

/// Validates `input` like [`validate`] and, in the same pass, feeds `sink` the input with all
/// whitespace between tokens removed — the `separators=(',', ':')` form of a `json.dumps`
/// output. On error, `sink` may have received a prefix.
pub fn validate_compact(input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), ParseError> {
    let mut p = Parser::new(input, Some(sink));
    p.ws();
    p.skip_value()?;
    p.finish()?;
    let rest = &input[p.flushed..];
    if let Some(sink) = p.sink.as_mut() {
        sink(rest);
    }
    Ok(())
}

impl<'a> Parser<'a> {
    fn new(s: &'a [u8], sink: Option<Sink<'a>>) -> Self {
        Parser {
            s,
            i: 0,
            depth: 0,
            sink,
            flushed: 0,
        }
    }

    /// Trailing whitespace, then the end of the input.
    fn finish(&mut self) -> Result<(), ParseError> {
        self.ws();
        if self.i != self.s.len() {
            return Err(self.err("extra data after the JSON value"));
        }
        Ok(())
    }

    fn err(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_string(),
            offset: self.i,
        }
    }

    fn ws(&mut self) {
        let start = self.i;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
        if self.i > start
            && let Some(sink) = self.sink.as_mut()
        {
            sink(&self.s[self.flushed..start]);
            self.flushed = self.i;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            None => Err(self.err("expecting value")),
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b'{') => {
                self.enter()?;
                self.i += 1;
                let mut obj = Object::default();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.peek() != Some(b'"') {
                            return Err(self.err("expecting property name in double quotes"));
                        }
                        let key = self.string()?;
                        self.ws();
                        if !self.eat(b":") {
                            return Err(self.err("expecting ':' delimiter"));
                        }
                        self.ws();
                        let v = self.value()?;
                        obj.insert(key, v);
                        self.ws();
                        if self.eat(b",") {
                            continue;
                        }
                        if self.eat(b"}") {
                            break;
                        }
                        return Err(self.err("expecting ',' delimiter"));
                    }
                }
                self.depth -= 1;
                Ok(Value::Object(obj))
            }
            Some(b'[') => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        if self.eat(b",") {
                            continue;
                        }
                        if self.eat(b"]") {
                            break;
                        }
                        return Err(self.err("expecting ',' delimiter"));
                    }
                }
                self.depth -= 1;
                Ok(Value::Array(items))
            }
            Some(_) => self.scalar(),
        }
    }

    /// Like [`Parser::value`] but builds nothing.
    fn skip_value(&mut self) -> Result<(), ParseError> {
        match self.peek() {
            None => Err(self.err("expecting value")),
            Some(b'"') => self.skip_string(),
            Some(open @ (b'{' | b'[')) => {
                self.enter()?;
                self.i += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                self.ws();
                if self.peek() == Some(close) {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if open == b'{' {
                            if self.peek() != Some(b'"') {
                                return Err(self.err("expecting property name in double quotes"));
                            }
                            self.skip_string()?;
                            self.ws();
                            if !self.eat(b":") {
                                return Err(self.err("expecting ':' delimiter"));
                            }
                            self.ws();
                        }
                        self.skip_value()?;
                        self.ws();
                        if self.eat(b",") {
                            continue;
                        }
                        if self.eat(&[close]) {
                            break;
                        }
                        return Err(self.err("expecting ',' delimiter"));
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            Some(_) => self.scalar().map(|_| ()),
        }
    }

    fn scalar(&mut self) -> Result<Value, ParseError> {
        if self.eat(b"null") {
            return Ok(Value::Null);
        }
        if self.eat(b"true") {
            return Ok(Value::Bool(true));
        }
        if self.eat(b"false") {
            return Ok(Value::Bool(false));
        }
        if self.eat(b"NaN") {
            return Ok(Value::Float(f64::NAN));
        }
        if self.eat(b"Infinity") {
            return Ok(Value::Float(f64::INFINITY));
        }
        if self.eat(b"-Infinity") {
            return Ok(Value::Float(f64::NEG_INFINITY));
        }
        self.number()
    }

    /// CPython's number pattern: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`.
    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        let s = self.s;
        let mut j = self.i;
        if s.get(j) == Some(&b'-') {
            j += 1;
        }
        match s.get(j) {
            Some(b'0') => j += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = s.get(j) {
                    j += 1;
                }
            }
            _ => return Err(self.err("expecting value")),
        }
        let int_end = j;
        let mut is_float = false;
        if s.get(j) == Some(&b'.') && matches!(s.get(j + 1), Some(b'0'..=b'9')) {
            j += 1;
            while let Some(b'0'..=b'9') = s.get(j) {
                j += 1;
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = s.get(j) {
            let mut k = j + 1;
            if let Some(b'+' | b'-') = s.get(k) {
                k += 1;
            }
            if matches!(s.get(k), Some(b'0'..=b'9')) {
                while let Some(b'0'..=b'9') = s.get(k) {
                    k += 1;
                }
                j = k;
                is_float = true;
            }
        }
        self.i = j;
        // The matched bytes are ASCII digits, signs, '.', 'e'/'E'.
        let text = std::str::from_utf8(&s[start..j]).map_err(|_| self.err("bad number"))?;
        if is_float {
            let f: f64 = text.parse().map_err(|_| self.err("bad number"))?;
            Ok(Value::Float(f))
        } else {
            let digits = &s[start..int_end];
            let (neg, mag) = match digits.split_first() {
                Some((b'-', rest)) => (true, rest),
                _ => (false, digits),
            };
            if mag.len() > MAX_INT_DIGITS {
                return Err(self.err("integer has more than 4300 digits (Python refuses it)"));
            }
            let mag = std::str::from_utf8(mag).map_err(|_| self.err("bad number"))?;
            Ok(Value::Int(if neg && mag != "0" {
                format!("-{mag}")
            } else {
                mag.to_string()
            }))
        }
    }

    fn hex4(&mut self) -> Result<u16, ParseError> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("invalid \\uXXXX escape"))?;
        let mut v: u16 = 0;
        for &d in digits {
            let n = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.err("invalid \\uXXXX escape"))?;
            v = v << 4 | n as u16;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<Vec<u8>, ParseError> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        loop {
            // Copy a run of plain characters at once.
            let run_start = self.i;
            self.i += body_run(&self.s[self.i..]);
            if run_start < self.i {
                let run = &self.s[run_start..self.i];
                if !run.is_ascii()
                    && std::str::from_utf8(run).is_err()
                    && !is_surrogatepass_utf8(run)
                {
                    return Err(ParseError {
                        message: "invalid UTF-8".into(),
                        offset: run_start,
                    });
                }
                out.extend_from_slice(run);
            }
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let esc = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.i += 1;
                    let code_point = match esc {
                        b'"' => u32::from(b'"'),
                        b'\\' => u32::from(b'\\'),
                        b'/' => u32::from(b'/'),
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => u32::from(b'\n'),
                        b'r' => u32::from(b'\r'),
                        b't' => u32::from(b'\t'),
                        b'u' => {
                            let unit = u32::from(self.hex4()?);
                            // Like CPython, join an escaped high surrogate with an escaped low one.
                            if (0xd800..0xdc00).contains(&unit)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                match self.hex4().map(u32::from) {
                                    Ok(low @ 0xdc00..=0xdfff) => {
                                        0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                                    }
                                    _ => {
                                        self.i = save;
                                        unit
                                    }
                                }
                            } else {
                                unit
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("invalid \\escape"));
                        }
                    };
                    push_code_point(&mut out, code_point);
                }
                Some(_) => return Err(self.err("invalid control character in string")),
            }
        }
    }

    fn skip_string(&mut self) -> Result<(), ParseError> {
        self.i += 1;
        let start = self.i;
        let mut ascii = true;
        loop {
            let run = body_run(&self.s[self.i..]);
            ascii = ascii && self.s[self.i..self.i + run].is_ascii();
            self.i += run;
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    let run = &self.s[start..self.i];
                    if !ascii && std::str::from_utf8(run).is_err() && !is_surrogatepass_utf8(run) {
                        return Err(ParseError {
                            message: "invalid UTF-8".into(),
                            offset: start,
                        });
                    }
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            self.i += 1;
                            self.hex4()?;
                        }
                        _ => return Err(self.err("invalid \\escape")),
                    }
                }
                Some(_) => return Err(self.err("invalid control character in string")),
            }
        }
    }
}

/// Whether `bytes` is UTF-8 in which surrogate code points (U+D800–U+DFFF, `ED A0..BF xx`) are
/// also allowed — what Python's `json.loads(bytes)` accepts through `surrogatepass`.
fn is_surrogatepass_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match std::str::from_utf8(&bytes[i..]) {
            Ok(_) => return true,
            Err(e) => i += e.valid_up_to(),
        }
        match bytes.get(i..i + 3) {
            Some([0xed, 0xa0..=0xbf, 0x80..=0xbf]) => i += 3,
            _ => return false,
        }
    }
    true
}

/// Appends one code point (surrogates included) in generalized UTF-8.
fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    // Truncating casts below keep exactly the bits each UTF-8 byte carries.
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]);
    }
}

/// Bytes that `ensure_ascii` copies verbatim: printable ASCII other than `"` and `\\`.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b <= 0x7e {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = false;
    table[b'\\' as usize] = false;
    table
};

/// Bytes that may appear unescaped inside a JSON string (besides UTF-8 continuation rules).
static STRING_BODY: [bool; 256] = {
    let mut table = [true; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = false;
        b += 1;
    }
    table[b'"' as usize] = false;
    table[b'\\' as usize] = false;
    table
};

/// Length of the leading run of `s` that can stand unescaped inside a JSON string.
fn body_run(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    // Eight bytes at a time while none of them is a quote, a backslash or a control byte.
    let mut i = 0;
    for word in s.chunks_exact(8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0;
        if control
            || has_zero(x ^ (ONES * u64::from(b'"')))
            || has_zero(x ^ (ONES * u64::from(b'\\')))
        {
            break;
        }
        i += 8;
    }
    i + s[i..]
        .iter()
        .position(|&b| !STRING_BODY[usize::from(b)])
        .unwrap_or(s.len() - i)
}

/// Appends a Python string (generalized UTF-8, see [`Value::Str`]) as a JSON string literal
/// the way `json.dumps(..., ensure_ascii=True)` does.
pub fn write_pystr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    escape_pystr(bytes, |piece| out.extend_from_slice(piece));
    out.push(b'"');
}

/// Appends a Rust string as a JSON string literal with `ensure_ascii=True` escaping.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    write_pystr(out, s.as_bytes());
}

/// The body of [`write_pystr`] (without the quotes), handed to `sink` in pieces of up to
/// [`ESCAPE_BLOCK`] bytes: the output is built in a stack buffer, so a string with many escapes
/// costs no per-escape growth checks or small copies, and a hasher can take it directly.
pub(crate) fn escape_pystr(bytes: &[u8], mut sink: impl FnMut(&[u8])) {
    let mut buf = [0u8; ESCAPE_BLOCK];
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        // The longest output of one step is a surrogate pair: 12 bytes.
        if n > ESCAPE_BLOCK - 12 {
            sink(&buf[..n]);
            n = 0;
        }
        let b = bytes[i];
        if b.is_ascii() {
            // Plain bytes and two-byte escapes without a branch on which: write two bytes,
            // keep one or two.
            let (first, second, len) = ASCII_ESCAPE[usize::from(b)];
            if len != 0 {
                buf[n] = first;
                buf[n + 1] = second;
                n += usize::from(len);
            } else {
                n = escape_unit(&mut buf, n, u16::from(b));
            }
            i += 1;
        } else {
            // A multi-byte sequence: decode the code point, escape it as UTF-16 units.
            let (len, lead) = match b {
                0xc0..=0xdf => (2, u32::from(b & 0x1f)),
                0xe0..=0xef => (3, u32::from(b & 0x0f)),
                _ => (4, u32::from(b & 0x07)),
            };
            let cp = bytes
                .get(i + 1..i + len)
                .unwrap_or_default()
                .iter()
                .fold(lead, |acc, &c| acc << 6 | u32::from(c & 0x3f));
            if cp >= 0x10000 {
                let v = cp - 0x10000;
                n = escape_unit(&mut buf, n, 0xd800 | (v >> 10) as u16);
                n = escape_unit(&mut buf, n, 0xdc00 | (v & 0x3ff) as u16);
            } else {
                n = escape_unit(&mut buf, n, cp as u16);
            }
            i += len;
        }
    }
    if n > 0 {
        sink(&buf[..n]);
    }
}

/// For each ASCII byte: the bytes `json.dumps` writes for it and how many (1 for a plain byte,
/// 2 for a short escape such as `\\"`), or 0 when it needs a `\\u00XX` escape.
static ASCII_ESCAPE: [(u8, u8, u8); 128] = {
    let mut table = [(0u8, 0u8, 0u8); 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'"' => (b'\\', b'"', 2),
            b'\\' => (b'\\', b'\\', 2),
            b'\n' => (b'\\', b'n', 2),
            b'\r' => (b'\\', b'r', 2),
            b'\t' => (b'\\', b't', 2),
            0x08 => (b'\\', b'b', 2),
            0x0c => (b'\\', b'f', 2),
            c if PLAIN[c as usize] => (c, 0, 1),
            _ => (0, 0, 0),
        };
        b += 1;
    }
    table
};

/// The stack buffer [`escape_pystr`] fills before handing its output on.
const ESCAPE_BLOCK: usize = 512;

fn is_plain(u: u16) -> bool {
    u < 0x80 && PLAIN[usize::from(u)]
}

/// Writes the escape of UTF-16 unit `u` at `buf[n..]` (at most 6 bytes); returns the new end.
fn escape_unit(buf: &mut [u8; ESCAPE_BLOCK], n: usize, u: u16) -> usize {
    let short = match u {
        0x22 => Some(b'"'),
        0x5c => Some(b'\\'),
        0x0a => Some(b'n'),
        0x0d => Some(b'r'),
        0x09 => Some(b't'),
        0x08 => Some(b'b'),
        0x0c => Some(b'f'),
        _ => None,
    };
    let Some(out) = buf.get_mut(n..n + 6) else {
        return n;
    };
    if let Some(c) = short {
        out[0] = b'\\';
        out[1] = c;
        return n + 2;
    }
    if is_plain(u) {
        out[0] = u as u8;
        return n + 1;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out[0] = b'\\';
    out[1] = b'u';
    for (k, shift) in [12, 8, 4, 0].into_iter().enumerate() {
        out[2 + k] = HEX[usize::from((u >> shift) & 0xf)];
    }
    n + 6
}

/// Python's `repr(float)` as `json.dumps` prints it (`NaN`, `Infinity`, `-Infinity` for the
/// non-finite values).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, like CPython's repr.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1; // value = 0.DIGITS × 10^decpt
    let mut out = String::with_capacity(24);
    if f.is_sign_negative() {
        out.push('-');
    }
    if -4 < decpt && decpt <= 16 {
        let n = digits.len() as i32;
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-decpt) as usize));
            out.push_str(&digits);
        } else if decpt >= n {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (decpt - n) as usize));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    out
}

/// Appends `value` as `json.dumps(value, separators=(',', ':'))` prints it.
pub fn write_compact(out: &mut Vec<u8>, value: &Value) {
    write_with(out, value, b",", b":");
}

/// Appends `value` as plain `json.dumps(value)` prints it: separators `", "` and `": "`, which
/// is what the agent's HTTP bodies and SSE event look like.
pub fn write_default(out: &mut Vec<u8>, value: &Value) {
    write_with(out, value, b", ", b": ");
}

fn write_with(out: &mut Vec<u8>, value: &Value, item_sep: &[u8], key_sep: &[u8]) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(digits) => out.extend_from_slice(digits.as_bytes()),
        Value::Float(f) => out.extend_from_slice(float_repr(*f).as_bytes()),
        Value::Str(text) => write_pystr(out, text),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(item_sep);
                }
                write_with(out, item, item_sep, key_sep);
            }
            out.push(b']');
        }
        Value::Object(obj) => {
            out.push(b'{');
            for (i, (k, v)) in obj.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(item_sep);
                }
                write_pystr(out, k);
                out.extend_from_slice(key_sep);
                write_with(out, v, item_sep, key_sep);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    /// `json.dumps(s, ensure_ascii=True)` written the obvious way, one character at a time.
    fn escape_by_chars(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                ' '..='~' => out.push(c),
                _ => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        /// The block-buffered escaper equals the per-character definition, including strings
        /// long enough to be handed on in several blocks with escapes across block ends.
        #[test]
        fn escaping_matches_the_per_character_definition(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec!["\"", "\\", "\n", "\u{1}", "\u{7f}", "é", "😀", "\u{ffff}", "~"])
                        .prop_map(str::to_string),
                    "[ -~]{0,40}",
                    proptest::string::string_regex(".{0,8}").unwrap_or_else(|_| unreachable!()),
                ],
                0..200,
            ),
        ) {
            let text: String = parts.concat();
            let mut out = Vec::new();
            write_str(&mut out, &text);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), escape_by_chars(&text));
        }
    }

    fn roundtrip(s: &str) -> String {
        let mut out = Vec::new();
        write_compact(&mut out, &parse(s.as_bytes()).unwrap());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn float_reprs_match_python() {
        let cases = [
            (1e-7, "1e-07"),
            (1e20, "1e+20"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5e16, "1.5e+16"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.7, "0.7"),
            (100.0, "100.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (12345678901234567.0, "1.2345678901234568e+16"),
        ];
        for (f, want) in cases {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
        assert_eq!(float_repr(f64::NAN), "NaN");
        assert_eq!(float_repr(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn python_loads_dumps_roundtrip() {
        assert_eq!(
            roundtrip(r#"{"a": 1, "b": [1.0, 1e5, -0, -0.0, 1E-7]}"#),
            r#"{"a":1,"b":[1.0,100000.0,0,-0.0,1e-07]}"#
        );
        assert_eq!(roundtrip(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
        assert_eq!(
            roundtrip(r#"["café 😀", "\ud800", "\u00E9", "\/", "\u007f"]"#),
            r#"["caf\u00e9 \ud83d\ude00","\ud800","\u00e9","/","\u007f"]"#
        );
        assert_eq!(
            roundtrip("[NaN,Infinity,-Infinity,1e400]"),
            "[NaN,Infinity,-Infinity,Infinity]"
        );
        assert_eq!(
            roundtrip("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
    }

    #[test]
    fn body_run_finds_the_first_special_byte() {
        for (input, want) in [
            (&b"abcdefghijklmnop"[..], 16),
            (b"abcdefgh\"", 8),
            (b"abc\\defghijkl", 3),
            (b"abcdefghij\x1fk", 10),
            (b"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 10),
            (b"", 0),
            (b"\x7f\x80\xff \x20!#[]~\x00", 10),
        ] {
            assert_eq!(body_run(input), want, "{input:?}");
        }
    }

    #[test]
    fn python_rejections() {
        for bad in [
            "",
            "01",
            "[1,]",
            "{\"a\" 1}",
            "\"\t\"",
            "nul",
            "[1] x",
            "{1:2}",
            "\"\\x\"",
            "-",
            "1.",
            ".5",
            "\"\\u12\"",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
            assert!(validate(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse(&[b'"', 0xff, b'"']).is_err());
        let mut compact = Vec::new();
        validate_compact(b" {\"a\" : [1 ,\t\"x y\"] }\n", &mut |b: &[u8]| {
            compact.extend_from_slice(b)
        })
        .unwrap();
        assert_eq!(compact, br#"{"a":[1,"x y"]}"#);
        let mut compact = Vec::new();
        validate_compact(b" {\"a\" : [1 ,\t\"x y\"] }\n", &mut |b: &[u8]| {
            compact.extend_from_slice(b)
        })
        .unwrap();
        assert_eq!(compact, br#"{"a":[1,"x y"]}"#);
        assert_eq!(
            roundtrip("\"x\u{1F600}\\\"\\\\\u{7f}\""),
            r#""x\ud83d\ude00\"\\\u007f""#
        );
        let mut out = Vec::new();
        write_compact(&mut out, &parse(b"\"x\xed\xa0\x80y\"").unwrap());
        assert_eq!(out, br#""x\ud800y""#);
        let mut out = Vec::new();
        write_str(&mut out, "a\"\\\n\u{1}é😀~\u{7f}");
        assert_eq!(out, br#""a\"\\\n\u0001\u00e9\ud83d\ude00~\u007f""#);
        assert!(validate(&[b'"', 0xff, b'"']).is_err());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
        assert!(validate(deep.as_bytes()).is_err());
    }
}
