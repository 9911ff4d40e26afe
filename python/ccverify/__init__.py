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
- :func:`verify_report` — a whole attestation (``POST /v1/private/attestation``) for your nonce:
  nonce echo, GPU evidence, TDX quote, image digest, signing address and key binding, under a
  policy (:func:`load_policy`, :data:`POLICY_PRESETS`); its ``summary`` fact says in plain
  words what is and is not proven, its ``signer`` is the attested key to pin;
- :func:`verify_bundle` — re-verify a recorded bundle (attestation, inputs, exchanges) offline;
- :func:`recover_address`, :func:`generate_nonce`, :func:`normalize_nonce` — the primitives;
- :class:`Session` — the io.net client: :meth:`Session.attest` attests a model with a fresh
  nonce and pins its signing key, then :meth:`~Session.chat`, :meth:`~Session.chat_stream` and
  :meth:`~Session.iter_stream` send completions, each returned as a :class:`ChatResponse` with
  its own verdict; :func:`list_models` lists the gateway's models (:class:`Model`);
- :mod:`ccverify.openai` — the official OpenAI SDK routed through a session, every completion
  verified (imported on its own, so ``openai`` is never required by ``ccverify`` itself).

Every verification returns a :class:`Verdict` (a table of named :class:`Check` rows) and never
raises for bad evidence. Exceptions, all subclasses of :class:`Error`, mean the call itself was
wrong (e.g. a malformed expected address or nonce), or that the network failed. The work runs in
Rust with the GIL released.
"""

from __future__ import annotations

from ccverify._native import (
    POLICY_PRESETS,
    AttestationFailedError,
    CancelledError,
    CancelToken,
    UnverifiedResponseError,
    ChatResponse,
    ChatStream,
    Check,
    Error,
    InternalError,
    InvalidAddressError,
    InvalidArgumentError,
    InvalidNonceError,
    InvalidSignatureError,
    InvalidStateError,
    LimitExceededError,
    Model,
    NetworkError,
    RngError,
    Session,
    StreamVerifier,
    Verdict,
    __version__ as __version__,
    generate_nonce,
    list_models,
    load_policy,
    normalize_nonce,
    recover_address,
    request_streams,
    verify_bundle,
    verify_gpu,
    verify_report,
    verify_response,
    verify_stream,
    verify_tdx,
)

__all__ = [
    "POLICY_PRESETS",
    "AttestationFailedError",
    "CancelledError",
    "CancelToken",
    "UnverifiedResponseError",
    "ChatResponse",
    "ChatStream",
    "Check",
    "Error",
    "InternalError",
    "InvalidAddressError",
    "InvalidArgumentError",
    "InvalidNonceError",
    "InvalidSignatureError",
    "InvalidStateError",
    "LimitExceededError",
    "Model",
    "NetworkError",
    "RngError",
    "Session",
    "StreamVerifier",
    "Verdict",
    "generate_nonce",
    "list_models",
    "load_policy",
    "normalize_nonce",
    "recover_address",
    "request_streams",
    "verify_bundle",
    "verify_gpu",
    "verify_report",
    "verify_response",
    "verify_stream",
    "verify_tdx",
]
