//! Signed exchanges: `verifyResponse`, `verifyStream`, the incremental `StreamVerifier` (which
//! hands on only verified events) and `requestStreams`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::*;

/// Verifies a plain (non-streamed) io.net response: the exact request bytes sent, the exact
/// response bytes received, the response headers, and the attested signing address (without
/// it the verdict is never verified).
#[uniffi::export]
pub fn verify_response(
    request: Vec<u8>,
    response: Vec<u8>,
    headers: HashMap<String, String>,
    expected_address: Option<String>,
) -> Result<Verdict, CcverifyError> {
    let expected = address(expected_address)?;
    let headers: Vec<(String, String)> = headers.into_iter().collect();
    Ok(ccverify::verify_response(&request, &response, &headers, expected.as_ref()).into())
}

/// Verifies a complete SSE stream (all bytes to the end of the connection).
#[uniffi::export]
pub fn verify_stream(
    request: Vec<u8>,
    stream: Vec<u8>,
    expected_address: Option<String>,
) -> Result<Verdict, CcverifyError> {
    let expected = address(expected_address)?;
    Ok(ccverify::verify_stream(&request, &stream, expected.as_ref()).into())
}

/// Verifies a stream incrementally: `update` with chunks as they arrive (forward what it
/// returns, never the raw bytes), `finish` at the end, then forward `tail()`.
#[derive(uniffi::Object)]
pub struct StreamVerifier {
    inner: Mutex<ccverify::StreamVerifier>,
}

#[uniffi::export]
impl StreamVerifier {
    /// Starts verifying the stream answering `request`, expecting `expected_address`.
    #[uniffi::constructor]
    pub fn new(
        request: Vec<u8>,
        expected_address: Option<String>,
    ) -> Result<Arc<Self>, CcverifyError> {
        let expected = address(expected_address)?;
        Ok(Arc::new(StreamVerifier {
            inner: Mutex::new(ccverify::StreamVerifier::new(&request, expected)),
        }))
    }

    /// Feeds the next bytes and returns what to pass on instead of them: the canonical
    /// re-serialisation of the events they completed, each exactly one data line the agent
    /// hashed (`data: <payload>\n\n`; often empty). Never forward the raw bytes.
    pub fn update(&self, chunk: Vec<u8>) -> Result<Vec<u8>, CcverifyError> {
        Ok(self.lock()?.update(&chunk)?)
    }

    /// After `finish`: the last bytes to pass on — an event the stream ended in without a
    /// closing blank line, then `data: [DONE]\n\n` only if the stream verified.
    pub fn tail(&self) -> Result<Vec<u8>, CcverifyError> {
        Ok(self.lock()?.tail())
    }

    /// Ends the stream and returns the verdict; a second call fails with `InvalidState`.
    pub fn finish(&self) -> Result<Verdict, CcverifyError> {
        Ok(self.lock()?.finish()?.into())
    }
}

impl StreamVerifier {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, ccverify::StreamVerifier>, CcverifyError> {
        self.inner.lock().map_err(|_| CcverifyError::Internal {
            reason: "stream verifier poisoned by an earlier panic".into(),
        })
    }
}

/// Whether the io.net agent answers this exact request body with a stream (its rule: `stream`
/// true after pydantic's lax coercion); false for a body it would refuse. Decide from this,
/// never from a reply header a relay controls, whether to read a reply as a stream.
#[uniffi::export]
pub fn request_streams(request: Vec<u8>) -> bool {
    ccverify::request_streams(&request)
}
