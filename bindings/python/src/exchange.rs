//! Signed-exchange verification: `verify_response`, `verify_stream` and `StreamVerifier`.
//!
//! The GIL is released while the core works, so other Python threads keep running during a
//! verification. Inputs stay valid meanwhile: `bytes` are immutable and kept alive by the
//! caller's frame, and mutable buffers were copied by [`ByteArg`].

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::{guard, to_py_err};
use crate::input::{self, ByteArg};
use crate::verdict::Verdict;

/// Verify a plain (non-streamed) io.net Confidential Inference response.
///
/// Recomputes both hashes the agent signs from the exact bytes you sent and received, recovers
/// the EIP-191 signer from the response headers and compares it with the address you pinned
/// from a verified attestation.
///
/// Args:
///     request: the exact body bytes you POSTed (bytes, bytearray or memoryview).
///     response: the exact body bytes you received.
///     headers: the response headers, as a mapping of str to str (a dict, or the headers object
///         of requests/httpx) or an iterable of (name, value) tuples. Names are matched
///         case-insensitively: text, signature, signing_address, signing_algo. Names and values
///         that are not str raise TypeError.
///     expected_address: the attested signing address ("0x" + 40 hex, EIP-55 checksum checked
///         when mixed-case). Without it the verdict cannot be verified: anyone can sign.
///
/// Returns:
///     A Verdict. Bad evidence never raises; it is a failed or skipped check.
///
/// Raises:
///     InvalidAddressError: expected_address is malformed.
///     TypeError: an argument has the wrong type.
#[pyfunction]
#[pyo3(signature = (request, response, headers, *, expected_address = None))]
fn verify_response(
    py: Python<'_>,
    request: ByteArg<'_>,
    response: ByteArg<'_>,
    headers: &Bound<'_, PyAny>,
    expected_address: Option<String>,
) -> PyResult<Verdict> {
    let expected = input::expected_address(py, expected_address.as_deref())?;
    let headers = input::headers(headers)?;
    let (request, response) = (request.as_slice(), response.as_slice());
    py.detach(|| {
        guard(|| ccverify::verify_response(request, response, &headers, expected.as_ref()))
    })
    .map(Verdict::from)
    .map_err(|e| to_py_err(py, e))
}

/// Verify a complete io.net SSE stream (every byte received, up to the connection's end).
///
/// The signature travels in an `event: signature` block inside the stream; it is cut out and
/// the rest is hashed with the agent's rules. Identical to feeding the same bytes to a
/// StreamVerifier in any chunks.
///
/// Args:
///     request: the exact body bytes you POSTed (with "stream": true).
///     stream: every byte of the response body. Read to the real end: agents before A5 send
///         the signature after `data: [DONE]`.
///     expected_address: the attested signing address, as for verify_response().
///
/// Returns:
///     A Verdict (never raises for bad evidence).
///
/// Raises:
///     InvalidAddressError: expected_address is malformed.
///     TypeError: an argument has the wrong type.
#[pyfunction]
#[pyo3(signature = (request, stream, *, expected_address = None))]
fn verify_stream(
    py: Python<'_>,
    request: ByteArg<'_>,
    stream: ByteArg<'_>,
    expected_address: Option<String>,
) -> PyResult<Verdict> {
    let expected = input::expected_address(py, expected_address.as_deref())?;
    let (request, stream) = (request.as_slice(), stream.as_slice());
    py.detach(|| guard(|| ccverify::verify_stream(request, stream, expected.as_ref())))
        .map(Verdict::from)
        .map_err(|e| to_py_err(py, e))
}

/// Chunks at least this long are processed with the GIL released. Smaller ones take well under
/// a microsecond, less than a GIL hand-off, and releasing the GIL for each could make a
/// stream wait up to `sys.getswitchinterval()` per chunk behind a busy thread.
const DETACH_MIN_CHUNK: usize = 16 * 1024;

/// Verify an SSE stream incrementally, while you forward it.
///
/// Feed every chunk to update() as it arrives (any boundaries, even inside a UTF-8 character)
/// and forward what it returns — the verified events re-serialised, never the raw bytes; call
/// finish() at the real end of the stream for the verdict, then forward tail():
///
///     verifier = ccverify.StreamVerifier(request_body, expected_address=attested)
///     for chunk in response.iter_bytes():
///         forward(verifier.update(chunk))
///     verdict = verifier.finish()
///     forward(verifier.tail())        # data: [DONE] only if the stream verified
///
/// Memory stays bounded: a stream line is kept only up to 16 MiB and the signature block up to
/// 64 KiB; a longer one fails the verdict rather than being truncated silently.
///
/// Thread-safe: calls on one verifier are serialised. update() and finish() release the GIL
/// while they work (update() only for chunks of 16 KiB or more).
///
/// Args:
///     request: the exact body bytes you POSTed.
///     expected_address: the attested signing address, as for verify_response().
///
/// Raises:
///     InvalidAddressError: expected_address is malformed.
#[pyclass(frozen, module = "ccverify", name = "StreamVerifier")]
pub(crate) struct StreamVerifier {
    /// `None` once a call panicked: the core's state may be half-updated, so the verifier
    /// fails closed from then on instead of producing a verdict from it.
    inner: Mutex<Option<ccverify::StreamVerifier>>,
}

impl StreamVerifier {
    /// Runs `work` on the core verifier, holding its lock only as long as `work` runs.
    fn with_inner<T>(
        &self,
        work: impl FnOnce(&mut ccverify::StreamVerifier) -> Result<T, ccverify::Error>,
    ) -> Result<T, ccverify::Error> {
        let unusable = || {
            ccverify::Error::Internal(
                "this StreamVerifier is unusable: an earlier call failed internally".into(),
            )
        };
        let mut slot = self.inner.lock().map_err(|_| unusable())?;
        let verifier = slot.as_mut().ok_or_else(unusable)?;
        match guard(|| work(verifier)) {
            Ok(result) => result,
            Err(panic) => {
                *slot = None;
                Err(panic)
            }
        }
    }
}

#[pymethods]
impl StreamVerifier {
    #[new]
    #[pyo3(signature = (request, *, expected_address = None))]
    fn new(
        py: Python<'_>,
        request: ByteArg<'_>,
        expected_address: Option<String>,
    ) -> PyResult<Self> {
        let expected = input::expected_address(py, expected_address.as_deref())?;
        let request = request.as_slice();
        let inner = py
            .detach(|| guard(|| ccverify::StreamVerifier::new(request, expected)))
            .map_err(|e| to_py_err(py, e))?;
        Ok(StreamVerifier {
            inner: Mutex::new(Some(inner)),
        })
    }

    /// Feed the next bytes of the stream and get back what to pass on instead of them.
    ///
    /// Never forward the raw chunks: what this returns is the canonical re-serialisation of
    /// the events these bytes completed, each exactly one data line the agent hashed
    /// (``data: <payload>\n\n``; often empty). A relay's additions that an SSE parser would
    /// read but no signature covers are never in it (and fail ``stream.coverage``).
    ///
    /// Args:
    ///     chunk: the next bytes (bytes, bytearray or memoryview), any size, any boundaries.
    ///
    /// Returns:
    ///     bytes to forward (possibly empty).
    ///
    /// Raises:
    ///     InvalidStateError: finish() was already called.
    ///     TypeError: chunk is not bytes, bytearray or memoryview.
    fn update<'py>(&self, chunk: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        let py = chunk.py();
        let data = ByteArg::from_any(&chunk, "chunk")?;
        let bytes = data.as_slice();
        let result = if bytes.len() >= DETACH_MIN_CHUNK {
            // The lock is taken with the GIL released, so a second thread waiting for it never
            // blocks the thread that holds it from getting the GIL back.
            py.detach(|| self.with_inner(|v| v.update(bytes)))
        } else {
            // Uncontended this is immediate; a thread holding the lock never needs the GIL
            // before releasing it, so waiting here with the GIL cannot deadlock.
            self.with_inner(|v| v.update(bytes))
        };
        let out = result.map_err(|e| to_py_err(py, e))?;
        Ok(PyBytes::new(py, &out))
    }

    /// The last bytes to pass on, after finish(): an event the stream ended in without a
    /// closing blank line, then ``data: [DONE]\n\n`` only if the stream verified. Empty
    /// before finish().
    fn tail<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let out = self
            .with_inner(|v| Ok(v.tail()))
            .map_err(|e| to_py_err(py, e))?;
        Ok(PyBytes::new(py, &out))
    }

    /// End the stream and return the verdict. The verifier cannot be used afterwards.
    ///
    /// Returns:
    ///     A Verdict, the same as verify_stream() on all the bytes fed.
    ///
    /// Raises:
    ///     InvalidStateError: finish() was already called.
    fn finish(&self, py: Python<'_>) -> PyResult<Verdict> {
        py.detach(|| self.with_inner(|v| v.finish()))
            .map(Verdict::from)
            .map_err(|e| to_py_err(py, e))
    }

    fn __repr__(&self) -> &'static str {
        "<ccverify.StreamVerifier>"
    }
}

/// Whether the io.net agent answers this exact request body with a stream.
///
/// The agent's own rule: ``stream`` true after pydantic's lax coercion (``true``, ``1``,
/// ``"true"``, ...). False for a body the agent would refuse. Decide from this — never from a
/// reply's content-type, which a relay controls — whether to read a reply as a stream.
///
/// Args:
///     request: the exact body bytes you POST.
///
/// Returns:
///     bool.
#[pyfunction]
fn request_streams(request: ByteArg<'_>) -> bool {
    ccverify::request_streams(request.as_slice())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_response, m)?)?;
    m.add_function(wrap_pyfunction!(verify_stream, m)?)?;
    m.add_function(wrap_pyfunction!(request_streams, m)?)?;
    m.add_class::<StreamVerifier>()?;
    Ok(())
}
