"""verify_gpu: every shared GPU case (tests/vectors/gpu/cases.json) with the assertions of
core/tests/gpu_vectors.rs, then the Python arguments: forms of `at`, paths, policy keywords and
the errors."""

from __future__ import annotations

import inspect
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Union

import pytest

import ccverify
from support import GPU_VECTORS, gpu_case_options, gpu_cases

CASES = gpu_cases()
BY_NAME = {c["name"]: c for c in CASES}
SAMPLE = BY_NAME["sample_no_rims"]
GPU: str = SAMPLE["gpu"]
NONCE: str = SAMPLE["nonce"]
AT = datetime(2024, 6, 1, tzinfo=timezone.utc)
AT_SECONDS = 1717200000


def statuses(verdict: ccverify.Verdict) -> list[tuple[str, Any, str]]:
    return [(c.id, c.subject, c.status) for c in verdict.checks]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_gpu_case(case: dict[str, Any]) -> None:
    name = case["name"]
    verdict = ccverify.verify_gpu(case["gpu"], case["nonce"], **gpu_case_options(case))
    expect = case["expect"]
    assert verdict.verified is expect["verified"], f"{name}: {verdict.to_json()}"
    for want in expect["checks"]:
        got = [c for c in verdict.checks if c.id == want["id"] and c.subject == want["subject"]]
        assert got, f"{name}: no check {want['id']} for {want['subject']}"
        assert got[0].status == want["status"], f"{name}: {want['id']} {want['subject']}: {got[0].detail}"
    assert verdict.to_dict() == json.loads(verdict.to_json())


def test_gpu_cases_are_distinct_and_cover_the_statuses() -> None:
    assert len(BY_NAME) == len(CASES)
    seen = {check["status"] for c in CASES for check in c["expect"]["checks"]}
    assert seen == {"pass", "fail", "skip", "warn"}
    assert {c["expect"]["verified"] for c in CASES} == {True, False}


# --- arguments -------------------------------------------------------------------------------


def test_gpu_json_forms() -> None:
    want = ccverify.verify_gpu(GPU.encode(), NONCE, at=AT)
    for form in (GPU, bytearray(GPU.encode()), memoryview(GPU.encode())):
        assert ccverify.verify_gpu(form, NONCE, at=AT) == want


@pytest.mark.parametrize("bad", [42, None, [GPU], {"gpu": GPU}])
def test_gpu_json_of_another_type_raises_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="gpu_json must be bytes, bytearray, memoryview or str"):
        ccverify.verify_gpu(bad, NONCE, at=AT)


def test_at_forms_are_the_same_instant() -> None:
    want = ccverify.verify_gpu(GPU, NONCE, at=AT_SECONDS)
    assert not want.verified
    plus_two = timezone(timedelta(hours=2))
    forms: list[Union[datetime, int, str]] = [
        AT,
        AT.astimezone(plus_two),
        AT + timedelta(microseconds=999_999),  # fractions of a second are dropped
        "2024-06-01T00:00:00Z",
        "2024-06-01T02:00:00+02:00",
    ]
    for at in forms:
        assert ccverify.verify_gpu(GPU, NONCE, at=at).to_json() == want.to_json(), at


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ccverify.InvalidArgumentError, match="timezone-aware") as info:
        ccverify.verify_gpu(GPU, NONCE, at=datetime(2024, 6, 1))
    assert (info.value.code, info.value.number) == ("invalid_argument", 1)


def test_bad_at() -> None:
    for text in ("yesterday", "2024-06-01", "2024-06-01 00:00:00"):
        with pytest.raises(ccverify.InvalidArgumentError, match="RFC 3339"):
            ccverify.verify_gpu(GPU, NONCE, at=text)
    for bad in (1.5, True, date(2024, 6, 1), b"2024-06-01T00:00:00Z"):
        with pytest.raises(TypeError, match="at must be"):
            ccverify.verify_gpu(GPU, NONCE, at=bad)  # type: ignore[arg-type]


def test_at_none_is_the_system_clock() -> None:
    now = datetime.now(timezone.utc)
    verdict = ccverify.verify_gpu(GPU, NONCE)
    # The device chain is valid until 9999: at today's date the report checks hold.
    assert statuses(verdict) in (
        statuses(ccverify.verify_gpu(GPU, NONCE, at=now)),
        statuses(ccverify.verify_gpu(GPU, NONCE, at=datetime.now(timezone.utc))),
    )
    assert not verdict.verified  # strict defaults: no RIMs, no OCSP


def test_defaults_are_the_strict_policy() -> None:
    implicit = ccverify.verify_gpu(GPU, NONCE, at=AT)
    explicit = ccverify.verify_gpu(
        GPU,
        NONCE,
        rim_dir=None,
        ocsp_dir=None,
        at=AT,
        expected_count=None,
        expected_arch="HOPPER",
        require_revocation=True,
        require_rims=True,
        allow_expired_rims=False,
        allow_hold_for_rims=False,
    )
    assert implicit == explicit
    assert not implicit.verified
    by_id = {(c.id, c.subject): c.status for c in implicit.checks}
    assert by_id[("gpu.count", None)] == "warn"
    assert by_id[("gpu.measurements", "gpu0")] == "skip"


def test_policy_keywords_take_effect() -> None:
    relaxed = ccverify.verify_gpu(
        GPU, NONCE, at=AT, expected_count=1, require_revocation=False, require_rims=False
    )
    assert relaxed.verified, relaxed
    wrong_count = ccverify.verify_gpu(
        GPU, NONCE, at=AT, expected_count=8, require_revocation=False, require_rims=False
    )
    assert not wrong_count.verified
    assert next(c for c in wrong_count.checks if c.id == "gpu.count").status == "fail"
    other_arch = ccverify.verify_gpu(GPU, NONCE, at=AT, expected_arch="BLACKWELL")
    assert next(c for c in other_arch.checks if c.id == "gpu.arch").status == "fail"


def test_checks_carry_subjects_and_facts() -> None:
    verdict = ccverify.verify_gpu(GPU, NONCE, at=AT)
    subjects = {c.subject for c in verdict.checks}
    assert subjects == {None, "gpu0"}
    per_gpu = next(c for c in verdict.checks if c.id == "gpu.report_signature")
    assert (per_gpu.subject, per_gpu.status) == ("gpu0", "pass")
    assert per_gpu.to_dict()["subject"] == "gpu0"
    assert "subject='gpu0'" in repr(per_gpu)
    assert verdict.signer is None
    assert verdict.facts["gpu.count"] == "1"
    assert any(name.startswith("gpu0.") for name in verdict.facts)


def test_rim_dir_accepts_path_like() -> None:
    case = BY_NAME["sample_mismatched_rims_2024"]
    options = gpu_case_options(case)
    as_text = ccverify.verify_gpu(case["gpu"], case["nonce"], **options)
    options["rim_dir"] = Path(options["rim_dir"])
    assert ccverify.verify_gpu(case["gpu"], case["nonce"], **options) == as_text
    driver = next(c for c in as_text.checks if c.id == "gpu.driver_rim")
    assert driver.status != "skip", driver  # the RIMs were found and read


@pytest.mark.parametrize("key", ["rim_dir", "ocsp_dir"])
def test_unreadable_directory_raises(key: str) -> None:
    options: dict[str, Any] = {key: GPU_VECTORS / "no-such-dir"}
    with pytest.raises(ccverify.InvalidArgumentError):
        ccverify.verify_gpu(GPU, NONCE, at=AT, **options)
    options = {key: 5}
    with pytest.raises(TypeError):
        ccverify.verify_gpu(GPU, NONCE, at=AT, **options)


def test_nonce_is_normalised_like_the_agent() -> None:
    want = ccverify.verify_gpu(GPU, NONCE, at=AT)
    assert ccverify.verify_gpu(GPU, "0x" + NONCE.upper(), at=AT) == want


@pytest.mark.parametrize("nonce", ["", "zz", "0x00", "ab" * 33])
def test_bad_nonce_raises(nonce: str) -> None:
    with pytest.raises(ccverify.InvalidNonceError) as info:
        ccverify.verify_gpu(GPU, nonce, at=AT)
    assert (info.value.code, info.value.number) == ("invalid_nonce", 2)


def test_expected_count_arguments() -> None:
    with pytest.raises(ccverify.InvalidArgumentError, match="non-negative"):
        ccverify.verify_gpu(GPU, NONCE, at=AT, expected_count=-1)
    for bad in ("8", True, 1.0):
        with pytest.raises(TypeError, match="expected_count"):
            ccverify.verify_gpu(GPU, NONCE, at=AT, expected_count=bad)  # type: ignore[arg-type]


def test_policy_flags_are_strict_bools() -> None:
    for key in ("require_revocation", "require_rims", "allow_expired_rims", "allow_hold_for_rims"):
        options: dict[str, Any] = {key: 1}
        with pytest.raises(TypeError):
            ccverify.verify_gpu(GPU, NONCE, at=AT, **options)
    with pytest.raises(TypeError):
        ccverify.verify_gpu(GPU, NONCE, at=AT, expected_arch=None)  # type: ignore[arg-type]


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        ccverify.verify_gpu(GPU, NONCE, None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ccverify.verify_gpu(GPU, NONCE, at=AT, unknown_option=True)  # type: ignore[call-arg]
    verdict = ccverify.verify_gpu(gpu_json=GPU, nonce=NONCE, at=AT)
    assert verdict == ccverify.verify_gpu(GPU, NONCE, at=AT)


def test_bad_evidence_never_raises() -> None:
    for evidence in (b"", b"not json", b'{"error": "no gpu"}', b"\xff\xfe"):
        verdict = ccverify.verify_gpu(evidence, NONCE, at=AT)
        assert not verdict.verified
        assert any(c.id == "gpu.evidence_format" and c.status == "fail" for c in verdict.checks)


def test_signature_and_docstring() -> None:
    assert str(inspect.signature(ccverify.verify_gpu)) == (
        "(gpu_json, nonce, *, rim_dir=None, ocsp_dir=None, at=None, expected_count=None, "
        "expected_arch='HOPPER', require_revocation=True, require_rims=True, "
        "allow_expired_rims=False, allow_hold_for_rims=False, trust=None)"
    )
    doc = ccverify.verify_gpu.__doc__
    assert doc is not None and "timezone-aware" in doc and "InvalidNonceError" in doc
