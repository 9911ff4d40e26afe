"""Helpers shared by the test modules: where the language-neutral vectors live and how to read
them. Only data files are read from the repository; the code under test is the installed wheel
(see test_install.py).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

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
    policy object, `at`, and the expected `nonce` or `report_data` (null: neither)."""
    options: dict[str, Any] = dict(case["policy"])
    options["at"] = case["at"]
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
