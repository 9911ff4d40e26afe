//! Python exceptions for the core's [`ErrorKind`]s, and the one place core errors and panics
//! become Python exceptions.
//!
//! `ccverify.Error` (a subclass of `Exception`) is the base; there is one subclass per kind,
//! carrying the kind's stable name as the class attribute `code` and its stable number (the C
//! status value) as `number`. A failed verification is never an exception: it is a verdict
//! with failed checks.

use ccverify::ErrorKind;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;

create_exception!(
    ccverify,
    Error,
    PyException,
    "Base class of every error ccverify raises.\n\n\
     Errors mean the call could not run (a malformed expected address, an invalid nonce, a\n\
     stream verifier used after finish()). Bad evidence is never an error: it is a failed check\n\
     in the returned Verdict.\n\n\
     Attributes:\n    \
     code: the stable snake_case name of the error kind, e.g. \"invalid_address\".\n    \
     number: the stable number of the kind (the C binding's status value)."
);
create_exception!(
    ccverify,
    InvalidArgumentError,
    Error,
    "A caller-supplied argument is malformed (code \"invalid_argument\", number 1)."
);
create_exception!(
    ccverify,
    InvalidNonceError,
    Error,
    "A nonce cannot be normalised the way the io.net agent does it, or carries no freshness \
     (code \"invalid_nonce\", number 2)."
);
create_exception!(
    ccverify,
    InvalidAddressError,
    Error,
    "An Ethereum address is malformed or fails its EIP-55 checksum (code \"invalid_address\", \
     number 3)."
);
create_exception!(
    ccverify,
    InvalidSignatureError,
    Error,
    "A signature is malformed or no key can be recovered from it (code \"invalid_signature\", \
     number 4)."
);
create_exception!(
    ccverify,
    LimitExceededError,
    Error,
    "An input exceeded a documented size limit (code \"limit_exceeded\", number 5)."
);
create_exception!(
    ccverify,
    InvalidStateError,
    Error,
    "An object was used in a state that does not allow the call, e.g. StreamVerifier.update() \
     after finish() (code \"invalid_state\", number 6)."
);
create_exception!(
    ccverify,
    RngError,
    Error,
    "The operating system's random number generator failed (code \"rng\", number 7)."
);
create_exception!(
    ccverify,
    NetworkError,
    Error,
    "A network step failed: connection, TLS, timeout, or an HTTP error status that persisted \
     after the retries (code \"network\", number 8). Offline verification never raises it."
);
create_exception!(
    ccverify,
    AttestationFailedError,
    Error,
    "The attestation did not verify and unverified use was not allowed, so the call refused to \
     continue (code \"attestation_failed\", number 9). The verdict says which checks failed."
);
create_exception!(
    ccverify,
    UnverifiedResponseError,
    Error,
    "A strict session (the default) received a reply that did not verify (code \"unverified_response\", \
     number 10). `.response` is the ChatResponse, with its verdict; `.verdict` its verdict."
);
create_exception!(
    ccverify,
    CancelledError,
    Error,
    "The call was cancelled (Ctrl-C, a timeout, or task cancellation) and the request in flight \
     was aborted (code \"cancelled\", number 11)."
);
create_exception!(
    ccverify,
    InternalError,
    Error,
    "A bug in ccverify: an invariant did not hold, or the Rust code panicked. Please report it \
     (code \"internal\", number 99)."
);

/// The exception class of every kind this binding knows, in the core's number order.
fn classes(py: Python<'_>) -> [(ErrorKind, Bound<'_, PyType>); 12] {
    [
        (
            ErrorKind::InvalidArgument,
            py.get_type::<InvalidArgumentError>(),
        ),
        (ErrorKind::InvalidNonce, py.get_type::<InvalidNonceError>()),
        (
            ErrorKind::InvalidAddress,
            py.get_type::<InvalidAddressError>(),
        ),
        (
            ErrorKind::InvalidSignature,
            py.get_type::<InvalidSignatureError>(),
        ),
        (
            ErrorKind::LimitExceeded,
            py.get_type::<LimitExceededError>(),
        ),
        (ErrorKind::InvalidState, py.get_type::<InvalidStateError>()),
        (ErrorKind::Rng, py.get_type::<RngError>()),
        (ErrorKind::Network, py.get_type::<NetworkError>()),
        (
            ErrorKind::AttestationFailed,
            py.get_type::<AttestationFailedError>(),
        ),
        (
            ErrorKind::UnverifiedResponse,
            py.get_type::<UnverifiedResponseError>(),
        ),
        (ErrorKind::Cancelled, py.get_type::<CancelledError>()),
        (ErrorKind::Internal, py.get_type::<InternalError>()),
    ]
}

/// Adds `Error` and its subclasses to the module and sets each subclass's `code` and `number`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    for (kind, class) in classes(py) {
        class.setattr("code", kind.as_str())?;
        class.setattr("number", kind.code())?;
        m.add(class.name()?, class)?;
    }
    m.add_function(wrap_pyfunction!(_test_panic, m)?)?;
    Ok(())
}

/// Converts a core error to the exception of its kind (kinds added to the core after this
/// binding was written become `InternalError`, whose message still names them).
pub(crate) fn to_py_err(py: Python<'_>, err: ccverify::Error) -> PyErr {
    let kind = err.kind();
    let class = classes(py)
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map_or_else(|| py.get_type::<InternalError>(), |(_, class)| class);
    PyErr::from_type(class, err.to_string())
}

/// Runs core code, turning a panic into `InternalError` (the core's documented mapping for a
/// caught panic) instead of PyO3's `PanicException`, which derives from `BaseException` and so
/// escapes `except Exception` / `except ccverify.Error`.
pub(crate) fn guard<T>(work: impl FnOnce() -> T) -> Result<T, ccverify::Error> {
    ccverify::error::catch_panic(work)
}

/// Test hook, not API: panics inside the same guard every export uses, so the test suite can
/// check that a panic arrives as `InternalError`.
#[pyfunction]
#[allow(
    clippy::panic,
    reason = "the one deliberate panic, to test the panic boundary"
)]
fn _test_panic(py: Python<'_>, message: String) -> PyResult<()> {
    guard(|| std::panic::panic_any::<String>(message)).map_err(|e| to_py_err(py, e))
}
