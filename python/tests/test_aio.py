"""ccverify.aio against a real `ccverify sandbox`: the asyncio API verifies exactly as the
blocking one, and cancelling the awaiting task aborts the request (the sandbox sees the
connection close)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import ccverify
import ccverify.aio
from support import Sandbox, sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox() as running:
        yield running


def body(sb: Sandbox, text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"model": sb.model, "messages": [{"role": "user", "content": text}], **extra}


def aborted(sb: Sandbox) -> int:
    with urllib.request.urlopen(sb.base_url + "/v1/sandbox/stats", timeout=10) as reply:
        return int(json.loads(reply.read())["streams_aborted"])


def wait_aborted(sb: Sandbox, at_least: int) -> None:
    deadline = time.monotonic() + 10
    while aborted(sb) < at_least:
        assert time.monotonic() < deadline, "the sandbox never saw the connection close"
        time.sleep(0.02)


async def attest(sb: Sandbox, **options: Any) -> ccverify.aio.AsyncSession:
    return await ccverify.aio.AsyncSession.attest(
        sb.model_id, base_url=sb.base_url, policy="offline", allow_unverified=True, **options
    )


def test_async_session_chats_and_streams(sb: Sandbox) -> None:
    async def main() -> None:
        async with await attest(sb) as session:
            assert not session.attested and session.signing_address
            reply = await session.chat(body(sb))
            assert not reply.verified and b"Echo: hello" in reply.body
            async with session.stream(body(sb, "one two three")) as stream:
                with pytest.raises(ccverify.InvalidStateError):
                    stream.verdict  # noqa: B018 - no verdict before the end
                chunks = [chunk async for chunk in stream]
            assert len(chunks) > 1 and all(c.startswith(b"data: ") for c in chunks)
            assert stream.response is not None and b"".join(chunks) == stream.response.body
            assert stream.verdict.failures()[0].id == "session.attestation"
        assert session.session.closed

    asyncio.run(main())


def test_strict_async_sessions_raise_with_the_reply(sb: Sandbox) -> None:
    async def main() -> None:
        session = await attest(sb, strict=True)
        with pytest.raises(ccverify.UnverifiedResponseError) as info:
            await session.chat(body(sb))
        assert not info.value.response.verified

    asyncio.run(main())


def test_cancelling_the_task_aborts_the_request(sb: Sandbox) -> None:
    slow_body = body(sb, " ".join(["word"] * 60))
    before = aborted(sb)

    async def main() -> None:
        session = await attest(sb, headers={"x-sandbox-fault": "slow"})

        async def read_all() -> None:
            async with session.stream(slow_body) as stream:
                async for _ in stream:
                    pass

        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(read_all(), timeout=0.5)
        assert time.monotonic() - started < 5

    asyncio.run(main())
    wait_aborted(sb, before + 1)
