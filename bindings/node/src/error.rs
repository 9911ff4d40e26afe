//! Errors: every thrown `Error` carries the shared `code` (`ErrorCode`), and every export runs
//! under `guard`, the panic boundary.

use ccverify::ErrorKind;
use napi_derive::napi;

/// The `code` of every `Error` this module throws: the error names shared by every ccverify
/// binding (C status names, Python, Kotlin and Swift codes).
#[napi(string_enum = "snake_case")]
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum ErrorCode {
    /// A value of the wrong type, an unknown or ill-typed option, an unusable policy or
    /// directory, an unreadable bundle.
    InvalidArgument,
    /// A nonce the agent would refuse, or one without freshness (empty, all zeros).
    InvalidNonce,
    /// Not 40 hex digits (optional `0x`), or a wrong EIP-55 mixed-case checksum.
    InvalidAddress,
    /// A signature given to `recoverAddress` is malformed or unrecoverable.
    InvalidSignature,
    /// An input over a documented size limit (e.g. a bundle over 64 MiB).
    LimitExceeded,
    /// E.g. `update` after `finish` on a {@link StreamVerifier}.
    InvalidState,
    /// The operating system's random number generator failed.
    Rng,
    /// A network step failed (connection, TLS, timeout, a persistent HTTP error after the
    /// retries): the rejections of {@link Session.attest}, {@link Session.chat},
    /// {@link Session.chatStream} and {@link listModels}. The verifications never fetch.
    Network,
    /// A session's attestation did not verify and the config did not allow unverified use
    /// (`allowUnverified`): {@link Session.chat} and {@link Session.chatStream} reject with it.
    /// Verifications return a verdict instead.
    AttestationFailed,
    /// A strict session (the default) got a reply that did not verify: {@link Session.chat}
    /// rejects with it, and `err.response` is the reply with its verdict.
    UnverifiedResponse,
    /// The call was cancelled through its `AbortSignal`; the request in flight was aborted.
    Cancelled,
    /// A bug, including a caught panic; please report it.
    Internal,
}

/// The `code` of a thrown JS error: the core [`ErrorKind`]'s shared name (the values of
/// [`ErrorCode`], which only types them for TypeScript; node/test/report.test.mjs checks that it
/// lists every name).
#[derive(Clone, Copy, Debug)]
pub struct Code(pub(crate) ErrorKind);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

/// A napi error carrying a [`Code`]; napi throws it as `Error` with `.code` set.
pub(crate) type JsError = napi::Error<Code>;

/// The result type of every export (the name `Result` is what napi-derive recognises).
pub(crate) type Result<T> = std::result::Result<T, JsError>;

pub(crate) fn core_error(e: ccverify::Error) -> JsError {
    JsError::new(Code(e.kind()), e.to_string())
}

pub(crate) fn invalid_argument(reason: impl std::fmt::Display) -> JsError {
    core_error(ccverify::Error::InvalidArgument(reason.to_string()))
}

/// Runs `f`, turning a panic into an `internal` error (the outer `catch_unwind` of napi-rs
/// would report it as `GenericFailure`).
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    ccverify::error::catch_panic(f).unwrap_or_else(|e| Err(core_error(e)))
}

/// The rejection value of a failed promise: the same `Error` (with `code`) a synchronous export
/// throws. Built on the JavaScript thread (in `Task::resolve`) and handed back by reference.
pub(crate) fn rejection(env: napi::Env, error: JsError) -> napi::Error {
    napi::Error::from(napi::JsError::from(error).into_unknown(env))
}
