"""verify_tdx: every shared TDX case (tests/vectors/tdx/cases.json) with the assertions of
core/tests/tdx_vectors.rs, then the Python arguments: quote and collateral forms, `at`, the
policy keywords and the errors."""

from __future__ import annotations

import inspect
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Union

import pytest

import ccverify
from support import tdx_case_options, tdx_cases, tdx_collateral

CASES = tdx_cases()
BY_NAME = {c["name"]: c for c in CASES}
V4 = BY_NAME["v4_uptodate"]
QUOTE: str = V4["quote"]
COLLATERAL = tdx_collateral(V4)
REPORT_DATA: str = V4["expected_report_data"]["report_data"]
AT = datetime(2025, 6, 20, 6, 13, 20, tzinfo=timezone.utc)
AT_SECONDS = 1750400000
CHECK_IDS = {
    "tdx.quote_parse",
    "tdx.collateral",
    "tdx.quote_signature",
    "tdx.tcb_status",
    "tdx.td_attributes",
    "tdx.measurements",
    "tdx.report_data",
}


def status(verdict: ccverify.Verdict, check_id: str) -> str:
    return next(c.status for c in verdict.checks if c.id == check_id)


def statuses(verdict: ccverify.Verdict) -> list[tuple[str, str]]:
    return [(c.id, c.status) for c in verdict.checks]


def v4(**options: Any) -> ccverify.Verdict:
    """The v4 quote at AT, with its report data unless options say otherwise."""
    options.setdefault("at", AT)
    if "nonce" not in options:
        options.setdefault("report_data", REPORT_DATA)
    return ccverify.verify_tdx(QUOTE, COLLATERAL, **options)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_tdx_case(case: dict[str, Any]) -> None:
    name = case["name"]
    verdict = ccverify.verify_tdx(case["quote"], tdx_collateral(case), **tdx_case_options(case))
    expect = case["expect"]
    assert verdict.verified is expect["verified"], f"{name}: {verdict.to_json()}"
    for want in expect["checks"]:
        got = [c for c in verdict.checks if c.id == want["id"]]
        assert got, f"{name}: no check {want['id']}"
        assert got[0].status == want["status"], f"{name}: {want['id']}: {got[0].detail}"
    # Roots other than the production ones add their warning row.
    anchors = {"trust.anchors"} if "trust" in case or "trust_file" in case else set()
    assert {c.id for c in verdict.checks} == CHECK_IDS | anchors
    assert all(c.subject is None for c in verdict.checks)
    assert verdict.to_dict() == json.loads(verdict.to_json())


def test_tdx_cases_are_distinct_and_cover_the_statuses() -> None:
    assert len(BY_NAME) == len(CASES)
    seen = {check["status"] for c in CASES for check in c["expect"]["checks"]}
    assert seen == {"pass", "fail", "skip", "warn"}
    assert {c["expect"]["verified"] for c in CASES} == {True, False}


# --- evidence forms ---------------------------------------------------------------------------


def test_quote_forms() -> None:
    want = v4()
    assert want.verified, want
    raw = bytes.fromhex(QUOTE)
    forms: list[Union[bytes, bytearray, memoryview, str]] = [
        QUOTE.encode(),
        bytearray(QUOTE.encode()),
        memoryview(QUOTE.encode()),
        "0x" + QUOTE.upper() + "\n",
        raw,
        bytearray(raw),
        memoryview(raw),
    ]
    for form in forms:
        assert ccverify.verify_tdx(form, COLLATERAL, report_data=REPORT_DATA, at=AT) == want


def test_collateral_forms() -> None:
    want = v4()
    for form in (COLLATERAL.decode(), bytearray(COLLATERAL), memoryview(COLLATERAL)):
        assert ccverify.verify_tdx(QUOTE, form, report_data=REPORT_DATA, at=AT) == want


@pytest.mark.parametrize("bad", [42, None, [QUOTE], {"quote": QUOTE}])
def test_evidence_of_another_type_raises_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="quote must be bytes, bytearray, memoryview or str"):
        ccverify.verify_tdx(bad, COLLATERAL, at=AT)
    with pytest.raises(TypeError, match="collateral must be bytes, bytearray, memoryview or str"):
        ccverify.verify_tdx(QUOTE, bad, at=AT)


@pytest.mark.parametrize(
    ("quote", "collateral", "check_id"),
    [
        (b"", COLLATERAL, "tdx.quote_parse"),
        (b"not a quote", COLLATERAL, "tdx.quote_parse"),
        ("Error: TDX Interface not found", COLLATERAL, "tdx.quote_parse"),
        (b"\xff\xfe", COLLATERAL, "tdx.quote_parse"),
        (QUOTE, b"", "tdx.collateral"),
        (QUOTE, b"{}", "tdx.collateral"),
        (QUOTE, b"\xff\xfe", "tdx.collateral"),
    ],
)
def test_bad_evidence_never_raises(quote: Any, collateral: Any, check_id: str) -> None:
    verdict = ccverify.verify_tdx(quote, collateral, report_data=REPORT_DATA, at=AT)
    assert not verdict.verified
    assert status(verdict, check_id) == "fail", verdict


def test_facts_are_the_quote_values() -> None:
    verdict = v4()
    facts = verdict.facts
    assert facts["tdx.tcb_status"] == "UpToDate"
    assert facts["tdx.report_data"] == REPORT_DATA
    assert facts["tdx.quote_version"] == "4"
    for name in ("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "mrseam"):
        assert len(facts[f"tdx.{name}"]) == 96, name
    assert len(facts["tdx.xfam"]) == len(facts["tdx.td_attributes"]) == 16
    assert all(name.startswith("tdx.") for name in facts)
    assert verdict.signer is None


# --- time ------------------------------------------------------------------------------------


def test_at_forms_are_the_same_instant() -> None:
    want = v4(at=AT_SECONDS)
    assert want.verified
    forms: list[Union[datetime, int, str]] = [
        AT,
        AT.astimezone(timezone(timedelta(hours=-5))),
        AT + timedelta(microseconds=999_999),  # fractions of a second are dropped
        "2025-06-20T06:13:20Z",
        "2025-06-20T08:13:20+02:00",
    ]
    for at in forms:
        assert v4(at=at).to_json() == want.to_json(), at


def test_at_moves_the_collateral_window() -> None:
    assert status(v4(at=AT - timedelta(days=6)), "tdx.collateral") == "fail"
    assert status(v4(at=AT + timedelta(days=40)), "tdx.collateral") == "fail"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ccverify.InvalidArgumentError, match="timezone-aware") as info:
        v4(at=datetime(2025, 6, 20))
    assert (info.value.code, info.value.number) == ("invalid_argument", 1)


def test_bad_at() -> None:
    for text in ("yesterday", "2025-06-20", "2025-06-20 06:13:20"):
        with pytest.raises(ccverify.InvalidArgumentError, match="RFC 3339"):
            v4(at=text)
    for bad in (1.5, True, b"2025-06-20T06:13:20Z"):
        with pytest.raises(TypeError, match="at must be"):
            v4(at=bad)


def test_at_none_is_the_system_clock() -> None:
    verdict = ccverify.verify_tdx(QUOTE, COLLATERAL, report_data=REPORT_DATA)
    # Either side of a second boundary during the call.
    assert statuses(verdict) in (
        statuses(v4(at=datetime.now(timezone.utc))),
        statuses(v4(at=datetime.now(timezone.utc))),
    )
    assert not verdict.verified  # the sample's collateral expired in July 2025


# --- REPORTDATA ------------------------------------------------------------------------------


def test_without_expected_report_data_nothing_is_verified() -> None:
    verdict = ccverify.verify_tdx(QUOTE, COLLATERAL, at=AT)
    assert not verdict.verified
    assert status(verdict, "tdx.report_data") == "skip"


def test_report_data_is_normalised() -> None:
    assert v4(report_data="0x" + REPORT_DATA.upper()) == v4()


def test_nonce_rule_and_normalisation() -> None:
    nonce = REPORT_DATA[:64]
    verdict = v4(nonce=nonce)
    assert status(verdict, "tdx.report_data") == "fail"
    detail = next(c.detail for c in verdict.checks if c.id == "tdx.report_data")
    assert "not zero" in detail  # io.net's rule wants 32 zero bytes after the nonce
    assert v4(nonce="0x" + nonce.upper()) == verdict
    assert status(v4(nonce="11" * 32), "tdx.report_data") == "fail"


@pytest.mark.parametrize("nonce", ["", "zz", "0x00", "ab" * 33])
def test_bad_nonce_raises(nonce: str) -> None:
    with pytest.raises(ccverify.InvalidNonceError) as info:
        ccverify.verify_tdx(QUOTE, COLLATERAL, nonce=nonce, at=AT)
    assert (info.value.code, info.value.number) == ("invalid_nonce", 2)


@pytest.mark.parametrize("report_data", ["", "00", "zz" * 64, REPORT_DATA + "00"])
def test_bad_report_data_raises(report_data: str) -> None:
    with pytest.raises(ccverify.InvalidArgumentError, match="report data"):
        ccverify.verify_tdx(QUOTE, COLLATERAL, report_data=report_data, at=AT)


def test_nonce_and_report_data_are_exclusive() -> None:
    with pytest.raises(ccverify.InvalidArgumentError, match="not both"):
        ccverify.verify_tdx(QUOTE, COLLATERAL, nonce="ab", report_data=REPORT_DATA, at=AT)


# --- policy ----------------------------------------------------------------------------------


def test_defaults_are_the_strict_policy() -> None:
    implicit = v4()
    explicit = ccverify.verify_tdx(
        QUOTE,
        COLLATERAL,
        nonce=None,
        report_data=REPORT_DATA,
        at=AT,
        accepted_tcb_statuses=("UpToDate",),
        rejected_advisories=(),
        allow_debug=False,
        td_attributes=None,
        mrtd=(),
        rtmr0=(),
        rtmr1=(),
        rtmr2=(),
        rtmr3=(),
        mrseam=(),
        xfam=(),
        max_collateral_age_secs=None,
        min_tcb_eval_data_number=None,
    )
    assert implicit == explicit
    assert implicit.verified
    assert status(implicit, "tdx.measurements") == "warn"  # reported, not pinned


def pinned_to_the_quote() -> dict[str, Any]:
    facts = v4().facts
    return {
        "accepted_tcb_statuses": ["UpToDate", "SWHardeningNeeded"],
        "rejected_advisories": ["INTEL-SA-00000"],
        "allow_debug": False,
        "td_attributes": facts["tdx.td_attributes"],
        **{key: [facts[f"tdx.{key}"]] for key in ("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3")},
        "mrseam": [facts["tdx.mrseam"]],
        "xfam": [facts["tdx.xfam"]],
        "max_collateral_age_secs": 10 * 365 * 86400,
        "min_tcb_eval_data_number": int(facts["tdx.tcb_eval_data_number"]),
    }


def test_every_policy_keyword_reaches_the_core() -> None:
    verdict = v4(**pinned_to_the_quote())
    assert verdict.verified, verdict
    assert status(verdict, "tdx.measurements") == "pass"
    # Any iterable of str works, not only lists.
    options = pinned_to_the_quote()
    as_tuples = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    assert v4(**as_tuples) == verdict


ELSEWHERE = "11" * 48


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        ("mrtd", [ELSEWHERE], "tdx.measurements"),
        ("rtmr0", [ELSEWHERE], "tdx.measurements"),
        ("rtmr1", [ELSEWHERE], "tdx.measurements"),
        ("rtmr2", [ELSEWHERE], "tdx.measurements"),
        ("rtmr3", [ELSEWHERE], "tdx.measurements"),
        ("mrseam", [ELSEWHERE], "tdx.measurements"),
        ("xfam", ["1111111111111111"], "tdx.measurements"),
        ("td_attributes", "0000000000000000", "tdx.td_attributes"),
        ("accepted_tcb_statuses", ["OutOfDate"], "tdx.tcb_status"),
        ("accepted_tcb_statuses", [], "tdx.tcb_status"),
        ("min_tcb_eval_data_number", 18, "tdx.tcb_status"),
        ("max_collateral_age_secs", 3600, "tdx.collateral"),
    ],
)
def test_each_policy_keyword_can_fail_the_verdict(key: str, value: Any, check_id: str) -> None:
    options = pinned_to_the_quote()
    options[key] = value
    verdict = v4(**options)
    assert not verdict.verified
    assert status(verdict, check_id) == "fail", verdict


def test_hex_allowlists_accept_0x_and_upper_case() -> None:
    mrtd = v4().facts["tdx.mrtd"]
    assert status(v4(mrtd=["0x" + mrtd]), "tdx.measurements") == "pass"
    assert status(v4(mrtd=[ELSEWHERE, mrtd.upper()]), "tdx.measurements") == "pass"


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("accepted_tcb_statuses", ["Revoked"], "Revoked"),
        ("accepted_tcb_statuses", ["Fine"], "unknown TCB status"),
        ("mrtd", ["00"], "48 bytes"),
        ("rtmr1", ["zz" * 48], "rtmr1"),
        ("xfam", ["00" * 9], "8 bytes"),
        ("td_attributes", "00", "8 bytes"),
        ("max_collateral_age_secs", -1, "non-negative"),
        ("min_tcb_eval_data_number", -1, "non-negative"),
        ("min_tcb_eval_data_number", 1 << 32, "min_tcb_eval_data_number"),
        ("max_collateral_age_secs", 1 << 64, "non-negative"),
    ],
)
def test_bad_policy_values_raise(key: str, value: Any, match: str) -> None:
    options: dict[str, Any] = {key: value}
    with pytest.raises(ccverify.InvalidArgumentError, match=match) as info:
        v4(**options)
    assert info.value.code == "invalid_argument"


def test_tcb_status_names_are_typed() -> None:
    """The stubs type the status names (a typo is a mypy error); at run time the core refuses
    it, so a typo can never silently accept nothing or weaken the policy."""
    with pytest.raises(ccverify.InvalidArgumentError, match="unknown TCB status"):
        ccverify.verify_tdx(
            QUOTE, COLLATERAL, at=AT, accepted_tcb_statuses=["UpToDat"]  # type: ignore[list-item]
        )
    verdict = ccverify.verify_tdx(
        QUOTE, COLLATERAL, at=AT, accepted_tcb_statuses=("UpToDate", "SWHardeningNeeded")
    )
    assert status(verdict, "tdx.tcb_status") == "pass"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("mrtd", "11" * 48),  # a lone str is not a sequence of hex strings
        ("accepted_tcb_statuses", "UpToDate"),
        ("rejected_advisories", b"INTEL-SA-00837"),
        ("xfam", [7]),
        ("rtmr2", None),
        ("rtmr3", 5),
        ("allow_debug", 1),
        ("allow_debug", None),
        ("td_attributes", 5),
        ("max_collateral_age_secs", True),
        ("max_collateral_age_secs", "3600"),
        ("min_tcb_eval_data_number", 18.0),
        ("nonce", 5),
        ("report_data", b"00"),
    ],
)
def test_policy_values_of_another_type_raise_type_error(key: str, value: Any) -> None:
    options: dict[str, Any] = {key: value}
    with pytest.raises(TypeError, match=key):
        v4(**options)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        ccverify.verify_tdx(QUOTE, COLLATERAL, None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ccverify.verify_tdx(QUOTE, COLLATERAL, at=AT, mrdt=[])  # type: ignore[call-arg]
    verdict = ccverify.verify_tdx(
        quote=QUOTE, collateral=COLLATERAL, report_data=REPORT_DATA, at=AT
    )
    assert verdict == v4()


def test_signature_and_docstring() -> None:
    assert str(inspect.signature(ccverify.verify_tdx)) == (
        "(quote, collateral, *, nonce=None, report_data=None, at=None, "
        "accepted_tcb_statuses=['UpToDate'], rejected_advisories=[], allow_debug=False, "
        "td_attributes=None, mrtd=[], rtmr0=[], rtmr1=[], rtmr2=[], rtmr3=[], mrseam=[], "
        "xfam=[], max_collateral_age_secs=None, min_tcb_eval_data_number=None, mrconfigid=[], "
        "mrowner=[], mrownerconfig=[], mrsignerseam=None, seam_attributes=None, fmspc=[], "
        "min_tee_tcb_svn=None, qe_vendor_id=None, require_sept_ve_disable=True, trust=None)"
    )
    doc = ccverify.verify_tdx.__doc__
    assert doc is not None and "timezone-aware" in doc and "InvalidNonceError" in doc
    assert "REPORTDATA" in doc


def test_trust_anchor_files_are_read_and_refused_with_reasons(tmp_path: Any) -> None:
    case = BY_NAME["tp_anchor_file"]
    options = tdx_case_options(case)
    verdict = ccverify.verify_tdx(case["quote"], tdx_collateral(case), **options)
    row = next(c for c in verdict.checks if c.id == "trust.anchors")
    assert row.status == "warn" and "CALLER'S TRUST ANCHORS" in row.detail, row.detail
    missing = tmp_path / "missing.pem"
    with pytest.raises(ccverify.InvalidArgumentError, match="trust anchor file"):
        ccverify.verify_tdx(case["quote"], tdx_collateral(case), **{**options, "trust": str(missing)})
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    with pytest.raises(ccverify.InvalidArgumentError, match="trust anchor file"):
        ccverify.verify_tdx(case["quote"], tdx_collateral(case), **{**options, "trust": str(not_pem)})
    # verify_gpu takes the same option: the verdict names the file even for evidence that does
    # not parse.
    verdict = ccverify.verify_gpu(b"{}", "ab" * 32, trust=options["trust"])
    row = next(c for c in verdict.checks if c.id == "trust.anchors")
    assert row.status == "warn" and options["trust"] in row.detail, row.detail
    # A quote that does not parse still says which roots were in use.
    verdict = ccverify.verify_tdx(b"00", tdx_collateral(case), **options)
    assert [c.id for c in verdict.checks][:2] == ["trust.anchors", "tdx.quote_parse"]
