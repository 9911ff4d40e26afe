"""Helpers shared by the test modules: where the language-neutral vectors live and how to read
them, a `ccverify sandbox` process for the client tests, and the GIL probe. Only data files (and
the CLI binary) are used from the repository; the code under test is the installed wheel (see
test_install.py).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors"
EXAMPLES = REPO / "examples" / "exchanges"

#: The attested signing address of the vectors (tests/vectors/README.md).
ATTESTED = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
#: The foreign key's address of the vectors.
FOREIGN = "0xD4DB24146E06C1da1aC66121F3C4dF8bAe5C589A"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def exchange_cases() -> list[dict[str, Any]]:
    paths = sorted((VECTORS / "exchange").glob("*.json"))
    # The same floor as core/tests/vectors.rs: never pass on an empty or partial checkout.
    assert len(paths) >= 40, f"expected the full exchange vector set, found {len(paths)}"
    return [load_json(p) for p in paths]


GPU_VECTORS = VECTORS / "gpu"


def gpu_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = load_json(GPU_VECTORS / "cases.json")["cases"]
    # The same floor as core/tests/gpu_vectors.rs.
    assert len(cases) >= 30, f"expected the full GPU case set, found {len(cases)}"
    return cases


def gpu_case_options(case: dict[str, Any]) -> dict[str, Any]:
    """verify_gpu keyword arguments of a case, built as core/tests/gpu_vectors.rs builds its
    options: the case's policy object plus `at` and `rim_dir` (relative to tests/vectors/gpu)."""
    options: dict[str, Any] = dict(case["policy"])
    options["at"] = case["at"]
    if case["rim_dir"] is not None:
        options["rim_dir"] = str(GPU_VECTORS / case["rim_dir"])
    return options


TDX_VECTORS = VECTORS / "tdx"


def tdx_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = load_json(TDX_VECTORS / "cases.json")["cases"]
    # The same floor as core/tests/tdx_vectors.rs.
    assert len(cases) >= 20, f"expected the full TDX case set, found {len(cases)}"
    return cases


def tdx_collateral(case: dict[str, Any]) -> bytes:
    """The collateral file of a case (relative to tests/vectors/tdx)."""
    path: Path = TDX_VECTORS / case["collateral"]
    return path.read_bytes()


def tdx_case_options(case: dict[str, Any]) -> dict[str, Any]:
    """verify_tdx keyword arguments of a case, as core/tests/tdx_vectors.rs runs it: the case's
    policy object, `at`, the trust option (`trust`, or `trust_file` as a path) and the expected
    `nonce` or `report_data` (null: neither)."""
    options: dict[str, Any] = dict(case["policy"])
    options["at"] = case["at"]
    if "trust" in case:
        options["trust"] = case["trust"]
    if "trust_file" in case:
        options["trust"] = str(TDX_VECTORS / case["trust_file"])
    expected = case["expected_report_data"]
    if expected is not None:
        assert len(expected) == 1 and set(expected) <= {"nonce", "report_data"}, expected
        options.update(expected)
    return options


def n1_case() -> dict[str, Any]:
    """The N1 plain exchange (spec §10): genuine, signed by the attested key."""
    case: dict[str, Any] = load_json(VECTORS / "exchange" / "n1_plain.json")
    return case


REPORT_VECTORS = VECTORS / "report"

#: The keyword arguments of verify_report and verify_bundle besides the nonce.
REPORT_KEYWORDS = {"nonce", "policy", "rim_dir", "ocsp_dir", "collateral", "at"}
BUNDLE_KEYWORDS = {"at", "policy"}


def report_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = load_json(REPORT_VECTORS / "cases.json")["cases"]
    # A floor that stops an empty or partial checkout from passing (28 cases when written).
    assert len(cases) >= 28, f"expected the full report case set, found {len(cases)}"
    return cases


def report_case_options(case: dict[str, Any]) -> dict[str, Any]:
    """verify_report keyword arguments of a kind=report case, as core/tests/report_vectors.rs
    builds its options: the case's options plus rim_dir (relative to tests/vectors/report) and
    the TEXT of collateral_file as the collateral."""
    options: dict[str, Any] = dict(case["options"])
    if case.get("rim_dir") is not None:
        options["rim_dir"] = str(REPORT_VECTORS / case["rim_dir"])
    if case.get("collateral_file") is not None:
        options["collateral"] = (REPORT_VECTORS / case["collateral_file"]).read_text(
            encoding="utf-8"
        )
    return options


def bundle_case_path(case: dict[str, Any]) -> Path:
    """The bundle file of a kind=bundle case (relative to tests/vectors/report)."""
    path: Path = REPORT_VECTORS / case["bundle_file"]
    return path


# --- the sandbox gateway ---------------------------------------------------------------------

#: The CLI binary whose `sandbox` command the client tests talk to (`make test-python` builds
#: it first); CCVERIFY_BIN overrides.
CCVERIFY_BIN = Path(os.environ.get("CCVERIFY_BIN") or REPO / "target" / "debug" / "ccverify")


@dataclass(frozen=True)
class Sandbox:
    """A running `ccverify sandbox`: what its --json line says."""

    base_url: str
    signing_address: str
    model: str
    model_id: str
    image_digest: str
    rim_url: str
    ocsp_url: str
    pccs_url: str
    mrtd: Union[str, None]


@contextmanager
def sandbox(*args: str) -> Iterator[Sandbox]:
    """Runs `ccverify sandbox --port 0 --json ARGS...` for the duration of the block."""
    assert CCVERIFY_BIN.is_file(), f"{CCVERIFY_BIN} is missing: run `cargo build -p ccverify-cli`"
    process = subprocess.Popen(
        [str(CCVERIFY_BIN), "sandbox", "--port", "0", "--json", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, f"the sandbox printed nothing (exit status {process.poll()})"
        info = json.loads(line)
        yield Sandbox(
            base_url=info["base_url"],
            signing_address=info["signing_address"],
            model=info["model"],
            model_id=info["model_id"],
            image_digest=info["image_digest"],
            rim_url=info["rim_url"],
            ocsp_url=info["ocsp_url"],
            pccs_url=info["pccs_url"],
            mrtd=info["mrtd"],
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# --- the GIL ---------------------------------------------------------------------------------


@contextmanager
def no_forced_switches() -> Iterator[None]:
    """Raise the switch interval to 100 s: the interpreter then never forces a thread to give up
    the GIL; it changes hands only when a thread blocks or C code releases it (test_gil.py)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def released_gil(call: Callable[[], Any]) -> bool:
    """True if the main thread ran while `call` was running on another thread (test_gil.py's
    method: deterministic under no_forced_switches(), whatever the machine's load)."""
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
