"""Verify io.net Confidential Inference signed responses.

The io.net agent signs ``text = sha256(request) ":" sha256(response)`` with an attested key
(EIP-191, secp256k1). Recovering the signer alone accepts a valid signature over *any*
exchange; ccverify recomputes both hashes from the exact bytes you sent and received, with the
agent's byte-exact rules, and checks the signer against the address you pinned from a
verified attestation.

- :func:`verify_response` — a plain JSON response (signature material in the headers);
- :func:`verify_stream` / :class:`StreamVerifier` — an SSE stream with an ``event: signature``
  block, whole or incrementally;
- :func:`verify_gpu` — the NVIDIA GPU evidence of an attestation (SPDM reports, certificate
  chains, RIMs and golden measurements, OCSP), per GPU;
- :func:`verify_tdx` — the Intel TDX quote of an attestation (Intel's collateral, PCK chain and
  quote signature, TCB status, TD attributes, measurement allowlists, REPORTDATA = your nonce);
- :func:`recover_address`, :func:`generate_nonce`, :func:`normalize_nonce` — the primitives.

Every verification returns a :class:`Verdict` (a table of named :class:`Check` rows) and never
raises for bad evidence. Exceptions, all subclasses of :class:`Error`, mean the call itself was
wrong (e.g. a malformed expected address or nonce). The work runs in Rust with the GIL released.
"""

from ccverify._native import (
    Check,
    Error,
    InternalError,
    InvalidAddressError,
    InvalidArgumentError,
    InvalidNonceError,
    InvalidSignatureError,
    InvalidStateError,
    LimitExceededError,
    RngError,
    StreamVerifier,
    Verdict,
    __version__ as __version__,
    generate_nonce,
    normalize_nonce,
    recover_address,
    verify_gpu,
    verify_response,
    verify_stream,
    verify_tdx,
)

__all__ = [
    "Check",
    "Error",
    "InternalError",
    "InvalidAddressError",
    "InvalidArgumentError",
    "InvalidNonceError",
    "InvalidSignatureError",
    "InvalidStateError",
    "LimitExceededError",
    "RngError",
    "StreamVerifier",
    "Verdict",
    "generate_nonce",
    "normalize_nonce",
    "recover_address",
    "verify_gpu",
    "verify_response",
    "verify_stream",
    "verify_tdx",
]
