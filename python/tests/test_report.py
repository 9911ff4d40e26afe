"""verify_report and verify_bundle: every shared whole-attestation and bundle case
(tests/vectors/report/cases.json) with the assertions of core/tests/report_vectors.rs, then the
Python arguments: policies (preset, JSON, TOML, mapping, load_policy), evidence and collateral
forms, bundle paths, `at`, and the errors."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Union

import pytest

import ccverify
from support import (
    ATTESTED,
    BUNDLE_KEYWORDS,
    REPORT_KEYWORDS,
    bundle_case_path,
    report_case_options,
    report_cases,
)

CASES = report_cases()
BY_NAME = {c["name"]: c for c in CASES}
REAL = BY_NAME["real_evidence_report_nonce"]
REPORT: str = REAL["report"]
NONCE: str = REAL["options"]["nonce"]
AT = datetime(2025, 6, 20, 6, 13, 20, tzinfo=timezone.utc)
AT_SECONDS = 1750400000
COLLATERAL: str = report_case_options(REAL)["collateral"]
BUNDLE = bundle_case_path(BY_NAME["bundle_real"])
DIGESTS: list[str] = BY_NAME["image_digest_allowlisted"]["options"]["policy"]["image_digests"]


def status(verdict: ccverify.Verdict, check_id: str, subject: Union[str, None] = None) -> str:
    return next(c.status for c in verdict.checks if c.id == check_id and c.subject == subject)


def real(**options: Any) -> ccverify.Verdict:
    """The real evidence for its own nonce at AT, with its collateral unless options say
    otherwise."""
    options.setdefault("nonce", NONCE)
    options.setdefault("at", AT)
    options.setdefault("collateral", COLLATERAL)
    return ccverify.verify_report(REPORT, **options)


def run_case(case: dict[str, Any]) -> ccverify.Verdict:
    if case["kind"] == "report":
        return ccverify.verify_report(case["report"], **report_case_options(case))
    assert case["kind"] == "bundle", case["kind"]
    return ccverify.verify_bundle(bundle_case_path(case), **case["options"])


# --- the shared cases ------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_report_case(case: dict[str, Any]) -> None:
    name = case["name"]
    expect = case["expect"]
    code = expect.get("error")
    if code is not None:
        keywords = REPORT_KEYWORDS if case["kind"] == "report" else BUNDLE_KEYWORDS
        if set(case["options"]) - keywords:
            # An unknown option is an unknown keyword argument: Python's own TypeError, where
            # the option-JSON bindings say invalid_argument.
            assert code == "invalid_argument", name
            with pytest.raises(TypeError, match="unexpected keyword argument"):
                run_case(case)
        else:
            with pytest.raises(ccverify.Error) as info:
                run_case(case)
            assert info.value.code == code, f"{name}: {info.value}"
        return
    verdict = run_case(case)
    assert verdict.verified is expect["verified"], f"{name}: {verdict.to_json()}"
    for row in expect["checks"]:
        found = [c for c in verdict.checks if c.id == row["id"] and c.subject == row["subject"]]
        assert found, f"{name}: no row {row['id']} {row['subject']!r}: {verdict.to_json()}"
        assert found[0].status == row["status"], f"{name}: {row['id']}: {found[0].detail}"
    for fact, value in expect["facts"].items():
        assert verdict.facts.get(fact) == value, f"{name}: fact {fact}"
    # Every verdict carries the plain-language summary.
    assert verdict.facts.get("summary"), name
    assert verdict.to_dict() == json.loads(verdict.to_json())


def test_report_cases_are_distinct_and_cover_both_kinds() -> None:
    assert len(BY_NAME) == len(CASES) >= 28
    assert {c["kind"] for c in CASES} == {"report", "bundle"}
    assert any(c["expect"].get("error") for c in CASES)


# --- summary, signer and the new error kinds -------------------------------------------------


def test_summary_says_what_is_and_is_not_proven() -> None:
    verdict = real()
    assert not verdict.verified
    summary = verdict.facts["summary"]
    assert summary.startswith("NOT VERIFIED: "), summary
    assert "tdx.report_data" in summary
    assert "the GPU reports are signed by genuine NVIDIA devices" in summary
    assert "io.net does not bind it" in summary
    # The attested signing address: the key to pin for the completions that follow.
    assert verdict.signer == ATTESTED
    assert verdict.facts["signing_address"] == ATTESTED
    assert len(verdict.checks) > 20


@pytest.mark.parametrize(
    ("cls", "code", "number"),
    [
        (ccverify.NetworkError, "network", 8),
        (ccverify.AttestationFailedError, "attestation_failed", 9),
        (ccverify.UnverifiedResponseError, "unverified_response", 10),
        (ccverify.CancelledError, "cancelled", 11),
    ],
)
def test_new_error_classes(cls: type[ccverify.Error], code: str, number: int) -> None:
    assert issubclass(cls, ccverify.Error) and cls is not ccverify.Error
    assert (cls.code, cls.number, cls.__module__) == (code, number, "ccverify")
    assert cls.__name__ in ccverify.__all__ and getattr(ccverify, cls.__name__) is cls
    assert cls.__doc__ and code in cls.__doc__
    with pytest.raises(ccverify.Error) as info:
        raise cls("why")
    assert (info.value.code, info.value.number, str(info.value)) == (code, number, "why")


# --- policies ----------------------------------------------------------------------------------


def test_policy_presets() -> None:
    assert ccverify.POLICY_PRESETS == ("default", "offline", "strict")
    for name in ccverify.POLICY_PRESETS:
        policy = ccverify.load_policy(name)
        assert policy["preset"] == name
        assert set(policy) == {
            "preset",
            "offline",
            "image_digests",
            "require_image_digest",
            "require_key_binding",
            "gpu",
            "tdx",
        }
    default, offline, strict = (ccverify.load_policy(n) for n in ccverify.POLICY_PRESETS)
    assert not default["offline"] and offline["offline"]
    assert default["gpu"]["require_revocation"] and not offline["gpu"]["require_revocation"]
    assert strict["require_key_binding"] and strict["require_image_digest"]
    assert default["tdx"]["accepted_tcb_statuses"] == ["UpToDate"]
    assert ccverify.load_policy("  strict\n") == strict


def test_policy_forms_give_the_same_verdict() -> None:
    as_dict = {"preset": "offline", "image_digests": DIGESTS, "gpu": {"expected_count": 1}}
    as_toml = (
        'preset = "offline"\n'
        f"image_digests = {json.dumps(DIGESTS)}\n"
        "[gpu]\n"
        "expected_count = 1\n"
    )
    as_json = json.dumps(as_dict)
    normalised = ccverify.load_policy(as_toml)
    assert normalised == ccverify.load_policy(as_json)
    assert normalised["gpu"]["expected_count"] == 1 and normalised["offline"] is True
    want = real(policy=as_dict)
    assert status(want, "report.image_digest") == "pass"
    assert status(want, "gpu.ocsp", "gpu0") == "warn"  # the offline preset
    assert status(want, "gpu.count") == "pass"
    for form in (as_toml, as_json, normalised, tuple_policy(as_dict)):
        assert real(policy=form) == want, form
    # A policy is not a default: without it the allowlist is gone and revocation is skipped.
    assert real() != want


def tuple_policy(policy: dict[str, Any]) -> Any:
    """The same policy with tuples for lists and a read-only mapping for the dict."""
    return MappingProxyType({**policy, "image_digests": tuple(policy["image_digests"])})


def test_load_policy_round_trips() -> None:
    for text in (*ccverify.POLICY_PRESETS, '{"tdx": {"mrtd": ["' + "AB" * 48 + '"]}}'):
        policy = ccverify.load_policy(text)
        assert ccverify.load_policy(json.dumps(policy)) == policy
    assert ccverify.load_policy('{"tdx": {"mrtd": ["' + "AB" * 48 + '"]}}')["tdx"]["mrtd"] == [
        "ab" * 48
    ]


@pytest.mark.parametrize(
    "bad",
    [
        "lenient",
        '{"image_digest": []}',
        '{"image_digests": ["sha256:ABC"]}',
        '{"gpu": {"expected_cnt": 1}}',
        '{"tdx": {"accepted_tcb_statuses": ["Revoked"]}}',
        '{"offline": "yes"}',
        "offline = 1",
        "this is = = not toml",
        "[1]",
    ],
)
def test_bad_policies_raise_invalid_argument(bad: str) -> None:
    with pytest.raises(ccverify.InvalidArgumentError) as info:
        ccverify.load_policy(bad)
    assert (info.value.code, info.value.number) == ("invalid_argument", 1)
    with pytest.raises(ccverify.InvalidArgumentError):
        real(policy=bad)
    with pytest.raises(ccverify.InvalidArgumentError):
        ccverify.verify_bundle(BUNDLE, policy=bad)


def test_bad_policy_mappings() -> None:
    with pytest.raises(ccverify.InvalidArgumentError, match="unknown (field|key)"):
        real(policy={"image_digest": DIGESTS})
    with pytest.raises(ccverify.InvalidArgumentError, match="JSON cannot hold"):
        real(policy={"gpu": {"expected_count": float("nan")}})
    with pytest.raises(TypeError, match="str keys"):
        real(policy={1: True})
    with pytest.raises(TypeError, match=r"policy\['image_digests'\]\[0\] must be plain JSON data"):
        real(policy={"image_digests": [b"sha256:00"]})
    nested: dict[str, Any] = {}
    nested["gpu"] = nested
    with pytest.raises(ccverify.InvalidArgumentError, match="nested deeper"):
        real(policy=nested)
    for bad in (42, b"strict", ["strict"]):
        with pytest.raises(TypeError, match="policy must be a str"):
            real(policy=bad)
    with pytest.raises(TypeError):
        ccverify.load_policy(42)  # type: ignore[arg-type]


# --- evidence, collateral and time forms -------------------------------------------------------


def test_report_forms() -> None:
    want = real()
    for form in (REPORT.encode(), bytearray(REPORT.encode()), memoryview(REPORT.encode())):
        assert ccverify.verify_report(form, nonce=NONCE, at=AT, collateral=COLLATERAL) == want
    # The nonce is normalised like the agent does.
    assert real(nonce="0x" + NONCE.upper()) == want


def test_collateral_forms() -> None:
    want = real()
    assert status(want, "tdx.collateral") == "pass"
    for form in (
        COLLATERAL.encode(),
        bytearray(COLLATERAL.encode()),
        memoryview(COLLATERAL.encode()),
        json.loads(COLLATERAL),
    ):
        assert real(collateral=form) == want
    missing = real(collateral=None)
    assert status(missing, "tdx.collateral") == "skip"
    for bad in (b"\xff\xfe", b"", "{}"):
        assert status(real(collateral=bad), "tdx.collateral") == "fail", bad
    with pytest.raises(TypeError, match="collateral must be"):
        real(collateral=42)


def test_at_forms_are_the_same_instant() -> None:
    want = real(at=AT_SECONDS)
    forms: list[Union[datetime, int, str]] = [
        AT,
        "2025-06-20T06:13:20Z",
        "2025-06-20T08:13:20+02:00",
    ]
    for form in forms:
        assert real(at=form) == want, form
    with pytest.raises(ccverify.InvalidArgumentError, match="timezone-aware"):
        real(at=datetime(2025, 6, 20, 6, 13, 20))
    with pytest.raises(ccverify.InvalidArgumentError, match="RFC 3339"):
        real(at="yesterday")
    with pytest.raises(TypeError, match="at must be"):
        real(at=1.5)


@pytest.mark.parametrize("report", [b"", b"not json", "[]", "{}", "<html>502</html>"])
def test_bad_evidence_never_raises(report: Union[bytes, str]) -> None:
    verdict = ccverify.verify_report(report, nonce=NONCE, at=AT)
    assert not verdict.verified
    assert verdict.facts["summary"].startswith("NOT VERIFIED: ")
    assert verdict.signer is None


def test_argument_errors() -> None:
    with pytest.raises(TypeError, match="nonce"):
        ccverify.verify_report(REPORT)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ccverify.verify_report(REPORT, NONCE)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        ccverify.verify_report(REPORT, nonce=NONCE, polcy="strict")  # type: ignore[call-arg]
    with pytest.raises(ccverify.InvalidNonceError) as info:
        ccverify.verify_report(REPORT, nonce="not-a-nonce")
    assert (info.value.code, info.value.number) == ("invalid_nonce", 2)
    with pytest.raises(ccverify.InvalidArgumentError):
        real(rim_dir="/nonexistent/ccverify/rims")
    with pytest.raises(ccverify.InvalidArgumentError):
        real(ocsp_dir="/nonexistent/ccverify/ocsp")
    for bad in (42, None, {"nonce": NONCE}):
        with pytest.raises(TypeError, match="report must be"):
            ccverify.verify_report(bad, nonce=NONCE)  # type: ignore[arg-type]


def test_directories_accept_path_objects() -> None:
    case = BY_NAME["real_evidence_with_rim_dir"]
    options = report_case_options(case)
    want = ccverify.verify_report(case["report"], **options)
    options["rim_dir"] = Path(options["rim_dir"])
    assert ccverify.verify_report(case["report"], **options) == want


# --- bundles ---------------------------------------------------------------------------------


def test_bundle_forms() -> None:
    want = ccverify.verify_bundle(BUNDLE, at=AT)
    assert status(want, "response.signer", "exchange0") == "pass"
    assert want.signer == ATTESTED and want.facts["summary"]
    data = BUNDLE.read_bytes()
    for form in (data, bytearray(data), memoryview(data), data.decode()):
        assert ccverify.verify_bundle(form, at=AT) == want

    class BundlePath:  # any os.PathLike, not only pathlib
        def __fspath__(self) -> str:
            return str(BUNDLE)

    assert isinstance(BundlePath(), os.PathLike)
    assert ccverify.verify_bundle(BundlePath(), at=AT) == want
    assert ccverify.verify_bundle(BUNDLE, at=AT, policy="default") == want


def test_a_bundle_is_untrusted_input() -> None:
    # By default: now, under the default preset — never what the bundle records.
    default = ccverify.verify_bundle(BUNDLE)
    assert default.facts["bundle.time_source"] == "clock"
    assert default.facts["policy.source"] == "caller"
    assert status(default, "bundle.inputs") == "pass"
    # Its own time and policy only when asked for, and then the verdict warns.
    recorded = ccverify.verify_bundle(BUNDLE, at="recorded", policy="recorded")
    assert status(recorded, "bundle.inputs") == "warn"
    assert recorded.facts["bundle.at"] == "2025-06-20T06:13:20Z"
    assert recorded.facts["claim.bundle_inputs"] == "accepted"
    assert "the bundle supplied them" in recorded.facts["summary"]


def test_bundle_overrides() -> None:
    later = ccverify.verify_bundle(BUNDLE, at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert status(later, "tdx.collateral") == "fail"
    strict = ccverify.verify_bundle(BUNDLE, at=AT, policy={"preset": "strict"})
    assert status(strict, "report.key_binding") == "fail"
    assert strict == ccverify.verify_bundle(BUNDLE, at=AT, policy="strict")


def test_bundle_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ccverify.verify_bundle(tmp_path / "missing.json")
    with pytest.raises(IsADirectoryError):
        ccverify.verify_bundle(tmp_path)
    # A str is the bundle JSON, never a file name.
    with pytest.raises(ccverify.InvalidArgumentError, match="not JSON"):
        ccverify.verify_bundle(str(BUNDLE))
    for bad in (b"{}", b"[]", b'{"format":"ccverify-bundle/0"}', b"not json"):
        with pytest.raises(ccverify.InvalidArgumentError):
            ccverify.verify_bundle(bad)
    (tmp_path / "bad.json").write_bytes(b"{}")
    with pytest.raises(ccverify.InvalidArgumentError):
        ccverify.verify_bundle(tmp_path / "bad.json")
    with pytest.raises(TypeError, match="bundle must be"):
        ccverify.verify_bundle(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        ccverify.verify_bundle(BUNDLE, att=AT)  # type: ignore[call-arg]


def test_tampered_bundle_exchange_fails_without_raising() -> None:
    case = BY_NAME["bundle_tampered_exchange"]
    verdict = ccverify.verify_bundle(bundle_case_path(case), at=AT)
    assert not verdict.verified
    assert status(verdict, "response.signer", "exchange0") == "pass"
    assert any(c.subject == "exchange1" and c.status == "fail" for c in verdict.checks)


# --- fork safety -----------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_verifies_too() -> None:
    """The core spreads a report's GPU and TDX work over a thread pool made on first use. A
    process forked after that (multiprocessing's fork start method, Spark's Python workers)
    has none of the pool's threads; it must make its own and verify, not hang."""
    import time

    before = real()  # the parent's pool now exists
    pid = os.fork()
    if pid == 0:  # the child: verify twice (cold and warm), exit with the outcome
        try:
            ok = all(real().to_json() == before.to_json() for _ in range(2))
        except BaseException:  # noqa: BLE001 - anything is a failure, reported by the exit code
            ok = False
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while True:
        done, status_code = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish verifying within 60 s (a hung pool?)")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status_code) == 0, "the forked child's verdict differed"
    assert real().to_json() == before.to_json()  # and the parent's pool still works
