#!/usr/bin/env python3
"""Cross-language vectors for whole io.net attestations and evidence bundles.

Attestation documents are assembled from the real evidence already in this repository: NVIDIA's
sample H100 report and chain (examples/gpu/gpu.json, from nv-local-gpu-verifier 2.7.3, Apache-2.0)
and dcap-qvl 0.7.1's v4 TDX quote with its collateral (MIT); see the NOTICE files under
tests/vectors/gpu/nvidia and tests/vectors/tdx/dcap-qvl. The GPU report carries the nonce
931d8dd0…dfcb; the quote's REPORTDATA is not nonce || zeros — so no case here can be fully
verified, and the vectors pin exactly which checks say so.

Expectations are written by hand from the io.net protocol notes (/shared/spec/ionet-protocol.md
§4–§5) and the check table; they are not produced by ccverify. `expect.checks` lists rows that
must be present with that status (the GPU and TDX vectors pin the rest). Standard library only;
deterministic (`make vectors-check` regenerates and diffs).

Usage: gen_report_vectors.py [OUT_DIR]   (default tests/vectors/report)
"""

import base64
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def read(*parts):
    with open(os.path.join(ROOT, *parts), "rb") as f:
        return f.read()


GPU = json.loads(read("examples", "gpu", "gpu.json"))
QUOTE = read("examples", "tdx", "quote.hex").decode().strip()
COLLATERAL = "../tdx/dcap-qvl/tdx_quote_collateral.json"
RIM_DIR = "../gpu/nvidia/rims"
AT = "2025-06-20T06:13:20Z"  # inside the quote's collateral window; the device chain is valid
N_GPU = GPU["nonce"]
assert N_GPU == "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
FRESH = hashlib.sha256(b"ccverify report vectors: a fresh nonce").hexdigest()
# The eth-account documentation key (spec §10) signed the N1 exchange below.
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
DIGEST = "sha256:" + hashlib.sha256(b"ccverify example agent image").hexdigest()
OTHER_DIGEST = "sha256:" + hashlib.sha256(b"another image").hexdigest()


def attestation(nonce=N_GPU, gpu_nonce=None, **over):
    gpu = dict(GPU)
    gpu["nonce"] = gpu_nonce or nonce
    doc = {"nonce": nonce, "cpu": {"quote": QUOTE}, "gpu": gpu, "signing_address": ADDRESS, "image_digest": DIGEST}
    for k, v in over.items():
        if v is DROP:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


DROP = object()


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


def c(id_, status, subject=None):
    return {"id": id_, "status": status, "subject": subject}


HW_OK = [
    c("report.format", "pass"),
    c("gpu.evidence_format", "pass", "gpu0"),
    c("gpu.report_parse", "pass", "gpu0"),
    c("gpu.report_signature", "pass", "gpu0"),
    c("gpu.cert_chain", "pass", "gpu0"),
    c("gpu.driver_rim", "skip", "gpu0"),
    c("gpu.ocsp", "skip", "gpu0"),
    c("tdx.quote_parse", "pass"),
    c("tdx.collateral", "pass"),
    c("tdx.quote_signature", "pass"),
    c("tdx.tcb_status", "pass"),
    c("tdx.td_attributes", "pass"),
]


def case(name, about, report, options, expect, rim_dir=None, collateral=COLLATERAL):
    return {
        "name": name,
        "about": about,
        "kind": "report",
        "report": report if isinstance(report, str) else compact(report),
        "options": options,
        "rim_dir": rim_dir,
        "collateral_file": collateral,
        "expect": expect,
    }


def opts(nonce=N_GPU, policy=None, at=AT):
    o = {"nonce": nonce, "at": at}
    if policy is not None:
        o["policy"] = policy
    return o


def expect(verified, checks, error=None, facts=None):
    return {"verified": verified, "checks": checks, "error": error, "facts": facts or {}}


def build_cases():
    base = attestation()
    cases = []
    cases.append(case(
        "real_evidence_report_nonce",
        "real GPU report and TDX quote for the GPU report's own nonce: GPU nonce, signature and chain pass; the quote is genuine and UpToDate but its REPORTDATA is not nonce||zeros, so not verified",
        base, opts(),
        expect(False, HW_OK + [
            c("report.nonce", "pass"), c("gpu.nonce", "pass", "gpu0"), c("tdx.report_data", "fail"),
            c("report.image_digest", "warn"), c("report.signing_address", "pass"), c("report.key_binding", "warn"),
        ], facts={
            # What the summary may call proven, accepted by policy without proof, or not proven.
            "claim.freshness": "not_proven", "claim.gpu_genuine": "proven", "claim.gpu_firmware": "not_proven",
            "claim.tdx_platform": "proven", "claim.tdx_code": "accepted", "claim.agent_image": "accepted",
            "claim.key_binding": "accepted", "policy.name": "default",
        })))
    cases.append(case(
        "real_evidence_with_rim_dir",
        "the same with NVIDIA's sample RIM directory: none of its RIMs is for this report's driver, so RIMs stay skipped",
        base, opts(),
        expect(False, [c("gpu.driver_rim", "skip", "gpu0"), c("gpu.measurements", "skip", "gpu0")]),
        rim_dir=RIM_DIR))
    cases.append(case(
        "fresh_nonce_bundled_evidence",
        "a fresh nonce echoed in the JSON, but the hardware evidence holds another: the echo passes, the GPU nonce and REPORTDATA fail (what the sandbox serves)",
        attestation(nonce=FRESH), opts(nonce=FRESH),
        expect(False, [c("report.nonce", "pass"), c("gpu.evidence_format", "pass", "gpu0"), c("gpu.nonce", "fail", "gpu0"), c("tdx.report_data", "fail")])))
    cases.append(case(
        "prefix_nonce_echo",
        "a 16-byte nonce whose normalised form is nonce||zeros: the echo and the GPU report hold a longer value that merely starts with it — the docs' startswith test passes, exact equality fails",
        base, opts(nonce=N_GPU[:32]),
        expect(False, [c("report.nonce", "fail"), c("gpu.nonce", "fail", "gpu0")])))
    cases.append(case(
        "uppercase_0x_nonce_option",
        "the caller's nonce in upper case with 0x: normalised like the agent does, so everything matches as for the lower-case form",
        base, opts(nonce="0x" + N_GPU.upper()),
        expect(False, [c("report.nonce", "pass"), c("gpu.nonce", "pass", "gpu0")])))
    cases.append(case(
        "no_collateral",
        "no Intel collateral supplied: collateral, quote signature and TCB are skipped, never passed; so is what the unauthenticated TD report says (attributes, measurements), while its wrong REPORTDATA still fails",
        base, opts(),
        expect(False, [c("tdx.quote_parse", "pass"), c("tdx.collateral", "skip"), c("tdx.quote_signature", "skip"), c("tdx.tcb_status", "skip"),
                       c("tdx.td_attributes", "skip"), c("tdx.measurements", "skip"), c("tdx.report_data", "fail")],
               facts={"claim.tdx_platform": "not_proven", "claim.tdx_code": "not_proven"}),
        collateral=None))
    cases.append(case(
        "cpu_error_string",
        "the agent's TDX error text where the quote should be (HTTP 200): a failed quote check carrying the agent's message",
        attestation(cpu={"quote": "Error: TDX Interface not found (/sys/kernel/config/tsm)"}), opts(),
        expect(False, [c("tdx.quote_parse", "fail"), c("tdx.report_data", "skip"), c("gpu.nonce", "pass", "gpu0")])))
    cases.append(case(
        "cpu_missing",
        "no cpu member at all",
        attestation(cpu=DROP), opts(),
        expect(False, [c("tdx.quote_parse", "fail"), c("tdx.quote_signature", "skip")])))
    cases.append(case(
        "gpu_error_object",
        "the agent's GPU error object instead of evidence",
        attestation(gpu={"error": "NVIDIA SDK not installed"}), opts(),
        expect(False, [c("gpu.evidence_format", "fail"), c("tdx.quote_signature", "pass")])))
    cases.append(case(
        "gpu_status_object",
        "the agent's 'no CC GPU' status instead of evidence",
        attestation(gpu={"status": "No GPU found with CC support"}), opts(),
        expect(False, [c("gpu.evidence_format", "fail")])))
    cases.append(case(
        "signing_address_lowercase",
        "an all-lower-case signing_address: a valid address, not EIP-55 (warn)",
        attestation(signing_address=ADDRESS.lower()), opts(),
        expect(False, [c("report.signing_address", "warn")])))
    cases.append(case(
        "signing_address_null",
        "signing_address null (startup key generation failed): no key to pin",
        attestation(signing_address=None), opts(),
        expect(False, [c("report.signing_address", "fail")])))
    bad = ADDRESS[:-1] + ("C" if ADDRESS[-1] != "C" else "D")
    bad = "0x2c7536e3605D9C16a7a3D7b1898e529396a65c23"
    cases.append(case(
        "signing_address_bad_checksum",
        "a mixed-case signing_address whose EIP-55 checksum is wrong",
        attestation(signing_address=bad), opts(),
        expect(False, [c("report.signing_address", "fail")])))
    cases.append(case(
        "image_digest_allowlisted",
        "the image digest is in the policy's allowlist",
        base, opts(policy={"image_digests": [OTHER_DIGEST, DIGEST]}),
        expect(False, [c("report.image_digest", "pass")])))
    cases.append(case(
        "image_digest_not_allowlisted",
        "the image digest is not in the allowlist",
        base, opts(policy={"image_digests": [OTHER_DIGEST]}),
        expect(False, [c("report.image_digest", "fail")])))
    cases.append(case(
        "image_digest_missing_with_allowlist",
        "no image_digest while the policy has an allowlist",
        attestation(image_digest=DROP), opts(policy={"image_digests": [DIGEST]}),
        expect(False, [c("report.image_digest", "fail")])))
    cases.append(case(
        "image_digest_malformed",
        "an image_digest that is not sha256:<64 hex>",
        attestation(image_digest="latest"), opts(),
        expect(False, [c("report.image_digest", "fail")])))
    cases.append(case(
        "strict_preset",
        "the strict preset: the unbound signing key and the missing allowlist fail",
        base, opts(policy="strict"),
        expect(False, [c("report.key_binding", "fail"), c("report.image_digest", "fail")],
               facts={"claim.key_binding": "not_proven", "claim.agent_image": "not_proven", "policy.name": "strict"})))
    cases.append(case(
        "offline_preset",
        "the offline preset: revocation that cannot be proven offline is a warning; the RIMs are still required, so the GPU appraisal is not proven",
        base, opts(policy="offline"),
        expect(False, [c("gpu.ocsp", "warn", "gpu0"), c("gpu.driver_rim", "skip", "gpu0"), c("report.key_binding", "warn")],
               facts={"claim.gpu_firmware": "not_proven", "policy.name": "offline"})))
    cases.append(case(
        "relaxed_gpu_appraisal",
        "offline with RIMs not required (--allow-no-rims --allow-no-ocsp): every GPU row relaxed to a warning, so the GPU firmware claim is accepted by policy, never proven",
        base, opts(policy={"preset": "offline", "gpu": {"require_rims": False}}),
        expect(False, [c("gpu.ocsp", "warn", "gpu0"), c("gpu.driver_rim", "warn", "gpu0"), c("gpu.vbios_rim", "warn", "gpu0"),
                       c("gpu.measurements", "warn", "gpu0")],
               facts={"claim.gpu_firmware": "accepted", "claim.gpu_genuine": "proven", "policy.name": "offline (customised)"})))
    cases.append(case(
        "not_json",
        "an HTML error page instead of an attestation",
        "<html><body>502 Bad Gateway</body></html>", opts(),
        expect(False, [c("report.format", "fail"), c("report.nonce", "skip")])))
    cases.append(case(
        "not_an_object",
        "a JSON array instead of an object",
        "[]", opts(),
        expect(False, [c("report.format", "fail")])))
    cases.append(case(
        "invalid_nonce_option",
        "the caller's nonce is not hex: an error (the call is wrong), not a verdict",
        base, opts(nonce="not-a-nonce"),
        expect(None, [], error="invalid_nonce")))
    cases.append(case(
        "unknown_option",
        "a typo in the options is refused",
        base, dict(opts(), polcy="strict"),
        expect(None, [], error="invalid_argument")))
    return cases


def n1_exchange():
    with open(os.path.join(ROOT, "tests", "vectors", "exchange", "n1_plain.json")) as f:
        v = json.load(f)
    return {
        "request": base64.b64decode(v["request_b64"]).decode(),
        "response": base64.b64decode(v["response_b64"]).decode(),
        "headers": [[k, val] for k, val in (v["headers"].items() if isinstance(v["headers"], dict) else v["headers"])],
        "stream": False,
    }


def bundle(exchanges, policy=None):
    return {
        "format": "ccverify-bundle/1",
        "created_at": AT,
        "at": AT,
        "base_url": "https://api.intelligence.io.net",
        "model_id": "00000000-0000-4000-8000-000000000000",
        "nonce": N_GPU,
        "attestation": attestation(),
        "collateral": json.loads(read("tests", "vectors", "tdx", "dcap-qvl", "tdx_quote_collateral.json")),
        "rims": {},
        "ocsp": [],
        "policy": policy or {"preset": "default"},
        "verdict": None,
        "exchanges": exchanges,
    }


# What a crafted bundle could record to relax its own checks: no RIMs, no revocation, a debug
# TD and an out-of-date TCB accepted.
SELF_RELAXING_POLICY = {
    "preset": "offline",
    "gpu": {"require_rims": False, "require_revocation": False, "allow_expired_rims": True},
    "tdx": {"allow_debug": True, "accepted_tcb_statuses": ["UpToDate", "OutOfDate", "SWHardeningNeeded"]},
}


def bundle_cases():
    good = n1_exchange()
    tampered = dict(good, response=good["response"].replace("Hello!", "Hullo!"))
    assert tampered["response"] != good["response"]
    files = {
        "bundle-real.json": bundle([good]),
        "bundle-tampered-exchange.json": bundle([good, tampered]),
        "bundle-self-relaxing.json": bundle([good], SELF_RELAXING_POLICY),
    }
    real = HW_OK + [c("report.nonce", "pass"), c("gpu.nonce", "pass", "gpu0"), c("tdx.report_data", "fail"),
                    c("report.signing_address", "pass"), c("report.key_binding", "warn")]
    ex0 = [c(i, "pass", "exchange0") for i in ("response.signature", "response.signer", "response.request_hash", "response.response_hash")]
    caller = [c("bundle.inputs", "pass")]
    # Bundle vectors always pin the time: without `at` a bundle is verified now (the clock).
    cases = [
        {"name": "bundle_real", "about": "a bundle of the real evidence plus the signed N1 exchange, re-verified offline at a pinned time under the caller's (default) policy; the exchange verifies against the attested key, the attestation does not verify (REPORTDATA)",
         "kind": "bundle", "bundle_file": "bundle-real.json", "options": {"at": AT},
         "expect": expect(False, caller + real + ex0, facts={"claim.bundle_inputs": "proven", "policy.source": "caller", "bundle.time_source": "caller", "policy.name": "default"})},
        {"name": "bundle_recorded", "about": "the same bundle at the time and under the policy it recorded, as asked: bundle.inputs warns that the verdict rests on values the bundle supplied",
         "kind": "bundle", "bundle_file": "bundle-real.json", "options": {"at": "recorded", "policy": "recorded"},
         "expect": expect(False, [c("bundle.inputs", "warn")] + real + ex0,
                          facts={"claim.bundle_inputs": "accepted", "policy.source": "bundle", "bundle.time_source": "bundle"})},
        {"name": "bundle_tampered_exchange", "about": "a second exchange whose response was altered after signing",
         "kind": "bundle", "bundle_file": "bundle-tampered-exchange.json", "options": {"at": AT},
         "expect": expect(False, caller + ex0 + [c("response.response_hash", "fail", "exchange1"), c("response.signer", "pass", "exchange1")])},
        {"name": "bundle_later_time", "about": "re-verified at a later time: the Intel collateral has expired",
         "kind": "bundle", "bundle_file": "bundle-real.json", "options": {"at": "2030-01-01T00:00:00Z"},
         "expect": expect(False, caller + [c("tdx.collateral", "fail"), c("response.signer", "pass", "exchange0")])},
        {"name": "bundle_strict_policy", "about": "re-verified under the strict preset",
         "kind": "bundle", "bundle_file": "bundle-real.json", "options": {"at": AT, "policy": "strict"},
         "expect": expect(False, caller + [c("report.key_binding", "fail")])},
        {"name": "bundle_self_relaxing_ignored", "about": "a crafted bundle records a policy that relaxes its own checks (no RIMs, no revocation, debug TD, OutOfDate): by default the caller's policy applies, so the missing RIMs and OCSP answers stay skipped",
         "kind": "bundle", "bundle_file": "bundle-self-relaxing.json", "options": {"at": AT},
         "expect": expect(False, caller + [c("gpu.driver_rim", "skip", "gpu0"), c("gpu.vbios_rim", "skip", "gpu0"), c("gpu.ocsp", "skip", "gpu0")])},
        {"name": "bundle_self_relaxing_recorded", "about": "the same bundle with --policy recorded: its relaxations apply, each as a warning, and bundle.inputs warns that the verdict rests on the bundle's own policy",
         "kind": "bundle", "bundle_file": "bundle-self-relaxing.json", "options": {"at": AT, "policy": "recorded"},
         "expect": expect(False, [c("bundle.inputs", "warn"), c("gpu.driver_rim", "warn", "gpu0"), c("gpu.vbios_rim", "warn", "gpu0"), c("gpu.ocsp", "warn", "gpu0")],
                          facts={"claim.gpu_firmware": "accepted", "policy.name": "offline (customised)", "policy.source": "bundle"})},
        {"name": "bundle_unknown_option", "about": "a typo in the options is refused",
         "kind": "bundle", "bundle_file": "bundle-real.json", "options": {"att": "2030-01-01T00:00:00Z"},
         "expect": expect(None, [], error="invalid_argument")},
    ]
    return files, cases


# The test PKI (ccverify-testpki): a whole session against `ccverify sandbox --evidence test`
# (strict policy with the sandbox's image digest, key bound, two GPUs, a plain and a streamed
# reply) recorded by `cargo run -p ccverify-net --example test_pki_bundle`. Its keys are public:
# these cases verify ONLY under trust "test", and say "TEST ROOTS".
TEST_PKI = json.loads(read("tests", "vectors", "testpki", "bundle.json"))
TEST_AT = TEST_PKI["at"]
TEST_DIGEST = TEST_PKI["attestation"]["image_digest"]
# The TD's MRTD (TD report offset 136, after the 48-byte header): a key binding proves something
# only for pinned code, so the strict policy pins it.
TEST_MRTD = bytes.fromhex(TEST_PKI["attestation"]["cpu"]["quote"])[48 + 136:48 + 184].hex()
TEST_STRICT = {"preset": "strict", "image_digests": [TEST_DIGEST], "tdx": {"mrtd": [TEST_MRTD]}, "trust": "test"}


def test_pki_cases():
    """(files, cases): the recorded bundle, its RIMs and collateral as report inputs."""
    files = {
        "bundle-test-pki.json": TEST_PKI,
        "testpki-collateral.json": TEST_PKI["collateral"],
    }
    rims = {f"testpki-rims/{rid}.xml": xml for rid, xml in TEST_PKI["rims"].items()}
    report = json.dumps(TEST_PKI["attestation"], separators=(",", ":"))
    gpus = ("gpu0", "gpu1")
    hw = [c("tdx.quote_signature", "pass"), c("tdx.collateral", "pass"), c("tdx.tcb_status", "pass"),
          c("tdx.td_attributes", "pass"), c("tdx.report_data", "pass"), c("trust.anchors", "warn")]
    for g in gpus:
        hw += [c(i, "pass", g) for i in ("gpu.nonce", "gpu.report_signature", "gpu.cert_chain", "gpu.fwid",
                                         "gpu.driver_rim", "gpu.vbios_rim", "gpu.measurements")]
    exchanges = [c(i, "pass", e) for e in ("exchange0", "exchange1")
                 for i in ("response.signature", "response.signer", "response.request_hash", "response.response_hash")]
    test_facts = {"claim.anchors": "accepted", "claim.gpu_genuine": "accepted", "claim.key_binding": "accepted",
                  "key_binding.layout": "address", "trust": "test"}
    production = [c("gpu.cert_chain", "fail", "gpu0"), c("gpu.driver_rim", "fail", "gpu0"), c("tdx.collateral", "fail")]
    options = {"nonce": TEST_PKI["nonce"], "at": TEST_AT}
    cases = [
        {"name": "test_pki_report", "about": "a fresh test-PKI attestation (two GPUs, key bound) with its RIMs and collateral under trust \"test\" and the offline preset: verified, every hardware row passing but revocation (offline: warned) and the key binding (the TD's code is not pinned: warned), and every claim resting on a signature chain only accepted — TEST ROOTS",
         "kind": "report", "report": report,
         "options": dict(options, policy={"preset": "offline", "trust": "test"}),
         "rim_dir": "testpki-rims", "collateral_file": "testpki-collateral.json",
         "expect": expect(True, hw + [c("gpu.ocsp", "warn", "gpu0"), c("report.key_binding", "warn")], facts=test_facts)},
        {"name": "test_pki_report_production_roots", "about": "the same attestation under the production roots (the default): the test PKI's chains lead nowhere",
         "kind": "report", "report": report, "options": dict(options, policy="offline"),
         "rim_dir": "testpki-rims", "collateral_file": "testpki-collateral.json",
         "expect": expect(False, production)},
        {"name": "test_pki_bundle", "about": "the whole recorded session re-verified offline under the strict policy (image digest and MRTD pinned) with trust \"test\": attestation, revocation, key binding and both exchanges verify — TEST ROOTS",
         "kind": "bundle", "bundle_file": "bundle-test-pki.json", "options": {"at": TEST_AT, "policy": TEST_STRICT},
         "expect": expect(True, [c("bundle.inputs", "pass"), c("report.key_binding", "pass"), c("tdx.measurements", "pass")]
                          + hw + [c("gpu.ocsp", "pass", g) for g in gpus] + exchanges
                          + [c("stream.coverage", "pass", "exchange1")],
                          facts=dict(test_facts, **{"claim.agent_image": "proven"}))},
        {"name": "test_pki_bundle_production_roots", "about": "the same bundle under the caller's default policy: production roots, so it does not verify (the exchanges still match the recorded key)",
         "kind": "bundle", "bundle_file": "bundle-test-pki.json", "options": {"at": TEST_AT},
         "expect": expect(False, [c("bundle.inputs", "pass")] + production + exchanges)},
        {"name": "test_pki_bundle_recorded_policy", "about": "the bundle's own policy says trust \"test\"; applied as asked, it still never selects the test roots",
         "kind": "bundle", "bundle_file": "bundle-test-pki.json", "options": {"at": TEST_AT, "policy": "recorded"},
         "expect": expect(False, [c("bundle.inputs", "warn")] + production)},
    ]
    return files, rims, cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "vectors", "report")
    os.makedirs(out, exist_ok=True)
    files, bcases = bundle_cases()
    tfiles, trims, tcases = test_pki_cases()
    files.update(tfiles)
    bcases += tcases
    os.makedirs(os.path.join(out, "testpki-rims"), exist_ok=True)
    for name, text in trims.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)
    for name, doc in files.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")
    doc = {
        "about": "Whole-attestation and bundle conformance cases (tests/vectors/gen/gen_report_vectors.py). "
                 "kind=report: verify `report` (exact text) with `options` (ReportOptions JSON) plus, when not null, "
                 "rim_dir (a directory) and collateral_file (whose text becomes options.collateral), both relative to tests/vectors/report. "
                 "kind=bundle: verify the file bundle_file (relative to tests/vectors/report) with `options` (BundleOptions JSON). "
                 "expect.error is the error code when the call must fail; otherwise expect.verified must match, every row of "
                 "expect.checks must be present (same id and subject) with that status, and every entry of expect.facts must be "
                 "a fact of the verdict with exactly that value. Bundle cases pin `at` (without it a bundle is verified now).",
        "cases": build_cases() + bcases,
    }
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
