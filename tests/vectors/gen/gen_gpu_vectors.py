#!/usr/bin/env python3
"""Cross-language GPU evidence vectors: NVIDIA's real Hopper sample (nv-local-gpu-verifier
2.7.3) wrapped in io.net `gpu` objects, plus every negative mutation of the evidence spec
(nvidia-gpu.md §10.3) and the io.net envelope failures.

Expectations are written here by hand from the spec and NVIDIA's observed behaviour; they are
not produced by ccverify. Each case names the checks it pins (id, subject → status) and the
overall `verified`. Standard library only; output is deterministic (`make vectors-check`
regenerates it and fails on drift).

Usage: gen_gpu_vectors.py [OUT_DIR]   (default tests/vectors/gpu)
"""

import base64
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NV = os.path.join(ROOT, "tests", "vectors", "gpu", "nvidia")

NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
AT_2024 = "2024-06-01T00:00:00Z"  # every bundled RIM signer chain is valid then
AT_NOW = "2026-11-28T00:00:00Z"  # after the RIM L3 "GH100 001" expired (2026-11-11)

REPORT = bytes.fromhex(open(os.path.join(NV, "hopperAttestationReport.txt")).read().strip())
CHAIN_PEM = open(os.path.join(NV, "hopperCertChain.txt")).read()
RIM_ROOT_PEM = open(os.path.join(ROOT, "core", "src", "gpu", "roots", "verifier_RIM_root.pem")).read()


def pem_blocks(text):
    out, cur = [], []
    for line in text.splitlines():
        if line.startswith("-----BEGIN"):
            cur = [line]
        elif line.startswith("-----END"):
            cur.append(line)
            out.append("\n".join(cur))
            cur = []
        elif cur:
            cur.append(line)
    return out


CERTS = pem_blocks(CHAIN_PEM)
assert len(CERTS) == 5 and len(REPORT) == 4117


def b64(b):
    return base64.b64encode(b).decode()


def entry(report=REPORT, certs=CERTS, tail=b"", **extra):
    # io.net joins the PEM blocks with a single "\n" and base64-encodes the UTF-8 text;
    # production evidence since mid-2026 ends the chain with "\n" and NUL bytes (`tail`) and
    # carries a per-evidence `nonce` (`extra`).
    return {"evidence": b64(report), "certificate": b64("\n".join(certs).encode() + tail), **extra}


def gpu_object(entries, nonce=NONCE, arch="HOPPER"):
    return {"nonce": nonce, "arch": arch, "evidence_list": entries, "claims_version": "3.0"}


def flip(data, offset):
    b = bytearray(data)
    b[offset] ^= 0x01
    return bytes(b)


G = "gpu0"
REPORT_OK = {
    (G, "gpu.evidence_format"): "pass",
    (G, "gpu.report_parse"): "pass",
    (G, "gpu.nonce"): "pass",
    (G, "gpu.report_signature"): "pass",
    (G, "gpu.cert_chain"): "pass",
    (G, "gpu.fwid"): "pass",
}
NO_RIMS = {
    (G, "gpu.ocsp"): "skip",
    (G, "gpu.driver_rim"): "skip",
    (G, "gpu.vbios_rim"): "skip",
    (G, "gpu.measurements"): "skip",
    (None, "gpu.arch"): "pass",
    (None, "gpu.count"): "warn",
    (None, "gpu.mode"): "pass",
}
# What the report says, once its signature or chain fails: a pass becomes a skip (nothing
# unauthenticated is proven); wrong content still fails.
UNAUTHENTICATED = {
    (G, "gpu.nonce"): "skip",
    (G, "gpu.fwid"): "skip",
    (None, "gpu.arch"): "skip",
    (None, "gpu.mode"): "skip",
}
NOT_EVALUATED_AFTER_PARSE = {
    (G, "gpu.nonce"): "skip",
    (G, "gpu.report_signature"): "skip",
    (G, "gpu.cert_chain"): "skip",
    (G, "gpu.fwid"): "skip",
}


def case(name, about, gpu, expect, verified=False, nonce=NONCE, at=AT_2024, rim_dir=None, policy=None):
    checks = [
        {"subject": s, "id": i, "status": st}
        for (s, i), st in sorted(expect.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
    ]
    c = {
        "name": name,
        "about": about,
        "gpu": gpu if isinstance(gpu, str) else json.dumps(gpu, separators=(",", ":")),
        "nonce": nonce,
        "at": at,
        "rim_dir": rim_dir,
        "policy": policy or {},
        "expect": {"verified": verified, "checks": checks},
    }
    return c


def cases():
    out = []
    ok = gpu_object([entry()])
    out.append(case(
        "sample_no_rims",
        "NVIDIA's real H100 report and chain, verified offline without RIMs or OCSP: every report "
        "check passes, revocation and measurements are not proven, so not verified",
        ok, {**REPORT_OK, **NO_RIMS}))
    out.append(case(
        "sample_no_rims_relaxed",
        "the same under a policy that does not require RIMs or revocation: warnings, verified",
        ok, {**REPORT_OK, (G, "gpu.ocsp"): "warn", (G, "gpu.driver_rim"): "warn",
             (G, "gpu.vbios_rim"): "warn", (G, "gpu.measurements"): "warn",
             (None, "gpu.count"): "pass"},
        verified=True,
        policy={"require_rims": False, "require_revocation": False, "expected_count": 1}))
    out.append(case(
        "sample_at_real_clock",
        "the device chain runs to 9999: the report still verifies at today's date",
        ok, {**REPORT_OK, **NO_RIMS}, at=AT_NOW))
    out.append(case(
        "sample_mismatched_rims_2024",
        "real NVIDIA RIMs for other versions, stored under the ids this report asks for: both "
        "RIMs verify (schema, XML-DSig, chain at 2024-06-01) but their versions differ and "
        "measres fails at the golden indices NVIDIA's verifier reports",
        ok, {**REPORT_OK, (G, "gpu.driver_rim"): "fail", (G, "gpu.vbios_rim"): "fail",
             (G, "gpu.measurements"): "fail", (G, "gpu.ocsp"): "skip"},
        rim_dir="rimdirs/mismatched"))
    out.append(case(
        "sample_mismatched_rims_expired",
        "the same RIMs at today's date: their signer chains expired (L3 on 2026-11-11)",
        ok, {**REPORT_OK, (G, "gpu.driver_rim"): "fail", (G, "gpu.vbios_rim"): "fail"},
        at=AT_NOW, rim_dir="rimdirs/mismatched"))
    out.append(case(
        "wrong_expected_nonce",
        "a different expected nonce: the echo and the nonce inside the signed report both differ",
        gpu_object([entry()], nonce="00" * 31 + "01"),
        {(None, "gpu.evidence_format"): "pass", (G, "gpu.nonce"): "fail",
         (G, "gpu.report_signature"): "pass"},
        nonce="00" * 31 + "01"))
    out.append(case(
        "echo_differs",
        "the JSON echo differs from the expected nonce while the report is right: the echo proves "
        "nothing, but a different one is refused",
        gpu_object([entry()], nonce="ab" * 32),
        {(None, "gpu.evidence_format"): "fail", (G, "gpu.nonce"): "pass"}))
    out.append(case(
        "flip_signature_last_byte", "flip the last signature byte",
        gpu_object([entry(flip(REPORT, len(REPORT) - 1))]),
        {**UNAUTHENTICATED, (G, "gpu.report_parse"): "pass", (G, "gpu.report_signature"): "fail",
         (G, "gpu.cert_chain"): "pass"}))
    out.append(case(
        "flip_measurement_block_1", "flip a byte of measurement block 1 (offset 52)",
        gpu_object([entry(flip(REPORT, 52))]),
        {**UNAUTHENTICATED, (G, "gpu.report_parse"): "pass", (G, "gpu.report_signature"): "fail"}))
    out.append(case(
        "flip_fwid", "flip a FWID byte (offset 3968): FWID mismatch and a broken signature",
        gpu_object([entry(flip(REPORT, 3968))]),
        {(G, "gpu.fwid"): "fail", (G, "gpu.report_signature"): "fail", (G, "gpu.cert_chain"): "pass"}))
    out.append(case(
        "flip_request_nonce", "flip a request-nonce byte (offset 4): nonce and signature fail",
        gpu_object([entry(flip(REPORT, 4))]),
        {(G, "gpu.nonce"): "fail", (G, "gpu.report_signature"): "fail"}))
    out.append(case(
        "truncate_10", "truncate 10 bytes: NVIDIA's Python verifier calls this parsed; it is not",
        gpu_object([entry(REPORT[:-10])]),
        {(G, "gpu.report_parse"): "fail", **NOT_EVALUATED_AFTER_PARSE}))
    out.append(case(
        "truncate_2000", "truncate to 2000 bytes",
        gpu_object([entry(REPORT[:2000])]),
        {(G, "gpu.report_parse"): "fail", **NOT_EVALUATED_AFTER_PARSE}))
    out.append(case(
        "append_4_zero_bytes", "append 4 zero bytes after the signature: trailing bytes",
        gpu_object([entry(REPORT + b"\0\0\0\0")]),
        {(G, "gpu.report_parse"): "fail"}))
    der_sig = bytearray(REPORT[:-96])
    r, s = REPORT[-96:-48], REPORT[-48:]

    def der_int(x):
        x = x.lstrip(b"\0") or b"\0"
        if x[0] & 0x80:
            x = b"\0" + x
        return bytes([2, len(x)]) + x
    body = der_int(r) + der_int(s)
    der_sig += bytes([0x30, len(body)]) + body
    out.append(case(
        "der_encoded_signature", "the same signature DER-encoded instead of raw r||s: refused",
        gpu_object([entry(bytes(der_sig))]),
        {(G, "gpu.report_parse"): "fail"}))
    block_count = bytearray(REPORT)
    block_count[41] = 63
    out.append(case(
        "number_of_blocks_wrong", "NumberOfBlocks 63 while the record holds 64",
        gpu_object([entry(bytes(block_count))]), {(G, "gpu.report_parse"): "fail"}))
    spec = bytearray(REPORT)
    spec[46] = 2
    out.append(case(
        "measurement_spec_not_dmtf", "MeasurementSpecification 2 in block 1",
        gpu_object([entry(bytes(spec))]), {(G, "gpu.report_parse"): "fail"}))
    dup = bytearray(REPORT)
    dup[45 + 55] = 1
    out.append(case(
        "duplicate_block_index", "block 2 claims index 1",
        gpu_object([entry(bytes(dup))]), {(G, "gpu.report_parse"): "fail"}))
    overrun = bytearray(REPORT)
    overrun[3601:3603] = b"\xff\xff"
    out.append(case(
        "opaque_tlv_overrun", "the first opaque TLV claims 65535 bytes",
        gpu_object([entry(bytes(overrun))]), {(G, "gpu.report_parse"): "fail"}))
    unknown = bytearray(REPORT)
    unknown[3599] = 40  # the VBIOS TLV becomes unknown type 40: kept, but the signature breaks
    out.append(case(
        "opaque_unknown_tlv_type", "an unknown opaque TLV type parses (kept) but breaks the signature",
        gpu_object([entry(bytes(unknown))]),
        {(G, "gpu.report_parse"): "pass", (G, "gpu.report_signature"): "fail"}))
    c = list(CERTS)
    c[0], c[1] = c[1], c[0]
    out.append(case(
        "chain_leaf_swapped", "certificates 0 and 1 swapped: the leaf is not first",
        gpu_object([entry(certs=c)]),
        {(G, "gpu.fwid"): "fail", (G, "gpu.report_signature"): "fail", (G, "gpu.cert_chain"): "fail"}))
    out.append(case(
        "chain_reversed", "the chain in reverse order",
        gpu_object([entry(certs=list(reversed(CERTS)))]),
        {(G, "gpu.cert_chain"): "fail", (G, "gpu.report_signature"): "fail"}))
    c = list(CERTS)
    c[1], c[2] = c[2], c[1]
    out.append(case(
        "chain_middle_swapped", "certificates 1 and 2 swapped (leaf still first)",
        gpu_object([entry(certs=c)]),
        {**UNAUTHENTICATED, (G, "gpu.cert_chain"): "fail", (G, "gpu.report_signature"): "pass"}))
    out.append(case(
        "chain_without_root", "the chain without its root: completed from the pinned root",
        gpu_object([entry(certs=CERTS[:4])]),
        {**REPORT_OK}))
    foreign = CERTS[:4] + [pem_blocks(RIM_ROOT_PEM)[0]]
    out.append(case(
        "chain_foreign_root", "the device root replaced by another self-signed root",
        gpu_object([entry(certs=foreign)]),
        {**UNAUTHENTICATED, (G, "gpu.cert_chain"): "fail", (G, "gpu.report_signature"): "pass"}))
    out.append(case(
        "chain_leaf_only", "only the leaf certificate: it does not chain to the root",
        gpu_object([entry(certs=CERTS[:1])]),
        {(G, "gpu.cert_chain"): "fail"}))
    out.append(case(
        "agent_error", "the agent's {error} shape (HTTP 200 with no evidence)",
        {"error": "NVIDIA SDK not installed"}, {(None, "gpu.evidence_format"): "fail"}))
    out.append(case(
        "agent_no_gpu", "the agent's {status} shape",
        {"status": "No GPU found with CC support"}, {(None, "gpu.evidence_format"): "fail"}))
    out.append(case(
        "empty_evidence_list", "an empty evidence_list",
        gpu_object([]), {(None, "gpu.evidence_format"): "fail", (None, "gpu.arch"): "skip"}))
    out.append(case(
        "not_json", "not JSON at all", "{\"nonce\": ", {(None, "gpu.evidence_format"): "fail"}))
    out.append(case(
        "bad_base64", "evidence that is not base64",
        gpu_object([{"evidence": "not base64!", "certificate": entry()["certificate"]}]),
        {(G, "gpu.evidence_format"): "fail", (G, "gpu.report_parse"): "skip"}))
    out.append(case(
        "pem_garbage", "a certificate field that is base64 of text, not PEM",
        gpu_object([{"evidence": entry()["evidence"], "certificate": b64(b"hello")}]),
        {(G, "gpu.evidence_format"): "fail"}))
    out.append(case(
        "arch_blackwell", "the envelope claims BLACKWELL: refused (the certificates say GH100)",
        gpu_object([entry()], arch="BLACKWELL"), {(None, "gpu.arch"): "fail", **REPORT_OK}))
    eight = gpu_object([entry()] * 8)
    exp8 = {}
    for i in range(8):
        exp8[(f"gpu{i}", "gpu.report_signature")] = "pass"
        exp8[(f"gpu{i}", "gpu.cert_chain")] = "pass"
        exp8[(f"gpu{i}", "gpu.nonce")] = "pass"
    out.append(case(
        "eight_gpus_expected_8", "eight entries (the sample repeated), policy expects 8",
        eight, {**exp8, (None, "gpu.count"): "pass"}, policy={"expected_count": 8}))
    out.append(case(
        "count_mismatch", "one GPU attested, policy expects 8",
        ok, {(None, "gpu.count"): "fail", **REPORT_OK}, policy={"expected_count": 8}))
    mixed = gpu_object([entry(), entry(flip(REPORT, 52))])
    out.append(case(
        "one_bad_gpu_of_two", "two GPUs, the second one's report is tampered: per-GPU subjects",
        mixed, {(G, "gpu.report_signature"): "pass", ("gpu1", "gpu.report_signature"): "fail",
                (G, "gpu.nonce"): "pass", ("gpu1", "gpu.nonce"): "skip",
                (None, "gpu.mode"): "skip", (None, "gpu.arch"): "skip"}))
    # Production evidence (2026): the chain ends with "\n" and NUL bytes after the last END
    # line, and each entry carries its own `nonce`. NVIDIA's verifiers accept both.
    prod = gpu_object([entry(tail=b"\n" + b"\0" * 7, nonce=NONCE)])
    out.append(case(
        "production_chain_trailing_nuls",
        "production evidence: the PEM chain ends with a newline and NUL bytes, and the entry "
        "carries its own nonce: accepted, every report check passes",
        prod, {**REPORT_OK, **NO_RIMS}))
    out.append(case(
        "production_eight_gpus",
        "eight production entries (PPCIe-style set: trailing NULs, per-evidence nonce): all verify",
        gpu_object([entry(tail=b"\n" + b"\0" * 4, nonce=NONCE)] * 8),
        {**{(f"gpu{i}", "gpu.report_signature"): "pass" for i in range(8)},
         **{(f"gpu{i}", "gpu.evidence_format"): "pass" for i in range(8)},
         (None, "gpu.count"): "pass", (None, "gpu.mode"): "pass"},
        policy={"expected_count": 8}))
    out.append(case(
        "chain_trailing_text",
        "text other than whitespace and NUL bytes after the last certificate is refused",
        gpu_object([entry(tail=b"\n\0\0junk")]),
        {(G, "gpu.evidence_format"): "fail"}))
    out.append(case(
        "chain_nul_between_certificates",
        "NUL bytes between two certificates (not after the last) are refused",
        gpu_object([{"evidence": b64(REPORT),
                     "certificate": b64(("\n".join(CERTS[:2])).encode() + b"\0\0\n" + "\n".join(CERTS[2:]).encode())}]),
        {(G, "gpu.evidence_format"): "fail"}))
    out.append(case(
        "per_evidence_nonce_differs",
        "an entry's own nonce echo differs from the expected nonce: refused like the envelope's",
        gpu_object([entry(nonce="ab" * 32)]),
        {(None, "gpu.evidence_format"): "fail", (G, "gpu.nonce"): "pass"}))
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "vectors", "gpu")
    os.makedirs(out_dir, exist_ok=True)
    doc = {
        "about": "GPU evidence conformance cases (see tests/vectors/gen/gen_gpu_vectors.py). "
                 "rim_dir is relative to tests/vectors/gpu; at is the verification time.",
        "cases": cases(),
    }
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
