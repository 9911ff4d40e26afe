"""asyncio for the io.net client: :class:`AsyncSession` and :class:`AsyncChatStream`.

The same verification as :class:`ccverify.Session` (the blocking calls run on the default
executor, with the GIL released), expressed for asyncio. Cancelling the awaiting task — a
``timeout`` from :func:`asyncio.wait_for` or :func:`asyncio.timeout`, ``task.cancel()`` —
cancels the call's :class:`ccverify.CancelToken`: the HTTP request itself is aborted, not
left running, and the task's :class:`asyncio.CancelledError` propagates::

    import ccverify.aio

    session = await ccverify.aio.AsyncSession.attest(model_uuid)
    reply = await session.chat({"model": name, "messages": [{"role": "user", "content": "Hi"}]})
    async with session.stream(body) as stream:
        async for chunk in stream:
            forward(chunk)
    print(stream.verdict.verified)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, Union

from ccverify import CancelToken, ChatResponse, ChatStream, Session, Verdict

__all__ = ["AsyncChatStream", "AsyncSession"]

_T = TypeVar("_T")


async def _run(call: Callable[[CancelToken], _T]) -> _T:
    """Runs ``call(token)`` on the default executor; cancelling the awaiting task cancels the
    token (aborting the request) and waits for the call to stop before re-raising."""
    token = CancelToken()
    future = asyncio.get_running_loop().run_in_executor(None, call, token)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        token.cancel()
        try:
            await future
        except BaseException:  # noqa: BLE001 - superseded by the cancellation
            pass
        raise


class AsyncSession:
    """An attested session for asyncio (see :class:`ccverify.Session` for what it verifies).

    Create one with :meth:`AsyncSession.attest`; ``session`` is the blocking session
    underneath (its verdict, bundle and properties are the same objects).
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    @classmethod
    async def attest(cls, model_id: str, **options: Any) -> AsyncSession:
        """Attest ``model_id`` (the keyword arguments of :meth:`ccverify.Session.attest`)."""
        return cls(await _run(lambda token: Session.attest(model_id, cancel=token, **options)))

    @property
    def verdict(self) -> Verdict:
        """The attestation verdict (with its ``summary`` fact)."""
        return self.session.verdict

    @property
    def attested(self) -> bool:
        """Whether the attestation verified."""
        return self.session.attested

    @property
    def signing_address(self) -> Union[str, None]:
        """The pinned signing address (EIP-55), or None."""
        return self.session.signing_address

    def bundle(self) -> str:
        """The evidence bundle as JSON text."""
        return self.session.bundle()

    async def chat(self, body: Any) -> ChatResponse:
        """Send one plain completion and verify it (as :meth:`ccverify.Session.chat`)."""
        return await _run(lambda token: self.session.chat(body, cancel=token))

    def stream(self, body: Any, *, hold: bool = False) -> AsyncChatStream:
        """A streamed completion to ``async with`` / ``async for`` (see
        :class:`AsyncChatStream`); the request is sent on entering."""
        return AsyncChatStream(self.session, body, hold)

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        exc_type: Union[type[BaseException], None],
        exc: Union[BaseException, None],
        tb: Union[TracebackType, None],
    ) -> None:
        self.session.close()


class AsyncChatStream:
    """A streamed completion for asyncio: ``async with session.stream(body) as s: async for
    chunk in s``. Yields the verified events as they arrive (``data: [DONE]`` last only when
    everything verified); ``verdict`` after the end (InvalidStateError before). Leaving the
    ``async with`` block — or cancelling the task — aborts the request."""

    def __init__(self, session: Session, body: Any, hold: bool) -> None:
        self._session = session
        self._body = body
        self._hold = hold
        self._stream: Union[ChatStream, None] = None

    async def __aenter__(self) -> AsyncChatStream:
        self._stream = await _run(
            lambda token: self._session.iter_stream(self._body, hold=self._hold, cancel=token)
        )
        return self

    async def __aexit__(
        self,
        exc_type: Union[type[BaseException], None],
        exc: Union[BaseException, None],
        tb: Union[TracebackType, None],
    ) -> None:
        if self._stream is not None:
            self._stream.close()

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> bytes:
        stream = self._started()

        def step(_token: CancelToken) -> Union[bytes, None]:
            return next(stream, None)

        try:
            chunk = await _run(step)
        except asyncio.CancelledError:
            stream.close()
            raise
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    def _started(self) -> ChatStream:
        if self._stream is None:
            raise RuntimeError("use the stream in `async with session.stream(body) as stream:`")
        return self._stream

    @property
    def response(self) -> Union[ChatResponse, None]:
        """The ChatResponse once the stream ended, else None."""
        return self._stream.response if self._stream is not None else None

    @property
    def verdict(self) -> Verdict:
        """The stream's verdict; InvalidStateError before the end."""
        return self._started().verdict

    def close(self) -> None:
        """Abort the stream (the request is aborted); harmless after the end."""
        if self._stream is not None:
            self._stream.close()
