"""ccverify.openai: the official OpenAI SDK routed through a Session, against a real
`ccverify sandbox`. Every sandbox session is unverified (canned evidence), so strict mode raises
for every reply and the non-strict mode must hand the verdict over."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Union

import openai
import pytest

import ccverify
from ccverify.openai import VerifyingTransport, verified_openai_client
from support import Sandbox, sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox() as running:
        yield running


@pytest.fixture(scope="module")
def session(sb: Sandbox) -> ccverify.Session:
    return ccverify.Session.attest(
        sb.model_id, base_url=sb.base_url, policy="offline", allow_unverified=True, api_key="k"
    )


def status(verdict: ccverify.Verdict, check_id: str) -> str:
    return next(c.status for c in verdict.checks if c.id == check_id)


def test_import_ccverify_does_not_import_openai() -> None:
    import subprocess
    import sys

    code = "import sys, ccverify; print('openai' in sys.modules, 'httpx2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_not_strict_returns_the_echo_with_its_verdict(sb: Sandbox, session: ccverify.Session) -> None:
    seen: list[ccverify.ChatResponse] = []
    client = verified_openai_client(session, strict=False, on_verdict=seen.append)
    assert str(client.base_url).rstrip("/") == sb.base_url + "/v1/private"
    completion = client.chat.completions.create(
        model=sb.model, messages=[{"role": "user", "content": "hello"}]
    )
    assert completion.choices[0].message.content == "Echo: hello"
    assert len(seen) == 1
    reply = seen[0]
    assert not reply.verified and not reply.stream
    assert status(reply.verdict, "response.signature") == "pass"
    assert status(reply.verdict, "response.request_hash") == "pass"
    assert status(reply.verdict, "response.response_hash") == "pass"
    assert status(reply.verdict, "session.attestation") == "fail"
    # The request the SDK built is what was sent and signed.
    sent = json.loads(reply.request)
    assert sent["model"] == sb.model and sent["messages"][0]["content"] == "hello"

    raw = client.chat.completions.with_raw_response.create(
        model=sb.model, messages=[{"role": "user", "content": "raw"}]
    )
    assert raw.parse().choices[0].message.content == "Echo: raw"
    verdict = raw.http_response.extensions["ccverify_verdict"]
    assert isinstance(verdict, ccverify.Verdict) and not verdict.verified
    assert verdict.signer == sb.signing_address
    assert raw.http_response.extensions["ccverify_response"].body == raw.http_response.content


def test_strict_raises_unverified_response_error(sb: Sandbox, session: ccverify.Session) -> None:
    seen: list[ccverify.ChatResponse] = []
    client = verified_openai_client(session, on_verdict=seen.append)
    with pytest.raises(ccverify.UnverifiedResponseError) as info:
        client.chat.completions.create(model=sb.model, messages=[{"role": "user", "content": "hi"}])
    error = info.value
    assert isinstance(error, ccverify.Error)
    assert error.code == "unverified_response" and error.number == 10
    assert "session.attestation" in str(error)
    assert status(error.verdict, "session.attestation") == "fail"
    assert status(error.verdict, "response.signature") == "pass"
    assert error.response is not None and b"Echo: hi" in error.response.body
    assert len(seen) == 1  # on_verdict runs before the raise


def test_streaming_yields_the_deltas(sb: Sandbox, session: ccverify.Session) -> None:
    seen: list[ccverify.ChatResponse] = []
    client = verified_openai_client(session, strict=False, on_verdict=seen.append)
    stream = client.chat.completions.create(
        model=sb.model, messages=[{"role": "user", "content": "one two three"}], stream=True
    )
    chunks = list(stream)
    # The signature block is left out: every chunk is a completion chunk.
    assert all(chunk.choices for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == "Echo: one two three"
    assert len(seen) == 1
    reply = seen[0]
    assert reply.stream and not reply.verified
    assert status(reply.verdict, "stream.signature_block") == "pass"
    assert status(reply.verdict, "stream.coverage") == "pass"
    assert status(reply.verdict, "response.signer") == "pass"
    # What was handed on: the events re-serialised; no signature block, no [DONE] (unverified).
    assert reply.body.startswith(b"data: {") and reply.body.endswith(b"}\n\n")
    assert b"event: signature" not in reply.body and b"[DONE]" not in reply.body


def test_streaming_strict_raises_at_the_end(sb: Sandbox, session: ccverify.Session) -> None:
    client = verified_openai_client(session)
    stream = client.chat.completions.create(
        model=sb.model, messages=[{"role": "user", "content": "a b"}], stream=True
    )
    received: list[str] = []
    with pytest.raises(ccverify.UnverifiedResponseError) as info:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Echo: a b"  # passed through as it arrived
    assert info.value.response is not None and info.value.response.stream


def test_streaming_with_hold_passes_nothing_unverified(
    sb: Sandbox, session: ccverify.Session
) -> None:
    client = verified_openai_client(session, strict=False, hold=True)
    stream = client.chat.completions.create(
        model=sb.model, messages=[{"role": "user", "content": "held"}], stream=True
    )
    assert list(stream) == []


def test_tamper_fault_verdict_rows(sb: Sandbox) -> None:
    tampered = ccverify.Session.attest(
        sb.model_id,
        base_url=sb.base_url,
        policy="offline",
        allow_unverified=True,
        headers={"x-sandbox-fault": "tamper-response"},
    )
    seen: list[ccverify.ChatResponse] = []
    strict = verified_openai_client(tampered, on_verdict=seen.append)
    with pytest.raises(ccverify.UnverifiedResponseError) as info:
        strict.chat.completions.create(model=sb.model, messages=[{"role": "user", "content": "x"}])
    assert status(info.value.verdict, "response.response_hash") == "fail"
    assert status(info.value.verdict, "response.signature") == "pass"
    stream = strict.chat.completions.create(
        model=sb.model, messages=[{"role": "user", "content": "x y"}], stream=True
    )
    with pytest.raises(ccverify.UnverifiedResponseError) as streamed:
        list(stream)
    assert status(streamed.value.verdict, "response.response_hash") == "fail"
    assert len(seen) == 2


def test_errors_of_the_session_propagate(sb: Sandbox) -> None:
    refusing = ccverify.Session.attest(sb.model_id, base_url=sb.base_url, policy="offline")
    client = verified_openai_client(refusing, strict=False)
    with pytest.raises(ccverify.AttestationFailedError):
        client.chat.completions.create(model=sb.model, messages=[{"role": "user", "content": "x"}])
    with pytest.raises(ccverify.AttestationFailedError):
        client.chat.completions.create(
            model=sb.model, messages=[{"role": "user", "content": "x"}], stream=True
        )


def test_other_endpoints_are_not_routed(session: ccverify.Session) -> None:
    client = verified_openai_client(session)
    with pytest.raises(openai.NotFoundError, match="not routed"):
        client.models.list()


def test_client_arguments(session: ccverify.Session) -> None:
    with pytest.raises(TypeError, match="base_url"):
        verified_openai_client(session, base_url="http://elsewhere")
    client = verified_openai_client(session, timeout=30.0, max_retries=1)
    assert client.max_retries == 1
    assert verified_openai_client(session).max_retries == 0


def test_transport_with_plain_httpx2(sb: Sandbox, session: ccverify.Session) -> None:
    import httpx2

    verdicts: list[Union[ccverify.Verdict, None]] = []
    transport = VerifyingTransport(
        session, strict=False, on_verdict=lambda r: verdicts.append(r.verdict)
    )
    with httpx2.Client(transport=transport, base_url=sb.base_url + "/v1/private") as http:
        body = {"model": sb.model, "messages": [{"role": "user", "content": "plain"}]}
        response = http.post("/chat/completions", json=body)
        assert response.status_code == 200
        assert response.json()["choices"][0]["message"]["content"] == "Echo: plain"
        assert response.extensions["ccverify_verdict"] == verdicts[0]


#: Sandbox faults that add to a genuinely signed stream what a standard SSE parser reads but the
#: agent's signature does not cover (see the ccverify-sandbox crate).
RELAY_ATTACKS = [
    "inject-data-no-space",
    "inject-data-tab",
    "inject-cr-comment",
    "inject-bare-data",
    "inject-done-no-space",
    "relabel-event",
]


def raw_stream(sb: Sandbox, fault: str, content: str) -> bytes:
    """The bytes a relay with this fault delivers, read without ccverify."""
    import urllib.request

    body = json.dumps({"model": sb.model, "messages": [{"role": "user", "content": content}], "stream": True})
    request = urllib.request.Request(
        sb.base_url + "/v1/private/completions",
        data=body.encode(),
        headers={"content-type": "application/json", "x-sandbox-fault": fault},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data: bytes = response.read()
        return data


def sdk_contents(raw: bytes) -> list[str]:
    """What the OpenAI SDK's own SSE decoder makes of raw bytes: each event's delta content."""
    from openai._streaming import SSEDecoder

    out = []
    for sse in SSEDecoder().iter_bytes(iter([raw])):
        if sse.data.startswith("[DONE]"):
            break
        if sse.event == "signature":
            continue  # what a wrapper that drops signature events would do
        try:
            chunk = json.loads(sse.data)
        except ValueError:
            out.append("<unparseable>")
            continue
        out.append(chunk["choices"][0]["delta"].get("content") or "")
    return out


@pytest.mark.parametrize("fault", RELAY_ATTACKS)
def test_relay_additions_never_reach_the_sdk(sb: Sandbox, fault: str) -> None:
    words = "Echo: one two three"
    # The attack is real: the SDK's own parser reads something the signature does not cover
    # from the relayed bytes (an injected chunk, a dropped chunk, an early end or an error).
    assert "".join(sdk_contents(raw_stream(sb, fault, "one two three"))) != words
    faulty = ccverify.Session.attest(
        sb.model_id,
        base_url=sb.base_url,
        policy="offline",
        allow_unverified=True,
        headers={"x-sandbox-fault": fault},
    )
    for strict in (True, False):
        seen: list[ccverify.ChatResponse] = []
        client = verified_openai_client(faulty, strict=strict, on_verdict=seen.append)
        stream = client.chat.completions.create(
            model=sb.model, messages=[{"role": "user", "content": "one two three"}], stream=True
        )
        received: list[str] = []
        raised = False
        try:
            for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
        except ccverify.UnverifiedResponseError as e:
            raised = True
            assert status(e.verdict, "stream.coverage") == "fail"
        assert raised == strict, fault
        # Never the injected text, never a signed chunk lost.
        assert "".join(received) == words, (fault, received)
        (reply,) = seen
        assert status(reply.verdict, "stream.coverage") == "fail", reply.verdict
        assert status(reply.verdict, "response.response_hash") == "pass"
        assert b"INJECTED" not in reply.body


def test_a_crlf_relay_changes_nothing(sb: Sandbox) -> None:
    crlf = ccverify.Session.attest(
        sb.model_id,
        base_url=sb.base_url,
        policy="offline",
        allow_unverified=True,
        headers={"x-sandbox-fault": "crlf"},
    )
    seen: list[ccverify.ChatResponse] = []
    client = verified_openai_client(crlf, strict=False, on_verdict=seen.append)
    stream = client.chat.completions.create(
        model=sb.model, messages=[{"role": "user", "content": "one two"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream) == "Echo: one two"
    (reply,) = seen
    # Everything of the exchange verifies; only the (canned) attestation does not.
    failing = {c.id for c in reply.verdict.checks if c.status in ("fail", "skip")}
    assert failing == {"session.attestation"}, reply.verdict


# --- openai.AsyncOpenAI through AsyncVerifyingTransport ------------------------------------------


def test_async_client_plain_and_streamed(sb: Sandbox, session: ccverify.Session) -> None:
    import asyncio

    from ccverify.openai import verified_async_openai_client

    async def main() -> None:
        seen: list[ccverify.ChatResponse] = []
        lenient = verified_async_openai_client(session, strict=False, on_verdict=seen.append)
        completion = await lenient.chat.completions.create(
            model=sb.model, messages=[{"role": "user", "content": "hi"}]
        )
        assert completion.choices[0].message.content == "Echo: hi"
        stream = await lenient.chat.completions.create(
            model=sb.model, messages=[{"role": "user", "content": "one two"}], stream=True
        )
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
        assert text == "Echo: one two"
        assert [r.stream for r in seen] == [False, True] and not any(r.verified for r in seen)

        strict = verified_async_openai_client(session)
        with pytest.raises(ccverify.UnverifiedResponseError):
            await strict.chat.completions.create(
                model=sb.model, messages=[{"role": "user", "content": "hi"}]
            )
        streamed = await strict.chat.completions.create(
            model=sb.model, messages=[{"role": "user", "content": "a b"}], stream=True
        )
        received: list[str] = []
        with pytest.raises(ccverify.UnverifiedResponseError):
            async for chunk in streamed:
                received.append(chunk.choices[0].delta.content or "")
        assert "".join(received) == "Echo: a b"
        with pytest.raises(openai.NotFoundError):
            await strict.models.list()

    asyncio.run(main())
