//! `CcverifyError`: one variant per core `ErrorKind` (Kotlin `CcverifyException.<Name>`,
//! Swift `CcverifyError.<name>`), each with the shared `code`.

use crate::ChatResponse;

/// Why a call could not run (bad evidence is never an error: it is a failed check). Variant
/// names match the `code` of errors in every binding (`InvalidNonce` ↔ `"invalid_nonce"`).
/// Kotlin sees this as `CcverifyException`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CcverifyError {
    /// A malformed argument.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
    /// A nonce the agent would reject, or one without freshness.
    #[error("invalid nonce: {reason}")]
    InvalidNonce {
        /// What is wrong.
        reason: String,
    },
    /// An address that is not 40 hex digits or fails its EIP-55 checksum.
    #[error("invalid address: {reason}")]
    InvalidAddress {
        /// What is wrong.
        reason: String,
    },
    /// A malformed or unrecoverable signature.
    #[error("invalid signature: {reason}")]
    InvalidSignature {
        /// What is wrong.
        reason: String,
    },
    /// An input over a documented size limit.
    #[error("limit exceeded: {reason}")]
    LimitExceeded {
        /// What is wrong.
        reason: String,
    },
    /// An object used in a state that forbids the call.
    #[error("invalid state: {reason}")]
    InvalidState {
        /// What is wrong.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("rng: {reason}")]
    Rng {
        /// What is wrong.
        reason: String,
    },
    /// A network step failed: connection, TLS, timeout, or an HTTP error status that persisted
    /// after the retries (raised only by the client: `attest`, `listModels`, `Session.chat`,
    /// `Session.chatStream`; the offline verifications never touch the network).
    #[error("network: {reason}")]
    Network {
        /// What is wrong.
        reason: String,
    },
    /// The attestation did not verify and the caller did not allow unverified use, so the
    /// session refused to continue.
    #[error("attestation failed: {reason}")]
    AttestationFailed {
        /// What is wrong.
        reason: String,
    },
    /// A strict session (the default) got a reply that did not verify; the reply and its
    /// verdict are in `response`.
    #[error("unverified response: {reason}")]
    UnverifiedResponse {
        /// The failing and skipped checks.
        reason: String,
        /// The reply with its verdict (absent only when the error did not come from a chat).
        response: Option<ChatResponse>,
    },
    /// The call was cancelled (the coroutine or task was cancelled); the request in flight was
    /// aborted.
    #[error("cancelled: {reason}")]
    Cancelled {
        /// What was cancelled.
        reason: String,
    },
    /// A bug; please report it.
    #[error("internal: {reason}")]
    Internal {
        /// What is wrong.
        reason: String,
    },
}

impl CcverifyError {
    /// The stable code shared with every binding, e.g. `"invalid_address"`.
    pub fn code(&self) -> &'static str {
        match self {
            CcverifyError::InvalidArgument { .. } => "invalid_argument",
            CcverifyError::InvalidNonce { .. } => "invalid_nonce",
            CcverifyError::InvalidAddress { .. } => "invalid_address",
            CcverifyError::InvalidSignature { .. } => "invalid_signature",
            CcverifyError::LimitExceeded { .. } => "limit_exceeded",
            CcverifyError::InvalidState { .. } => "invalid_state",
            CcverifyError::Rng { .. } => "rng",
            CcverifyError::Network { .. } => "network",
            CcverifyError::AttestationFailed { .. } => "attestation_failed",
            CcverifyError::UnverifiedResponse { .. } => "unverified_response",
            CcverifyError::Cancelled { .. } => "cancelled",
            CcverifyError::Internal { .. } => "internal",
        }
    }
}

impl From<ccverify::Error> for CcverifyError {
    fn from(e: ccverify::Error) -> Self {
        let reason = e.reason().to_string();
        match e.kind() {
            ccverify::ErrorKind::InvalidArgument => CcverifyError::InvalidArgument { reason },
            ccverify::ErrorKind::InvalidNonce => CcverifyError::InvalidNonce { reason },
            ccverify::ErrorKind::InvalidAddress => CcverifyError::InvalidAddress { reason },
            ccverify::ErrorKind::InvalidSignature => CcverifyError::InvalidSignature { reason },
            ccverify::ErrorKind::LimitExceeded => CcverifyError::LimitExceeded { reason },
            ccverify::ErrorKind::InvalidState => CcverifyError::InvalidState { reason },
            ccverify::ErrorKind::Rng => CcverifyError::Rng { reason },
            ccverify::ErrorKind::Network => CcverifyError::Network { reason },
            ccverify::ErrorKind::AttestationFailed => CcverifyError::AttestationFailed { reason },
            ccverify::ErrorKind::UnverifiedResponse => CcverifyError::UnverifiedResponse {
                reason,
                response: None,
            },
            ccverify::ErrorKind::Cancelled => CcverifyError::Cancelled { reason },
            _ => CcverifyError::Internal { reason },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CcverifyError;

    #[test]
    fn every_core_error_kind_has_its_own_variant() {
        for kind in ccverify::ErrorKind::ALL {
            let e = ccverify::Error::new(*kind, "r");
            assert_eq!(e.kind(), *kind);
            let mapped = CcverifyError::from(e);
            assert_eq!(mapped.code(), kind.as_str());
            assert!(mapped.to_string().ends_with(": r"), "{mapped}");
        }
    }
}
