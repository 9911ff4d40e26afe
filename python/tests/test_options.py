"""Options conformance: every case of tests/vectors/options/cases.json, its keys passed as
keyword arguments, gives the error every other language gives (or a verdict when the options
are accepted). Python spells "not set" by leaving a keyword out, so null keys are omitted; a
wrong key or type at the top level (``native_type_check``) may be Python's own TypeError."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

import ccverify
from support import VECTORS, load_json

DOC: dict[str, Any] = load_json(VECTORS / "options" / "cases.json")
BUNDLE = (VECTORS / "report" / "bundle-real.json").read_bytes()


def call(case: dict[str, Any]) -> Callable[[], Any]:
    options = {k: v for k, v in case["options"].items() if v is not None}
    schema = case["schema"]
    if schema == "gpu":
        return lambda: ccverify.verify_gpu(b"{}", DOC["gpu_nonce"], **options)
    if schema == "tdx":
        return lambda: ccverify.verify_tdx(b"00", b"{}", **options)
    if schema == "report":
        return lambda: ccverify.verify_report(b"{}", **options)
    if schema == "bundle":
        return lambda: ccverify.verify_bundle(BUNDLE, **options)
    if schema == "policy":
        return lambda: ccverify.load_policy(json.dumps(case["options"]))
    raise AssertionError(f"unknown schema {schema}")


def test_the_full_case_set_is_present() -> None:
    assert len(DOC["cases"]) >= 50


@pytest.mark.parametrize("case", DOC["cases"], ids=lambda c: c["name"])
def test_options_case(case: dict[str, Any]) -> None:
    run = call(case)
    if case["error"] is None:
        assert run() is not None
        return
    with pytest.raises((ccverify.Error, TypeError)) as caught:
        run()
    if isinstance(caught.value, ccverify.Error):
        assert caught.value.code == case["error"], str(caught.value)
    else:
        assert case.get("native_type_check"), f"TypeError for a case that is no type check: {caught.value}"
        assert case["error"] == "invalid_argument"
