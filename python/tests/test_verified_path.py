"""The verified path end to end: a session against `ccverify sandbox --evidence test` under
trust "test" verifies (attestation, pinned key, plain and streamed replies, the bundle
re-verified offline), and each fault on that path flips the verdict with its check id.

The test PKI's keys are public: nothing here says anything about real hardware, and every
verdict says "TEST ROOTS". The same evidence never verifies under the production roots.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Union

import pytest

import ccverify
from support import Sandbox, sandbox


@pytest.fixture(scope="module")
def bound() -> Iterator[Sandbox]:
    with sandbox("--evidence", "test", "--gpus", "2", "--bind-key") as running:
        yield running


@pytest.fixture(scope="module")
def unbound() -> Iterator[Sandbox]:
    with sandbox("--evidence", "test") as running:
        yield running


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IO_API_KEY", raising=False)


def strict(sb: Sandbox) -> dict[str, object]:
    return {
        "preset": "strict",
        "image_digests": [sb.image_digest],
        "tdx": {"mrtd": [sb.mrtd]},  # a binding proves something only for pinned code
        "trust": "test",
    }


def attest(
    sb: Sandbox, policy: Union[str, Mapping[str, object]], fault: str = ""
) -> ccverify.Session:
    prefix = f"/fault/{fault}" if fault else ""
    return ccverify.Session.attest(
        sb.model_id,
        base_url=sb.base_url + prefix,
        policy=policy,
        rim_url=sb.rim_url + prefix,
        ocsp_url=sb.ocsp_url,
        pccs_url=sb.pccs_url + prefix,
        record_exchanges=True,
        allow_unverified=True,
        strict=False,
    )


def body(sb: Sandbox, text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"model": sb.model, "messages": [{"role": "user", "content": text}], **extra}


def blocking(verdict: ccverify.Verdict) -> list[str]:
    return sorted({c.id for c in verdict.checks if c.status in ("fail", "skip")})


def test_a_whole_session_verifies_end_to_end(bound: Sandbox) -> None:
    session = attest(bound, strict(bound))
    verdict = session.verdict
    assert verdict.verified, blocking(verdict)
    assert session.attested
    assert session.signing_address == bound.signing_address
    rows = {c.id: c.status for c in verdict.checks if c.subject is None}
    assert rows["trust.anchors"] == "warn"
    assert rows["report.key_binding"] == "pass"
    assert verdict.facts["summary"].startswith("TEST ROOTS — proves nothing about real hardware.")

    reply = session.chat(body(bound))
    assert reply.verified, blocking(reply.verdict)
    chunks: list[bytes] = []
    streamed = session.chat_stream(body(bound, "one two three"), on_chunk=chunks.append)
    assert streamed.verified, blocking(streamed.verdict)
    assert b"".join(chunks).endswith(b"data: [DONE]\n\n")

    saved = session.bundle()
    assert len(json.loads(saved)["exchanges"]) == 2
    again = ccverify.verify_bundle(saved, policy=strict(bound))
    assert again.verified, blocking(again)
    # Without the test roots, and under the bundle's own policy, it never verifies.
    assert not ccverify.verify_bundle(saved).verified
    recorded = ccverify.verify_bundle(saved, policy="recorded")
    assert not recorded.verified
    assert all(c.id != "trust.anchors" for c in recorded.checks)


def test_test_evidence_fails_under_the_production_roots(unbound: Sandbox) -> None:
    verdict = attest(unbound, "default").verdict
    assert not verdict.verified
    assert {"gpu.cert_chain", "gpu.driver_rim", "tdx.collateral"} <= set(blocking(verdict))
    assert "TEST ROOTS" not in verdict.facts["summary"]


@pytest.mark.parametrize(
    ("which", "fault", "policy", "check"),
    [
        ("unbound", "gpu-wrong-nonce", "default", "gpu.nonce"),
        ("unbound", "tampered-rim", "default", "gpu.driver_rim"),
        ("unbound", "debug-td", "default", "tdx.td_attributes"),
        ("unbound", "stale-collateral", "default", "tdx.collateral"),
        ("bound", "relay-key", "default", "report.key_binding"),
        ("bound", "relay-key", "strict", "report.key_binding"),
        ("unbound", "relay-key", "strict", "report.key_binding"),
    ],
)
def test_each_fault_flips_the_verdict(
    bound: Sandbox, unbound: Sandbox, which: str, fault: str, policy: str, check: str
) -> None:
    sb = bound if which == "bound" else unbound
    chosen: Mapping[str, object] = strict(sb) if policy == "strict" else {"trust": "test"}
    session = attest(sb, chosen, fault)
    assert not session.verdict.verified
    assert check in blocking(session.verdict)


def test_an_unbound_relay_is_only_warned(unbound: Sandbox) -> None:
    # io.net's layout binds no key: a relay's substitution is invisible but for the warning.
    session = attest(unbound, {"trust": "test"}, "relay-key")
    assert session.verdict.verified
    rows = {c.id: c.status for c in session.verdict.checks}
    assert rows["report.key_binding"] == "warn"
    assert session.chat(body(unbound)).verified
