//! Nesting bounds for the recursive parsers of untrusted documents (JSON through serde_json,
//! TOML through the toml crate, ccverify's own Python-compatible JSON reader).
//!
//! Those parsers recurse once per nesting level, and the core runs on the caller's thread: a
//! JVM thread (UniFFI), a Python or Node worker, a C caller's thread, often with a small stack.
//! In a debug build serde_json needs about 2.5 KiB of stack per level and toml more, so a
//! document nested a few hundred levels deep would overflow a 256 KiB stack, which aborts the
//! process. Every untrusted document is therefore measured first, iteratively and in one pass,
//! and refused with a reason when it nests deeper than [`MAX_NESTING`] (TOML:
//! [`MAX_TOML_NESTING`]) — far deeper than any document the io.net protocol, NVIDIA or Intel
//! produce (at most 6 levels).

/// Deepest nesting (arrays and objects) accepted in a JSON document.
pub const MAX_NESTING: usize = 64;

/// Deepest nesting accepted in a TOML document (the toml crate needs several times serde_json's
/// stack per level; a policy nests 3 levels).
pub const MAX_TOML_NESTING: usize = 24;

/// The deepest array/object nesting of JSON text, counted without recursion (brackets inside
/// strings do not count). Malformed text is measured as far as it goes; the parser reports it.
pub fn json_nesting(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            // A string: skip to its closing quote, past escapes (most of the bytes of real
            // evidence are in strings: PEM, hex, embedded JSON text).
            b'"' => loop {
                let Some(at) = memchr::memchr2(b'"', b'\\', &bytes[i.min(bytes.len())..]) else {
                    return deepest;
                };
                let found = i + at;
                i = found + 1;
                if bytes[found] == b'"' {
                    break;
                }
                i += 1; // the escaped byte
            },
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// `Err` with a reason when `bytes` (JSON, named `what`) nests deeper than [`MAX_NESTING`].
pub fn check_json(bytes: &[u8], what: &str) -> Result<(), String> {
    let n = json_nesting(bytes);
    if n > MAX_NESTING {
        Err(format!(
            "{what} nests {n} levels deep, more than the {MAX_NESTING} accepted"
        ))
    } else {
        Ok(())
    }
}

/// serde_json's `from_slice` after [`check_json`]: the only way the core parses untrusted JSON
/// with serde.
pub fn json_from_slice<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, String> {
    check_json(bytes, what)?;
    serde_json::from_slice(bytes).map_err(|e| format!("{what} is not JSON: {e}"))
}

/// An upper bound of the nesting of TOML text, counted without recursion: bracket depth
/// (arrays, inline tables, table headers) plus the dots of dotted keys on the same line,
/// outside strings and comments. Over-counting (a float's dot) only makes the bound safer.
pub fn toml_nesting(text: &str) -> usize {
    #[derive(PartialEq)]
    enum S {
        Normal,
        Comment,
        Basic,
        Literal,
        MultiBasic,
        MultiLiteral,
    }
    let b = text.as_bytes();
    let (mut state, mut i) = (S::Normal, 0usize);
    let (mut depth, mut dots, mut deepest) = (0usize, 0usize, 0usize);
    let mut escaped = false;
    while i < b.len() {
        let c = b[i];
        let triple_dq = b[i..].starts_with(b"\"\"\"");
        let triple_sq = b[i..].starts_with(b"'''");
        match state {
            S::Normal => match c {
                b'#' => state = S::Comment,
                b'\n' => dots = 0,
                _ if triple_dq => {
                    state = S::MultiBasic;
                    i += 2;
                }
                _ if triple_sq => {
                    state = S::MultiLiteral;
                    i += 2;
                }
                b'"' => state = S::Basic,
                b'\'' => state = S::Literal,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                b'.' => dots += 1,
                _ => {}
            },
            S::Comment if c == b'\n' => {
                state = S::Normal;
                dots = 0;
            }
            S::Basic | S::MultiBasic if escaped => escaped = false,
            S::Basic | S::MultiBasic if c == b'\\' => escaped = true,
            S::Basic if c == b'"' || c == b'\n' => state = S::Normal,
            S::Literal if c == b'\'' || c == b'\n' => state = S::Normal,
            S::MultiBasic if triple_dq => {
                state = S::Normal;
                i += 2;
            }
            S::MultiLiteral if triple_sq => {
                state = S::Normal;
                i += 2;
            }
            _ => {}
        }
        deepest = deepest.max(depth + dots);
        i += 1;
    }
    deepest
}

/// `Err` with a reason when TOML text nests deeper than [`MAX_TOML_NESTING`].
pub fn check_toml(text: &str, what: &str) -> Result<(), String> {
    let n = toml_nesting(text);
    if n > MAX_TOML_NESTING {
        Err(format!(
            "{what} nests about {n} levels deep, more than the {MAX_TOML_NESTING} accepted"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_ignores_strings() {
        assert_eq!(json_nesting(b"1"), 0);
        assert_eq!(json_nesting(br#"{"a":[1,{"b":"[[[[{{"}]}"#), 3);
        assert_eq!(json_nesting(br#"["\"[[[", []]"#), 2);
        assert_eq!(json_nesting("[".repeat(100_000).as_bytes()), 100_000);
        assert!(check_json("[".repeat(65).as_bytes(), "x").is_err());
        assert!(check_json("[".repeat(64).as_bytes(), "x").is_ok());
    }

    /// The byte-at-a-time definition the fast scan must agree with.
    fn nesting_by_bytes(bytes: &[u8]) -> usize {
        let (mut depth, mut deepest) = (0usize, 0usize);
        let (mut in_string, mut escaped) = (false, false);
        for &b in bytes {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        deepest
    }

    proptest::proptest! {
        #[test]
        fn json_depth_agrees_with_the_bytewise_definition(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["[", "]", "{", "}", "\"", "\\", "a", "\\\"", ","]),
                0..64,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(json_nesting(text.as_bytes()), nesting_by_bytes(text.as_bytes()));
        }
    }

    #[test]
    fn toml_depth_counts_brackets_and_dotted_keys() {
        assert_eq!(toml_nesting("a = 1\n[gpu]\nx = [1, [2]]\n"), 2);
        assert_eq!(toml_nesting("a.b.c = 1\nd = 2\n"), 2);
        assert_eq!(toml_nesting("s = \"[[[[.\" # [[[[\nt = '''\n[[[\n'''\n"), 0);
        assert_eq!(toml_nesting(&format!("a = {}", "[".repeat(200))), 200);
        assert_eq!(toml_nesting(&format!("{}b = 1", "a.".repeat(200))), 200);
    }
}
