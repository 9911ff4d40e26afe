//! Errors: a rich internal [`Error`] and the small, stable [`ErrorKind`] every binding exposes.
//!
//! A verification that *runs* never returns an error: malformed evidence, bad signatures and
//! mismatched hashes are failed checks inside a [`crate::Verdict`]. Errors are reserved for
//! calls that cannot run at all — an unparsable expected address, an invalid nonce, a stream
//! verifier used after it finished — so callers can tell "the evidence is bad" from "the call
//! was wrong".

/// Everything that can go wrong in a call, with a human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied argument is malformed (e.g. headers that are not strings).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A nonce could not be normalised the way the io.net agent does it.
    #[error("invalid nonce: {0}")]
    InvalidNonce(String),
    /// An Ethereum address is malformed or fails its EIP-55 checksum.
    #[error("invalid address: {0}")]
    InvalidAddress(String),
    /// A signature is malformed or no key can be recovered from it.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// An input exceeded a documented size limit.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// An object was used in a state that does not allow the call (e.g. `update` after `finish`).
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Rng(String),
    /// A network step failed: connection, TLS, timeout, or an HTTP error status that persisted
    /// after the retries (by `ccverify-net`; never raised by offline verification).
    #[error("network error: {0}")]
    Network(String),
    /// The attestation did not verify and the caller did not allow unverified use, so the
    /// session refused to continue. The verdict says which checks failed.
    #[error("attestation failed: {0}")]
    AttestationFailed(String),
    /// A strict session (the default) received a reply that did not verify. The client's error
    /// carries the reply and its verdict, so the caller can inspect them; the reason names the
    /// failing and skipped checks.
    #[error("unverified response: {0}")]
    UnverifiedResponse(String),
    /// The caller cancelled the call (a cancel token, or the language's own cancellation:
    /// a cancelled coroutine or task, an `AbortSignal`, a `context.Context`, Ctrl-C); the
    /// HTTP request in flight was aborted.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// A bug: an invariant of this library did not hold. Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The one table of error kinds: each kind's variant, stable number (the C status value), stable
/// name (every binding's `code`) and when it is raised (the README's table and the bindings'
/// docs). Everything else — [`ErrorKind`], its names and numbers, the C status names, Python's
/// exception classes, the README table — is derived from it or checked against it by a test.
macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $kind:ident = $code:literal, $name:literal, $when:literal; )*) => {
        /// The stable category of an [`Error`]. Names and numbers are API: every binding exposes
        /// the same names (C: `CCVERIFY_STATUS_<NAME>`, Python/Node/Kotlin/Swift: the `code`),
        /// and a number is never reused for another meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $( $(#[$doc])* $kind, )*
        }

        impl ErrorKind {
            /// Every kind, in the table's order.
            pub const ALL: &'static [ErrorKind] = &[ $( ErrorKind::$kind, )* ];

            /// The stable snake_case name, e.g. `"invalid_nonce"`.
            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorKind::$kind => $name, )* }
            }

            /// The stable number (the C status value). 0 means success and is never an error.
            pub const fn code(self) -> u32 {
                match self { $( ErrorKind::$kind => $code, )* }
            }

            /// When the kind is raised, in one line (the README's error table).
            pub const fn when(self) -> &'static str {
                match self { $( ErrorKind::$kind => $when, )* }
            }

            /// The kind with this stable number, if any.
            pub fn from_code(code: u32) -> Option<ErrorKind> {
                ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
            }
        }
    };
}

error_kinds! {
    /// See [`Error::InvalidArgument`].
    InvalidArgument = 1, "invalid_argument", "a malformed argument: a value of the wrong type, an unknown or ill-typed option, an unusable policy or directory, an unreadable bundle";
    /// See [`Error::InvalidNonce`].
    InvalidNonce = 2, "invalid_nonce", "a nonce the agent would reject, or one without freshness (empty, all zeros)";
    /// See [`Error::InvalidAddress`].
    InvalidAddress = 3, "invalid_address", "not 40 hex digits (optional `0x`), or a wrong EIP-55 mixed-case checksum";
    /// See [`Error::InvalidSignature`].
    InvalidSignature = 4, "invalid_signature", "a signature given to a recovery helper is malformed or unrecoverable";
    /// See [`Error::LimitExceeded`].
    LimitExceeded = 5, "limit_exceeded", "an input over a documented size limit";
    /// See [`Error::InvalidState`].
    InvalidState = 6, "invalid_state", "e.g. `update` after `finish` on a stream verifier";
    /// See [`Error::Rng`].
    Rng = 7, "rng", "the operating system's random number generator failed";
    /// See [`Error::Network`].
    Network = 8, "network", "the client could not reach the gateway or a service, or got an error status after its retries (never raised offline)";
    /// See [`Error::AttestationFailed`].
    AttestationFailed = 9, "attestation_failed", "a session whose attestation did not verify was asked to chat without `allow_unverified`";
    /// See [`Error::UnverifiedResponse`].
    UnverifiedResponse = 10, "unverified_response", "a strict session (the default) got a reply that did not verify; the error carries the reply and its verdict";
    /// See [`Error::Cancelled`].
    Cancelled = 11, "cancelled", "the caller cancelled the call (cancel token, coroutine or task cancellation, `AbortSignal`, `context.Context`, Ctrl-C); the request in flight was aborted";
    /// See [`Error::Internal`] (also used by bindings for a caught panic).
    Internal = 99, "internal", "a bug (or a caught panic in a binding); please report it";
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The error of `kind` with this reason.
    pub fn new(kind: ErrorKind, reason: impl Into<String>) -> Error {
        let r = reason.into();
        match kind {
            ErrorKind::InvalidArgument => Error::InvalidArgument(r),
            ErrorKind::InvalidNonce => Error::InvalidNonce(r),
            ErrorKind::InvalidAddress => Error::InvalidAddress(r),
            ErrorKind::InvalidSignature => Error::InvalidSignature(r),
            ErrorKind::LimitExceeded => Error::LimitExceeded(r),
            ErrorKind::InvalidState => Error::InvalidState(r),
            ErrorKind::Rng => Error::Rng(r),
            ErrorKind::Network => Error::Network(r),
            ErrorKind::AttestationFailed => Error::AttestationFailed(r),
            ErrorKind::UnverifiedResponse => Error::UnverifiedResponse(r),
            ErrorKind::Cancelled => Error::Cancelled(r),
            ErrorKind::Internal => Error::Internal(r),
        }
    }

    /// The reason alone, without the kind's prefix (`invalid argument: `): for an error
    /// reported inside another message.
    pub fn reason(&self) -> &str {
        match self {
            Error::InvalidArgument(r)
            | Error::InvalidNonce(r)
            | Error::InvalidAddress(r)
            | Error::InvalidSignature(r)
            | Error::LimitExceeded(r)
            | Error::InvalidState(r)
            | Error::Rng(r)
            | Error::Network(r)
            | Error::AttestationFailed(r)
            | Error::UnverifiedResponse(r)
            | Error::Cancelled(r)
            | Error::Internal(r) => r,
        }
    }

    /// The stable category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::InvalidNonce(_) => ErrorKind::InvalidNonce,
            Error::InvalidAddress(_) => ErrorKind::InvalidAddress,
            Error::InvalidSignature(_) => ErrorKind::InvalidSignature,
            Error::LimitExceeded(_) => ErrorKind::LimitExceeded,
            Error::InvalidState(_) => ErrorKind::InvalidState,
            Error::Rng(_) => ErrorKind::Rng,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Network(_) => ErrorKind::Network,
            Error::AttestationFailed(_) => ErrorKind::AttestationFailed,
            Error::UnverifiedResponse(_) => ErrorKind::UnverifiedResponse,
            Error::Cancelled(_) => ErrorKind::Cancelled,
        }
    }
}

/// The text of a caught panic's payload (a `&str` or `String` message; otherwise a
/// placeholder).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// The panic boundary every binding puts around every call into the core (rustls-ffi's
/// `ffi_panic_boundary!` is the model): runs `work` and turns a panic into
/// [`Error::Internal`] (`panic in ccverify: <message>`), so that no panic crosses into C,
/// Python, JavaScript or the JVM, and no binding writes its own boundary.
pub fn catch_panic<T>(work: impl FnOnce() -> T) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|p| panic_error(&*p))
}

/// The [`Error::Internal`] of a caught panic, for a binding that catches one itself (e.g. on a
/// worker thread): `panic in ccverify: <message>`.
pub fn panic_error(payload: &(dyn std::any::Any + Send)) -> Error {
    Error::Internal(format!("panic in ccverify: {}", panic_message(payload)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let mut codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert!(!codes.contains(&0));
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(*kind));
            assert!(!kind.when().is_empty());
        }
        assert_eq!(ErrorKind::from_code(0), None);
    }

    #[test]
    #[allow(clippy::panic, reason = "the panic boundary under test")]
    fn the_panic_boundary_turns_a_panic_into_internal() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        let e = catch_panic(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(e, Error::Internal("panic in ccverify: boom 1".into()));
        let e = catch_panic(|| std::panic::panic_any(42_u8)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Internal);
    }
}
