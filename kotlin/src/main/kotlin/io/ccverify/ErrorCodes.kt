package io.ccverify

/**
 * The stable error code shared with every ccverify binding (C `CCVERIFY_STATUS_*` names,
 * Python and Node `.code`), e.g. `"invalid_address"`.
 */
val CcverifyException.code: String
    get() = when (this) {
        is CcverifyException.InvalidArgument -> "invalid_argument"
        is CcverifyException.InvalidNonce -> "invalid_nonce"
        is CcverifyException.InvalidAddress -> "invalid_address"
        is CcverifyException.InvalidSignature -> "invalid_signature"
        is CcverifyException.LimitExceeded -> "limit_exceeded"
        is CcverifyException.InvalidState -> "invalid_state"
        is CcverifyException.Rng -> "rng"
        is CcverifyException.Network -> "network"
        is CcverifyException.AttestationFailed -> "attestation_failed"
        is CcverifyException.UnverifiedResponse -> "unverified_response"
        is CcverifyException.Cancelled -> "cancelled"
        is CcverifyException.Internal -> "internal"
    }
