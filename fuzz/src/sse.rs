//! An independent Server-Sent Events reader following the WHATWG HTML standard's "event stream
//! interpretation", written from the standard rather than from the core's engine: what a
//! browser's `EventSource` or an OpenAI SDK dispatches from a byte stream.

/// The data of every event a standard consumer dispatches from `stream`, in order (events of
/// any type; a trailing event the stream did not end with a blank line is discarded, as the
/// standard says).
pub fn parse(stream: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(stream);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut events = Vec::new();
    let mut data = String::new();
    let mut rest = text;
    // Only complete lines are interpreted: the text after the last line end is incomplete.
    while let Some(end) = rest.find(['\r', '\n']) {
        let line = &rest[..end];
        let after = &rest[end..];
        rest = after
            .strip_prefix("\r\n")
            .unwrap_or_else(|| after.get(1..).unwrap_or_default());
        if line.is_empty() {
            // Dispatch.
            if !data.is_empty() {
                if data.ends_with('\n') {
                    data.pop();
                }
                events.push(std::mem::take(&mut data).into_bytes());
            }
            continue;
        }
        if line.starts_with(':') {
            continue; // a comment
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if field == "data" {
            data.push_str(value);
            data.push('\n');
        }
        // `event`, `id`, `retry` and unknown fields do not change an event's data.
    }
    events
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_standards_examples() {
        assert_eq!(
            super::parse(b"data: a\n\ndata:b\r\ndata: c\r\r"),
            [b"a".to_vec(), b"b\nc".to_vec()]
        );
        // A `data` field without a value dispatches an empty event; the unterminated one is lost.
        assert_eq!(
            super::parse(b": comment\nevent: x\ndata\n\ndata: unterminated"),
            [b"".to_vec()]
        );
        assert_eq!(super::parse(b"\xEF\xBB\xBFdata: x\n\n"), [b"x".to_vec()]);
        assert_eq!(
            super::parse(b"data:  two spaces\n\n"),
            [b" two spaces".to_vec()]
        );
    }
}
