"""Native core of the ``ccverify`` package. Import the public API from ``ccverify``."""

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Literal, Union, final

from typing_extensions import NotRequired, TypedDict

__all__ = [
    "Error",
    "InvalidArgumentError",
    "InvalidNonceError",
    "InvalidAddressError",
    "InvalidSignatureError",
    "LimitExceededError",
    "InvalidStateError",
    "RngError",
    "NetworkError",
    "AttestationFailedError",
    "CancelledError",
    "CancelToken",
    "UnverifiedResponseError",
    "InternalError",
    "Check",
    "Verdict",
    "verify_response",
    "verify_stream",
    "verify_gpu",
    "verify_tdx",
    "verify_report",
    "verify_bundle",
    "load_policy",
    "POLICY_PRESETS",
    "StreamVerifier",
    "recover_address",
    "request_streams",
    "generate_nonce",
    "normalize_nonce",
    "Session",
    "ChatResponse",
    "ChatStream",
    "Model",
    "list_models",
    "Auditor",
    "Results",
    "audit_jsonl",
]

__version__: str

_Bytes = Union[bytes, bytearray, memoryview]
_Headers = Union[Mapping[str, str], Iterable[tuple[str, str]]]
_Status = Literal["pass", "fail", "skip", "warn"]
_Dir = Union[str, os.PathLike[str]]
_TcbStatus = Literal[
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "TDRelaunchAdvised",
    "TDRelaunchAdvisedConfigurationNeeded",
]

_Preset = Literal["default", "offline", "strict"]
_Time = Union[datetime, int, str, None]
#: A policy argument: a preset name, JSON or TOML text, or a mapping of the policy keys.
_PolicyArg = Union[str, Mapping[str, object], None]

class _GpuPolicyDict(TypedDict):
    expected_arch: str
    expected_count: Union[int, None]
    require_revocation: bool
    require_rims: bool
    allow_expired_rims: bool
    allow_hold_for_rims: bool

class _TdxPolicyDict(TypedDict):
    accepted_tcb_statuses: list[_TcbStatus]
    rejected_advisories: list[str]
    allow_debug: bool
    td_attributes: Union[str, None]
    mrtd: list[str]
    rtmr0: list[str]
    rtmr1: list[str]
    rtmr2: list[str]
    rtmr3: list[str]
    mrseam: list[str]
    xfam: list[str]
    max_collateral_age_secs: Union[int, None]
    min_tcb_eval_data_number: Union[int, None]
    fmspc: list[str]
    mrconfigid: list[str]
    mrowner: list[str]
    mrownerconfig: list[str]
    mrsignerseam: list[str]
    seam_attributes: list[str]
    min_tee_tcb_svn: Union[str, None]
    qe_vendor_id: str
    require_sept_ve_disable: bool

class _PolicyDict(TypedDict):
    preset: _Preset
    offline: bool
    image_digests: list[str]
    require_image_digest: bool
    require_key_binding: bool
    gpu: _GpuPolicyDict
    tdx: _TdxPolicyDict
    # Present only when not "production": "test" trusts ccverify's TEST PKI (proves nothing
    # about real hardware), any other text is the path of a PEM file of your own roots; either
    # way verdicts carry a trust.anchors warning.
    trust: NotRequired[str]

class _CheckDict(TypedDict):
    id: str
    status: _Status
    detail: str
    subject: NotRequired[str]

class _VerdictDict(TypedDict):
    verified: bool
    checks: list[_CheckDict]
    signer: Union[str, None]
    facts: dict[str, str]

class Error(Exception):
    """Base class of every error ccverify raises.

    Errors mean the call could not run (a malformed expected address, an invalid nonce, a
    stream verifier used after finish()). Bad evidence is never an error: it is a failed check
    in the returned Verdict.
    """

    code: str
    """The stable snake_case name of the error kind, e.g. ``"invalid_address"``."""
    number: int
    """The stable number of the kind (the C binding's status value)."""

class InvalidArgumentError(Error):
    """A caller-supplied argument is malformed (code "invalid_argument", number 1)."""

class InvalidNonceError(Error):
    """A nonce cannot be normalised the way the agent does it, or carries no freshness (2)."""

class InvalidAddressError(Error):
    """An Ethereum address is malformed or fails its EIP-55 checksum (code "invalid_address", 3)."""

class InvalidSignatureError(Error):
    """A signature is malformed or no key can be recovered from it (code "invalid_signature", 4)."""

class LimitExceededError(Error):
    """An input exceeded a documented size limit (code "limit_exceeded", number 5)."""

class InvalidStateError(Error):
    """An object was used in a state that forbids the call, e.g. update() after finish() (6)."""

class RngError(Error):
    """The operating system's random number generator failed (code "rng", number 7)."""

class NetworkError(Error):
    """A network step failed: connection, TLS, timeout or a persistent HTTP error status
    (code "network", number 8). Offline verification never raises it."""

class AttestationFailedError(Error):
    """The attestation did not verify and unverified use was not allowed, so the call refused
    to continue (code "attestation_failed", number 9)."""

class UnverifiedResponseError(Error):
    """A strict session (the default) received a reply that did not verify (code
    "unverified_response", number 10). ``response`` is the ChatResponse with its verdict."""

    response: ChatResponse
    verdict: Verdict

class CancelledError(Error):
    """The call was cancelled (Ctrl-C, timeout, task cancellation) and the request in flight
    was aborted (code "cancelled", number 11)."""

class InternalError(Error):
    """A bug in ccverify: an invariant did not hold or the Rust code panicked (99)."""

@final
class Check:
    """One row of a verdict: which property was checked, the outcome and why."""

    @property
    def id(self) -> str:
        """Stable identifier of the check, e.g. ``"response.signature"``."""
    @property
    def status(self) -> _Status:
        """``"pass"``, ``"fail"``, ``"skip"`` (could not run; never a pass) or ``"warn"``."""
    @property
    def detail(self) -> str:
        """Why, in plain language, with the values compared."""
    @property
    def subject(self) -> Union[str, None]:
        """What the check is about when a verification covers several things, else None."""
    def to_dict(self) -> _CheckDict:
        """The check as a dict: id, status, detail, plus subject when there is one."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Verdict:
    """The outcome of a verification: a table of named checks.

    ``verified`` is True only when no check failed and none was skipped; ``warn`` does not
    block. Returned by verify_response(), verify_stream(), StreamVerifier.finish(),
    verify_gpu(), verify_tdx(), verify_report() and verify_bundle().
    """

    @property
    def verified(self) -> bool:
        """True only if every check passed or warned: no failure and no skipped check."""
    @property
    def checks(self) -> list[Check]:
        """Every check that was evaluated, in a fixed order (a new list on each access)."""
    @property
    def signer(self) -> Union[str, None]:
        """The EIP-55 address recovered from the signature (even a wrong one); for an
        attestation, the attested ``signing_address`` (the key to pin); or None."""
    @property
    def facts(self) -> dict[str, str]:
        """Computed values by stable name: ``request_hash``, ``response_hash``; for GPU
        evidence ``gpu.count`` and per-GPU values such as ``gpu0.ueid``; for TDX quotes
        ``tdx.mrtd``, ``tdx.tcb_status`` and the quote's other values; for an attestation
        also ``summary``: what is and is not proven, in plain words."""
    def failures(self) -> list[Check]:
        """The failing and skipped checks, in order (empty exactly when verified)."""
    def to_dict(self) -> _VerdictDict:
        """The verdict as plain Python data, the same shape as to_json()."""
    def to_json(self) -> str:
        """The verdict as one compact JSON object, byte for byte the Rust core's."""
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class StreamVerifier:
    """Verify an SSE stream incrementally, while you forward it.

    Feed every chunk to update() as it arrives and forward what it returns (the verified
    events re-serialised, never the raw bytes); call finish() at the real end of the stream,
    then forward tail(). Calls on one verifier are serialised; update() (for chunks of 16 KiB
    or more) and finish() release the GIL.
    """

    def __new__(
        cls, request: _Bytes, *, expected_address: Union[str, None] = None
    ) -> StreamVerifier: ...
    def update(self, chunk: _Bytes) -> bytes:
        """Feed the next bytes of the stream; return what to forward instead of them: the
        events they completed, each exactly one data line the agent hashed
        (``data: <payload>\\n\\n``; often empty).

        Raises InvalidStateError after finish(), TypeError for a chunk of another type.
        """
    def finish(self) -> Verdict:
        """End the stream and return the verdict; raises InvalidStateError if called twice."""
    def tail(self) -> bytes:
        """After finish(): an event the stream ended in without a closing blank line, then
        ``data: [DONE]\\n\\n`` only if the stream verified. Empty before finish()."""

def verify_response(
    request: _Bytes,
    response: _Bytes,
    headers: _Headers,
    *,
    expected_address: Union[str, None] = None,
) -> Verdict:
    """Verify a plain (non-streamed) io.net response against the exact bytes sent and received.

    Raises InvalidAddressError for a malformed expected_address and TypeError for arguments of
    the wrong type (including header names or values that are not str); bad evidence is a
    failed check in the Verdict, never an exception.
    """

def request_streams(request: _Bytes) -> bool:
    """Whether the io.net agent answers this exact request body with a stream (its rule:
    ``stream`` true after pydantic's lax coercion); False for a body it would refuse."""

def verify_stream(
    request: _Bytes,
    stream: _Bytes,
    *,
    expected_address: Union[str, None] = None,
) -> Verdict:
    """Verify a complete io.net SSE stream (every byte, up to the connection's end).

    Raises InvalidAddressError for a malformed expected_address.
    """

def verify_gpu(
    gpu_json: Union[_Bytes, str],
    nonce: str,
    *,
    rim_dir: Union[_Dir, None] = None,
    ocsp_dir: Union[_Dir, None] = None,
    at: Union[datetime, int, str, None] = None,
    expected_count: Union[int, None] = None,
    expected_arch: str = "HOPPER",
    require_revocation: bool = True,
    require_rims: bool = True,
    allow_expired_rims: bool = False,
    allow_hold_for_rims: bool = False,
    trust: Union[str, None] = None,
) -> Verdict:
    """Verify the NVIDIA GPU evidence (the attestation's ``gpu`` JSON) for the nonce you sent.

    Per-GPU checks carry a subject (``"gpu0"``, ...). Strict by default: without RIMs
    (``rim_dir``) and OCSP responses (``ocsp_dir``) the verdict is not verified. ``at`` is a
    timezone-aware datetime, Unix seconds or RFC 3339 text (None: the system clock).

    Raises InvalidNonceError for a bad nonce, InvalidArgumentError for a naive datetime, bad
    ``at`` text, a negative expected_count or an unreadable directory, and TypeError for
    arguments of the wrong type; bad evidence is a failed check in the Verdict.
    """

def verify_tdx(
    quote: Union[_Bytes, str],
    collateral: Union[_Bytes, str],
    *,
    nonce: Union[str, None] = None,
    report_data: Union[str, None] = None,
    at: Union[datetime, int, str, None] = None,
    accepted_tcb_statuses: Sequence[_TcbStatus] = ["UpToDate"],
    rejected_advisories: Sequence[str] = [],
    allow_debug: bool = False,
    td_attributes: Union[str, None] = None,
    mrtd: Sequence[str] = [],
    rtmr0: Sequence[str] = [],
    rtmr1: Sequence[str] = [],
    rtmr2: Sequence[str] = [],
    rtmr3: Sequence[str] = [],
    mrseam: Sequence[str] = [],
    xfam: Sequence[str] = [],
    max_collateral_age_secs: Union[int, None] = None,
    min_tcb_eval_data_number: Union[int, None] = None,
    mrconfigid: Sequence[str] = [],
    mrowner: Sequence[str] = [],
    mrownerconfig: Sequence[str] = [],
    mrsignerseam: Union[Sequence[str], None] = None,
    seam_attributes: Union[Sequence[str], None] = None,
    fmspc: Sequence[str] = [],
    min_tee_tcb_svn: Union[str, None] = None,
    qe_vendor_id: Union[str, None] = None,
    require_sept_ve_disable: bool = True,
    trust: Union[str, None] = None,
) -> Verdict:
    """Verify an Intel TDX quote (binary or io.net's hex ``cpu.quote``) with Intel's collateral
    (dcap-qvl's QuoteCollateralV3 JSON) under a policy.

    Give ``nonce`` (io.net's rule: REPORTDATA = nonce followed by 32 zero bytes) or the exact
    ``report_data`` (128 hex digits); without either the verdict is not verified. The policy
    keywords are the shared policy keys: measurement allowlists are hex (96 digits; 16 for
    ``xfam`` and ``td_attributes``), empty = not pinned (``tdx.measurements`` warns). ``at`` is a
    timezone-aware datetime, Unix seconds or RFC 3339 text (None: the system clock).

    Raises InvalidNonceError for a bad nonce, InvalidArgumentError for both nonce and
    report_data, malformed hex, an unknown or "Revoked" TCB status, a naive datetime, bad ``at``
    text or a negative integer, and TypeError for arguments of the wrong type; bad evidence is a
    failed check in the Verdict.
    """

POLICY_PRESETS: Final[tuple[_Preset, ...]]
"""The policy preset names: ``("default", "offline", "strict")``."""

def verify_report(
    report: Union[_Bytes, str],
    *,
    nonce: str,
    policy: _PolicyArg = None,
    rim_dir: Union[_Dir, None] = None,
    ocsp_dir: Union[_Dir, None] = None,
    collateral: Union[_Bytes, str, Mapping[str, object], None] = None,
    at: _Time = None,
) -> Verdict:
    """Verify a whole io.net attestation (the ``/v1/private/attestation`` JSON) for your nonce.

    Checks the nonce echo (exact), every GPU report, the TDX quote (REPORTDATA = nonce followed
    by 32 zero bytes), the image digest against the policy's allowlist, the signing address and
    whether the signing key is bound to the hardware evidence (io.net: not; warned by default).
    ``policy`` is a preset name, JSON or TOML text, or a mapping (None: ``"default"``).
    ``collateral`` is Intel's collateral JSON (text or mapping). Nothing is fetched: what is
    missing is skipped, never passed. The verdict's ``signer`` is the attested signing address
    and its ``summary`` fact says what is and is not proven.

    Raises InvalidNonceError for a bad nonce, InvalidArgumentError for a bad policy, a naive
    datetime, bad ``at`` text or an unreadable directory, and TypeError for arguments of the
    wrong type; bad evidence is a failed check in the Verdict.
    """

def verify_bundle(
    bundle: Union[_Bytes, str, os.PathLike[str]],
    *,
    at: Union[_Time, Literal["recorded"]] = None,
    policy: Union[_PolicyArg, Literal["recorded"]] = None,
) -> Verdict:
    """Re-verify a ccverify bundle offline: a path (os.PathLike, read as a file) or the bundle
    JSON itself (bytes-like or str).

    A bundle is untrusted input: ``at`` None is now and ``policy`` None the "default"
    preset, whatever the bundle records; ``"recorded"`` (for either) applies the bundle's own
    value, and the check ``bundle.inputs`` then warns. Exchanges' checks carry the subject
    ``"exchange0"``, ...

    Raises InvalidArgumentError for something that is not a ccverify bundle, a bad policy or
    bad ``at``, LimitExceededError for a bundle over 64 MiB, OSError when the file cannot be
    read and TypeError for arguments of the wrong type.
    """

def load_policy(text_or_preset: str) -> _PolicyDict:
    """Parse and normalise a policy (preset name, JSON or TOML text) into a dict with every
    key, accepted back as ``policy`` by verify_report() and verify_bundle().

    Raises InvalidArgumentError for text that does not parse, an unknown preset or key, or a
    bad value.
    """

def recover_address(message: _Bytes, signature: str) -> str:
    """The EIP-55 address that signed ``message`` as an EIP-191 personal message.

    Raises InvalidSignatureError if the signature is malformed or recovers no key.
    """

def generate_nonce() -> str:
    """A fresh 32-byte nonce from the OS CSPRNG, as 64 lowercase hex characters."""

def normalize_nonce(nonce: str) -> str:
    """The io.net agent's normalisation of ``nonce``, as 64 lowercase hex characters.

    Raises InvalidNonceError if the agent would refuse it or it carries no freshness.
    """

_Body = Union[_Bytes, str, Mapping[str, Any]]
_Seconds = Union[int, float, None]

@final
class Model:
    """A model the gateway offers (an item of list_models())."""

    @property
    def name(self) -> str:
        """The name to put in a completion's ``"model"``."""
    @property
    def model_id(self) -> str:
        """The UUID to attest (``Session.attest(model_id)``)."""
    @property
    def supports_attestation(self) -> bool:
        """Whether the gateway says it can attest this model."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ChatResponse:
    """One completion, exactly as received, with its verdict."""

    @property
    def status(self) -> int:
        """The HTTP status (2xx; error statuses raise NetworkError)."""
    @property
    def body(self) -> bytes:
        """The body to hand on: a plain reply's exact body; for a stream the verified events
        re-serialised (``data: <payload>`` events, then ``data: [DONE]`` only if it verified),
        never the relayed bytes."""
    @property
    def headers(self) -> list[tuple[str, str]]:
        """The response headers, (name, value) tuples with lower-case names."""
    @property
    def verdict(self) -> Verdict:
        """The exchange's verdict, with the ``"session.attestation"`` row."""
    @property
    def verified(self) -> bool:
        """The exchange verified AND the session's attestation verified."""
    @property
    def attested(self) -> bool:
        """Whether the session's attestation verified."""
    @property
    def stream(self) -> bool:
        """Whether body is an SSE stream."""
    @property
    def request(self) -> bytes:
        """The exact bytes sent, which the signed request hash covers."""
    def raise_for_verdict(self) -> None:
        """Raise UnverifiedResponseError (``.response`` this reply) unless it verified."""
    def json(self) -> Any:
        """The body of a plain reply parsed as JSON; InvalidStateError for a stream."""

@final
class CancelToken:
    """A cancel token for the network calls (``cancel=``): cancel() from any thread stops the
    call using it and aborts its request (CancelledError); it stays cancelled."""

    def __init__(self) -> None: ...
    def cancel(self) -> None:
        """Cancel every call using this token."""
    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""

@final
class ChatStream:
    """A streamed completion being received: an iterator of bytes chunks.

    After the last chunk, ``response`` is the ChatResponse and ``verdict`` its verdict; errors
    are raised by the iteration (UnverifiedResponseError at the end of a stream that did not
    verify, in a strict session). Ctrl-C while waiting aborts the request. close() (or leaving
    a with block) aborts the stream: the connection is closed at once.
    """

    def __iter__(self) -> ChatStream: ...
    def __next__(self) -> bytes: ...
    @property
    def response(self) -> Union[ChatResponse, None]:
        """The ChatResponse once the iterator is exhausted, else None."""
    @property
    def verdict(self) -> Verdict:
        """The stream's verdict; InvalidStateError before the end (no partial verdict)."""
    @property
    def request(self) -> bytes:
        """The exact bytes sent."""
    def close(self) -> None:
        """Abort the stream if it is still being received; harmless after the end."""
    def __enter__(self) -> ChatStream: ...
    def __exit__(
        self,
        *_args: Union[type[BaseException], BaseException, TracebackType, None],
    ) -> bool: ...

@final
class Session:
    """An attested session with one model on io.net's gateway (or ``ccverify sandbox``).

    Create one with Session.attest(); every method blocks with the GIL released.
    """

    @staticmethod
    def attest(
        model_id: str,
        *,
        base_url: Union[str, None] = None,
        api_key: Union[str, None] = None,
        policy: _PolicyArg = None,
        allow_unverified: bool = False,
        strict: Union[bool, None] = None,
        rim_dir: Union[_Dir, None] = None,
        ocsp_dir: Union[_Dir, None] = None,
        collateral: Union[_Bytes, str, Mapping[str, object], None] = None,
        pccs_url: Union[str, None] = None,
        rim_url: Union[str, None] = None,
        ocsp_url: Union[str, None] = None,
        at: _Time = None,
        timeout: _Seconds = None,
        retries: Union[int, None] = None,
        backoff: _Seconds = None,
        record_exchanges: bool = False,
        headers: Union[_Headers, None] = None,
        progress: Union[Callable[[str], object], None] = None,
        cancel: Union[CancelToken, None] = None,
    ) -> Session:
        """Attest model_id with a fresh nonce and verify the answer (see verdict / attested).

        ``api_key`` None is ``$IO_API_KEY``; ``timeout`` and ``backoff`` are seconds;
        ``progress`` gets one line per network step (GIL held; its exceptions go to
        sys.unraisablehook). ``strict`` (None: on unless ``allow_unverified``) makes an
        unverified reply raise UnverifiedResponseError instead of returning it flagged. Raises
        NetworkError when the gateway cannot be reached or refuses, InvalidArgumentError for bad
        arguments, TypeError for arguments of the wrong type; Ctrl-C aborts the request.
        """
    @property
    def verdict(self) -> Verdict:
        """The attestation verdict (with its ``summary`` fact)."""
    @property
    def attested(self) -> bool:
        """Whether the attestation verified."""
    @property
    def signing_address(self) -> Union[str, None]:
        """The pinned signing address (EIP-55), or None."""
    @property
    def model_id(self) -> str:
        """The model attested."""
    @property
    def nonce(self) -> str:
        """The nonce sent with the attestation request (64 hex digits)."""
    @property
    def base_url(self) -> str:
        """The gateway base URL, without ``/v1``."""
    def bundle(self) -> str:
        """The evidence bundle as JSON text (re-verify it with verify_bundle())."""
    def close(self) -> None:
        """Close the session: later chats raise InvalidStateError (also leaving a with block)."""
    @property
    def closed(self) -> bool:
        """Whether close() was called."""
    def __enter__(self) -> Session: ...
    def __exit__(
        self,
        *_args: Union[type[BaseException], BaseException, TracebackType, None],
    ) -> bool: ...
    def chat(
        self,
        body: _Body,
        *,
        cancel: Union[CancelToken, None] = None,
        timeout: _Seconds = None,
    ) -> ChatResponse:
        """Send one plain completion and verify the reply against the pinned key.

        A mapping body is sent as ``json.dumps(body, separators=(",", ":"))``; the exact bytes
        sent are ChatResponse.request. Raises UnverifiedResponseError (with ``.response``)
        when the reply did not verify in a strict session, AttestationFailedError on an
        unverified session without allow_unverified, NetworkError when the gateway cannot be
        reached or answers with an error status; Ctrl-C aborts the request.
        """
    def chat_stream(
        self,
        body: _Body,
        *,
        hold: bool = False,
        on_chunk: Union[Callable[[bytes], object], None] = None,
        cancel: Union[CancelToken, None] = None,
        timeout: _Seconds = None,
    ) -> ChatResponse:
        """Send one streamed completion; its verified events, re-serialised, go to on_chunk
        (GIL held) as they arrive, or with ``hold`` only after the whole stream verified;
        ``data: [DONE]`` comes only for a verified stream. An exception raised by on_chunk
        aborts the stream and propagates."""
    def iter_stream(
        self, body: _Body, *, hold: bool = False, cancel: Union[CancelToken, None] = None
    ) -> ChatStream:
        """Send one streamed completion and iterate over its verified events, re-serialised,
        as they arrive (``data: [DONE]`` only for a verified stream)."""

def list_models(
    *,
    base_url: Union[str, None] = None,
    api_key: Union[str, None] = None,
    timeout: _Seconds = None,
    retries: Union[int, None] = None,
    backoff: _Seconds = None,
    headers: Union[_Headers, None] = None,
    progress: Union[Callable[[str], object], None] = None,
) -> list[Model]:
    """List the gateway's models (``GET /v1/models``); raises NetworkError when it cannot."""

def _test_panic(message: str) -> None:
    """Test hook, not API: panics in Rust; the panic must arrive as InternalError."""

class _ResultRow(TypedDict):
    """One exchange's audit result (a row of Results, a line of ``ccverify audit --out``)."""

    id: Union[str, None]
    verified: bool
    key: Literal["attested", "caveated", "named", "none"]
    failed: list[str]
    warnings: list[str]
    signer: Union[str, None]
    request_hash: Union[str, None]
    response_hash: Union[str, None]
    error: Union[str, None]
    source: Union[str, None]

_Record = Mapping[str, Union[str, bytes, bytearray, memoryview, _Headers, None]]

@final
class Results:
    """The results of an audit: one row per exchange, in order (``id``, ``verified``, ``key``,
    ``failed``, ``warnings``, ``signer``, ``request_hash``, ``response_hash``, ``error``,
    ``source``). An Arrow stream: ``pyarrow.table(results)``; ``to_pylist()`` needs no
    pyarrow."""

    def __len__(self) -> int: ...
    @property
    def verified_count(self) -> int:
        """How many rows verified."""
    def to_pylist(self) -> list[_ResultRow]:
        """The rows as a list of dicts."""
    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The Arrow C stream interface (a capsule of the results)."""

@final
class Auditor:
    """Verifies recorded exchanges against the keys they name or their bundles attest; each
    bundle is re-verified once per Auditor. Records are verified on every core with the GIL
    released."""

    def __new__(
        cls,
        *,
        policy: Union[_PolicyArg, Literal["recorded"]] = None,
        at: Union[_Time, Literal["recorded"]] = None,
        bundle_dir: Union[_Dir, None] = None,
        bundles: Union[Mapping[str, Union[_Bytes, str]], None] = None,
    ) -> Auditor: ...
    def verify_arrow(self, data: object) -> Results:
        """Verify a table of exchanges: any object with ``__arrow_c_stream__``."""
    def verify_rows(self, rows: Iterable[_Record]) -> Results:
        """Verify exchanges given as mappings of the record's fields (no pyarrow needed)."""
    def summary(self) -> dict[str, Any]:
        """The summary of everything this Auditor verified so far."""

def audit_jsonl(
    log: Union[_Bytes, str],
    *,
    policy: Union[_PolicyArg, Literal["recorded"]] = None,
    at: Union[_Time, Literal["recorded"]] = None,
    bundle_dir: Union[_Dir, None] = None,
) -> dict[str, Any]:
    """Audit a JSON Lines log held in memory: ``{"summary": ..., "results": [...]}``."""
