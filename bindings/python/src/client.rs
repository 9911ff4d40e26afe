//! The io.net client: `Session` (attest, then chat plain or streamed), `ChatResponse`,
//! `ChatStream` (a streamed completion as an iterator), `Model` and `list_models`.
//!
//! Every network call is the core's blocking [`ccverify_net::client`] code with a cancel
//! token, run by [`interruptible`]: on a helper thread with the GIL released, while the
//! calling thread checks for signals. Ctrl-C (any signal handler that raises) cancels the
//! token — the request in flight is aborted at once, not waited out — and the signal's
//! exception propagates. Streams are the core's pull stream ([`net::ChatStream`]): each chunk
//! is one interruptible wait. Python callbacks (`progress`, `on_chunk`) re-acquire the GIL
//! for each call; an exception raised by `on_chunk` aborts the stream (the connection is
//! closed) and propagates. A panic becomes `InternalError`, as everywhere in this binding.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use ccverify_net::Cancel;
use ccverify_net::client::{self as net, ClientConfig, Progress};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyMapping, PyMemoryView, PyString,
};

use crate::error::{guard, to_py_err};
use crate::input::{self, dir_arg, non_negative_int, unix_time};
use crate::report::{collateral_arg, policy_arg};
use crate::verdict::Verdict;

/// How often a thread waiting for the network checks for signals (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Runs `work` (blocking network I/O honouring `cancel`) on a helper thread with the GIL
/// released, checking for signals meanwhile. A signal's exception (KeyboardInterrupt …)
/// cancels `cancel`, waits for `work` to stop — it aborts its request at once — and is
/// raised. A panic in `work` is `InternalError`.
fn interruptible<T: Send>(
    py: Python<'_>,
    cancel: &Cancel,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    interruptible_until(py, cancel, None, work)
}

/// The deadline of a `timeout=` argument in seconds (`None`: no deadline).
fn deadline(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Option<std::time::Instant>> {
    timeout
        .map(|t| seconds(t, "timeout", false).map(|d| std::time::Instant::now() + d))
        .transpose()
}

/// [`interruptible`] with a deadline: when it passes, `cancel` is cancelled (the request is
/// aborted) and `TimeoutError` is raised.
fn interruptible_until<T: Send>(
    py: Python<'_>,
    cancel: &Cancel,
    deadline: Option<std::time::Instant>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        // Behind a mutex only so that a reference may cross into the GIL-free closure.
        let rx = Mutex::new(rx);
        scope.spawn(move || {
            // The receiver waits until this is sent (or the thread ends).
            let _ = tx.send(guard(work));
        });
        loop {
            match py.detach(|| lock(&rx).recv_timeout(SIGNAL_POLL)) {
                Ok(done) => return done.map_err(|e| to_py_err(py, e)),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(signal) = py.check_signals() {
                        cancel.cancel();
                        // The work stops promptly now; its outcome is superseded by the signal.
                        let _ = py.detach(|| lock(&rx).recv());
                        return Err(signal);
                    }
                    if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                        cancel.cancel();
                        let _ = py.detach(|| lock(&rx).recv());
                        return Err(pyo3::exceptions::PyTimeoutError::new_err(
                            "ccverify: the call's timeout passed; the request was aborted",
                        ));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(to_py_err(
                        py,
                        ccverify::Error::Internal("a network call ended without a result".into()),
                    ));
                }
            }
        }
    })
}

/// A cancel token for the network calls (``cancel=`` of Session.attest(), chat(),
/// chat_stream(), iter_stream()): cancel() from any thread stops the call using it — the
/// request in flight is aborted, not waited out — which then raises CancelledError. A token
/// stays cancelled. ccverify.aio uses one per call to honour asyncio task cancellation.
#[pyclass(frozen, module = "ccverify", name = "CancelToken")]
pub(crate) struct CancelToken {
    inner: Cancel,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        CancelToken {
            inner: Cancel::new(),
        }
    }

    /// Cancel every call using this token (from any thread; idempotent).
    fn cancel(&self) {
        self.inner.cancel();
    }

    /// Whether cancel() was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!(
            "CancelToken(cancelled={})",
            if self.inner.is_cancelled() {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// The core token of an optional `cancel=` argument (a fresh one when none was given).
fn token_of(cancel: Option<&CancelToken>) -> Cancel {
    cancel.map_or_else(Cancel::new, |c| c.inner.clone())
}

/// A failed chat as a Python exception: `UnverifiedResponseError` (with `.response` and
/// `.verdict`) for an unverified reply of a strict session, else the kind's class.
fn chat_err(py: Python<'_>, e: net::ChatError, request: &Py<PyBytes>) -> PyErr {
    let err = to_py_err(py, e.error());
    if let net::ChatError::Unverified(reply) = e {
        let reply = ChatResponse::new(py, *reply, request.clone_ref(py));
        let verdict = reply.verdict.clone();
        let value = err.value(py);
        let attached = Py::new(py, reply)
            .and_then(|r| value.setattr("response", r))
            .and_then(|()| Py::new(py, verdict))
            .and_then(|v| value.setattr("verdict", v));
        if let Err(e) = attached {
            return e;
        }
    }
    err
}

/// Locks a mutex, recovering the data if a panic poisoned it (the data stay consistent: every
/// critical section here is a single assignment or receive).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn invalid(py: Python<'_>, why: String) -> PyErr {
    to_py_err(py, ccverify::Error::InvalidArgument(why))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// A duration in seconds (`int` or `float`, not `bool`): `TypeError` for another type,
/// `InvalidArgumentError` for a negative, non-finite or too large value, or zero unless
/// `zero_ok`.
fn seconds(obj: &Bound<'_, PyAny>, what: &str, zero_ok: bool) -> PyResult<Duration> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>()
        || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>())
    {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a number of seconds (int or float) or None, not {}",
            type_name(obj)
        )));
    }
    let value = obj.extract::<f64>()?;
    let duration = Duration::try_from_secs_f64(value).map_err(|_| {
        invalid(
            py,
            format!("{what} must be a finite, non-negative number of seconds, not {value}"),
        )
    })?;
    if duration.is_zero() && !zero_ok {
        return Err(invalid(py, format!("{what} must be more than 0 seconds")));
    }
    Ok(duration)
}

/// A Python callable as the core's progress callback. Each line re-acquires the GIL; an
/// exception the callable raises goes to `sys.unraisablehook` (a progress line cannot stop the
/// work it reports on).
fn progress_arg(progress: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Progress>> {
    let Some(progress) = progress else {
        return Ok(None);
    };
    if !progress.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "progress must be a callable taking one str, or None, not {}",
            type_name(progress)
        )));
    }
    let callback: Py<PyAny> = progress.clone().unbind();
    Ok(Some(Arc::new(move |line: &str| {
        Python::try_attach(|py| {
            if let Err(e) = callback.call1(py, (line,)) {
                e.write_unraisable(py, Some(callback.bind(py)));
            }
        });
    })))
}

/// The connection keywords shared by `Session.attest` and `list_models`, over
/// [`ClientConfig::from_env`] (which reads `$IO_API_KEY`).
#[allow(
    clippy::too_many_arguments,
    reason = "the Python keyword arguments of the documented signature"
)]
fn connection(
    py: Python<'_>,
    base_url: Option<String>,
    api_key: Option<String>,
    timeout: Option<&Bound<'_, PyAny>>,
    retries: Option<&Bound<'_, PyAny>>,
    backoff: Option<&Bound<'_, PyAny>>,
    headers: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<ClientConfig> {
    let mut config = ClientConfig::from_env();
    if let Some(url) = base_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid(
                py,
                format!("base_url must start with http:// or https://, not {url:?}"),
            ));
        }
        config.base_url = url;
    }
    if api_key.is_some() {
        config.api_key = api_key;
    }
    if let Some(t) = timeout {
        config.timeout = seconds(t, "timeout", false)?;
    }
    if let Some(r) = retries {
        let n = non_negative_int(r, "retries")?;
        config.retries =
            u32::try_from(n).map_err(|_| invalid(py, format!("retries {n} is too large")))?;
    }
    if let Some(b) = backoff {
        config.backoff = seconds(b, "backoff", true)?;
    }
    if let Some(h) = headers {
        config.headers = input::headers(h)?;
    }
    config.progress = progress_arg(progress)?;
    Ok(config)
}

/// A request body: bytes-like (sent as is), `str` (UTF-8) or a mapping (`json.dumps` with
/// compact separators). With `stream`, a mapping without a "stream" key gets `"stream": true`.
fn body_arg<'py>(body: &Bound<'py, PyAny>, stream: bool) -> PyResult<Bound<'py, PyBytes>> {
    let py = body.py();
    if let Ok(bytes) = body.cast::<PyBytes>() {
        return Ok(bytes.clone());
    }
    if body.is_instance_of::<PyByteArray>() || body.is_instance_of::<PyMemoryView>() {
        return Ok(py
            .get_type::<PyBytes>()
            .call1((body,))?
            .cast_into::<PyBytes>()?);
    }
    if let Ok(text) = body.cast::<PyString>() {
        return Ok(PyBytes::new(py, text.to_cow()?.as_bytes()));
    }
    if let Ok(mapping) = body.cast::<PyMapping>() {
        let dict = py.get_type::<pyo3::types::PyDict>().call1((mapping,))?;
        if stream && !dict.contains("stream")? {
            dict.set_item("stream", true)?;
        }
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("separators", (",", ":"))?;
        let text = py
            .import("json")?
            .getattr("dumps")?
            .call((dict,), Some(&kwargs))?;
        return Ok(PyBytes::new(py, text.extract::<String>()?.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "body must be bytes, bytearray, memoryview, str or a mapping (sent as JSON), not {}",
        type_name(body)
    )))
}

/// A model the gateway offers (an item of list_models()).
///
/// Attributes:
///     name: the name to put in a completion's "model".
///     model_id: the UUID to attest (Session.attest(model_id)).
///     supports_attestation: whether the gateway says it can attest this model.
#[pyclass(frozen, eq, hash, module = "ccverify", name = "Model")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Model {
    name: String,
    model_id: String,
    supports_attestation: bool,
}

#[pymethods]
impl Model {
    /// The name to put in a completion's "model".
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The UUID to attest.
    #[getter]
    fn model_id(&self) -> &str {
        &self.model_id
    }

    /// Whether the gateway says it can attest this model.
    #[getter]
    fn supports_attestation(&self) -> bool {
        self.supports_attestation
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Model(name={}, model_id={}, supports_attestation={})",
            PyString::new(py, &self.name).repr()?,
            PyString::new(py, &self.model_id).repr()?,
            if self.supports_attestation {
                "True"
            } else {
                "False"
            }
        ))
    }
}

/// One completion, exactly as received, with its verdict.
///
/// Attributes:
///     status: the HTTP status (always 2xx: error statuses raise NetworkError).
///     body: the body to hand on, as bytes: for a plain reply the exact body received; for a
///         stream the verified events re-serialised (``data: <payload>\n\n`` each, then
///         ``data: [DONE]\n\n`` only if it verified), never the relayed bytes.
///     headers: the response headers as a list of (name, value) tuples, names in lower case.
///     verdict: the exchange's Verdict against the pinned signing key, plus the
///         "session.attestation" row (pass only when the session's attestation verified).
///     verified: the signature, both hashes and the signer check out AND the session's
///         attestation verified.
///     attested: whether the session's attestation verified.
///     stream: whether body is an SSE stream.
///     request: the exact bytes sent (a mapping body serialised as compact JSON), the bytes
///         the signature's request hash covers.
#[pyclass(frozen, module = "ccverify", name = "ChatResponse")]
pub(crate) struct ChatResponse {
    status: u16,
    body: Py<PyBytes>,
    headers: Vec<(String, String)>,
    verdict: Verdict,
    verified: bool,
    attested: bool,
    stream: bool,
    request: Py<PyBytes>,
}

impl ChatResponse {
    fn new(py: Python<'_>, reply: net::ChatResponse, request: Py<PyBytes>) -> ChatResponse {
        ChatResponse {
            status: reply.status,
            body: PyBytes::new(py, &reply.body).unbind(),
            headers: reply.headers,
            verified: reply.verified,
            verdict: Verdict::from(reply.verdict),
            attested: reply.attested,
            stream: reply.stream,
            request,
        }
    }
}

#[pymethods]
impl ChatResponse {
    /// The HTTP status (2xx).
    #[getter]
    fn status(&self) -> u16 {
        self.status
    }

    /// The body to hand on: for a plain reply the exact body received; for a stream the
    /// verified events re-serialised (never the relayed bytes).
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyBytes> {
        self.body.clone_ref(py)
    }

    /// The response headers, (name, value) tuples with lower-case names (a new list on each
    /// access).
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// The exchange's verdict, with the "session.attestation" row.
    #[getter]
    fn verdict(&self) -> Verdict {
        self.verdict.clone()
    }

    /// The exchange verified AND the session's attestation verified.
    #[getter]
    fn verified(&self) -> bool {
        self.verified
    }

    /// Whether the session's attestation verified.
    #[getter]
    fn attested(&self) -> bool {
        self.attested
    }

    /// Whether body is an SSE stream.
    #[getter]
    fn stream(&self) -> bool {
        self.stream
    }

    /// The exact bytes sent, which the signed request hash covers.
    #[getter]
    fn request(&self, py: Python<'_>) -> Py<PyBytes> {
        self.request.clone_ref(py)
    }

    /// Raise UnverifiedResponseError (with this reply as .response and its verdict as
    /// .verdict) unless it verified; return None when it did. For replies of a session that is
    /// not strict, as requests' raise_for_status() is for HTTP statuses.
    ///
    /// Raises:
    ///     UnverifiedResponseError: the reply did not verify.
    fn raise_for_verdict(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        if this.verified {
            return Ok(());
        }
        let err = to_py_err(
            py,
            ccverify::Error::UnverifiedResponse(this.verdict.inner().failure_summary()),
        );
        let value = err.value(py);
        value.setattr("response", slf)?;
        value.setattr("verdict", Py::new(py, this.verdict.clone())?)?;
        Err(err)
    }

    /// The body of a plain (non-streamed) reply parsed as JSON (json.loads).
    ///
    /// Raises:
    ///     InvalidStateError: the reply is an SSE stream (parse its events instead).
    ///     ValueError: the body is not JSON (json.JSONDecodeError).
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.stream {
            return Err(to_py_err(
                py,
                ccverify::Error::InvalidState(
                    "json(): the reply is an SSE stream, not one JSON document".into(),
                ),
            ));
        }
        py.import("json")?
            .getattr("loads")?
            .call1((self.body.bind(py),))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "ChatResponse(status={}, verified={}, attested={}, stream={}, body=<{} bytes>)",
            self.status,
            if self.verified { "True" } else { "False" },
            if self.attested { "True" } else { "False" },
            if self.stream { "True" } else { "False" },
            self.body.bind(py).as_bytes().len(),
        )
    }
}

/// An attested session with one model, on io.net's gateway (or any server speaking its API,
/// such as `ccverify sandbox`).
///
/// Create one with Session.attest(). Chat with chat() (plain), chat_stream() (chunks to a
/// callback) or iter_stream() (chunks from an iterator). Every method blocks with the GIL
/// released; a Session may be shared between threads.
///
/// Attributes:
///     verdict: the attestation Verdict (its "summary" fact says what is and is not proven).
///     attested: whether the attestation verified.
///     signing_address: the pinned signing address (EIP-55), or None when the attestation
///         carried no well-formed one.
///     model_id: the model attested.
///     nonce: the fresh nonce sent with the attestation request (64 hex digits).
///     base_url: the gateway base URL, without "/v1".
#[pyclass(frozen, module = "ccverify", name = "Session")]
pub(crate) struct Session {
    inner: Arc<net::Session>,
    base_url: String,
    /// Set by close(): the session sends nothing more.
    closed: std::sync::atomic::AtomicBool,
}

impl Session {
    /// The core session, unless close() was called (`InvalidStateError`).
    fn live(&self, py: Python<'_>) -> PyResult<&Arc<net::Session>> {
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err(to_py_err(
                py,
                ccverify::Error::InvalidState("the session is closed".into()),
            ));
        }
        Ok(&self.inner)
    }
}

#[pymethods]
impl Session {
    /// Attest model_id with a fresh nonce and verify the answer; returns the session whether
    /// or not the attestation verified (look at verdict / attested).
    ///
    /// RIMs, OCSP answers and Intel collateral are fetched as needed, unless the policy is
    /// offline (policy="offline"); everything used is kept in bundle(). Blocking, with the
    /// GIL released.
    ///
    /// Args:
    ///     model_id: the model UUID to attest (Model.model_id of list_models()).
    ///     base_url: the gateway, without "/v1" (None: https://api.intelligence.io.net).
    ///     api_key: the io.net API key, sent as "Authorization: Bearer" (None: $IO_API_KEY).
    ///     policy: the appraisal policy: a preset name ("default", "offline", "strict"), JSON
    ///         or TOML text, or a mapping (as for verify_report()); None: "default".
    ///     allow_unverified: chat even when the attestation did not verify; every reply is then
    ///         unverified (verified False, "session.attestation" failed).
    ///     strict: an unverified reply raises UnverifiedResponseError (carrying the reply as
    ///         .response) instead of being returned with verified False. None (default): on,
    ///         unless allow_unverified is set.
    ///     rim_dir: local NVIDIA RIMs, consulted before NVIDIA's RIM service.
    ///     ocsp_dir: local DER OCSP responses, consulted before the live responders.
    ///     collateral: Intel's collateral for the TDX quote (JSON text, bytes or a mapping);
    ///         None: fetched (unless offline).
    ///     pccs_url: an Intel PCS or PCCS base URL for the collateral (None: Intel PCS).
    ///     rim_url: the base URL of an NVIDIA RIM service (RIMs at {rim_url}/v1/rim/{id};
    ///         None: NVIDIA's), e.g. a `ccverify sandbox --evidence test`'s "rim_url".
    ///     ocsp_url: an OCSP responder to ask about every certificate (None: each
    ///         certificate's own), e.g. the test sandbox's "ocsp_url".
    ///     at: the verification time (timezone-aware datetime, Unix seconds or RFC 3339 text);
    ///         None: the clock at attestation.
    ///     timeout: seconds per request, connection to last byte (streams: per read); None:
    ///         120.
    ///     retries: retries on connection failures, 429 and 5xx (None: 3).
    ///     backoff: the first backoff in seconds, doubling up to 8 s; a Retry-After of up to
    ///         30 s is honoured (None: 0.5).
    ///     record_exchanges: keep every chat in bundle(), to re-verify offline later (memory
    ///         grows with each call).
    ///     headers: extra request headers for the gateway (a mapping of str to str or an
    ///         iterable of (name, value) tuples).
    ///     progress: called with one line of text per network step (attestation, fetches,
    ///         retries; also for the session's later retries), with the GIL held, e.g.
    ///         logging.getLogger("ccverify").info. Exceptions it raises are reported through
    ///         sys.unraisablehook and do not stop the call. None: silent.
    ///
    /// Returns:
    ///     The Session.
    ///
    /// Raises:
    ///     NetworkError: the gateway cannot be reached or refuses (e.g. HTTP 401 for a wrong
    ///         key), after the retries.
    ///     InvalidArgumentError: a bad policy, base_url, timeout, backoff, retries or at, or a
    ///         rim_dir/ocsp_dir that cannot be read.
    ///     TypeError: an argument has the wrong type.
    #[staticmethod]
    #[pyo3(
        signature = (
            model_id,
            *,
            base_url = None,
            api_key = None,
            policy = None,
            allow_unverified = false,
            strict = None,
            rim_dir = None,
            ocsp_dir = None,
            collateral = None,
            pccs_url = None,
            rim_url = None,
            ocsp_url = None,
            at = None,
            timeout = None,
            retries = None,
            backoff = None,
            record_exchanges = false,
            headers = None,
            progress = None,
            cancel = None,
        ),
        text_signature = "(model_id, *, base_url=None, api_key=None, policy=None, \
            allow_unverified=False, strict=None, rim_dir=None, ocsp_dir=None, collateral=None, \
            pccs_url=None, rim_url=None, ocsp_url=None, at=None, timeout=None, retries=None, \
            backoff=None, \
            record_exchanges=False, headers=None, progress=None, cancel=None)"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "the Python keyword arguments of the documented signature"
    )]
    fn attest(
        py: Python<'_>,
        model_id: String,
        base_url: Option<String>,
        api_key: Option<String>,
        policy: Option<&Bound<'_, PyAny>>,
        allow_unverified: bool,
        strict: Option<bool>,
        rim_dir: Option<PathBuf>,
        ocsp_dir: Option<PathBuf>,
        collateral: Option<&Bound<'_, PyAny>>,
        pccs_url: Option<String>,
        rim_url: Option<String>,
        ocsp_url: Option<String>,
        at: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        retries: Option<&Bound<'_, PyAny>>,
        backoff: Option<&Bound<'_, PyAny>>,
        record_exchanges: bool,
        headers: Option<&Bound<'_, PyAny>>,
        progress: Option<&Bound<'_, PyAny>>,
        cancel: Option<&CancelToken>,
    ) -> PyResult<Session> {
        let mut config = connection(
            py, base_url, api_key, timeout, retries, backoff, headers, progress,
        )?;
        if let Some(policy) = policy_arg(py, policy)? {
            config.policy = policy;
        }
        config.allow_unverified = allow_unverified;
        config.strict = strict;
        config.rim_dir = rim_dir
            .map(|d| dir_arg(py, d, "rim_dir").map(PathBuf::from))
            .transpose()?;
        config.ocsp_dir = ocsp_dir
            .map(|d| dir_arg(py, d, "ocsp_dir").map(PathBuf::from))
            .transpose()?;
        config.collateral = collateral
            .map(|c| collateral_arg(c).map(|b| b.as_slice().to_vec()))
            .transpose()?;
        config.pccs_url = pccs_url;
        config.rim_url = rim_url;
        config.ocsp_url = ocsp_url;
        config.at = at.map(unix_time).transpose()?;
        config.record_exchanges = record_exchanges;
        let base_url = config.base_url.clone();
        let cancel = token_of(cancel);
        let session = interruptible(py, &cancel, || {
            net::Session::attest_cancellable(config, &model_id, &cancel)
        })?
        .map_err(|e| to_py_err(py, e))?;
        Ok(Session {
            inner: Arc::new(session),
            base_url,
            closed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The attestation verdict (with its "summary" fact).
    #[getter]
    fn verdict(&self) -> Verdict {
        Verdict::from(self.inner.verdict().clone())
    }

    /// Whether the attestation verified.
    #[getter]
    fn attested(&self) -> bool {
        self.inner.attested()
    }

    /// The pinned signing address (EIP-55), or None.
    #[getter]
    fn signing_address(&self) -> Option<String> {
        self.inner.signing_address().map(|a| a.to_checksum())
    }

    /// The model attested.
    #[getter]
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    /// The nonce sent with the attestation request (64 lower-case hex digits).
    #[getter]
    fn nonce(&self) -> String {
        self.inner.nonce_hex()
    }

    /// The gateway base URL, without "/v1".
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The evidence bundle as JSON text: the attestation, nonce, RIMs, OCSP answers, Intel
    /// collateral, policy and time it was verified with, and the recorded exchanges
    /// (record_exchanges=True). Save it and re-verify it offline with verify_bundle().
    fn bundle(&self, py: Python<'_>) -> String {
        let session = &self.inner;
        py.detach(|| session.bundle().to_json())
    }

    /// Send one plain completion (POST /v1/private/completions) and verify the reply against
    /// the pinned signing key. Blocking, with the GIL released.
    ///
    /// Args:
    ///     body: the request: bytes-like (sent exactly), str (UTF-8) or a mapping, serialised
    ///         with json.dumps(body, separators=(",", ":")). The exact bytes sent are
    ///         ChatResponse.request.
    ///
    /// Returns:
    ///     A ChatResponse; look at its verified (and verdict).
    ///
    /// Raises:
    ///     UnverifiedResponseError: the reply did not verify (strict sessions, the default);
    ///         .response is the ChatResponse with its verdict.
    ///     AttestationFailedError: the attestation did not verify and allow_unverified is off.
    ///     NetworkError: the gateway cannot be reached or answers with an error status (error
    ///         replies are never signed), after the retries.
    ///     KeyboardInterrupt: Ctrl-C; the request in flight is aborted.
    ///     TimeoutError: the call took longer than timeout= seconds (the whole call, not one
    ///         read); the request in flight is aborted.
    ///     LimitExceededError: the reply is larger than 32 MiB.
    ///     TypeError: body has the wrong type.
    #[pyo3(signature = (body, *, cancel = None, timeout = None))]
    fn chat(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        cancel: Option<&CancelToken>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ChatResponse> {
        let request = body_arg(body, false)?.unbind();
        let session = self.live(py)?;
        let bytes = request.as_bytes(py);
        let cancel = token_of(cancel);
        let deadline = deadline(timeout)?;
        let reply = interruptible_until(py, &cancel, deadline, || {
            session.chat_cancellable(bytes, &cancel)
        })?
        .map_err(|e| chat_err(py, e, &request))?;
        Ok(ChatResponse::new(py, reply, request))
    }

    /// Send one streamed completion and verify the whole stream; its events go to on_chunk
    /// as they arrive. Blocking, with the GIL released while reading.
    ///
    /// on_chunk never sees the relayed bytes: each call carries events re-serialised from
    /// data lines the agent hashed (``data: <payload>\n\n``), and the last one ends with
    /// ``data: [DONE]\n\n`` only if the stream and the session verified.
    ///
    /// Args:
    ///     body: as for chat(); a mapping without a "stream" key is sent with "stream": true.
    ///     hold: pass nothing to on_chunk until the whole stream verified, then the whole body
    ///         at once (nothing at all when it did not verify).
    ///     on_chunk: called with the events (bytes) as they arrive, with the GIL held. An
    ///         exception it raises aborts the stream (the connection is closed) and propagates;
    ///         so does a signal such as KeyboardInterrupt arriving between chunks.
    ///
    /// Returns:
    ///     A ChatResponse whose body is every event passed on (the canonical stream) and whose
    ///     verdict covers the stream received.
    ///
    /// Raises:
    ///     As chat(); NetworkError also when the connection is lost mid-stream.
    #[pyo3(signature = (body, *, hold = false, on_chunk = None, cancel = None, timeout = None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "the Python keyword arguments of the documented signature"
    )]
    fn chat_stream(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        hold: bool,
        on_chunk: Option<&Bound<'_, PyAny>>,
        cancel: Option<&CancelToken>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ChatResponse> {
        let deadline = deadline(timeout)?;
        let request = body_arg(body, true)?;
        let callback: Option<Py<PyAny>> = match on_chunk {
            Some(c) if !c.is_callable() => {
                return Err(PyTypeError::new_err(format!(
                    "on_chunk must be a callable taking bytes, or None, not {}",
                    type_name(c)
                )));
            }
            other => other.map(|c| c.clone().unbind()),
        };
        let cancel = token_of(cancel);
        let mut stream = {
            let session = self.live(py)?;
            let bytes = request.as_bytes();
            let token = cancel.clone();
            interruptible_until(py, &cancel, deadline, move || {
                session.stream(bytes, hold, token)
            })?
        }
        .map_err(|e| chat_err(py, e, &request.clone().unbind()))?;
        let request = request.unbind();
        loop {
            let next = interruptible_until(py, &cancel, deadline, || stream.next_chunk())?;
            match next.map_err(|e| chat_err(py, e, &request))? {
                Some(chunk) => {
                    if let Some(callback) = &callback {
                        // An exception here drops the stream: the connection is closed.
                        callback.call1(py, (PyBytes::new(py, &chunk),))?;
                    }
                }
                None => break,
            }
        }
        let reply = stream
            .into_response()
            .map_err(|e| chat_err(py, e, &request))?;
        Ok(ChatResponse::new(py, reply, request))
    }

    /// Send one streamed completion and iterate over its chunks as they arrive.
    ///
    /// The completion runs on a background thread (started at once); iterating waits for each
    /// chunk with the GIL released. When the iterator is exhausted, its response attribute is
    /// the ChatResponse with the verdict; an error (NetworkError, AttestationFailedError, ...)
    /// is raised by the iteration instead. close() (or leaving a with block, or dropping the
    /// iterator) aborts the stream.
    ///
    /// Args:
    ///     body: as for chat_stream().
    ///     hold: yield nothing until the whole stream verified, then the whole body as one
    ///         chunk (nothing when it did not verify).
    ///
    /// Returns:
    ///     A ChatStream: an iterator of bytes.
    ///
    /// Raises:
    ///     TypeError: body has the wrong type.
    ///     OSError: the background thread cannot be started.
    #[pyo3(signature = (body, *, hold = false, cancel = None))]
    fn iter_stream(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        hold: bool,
        cancel: Option<&CancelToken>,
    ) -> PyResult<ChatStream> {
        let request = body_arg(body, true)?;
        let cancel = token_of(cancel);
        let stream = {
            let session = self.live(py)?;
            let bytes = request.as_bytes();
            let token = cancel.clone();
            interruptible(py, &cancel, move || session.stream(bytes, hold, token))?
        }
        .map_err(|e| chat_err(py, e, &request.clone().unbind()))?;
        Ok(ChatStream {
            stream: Mutex::new(Some(stream)),
            cancel,
            request: request.unbind(),
            response: OnceLock::new(),
        })
    }

    /// Close the session: later chats raise InvalidStateError (the verdict, bundle() and the
    /// other properties stay readable). Also what leaving a ``with`` block does.
    fn close(&self) {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether close() was called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close();
        false
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let address = match self.signing_address() {
            Some(a) => PyString::new(py, &a).repr()?.to_string(),
            None => "None".to_string(),
        };
        Ok(format!(
            "Session(model_id={}, attested={}, signing_address={address}, base_url={})",
            PyString::new(py, self.inner.model_id()).repr()?,
            if self.inner.attested() {
                "True"
            } else {
                "False"
            },
            PyString::new(py, &self.base_url).repr()?,
        ))
    }
}

/// A streamed completion being received: an iterator of bytes chunks (from
/// Session.iter_stream()).
///
/// Iterating blocks, with the GIL released, until the next verified chunk arrives; Ctrl-C
/// aborts the request and raises KeyboardInterrupt. After the last chunk, response is the
/// ChatResponse with the verdict; an error ends the iteration by being raised
/// (UnverifiedResponseError at the end of a stream that did not verify, in a strict session).
/// Use it in a with block, or call close(), to abort a stream you stop reading.
#[pyclass(frozen, module = "ccverify", name = "ChatStream")]
pub(crate) struct ChatStream {
    /// None once the end (or an error) was delivered, or after close().
    stream: Mutex<Option<net::ChatStream>>,
    cancel: Cancel,
    request: Py<PyBytes>,
    response: OnceLock<Py<ChatResponse>>,
}

#[pymethods]
impl ChatStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyBytes>>> {
        let step = interruptible(py, &self.cancel, || {
            let mut slot = lock(&self.stream);
            let Some(stream) = slot.as_mut() else {
                return Ok(Step::Done);
            };
            match stream.next_chunk() {
                Ok(Some(chunk)) => Ok(Step::Chunk(chunk)),
                Ok(None) => {
                    let reply = stream.response().cloned();
                    *slot = None;
                    Ok(Step::End(reply))
                }
                Err(e) => {
                    *slot = None;
                    Err(e)
                }
            }
        })?;
        match step.map_err(|e| chat_err(py, e, &self.request))? {
            Step::Chunk(chunk) => Ok(Some(PyBytes::new(py, &chunk).unbind())),
            Step::End(Some(reply)) => {
                let reply = ChatResponse::new(py, reply, self.request.clone_ref(py));
                let _ = self.response.set(Py::new(py, reply)?);
                Ok(None)
            }
            Step::End(None) | Step::Done => Ok(None),
        }
    }

    /// The ChatResponse (with the verdict) once the iterator is exhausted, else None.
    #[getter]
    fn response(&self, py: Python<'_>) -> Option<Py<ChatResponse>> {
        self.response.get().map(|r| r.clone_ref(py))
    }

    /// The stream's Verdict once the iterator is exhausted.
    ///
    /// Raises:
    ///     InvalidStateError: the stream has not ended (a partial stream has no verdict).
    #[getter]
    fn verdict(&self, py: Python<'_>) -> PyResult<Verdict> {
        match self.response.get() {
            Some(r) => Ok(r.get().verdict.clone()),
            None => Err(to_py_err(
                py,
                ccverify::Error::InvalidState(
                    "the stream has not ended: its verdict comes at the end".into(),
                ),
            )),
        }
    }

    /// The exact bytes sent.
    #[getter]
    fn request(&self, py: Python<'_>) -> Py<PyBytes> {
        self.request.clone_ref(py)
    }

    /// Abort the stream if it is still being received: the request is aborted (the
    /// connection closed) at once and iteration stops. Harmless after the end.
    fn close(&self, py: Python<'_>) {
        self.cancel.cancel();
        py.detach(|| *lock(&self.stream) = None);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }
}

/// One step of a ChatStream.
enum Step {
    Chunk(Vec<u8>),
    End(Option<net::ChatResponse>),
    Done,
}

/// List the gateway's models (GET /v1/models). Blocking, with the GIL released.
///
/// Args:
///     base_url, api_key, timeout, retries, backoff, headers, progress: as for
///         Session.attest().
///
/// Returns:
///     A list of Model (name, model_id, supports_attestation).
///
/// Raises:
///     NetworkError: the gateway cannot be reached, refuses, or answers something that is not
///         a model list.
///     InvalidArgumentError, TypeError: a bad argument.
#[pyfunction]
#[pyo3(
    signature = (
        *,
        base_url = None,
        api_key = None,
        timeout = None,
        retries = None,
        backoff = None,
        headers = None,
        progress = None,
    ),
    text_signature = "(*, base_url=None, api_key=None, timeout=None, retries=None, \
        backoff=None, headers=None, progress=None)"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the Python keyword arguments of the documented signature"
)]
fn list_models(
    py: Python<'_>,
    base_url: Option<String>,
    api_key: Option<String>,
    timeout: Option<&Bound<'_, PyAny>>,
    retries: Option<&Bound<'_, PyAny>>,
    backoff: Option<&Bound<'_, PyAny>>,
    headers: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Model>> {
    let config = connection(
        py, base_url, api_key, timeout, retries, backoff, headers, progress,
    )?;
    let cancel = Cancel::new();
    let models = interruptible(py, &cancel, || {
        net::list_models_cancellable(&config, &cancel)
    })?
    .map_err(|e| to_py_err(py, e))?;
    Ok(models
        .into_iter()
        .map(|m| Model {
            name: m.name,
            model_id: m.model_id,
            supports_attestation: m.supports_attestation,
        })
        .collect())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Session>()?;
    m.add_class::<ChatResponse>()?;
    m.add_class::<ChatStream>()?;
    m.add_class::<CancelToken>()?;
    m.add_class::<Model>()?;
    m.add_function(wrap_pyfunction!(list_models, m)?)?;
    Ok(())
}
