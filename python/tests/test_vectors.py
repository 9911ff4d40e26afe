"""The shared conformance vectors in tests/vectors/, with the assertions of
core/tests/vectors.rs, run through the Python API."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any, Optional

import pytest

import ccverify
from support import ATTESTED, VECTORS, b64, exchange_cases, load_json, n1_case

CASES = exchange_cases()
STREAM_CASES = [c for c in CASES if c["kind"] == "stream"]


def run_case(case: dict[str, Any]) -> ccverify.Verdict:
    request = b64(case["request_b64"])
    expected: Optional[str] = case["expected_address"]
    if case["kind"] == "response":
        headers: dict[str, str] = case["headers"]
        return ccverify.verify_response(request, b64(case["response_b64"]), headers, expected_address=expected)
    assert case["kind"] == "stream", case["kind"]
    return ccverify.verify_stream(request, b64(case["stream_b64"]), expected_address=expected)


def assert_matches(case: dict[str, Any], verdict: ccverify.Verdict) -> None:
    cid = case["id"]
    expect = case["expect"]
    want: dict[str, str] = expect["checks"]
    got = {c.id: c for c in verdict.checks}
    assert len(verdict.checks) == len(want), f"{cid}: check count {verdict!r}"
    assert len(got) == len(verdict.checks), f"{cid}: duplicate check ids"
    for check_id, status in want.items():
        assert check_id in got, f"{cid}: missing check {check_id}"
        assert got[check_id].status == status, f"{cid}: {check_id}: {got[check_id].detail}"
    assert verdict.verified is expect["verified"], f"{cid}: verified"
    assert verdict.signer == expect["signer"], f"{cid}: signer"
    for fact in ("request_hash", "response_hash"):
        assert verdict.facts.get(fact) == expect[fact], f"{cid}: {fact}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_exchange_vector(case: dict[str, Any]) -> None:
    verdict = run_case(case)
    assert_matches(case, verdict)
    # The Python views agree with the core's JSON.
    assert verdict.to_dict() == json.loads(verdict.to_json())


def test_vectors_cover_every_status() -> None:
    seen = {status for c in CASES for status in c["expect"]["checks"].values()}
    assert seen == {"pass", "fail", "skip", "warn"}
    assert {c["kind"] for c in CASES} == {"response", "stream"}


def chunkings(data: bytes) -> dict[str, list[bytes]]:
    """1-byte, 7-byte and seeded random splits (random sizes 1..23, like the Rust test)."""
    out = {
        "1-byte": [data[i : i + 1] for i in range(len(data))],
        "7-byte": [data[i : i + 7] for i in range(0, len(data), 7)],
    }
    for seed in range(1, 6):
        rng = random.Random(seed)
        parts, i = [], 0
        while i < len(data):
            n = rng.randint(1, 23)
            parts.append(data[i : i + n])
            i += n
        out[f"random-{seed}"] = parts
    for name, parts in out.items():
        assert b"".join(parts) == data, name
    return out


@pytest.mark.parametrize("case", STREAM_CASES, ids=[c["id"] for c in STREAM_CASES])
def test_stream_verifier_agrees_with_verify_stream(case: dict[str, Any]) -> None:
    request = b64(case["request_b64"])
    stream = b64(case["stream_b64"])
    expected: Optional[str] = case["expected_address"]
    whole = ccverify.verify_stream(request, stream, expected_address=expected)
    assert_matches(case, whole)
    delivered = b64(case["expect"]["delivered_b64"])
    for name, parts in chunkings(stream).items():
        verifier = ccverify.StreamVerifier(request, expected_address=expected)
        forwarded = b"".join(verifier.update(part) for part in parts)
        verdict = verifier.finish()
        forwarded += verifier.tail()
        assert verdict.to_dict() == whole.to_dict(), f"{case['id']}: {name}"
        assert verdict == whole
        # What is handed on is the vector's canonical events, never the relayed bytes.
        assert forwarded == delivered, f"{case['id']}: {name}"


def test_nonce_oracle() -> None:
    cases = load_json(VECTORS / "nonce.json")["cases"]
    assert cases
    for case in cases:
        value: str = case["input"]
        normalized: Optional[str] = case["normalized"]
        if normalized is not None and set(normalized) == {"0"}:
            # The client refuses nonces that carry no freshness even where the agent accepts
            # them (same rule as the Rust test).
            with pytest.raises(ccverify.InvalidNonceError):
                ccverify.normalize_nonce(value)
        elif normalized is not None:
            assert ccverify.normalize_nonce(value) == normalized, repr(value)
        else:
            with pytest.raises(ccverify.InvalidNonceError) as info:
                ccverify.normalize_nonce(value)
            assert info.value.code == "invalid_nonce"


def test_address_oracle() -> None:
    """eth.json addresses, through the one API that parses addresses: expected_address.

    Valid inputs must be accepted and compare by value: with the N1 exchange (signed by the
    attested key) the signer check passes exactly when the EIP-55 form is the attested
    address, and a failure names the checksummed form."""
    n1 = n1_case()
    request, response = b64(n1["request_b64"]), b64(n1["response_b64"])
    cases = load_json(VECTORS / "eth.json")["addresses"]
    assert any(c["valid"] for c in cases) and any(not c["valid"] for c in cases)
    for case in cases:
        value: str = case["input"]
        if not case["valid"]:
            with pytest.raises(ccverify.InvalidAddressError):
                ccverify.verify_response(request, response, n1["headers"], expected_address=value)
            continue
        verdict = ccverify.verify_response(request, response, n1["headers"], expected_address=value)
        signer_check = next(c for c in verdict.checks if c.id == "response.signer")
        checksummed: str = case["checksummed"]
        if checksummed == ATTESTED:
            assert signer_check.status == "pass", value
            assert verdict.verified, value
        else:
            assert signer_check.status == "fail", value
            assert checksummed in signer_check.detail, (value, signer_check.detail)


# --- EIP-191 digests, checked through recover_address with an independent signer -----------
#
# ccverify exposes no hash function, so eth.json's personal-message digests are checked the
# other way round: sign each *vector* digest with the attested key (textbook secp256k1 ECDSA
# below, independent of ccverify) and require recover_address(message) to return the attested
# address. That holds only if ccverify's EIP-191 digest of the message equals the vector's.

_P = 2**256 - 2**32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)
#: eth-account's documentation test key; its address is ATTESTED.
_ATTESTED_KEY = 0x4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318

_Point = Optional[tuple[int, int]]


def _add(a: _Point, b: _Point) -> _Point:
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % _P == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, _P) % _P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, _P) % _P
    x = (lam * lam - a[0] - b[0]) % _P
    return x, (lam * (a[0] - x) - a[1]) % _P


def _mul(k: int, point: _Point = _G) -> _Point:
    out: _Point = None
    while k:
        if k & 1:
            out = _add(out, point)
        point = _add(point, point)
        k >>= 1
    return out


def sign_digest(key: int, digest: bytes, v_base: int = 27) -> str:
    """A low-s r||s||v signature of a 32-byte digest, as hex."""
    z = int.from_bytes(digest, "big")
    k = int.from_bytes(hashlib.sha256(key.to_bytes(32, "big") + digest).digest(), "big") % _N
    point = _mul(k)
    assert point is not None and point[0] < _N
    r = point[0]
    s = pow(k, -1, _N) * (z + r * key) % _N
    recid = point[1] & 1
    if s > _N // 2:
        s, recid = _N - s, recid ^ 1
    return (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v_base + recid])).hex()


def test_personal_message_digests() -> None:
    cases = load_json(VECTORS / "eth.json")["personal_hashes"]
    assert cases
    for case in cases:
        message = case["message_utf8"].encode("utf-8")
        digest = bytes.fromhex(case["eip191_keccak"])
        for v_base in (27, 0):
            signature = sign_digest(_ATTESTED_KEY, digest, v_base)
            assert ccverify.recover_address(message, signature) == ATTESTED, case
            assert ccverify.recover_address(message, "0x" + signature) == ATTESTED, case


def test_recover_rejects_high_s_twin() -> None:
    digest = bytes.fromhex(load_json(VECTORS / "eth.json")["personal_hashes"][0]["eip191_keccak"])
    signature = bytes.fromhex(sign_digest(_ATTESTED_KEY, digest))
    s = int.from_bytes(signature[32:64], "big")
    flipped_v = 55 - signature[64]  # 27 <-> 28
    twin = signature[:32] + (_N - s).to_bytes(32, "big") + bytes([flipped_v])
    with pytest.raises(ccverify.InvalidSignatureError, match="high-s"):
        ccverify.recover_address(b"anything", twin.hex())
