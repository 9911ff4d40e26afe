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
    /// after the retries (feature `net`; never raised by offline verification).
    #[error("network error: {0}")]
    Network(String),
    /// The attestation did not verify and the caller did not allow unverified use, so the
    /// session refused to continue. The verdict says which checks failed.
    #[error("attestation failed: {0}")]
    AttestationFailed(String),
    /// A bug: an invariant of this library did not hold. Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The stable category of an [`Error`]. Names and numbers are API: every binding exposes the
/// same names (C: `CCVERIFY_STATUS_<NAME>`, Python/Node/Kotlin/Swift: the `code`), and a number
/// is never reused for another meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::InvalidNonce`].
    InvalidNonce,
    /// See [`Error::InvalidAddress`].
    InvalidAddress,
    /// See [`Error::InvalidSignature`].
    InvalidSignature,
    /// See [`Error::LimitExceeded`].
    LimitExceeded,
    /// See [`Error::InvalidState`].
    InvalidState,
    /// See [`Error::Rng`].
    Rng,
    /// See [`Error::Internal`] (also used by bindings for a caught panic).
    Internal,
    /// See [`Error::Network`].
    Network,
    /// See [`Error::AttestationFailed`].
    AttestationFailed,
}

impl ErrorKind {
    /// Every kind, in number order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidNonce,
        ErrorKind::InvalidAddress,
        ErrorKind::InvalidSignature,
        ErrorKind::LimitExceeded,
        ErrorKind::InvalidState,
        ErrorKind::Rng,
        ErrorKind::Internal,
        ErrorKind::Network,
        ErrorKind::AttestationFailed,
    ];

    /// The stable snake_case name, e.g. `"invalid_nonce"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::InvalidNonce => "invalid_nonce",
            ErrorKind::InvalidAddress => "invalid_address",
            ErrorKind::InvalidSignature => "invalid_signature",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::Rng => "rng",
            ErrorKind::Internal => "internal",
            ErrorKind::Network => "network",
            ErrorKind::AttestationFailed => "attestation_failed",
        }
    }

    /// The stable number (the C status value). 0 means success and is never an error.
    pub fn code(self) -> u32 {
        match self {
            ErrorKind::InvalidArgument => 1,
            ErrorKind::InvalidNonce => 2,
            ErrorKind::InvalidAddress => 3,
            ErrorKind::InvalidSignature => 4,
            ErrorKind::LimitExceeded => 5,
            ErrorKind::InvalidState => 6,
            ErrorKind::Rng => 7,
            ErrorKind::Internal => 99,
            ErrorKind::Network => 8,
            ErrorKind::AttestationFailed => 9,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
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
        }
    }
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
    }
}
