"""The io.net client (Session, ChatResponse, ChatStream, list_models) against a real
`ccverify sandbox` process: attestation verdicts, chat plain and streamed, faults, bundles,
authentication, retries, callbacks, argument errors and the GIL.

The sandbox serves real but canned evidence whose nonces are fixed, so a fresh nonce can never
verify: every session here is unverified, which is what the verdict must say. Policy "offline":
nothing is fetched from NVIDIA or Intel.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Union

import pytest

import ccverify
from support import Sandbox, no_forced_switches, released_gil, sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox() as running:
        yield running


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """$IO_API_KEY is the default api_key: keep the caller's out of the tests."""
    monkeypatch.delenv("IO_API_KEY", raising=False)


def attest(sb: Sandbox, **options: Any) -> ccverify.Session:
    options.setdefault("base_url", sb.base_url)
    options.setdefault("policy", "offline")
    return ccverify.Session.attest(sb.model_id, **options)


@pytest.fixture(scope="module")
def session(sb: Sandbox) -> ccverify.Session:
    """An unverified session that may chat anyway."""
    return attest(sb, allow_unverified=True)


def body(sb: Sandbox, text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"model": sb.model, "messages": [{"role": "user", "content": text}], **extra}


def status(verdict: ccverify.Verdict, check_id: str, subject: Union[str, None] = None) -> str:
    found = [c.status for c in verdict.checks if c.id == check_id and c.subject == subject]
    assert len(found) == 1, f"{check_id} ({subject}): {found} in {verdict!r}"
    return found[0]


def content(reply: ccverify.ChatResponse) -> str:
    text: str = reply.json()["choices"][0]["message"]["content"]
    return text


def deltas(stream: bytes) -> str:
    """The concatenated content deltas of an SSE completion stream."""
    out = []
    for line in stream.decode().splitlines():
        if line.startswith("data: {"):
            for choice in json.loads(line[6:]).get("choices", []):
                out.append(choice.get("delta", {}).get("content") or "")
    return "".join(out)


# --- (1) the attestation ---------------------------------------------------------------------


def test_attestation_of_the_sandbox_does_not_verify(
    sb: Sandbox, session: ccverify.Session
) -> None:
    verdict = session.verdict
    assert not verdict.verified and not session.attested
    assert status(verdict, "report.nonce") == "pass"  # the JSON echo of our nonce
    assert status(verdict, "gpu.nonce", "gpu0") == "fail"  # canned evidence: not fresh
    assert status(verdict, "tdx.report_data") == "fail"
    assert status(verdict, "report.signing_address") == "pass"
    assert session.signing_address == sb.signing_address == verdict.signer
    assert verdict.facts["summary"].startswith("NOT VERIFIED")
    assert session.model_id == sb.model_id
    assert session.base_url == sb.base_url
    assert len(session.nonce) == 64 and ccverify.normalize_nonce(session.nonce) == session.nonce
    assert "attested=False" in repr(session)


def test_each_session_has_a_fresh_nonce(sb: Sandbox, session: ccverify.Session) -> None:
    assert attest(sb).nonce != session.nonce


def test_bundle_of_the_attestation_reverifies_offline(session: ccverify.Session) -> None:
    bundle = json.loads(session.bundle())
    assert bundle["nonce"] == session.nonce
    assert bundle["model_id"] == session.model_id
    again = ccverify.verify_bundle(session.bundle())
    assert again.signer == session.signing_address
    assert status(again, "gpu.nonce", "gpu0") == "fail"


# --- (2) (3) plain chat ----------------------------------------------------------------------


def test_chat_without_allow_unverified_is_refused(sb: Sandbox) -> None:
    strict = attest(sb)
    with pytest.raises(ccverify.AttestationFailedError) as info:
        strict.chat(body(sb))
    assert info.value.code == "attestation_failed"
    assert "NOT VERIFIED" in str(info.value)
    with pytest.raises(ccverify.AttestationFailedError):
        strict.chat_stream(body(sb), on_chunk=lambda chunk: None)
    with pytest.raises(ccverify.AttestationFailedError):
        list(strict.iter_stream(body(sb)))


def test_chat_with_allow_unverified(sb: Sandbox, session: ccverify.Session) -> None:
    reply = session.chat(body(sb, "hello there"))
    verdict = reply.verdict
    for check in ("response.signature", "response.signer", "response.request_hash"):
        assert status(verdict, check) == "pass"
    assert status(verdict, "response.response_hash") == "pass"
    assert status(verdict, "session.attestation") == "fail"
    assert not reply.verified and not verdict.verified and not reply.attested
    assert verdict.signer == sb.signing_address
    assert content(reply) == "Echo: hello there"
    assert b"Echo: " in reply.body
    assert reply.status == 200 and not reply.stream
    assert all(name == name.lower() for name, _ in reply.headers)
    assert dict(reply.headers)["signing_address"] == sb.signing_address
    assert "verified=False" in repr(reply)


def test_the_exact_request_bytes(sb: Sandbox, session: ccverify.Session) -> None:
    mapping = body(sb, "ünïcode")
    compact = json.dumps(mapping, separators=(",", ":")).encode()
    assert session.chat(mapping).request == compact
    assert session.chat(compact.decode()).request == compact
    assert session.chat(compact).request == compact
    assert session.chat(bytearray(compact)).request == compact
    assert session.chat(memoryview(compact)).request == compact
    spaced = json.dumps(mapping).encode()  # other bytes, signed as they are
    reply = session.chat(spaced)
    assert reply.request == spaced and status(reply.verdict, "response.request_hash") == "pass"


def test_json_of_a_stream_is_refused(sb: Sandbox, session: ccverify.Session) -> None:
    reply = session.chat_stream(body(sb))
    with pytest.raises(ccverify.InvalidStateError):
        reply.json()


# --- (4) streams -----------------------------------------------------------------------------


def test_chat_stream_passes_chunks_through(sb: Sandbox, session: ccverify.Session) -> None:
    chunks: list[bytes] = []
    reply = session.chat_stream(body(sb, "one two three", stream=True), on_chunk=chunks.append)
    assert len(chunks) > 1
    assert all(isinstance(c, bytes) for c in chunks)
    assert b"".join(chunks) == reply.body
    assert reply.stream and not reply.verified
    assert status(reply.verdict, "stream.signature_block") == "pass"
    assert status(reply.verdict, "response.signer") == "pass"
    assert status(reply.verdict, "session.attestation") == "fail"
    assert deltas(reply.body) == "Echo: one two three"


def test_chat_stream_adds_stream_true_to_a_mapping(sb: Sandbox, session: ccverify.Session) -> None:
    reply = session.chat_stream(body(sb))
    assert json.loads(reply.request)["stream"] is True
    assert reply.stream and status(reply.verdict, "stream.signature_block") == "pass"
    # An explicit value is kept; bytes are never touched.
    assert json.loads(session.chat_stream(body(sb, stream=True)).request)["stream"] is True


def test_hold_on_an_unverified_session_passes_nothing(
    sb: Sandbox, session: ccverify.Session
) -> None:
    chunks: list[bytes] = []
    reply = session.chat_stream(body(sb), hold=True, on_chunk=chunks.append)
    assert chunks == []
    assert not reply.verified and deltas(reply.body) == "Echo: hello"
    held = session.iter_stream(body(sb), hold=True)
    assert list(held) == []
    assert held.response is not None and not held.response.verified


def test_an_exception_in_on_chunk_aborts_the_stream(sb: Sandbox, session: ccverify.Session) -> None:
    calls: list[bytes] = []

    class Stop(Exception):
        pass

    def on_chunk(chunk: bytes) -> None:
        calls.append(chunk)
        raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        session.chat_stream(body(sb, "a b c d e f"), on_chunk=on_chunk)
    assert len(calls) == 1
    # The session is still usable.
    assert content(session.chat(body(sb))) == "Echo: hello"


def test_on_chunk_must_be_callable(sb: Sandbox, session: ccverify.Session) -> None:
    with pytest.raises(TypeError, match="on_chunk"):
        session.chat_stream(body(sb), on_chunk=42)  # type: ignore[arg-type]


def test_iter_stream(sb: Sandbox, session: ccverify.Session) -> None:
    stream = session.iter_stream(body(sb, "x y z"))
    assert stream.response is None
    chunks = list(stream)
    assert len(chunks) > 1
    reply = stream.response
    assert reply is not None
    assert b"".join(chunks) == reply.body
    assert reply.request == stream.request
    assert deltas(reply.body) == "Echo: x y z"
    assert status(reply.verdict, "stream.signature_block") == "pass"
    assert list(stream) == []  # exhausted stays exhausted
    stream.close()  # harmless after the end


def test_iter_stream_close_and_with(sb: Sandbox, session: ccverify.Session) -> None:
    with session.iter_stream(body(sb, "p q r s")) as stream:
        first = next(stream)
        assert first
    assert list(stream) == [] and stream.response is None
    abandoned = session.iter_stream(body(sb))
    abandoned.close()
    assert list(abandoned) == []


# --- (5) faults ------------------------------------------------------------------------------


def test_tampered_response(sb: Sandbox) -> None:
    tampered = attest(sb, allow_unverified=True, headers={"x-sandbox-fault": "tamper-response"})
    reply = tampered.chat(body(sb))
    assert status(reply.verdict, "response.response_hash") == "fail"
    assert status(reply.verdict, "response.request_hash") == "pass"
    stream = tampered.chat_stream(body(sb))
    assert status(stream.verdict, "response.response_hash") == "fail"


def test_headers_as_tuples_and_wrong_key_fault(sb: Sandbox) -> None:
    wrong = attest(sb, allow_unverified=True, headers=[("x-sandbox-fault", "wrong-key")])
    reply = wrong.chat(body(sb))
    assert status(reply.verdict, "response.signer") == "fail"


# --- (6) recorded exchanges ------------------------------------------------------------------


def test_recorded_exchanges_reverify_from_the_bundle(sb: Sandbox, tmp_path: Path) -> None:
    recording = attest(sb, allow_unverified=True, record_exchanges=True)
    recording.chat(body(sb, "first"))
    recording.chat_stream(body(sb, "second"))
    saved = recording.bundle()
    assert len(json.loads(saved)["exchanges"]) == 2
    for verdict in (ccverify.verify_bundle(saved), ccverify.verify_bundle(saved.encode())):
        assert status(verdict, "response.signer", "exchange0") == "pass"
        assert status(verdict, "response.signer", "exchange1") == "pass"
        assert status(verdict, "stream.signature_block", "exchange1") == "pass"
    path = tmp_path / "evidence.json"
    path.write_text(saved, encoding="utf-8")
    assert ccverify.verify_bundle(path).signer == sb.signing_address


def test_exchanges_are_not_recorded_by_default(sb: Sandbox, session: ccverify.Session) -> None:
    session.chat(body(sb))
    assert json.loads(session.bundle())["exchanges"] == []


# --- (7) authentication ----------------------------------------------------------------------


def test_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox("--api-key", "k1") as guarded:
        with pytest.raises(ccverify.NetworkError) as info:
            attest(guarded, api_key="wrong")
        assert "401" in str(info.value) and info.value.code == "network"
        with pytest.raises(ccverify.NetworkError, match="401"):
            attest(guarded)  # no key at all
        assert attest(guarded, api_key="k1").signing_address == guarded.signing_address
        monkeypatch.setenv("IO_API_KEY", "k1")  # the default api_key
        keyed = attest(guarded, allow_unverified=True)
        assert content(keyed.chat(body(guarded))) == "Echo: hello"


# --- (8) retries -----------------------------------------------------------------------------


def test_transient_failures_are_retried() -> None:
    with sandbox("--transient-failures", "2") as flaky:
        lines: list[str] = []
        retrying = attest(
            flaky, allow_unverified=True, retries=3, backoff=0.001, progress=lines.append
        )
        assert content(retrying.chat(body(flaky))) == "Echo: hello"
        assert sum("retry" in line for line in lines) == 2, lines


def test_too_few_retries_fail() -> None:
    with sandbox("--transient-failures", "2") as flaky:
        impatient = attest(flaky, allow_unverified=True, retries=1, backoff=0.001)
        with pytest.raises(ccverify.NetworkError, match="503"):
            impatient.chat(body(flaky))


def test_unreachable_gateway() -> None:
    with sandbox() as gone:
        pass  # stopped: nothing listens on its port any more
    with pytest.raises(ccverify.NetworkError):
        attest(gone, retries=0, timeout=5)
    with pytest.raises(ccverify.NetworkError):
        ccverify.list_models(base_url=gone.base_url, retries=0)


# --- (9) models ------------------------------------------------------------------------------


def test_list_models(sb: Sandbox) -> None:
    models = ccverify.list_models(base_url=sb.base_url)
    assert len(models) == 1
    model = models[0]
    assert (model.name, model.model_id, model.supports_attestation) == (sb.model, sb.model_id, True)
    assert model == ccverify.list_models(base_url=sb.base_url, timeout=10.0, retries=0)[0]
    assert hash(model) == hash(models[0])
    assert repr(model).startswith("Model(name='ccverify/echo'")


# --- progress --------------------------------------------------------------------------------


def test_progress_lines(sb: Sandbox) -> None:
    lines: list[str] = []
    attest(sb, progress=lines.append)
    assert any("attesting model" in line for line in lines), lines
    assert lines[-1] == "attestation NOT verified"
    seen: list[str] = []
    ccverify.list_models(base_url=sb.base_url, progress=seen.append)
    assert seen and "models" in seen[0]


def test_progress_to_logging(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ccverify"):
        attest(sb, progress=logging.getLogger("ccverify").info)
    assert "attestation NOT verified" in caplog.messages


def test_progress_exceptions_are_unraisable(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def broken(line: str) -> None:
        raise RuntimeError("progress is broken")

    session = attest(sb, progress=broken)  # the attestation itself is unaffected
    assert session.signing_address == sb.signing_address
    assert reported and isinstance(reported[0].exc_value, RuntimeError)


# --- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": -1},
        {"timeout": 0},
        {"timeout": float("nan")},
        {"backoff": -0.5},
        {"retries": -1},
        {"policy": "no-such-preset"},
        {"policy": {"offline": True, "typo": 1}},
        {"base_url": "ftp://example.invalid"},
        {"at": "yesterday"},
        {"rim_dir": "/no/such/directory"},
    ],
    ids=lambda o: next(iter(o)) + "=" + repr(next(iter(o.values()))),
)
def test_invalid_arguments(sb: Sandbox, options: dict[str, Any]) -> None:
    with pytest.raises(ccverify.InvalidArgumentError):
        attest(sb, **options)


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": "10"},
        {"timeout": True},
        {"retries": 1.5},
        {"headers": {"x-a": 1}},
        {"progress": "not callable"},
        {"unknown_keyword": 1},
    ],
    ids=lambda o: next(iter(o)),
)
def test_arguments_of_the_wrong_type(sb: Sandbox, options: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        attest(sb, **options)


def test_body_of_the_wrong_type(session: ccverify.Session) -> None:
    with pytest.raises(TypeError, match="body must be"):
        session.chat(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="body must be"):
        session.iter_stream([b"x"])  # type: ignore[arg-type]


def test_policy_forms_and_options(sb: Sandbox) -> None:
    mapping = attest(sb, policy=ccverify.load_policy("offline"), at=1767225600)
    assert status(mapping.verdict, "gpu.nonce", "gpu0") == "fail"
    assert json.loads(mapping.bundle())["at"] == "2026-01-01T00:00:00Z"
    toml = attest(sb, policy='preset = "offline"\n', timeout=30, backoff=0)
    assert not toml.attested
    assert json.loads(toml.bundle())["policy"]["offline"] is True


def test_a_session_cannot_be_constructed() -> None:
    with pytest.raises(TypeError):
        ccverify.Session()


# --- (10) the GIL ----------------------------------------------------------------------------


def releases_gil(call: Callable[[], Any], attempts: int = 5) -> bool:
    """released_gil() over up to `attempts` tries. A True can only come from a call that
    released the GIL (with forced switches off, the main thread cannot run otherwise), so
    retrying cannot hide a call that keeps it; it only absorbs a loaded machine that did not
    schedule the main thread within a short network call's GIL-free time."""
    return any(released_gil(call) for _ in range(attempts))


def test_network_calls_release_the_gil(sb: Sandbox, session: ccverify.Session) -> None:
    """Deterministic in what it proves (see support.released_gil): with forced switches off,
    the main thread can only run during the call if the call released the GIL."""
    with no_forced_switches():
        assert releases_gil(lambda: attest(sb))
        assert releases_gil(lambda: session.chat(body(sb)))
        assert releases_gil(lambda: session.chat_stream(body(sb)))
        assert releases_gil(lambda: session.chat_stream(body(sb), on_chunk=lambda c: None))
        assert releases_gil(lambda: ccverify.list_models(base_url=sb.base_url))
        # Created inside the call: the first next() waits for the gateway.
        assert releases_gil(lambda: list(session.iter_stream(body(sb))))
        # The probe detects a call that keeps the GIL, however often it is tried.
        assert not releases_gil(lambda: sum(range(100_000)))


def test_a_session_is_shared_between_threads(sb: Sandbox, session: ccverify.Session) -> None:
    results: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        reply = session.chat(body(sb, f"thread {i}"))
        with lock:
            results.append(content(reply))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [f"Echo: thread {i}" for i in range(4)]


# --- fail closed, cancellation ---------------------------------------------------------------


def sandbox_stat(sb: Sandbox, key: str) -> int:
    import urllib.request

    with urllib.request.urlopen(sb.base_url + "/v1/sandbox/stats", timeout=10) as reply:
        return int(json.loads(reply.read())[key])


def wait_aborted(sb: Sandbox, at_least: int) -> None:
    import time

    deadline = time.monotonic() + 10
    while sandbox_stat(sb, "streams_aborted") < at_least:
        assert time.monotonic() < deadline, "the sandbox never saw the connection close"
        time.sleep(0.02)


def slow_body(sb: Sandbox) -> dict[str, Any]:
    return body(sb, " ".join(["word"] * 60), stream=True)


def test_strict_sessions_raise_with_the_unverified_reply(sb: Sandbox) -> None:
    strict = attest(sb, allow_unverified=True, strict=True)
    with pytest.raises(ccverify.UnverifiedResponseError) as info:
        strict.chat(body(sb))
    err = info.value
    assert (err.code, err.number) == ("unverified_response", 10)
    assert isinstance(err.response, ccverify.ChatResponse) and not err.response.verified
    assert status(err.verdict, "session.attestation") == "fail"
    assert "session.attestation" in str(err)
    stream = strict.iter_stream(body(sb, "a b"))
    with pytest.raises(ccverify.InvalidStateError):
        stream.verdict  # noqa: B018 - no verdict before the end
    with pytest.raises(ccverify.UnverifiedResponseError) as info:
        for _ in stream:
            pass
    assert info.value.response.stream
    with pytest.raises(ccverify.UnverifiedResponseError):
        strict.chat_stream(body(sb))
    # allow_unverified alone: flagged, not raised — until asked.
    lenient = attest(sb, allow_unverified=True)
    flagged = lenient.chat(body(sb))
    assert not flagged.verified
    with pytest.raises(ccverify.UnverifiedResponseError) as raised:
        flagged.raise_for_verdict()
    assert raised.value.response is flagged
    assert status(raised.value.verdict, "session.attestation") == "fail"
    done = lenient.iter_stream(body(sb, "c"))
    list(done)
    assert status(done.verdict, "stream.signature_block") == "pass"


def test_close_aborts_the_request(sb: Sandbox) -> None:
    slow = attest(sb, allow_unverified=True, headers={"x-sandbox-fault": "slow"})
    before = sandbox_stat(sb, "streams_aborted")
    stream = slow.iter_stream(slow_body(sb))
    assert next(stream)
    stream.close()
    assert list(stream) == []
    wait_aborted(sb, before + 1)


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """Python's own SIGINT handler for the test: a parent that ignores SIGINT (a shell
    running `make test` in the background does) leaves it ignored, and then
    _thread.interrupt_main() does nothing."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_raises")
def test_ctrl_c_aborts_a_stream_at_once(sb: Sandbox) -> None:
    import _thread
    import time

    slow = attest(sb, allow_unverified=True, headers={"x-sandbox-fault": "slow"})
    before = sandbox_stat(sb, "streams_aborted")
    timer = threading.Timer(0.2, _thread.interrupt_main)
    started = time.monotonic()
    more = 0
    try:
        # The interrupt lands either in a wait (the call aborts the request) or between two
        # bytecodes of this loop (the with block closes the stream): aborted either way.
        with slow.iter_stream(slow_body(sb)) as stream:
            assert next(stream)
            timer.start()
            for _ in stream:
                more += 1
    except KeyboardInterrupt:
        pass
    else:
        pytest.fail(
            f"no KeyboardInterrupt: the stream ended after {more} more chunks, "
            f"{time.monotonic() - started:.2f} s after it started"
        )
    timer.join()
    assert time.monotonic() - started < 5  # the slow stream takes over 6 s
    wait_aborted(sb, before + 1)
    # The callback form too: Ctrl-C while waiting for the next chunk.
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        slow.chat_stream(slow_body(sb), on_chunk=lambda _chunk: None)
    timer.join()
    wait_aborted(sb, before + 2)


def test_a_session_is_a_context_manager(sb: Sandbox) -> None:
    with attest(sb, allow_unverified=True) as s:
        assert not s.closed
        assert not s.chat(body(sb)).verified
    assert s.closed
    with pytest.raises(ccverify.InvalidStateError):
        s.chat(body(sb))
    with pytest.raises(ccverify.InvalidStateError):
        s.iter_stream(body(sb))
    assert s.verdict.facts["summary"] and s.bundle()  # still readable
    s.close()  # twice is fine


def test_a_per_call_timeout_aborts_the_request(sb: Sandbox) -> None:
    import time

    slow = attest(sb, allow_unverified=True, headers={"x-sandbox-fault": "slow"})
    before = sandbox_stat(sb, "streams_aborted")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        slow.chat_stream(slow_body(sb), timeout=0.3)
    assert time.monotonic() - started < 5
    wait_aborted(sb, before + 1)
    quick = attest(sb, allow_unverified=True)
    assert b"Echo: hi" in quick.chat(body(sb, "hi"), timeout=30).body
    with pytest.raises(ccverify.InvalidArgumentError):
        quick.chat(body(sb), timeout=-1)
