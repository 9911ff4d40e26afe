#!/usr/bin/env python3
"""Writes the fuzz seeds (fuzz/seeds/<target>/) from the conformance vectors and examples.

Every seed is a real input of the project's tests: requests, responses and streams of the
exchange vectors, the NVIDIA and synthetic GPU evidence, certificates, RIMs, OCSP responses,
NRAS tokens, TDX quotes with their collateral, attestation reports, bundles, policies, nonces
and addresses. Structured targets take length-prefixed fields (see `fields` in fuzz/src/lib.rs):
each field but the last is a 4-byte big-endian length and its bytes, the last is the rest.

Run `make fuzz-seeds` (or `python3 fuzz/seeds.py`) after changing the vectors; the seeds are
committed, and `cargo test -p ccverify-fuzz` runs every target over them.
"""

import base64
import hashlib
import json
import re
import shutil
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
OUT = ROOT / "fuzz" / "seeds"


def fields(*parts: bytes) -> bytes:
    out = b""
    for part in parts[:-1]:
        out += struct.pack(">I", len(part)) + part
    return out + (parts[-1] if parts else b"")


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


class Seeds:
    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {}

    def add(self, target: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()[:16]
        seen = self.seen.setdefault(target, set())
        if digest in seen:
            return
        seen.add(digest)
        directory = OUT / target
        directory.mkdir(parents=True, exist_ok=True)
        (directory / digest).write_bytes(data)


def pem_blocks(text: str) -> list[bytes]:
    return [
        base64.b64decode("".join(body.split()))
        for body in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    ]


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    s = Seeds()

    # Signed exchanges: requests, plain responses with their headers, streams in three chunkings.
    for path in sorted((VECTORS / "exchange").glob("*.json")):
        case = load(path)
        request = base64.b64decode(case["request_b64"])
        s.add("request", request)
        s.add("pyjson", request)
        address = case.get("expected_address")
        raw_address = bytes.fromhex(address[2:]) if address else b""
        if case["kind"] == "response":
            response = base64.b64decode(case["response_b64"])
            s.add("pyjson", response)
            headers = "".join(f"{k}: {v}\n" for k, v in case["headers"].items()).encode()
            s.add("response", fields(request, response, raw_address, headers))
        else:
            stream = base64.b64decode(case["stream_b64"])
            for steps in (b"", bytes([7] * 64), bytes([1, 200, 3, 250, 17] * 20)):
                s.add("stream", fields(request, stream, steps))
    for case in load(VECTORS / "canonical" / "requests.json")["cases"]:
        body = base64.b64decode(case["body_b64"])
        s.add("request", body)
        s.add("pyjson", body)

    # NVIDIA GPU evidence.
    nvidia = VECTORS / "gpu" / "nvidia"
    report_hex = (nvidia / "hopperAttestationReport.txt").read_text().strip()
    s.add("spdm", bytes.fromhex(report_hex))
    chain_text = (nvidia / "hopperCertChain.txt").read_text()
    ders = pem_blocks(chain_text)
    s.add("x509", chain_text.encode())
    s.add("x509", fields(*ders[:3], b"".join(ders[3:4])))
    for der in ders:
        s.add("x509", der)
    for path in sorted((VECTORS / "gpu").rglob("*.pem")):
        if "key" not in path.name:
            s.add("x509", path.read_bytes())
    for path in sorted((VECTORS / "gpu").rglob("*.json")):
        if path.parent.name == "gpu" and path.name == "cases.json":
            for case in load(path)["cases"]:
                try:
                    gpu = json.loads(case["gpu"])
                except (ValueError, TypeError):
                    continue  # the malformed-evidence cases
                for item in gpu.get("evidence_list", []) if isinstance(gpu, dict) else []:
                    try:
                        s.add("spdm", base64.b64decode(item["evidence"]))
                    except (KeyError, ValueError, TypeError):
                        pass
    for path in sorted(nvidia.joinpath("rims").glob("*.swidtag"))[:6]:
        s.add("rim", path.read_bytes())
        s.add("xml", path.read_bytes())
    for path in sorted((VECTORS / "gpu").rglob("*.xml")):
        s.add("rim", path.read_bytes())
        s.add("xml", path.read_bytes())
    s.add("xml", b'<a xmlns="urn:x" xmlns:b="urn:b" b:c="1" d=\'2\'><b:e>t&amp;<![CDATA[<x>]]></b:e><!-- c --></a>')
    for path in sorted((VECTORS / "gpu" / "ocsp").rglob("*")):
        if path.is_file() and path.suffix in (".der", ".ocsp"):
            s.add("ocsp", path.read_bytes())
    nras = VECTORS / "gpu" / "nras"
    index = load(nras / "index.json")
    jwks = (nras / index["jwks"]).read_bytes()
    nonce = bytes.fromhex(index["nonce"])
    for vector in index["vectors"]:
        s.add("nras", fields(jwks, nonce, (nras / vector["file"]).read_bytes()))

    # Intel TDX.
    tdx = VECTORS / "tdx"
    for case in load(tdx / "cases.json")["cases"]:
        s.add("tdx", fields(case["quote"].encode(), (tdx / case["collateral"]).read_bytes()))

    # Whole attestations, bundles, policies.
    for case in load(VECTORS / "report" / "cases.json")["cases"]:
        if case.get("report"):
            s.add("report", case["report"].encode())
            s.add("pyjson", case["report"].encode())
        policy = case.get("options", {}).get("policy")
        if isinstance(policy, str):
            s.add("policy", policy.encode())
        elif isinstance(policy, dict):
            s.add("policy", json.dumps(policy).encode())
    for path in sorted((VECTORS / "report").glob("bundle-*.json")):
        s.add("bundle", path.read_bytes())
    for line in (VECTORS / "audit" / "exchanges.jsonl").read_bytes().splitlines():
        if line.strip():
            s.add("audit", line)
    for case in load(VECTORS / "options" / "cases.json")["cases"]:
        if case["schema"] == "policy":
            s.add("policy", json.dumps(case["options"]).encode())
    for name in ("default", "offline", "strict"):
        s.add("policy", name.encode())
    s.add("policy", b'preset = "offline"\nrequire_key_binding = true\n\n[gpu]\nexpected_count = 8\n\n[tdx]\nmrtd = ["' + b"ab" * 48 + b'"]\n')

    # Nonces and addresses.
    for case in load(VECTORS / "nonce.json")["cases"]:
        value = case.get("input")
        if isinstance(value, str):
            s.add("nonce", value.encode())
    for case in load(VECTORS / "eth.json")["addresses"]:
        value = case.get("input")
        if isinstance(value, str):
            s.add("address", value.encode())

    # Verdicts in their JSON form (what the CLI's --json prints).
    check = {"id": "response.signature", "status": "pass", "detail": "ok"}
    for verdict in (
        {"verified": True, "checks": [check], "signer": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", "facts": {"request_hash": "ab"}},
        {"verified": False, "checks": [check, {"id": "gpu.nonce", "status": "fail", "detail": "x", "subject": "gpu0"}], "signer": None, "facts": {}},
        {"verified": False, "checks": [], "signer": None, "facts": {}},
    ):
        s.add("verdict", json.dumps(verdict, separators=(",", ":")).encode())

    # HTTP request heads as the loopback servers receive them (without the closing blank line):
    # what reqwest, browsers and the tests send, and the edge cases the parser must refuse.
    heads = [
        "GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1:8400\r\naccept: */*",
        "POST /v1/private/completions HTTP/1.1\r\nHost: 127.0.0.1:8400\r\nAuthorization: Bearer k\r\n"
        "Content-Type: application/json\r\nContent-Length: 42\r\nx-sandbox-fault: tamper-response",
        "POST /api/inspect HTTP/1.1\r\nHost: localhost:40123\r\nOrigin: http://localhost:40123\r\n"
        "x-ccverify-token: " + "ab" * 32 + "\r\nContent-Type: application/json; charset=utf-8\r\n"
        "Content-Length: 33554432\r\nSec-Fetch-Site: same-origin\r\nAccept: text/event-stream",
        "GET /?token=x HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Tab:\tvalue\t",
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 01",
        "GET / HTTP/1.1\r\nTransfer-Encoding: chunked",
        "GET http://evil/ HTTP/1.1\r\nHost: evil",
        "GET / HTTP/2.0",
        "GET / HTTP/1.1\r\nX: a\nHost: evil",
        "GET / HTTP/1.1\r\n folded: line",
    ]
    for head in heads:
        s.add("http", head.encode())

    for target, seen in sorted(s.seen.items()):
        print(f"{target}: {len(seen)} seeds")


if __name__ == "__main__":
    main()
