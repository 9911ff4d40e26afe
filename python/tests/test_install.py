"""The suite must exercise the installed wheel, not the source tree."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import sysconfig
from pathlib import Path

import pytest

import ccverify
import ccverify._native


def test_imported_from_site_packages() -> None:
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    for module in (ccverify, ccverify._native):
        assert module.__file__ is not None
        path = Path(module.__file__).resolve()
        assert site in path.parents, f"{module.__name__} imported from {path}, not {site}"


def test_native_module_is_abi3_extension() -> None:
    assert ccverify._native.__file__ is not None
    assert ccverify._native.__file__.endswith(".abi3.so")


def test_version_matches_distribution() -> None:
    assert ccverify.__version__ == importlib.metadata.version("ccverify")


def test_typing_markers_are_installed() -> None:
    assert ccverify.__file__ is not None
    package = Path(ccverify.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()


def test_public_api() -> None:
    native = {
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
    }
    audit = {"Auditor", "Results", "audit_jsonl"}  # public as ccverify.audit's
    expected = native
    assert set(ccverify.__all__) == expected
    assert set(ccverify._native.__all__) == native | audit
    audit_module = importlib.import_module("ccverify.audit")
    for name in audit_module.__all__:
        assert getattr(audit_module, name).__doc__ or name == "RESULT_COLUMNS", name
    assert audit_module.Auditor.__module__ == "ccverify.audit"
    assert audit_module.Results.__module__ == "ccverify.audit"
    for name in expected:
        assert getattr(ccverify, name).__doc__, f"{name} has no docstring"
    for cls in (
        ccverify.Check,
        ccverify.Verdict,
        ccverify.StreamVerifier,
        ccverify.Session,
        ccverify.ChatResponse,
        ccverify.ChatStream,
        ccverify.Model,
        ccverify.UnverifiedResponseError,
    ):
        assert cls.__module__ == "ccverify"


def test_installed_without_a_rust_toolchain() -> None:
    """make test-python installs the wheel where no cargo or rustc could have built it."""
    if os.environ.get("CCVERIFY_EXPECT_NO_RUST") != "1":
        pytest.skip("only under make test-python (scripts/without-rust)")
    assert shutil.which("cargo") is None and shutil.which("rustc") is None
    assert ccverify._native.__file__ is not None
    dist_info = Path(ccverify._native.__file__).parents[1] / f"ccverify-{ccverify.__version__}.dist-info"
    assert (dist_info / "licenses" / "LICENSE").is_file()
