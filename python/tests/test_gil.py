"""The GIL is released while the core works.

Method (deterministic, not a timing race): the switch interval is raised to 100 s, so the
interpreter never *forces* a thread to give up the GIL; a thread loses it only by blocking or
by a C extension releasing it. A worker thread signals `started`, runs the call under test and
then sets `finished`. The main thread, woken by `started`, can only run again when the worker
gives up the GIL, so it observes `finished == False` only if the GIL was released inside the
call. Controls: `sum(range(...))` (C code that keeps the GIL) must be observed as holding it,
`time.sleep` as releasing it, so the harness is shown to detect both outcomes.

Inputs are sized so each call takes at least ~0.2 s on the build under test, which leaves a
woken main thread ample time to take the GIL.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import ccverify
from support import (
    ATTESTED,
    b64,
    gpu_case_options,
    gpu_cases,
    bundle_case_path,
    n1_case,
    report_case_options,
    report_cases,
    tdx_case_options,
    tdx_cases,
    tdx_collateral,
)

N1 = n1_case()
REQUEST = b64(N1["request_b64"])
HEADERS: dict[str, str] = N1["headers"]
MIN_SECONDS = 0.2
MAX_SIZE = 256 << 20


@pytest.fixture(autouse=True)
def no_forced_switches() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def released_gil(call: Callable[[], Any]) -> bool:
    """True if the main thread ran while `call` was running on another thread."""
    started = threading.Event()
    state: dict[str, Any] = {"finished": False, "error": None}

    def worker() -> None:
        started.set()
        try:
            call()
        except BaseException as e:  # reported below, on the main thread
            state["error"] = e
        state["finished"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()
    ran_during_call = not state["finished"]
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert state["error"] is None, state["error"]
    return ran_during_call


def calibrated(make: Callable[[int], Callable[[], Any]]) -> Callable[[], Any]:
    """The call built by `make(size)` with the smallest doubling of `size` (from 1 MiB) that
    runs for MIN_SECONDS, measured single-threaded, so the test holds for debug and release
    builds alike."""
    size = 1 << 20
    while True:
        call = make(size)
        t0 = time.perf_counter()
        call()
        if time.perf_counter() - t0 >= MIN_SECONDS or size >= MAX_SIZE:
            return make(size)
        size *= 2


def big_response(size: int) -> Callable[[], Any]:
    body = b'{"content": "' + b"a" * size + b'"}'
    return lambda: ccverify.verify_response(REQUEST, body, HEADERS, expected_address=ATTESTED)


def big_stream(size: int) -> bytes:
    line = b'data: {"choices":[{"delta":{"content":"hello, world"}}]}\n\n'
    return line * (size // len(line) + 1)


def stream_call(size: int) -> Callable[[], Any]:
    stream = big_stream(size)
    return lambda: ccverify.verify_stream(REQUEST, stream, expected_address=ATTESTED)


def update_call(size: int) -> Callable[[], Any]:
    stream = big_stream(size)
    verifier = ccverify.StreamVerifier(REQUEST, expected_address=ATTESTED)
    return lambda: verifier.update(stream)


def finish_call(size: int) -> Callable[[], Any]:
    # finish() hashes the last line when the stream does not end in a newline.
    verifier = ccverify.StreamVerifier(REQUEST, expected_address=ATTESTED)
    verifier.update(b'data: "' + b"x" * size)
    return verifier.finish


def gpu_calls(size: int) -> Callable[[], Any]:
    """size >> 20 verifications of the eight-GPU case: one call is too short to calibrate, and
    between calls the GIL changes hands only if a call releases it (forced switches are off)."""
    case = next(c for c in gpu_cases() if c["name"] == "eight_gpus_expected_8")
    gpu, nonce, options = case["gpu"].encode(), case["nonce"], gpu_case_options(case)

    def run() -> None:
        for _ in range(size >> 20):
            ccverify.verify_gpu(gpu, nonce, **options)

    return run


def tdx_calls(size: int) -> Callable[[], Any]:
    """size >> 20 verifications of the v4 quote, for the same reason as gpu_calls."""
    case = next(c for c in tdx_cases() if c["name"] == "v4_uptodate")
    quote, collateral, options = case["quote"], tdx_collateral(case), tdx_case_options(case)

    def run() -> None:
        for _ in range(size >> 20):
            ccverify.verify_tdx(quote, collateral, **options)

    return run


def report_calls(size: int) -> Callable[[], Any]:
    """size >> 20 verifications of the real attestation, for the same reason as gpu_calls."""
    case = next(c for c in report_cases() if c["name"] == "real_evidence_report_nonce")
    report, options = case["report"].encode(), report_case_options(case)

    def run() -> None:
        for _ in range(size >> 20):
            ccverify.verify_report(report, **options)

    return run


def bundle_calls(size: int) -> Callable[[], Any]:
    """size >> 20 verifications of the real bundle (from bytes: reading the file is not the
    work under test), for the same reason as gpu_calls."""
    case = next(c for c in report_cases() if c["name"] == "bundle_real")
    bundle = bundle_case_path(case).read_bytes()

    def run() -> None:
        for _ in range(size >> 20):
            ccverify.verify_bundle(bundle)

    return run


def test_harness_detects_a_call_that_holds_the_gil() -> None:
    assert not released_gil(calibrated(lambda size: lambda: sum(range(size * 4))))


def test_harness_detects_a_call_that_releases_the_gil() -> None:
    assert released_gil(lambda: time.sleep(MIN_SECONDS))


@pytest.mark.parametrize(
    "make",
    [
        big_response,
        stream_call,
        update_call,
        finish_call,
        gpu_calls,
        tdx_calls,
        report_calls,
        bundle_calls,
    ],
    ids=[
        "verify_response",
        "verify_stream",
        "StreamVerifier.update",
        "StreamVerifier.finish",
        "verify_gpu",
        "verify_tdx",
        "verify_report",
        "verify_bundle",
    ],
)
def test_verification_releases_the_gil(make: Callable[[int], Callable[[], Any]]) -> None:
    assert released_gil(calibrated(make))


def test_small_updates_keep_the_gil() -> None:
    """Chunks under 16 KiB are processed without a GIL hand-off (documented behaviour)."""
    verifier = ccverify.StreamVerifier(REQUEST, expected_address=ATTESTED)
    chunk = b"data: {}\n\n" * 1000  # 10 kB

    def many_small_updates() -> None:
        for _ in range(300):
            verifier.update(chunk)

    # Python bytecode runs between the updates, but with forced switches disabled the GIL
    # changes hands only if an update releases it.
    assert not released_gil(many_small_updates)
