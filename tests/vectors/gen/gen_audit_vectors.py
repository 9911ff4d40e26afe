#!/usr/bin/env python3
"""Cross-language vectors for audits of recorded exchanges (`ccverify audit`, ccverify::audit).

A log of recorded exchanges in the README's JSON Lines format, built from vectors already in
this repository, with the verdict every exchange must get:

- every exchange vector (tests/vectors/exchange/*.json) that names an expected address, as a
  record held to that `address`: genuine and tampered, plain and streamed; its expected verdict
  and failing checks are the vector's own;
- the two exchanges inside the TEST-PKI bundle (tests/vectors/report/bundle-test-pki.json), as
  records held to that `bundle`, plus a tampered copy of each (one byte of the reply changed);
- lines that are not records (broken JSON, an unknown key, a missing id), which an audit must
  report by line number and never count as verified.

The bundle verifies only under `policy.json` (the strict preset pinned to its image and MRTD,
trust "test") at `AT`; under the default policy (production roots) it does not, so its records
must fail `audit.signer`. `expected.json` holds both outcomes. Standard library only;
deterministic (`make vectors-check` regenerates and diffs).

Usage: gen_audit_vectors.py [OUT_DIR]   (default tests/vectors/audit)
"""

import base64
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VECTORS = os.path.join(ROOT, "tests", "vectors")
BUNDLE = "../report/bundle-test-pki.json"
AT = "2026-12-05T07:55:58Z"
POLICY = {
    "preset": "strict",
    "image_digests": ["sha256:e1eb8307656bcbd3899dfe05e8cf703833adf289ac98338f612212c78d2b3983"],
    "tdx": {"mrtd": ["91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"]},
    "trust": "test",
}


def part(record, name, data):
    """`name` as text when the bytes are UTF-8, else `name_b64`."""
    try:
        record[name] = data.decode("utf-8")
    except UnicodeDecodeError:
        record[name + "_b64"] = base64.b64encode(data).decode()


def failing(checks):
    return sorted({cid for cid, status in checks.items() if status in ("fail", "skip")})


def tamper(data):
    """One byte of the reply's content changed (the first 'e' after the last '"content"')."""
    at = data.rfind(b'"content"')
    i = data.find(b"e", at + 10)
    assert at >= 0 and i > at, "a reply without content"
    return data[:i] + b"E" + data[i + 1:]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(VECTORS, "audit")
    os.makedirs(out, exist_ok=True)
    lines, expected = [], {}

    for path in sorted(glob.glob(os.path.join(VECTORS, "exchange", "*.json"))):
        with open(path, encoding="utf-8") as f:
            v = json.load(f)
        if not v.get("expected_address"):
            continue
        r = {"id": v["id"]}
        part(r, "request", base64.b64decode(v["request_b64"]))
        if v["kind"] == "stream":
            part(r, "stream", base64.b64decode(v["stream_b64"]))
        else:
            part(r, "response", base64.b64decode(v["response_b64"]))
            r["headers"] = v["headers"]
        r["address"] = v["expected_address"]
        lines.append(json.dumps(r, sort_keys=True, ensure_ascii=False))
        exp = {"verified": v["expect"]["verified"], "failed": failing(v["expect"]["checks"])}
        expected[v["id"]] = {"test_policy": exp, "default_policy": exp}

    with open(os.path.join(VECTORS, "report", "bundle-test-pki.json"), encoding="utf-8") as f:
        bundle = json.load(f)
    for i, e in enumerate(bundle["exchanges"]):
        for tampered in (False, True):
            rid = f"bundle_exchange{i}" + ("_tampered" if tampered else "")
            r = {"id": rid}
            part(r, "request", e["request"].encode())
            reply = e["response"].encode()
            if tampered:
                reply = tamper(reply)
            if e.get("stream"):
                part(r, "stream", reply)
            else:
                part(r, "response", reply)
                names = [k.lower() for k, _ in e["headers"]]
                assert len(set(names)) == len(names), "a repeated header has no object form"
                r["headers"] = dict(e["headers"])
            r["bundle"] = BUNDLE
            lines.append(json.dumps(r, sort_keys=True, ensure_ascii=False))
            hash_row = "response.response_hash"
            expected[rid] = {
                "test_policy": {"verified": not tampered, "failed": [hash_row] if tampered else []},
                # No attested key: the signer is unchecked (skipped) and audit.signer fails.
                "default_policy": {
                    "verified": False,
                    "failed": sorted({"audit.signer", "response.signer"} | ({hash_row} if tampered else set())),
                },
            }

    bad = [
        '{"id": "broken", "request": ',
        json.dumps({"id": "typo", "request": "{}", "respnose": "{}", "headers": {}, "address": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"}),
        json.dumps({"request": "{}", "response": "{}", "headers": {}, "address": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"}),
    ]
    # The bad lines sit among the records, with a blank line (skipped, not bad) before them.
    at = len(lines) // 2
    lines[at:at] = [""] + bad
    bad_lines = [at + 2 + k for k in range(len(bad))]  # 1-based: the blank line is at + 1

    with open(os.path.join(out, "exchanges.jsonl"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "policy.json"), "w", encoding="utf-8") as f:
        json.dump(POLICY, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"at": AT, "policy": "policy.json", "bad_lines": bad_lines, "exchanges": expected},
                  f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"gen_audit_vectors: {len(expected)} exchanges, {len(bad_lines)} bad lines -> {out}")


if __name__ == "__main__":
    main()
