//! The response hash of a plain response (spec §6, step 5).
//!
//! The agent hashes `json.dumps(body, separators=(',', ':'))` but sends `json.dumps(body)` with
//! the default `", "` / `": "` separators. The two differ only by whitespace outside strings, so
//! deleting that whitespace from the received bytes gives exactly the hashed string — number
//! tokens and string escapes stay verbatim, with no re-serialisation and no float formatting.

use sha2::{Digest, Sha256};

use crate::pyjson;

/// SHA-256 (lowercase hex) of `body` with JSON whitespace outside strings removed.
///
/// Fails if `body` is not one JSON value as Python reads it: the agent only ever sends
/// `json.dumps` output, and what the caller parses must be what was hashed.
pub fn response_hash_hex(body: &[u8]) -> Result<String, String> {
    pyjson::validate(body).map_err(|e| {
        format!("response body is not valid JSON ({e}), so the agent cannot have sent it")
    })?;
    let mut hasher = Sha256::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            hasher.update(&body[run_start..i]);
            run_start = i + 1;
        } else if b == b'"' {
            in_string = true;
        }
    }
    hasher.update(&body[run_start..]);
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_outside_strings_only() {
        let a = response_hash_hex(br#"{"a": "x, y: z", "b": [1, 2.50]}"#).unwrap();
        let b = response_hash_hex(b"{\"a\":\"x, y: z\",\r\n\t\"b\":[1,2.50]}").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a,
            hex::encode(Sha256::digest(br#"{"a":"x, y: z","b":[1,2.50]}"#))
        );
        let c = response_hash_hex(br#"{"a": "x,y: z", "b": [1, 2.50]}"#).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn escaped_quotes_keep_string_state() {
        let h = response_hash_hex(br#"{"a": "say \"hi, there\" \\", "b": 1}"#).unwrap();
        assert_eq!(
            h,
            hex::encode(Sha256::digest(br#"{"a":"say \"hi, there\" \\","b":1}"#))
        );
    }

    #[test]
    fn invalid_json_fails() {
        assert!(response_hash_hex(b"{\"a\": 1 2}").is_err());
        assert!(response_hash_hex(b"").is_err());
    }
}
