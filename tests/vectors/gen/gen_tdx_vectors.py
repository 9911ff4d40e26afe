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

import base64
import json
import os
import re
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


def case(name, about, quote, collateral, at, expect, verified, expected=None, policy=None, quote_text=None,
         trust=None, trust_file=None):
    extra = {}
    if trust is not None:
        extra["trust"] = trust
    if trust_file is not None:
        extra["trust_file"] = trust_file
    return {
        **extra,
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


# --- The quote's PCK chain, as presented (mutations of the real v4 quote) ----------------------
# v4 layout: header 48, TD report 584, signature data length (u32) at 632; in the signature data
# the ECDSA signature and attestation key (128 bytes), then the QE report certification data
# (type 6, u16 + u32 size) holding the QE report (384), its signature (64), the QE auth data
# (u16 size + bytes) and the PCK certification data (type 5, u16 + u32 size + PEM).
SIG_LEN_AT = 632
OUTER_AT = 636 + 128
QE_REPORT_AT = OUTER_AT + 6
QE_SIG_AT = QE_REPORT_AT + 384
QE_AUTH_AT = QE_SIG_AT + 64
QE_AUTH_LEN = int.from_bytes(V4[QE_AUTH_AT:QE_AUTH_AT + 2], "little")
INNER_AT = QE_AUTH_AT + 2 + QE_AUTH_LEN
PEM_AT = INNER_AT + 6
PEM_LEN = int.from_bytes(V4[INNER_AT + 2:PEM_AT], "little")
assert V4[OUTER_AT:OUTER_AT + 2] == b"\x06\x00" and V4[INNER_AT:INNER_AT + 2] == b"\x05\x00"
PEM = V4[PEM_AT:PEM_AT + PEM_LEN]
BLOCKS = re.findall(rb"-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n", PEM, re.S)
assert len(BLOCKS) == 3 and PEM == b"".join(BLOCKS) + b"\x00"


def with_pem(pem):
    """The v4 quote with its PCK certification data replaced (every length field adjusted)."""
    delta = len(pem) - PEM_LEN
    q = bytearray(V4[:PEM_AT] + pem + V4[PEM_AT + PEM_LEN:])
    for at, width in ((SIG_LEN_AT, 4), (OUTER_AT + 2, 4), (INNER_AT + 2, 4)):
        q[at:at + width] = (int.from_bytes(q[at:at + width], "little") + delta).to_bytes(width, "little")
    return bytes(q)


def der_of(block):
    body = block.split(b"-----")[2]
    return base64.b64decode(b"".join(body.split()))


def pem_of(der):
    b64 = base64.b64encode(der)
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


def flip_signature(block):
    """A certificate block with the last byte of its signature changed (same length)."""
    der = bytearray(der_of(block))
    der[-1] ^= 0x01
    out = pem_of(bytes(der))
    assert len(out) == len(block)
    return out


LEAF, CA, ROOT_PEM = BLOCKS
CHAIN_REFUSED = {"tdx.quote_parse": "pass", "tdx.collateral": "pass", "tdx.quote_signature": "fail",
                 "tdx.tcb_status": "skip", **UNAUTHENTICATED}
COLLATERAL_REFUSED = {"tdx.quote_parse": "pass", "tdx.collateral": "fail", "tdx.quote_signature": "skip",
                      "tdx.tcb_status": "skip", **UNAUTHENTICATED}


def mutated_collateral():
    """Collateral files with one thing wrong (written under tests/vectors/tdx/mutated/)."""
    with open(os.path.join(SRC, "tdx_quote_collateral.json")) as f:
        good = json.load(f)

    def flipped(key):
        c = dict(good)
        v = c[key]
        c[key] = v[:-2] + ("00" if v[-2:] != "00" else "01")
        return c

    swapped = dict(good)
    swapped["root_ca_crl"] = good["pck_crl"]
    short_sig = dict(good)
    short_sig["tcb_info_signature"] = good["tcb_info_signature"][:20]
    long_chain = dict(good)
    long_chain["tcb_info_issuer_chain"] = good["tcb_info_issuer_chain"] + good["tcb_info_issuer_chain"].split(
        "-----END CERTIFICATE-----\n", 1)[1] * 5
    return {
        "tcb_info_signature_short.json": short_sig,
        "tcb_info_chain_too_long.json": long_chain,
        "tcb_info_signature.json": flipped("tcb_info_signature"),
        "qe_identity_signature.json": flipped("qe_identity_signature"),
        "root_crl_swapped.json": swapped,
    }


MUTATED_NOTICE = """These collateral files are dcap-qvl 0.7.1's sample collateral (../dcap-qvl/, MIT licence, see
its NOTICE and LICENSE) with one value changed each, written by
tests/vectors/gen/gen_tdx_vectors.py: a TCB Info signature byte, a TCB Info signature cut
short, a TCB Info issuer chain padded to 7 certificates, a QE Identity signature byte, and the
root CA CRL replaced by the PCK CRL. They are test fixtures that must fail.
"""


def chain_cases():
    rd4 = {"report_data": V4_RD.hex()}
    return [
        case("chain_root_signature_byte", "the quote's copy of the Intel root with one signature byte changed: "
             "not byte-identical to the trusted root", with_pem(LEAF + CA + flip_signature(ROOT_PEM) + b"\x00"),
             V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("chain_root_pem_footer", "the root's PEM END line corrupted",
             with_pem(LEAF + CA + ROOT_PEM.replace(b"-----END CERTIFICATE-----", b"-----END CERTIFICATX-----") + b"\x00"),
             V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("chain_without_root", "the chain without its root (leaf and CA only)",
             with_pem(LEAF + CA + b"\x00"), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("chain_extra_certificate", "a fourth certificate after the root",
             with_pem(LEAF + CA + ROOT_PEM + ROOT_PEM + b"\x00"), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("chain_text_between_blocks", "text between the CA and the root blocks",
             with_pem(LEAF + CA + b"junk\n" + ROOT_PEM + b"\x00"), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("chain_wrong_order", "the CA before the leaf",
             with_pem(CA + LEAF + ROOT_PEM + b"\x00"), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("cert_data_type", "QE report certification data typed 7 instead of 6",
             V4[:OUTER_AT] + b"\x07\x00" + V4[OUTER_AT + 2:], V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_pck_leaf_signature", "the PCK leaf's signature broken: a quote_signature failure, "
             "not a collateral one", with_pem(flip_signature(LEAF) + CA + ROOT_PEM + b"\x00"),
             V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_pck_ca_signature", "the PCK platform CA's signature broken",
             with_pem(LEAF + flip_signature(CA) + ROOT_PEM + b"\x00"), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_qe_report_signature", "one byte of the QE report signature flipped",
             flip(V4, QE_SIG_AT + 10), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_qe_report_body", "one byte of the QE report flipped (its signature breaks)",
             flip(V4, QE_REPORT_AT + 20), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_qe_auth_data", "one byte of the QE auth data flipped: the QE report data no longer "
             "binds the attestation key", flip(V4, QE_AUTH_AT + 2), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_attestation_key", "one byte of the attestation key flipped",
             flip(V4, 636 + 64 + 5), V4_COLL, AT_V4, CHAIN_REFUSED, False, rd4),
        case("label_tcb_info_signature", "the TCB Info signature broken: a collateral failure",
             V4, "mutated/tcb_info_signature.json", AT_V4, COLLATERAL_REFUSED, False, rd4),
        case("label_qe_identity_signature", "the QE Identity signature broken",
             V4, "mutated/qe_identity_signature.json", AT_V4, COLLATERAL_REFUSED, False, rd4),
        case("label_root_crl_swapped", "the PCK CRL in place of the root CA CRL",
             V4, "mutated/root_crl_swapped.json", AT_V4, COLLATERAL_REFUSED, False, rd4),
        case("label_tcb_info_signature_short", "a TCB Info signature of 10 bytes: a collateral failure, "
             "not the quote's", V4, "mutated/tcb_info_signature_short.json", AT_V4, COLLATERAL_REFUSED, False, rd4),
        case("label_tcb_info_chain_too_long", "a TCB Info issuer chain of 7 certificates",
             V4, "mutated/tcb_info_chain_too_long.json", AT_V4, COLLATERAL_REFUSED, False, rd4),
        case("label_chain_and_collateral_both_broken", "the PCK leaf's signature and the TCB Info chain both "
             "broken: both rows fail", with_pem(flip_signature(LEAF) + CA + ROOT_PEM + b"\x00"),
             "mutated/tcb_info_chain_too_long.json", AT_V4,
             {**CHAIN_REFUSED, "tdx.collateral": "fail"}, False, rd4),
    ]


# --- Policy pins and trust anchors (synthetic quotes under the test root) -----------------------
# Written by `gen-test-pki` (make regen): tests/vectors/tdx/testpki/.
TP_DIR = os.path.join(ROOT, "tests", "vectors", "tdx", "testpki")


def tp_quote(name):
    with open(os.path.join(TP_DIR, name)) as f:
        return bytes.fromhex(f.read().strip())


TP = tp_quote("quote.hex")
TP_NO_SEPT = tp_quote("quote-no-sept.hex")
TP_LOW_SVN = tp_quote("quote-low-svn.hex")
TP_COLL = "testpki/collateral.json"
AT_TP = "2026-06-02T00:00:00Z"  # a day after the synthetic collateral's issue
TP_RD = {"report_data": ("5a" * 32) + ("00" * 32)}
TP_FMSPC = "b0c06f000000"
TP_SVN = TP[48:64].hex()
INTEL_QE = "939a7233f79c4ca9940a0db3957f0607"
TP_PASS = {"trust.anchors": "warn", **ALL_PASS}
assert TP[48 + 184:48 + 232] == b"\xc1" * 48 and TP_SVN.startswith("060103")


def tp(name, about, expect, verified, policy=None, quote=TP, trust="test", trust_file=None):
    return case(name, about, quote, TP_COLL, AT_TP, expect, verified, TP_RD, policy=policy,
                trust=trust, trust_file=trust_file)


def bump(hex_text, at):
    b = bytearray(bytes.fromhex(hex_text))
    b[at] += 1
    return b.hex()


def pin_cases():
    measured = {**TP_PASS, "tdx.measurements": "pass"}
    return [
        tp("tp_uptodate", "a synthetic quote under the test root (trust = test): verifies, warned",
           TP_PASS, True),
        tp("tp_fmspc_pinned", "FMSPC allowlist with the platform's FMSPC", TP_PASS, True,
           {"fmspc": [TP_FMSPC]}),
        tp("tp_fmspc_other", "FMSPC allowlist without it", {**TP_PASS, "tdx.tcb_status": "fail"}, False,
           {"fmspc": ["00906ed50000"]}),
        tp("tp_mrconfigid_pinned", "MRCONFIGID allowlist with the quote's", measured, True,
           {"mrconfigid": ["c1" * 48]}),
        tp("tp_mrconfigid_other", "MRCONFIGID allowlist without it", {**TP_PASS, "tdx.measurements": "fail"},
           False, {"mrconfigid": ["00" * 48]}),
        tp("tp_mrowner_pinned", "MROWNER allowlist with the quote's", measured, True, {"mrowner": ["0e" * 48]}),
        tp("tp_mrowner_other", "MROWNER allowlist without it", {**TP_PASS, "tdx.measurements": "fail"},
           False, {"mrowner": ["c1" * 48]}),
        tp("tp_mrownerconfig_pinned", "MROWNERCONFIG allowlist with the quote's", measured, True,
           {"mrownerconfig": ["0c" * 48]}),
        tp("tp_mrownerconfig_other", "MROWNERCONFIG allowlist without it",
           {**TP_PASS, "tdx.measurements": "fail"}, False, {"mrownerconfig": ["0e" * 48]}),
        tp("tp_mrsignerseam_pinned", "MRSIGNERSEAM pinned to zero (Intel's module) and another value",
           TP_PASS, True, {"mrsignerseam": ["11" * 48, "00" * 48]}),
        tp("tp_mrsignerseam_other", "MRSIGNERSEAM pinned to another module's signer only",
           {**TP_PASS, "tdx.td_attributes": "fail"}, False, {"mrsignerseam": ["11" * 48]}),
        tp("tp_seam_attributes_pinned", "SEAMATTRIBUTES pinned to zero", TP_PASS, True,
           {"seam_attributes": ["00" * 8]}),
        tp("tp_seam_attributes_other", "SEAMATTRIBUTES pinned to another value",
           {**TP_PASS, "tdx.td_attributes": "fail"}, False, {"seam_attributes": ["01" + "00" * 7]}),
        tp("tp_min_tee_tcb_svn_met", "minimum TEE_TCB_SVN equal to the quote's", TP_PASS, True,
           {"min_tee_tcb_svn": TP_SVN}),
        tp("tp_min_tee_tcb_svn_above", "minimum TEE_TCB_SVN one above in byte 2",
           {**TP_PASS, "tdx.tcb_status": "fail"}, False, {"min_tee_tcb_svn": bump(TP_SVN, 2)}),
        tp("tp_qe_vendor_intel", "QE vendor id pinned to Intel's", TP_PASS, True, {"qe_vendor_id": INTEL_QE}),
        tp("tp_qe_vendor_other", "QE vendor id pinned to another vendor",
           {"trust.anchors": "warn", "tdx.quote_parse": "pass", "tdx.collateral": "pass",
            "tdx.quote_signature": "fail", "tdx.tcb_status": "skip", **UNAUTHENTICATED}, False,
           {"qe_vendor_id": "00" * 16}),
        tp("tp_sept_required", "a TD without SEPT_VE_DISABLE under the default policy",
           {"trust.anchors": "warn", "tdx.quote_signature": "pass", "tdx.td_attributes": "fail",
            "tdx.tcb_status": "skip"}, False, quote=TP_NO_SEPT),
        tp("tp_sept_not_required", "the same TD with require_sept_ve_disable = false: accepted with a "
           "warning, but dcap-qvl stops there so the TCB status is not evaluated",
           {"trust.anchors": "warn", "tdx.quote_signature": "pass", "tdx.td_attributes": "warn",
            "tdx.tcb_status": "skip"}, False, {"require_sept_ve_disable": False}, quote=TP_NO_SEPT),
        tp("tp_sept_not_required_set", "require_sept_ve_disable = false with a TD that sets it",
           TP_PASS, True, {"require_sept_ve_disable": False}),
        tp("tp_no_tcb_level", "TEE_TCB_SVN below every TCB level: tdx.tcb_status fails (no mode turns "
           "matching off)", {**TP_PASS, "tdx.tcb_status": "fail"}, False, quote=TP_LOW_SVN),
        case("tp_qe_below_minimum", "a QE below every QE Identity level: tdx.tcb_status fails, and "
             "tdx.quote_signature passes only because ccverify checks the quote signature itself "
             "(dcap-qvl stops before it)", TP, "testpki/collateral-qe-below-minimum.json", AT_TP,
             {"trust.anchors": "warn", "tdx.collateral": "pass", "tdx.quote_signature": "pass",
              "tdx.tcb_status": "fail", "tdx.report_data": "pass"}, False, TP_RD, trust="test"),
        case("tp_qe_below_minimum_forged_td", "the same with one MRTD byte changed: the quote signature "
             "is checked although dcap-qvl stopped before it, so nothing the TD report says is proven",
             flip(TP, 48 + 140), "testpki/collateral-qe-below-minimum.json", AT_TP,
             {"trust.anchors": "warn", "tdx.collateral": "pass", "tdx.quote_signature": "fail",
              "tdx.tcb_status": "fail", **UNAUTHENTICATED}, False, TP_RD, trust="test"),
        tp("tp_anchor_file", "the test SGX root named as a caller's anchor file: verifies, warned",
           TP_PASS, True, trust=None, trust_file="testpki/anchors-intel.pem"),
        tp("tp_anchor_file_without_intel", "an anchor file with only NVIDIA roots: no Intel root to "
           "chain to", {"trust.anchors": "warn", "tdx.quote_parse": "pass", "tdx.collateral": "skip",
                        "tdx.quote_signature": "fail", "tdx.tcb_status": "skip", **UNAUTHENTICATED},
           False, trust=None, trust_file="testpki/anchors-nvidia.pem"),
        tp("tp_production_roots", "the synthetic quote under the production roots: its root is not Intel's",
           {"tdx.quote_parse": "pass", "tdx.collateral": "fail", "tdx.quote_signature": "fail",
            "tdx.tcb_status": "skip", **UNAUTHENTICATED}, False, trust=None),
    ]


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
    return out + chain_cases() + pin_cases()


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "vectors", "tdx")
    os.makedirs(out_dir, exist_ok=True)
    doc = {
        "about": "TDX quote conformance cases (tests/vectors/gen/gen_tdx_vectors.py). `quote` is "
                 "hex text as io.net sends it; `collateral` is a file relative to "
                 "tests/vectors/tdx; `at` is the verification time; `trust` (a name) or `trust_file` "
                 "(an anchor file relative to tests/vectors/tdx), when present, is the trust option.",
        "cases": cases(),
    }
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.makedirs(os.path.join(out_dir, "mutated"), exist_ok=True)
    with open(os.path.join(out_dir, "mutated", "NOTICE"), "w") as f:
        f.write(MUTATED_NOTICE)
    for name, doc in mutated_collateral().items():
        with open(os.path.join(out_dir, "mutated", name), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
