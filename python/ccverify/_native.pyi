"""Native core of the ``ccverify`` package. Import the public API from ``ccverify``."""

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal, TypeVar, Union, final

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
    "InternalError",
    "Check",
    "Verdict",
    "verify_response",
    "verify_stream",
    "verify_gpu",
    "verify_tdx",
    "StreamVerifier",
    "recover_address",
    "generate_nonce",
    "normalize_nonce",
]

__version__: str

_Bytes = Union[bytes, bytearray, memoryview]
_ChunkT = TypeVar("_ChunkT", bytes, bytearray, memoryview)
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
    verify_gpu() and verify_tdx().
    """

    @property
    def verified(self) -> bool:
        """True only if every check passed or warned: no failure and no skipped check."""
    @property
    def checks(self) -> list[Check]:
        """Every check that was evaluated, in a fixed order (a new list on each access)."""
    @property
    def signer(self) -> Union[str, None]:
        """The EIP-55 address recovered from the signature (even a wrong one), or None."""
    @property
    def facts(self) -> dict[str, str]:
        """Computed values by stable name: ``request_hash``, ``response_hash``; for GPU
        evidence ``gpu.count`` and per-GPU values such as ``gpu0.ueid``; for TDX quotes
        ``tdx.mrtd``, ``tdx.tcb_status`` and the quote's other values."""
    def to_dict(self) -> _VerdictDict:
        """The verdict as plain Python data, the same shape as to_json()."""
    def to_json(self) -> str:
        """The verdict as one compact JSON object, byte for byte the Rust core's."""
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class StreamVerifier:
    """Verify an SSE stream incrementally, while you forward it.

    Feed every chunk to update() as it arrives and call finish() at the real end of the
    stream. Calls on one verifier are serialised; update() (for chunks of 16 KiB or more) and
    finish() release the GIL.
    """

    def __new__(
        cls, request: _Bytes, expected_address: Union[str, None] = None
    ) -> StreamVerifier: ...
    def update(self, chunk: _ChunkT) -> _ChunkT:
        """Feed the next bytes of the stream and get the same chunk object back.

        Raises InvalidStateError after finish(), TypeError for a chunk of another type.
        """
    def finish(self) -> Verdict:
        """End the stream and return the verdict; raises InvalidStateError if called twice."""

def verify_response(
    request: _Bytes,
    response: _Bytes,
    headers: _Headers,
    expected_address: Union[str, None] = None,
) -> Verdict:
    """Verify a plain (non-streamed) io.net response against the exact bytes sent and received.

    Raises InvalidAddressError for a malformed expected_address and TypeError for arguments of
    the wrong type (including header names or values that are not str); bad evidence is a
    failed check in the Verdict, never an exception.
    """

def verify_stream(
    request: _Bytes,
    stream: _Bytes,
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

def _test_panic(message: str) -> None:
    """Test hook, not API: panics in Rust; the panic must arrive as InternalError."""
