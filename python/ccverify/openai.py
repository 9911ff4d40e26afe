"""The official OpenAI Python SDK, with every chat completion verified by a ccverify session.

::

    import ccverify
    from ccverify.openai import verified_openai_client

    session = ccverify.Session.attest(model_uuid)             # $IO_API_KEY, io.net's gateway
    client = verified_openai_client(session)                  # strict: unverified replies raise
    reply = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "Hi"}])

:func:`verified_openai_client` points an ``openai.OpenAI`` client at
``<session.base_url>/v1/private`` with a :class:`VerifyingTransport`: its HTTP requests never
reach the network through httpx. Each ``POST .../chat/completions`` is sent by the session
instead, to the gateway's ``/v1/private/completions``, with the SDK's exact JSON body, the
session's API key and headers and its retries (the SDK's own headers, ``extra_headers`` and API
key are not sent; the SDK's retries are off by default). The reply is verified against the key
the session pinned, then handed to the SDK unchanged:

- strict (the default): a reply that does not verify raises :class:`ccverify.UnverifiedResponseError`
  (with ``.verdict`` and ``.response``) instead of reaching your code. On an ``allow_unverified``
  session nothing verifies (the attestation did not), so strict mode raises for every reply.
  Streams reach the SDK as the session re-serialises them, never as relayed: each event is one
  data line the agent's signature covers (anything else a relay added fails
  ``stream.coverage`` and is not passed on), and ``data: [DONE]`` comes only after the whole
  stream verified, so a stream that does not verify raises at its end instead of ending
  cleanly. The deltas you printed were not verified until the iteration ended cleanly; use
  ``hold=True`` to receive nothing before the whole stream verified.
- ``strict=False``: replies reach the SDK whatever their verdict. Get it from ``on_verdict``
  (called with every :class:`ccverify.ChatResponse`, plain or streamed, in strict mode too,
  before the raise) or from the httpx response of ``client.chat.completions.with_raw_response``:
  ``raw.http_response.extensions["ccverify_verdict"]`` (and ``["ccverify_response"]``) for plain
  replies, ``["ccverify_stream"]`` (a :class:`ccverify.ChatStream` whose ``.response`` is set once
  the stream ended) for streams.

Anything other than a chat completion (``client.models.list()``, embeddings, ...) is answered
locally with a 404 naming ccverify, which the SDK raises as ``openai.NotFoundError``. Errors of
the session itself propagate as ccverify exceptions: :class:`ccverify.NetworkError` (gateway
unreachable, HTTP error status), :class:`ccverify.AttestationFailedError` (unverified session
without ``allow_unverified``).

:func:`verified_async_openai_client` does the same for ``openai.AsyncOpenAI`` with an
:class:`AsyncVerifyingTransport`: the session's calls run on the default executor, and
cancelling the awaiting task aborts the request itself (see :mod:`ccverify.aio`). The
synchronous transport's calls block in Rust with the GIL released. It is built on ``httpx2`` (what ``openai`` >= 3 uses) when installed, else on
``httpx``. Neither ``openai`` nor httpx is a dependency of ``ccverify``: install them to use this
module (``import ccverify`` never imports it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Union

from ccverify import ChatResponse, ChatStream, Session, UnverifiedResponseError, request_streams

if TYPE_CHECKING:
    import httpx2 as _httpx
    import openai
else:
    try:
        import httpx2 as _httpx
    except ImportError:  # the OpenAI SDK before version 3 is built on httpx
        try:
            import httpx as _httpx
        except ImportError as e:
            raise ImportError(
                "ccverify.openai needs the OpenAI SDK and its HTTP library: pip install openai"
            ) from e

__all__ = [
    "AsyncVerifyingTransport",
    "VerifyingTransport",
    "verified_async_openai_client",
    "verified_openai_client",
]

#: Called with every completion's ChatResponse (plain or streamed) once it was verified.
OnVerdict = Callable[[ChatResponse], object]

#: How the session ends a stream that verified; nothing follows it.
_DONE = b"data: [DONE]\n\n"

#: Per-hop headers that describe the wire, not the body handed to the SDK.
_HOP_HEADERS = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})


def _unverified(reply: ChatResponse) -> UnverifiedResponseError:
    """The shared ``unverified_response`` error for ``reply``, carrying it and its verdict."""
    rows = [f"{c.id} {c.status}" for c in reply.verdict.failures()]
    error = UnverifiedResponseError(
        f"ccverify: the completion did not verify ({', '.join(rows) or 'no failed check'})"
    )
    error.response = reply
    error.verdict = reply.verdict
    return error


class _Held:
    """Holds back the chunk ending in ``data: [DONE]`` until the verdict was judged (the SDK
    stops reading at ``[DONE]``, so it could otherwise skip the judgement)."""

    def __init__(self) -> None:
        self._held = b""

    def push(self, chunk: bytes) -> list[bytes]:
        """The chunks to hand on now that ``chunk`` arrived."""
        out = [self._held] if self._held else []
        self._held = b""
        if chunk.endswith(_DONE):
            self._held = chunk
        elif chunk:
            out.append(chunk)
        return out

    def release(self) -> list[bytes]:
        """What was held, once the verdict was judged."""
        return [self._held] if self._held else []


def _plain_response(reply: ChatResponse, request: _httpx.Request) -> _httpx.Response:
    """A verified plain reply as the httpx response the SDK reads."""
    return _httpx.Response(
        reply.status,
        headers=[(k, v) for k, v in reply.headers if k not in _HOP_HEADERS],
        content=reply.body,
        request=request,
        extensions={"ccverify_response": reply, "ccverify_verdict": reply.verdict},
    )


def _stream_response(
    chunks: ChatStream,
    body: Union[_httpx.SyncByteStream, _httpx.AsyncByteStream],
    request: _httpx.Request,
) -> _httpx.Response:
    """A stream's verified events as the httpx response the SDK reads."""
    return _httpx.Response(
        200,
        headers=[("content-type", "text/event-stream")],
        stream=body,
        request=request,
        extensions={"ccverify_stream": chunks},
    )


def _client_arguments(kwargs: dict[str, Any], name: str) -> dict[str, Any]:
    """The SDK client's keyword arguments: ``base_url`` and ``http_client`` are set here."""
    for taken in ("base_url", "http_client"):
        if taken in kwargs:
            raise TypeError(f"{name}() sets {taken} itself")
    kwargs.setdefault("api_key", "ccverify-session")
    kwargs.setdefault("max_retries", 0)
    return kwargs


class _VerifiedStream(_httpx.SyncByteStream):
    """The body of a streamed completion: the session's verified events as they arrive. The
    last chunk, which ends with ``data: [DONE]`` (sent only for a verified stream), is held
    until the verdict was judged, so that the SDK, which stops reading at ``[DONE]``, cannot
    skip the judgement (``on_verdict``)."""

    def __init__(
        self, chunks: ChatStream, first: Union[bytes, None], judge: Callable[[ChatResponse], None]
    ) -> None:
        self._chunks = chunks
        self._first = first
        self._judge = judge
        self._unverified: Union[ChatResponse, None] = None

    def _arrivals(self) -> Iterator[bytes]:
        if self._first is not None:
            yield self._first
        try:
            yield from self._chunks
        except UnverifiedResponseError as e:
            # A strict session ended the stream with the error: the wrapper judges the reply.
            self._unverified = e.response

    def __iter__(self) -> Iterator[bytes]:
        held = _Held()
        for chunk in self._arrivals():
            yield from held.push(chunk)
        reply = self._chunks.response or self._unverified
        if reply is None:  # pragma: no cover - the iteration ends with a response or raises
            raise RuntimeError("ccverify: the stream ended without a response")
        self._judge(reply)
        yield from held.release()

    def close(self) -> None:
        self._chunks.close()


class VerifyingTransport(_httpx.BaseTransport):
    """An httpx transport that sends chat completions through a ccverify Session and verifies
    every reply (see the module documentation).

    Args:
        session: the attested :class:`ccverify.Session`.
        strict: raise :class:`ccverify.UnverifiedResponseError` for a reply that does not verify
            (streams: at the end; ``[DONE]`` only ever follows a verified stream). False: pass every reply
            on, with its verdict in the response's extensions and to ``on_verdict``.
        hold: streams: deliver nothing until the whole stream verified, then all of it at once
            (nothing when it did not verify).
        on_verdict: called with every completion's :class:`ccverify.ChatResponse` once it was
            verified, before any strict raise.
    """

    def __init__(
        self,
        session: Session,
        *,
        strict: bool = True,
        hold: bool = False,
        on_verdict: Union[OnVerdict, None] = None,
    ) -> None:
        self.session = session
        self.strict = strict
        self.hold = hold
        self.on_verdict = on_verdict

    def judge(self, reply: ChatResponse) -> None:
        """Report ``reply`` to ``on_verdict``; in strict mode raise
        :class:`ccverify.UnverifiedResponseError` when it did not verify."""
        if self.on_verdict is not None:
            self.on_verdict(reply)
        if self.strict and not reply.verified:
            raise _unverified(reply)

    def handle_request(self, request: _httpx.Request) -> _httpx.Response:
        """Send a chat completion through the session; answer anything else with a 404."""
        path = request.url.path.rstrip("/")
        if request.method != "POST" or not path.endswith("/chat/completions"):
            message = (
                f"ccverify: {request.method} {path} is not routed; only chat completions "
                "are sent through the verifying session"
            )
            return _httpx.Response(
                404,
                json={"error": {"message": message, "type": "ccverify", "code": "not_routed"}},
                request=request,
            )
        body = request.read()
        # The agent's own rule decides, as it decides what it sends back.
        if not request_streams(body):
            try:
                reply = self.session.chat(body)
            except UnverifiedResponseError as e:
                # A strict session raised: the wrapper's own ``strict`` decides, after on_verdict.
                reply = e.response
            self.judge(reply)
            return _plain_response(reply, request)
        chunks = self.session.iter_stream(body, hold=self.hold)
        # The first chunk (or the end) before answering, so that a refused or unreachable
        # gateway raises from create() rather than from the first read.
        first = next(chunks, None)
        return _stream_response(chunks, _VerifiedStream(chunks, first, self.judge), request)


def verified_openai_client(
    session: Session,
    *,
    strict: bool = True,
    hold: bool = False,
    on_verdict: Union[OnVerdict, None] = None,
    **kwargs: Any,
) -> openai.OpenAI:
    """An ``openai.OpenAI`` client whose chat completions go through ``session``, verified.

    Args:
        session: the attested :class:`ccverify.Session` (its ``base_url`` + ``/v1/private``
            becomes the client's base URL).
        strict, hold, on_verdict: as for :class:`VerifyingTransport`.
        **kwargs: more ``openai.OpenAI`` arguments (``timeout``, ``default_headers``, ...).
            ``api_key`` defaults to a placeholder (the session holds the real key) and
            ``max_retries`` to 0 (the session retries); ``base_url`` and ``http_client`` are
            set here and refused.

    Returns:
        The client.

    Raises:
        TypeError: ``base_url`` or ``http_client`` was given.
        ImportError: the ``openai`` package is not installed.
    """
    import openai

    kwargs = _client_arguments(kwargs, "verified_openai_client")
    transport = VerifyingTransport(session, strict=strict, hold=hold, on_verdict=on_verdict)
    return openai.OpenAI(
        base_url=session.base_url.rstrip("/") + "/v1/private",
        http_client=_httpx.Client(transport=transport),
        **kwargs,
    )


class _AsyncVerifiedStream(_httpx.AsyncByteStream):
    """The async body of a streamed completion (see :class:`_VerifiedStream`)."""

    def __init__(
        self, chunks: ChatStream, first: Union[bytes, None], judge: Callable[[ChatResponse], None]
    ) -> None:
        self._chunks = chunks
        self._first = first
        self._judge = judge

    async def _next(self) -> Union[bytes, None]:
        from ccverify.aio import _run

        chunks = self._chunks
        return await _run(lambda _token: next(chunks, None))

    async def __aiter__(self) -> AsyncIterator[bytes]:
        held = _Held()
        unverified: Union[ChatResponse, None] = None
        chunk = self._first
        while chunk is not None:
            for ready in held.push(chunk):
                yield ready
            try:
                chunk = await self._next()
            except UnverifiedResponseError as e:
                unverified = e.response
                chunk = None
        reply = self._chunks.response or unverified
        if reply is None:  # pragma: no cover - the iteration ends with a response or raises
            raise RuntimeError("ccverify: the stream ended without a response")
        self._judge(reply)
        for ready in held.release():
            yield ready

    async def aclose(self) -> None:
        self._chunks.close()


class AsyncVerifyingTransport(_httpx.AsyncBaseTransport):
    """The asyncio form of :class:`VerifyingTransport` (same arguments, same behaviour);
    cancelling the awaiting task aborts the session's request."""

    def __init__(
        self,
        session: Session,
        *,
        strict: bool = True,
        hold: bool = False,
        on_verdict: Union[OnVerdict, None] = None,
    ) -> None:
        self._sync = VerifyingTransport(session, strict=strict, hold=hold, on_verdict=on_verdict)

    async def handle_async_request(self, request: _httpx.Request) -> _httpx.Response:
        """Send a chat completion through the session; answer anything else with a 404."""
        from ccverify.aio import _run

        sync = self._sync
        path = request.url.path.rstrip("/")
        if request.method != "POST" or not path.endswith("/chat/completions"):
            return sync.handle_request(request)  # the local 404: nothing is sent
        body = await request.aread()
        session = sync.session
        if not request_streams(body):
            try:
                reply = await _run(lambda token: session.chat(body, cancel=token))
            except UnverifiedResponseError as e:
                reply = e.response
            sync.judge(reply)
            return _plain_response(reply, request)
        chunks = await _run(lambda token: session.iter_stream(body, hold=sync.hold, cancel=token))
        try:
            first = await _run(lambda _token: next(chunks, None))
        except UnverifiedResponseError:
            first = None
        return _stream_response(chunks, _AsyncVerifiedStream(chunks, first, sync.judge), request)


def verified_async_openai_client(
    session: Session,
    *,
    strict: bool = True,
    hold: bool = False,
    on_verdict: Union[OnVerdict, None] = None,
    **kwargs: Any,
) -> openai.AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` client whose chat completions go through ``session``,
    verified (the arguments of :func:`verified_openai_client`)."""
    import openai

    kwargs = _client_arguments(kwargs, "verified_async_openai_client")
    transport = AsyncVerifyingTransport(session, strict=strict, hold=hold, on_verdict=on_verdict)
    return openai.AsyncOpenAI(
        base_url=session.base_url.rstrip("/") + "/v1/private",
        http_client=_httpx.AsyncClient(transport=transport),
        **kwargs,
    )
