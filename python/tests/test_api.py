"""The Python surface: argument types, errors, the verdict objects and StreamVerifier's states."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import ccverify
from support import ATTESTED, EXAMPLES, FOREIGN, b64, n1_case

N1 = n1_case()
REQUEST = b64(N1["request_b64"])
RESPONSE = b64(N1["response_b64"])
HEADERS: dict[str, str] = N1["headers"]

# The stable names and numbers of the core's ErrorKind (core/src/error.rs): API, never reused.
ERRORS: list[tuple[type[ccverify.Error], str, int]] = [
    (ccverify.InvalidArgumentError, "invalid_argument", 1),
    (ccverify.InvalidNonceError, "invalid_nonce", 2),
    (ccverify.InvalidAddressError, "invalid_address", 3),
    (ccverify.InvalidSignatureError, "invalid_signature", 4),
    (ccverify.LimitExceededError, "limit_exceeded", 5),
    (ccverify.InvalidStateError, "invalid_state", 6),
    (ccverify.RngError, "rng", 7),
    (ccverify.NetworkError, "network", 8),
    (ccverify.AttestationFailedError, "attestation_failed", 9),
    (ccverify.UnverifiedResponseError, "unverified_response", 10),
    (ccverify.CancelledError, "cancelled", 11),
    (ccverify.InternalError, "internal", 99),
]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls,code,number", ERRORS, ids=[code for _, code, _ in ERRORS])
def test_error_classes(cls: type[ccverify.Error], code: str, number: int) -> None:
    assert issubclass(cls, ccverify.Error)
    assert issubclass(ccverify.Error, Exception)
    assert cls.code == code
    assert cls.number == number
    assert cls.__module__ == "ccverify"
    assert cls.__doc__ and code in cls.__doc__
    error = cls("why")
    assert (error.code, error.number, str(error)) == (code, number, "why")


def test_error_codes_are_unique() -> None:
    assert len({code for _, code, _ in ERRORS}) == len({n for _, _, n in ERRORS}) == len(ERRORS)
    subclasses = {
        c for c in vars(ccverify).values() if isinstance(c, type) and issubclass(c, ccverify.Error)
    }
    assert subclasses == {ccverify.Error} | {cls for cls, _, _ in ERRORS}


def test_bad_expected_address_raises() -> None:
    for bad in ("0x12", "not an address", ATTESTED.replace("c", "C", 1), " " + ATTESTED):
        with pytest.raises(ccverify.InvalidAddressError) as info:
            ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=bad)
        assert (info.value.code, info.value.number) == ("invalid_address", 3)
        with pytest.raises(ccverify.InvalidAddressError):
            ccverify.verify_stream(REQUEST, b"", expected_address=bad)
        with pytest.raises(ccverify.InvalidAddressError):
            ccverify.StreamVerifier(REQUEST, expected_address=bad)


def test_expected_address_is_keyword_only() -> None:
    # A positional address is too easy to confuse with the headers or the stream: the pin that
    # decides who must have signed is always named at the call site.
    with pytest.raises(TypeError):
        ccverify.verify_response(REQUEST, RESPONSE, HEADERS, ATTESTED)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ccverify.verify_stream(REQUEST, b"", ATTESTED)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ccverify.StreamVerifier(REQUEST, ATTESTED)  # type: ignore[call-arg]


def test_bad_evidence_never_raises() -> None:
    verdict = ccverify.verify_response(b"\xff not json", b"", {"signature": "zz"}, expected_address=ATTESTED)
    assert not verdict.verified
    assert {c.status for c in verdict.checks} <= {"fail", "skip", "warn"}
    verdict = ccverify.verify_stream(b"", b"\x00" * 100, expected_address=None)
    assert not verdict.verified


def test_invalid_signature() -> None:
    text = HEADERS["text"].encode()
    for bad in ("", "0x", "zz", HEADERS["signature"][:128], HEADERS["signature"][:-2] + "1d"):
        with pytest.raises(ccverify.InvalidSignatureError) as info:
            ccverify.recover_address(text, bad)
        assert info.value.code == "invalid_signature"


def test_panic_becomes_internal_error() -> None:
    with pytest.raises(ccverify.InternalError, match="boom") as info:
        ccverify._native._test_panic("boom")
    assert (info.value.code, info.value.number) == ("internal", 99)


# --- arguments -------------------------------------------------------------------------------


def test_bytes_like_inputs() -> None:
    want = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=ATTESTED)
    assert want.verified
    for convert in (bytearray, memoryview, lambda b: memoryview(b"xx" + b + b"yy")[2:-2]):
        got = ccverify.verify_response(convert(REQUEST), convert(RESPONSE), HEADERS, expected_address=ATTESTED)
        assert got == want
    # A non-contiguous view is copied correctly too.
    strided = memoryview(bytes(b for pair in zip(RESPONSE, RESPONSE) for b in pair))[::2]
    assert ccverify.verify_response(REQUEST, strided, HEADERS, expected_address=ATTESTED) == want


@pytest.mark.parametrize("bad", ["text", 42, None, [1, 2]])
def test_non_bytes_inputs_raise_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="bytes, bytearray or memoryview"):
        ccverify.verify_response(bad, RESPONSE, HEADERS, expected_address=ATTESTED)
    with pytest.raises(TypeError):
        ccverify.verify_stream(REQUEST, bad)
    with pytest.raises(TypeError):
        ccverify.recover_address(bad, HEADERS["signature"])
    with pytest.raises(TypeError, match="chunk must be bytes"):
        ccverify.StreamVerifier(REQUEST).update(bad)


def test_header_forms() -> None:
    want = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=ATTESTED)
    upper = {k.upper(): v for k, v in HEADERS.items()}
    pairs = list(HEADERS.items())

    class Headers:  # a minimal mapping-like object, like requests' or httpx's headers
        def items(self) -> Any:
            return iter(pairs)

    for form in (upper, pairs, tuple(pairs), Headers()):
        # Headers() is not a typing.Mapping; any object with items() is accepted at runtime.
        got = ccverify.verify_response(REQUEST, RESPONSE, form, expected_address=ATTESTED)  # type: ignore[arg-type]
        assert got == want


def test_repeated_header_with_another_value_fails() -> None:
    pairs = list(HEADERS.items()) + [("Signing_Algo", "ed25519")]
    verdict = ccverify.verify_response(REQUEST, RESPONSE, pairs, expected_address=ATTESTED)
    assert not verdict.verified
    assert next(c for c in verdict.checks if c.id == "response.signing_algo").status == "fail"


@pytest.mark.parametrize("headers", [{"text": 1}, {1: "x"}, {"text": b"x"}, [("text",)], ["ab"], 5])
def test_bad_headers_raise_type_error(headers: Any) -> None:
    with pytest.raises(TypeError):
        ccverify.verify_response(REQUEST, RESPONSE, headers, expected_address=ATTESTED)


def test_keyword_arguments() -> None:
    verdict = ccverify.verify_response(
        request=REQUEST, response=RESPONSE, headers=HEADERS, expected_address=ATTESTED
    )
    assert verdict.verified
    verifier = ccverify.StreamVerifier(request=REQUEST, expected_address=ATTESTED)
    assert verifier.update(chunk=b"") == b""


# --- verdict objects -------------------------------------------------------------------------


def test_verdict_fields() -> None:
    verdict = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=ATTESTED)
    assert verdict.verified is True
    assert verdict.signer == ATTESTED
    assert set(verdict.facts) == {"request_hash", "response_hash"}
    assert f"{verdict.facts['request_hash']}:{verdict.facts['response_hash']}" == HEADERS["text"]
    assert [c.status for c in verdict.checks] == ["pass"] * 7
    check = verdict.checks[0]
    assert isinstance(check, ccverify.Check)
    assert (check.id, check.subject) == ("response.signing_algo", None)
    assert isinstance(check.detail, str) and check.detail


def test_verdict_is_immutable() -> None:
    verdict = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=None)
    with pytest.raises(AttributeError):
        verdict.verified = True  # type: ignore[misc]
    verdict.checks.clear()
    verdict.facts.clear()
    assert len(verdict.checks) == 7 and len(verdict.facts) == 2
    with pytest.raises(AttributeError):
        verdict.checks[0].status = "pass"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ccverify.Verdict()


def test_unpinned_verdict_is_not_verified() -> None:
    verdict = ccverify.verify_response(REQUEST, RESPONSE, HEADERS)
    assert not verdict.verified
    assert verdict.signer == ATTESTED
    skipped = [c.id for c in verdict.checks if c.status == "skip"]
    assert skipped == ["response.signer"]


def test_to_dict_and_to_json_shape() -> None:
    verdict = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=FOREIGN)
    data = verdict.to_dict()
    assert list(data) == ["verified", "checks", "signer", "facts"]
    assert data == json.loads(verdict.to_json())
    assert data["verified"] is False and data["signer"] == ATTESTED
    assert all(list(c) == ["id", "status", "detail"] for c in data["checks"])
    assert [c.to_dict() for c in verdict.checks] == data["checks"]
    # Compact JSON, exactly the core's serialisation.
    assert verdict.to_json() == json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def test_equality_and_hash() -> None:
    a = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=ATTESTED)
    b = ccverify.verify_response(bytearray(REQUEST), RESPONSE, HEADERS, expected_address=ATTESTED)
    c = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=None)
    assert a == b and a != c and a != "verdict"
    assert a.checks == b.checks
    assert hash(a.checks[0]) == hash(b.checks[0])
    assert len({*a.checks, *b.checks}) == 7
    with pytest.raises(TypeError):
        hash(a)


def test_reprs() -> None:
    verdict = ccverify.verify_response(REQUEST, RESPONSE, HEADERS, expected_address=None)
    text = repr(verdict)
    assert text == (
        f"Verdict(verified=False, signer='{ATTESTED}', checks=7, "
        "not_passed={'response.signer': 'skip'})"
    )
    check = verdict.checks[0]
    assert repr(check) == (
        f"Check(id='response.signing_algo', status='pass', detail={check.detail!r}, subject=None)"
    )
    assert repr(ccverify.StreamVerifier(REQUEST)) == "<ccverify.StreamVerifier>"


# --- StreamVerifier --------------------------------------------------------------------------


def test_stream_verifier_state() -> None:
    verifier = ccverify.StreamVerifier(REQUEST, expected_address=ATTESTED)
    # Only what the agent hashed is handed on, re-serialised; [DONE] is never passed through.
    assert verifier.update(b"data: {}\n\ndata:{\"x\":1}\n\ndata: [DONE]\n\n") == b"data: {}\n\n"
    assert verifier.update(bytearray(b"")) == b""
    assert verifier.update(memoryview(b"data: [1]")) == b""
    assert verifier.tail() == b""  # before finish()
    verdict = verifier.finish()
    assert not verdict.verified  # unsigned
    assert verifier.tail() == b"data: [1]\n\n"  # the unterminated last event; no [DONE]
    with pytest.raises(ccverify.InvalidStateError) as info:
        verifier.update(b"more")
    assert (info.value.code, info.value.number) == ("invalid_state", 6)
    with pytest.raises(ccverify.InvalidStateError):
        verifier.finish()


def test_stream_example_passthrough() -> None:
    example = EXAMPLES / "05-s1_stream_a5"
    request = (example / "request.json").read_bytes()
    expected = (example / "expected_address.txt").read_text().strip()
    stream = (example / "stream.sse").read_bytes()
    verifier = ccverify.StreamVerifier(request, expected_address=expected)
    forwarded = b"".join(verifier.update(stream[i : i + 64]) for i in range(0, len(stream), 64))
    verdict = verifier.finish()
    forwarded += verifier.tail()
    assert verdict.verified, verdict
    assert verdict == ccverify.verify_stream(request, stream, expected_address=expected)
    # The events re-serialised, without the signature block, ending in [DONE].
    assert b"event: signature" in stream and b"event: signature" not in forwarded
    assert forwarded.endswith(b"}\n\ndata: [DONE]\n\n")
    lines = [line for line in stream.split(b"\n") if line.startswith(b"data: {\"id\"")]
    assert forwarded == b"".join(line + b"\n\n" for line in lines) + b"data: [DONE]\n\n"


# --- nonces ----------------------------------------------------------------------------------


def test_generate_nonce() -> None:
    nonces = {ccverify.generate_nonce() for _ in range(16)}
    assert len(nonces) == 16
    for nonce in nonces:
        assert re.fullmatch("[0-9a-f]{64}", nonce)
        assert ccverify.normalize_nonce(nonce) == nonce


def test_normalize_nonce_errors() -> None:
    for bad in ("", "   ", "0x", "00", "zz", "ab" * 33, "é"):
        with pytest.raises(ccverify.InvalidNonceError):
            ccverify.normalize_nonce(bad)


@pytest.mark.parametrize(
    ("body", "streams"),
    [
        (b'{"messages":[],"stream":true}', True),
        (b'{"messages":[],"stream":1}', True),
        (b'{"messages":[],"stream":"true"}', True),
        (b'{"messages":[]}', False),
        (b'{"messages":[],"stream":false}', False),
        (b"not json", False),
    ],
)
def test_request_streams_is_the_agents_rule(body: bytes, streams: bool) -> None:
    assert ccverify.request_streams(body) is streams
