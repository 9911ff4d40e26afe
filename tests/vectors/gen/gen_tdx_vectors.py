#!/usr/bin/env python3
"""Cross-language TDX quote vectors from dcap-qvl 0.7.1's real samples (tests/vectors/tdx/dcap-qvl,
MIT, see its NOTICE): v4 and v5 quotes verified at pinned times inside their collateral windows,
times outside them, flipped signature and REPORTDATA bytes, wrong nonces, truncation, the
outdated sample, io.net's hex and error-string shapes, and policy decisions.

Expectations are written by hand from the TDX spec and dcap-qvl's observed behaviour (see
/shared/spec/intel-tdx.md §2); they are not produced by ccverify. Standard library only;
deterministic output (`make vectors-check` regenerates and diffs it).

Usage: gen_tdx_vectors.py [OUT_DIR]   (default tests/vectors/tdx)
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SRC = os.path.join(ROOT, "tests", "vectors", "tdx", "dcap-qvl")


def read(name):
    with open(os.path.join(SRC, name), "rb") as f:
        return f.read()


V4 = read("tdx_quote")
V5 = read("tdx_quote_td15ex")
OUTDATED = read("tdx_quote_outdated")
V4_COLL = "dcap-qvl/tdx_quote_collateral.json"
V5_COLL = "dcap-qvl/tdx_quote_td15ex_collateral.json"
OUTDATED_COLL = "dcap-qvl/tdx_quote_outdated_collateral.json"
AT_V4 = "2025-06-20T06:13:20Z"  # 1750400000, inside [1750329147, 1752919234]
AT_V5 = "2026-10-20T00:00:00Z"  # inside [1791418186, 1794008711]
AT_OUTDATED = "2026-03-01T00:00:00Z"  # inside its collateral window

V4_RD = V4[568:632]  # REPORTDATA of a v4 quote: header 48 + 520
V5_RD = V5[574:638]  # v5: header 48 + descriptor 6 + 520
assert len(V4) == 5006 and len(V5) == 5247
OUTDATED_RD = OUTDATED[574:638]
assert OUTDATED_RD[32:] == bytes(32)  # io.net's layout: nonce || 32 zero bytes

V4_MRTD = V4[184:232].hex()


def flip(data, offset):
    b = bytearray(data)
    b[offset] ^= 0x01
    return bytes(b)


def case(name, about, quote, collateral, at, expect, verified, expected=None, policy=None, quote_text=None):
    return {
        "name": name,
        "about": about,
        # The quote as io.net sends it: hex text (quote_text overrides for shape tests).
        "quote": quote_text if quote_text is not None else quote.hex(),
        "collateral": collateral,
        "at": at,
        "expected_report_data": expected,
        "policy": policy or {},
        "expect": {
            "verified": verified,
            "checks": [{"id": i, "status": s} for i, s in sorted(expect.items())],
        },
    }


ALL_PASS = {
    "tdx.quote_parse": "pass",
    "tdx.collateral": "pass",
    "tdx.quote_signature": "pass",
    "tdx.tcb_status": "pass",
    "tdx.td_attributes": "pass",
    "tdx.measurements": "warn",
    "tdx.report_data": "pass",
}


# What the TD report says is proven only once the quote signature verified: without it a pass
# becomes a skip (a wrong value still fails).
UNAUTHENTICATED = {
    "tdx.td_attributes": "skip",
    "tdx.measurements": "skip",
    "tdx.report_data": "skip",
}


def cases():
    rd4 = {"report_data": V4_RD.hex()}
    out = [
        case("v4_uptodate", "real v4 quote (TD 1.0) inside its collateral window: UpToDate; "
             "measurements are reported, not pinned (warn)", V4, V4_COLL, AT_V4, ALL_PASS, True, rd4),
        case("v5_td15ex_uptodate", "real v5 quote (TD 1.5 ex body) inside its window",
             V5, V5_COLL, AT_V5, ALL_PASS, True, {"report_data": V5_RD.hex()}),
        case("v4_no_expected_report_data", "no expected REPORTDATA: freshness not proven, not verified",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.report_data": "skip"}, False),
        case("v4_nonce_rule", "io.net's rule (nonce || 32 zero bytes) with the sample's first 32 bytes: "
             "its REPORTDATA tail is not zero", V4, V4_COLL, AT_V4,
             {**ALL_PASS, "tdx.report_data": "fail"}, False, {"nonce": V4_RD[:32].hex()}),
        case("v4_wrong_nonce", "another nonce", V4, V4_COLL, AT_V4,
             {**ALL_PASS, "tdx.report_data": "fail"}, False, {"nonce": "11" * 32}),
        case("v4_before_window", "verified before the collateral was issued",
             V4, V4_COLL, "2025-06-15T00:00:00Z",
             {"tdx.quote_parse": "pass", "tdx.collateral": "fail", "tdx.quote_signature": "skip",
              "tdx.tcb_status": "skip", **UNAUTHENTICATED}, False, rd4),
        case("v4_after_window", "verified one second after the PCK CRL expired",
             V4, V4_COLL, "2025-07-19T10:00:36Z",
             {"tdx.quote_parse": "pass", "tdx.collateral": "fail", "tdx.quote_signature": "skip",
              **UNAUTHENTICATED}, False, rd4),
        case("v4_flip_quote_signature", "one byte of the quote signature flipped",
             flip(V4, 640), V4_COLL, AT_V4,
             {"tdx.quote_parse": "pass", "tdx.collateral": "pass", "tdx.quote_signature": "fail",
              "tdx.tcb_status": "skip", **UNAUTHENTICATED}, False, rd4),
        case("v4_flip_report_data", "one REPORTDATA byte flipped: the signature breaks and the value differs",
             flip(V4, 600), V4_COLL, AT_V4,
             {"tdx.quote_signature": "fail", "tdx.report_data": "fail", "tdx.td_attributes": "skip"}, False, rd4),
        case("v4_flip_mrtd", "one MRTD byte flipped: the signature breaks, so nothing the TD report says is proven",
             flip(V4, 200), V4_COLL, AT_V4,
             {"tdx.quote_signature": "fail", **UNAUTHENTICATED}, False, rd4),
        case("v4_truncated", "the first 1000 bytes only", V4[:1000], V4_COLL, AT_V4,
             {"tdx.quote_parse": "fail", "tdx.quote_signature": "skip", "tdx.report_data": "skip"}, False, rd4),
        case("v4_trailing_garbage", "a non-zero byte after the signature data (zero padding is fine)",
             V4[:-1] + b"\x01", V4_COLL, AT_V4, {"tdx.quote_parse": "fail"}, False, rd4),
        case("v4_hex_with_prefix", "io.net hex with a 0x prefix and a trailing newline",
             V4, V4_COLL, AT_V4, ALL_PASS, True, rd4, quote_text="0x" + V4.hex() + "\n"),
        case("agent_error_string", "the agent's error string in place of a quote",
             b"", V4_COLL, AT_V4, {"tdx.quote_parse": "fail"}, False, rd4,
             quote_text="Error: TDX Interface not found (/sys/kernel/config/tsm)"),
        case("outdated_sample", "dcap-qvl's outdated sample inside its window: no TCB level matches",
             OUTDATED, OUTDATED_COLL, AT_OUTDATED,
             {"tdx.quote_parse": "pass", "tdx.collateral": "pass", "tdx.quote_signature": "pass",
              "tdx.tcb_status": "fail", "tdx.report_data": "pass"}, False,
             {"nonce": OUTDATED_RD[:32].hex()}),
        case("v4_collateral_of_other_platform", "the v4 quote with the outdated sample's collateral "
             "(another FMSPC) inside that collateral's window",
             V4, OUTDATED_COLL, AT_OUTDATED,
             {"tdx.quote_parse": "pass", "tdx.collateral": "fail", "tdx.quote_signature": "skip",
              "tdx.tcb_status": "skip", **UNAUTHENTICATED}, False, rd4),
        case("policy_mrtd_pinned", "MRTD allowlist containing the quote's MRTD",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.measurements": "pass"}, True, rd4,
             policy={"mrtd": [V4_MRTD]}),
        case("policy_mrtd_other", "MRTD allowlist without the quote's MRTD",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.measurements": "fail"}, False, rd4,
             policy={"mrtd": ["00" * 48]}),
        case("policy_status_not_accepted", "a policy that accepts only OutOfDate",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.tcb_status": "fail"}, False, rd4,
             policy={"accepted_tcb_statuses": ["OutOfDate"]}),
        case("policy_collateral_too_old", "collateral older than the policy's one-hour maximum",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.collateral": "fail"}, False, rd4,
             policy={"max_collateral_age_secs": 3600}),
        case("policy_td_attributes_pinned_other", "TDATTRIBUTES pinned to another value",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.td_attributes": "fail"}, False, rd4,
             policy={"td_attributes": "0000000000000000"}),
        case("policy_min_eval_number", "a minimum TCB evaluation data number above the collateral's 17",
             V4, V4_COLL, AT_V4, {**ALL_PASS, "tdx.tcb_status": "fail"}, False, rd4,
             policy={"min_tcb_eval_data_number": 18}),
        case("collateral_not_json", "collateral that is not JSON", V4, "not_json_collateral.json", AT_V4,
             {"tdx.quote_parse": "pass", "tdx.collateral": "fail", "tdx.quote_signature": "skip",
              **UNAUTHENTICATED}, False, rd4),
    ]
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "vectors", "tdx")
    os.makedirs(out_dir, exist_ok=True)
    doc = {
        "about": "TDX quote conformance cases (tests/vectors/gen/gen_tdx_vectors.py). `quote` is "
                 "hex text as io.net sends it; `collateral` is a file relative to "
                 "tests/vectors/tdx; `at` is the verification time.",
        "cases": cases(),
    }
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
