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
    // Gather the compact form first: one SHA-256 call over it is much cheaper than one
    // `update` per whitespace-separated piece.
    let mut compact = Vec::with_capacity(body.len());
    pyjson::validate_compact(body, &mut |part: &[u8]| compact.extend_from_slice(part)).map_err(
        |e| format!("response body is not valid JSON ({e}), so the agent cannot have sent it"),
    )?;
    Ok(hex::encode(Sha256::digest(&compact)))
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
