#!/usr/bin/env python3
"""Independent test-vector generator for the io.net Confidential Inference verifier.

It emulates the io.net attestation agent (A2-A5, see shared spec ionet-protocol.md
sections 5-10) with the real libraries the agent uses -- json, pydantic v2 and
eth_account -- and writes language-neutral JSON vectors:

    OUTDIR/exchange/<id>.json       one signed exchange per file, with the verdict
    OUTDIR/canonical/requests.json  request canonicalisation oracle
    OUTDIR/nonce.json               nonce normalisation oracle
    OUTDIR/eth.json                 address parsing / EIP-191 digest oracle

Every expectation is computed twice: once by a small reference verifier written
from the check semantics in tests/vectors/README.md, and once by hand in the case
table below; the script refuses to write anything if the two disagree.

Usage: python gen_vectors.py [OUTDIR]     (default: the tests/vectors folder)
Output is byte-for-byte deterministic (fixed keys, RFC 6979 signatures).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Optional

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from eth_keys import keys as eth_keys_api
from eth_utils import is_address as eth_utils_is_address
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

# --------------------------------------------------------------------------
# Keys and constants
# --------------------------------------------------------------------------

# Well-known eth-account documentation test key (spec section 10): the "attested" key.
ATTESTED_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ATTESTED_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
# A second fixed key that the attestation never vouched for.
FOREIGN_KEY = hashlib.sha256(b"io.net verifier test vectors: foreign signing key").hexdigest()

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F

RESPONSE_CHECKS = [
    "response.signing_algo",
    "response.signature_format",
    "response.signature",
    "response.signer",
    "response.header_address",
    "response.request_hash",
    "response.response_hash",
]
STREAM_CHECKS = ["stream.signature_block", "stream.coverage"] + RESPONSE_CHECKS

# Fixed values from spec section 10, asserted below.
SPEC_N1_REQUEST_HASH = "502cd93772f39b158fddef9bb17deee83acd3604acbc2435ec443b5eb2960ef5"
SPEC_N1_RESPONSE_HASH = "ebca17c09584205ad887346d97c57cf2a0e81e226a6c26d5a6cf05ba4a8fc5f6"
SPEC_N1_DIGEST = "fcee5fee20f5b870710d9dc1c38194d4ddfa07d80828309bf7b8d179692e1a4c"
SPEC_N1_SIGNATURE = (
    "10a44d030052a8b84e6944f03bce264d39ccec3acbc5e14808db4bd65840e825"
    "5882e3dba4efd19e82ffefd5807b91ad5ab9e8d6d2626d1b4fc931bdf0122fbb1c"
)
SPEC_S1_REQUEST_HASH = "91813a5bfca1a468574ac655cbeb8af745d4eae5362bf218374df7927b86bb45"
SPEC_S1_RESPONSE_HASH = "0f409e746fb513d10405d4ab56ba8970f6e94b1a09d2ee876549db5f289badaa"
SPEC_S1_SIGNATURE = (
    "9f92baeee821c76cff3a0bedadc0a7d061d410a3151d0765a08feafaed3b879c"
    "06b368f4b46a12588917effe912b18c0bafcad92ae9c710c8da73ad9cf0aecd11c"
)
SPEC_EMPTY_STREAM_HASH = "0b0d7de9708ead98c994ceaac71711895fd3efeed4dcd991e70016886abd6797"
SPEC_COERCION_HASH_PREFIX = "bb9fa75e"
SPEC_COERCION_HASH_SUFFIX = "0e52"


# --------------------------------------------------------------------------
# Agent emulation
# --------------------------------------------------------------------------


class CompletionRequest(BaseModel):
    """The agent's request model (A4/A5 main.py declare exactly these fields,
    in this order; `messages` is Optional[list] there, not a required list)."""

    model_config = ConfigDict(extra="allow")

    messages: Optional[list] = None
    model: Optional[str] = None
    temperature: Optional[float] = None
    max_tokens: Optional[int] = None
    stream: Optional[bool] = False
    top_p: Optional[float] = None
    frequency_penalty: Optional[float] = None
    presence_penalty: Optional[float] = None
    stop: Optional[Any] = None
    n: Optional[int] = None
    logprobs: Optional[bool] = None


# FastAPI validates a body parameter through a TypeAdapter with from_attributes=True.
_REQUEST_ADAPTER = TypeAdapter(CompletionRequest)


class AgentRejected(Exception):
    """The agent would answer 4xx/5xx (unsigned) instead of signing."""


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()  # the agent uses str.encode() (UTF-8, strict)
    return hashlib.sha256(data).hexdigest()


def compact(obj: Any) -> str:
    """json.dumps exactly as the agent's compute_hash: compact separators, other defaults."""
    return json.dumps(obj, separators=(",", ":"))


def agent_parse_request(body: bytes) -> CompletionRequest:
    """FastAPI/Starlette: json.loads(raw bytes), then pydantic (lax, python mode)."""
    if body == b"":
        raise AgentRejected("missing: empty body")
    try:
        parsed = json.loads(body)
    except UnicodeDecodeError as exc:
        raise AgentRejected(f"UnicodeDecodeError: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise AgentRejected(f"JSONDecodeError: {exc}") from None
    if parsed is None:
        raise AgentRejected("missing: JSON null body is treated as no body")
    try:
        model = _REQUEST_ADAPTER.validate_python(parsed, from_attributes=True)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "<root>"
            parts.append(f"{err['type']} at {loc}")
        raise AgentRejected("pydantic: " + "; ".join(parts)) from None
    # Cross-check: plain model_validate must agree with the FastAPI path.
    twin = CompletionRequest.model_validate(parsed)
    assert compact(twin.model_dump(exclude_none=True)) == compact(model.model_dump(exclude_none=True))
    return model


def agent_request_canonical(body: bytes) -> str:
    """The exact string the agent hashes into request_hash."""
    model = agent_parse_request(body)
    return compact(model.model_dump(exclude_none=True))


def agent_request_hash(body: bytes) -> str:
    return sha256_hex(agent_request_canonical(body))


def agent_wants_stream(body: bytes) -> bool:
    return bool(agent_parse_request(body).stream)


def agent_sign(text: str, key_hex: str) -> str:
    signed = Account.from_key(bytes.fromhex(key_hex)).sign_message(encode_defunct(text=text))
    sig_hex = signed.signature.hex()
    assert sig_hex == bytes(signed.signature).hex() and len(sig_hex) == 130
    return sig_hex


def address_of(key_hex: str) -> str:
    return Account.from_key(bytes.fromhex(key_hex)).address


def agent_response(request: bytes, response_body: dict, key_hex: str) -> dict:
    """Non-streaming: returns wire body, headers and the two hashes."""
    assert not agent_wants_stream(request)
    req_hash = agent_request_hash(request)
    resp_hash = sha256_hex(compact(response_body))
    text = f"{req_hash}:{resp_hash}"
    headers = {
        "text": text,
        "signature": agent_sign(text, key_hex),
        "signing_address": address_of(key_hex),
        "signing_algo": "ecdsa",
    }
    return {
        "body": json.dumps(response_body).encode(),  # default separators, ensure_ascii
        "headers": headers,
        "request_hash": req_hash,
        "response_hash": resp_hash,
        "text": text,
    }


def agent_chunks_of(upstream: bytes) -> list[str]:
    """Section 7 step 3: the strings the agent puts in {"chunks": [...]}."""
    lines = []
    for line in upstream.decode("utf-8").split("\n"):
        if line.startswith("data: ") and not line.startswith("data: [DONE]"):
            lines.append(line[6:])
    return lines


def agent_stream_hash(upstream: bytes) -> str:
    return sha256_hex(compact({"chunks": agent_chunks_of(upstream)}))


def signature_block(event: dict) -> bytes:
    return ("event: signature\ndata: " + json.dumps(event) + "\n\n").encode()


def agent_stream(
    request: bytes,
    upstream_chunks: list[bytes],
    key_hex: str,
    version: str = "a5",
    event_extra: Optional[dict] = None,
) -> dict:
    """Streaming: emulate the agent relaying `upstream_chunks` (vLLM's network chunking).

    version "a5": a chunk whose own UTF-8 decoding contains "data: [DONE]" is held back
    (only the last such chunk survives) and sent after the signature block; a chunk that
    does not decode on its own aborts the stream (no block, no held chunk).
    version "a2": every chunk is forwarded at once, the block comes last (A2-A4).
    """
    assert agent_wants_stream(request)
    req_hash = agent_request_hash(request)
    wire: list[bytes] = []
    accumulated: list[bytes] = []
    held: Optional[bytes] = None
    for chunk in upstream_chunks:
        accumulated.append(chunk)
        if version == "a5":
            try:
                decoded = chunk.decode("utf-8")
            except UnicodeDecodeError:
                # The generator raises after the 200 was sent: the client sees a
                # truncated body with neither signature nor [DONE].
                return {"wire": b"".join(wire), "aborted": True, "request_hash": req_hash}
            if "data: [DONE]" in decoded:
                held = chunk
                continue
        else:
            assert version == "a2"
        wire.append(chunk)
    upstream = b"".join(accumulated)
    resp_hash = agent_stream_hash(upstream)
    text = f"{req_hash}:{resp_hash}"
    event = {
        "text": text,
        "signature": agent_sign(text, key_hex),
        "signing_address": address_of(key_hex),
        "signing_algo": "ecdsa",
    }
    if event_extra:
        event.update(event_extra)
    block = signature_block(event)
    wire.append(block)
    if held is not None:
        wire.append(held)
    return {
        "wire": b"".join(wire),
        "aborted": False,
        "block": block,
        "event": event,
        "request_hash": req_hash,
        "response_hash": resp_hash,
        "text": text,
        "upstream": upstream,
    }


# --------------------------------------------------------------------------
# Reference verifier (implements the check semantics of README.md)
# --------------------------------------------------------------------------

TEXT_RE = re.compile(r"[0-9a-f]{64}:[0-9a-f]{64}")
HEX_RE = re.compile(r"[0-9a-fA-F]*")
ADDR_RE = re.compile(r"(?:0x|0X)?([0-9a-fA-F]{40})")


def address_valid(value: str) -> bool:
    """EIP-55 aware address rule used by the verifier and eth.json: optional 0x/0X,
    40 hex digits; letters all-lower or all-upper, or else a correct EIP-55 checksum."""
    m = ADDR_RE.fullmatch(value)
    if not m:
        return False
    body = m.group(1)
    if body == body.lower() or body == body.upper():
        return True
    return to_checksum_address("0x" + body)[2:] == body


def strip_json_whitespace(body: bytes) -> bytes:
    """Remove space, tab, LF, CR outside JSON strings; string bytes stay verbatim."""
    out = bytearray()
    in_string = False
    escaped = False
    for byte in body:
        if in_string:
            out.append(byte)
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        else:
            if byte in (0x20, 0x09, 0x0A, 0x0D):
                continue
            out.append(byte)
            if byte == 0x22:
                in_string = True
    return bytes(out)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def is_strict_json(body: bytes) -> bool:
    try:
        json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def verifier_response_hash(body: bytes) -> Optional[str]:
    if not is_strict_json(body):
        return None
    return hashlib.sha256(strip_json_whitespace(body)).hexdigest()


def verifier_request_hash(request: bytes) -> Optional[str]:
    try:
        return agent_request_hash(request)
    except AgentRejected:
        return None


MARKER = b"event: signature"


def cut_blocks(stream: bytes) -> tuple[list[tuple[list[bytes], bool]], bytes]:
    """Cut every signature block out, line by line, as a reader of the raw bytes must: a line
    (split on LF) that ends with `event: signature` (optionally followed by its CR) starts a
    block, unless that suffix was formed by joining the two sides of an earlier cut; the block is
    the lines up to the first blank one (empty or a lone CR); what came before the marker on its
    line continues after the block. An unterminated block runs to the end of the stream, and the
    start of its line is dropped with it. Returns ([(block lines, terminated)], remainder)."""
    remainder = bytearray()
    blocks: list[tuple[list[bytes], bool]] = []
    line = bytearray()
    joined_at = 0
    i = 0
    while True:
        nl = stream.find(b"\n", i)
        if nl < 0:
            remainder += line + stream[i:]  # the last piece: a line to Python's split too
            return blocks, bytes(remainder)
        line += stream[i:nl]
        i = nl + 1
        cut = None
        for marker in (MARKER, MARKER + b"\r"):
            if line.endswith(marker) and len(line) - len(marker) >= joined_at:
                cut = len(marker)
        if cut is None:
            remainder += line + b"\n"
            line = bytearray()
            joined_at = 0
            continue
        del line[len(line) - cut :]
        lines: list[bytes] = []
        while True:
            nl = stream.find(b"\n", i)
            if nl < 0:
                lines.append(stream[i:])
                blocks.append((lines, False))
                return blocks, bytes(remainder)
            block_line = stream[i:nl]
            i = nl + 1
            if block_line in (b"", b"\r"):
                break
            lines.append(block_line)
        blocks.append((lines, True))
        joined_at = len(line)


def verifier_stream_parts(stream: bytes) -> tuple[Optional[dict], bytes]:
    """(the signature event if there is exactly one well-formed block, else None; the stream
    with every block cut out)."""
    blocks, remainder = cut_blocks(stream)
    if len(blocks) != 1 or not blocks[0][1] or len(blocks[0][0]) != 1:
        return None, remainder
    line = blocks[0][0][0]
    if not line.startswith(b"data: "):
        return None, remainder
    data = line[6:]
    if data.endswith(b"\r"):
        data = data[:-1]
    if b"\r" in data:
        return None, remainder
    try:
        event = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, remainder
    if not isinstance(event, dict):
        return None, remainder
    return event, remainder


def verifier_stream_hashes(remainder: bytes) -> Optional[tuple[str, str]]:
    """The agent's rule on the bytes received, and the same with one trailing CR removed from
    each hashed line (a proxy's LF-to-CRLF re-encoding undone)."""
    try:
        chunks = agent_chunks_of(remainder)
    except UnicodeDecodeError:
        return None
    lf = [c[:-1] if c.endswith("\r") else c for c in chunks]
    return (
        sha256_hex(compact({"chunks": chunks})),
        sha256_hex(compact({"chunks": lf})),
    )


def whatwg_lines(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every line as the WHATWG event-stream parser splits it: CRLF, LF or a lone
    CR end a line; a leading BOM is not part of the first line. An unterminated last piece is
    a line too here (the verifier delivers the hashed content in it)."""
    out = []
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    start = pos
    while pos < len(data):
        b = data[pos]
        if b == 0x0A:
            out.append((start, pos))
            pos += 1
            start = pos
        elif b == 0x0D:
            out.append((start, pos))
            pos += 2 if data[pos + 1 : pos + 2] == b"\n" else 1
            start = pos
        else:
            pos += 1
    if start < len(data):
        out.append((start, len(data)))
    return out


def consumer_view(remainder: bytes) -> tuple[Optional[str], bytes]:
    """Coverage by spans: every `data` field a WHATWG consumer reads must be a whole line the
    agent hashed (same start; same end, or the end before its CR), one per event; no `event`
    field. Returns (the first violation or None, the canonical events)."""
    agent_lines = {}
    pos = 0
    for piece in remainder.split(b"\n"):
        agent_lines[pos] = piece
        pos += len(piece) + 1
    violation = None
    events: list[bytes] = []  # every hashed data line (but [DONE]) is delivered, in order
    current: list[bytes] = []
    for start, end in whatwg_lines(remainder):
        line = remainder[start:end]
        if not line:
            current = []
            continue
        if line.startswith(b":"):
            continue
        name, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if name == b"event":
            violation = violation or f"event field {line!r}"
        elif name == b"data":
            agent = agent_lines.get(start)
            hashed_whole = agent is not None and agent.startswith(b"data: ") and (
                agent == line or agent == line + b"\r"
            )
            if not hashed_whole:
                violation = violation or f"unhashed data line {line!r}"
                continue
            if current:
                violation = violation or f"second data line in one event {line!r}"
            current.append(value)
            if not value.startswith(b"[DONE]"):
                events.append(value)
    delivered = b"".join(b"data: " + e + b"\n\n" for e in events)
    return violation, delivered


def parse_signature(sig: str) -> Optional[tuple[int, int, int]]:
    """Strict format rule; returns (r, s, v) or None."""
    raw = sig[2:] if sig[:2] in ("0x", "0X") else sig
    if len(raw) != 130 or not HEX_RE.fullmatch(raw):
        return None
    data = bytes.fromhex(raw)
    r = int.from_bytes(data[0:32], "big")
    s = int.from_bytes(data[32:64], "big")
    v = data[64]
    if v not in (0, 1, 27, 28):
        return None
    if not (1 <= r < SECP256K1_N and 1 <= s < SECP256K1_N):
        return None
    if s > SECP256K1_N // 2:
        return None
    return r, s, v


def recover_signer(text: str, r: int, s: int, v: int) -> Optional[str]:
    digest = _hash_eip191_message(encode_defunct(text=text))
    try:
        sig = eth_keys_api.Signature(vrs=(v - 27 if v >= 27 else v, r, s))
        return sig.recover_public_key_from_msg_hash(digest).to_checksum_address()
    except Exception:  # eth_keys BadSignature / ValidationError
        return None


def run_signature_checks(
    fields: dict, request_hash: Optional[str], response_hash: Optional[str], expected: Optional[str]
) -> tuple[dict, Optional[str]]:
    """The seven response.* checks on the (header or event) fields."""
    checks: dict[str, str] = {}

    def field(name: str) -> Optional[str]:
        value = fields.get(name)
        return value if isinstance(value, str) else None

    present = lambda name: name in fields  # noqa: E731

    algo = field("signing_algo")
    if not present("signing_algo"):
        checks["response.signing_algo"] = "warn"
    else:
        checks["response.signing_algo"] = "pass" if algo == "ecdsa" else "fail"

    text = field("text")
    text_ok = text is not None and TEXT_RE.fullmatch(text) is not None
    sig = field("signature")
    parsed = parse_signature(sig) if sig is not None else None
    format_ok = parsed is not None and text_ok
    checks["response.signature_format"] = "pass" if format_ok else "fail"

    signer: Optional[str] = None
    if not format_ok:
        checks["response.signature"] = "skip"
    else:
        r, s, v = parsed
        signer = recover_signer(text, r, s, v)
        checks["response.signature"] = "pass" if signer else "fail"

    if expected is None or signer is None:
        checks["response.signer"] = "skip"
    else:
        checks["response.signer"] = "pass" if signer.lower() == expected.lower() else "fail"

    header_addr = field("signing_address")
    if not present("signing_address"):
        checks["response.header_address"] = "warn"
    elif signer is None and expected is None:
        checks["response.header_address"] = "skip"
    elif header_addr is None or not address_valid(header_addr):
        checks["response.header_address"] = "fail"
    else:
        norm = header_addr.lower()[-40:]
        bad = (signer is not None and norm != signer.lower()[2:]) or (
            expected is not None and norm != expected.lower()[2:]
        )
        checks["response.header_address"] = "fail" if bad else "pass"

    for name, computed, half in (
        ("response.request_hash", request_hash, 0),
        ("response.response_hash", response_hash, 1),
    ):
        if not text_ok:
            checks[name] = "skip"
        else:
            claimed = text.split(":")[half]
            checks[name] = "pass" if computed is not None and computed == claimed else "fail"
    return checks, signer


def verdict(checks: dict, signer, request_hash, response_hash) -> dict:
    verified = all(v in ("pass", "warn") for v in checks.values())
    return {
        "verified": verified,
        "signer": signer,
        "request_hash": request_hash,
        "response_hash": response_hash,
        "checks": checks,
    }


def verify_response(request: bytes, body: bytes, headers: dict, expected: Optional[str]) -> dict:
    req_hash = verifier_request_hash(request)
    resp_hash = verifier_response_hash(body)
    checks, signer = run_signature_checks(headers, req_hash, resp_hash, expected)
    return verdict({k: checks[k] for k in RESPONSE_CHECKS}, signer, req_hash, resp_hash)


def verify_stream(request: bytes, stream: bytes, expected: Optional[str]) -> dict:
    event, remainder = verifier_stream_parts(stream)
    hashes = verifier_stream_hashes(remainder)
    violation, delivered = consumer_view(remainder)
    coverage = "fail" if violation is not None or hashes is None else "pass"
    if event is None:
        checks = {"stream.signature_block": "fail", "stream.coverage": coverage}
        checks.update({k: "skip" for k in RESPONSE_CHECKS})
        out = verdict(checks, None, None, None)
        out["delivered_b64"] = b64(delivered)
        return out
    req_hash = verifier_request_hash(request)
    resp_hash = None
    if hashes is not None:
        raw, lf = hashes
        signed = event.get("text")
        signed_resp = signed.split(":", 1)[1] if isinstance(signed, str) and TEXT_RE.fullmatch(signed) else None
        resp_hash = lf if signed_resp == lf and raw != lf else raw
    inner, signer = run_signature_checks(event, req_hash, resp_hash, expected)
    checks = {"stream.signature_block": "pass", "stream.coverage": coverage}
    checks.update({k: inner[k] for k in RESPONSE_CHECKS})
    out = verdict(checks, signer, req_hash, resp_hash)
    if out["verified"]:
        delivered += b"data: [DONE]\n\n"
    out["delivered_b64"] = b64(delivered)
    return out


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

# The agent's own test fixtures (tests/test_completion.py): request and vLLM reply.
N1_REQUEST = (
    b'{"messages":[{"role":"user","content":"Hello, world!"}],'
    b'"model":"test-model","temperature":0.7,"max_tokens":100}'
)


def chat_completion(content: str, **extra: Any) -> dict:
    body = {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1234567890,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
    }
    body.update(extra)
    return body


N1_RESPONSE = chat_completion("Hello! How can I help you today?")

S1_REQUEST = b'{"messages":[{"role":"user","content":"Test"}],"stream":true}'


def delta_line(delta: dict, finish: Optional[str] = None, raw_utf8: bool = False) -> bytes:
    """One vLLM chunk JSON (compact, as vLLM emits it)."""
    obj = {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1234567890,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=not raw_utf8).encode()


S1_LINES = [
    delta_line({"role": "assistant", "content": "Hello"}),
    delta_line({"content": " there"}),
    delta_line({"content": "!"}, "stop"),
]
DONE = b"data: [DONE]\n\n"


def sse(line: bytes, eol: bytes = b"\n") -> bytes:
    return b"data: " + line + eol + eol


S1_CHUNKS = [sse(line) for line in S1_LINES] + [DONE]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --------------------------------------------------------------------------
# Exchange cases
# --------------------------------------------------------------------------

CASES: list[dict] = []


def add_response_case(
    case_id: str,
    description: str,
    request: bytes,
    body: bytes,
    headers: dict,
    expected: Optional[str] = ATTESTED_ADDRESS,
    *,
    fails: tuple = (),
    skips: tuple = (),
    warns: tuple = (),
    signer: Optional[str] = ATTESTED_ADDRESS,
) -> None:
    expect = verify_response(request, body, headers, expected)
    _check_expect(case_id, expect, fails, skips, warns, signer)
    CASES.append(
        {
            "id": case_id,
            "description": description,
            "kind": "response",
            "request_b64": b64(request),
            "response_b64": b64(body),
            "headers": headers,
            "expected_address": expected,
            "expect": expect,
        }
    )


def add_stream_case(
    case_id: str,
    description: str,
    request: bytes,
    stream: bytes,
    expected: Optional[str] = ATTESTED_ADDRESS,
    *,
    fails: tuple = (),
    skips: tuple = (),
    warns: tuple = (),
    signer: Optional[str] = ATTESTED_ADDRESS,
) -> None:
    expect = verify_stream(request, stream, expected)
    _check_expect(case_id, expect, fails, skips, warns, signer)
    CASES.append(
        {
            "id": case_id,
            "description": description,
            "kind": "stream",
            "request_b64": b64(request),
            "stream_b64": b64(stream),
            "expected_address": expected,
            "expect": expect,
        }
    )


def _short(check_ids: tuple) -> set:
    out = set()
    for c in check_ids:
        out.add(c if "." in c else f"response.{c}")
    return out


ALL_SKIPPED = tuple(c.split(".", 1)[1] for c in RESPONSE_CHECKS)


def _check_expect(case_id, expect, fails, skips, warns, signer) -> None:
    """Hand-written expectations must agree with the reference verifier."""
    got = expect["checks"]
    by_status = {s: {k for k, v in got.items() if v == s} for s in ("fail", "skip", "warn")}
    want = {"fail": _short(fails), "skip": _short(skips), "warn": _short(warns)}
    if by_status != want:
        raise SystemExit(f"{case_id}: reference verifier says {by_status}, case table says {want}")
    if expect["signer"] != signer:
        raise SystemExit(f"{case_id}: signer {expect['signer']} != {signer}")
    want_verified = not want["fail"] and not want["skip"]
    if expect["verified"] != want_verified:
        raise SystemExit(f"{case_id}: verified mismatch")


def with_headers(base: dict, **changes: Optional[str]) -> dict:
    """Copy of headers; a value of None removes that header."""
    out = dict(base)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def build_response_cases() -> None:
    # ---- N1 exactly as in spec section 10 ------------------------------------
    n1 = agent_response(N1_REQUEST, N1_RESPONSE, ATTESTED_KEY)
    assert agent_request_canonical(N1_REQUEST) == (
        '{"messages":[{"role":"user","content":"Hello, world!"}],'
        '"model":"test-model","temperature":0.7,"max_tokens":100,"stream":false}'
    )
    assert n1["request_hash"] == SPEC_N1_REQUEST_HASH
    assert n1["response_hash"] == SPEC_N1_RESPONSE_HASH
    assert _hash_eip191_message(encode_defunct(text=n1["text"])).hex() == SPEC_N1_DIGEST
    assert n1["headers"]["signature"] == SPEC_N1_SIGNATURE
    assert n1["headers"]["signing_address"] == ATTESTED_ADDRESS
    h = n1["headers"]
    add_response_case(
        "n1_plain",
        "Spec section 10 N1: the agent's own test request and chatcmpl-123 reply, signed by the "
        "attested key exactly as the agent does; everything checks out.",
        N1_REQUEST,
        n1["body"],
        h,
    )

    # ---- request/response canonicalisation (all must verify) ----------------
    def ok(case_id: str, description: str, request: bytes, response: dict, **extra_headers: str):
        ex = agent_response(request, response, ATTESTED_KEY)
        headers = dict(ex["headers"])
        headers.update(extra_headers)
        add_response_case(case_id, description, request, ex["body"], headers)
        return ex

    ok(
        "n_unicode",
        "Raw UTF-8 'café 😀' in the request and non-ASCII reply text: the agent hashes them as "
        "\\u00e9 / surrogate-pair escapes (ensure_ascii) and the wire body is escaped too; verifies.",
        '{"messages":[{"role":"user","content":"café 😀 — naïve"}],"model":"test-model"}'.encode(),
        chat_completion("Bonjour ! Café 😀, 日本語, Ω≈ç√"),
    )
    ok(
        "n_floats_repr",
        "Request floats written 1e-7, 0.30000000000000004 and an extra 1e20 are hashed in Python "
        "repr (1e-07, 1e+20); the reply carries floats too; verifies.",
        b'{"messages":[{"role":"user","content":"x"}],"temperature":1e-7,'
        b'"top_p":0.30000000000000004,"model":"test-model","scale":1e20}',
        chat_completion("ok", score=1e-07, big=1e20, third=0.1 + 0.2),
    )
    ok(
        "n_float_edges",
        "Request with -0.0, 1e16 and 0.00001 in declared and extra fields (hashed as -0.0, 1e+16, "
        "1e-05) and a reply with the same values; verifies.",
        b'{"model":"test-model","messages":[{"role":"user","content":"x"}],"temperature":-0.0,'
        b'"presence_penalty":0.00001,"x_neg_zero":-0.0,"x_int_neg_zero":-0,"x_big":1e16}',
        chat_completion("ok", logprob=-0.0, tiny=1e-05, large=1e16),
    )
    ok(
        "n_escapes",
        "Strings with quotes, backslashes, \\u escapes, '\\/', control characters, DEL and the "
        "separators ', ' and ': ' inside them, in request and reply; escapes are re-emitted the "
        "Python way and separators inside strings must survive the whitespace strip; verifies.",
        b'{"messages":[{"role":"user","content":"He said \\"hi\\", then \\\\ left: a, b: c \\/ '
        b'\\u0041\\u00e9\\ud83d\\ude00 tab\\t nl\\n bell\\u0007 del\x7f"}],"model":"test-model"}',
        chat_completion('Quote " and backslash \\ and key": "value", list, , end\t\n\u0001 \u007f'),
    )
    coercion_request = (
        b'{"seed":7,"max_tokens":5000,"messages":[{"role":"user","content":"Hi"}],"model":"m"}'
    )
    ex = ok(
        "n_extra_fields",
        "Spec section 10 coercion example: an extra field before the declared ones is moved after "
        "them and stream:false is added (request hash bb9fa75e...0e52); verifies.",
        coercion_request,
        N1_RESPONSE,
    )
    assert agent_request_canonical(coercion_request) == (
        '{"messages":[{"role":"user","content":"Hi"}],"model":"m","max_tokens":5000,'
        '"stream":false,"seed":7}'
    )
    assert ex["request_hash"].startswith(SPEC_COERCION_HASH_PREFIX)
    assert ex["request_hash"].endswith(SPEC_COERCION_HASH_SUFFIX)
    ok(
        "n_extra_fields_order",
        "Extra fields interleaved with declared ones in the client's order: declared fields are "
        "emitted in model order, extras after them in arrival order, nested key order untouched; "
        "verifies.",
        b'{"user":"u-1","temperature":0.5,"response_format":{"type":"json_object","b":1,"a":2},'
        b'"messages":[{"content":"Hi","role":"user"}],"tools":[],"model":"test-model","seed":3}',
        N1_RESPONSE,
    )
    ok(
        "n_nulls",
        "Top-level nulls (declared stop/n and an extra field) are dropped, while a nested "
        "\"name\":null in a message and nulls inside an extra object are kept; verifies.",
        b'{"messages":[{"role":"user","content":"Hi","name":null}],"model":"test-model",'
        b'"stop":null,"n":null,"metadata":null,"extra_obj":{"a":null,"b":[null]}}',
        chat_completion("ok", system_fingerprint=None),
    )
    ok(
        "n_coercions",
        "Lax pydantic coercion: temperature 1 -> 1.0, top_p \"0.5\" -> 0.5, n 2.0 -> 2, "
        "max_tokens 100.0 -> 100, logprobs \"true\" -> true, stream 0 -> false; verifies.",
        b'{"messages":[{"role":"user","content":"Hi"}],"model":"test-model","temperature":1,'
        b'"top_p":"0.5","n":2.0,"max_tokens":100.0,"logprobs":"true","stream":0}',
        N1_RESPONSE,
    )
    ok(
        "n_bigints",
        "Integers above 2^53 in the request (extra seed, max_tokens) and in the reply are hashed "
        "exactly, with no float rounding; verifies.",
        b'{"messages":[{"role":"user","content":"Hi"}],"model":"test-model",'
        b'"max_tokens":9007199254740993,"seed":18446744073709551617,"logit_bias":{"50256":-100}}',
        chat_completion("ok", created=18446744073709551615, fingerprint_id=9007199254740993),
    )
    ok(
        "n_nan_extra",
        "NaN, Infinity and -Infinity in an extra request field are accepted by json.loads and "
        "hashed as the bare tokens NaN/Infinity/-Infinity; verifies.",
        b'{"messages":[{"role":"user","content":"Hi"}],"model":"test-model",'
        b'"x_nan":NaN,"x_inf":Infinity,"x_ninf":-Infinity}',
        N1_RESPONSE,
    )
    ok(
        "n_stream_null",
        "\"stream\": null is dropped before hashing (A2+ hash first, then force stream=false "
        "upstream), so the canonical request has no stream key at all; verifies.",
        b'{"messages":[{"role":"user","content":"Hi"}],"model":"test-model","stream":null}',
        N1_RESPONSE,
    )
    ok(
        "n_extra_headers",
        "Agent headers image_digest, vllm_image_digest and vllm_model_id besides the signature "
        "headers are informational and do not affect the verdict; verifies.",
        N1_REQUEST,
        N1_RESPONSE,
        image_digest="sha256:" + "ab" * 32,
        vllm_image_digest="sha256:" + "cd" * 32,
        vllm_model_id="test-model",
    )

    # ---- body changes on the way ---------------------------------------------
    add_response_case(
        "n_body_reserialized_whitespace",
        "The N1 body re-emitted with indent=2 and CRLF/tab whitespace between tokens only: "
        "whitespace outside strings is ignored by the verifier, so it still verifies.",
        N1_REQUEST,
        json.dumps(N1_RESPONSE, indent=2).replace("\n", "\r\n\t").encode() + b"\n",
        h,
    )
    add_response_case(
        "n_body_compact",
        "The N1 body delivered in compact form (no spaces after , and :): same bytes once "
        "whitespace outside strings is removed, so it verifies.",
        N1_REQUEST,
        compact(N1_RESPONSE).encode(),
        h,
    )
    add_response_case(
        "n_body_string_whitespace",
        "One extra space inside the reply text string ('How can  I'): whitespace inside strings "
        "is content, so response_hash fails.",
        N1_REQUEST,
        n1["body"].replace(b"How can I", b"How can  I"),
        h,
        fails=("response_hash",),
    )
    add_response_case(
        "n_body_tampered",
        "One byte of the reply text changed (Hello! -> Hellp!) after signing: response_hash fails.",
        N1_REQUEST,
        n1["body"].replace(b"Hello!", b"Hellp!"),
        h,
        fails=("response_hash",),
    )
    add_response_case(
        "n_body_truncated",
        "The reply body cut short so it is not valid JSON: the verifier cannot compute a response "
        "hash and response_hash fails.",
        N1_REQUEST,
        n1["body"][:-20],
        h,
        fails=("response_hash",),
    )

    # ---- signature encodings ------------------------------------------------
    sig = h["signature"]
    r_hex, s_hex, v_byte = sig[:64], sig[64:128], int(sig[128:], 16)
    add_response_case(
        "sig_0x_prefix",
        "The N1 signature with a 0x prefix (older hexbytes style): the prefix is allowed, verifies.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature="0x" + sig),
    )
    add_response_case(
        "sig_0X_prefix_upper_hex",
        "The N1 signature as upper-case hex with a 0X prefix: still 65 bytes of hex, verifies.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature="0X" + sig.upper()),
    )
    add_response_case(
        "sig_v_0_1",
        "The N1 signature with recovery byte v=1 instead of 28 (raw recovery id): accepted, "
        "verifies.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=r_hex + s_hex + f"{v_byte - 27:02x}"),
    )
    high_s = SECP256K1_N - int(s_hex, 16)
    flipped_v = 27 if v_byte == 28 else 28
    high_s_sig = r_hex + f"{high_s:064x}" + f"{flipped_v:02x}"
    # eth_account itself accepts the malleable twin and recovers the same key:
    assert Account.recover_message(encode_defunct(text=n1["text"]), signature=bytes.fromhex(high_s_sig)) == ATTESTED_ADDRESS
    add_response_case(
        "sig_high_s",
        "Malleable twin of the N1 signature (s -> n-s, v flipped): eth_account would still recover "
        "the attested key, but the verifier requires low-s, so signature_format fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=high_s_sig),
        fails=("signature_format",),
        skips=("signature", "signer"),
        signer=None,
    )
    add_response_case(
        "sig_legacy_128hex",
        "A1-era 64-byte r||s signature (128 hex, no recovery byte): rejected by signature_format.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=r_hex + s_hex),
        fails=("signature_format",),
        skips=("signature", "signer"),
        signer=None,
    )
    add_response_case(
        "sig_v_invalid",
        "The N1 signature with v=29, which is not 0, 1, 27 or 28: signature_format fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=r_hex + s_hex + "1d"),
        fails=("signature_format",),
        skips=("signature", "signer"),
        signer=None,
    )
    add_response_case(
        "sig_r_zero",
        "The N1 signature with r=0 (out of [1, n-1]): signature_format fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature="00" * 32 + s_hex + sig[128:]),
        fails=("signature_format",),
        skips=("signature", "signer"),
        signer=None,
    )
    bad_r = _first_r_without_point()
    add_response_case(
        "sig_unrecoverable",
        "Well-formed 65-byte low-s signature whose r is not the x-coordinate of any curve point, so "
        "no public key can be recovered: signature fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=f"{bad_r:064x}" + s_hex + sig[128:]),
        fails=("signature",),
        skips=("signer",),
        signer=None,
    )
    flipped_sig = r_hex + s_hex + f"{flipped_v:02x}"
    wrong_signer = recover_signer(n1["text"], int(r_hex, 16), int(s_hex, 16), flipped_v)
    assert wrong_signer and wrong_signer != ATTESTED_ADDRESS
    add_response_case(
        "sig_v_flipped",
        "The N1 signature with the other recovery id (28 -> 27): it recovers some unrelated "
        "address, so signer and header_address fail.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=flipped_sig),
        fails=("signer", "header_address"),
        signer=wrong_signer,
    )

    # ---- wrong keys / wrong exchange -----------------------------------------
    foreign = agent_response(N1_REQUEST, N1_RESPONSE, FOREIGN_KEY)
    foreign_addr = address_of(FOREIGN_KEY)
    add_response_case(
        "sig_foreign_key_header_attested",
        "Signed by a key the attestation never vouched for while the signing_address header "
        "claims the attested address: signer fails and the header disagrees with the recovered "
        "signer.",
        N1_REQUEST,
        foreign["body"],
        with_headers(foreign["headers"], signing_address=ATTESTED_ADDRESS),
        fails=("signer", "header_address"),
        signer=foreign_addr,
    )
    add_response_case(
        "sig_foreign_key_header_foreign",
        "Signed by a foreign key and honestly labelled with the foreign address, while the "
        "attested address is expected: signer fails and the header differs from the attested "
        "address.",
        N1_REQUEST,
        foreign["body"],
        foreign["headers"],
        fails=("signer", "header_address"),
        signer=foreign_addr,
    )
    add_response_case(
        "sig_foreign_key_no_header_address",
        "Signed by a foreign key with no signing_address header: signer fails, header_address "
        "only warns.",
        N1_REQUEST,
        foreign["body"],
        with_headers(foreign["headers"], signing_address=None),
        fails=("signer",),
        warns=("header_address",),
        signer=foreign_addr,
    )
    other_request = N1_REQUEST.replace(b"Hello, world!", b"Hello, world?")
    other = agent_response(other_request, N1_RESPONSE, ATTESTED_KEY)
    add_response_case(
        "sig_other_request",
        "Genuine attested signature, but its text is for a different request ('Hello, world?') "
        "with the same reply: signature and signer pass, request_hash fails.",
        N1_REQUEST,
        other["body"],
        other["headers"],
        fails=("request_hash",),
    )
    other2 = agent_response(N1_REQUEST, chat_completion("Goodbye."), ATTESTED_KEY)
    add_response_case(
        "sig_other_response",
        "Genuine attested signature over this request but a different reply, delivered with the "
        "N1 reply body: response_hash fails.",
        N1_REQUEST,
        n1["body"],
        other2["headers"],
        fails=("response_hash",),
    )

    # ---- header presence / values --------------------------------------------
    add_response_case(
        "hdr_missing_signature",
        "No signature header: signature_format fails, recovery and signer are skipped, the "
        "hashes still match.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signature=None),
        fails=("signature_format",),
        skips=("signature", "signer"),
        signer=None,
    )
    add_response_case(
        "hdr_missing_text",
        "No text header: signature_format fails and every check that needs text is skipped.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, text=None),
        fails=("signature_format",),
        skips=("signature", "signer", "request_hash", "response_hash"),
        signer=None,
    )
    upper_text = n1["text"].upper()
    add_response_case(
        "hdr_text_uppercase",
        "text in upper-case hex, validly signed as such by the attested key: text must be "
        "lower-case hex, so signature_format fails and text-based checks are skipped.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, text=upper_text, signature=agent_sign(upper_text, ATTESTED_KEY)),
        fails=("signature_format",),
        skips=("signature", "signer", "request_hash", "response_hash"),
        signer=None,
    )
    add_response_case(
        "hdr_missing_signing_algo",
        "No signing_algo header: only a warning, the exchange still verifies.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signing_algo=None),
        warns=("signing_algo",),
    )
    add_response_case(
        "hdr_signing_algo_ed25519",
        "signing_algo is 'ed25519' instead of 'ecdsa': signing_algo fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signing_algo="ed25519"),
        fails=("signing_algo",),
    )
    add_response_case(
        "hdr_signing_algo_uppercase",
        "signing_algo is 'ECDSA': only the exact value 'ecdsa' passes, so signing_algo fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signing_algo="ECDSA"),
        fails=("signing_algo",),
    )
    add_response_case(
        "hdr_missing_signing_address",
        "No signing_address header: header_address only warns, the exchange still verifies.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signing_address=None),
        warns=("header_address",),
    )
    add_response_case(
        "hdr_signing_address_lowercase",
        "signing_address header in all-lower-case hex (valid, no checksum) naming the attested "
        "key: compared case-insensitively, verifies.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signing_address=ATTESTED_ADDRESS.lower()),
    )
    bad_checksum = ATTESTED_ADDRESS[:-3] + "C23"
    assert not address_valid(bad_checksum)
    add_response_case(
        "hdr_signing_address_bad_checksum",
        "signing_address header in mixed case with a wrong EIP-55 checksum: malformed, so "
        "header_address fails.",
        N1_REQUEST,
        n1["body"],
        with_headers(h, signing_address=bad_checksum),
        fails=("header_address",),
    )
    add_response_case(
        "no_expected_address",
        "Valid N1 exchange checked without an attested address: signer is skipped, so the result "
        "is not verified even though everything else passes.",
        N1_REQUEST,
        n1["body"],
        h,
        expected=None,
        skips=("signer",),
    )


def _first_r_without_point() -> int:
    """Smallest r >= 1 for which r^3 + 7 is not a square mod p (no point has x = r)."""
    r = 1
    while pow((r**3 + 7) % SECP256K1_P, (SECP256K1_P - 1) // 2, SECP256K1_P) == 1:
        r += 1
    return r


def build_stream_cases() -> None:
    s1 = agent_stream(S1_REQUEST, S1_CHUNKS, ATTESTED_KEY)
    assert s1["request_hash"] == SPEC_S1_REQUEST_HASH
    assert s1["response_hash"] == SPEC_S1_RESPONSE_HASH
    assert s1["event"]["signature"] == SPEC_S1_SIGNATURE
    wire = s1["wire"]
    block = s1["block"]
    assert wire == b"".join(S1_CHUNKS[:3]) + block + DONE
    add_stream_case(
        "s1_stream_a5",
        "Spec section 10 S1 as sent by A5: three chunks, the signature event, then the held-back "
        "data: [DONE]; verifies.",
        S1_REQUEST,
        wire,
    )

    a2 = agent_stream(S1_REQUEST, S1_CHUNKS, ATTESTED_KEY, version="a2")
    assert a2["wire"] == b"".join(S1_CHUNKS) + block
    add_stream_case(
        "s_a2_order",
        "S1 as sent by A2-A4: the signature event comes after data: [DONE], so the verifier must "
        "read to EOF; verifies.",
        S1_REQUEST,
        a2["wire"],
    )

    joined = agent_stream(S1_REQUEST, S1_CHUNKS[:2] + [S1_CHUNKS[2] + DONE], ATTESTED_KEY)
    assert joined["wire"].index(block) < joined["wire"].index(S1_LINES[2])
    add_stream_case(
        "s_last_data_with_done",
        "A5 with the last data line and [DONE] in one upstream chunk: that data line is delivered "
        "after the signature event but is covered by the hash; verifies.",
        S1_REQUEST,
        joined["wire"],
    )

    split_done = agent_stream(
        S1_REQUEST, S1_CHUNKS[:3] + [b"data: [DO", b"NE]\n\n"], ATTESTED_KEY
    )
    assert split_done["wire"].endswith(block)
    add_stream_case(
        "s_split_done",
        "A5 with 'data: [DONE]' split across two upstream chunks: neither is held back, the event "
        "ends up after [DONE]; verifies.",
        S1_REQUEST,
        split_done["wire"],
    )

    third = sse(S1_LINES[2])
    cut = third.index(b'"finish_reason"')
    spliced = agent_stream(
        S1_REQUEST, S1_CHUNKS[:2] + [third[:cut], third[cut:] + DONE], ATTESTED_KEY
    )
    assert b',event: signature\n' in spliced["wire"]
    add_stream_case(
        "s_spliced_mid_line",
        "A5 with an upstream chunk boundary inside the last data line followed by the [DONE] "
        "chunk: the event is spliced into the middle of that line on the wire; removing the block "
        "restores the hashed bytes; verifies.",
        S1_REQUEST,
        spliced["wire"],
    )

    unicode_lines = [
        delta_line({"role": "assistant", "content": "Café"}, raw_utf8=True),
        delta_line({"content": " 😀 日本語"}, raw_utf8=True),
        delta_line({"content": " «ok»"}, "stop", raw_utf8=True),
    ]
    uni = agent_stream(S1_REQUEST, [sse(x) for x in unicode_lines] + [DONE], ATTESTED_KEY)
    add_stream_case(
        "s_non_ascii",
        "vLLM deltas with raw UTF-8 (é, emoji, CJK): hashed as \\u escapes of the raw line text, "
        "chunks split on line boundaries; verifies.",
        S1_REQUEST,
        uni["wire"],
    )

    crlf = agent_stream(
        S1_REQUEST, [sse(x, b"\r\n") for x in S1_LINES] + [b"data: [DONE]\r\n\r\n"], ATTESTED_KEY
    )
    assert all(c.endswith("\r") for c in agent_chunks_of(crlf["upstream"]))
    add_stream_case(
        "s_crlf",
        "Upstream framed with \\r\\n: each hashed line keeps its trailing \\r (split on \\n only); "
        "verifies.",
        S1_REQUEST,
        crlf["wire"],
    )

    usage_request = (
        b'{"messages":[{"role":"user","content":"Test"}],"stream":true,'
        b'"stream_options":{"include_usage":true}}'
    )
    usage_line = json.dumps(
        {
            "id": "chatcmpl-123",
            "object": "chat.completion.chunk",
            "created": 1234567890,
            "model": "test-model",
            "choices": [],
            "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
        },
        separators=(",", ":"),
    ).encode()
    usage = agent_stream(usage_request, S1_CHUNKS[:3] + [sse(usage_line), DONE], ATTESTED_KEY)
    add_stream_case(
        "s_usage_chunk",
        "Request with stream_options.include_usage: a final usage-only chunk (empty choices) "
        "precedes [DONE] and is hashed like any data line; verifies.",
        usage_request,
        usage["wire"],
    )

    error_line = (
        b'{"error":{"object":"error","message":"context length exceeded",'
        b'"type":"BadRequestError","param":null,"code":400}}'
    )
    err = agent_stream(S1_REQUEST, [S1_CHUNKS[0], sse(error_line), DONE], ATTESTED_KEY)
    add_stream_case(
        "s_error_data_line",
        "vLLM reports an error as a data: line mid-stream; the agent signs it like content, so the "
        "exchange verifies (the verdict says nothing about success).",
        S1_REQUEST,
        err["wire"],
    )

    no_space = agent_stream(
        S1_REQUEST, [S1_CHUNKS[0], b"data:" + S1_LINES[1] + b"\n\n", S1_CHUNKS[2], DONE], ATTESTED_KEY
    )
    assert len(agent_chunks_of(no_space["upstream"])) == 2
    add_stream_case(
        "s_data_without_space",
        "One upstream line is 'data:{...}' without a space: the agent's rule skips it, so no "
        "signature covers it, but an SSE consumer reads it as a chunk: coverage fails (the "
        "hash itself matches).",
        S1_REQUEST,
        no_space["wire"],
        fails=("stream.coverage",),
    )

    # ---- what a relay can add that a standard SSE consumer reads (sse-consumers.md) --------
    injected = delta_line({"content": " INJECTED"})
    second = wire.index(S1_CHUNKS[1])

    def inject(at: int, extra: bytes) -> bytes:
        return wire[:at] + extra + wire[at:]

    for case_id, extra, what in [
        ("s_inject_data_no_space", b"data:" + injected + b"\n\n",
         "a whole chunk as 'data:{...}' (no space)"),
        ("s_inject_data_tab", b"data:\t" + injected + b"\n\n",
         "a chunk as 'data:\\t{...}' (a consumer keeps the tab, JSON ignores it)"),
        ("s_inject_cr_comment", b": c\rdata: " + injected + b"\r\r\n",
         "': c\\rdata: {...}\\r\\r\\n' -- one line to the agent (not hashed), a comment, a data "
         "line and a blank line to a consumer"),
        ("s_inject_bare_data", b"data\n\n", "a bare 'data' field (an empty event to a consumer)"),
        ("s_inject_done_no_space", b"data:[DONE]\n\n",
         "'data:[DONE]' before a signed chunk (a consumer stops there and loses the rest)"),
    ]:
        add_stream_case(
            case_id,
            f"A relay adds {what} to the genuine S1 stream: the agent's rule never hashed it, so "
            "the hash still matches, but a standard SSE consumer reads it: coverage fails.",
            S1_REQUEST,
            inject(second, extra),
            fails=("stream.coverage",),
        )
    add_stream_case(
        "s_event_relabel_no_space",
        "A relay puts 'event:signature' (no space) before a genuine chunk: a wrapper that drops "
        "signature events would drop the chunk; the only event field allowed is the block's own: "
        "coverage fails.",
        S1_REQUEST,
        inject(second, b"event:signature\n"),
        fails=("stream.coverage",),
    )
    add_stream_case(
        "s_event_relabel",
        "A relay labels a genuine chunk 'event: message': coverage fails.",
        S1_REQUEST,
        inject(second, b"event: message\n"),
        fails=("stream.coverage",),
    )
    joined_events = wire.replace(S1_CHUNKS[0], S1_CHUNKS[0][:-1], 1)
    add_stream_case(
        "s_joined_data_lines",
        "A relay removes the blank line between the first two chunks: the hashed lines are "
        "unchanged, but a consumer joins them into one payload nobody signed: coverage fails.",
        S1_REQUEST,
        joined_events,
        fails=("stream.coverage",),
    )
    add_stream_case(
        "s_bom",
        "A relay prefixes a UTF-8 BOM: a consumer drops it and reads the first chunk, the agent's "
        "rule did not hash that line: coverage and response_hash fail.",
        S1_REQUEST,
        b"\xef\xbb\xbf" + wire,
        fails=("stream.coverage", "response_hash"),
    )
    add_stream_case(
        "s_crlf_reencoded",
        "A proxy re-encodes every line end of the genuine S1 stream (the block too) from LF to "
        "CRLF: no event and no data line changes, so it verifies (the hash matches once the "
        "added CRs are removed; fact stream.line_ends).",
        S1_REQUEST,
        wire.replace(b"\n", b"\r\n"),
    )
    add_stream_case(
        "s_keepalive_comments",
        "A relay adds ': keep-alive' comments and 'id:'/'retry:' lines between events: consumers "
        "ignore them and so does the verifier (they are not delivered); verifies.",
        S1_REQUEST,
        inject(second, b": keep-alive\n\nid: 1\nretry: 3000\n\n"),
    )
    add_stream_case(
        "s_lone_cr_reencoded",
        "A proxy re-encodes line ends to lone CRs: the agent's rule sees one line and no "
        "signature block (and a consumer reads its 'event' line): nothing verifies.",
        S1_REQUEST,
        wire.replace(b"\n", b"\r"),
        fails=("stream.signature_block", "stream.coverage"),
        skips=ALL_SKIPPED,
        signer=None,
    )

    empty = agent_stream(S1_REQUEST, [DONE], ATTESTED_KEY)
    assert empty["response_hash"] == SPEC_EMPTY_STREAM_HASH
    assert empty["response_hash"] == sha256_hex('{"chunks":[]}')
    add_stream_case(
        "s_empty",
        "Upstream sends only data: [DONE]: chunks is empty and the response hash is that of "
        "{\"chunks\":[]} (0b0d7de9...); verifies.",
        S1_REQUEST,
        empty["wire"],
    )

    coerced_request = (
        b'{"stream":1,"max_tokens":50.0,"messages":[{"role":"user","content":"Test"}],'
        b'"temperature":1}'
    )
    assert agent_request_canonical(coerced_request) == (
        '{"messages":[{"role":"user","content":"Test"}],"temperature":1.0,"max_tokens":50,'
        '"stream":true}'
    )
    coerced = agent_stream(coerced_request, S1_CHUNKS, ATTESTED_KEY)
    add_stream_case(
        "s_coerced_stream_1",
        "\"stream\":1 is coerced to true (so the agent streams), max_tokens 50.0 -> 50, "
        "temperature 1 -> 1.0, fields reordered; verifies.",
        coerced_request,
        coerced["wire"],
    )

    extra = agent_stream(
        S1_REQUEST,
        S1_CHUNKS,
        ATTESTED_KEY,
        event_extra={
            "image_digest": "sha256:" + "ab" * 32,
            "vllm": {
                "image_digest": "sha256:" + "cd" * 32,
                "model_id": "test-model",
                "model_owned_by": "vllm",
            },
        },
    )
    add_stream_case(
        "s_event_extra_fields",
        "A4/A5 event with image_digest and vllm provenance after signing_algo: extra fields are "
        "informational; verifies.",
        S1_REQUEST,
        extra["wire"],
    )

    foreign = agent_stream(S1_REQUEST, S1_CHUNKS, FOREIGN_KEY)
    add_stream_case(
        "s_foreign_key",
        "S1 signed by a non-attested key and labelled with that key's address: signer and "
        "header_address fail.",
        S1_REQUEST,
        foreign["wire"],
        fails=("signer", "header_address"),
        signer=address_of(FOREIGN_KEY),
    )

    # ---- damaged streams ------------------------------------------------------
    missing = wire.replace(block, b"")
    add_stream_case(
        "s_missing_block",
        "S1 with the signature event removed: no block means failure, not 'unsigned but OK'.",
        S1_REQUEST,
        missing,
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )
    add_stream_case(
        "s_two_blocks",
        "S1 with the signature event duplicated: exactly one block is required, so it fails.",
        S1_REQUEST,
        wire.replace(block, block + block),
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )
    add_stream_case(
        "s_block_unterminated",
        "S1 cut inside the signature event's data line (no closing blank line): no complete "
        "block, so it fails.",
        S1_REQUEST,
        wire[: wire.index(block) + len(block) // 2],
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )
    add_stream_case(
        "s_block_bad_json",
        "The signature event's data line is not JSON: signature_block fails.",
        S1_REQUEST,
        wire.replace(block, b"event: signature\ndata: {not json}\n\n"),
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )
    add_stream_case(
        "s_block_not_object",
        "The signature event's data line is a JSON array, not an object: signature_block fails.",
        S1_REQUEST,
        wire.replace(block, b'event: signature\ndata: ["' + s1["text"].encode() + b'"]\n\n'),
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )
    assert wire.count(b' there"') == 1
    add_stream_case(
        "s_tampered_delta",
        "S1 with the second delta changed (' there' -> ' where') after signing: response_hash "
        "fails.",
        S1_REQUEST,
        wire.replace(b' there"', b' where"'),
        fails=("response_hash",),
    )
    add_stream_case(
        "s_dropped_line",
        "S1 with the second data line dropped in transit: response_hash fails.",
        S1_REQUEST,
        wire.replace(S1_CHUNKS[1], b""),
        fails=("response_hash",),
    )
    add_stream_case(
        "s_truncated_no_block",
        "Upstream failed after two chunks, so the agent never sent the event (a truncated 200): "
        "signature_block fails.",
        S1_REQUEST,
        b"".join(S1_CHUNKS[:2]),
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )
    add_stream_case(
        "s_truncated_after_block",
        "s_last_data_with_done cut right after the event, losing the held chunk that carries the "
        "last data line: response_hash fails.",
        S1_REQUEST,
        joined["wire"][: joined["wire"].index(block) + len(block)],
        fails=("response_hash",),
    )
    multi = agent_stream(
        S1_REQUEST,
        [S1_CHUNKS[0], S1_CHUNKS[1] + DONE, S1_CHUNKS[2] + DONE],
        ATTESTED_KEY,
    )
    assert S1_LINES[1] not in multi["wire"]
    add_stream_case(
        "s_a5_multiple_done_chunks",
        "A5 defect: two upstream chunks contain data: [DONE]; only the last held one is sent, so a "
        "hashed data line never reaches the client and response_hash fails although the agent "
        "was honest.",
        S1_REQUEST,
        multi["wire"],
        fails=("response_hash",),
    )
    emoji_line = sse(unicode_lines[1])
    split_at = emoji_line.index("😀".encode()) + 2
    aborted = agent_stream(
        S1_REQUEST,
        [sse(unicode_lines[0]), emoji_line[:split_at], emoji_line[split_at:], DONE],
        ATTESTED_KEY,
    )
    assert aborted["aborted"]
    add_stream_case(
        "s_a5_utf8_split_abort",
        "A5 defect: an upstream chunk boundary inside a 4-byte UTF-8 character makes the agent's "
        "per-chunk decode raise, so the stream stops with no event: signature_block fails.",
        S1_REQUEST,
        aborted["wire"],
        fails=("stream.signature_block",),
        skips=ALL_SKIPPED,
        signer=None,
    )


# --------------------------------------------------------------------------
# Canonicalisation oracle
# --------------------------------------------------------------------------

M = b'"messages":[{"role":"user","content":"Hi"}]'


def obj(*members: bytes) -> bytes:
    return b"{" + b",".join(members) + b"}"


def canonical_cases() -> list[dict]:
    # 62 nested objects: with the body itself 63 levels, inside the verifier's bound of 64
    # (ccverify refuses deeper documents so that no input can overflow a small caller stack).
    deep = b'{"a":' * 62 + b"null" + b"}" * 62
    raw: list[tuple[str, str, bytes]] = [
        ("spec_n1", "Spec N1 client body; stream:false is appended.", N1_REQUEST),
        ("spec_s1", "Spec S1 streaming body.", S1_REQUEST),
        ("spec_coercion_extra_first", "Spec section 10: extra 'seed' first, declared fields reordered.",
         b'{"seed":7,"max_tokens":5000,"messages":[{"role":"user","content":"Hi"}],"model":"m"}'),
        ("spec_coercions", "Spec section 10 coercions: temperature 1, top_p \"0.5\", n 2.0, stream 1.",
         obj(M, b'"temperature":1,"top_p":"0.5","n":2.0,"stream":1')),
        ("nulls_top_and_nested", "Top-level nulls dropped (declared and extra); nested nulls kept.",
         b'{"messages":[{"role":"user","content":"Hi","name":null}],"stop":null,"x":null,"y":{"z":null}}'),
        ("float_small_large", "1e-7 -> 1e-07 and 1e20 -> 1e+20 (Python float repr).",
         obj(M, b'"temperature":1e-7,"x":1e20')),
        ("float_edges", "-0.0 stays -0.0, 1e16 -> 1e+16, 0.00001 -> 1e-05, 0.1+0.2 style repr kept.",
         obj(M, b'"temperature":-0.0,"x":1e16,"y":0.00001,"z":0.30000000000000004')),
        ("unicode_escaped", "Raw UTF-8 'café 😀' becomes \\u00e9 and a surrogate pair.",
         '{"messages":[{"role":"user","content":"café 😀"}]}'.encode()),
        ("escapes_in_strings", "Quotes, backslashes, \\/ and \\u0041 escapes, ', ' and ': ' inside strings.",
         b'{"messages":[{"role":"user","content":"a \\"q\\" \\\\ \\/ \\u0041, b: c"}]}'),
        ("control_chars_escaped", "Escaped control chars: \\u0000, \\u0008 (-> \\b), \\u001f, \\f, \\r, \\n, \\t.",
         b'{"messages":[{"role":"user","content":"\\u0000\\u0008\\u001f\\f\\r\\n\\t"}]}'),
        ("raw_control_char_rejected", "A raw TAB byte inside a string is invalid for strict json.loads.",
         b'{"messages":[{"role":"user","content":"a\tb"}]}'),
        ("del_u007f", "U+007F (raw and escaped) is re-emitted as \\u007f by ensure_ascii.",
         b'{"messages":[{"role":"user","content":"\x7f\\u007f"}]}'),
        ("lone_surrogate_escape", "A lone \\ud800 escape is accepted and re-emitted as \\ud800.",
         b'{"messages":[{"role":"user","content":"x\\ud800y"}]}'),
        ("lone_surrogate_raw_bytes", "Raw CESU-style bytes ED A0 80 decode (surrogatepass) to a lone surrogate.",
         b'{"messages":[{"role":"user","content":"x\xed\xa0\x80y"}]}'),
        ("invalid_utf8", "Byte FF is not UTF-8: json.loads raises UnicodeDecodeError.",
         b'{"messages":[{"role":"user","content":"\xff"}]}'),
        ("utf8_bom", "A UTF-8 BOM is accepted (json.loads on bytes detects utf-8-sig).",
         b"\xef\xbb\xbf" + obj(M)),
        ("utf16le_body", "A UTF-16-LE body is accepted (json.loads on bytes detects the encoding).",
         obj(M).decode().encode("utf-16-le")),
        ("bigint", "Integers above 2^53 and above 2^64 are kept exactly.",
         obj(M, b'"max_tokens":9007199254740993,"seed":18446744073709551617')),
        ("neg_zero_int", "-0 (int) becomes 0 in an extra field and 0.0 in temperature.",
         obj(M, b'"x":-0,"temperature":-0')),
        ("exp_upper_E", "1E5 parses as a float and prints 100000.0.", obj(M, b'"x":1E5')),
        ("exp_plus_fraction", "1.0e+5 parses as a float and prints 100000.0.", obj(M, b'"x":1.0e+5')),
        ("nan_inf_extra", "NaN, Infinity, -Infinity tokens are accepted and re-emitted as such.",
         obj(M, b'"x":NaN,"y":Infinity,"z":-Infinity')),
        ("nan_temperature", "NaN for temperature: pydantic floats allow NaN by default.",
         obj(M, b'"temperature":NaN')),
        ("nan_max_tokens", "NaN for max_tokens: int validation rejects it.", obj(M, b'"max_tokens":NaN')),
        ("deep_nesting_extra", "62 nested objects in an extra field (innermost null kept).",
         obj(M, b'"deep":' + deep)),
        ("duplicate_keys", "Duplicate top-level key: json.loads keeps the last value.",
         obj(M, b'"model":"a","model":"b","x":1,"x":2')),
        ("extra_order_kept", "Extras keep arrival order after the declared fields.",
         b'{"zeta":1,"model":"m","alpha":2,"messages":[],"mid":3,"temperature":0.5}'),
        ("empty_object", "{} is accepted: messages is Optional in the agent, only stream:false remains.",
         b"{}"),
        ("messages_missing", "No messages key: accepted (A4/A5 declare messages Optional[list] = None).",
         b'{"model":"m"}'),
        ("messages_null", "messages:null is accepted and dropped.", b'{"messages":null,"model":"m"}'),
        ("messages_object", "messages as an object is rejected (list_type).", b'{"messages":{"a":1}}'),
        ("messages_string", "messages as a string is rejected (list_type).", b'{"messages":"hi"}'),
        ("messages_items_untouched", "List items of any type are kept as-is.",
         b'{"messages":[1,"x",null,{"b":1,"a":[]}]}'),
        ("model_int", "model as an int is rejected (strings are not coerced from numbers).",
         obj(M, b'"model":5')),
        ("top_level_array", "A top-level array is not a model.", b"[1,2]"),
        ("top_level_null", "A JSON null body counts as a missing body.", b"null"),
        ("empty_body", "An empty body is a missing body.", b""),
        ("invalid_json", "Truncated JSON.", b'{"messages":[}'),
        ("trailing_garbage", "Extra data after the object.", obj(M) + b" x"),
        ("stream_null", "stream:null is dropped, so the canonical form has no stream key.",
         obj(M, b'"stream":null')),
        ("stream_false_explicit", "Explicit stream:false equals the default.", obj(M, b'"stream":false')),
    ]
    # Lax-mode probes of the declared float, int and bool fields.
    for label, token in [
        ("int", b"1"), ("bigint_1e20", b"100000000000000000000"), ("bigint_1e400", b"1" + b"0" * 400),
        ("str", b'"0.5"'), ("str_spaces", b'" 0.5 "'), ("str_exp", b'"1e3"'), ("str_inf", b'"inf"'),
        ("str_nan", b'"nan"'), ("str_infinity", b'"Infinity"'), ("str_underscore", b'"1_000"'),
        ("str_hex", b'"0x10"'), ("bool_true", b"true"), ("int_neg_zero", b"-0"),
    ]:
        raw.append((f"float_field_{label}", f"temperature given {token[:24].decode()}{'...' if len(token) > 24 else ''}.",
                    obj(M, b'"temperature":' + token)))
    for label, token in [
        ("float_integral", b"100.0"), ("float_fraction", b"1.5"), ("float_1e20", b"1e20"),
        ("str", b'"100"'), ("str_float", b'"1.0"'), ("str_spaces", b'" 100 "'), ("str_plus", b'"+5"'),
        ("str_underscore", b'"1_000"'), ("bool_true", b"true"), ("bool_false", b"false"),
        ("bigint_1e29", b"100000000000000000000000000000"), ("neg_zero_float", b"-0.0"),
    ]:
        raw.append((f"int_field_{label}", f"max_tokens given {token.decode()}.",
                    obj(M, b'"max_tokens":' + token)))
    raw.append(("int_field_n_float", "n given 2.0.", obj(M, b'"n":2.0')))
    for label, token in [
        ("int_0", b"0"), ("int_1", b"1"), ("int_2", b"2"), ("float_1", b"1.0"), ("float_0_5", b"0.5"),
        ("str_true", b'"true"'), ("str_TRUE", b'"TRUE"'), ("str_yes", b'"yes"'), ("str_off", b'"off"'),
        ("str_on", b'"on"'), ("str_y", b'"y"'), ("str_1", b'"1"'), ("str_0_0", b'"0.0"'),
        ("str_empty", b'""'),
    ]:
        raw.append((f"bool_field_stream_{label}", f"stream given {token.decode()}.",
                    obj(M, b'"stream":' + token)))
    for label, token in [("int_1", b"1"), ("str_true", b'"true"'), ("str_no", b'"no"'), ("int_2", b"2")]:
        raw.append((f"bool_field_logprobs_{label}", f"logprobs given {token.decode()}.",
                    obj(M, b'"logprobs":' + token)))

    out = []
    seen = set()
    for case_id, description, body in raw:
        assert case_id not in seen, case_id
        seen.add(case_id)
        try:
            canonical = agent_request_canonical(body)
            rejected = None
            digest = sha256_hex(canonical)
        except AgentRejected as exc:
            canonical, digest, rejected = None, None, str(exc)
        out.append(
            {
                "id": case_id,
                "description": description,
                "body_b64": b64(body),
                "canonical": canonical,
                "sha256": digest,
                "rejected": rejected,
            }
        )
    by_id = {c["id"]: c for c in out}
    assert by_id["spec_n1"]["sha256"] == SPEC_N1_REQUEST_HASH
    assert by_id["spec_s1"]["sha256"] == SPEC_S1_REQUEST_HASH
    assert by_id["spec_coercion_extra_first"]["sha256"].startswith(SPEC_COERCION_HASH_PREFIX)
    assert by_id["spec_coercions"]["canonical"] == (
        '{"messages":[{"role":"user","content":"Hi"}],"temperature":1.0,"stream":true,"top_p":0.5,"n":2}'
    )
    assert by_id["nulls_top_and_nested"]["canonical"] == (
        '{"messages":[{"role":"user","content":"Hi","name":null}],"stream":false,"y":{"z":null}}'
    )
    assert '"temperature":1e-07' in by_id["float_small_large"]["canonical"]
    assert '"x":1e+20' in by_id["float_small_large"]["canonical"]
    assert "caf\\u00e9 \\ud83d\\ude00" in by_id["unicode_escaped"]["canonical"]
    assert by_id["int_field_float_fraction"]["rejected"] is not None
    return out


# --------------------------------------------------------------------------
# Nonce oracle
# --------------------------------------------------------------------------


def agent_nonce(value: str) -> tuple[Optional[str], Optional[str]]:
    """Section 5. The empty string is refused client-side (the agent would use random bytes)."""
    if value == "":
        return None, "empty"
    cleaned = value.lower().replace("0x", "")
    try:
        data = bytes.fromhex(cleaned)
    except ValueError:
        return None, "invalid_hex"
    if len(data) > 32:
        return None, "too_long"
    return data.ljust(32, b"\x00").hex(), None


def nonce_cases() -> list[dict]:
    docs16 = "9f2c4a1b7e3d5f60a8b1c2d3e4f50617"
    full32 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    inputs = [
        docs16,
        full32,
        docs16.upper(),
        "0x" + docs16,
        "0X" + docs16.upper(),
        docs16[:8] + "0x" + docs16[8:],
        "0x" + full32,
        " ".join(docs16[i : i + 2] for i in range(0, len(docs16), 2)),
        "  " + docs16 + " \n",
        "\t" + docs16[:16] + "\n" + docs16[16:] + "\r\n",
        docs16[:10] + "\x0b" + docs16[10:20] + "\x0c" + docs16[20:],
        docs16[:9],
        docs16[:15] + "g",
        full32 + "00",
        full32 + "0",
        "0" + " " + docs16[1:] + "0",
        docs16[:10] + "\x1c" + docs16[10:],
        docs16[:10] + "\u00a0" + docs16[10:],
        docs16[:10] + "\u3000" + docs16[10:],
        "١٢٣٤",
        "１２３４",
        "00x11",
        "00xx11",
        "0x",
        "   ",
        "",
        "00",
        "0x0x" + docs16,
        "ABCDEF",
    ]
    out = []
    for value in inputs:
        normalized, error = agent_nonce(value)
        out.append({"input": value, "normalized": normalized, "error": error})
    assert out[0]["normalized"] == docs16 + "00" * 16
    assert out[2]["normalized"] == out[0]["normalized"]
    assert out[3]["normalized"] == out[0]["normalized"]
    assert out[11]["error"] == "invalid_hex" and out[13]["error"] == "too_long"
    return out


# --------------------------------------------------------------------------
# Ethereum oracle
# --------------------------------------------------------------------------


def eth_cases() -> dict:
    addr = ATTESTED_ADDRESS
    body = addr[2:]
    inputs = [
        addr.lower(),
        "0x" + body.upper(),
        addr,
        addr[:-3] + "C23",
        "0x" + body.swapcase(),
        body.lower(),
        body,
        "0X" + body.lower(),
        "0X" + body,
        addr[:-1],
        addr + "0",
        addr[:-2] + "g3",
        " " + addr,
        "0x1234567890123456789012345678901234567890",
        address_of(FOREIGN_KEY),
        "",
        "0x",
    ]
    addresses = []
    for value in inputs:
        valid = address_valid(value)
        checksummed = to_checksum_address(value) if valid else None
        # eth_utils 6 is_address accepts every input our rule accepts (it skips the checksum).
        assert not valid or eth_utils_is_address(value)
        addresses.append({"input": value, "valid": valid, "checksummed": checksummed})
    assert addresses[2]["valid"] and addresses[2]["checksummed"] == addr
    assert not addresses[3]["valid"] and eth_utils_is_address(addresses[3]["input"])

    n1_text = f"{SPEC_N1_REQUEST_HASH}:{SPEC_N1_RESPONSE_HASH}"
    messages = [n1_text, "", "hello", "café 😀", "a" * 1000, "line1\nline2"]
    hashes = []
    for message in messages:
        data = message.encode()
        manual = keccak(b"\x19Ethereum Signed Message:\n" + str(len(data)).encode() + data).hex()
        via_lib = _hash_eip191_message(encode_defunct(text=message)).hex()
        assert manual == via_lib
        hashes.append({"message_utf8": message, "eip191_keccak": manual})
    assert hashes[0]["eip191_keccak"] == SPEC_N1_DIGEST
    return {"addresses": addresses, "personal_hashes": hashes}


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def dump(obj_: Any) -> bytes:
    return (json.dumps(obj_, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(path: Path, obj_: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump(obj_))


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    outdir = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent.parent

    assert address_of(ATTESTED_KEY) == ATTESTED_ADDRESS
    assert 0 < int(FOREIGN_KEY, 16) < SECP256K1_N

    build_response_cases()
    build_stream_cases()
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case id"
    canonical = canonical_cases()
    nonces = nonce_cases()
    eth = eth_cases()

    exchange_dir = outdir / "exchange"
    exchange_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(exchange_dir.glob("*.json")):
        stale.unlink()
    for case in sorted(CASES, key=lambda c: c["id"]):
        write(exchange_dir / f"{case['id']}.json", case)
    write(outdir / "canonical" / "requests.json", {"cases": canonical})
    write(outdir / "nonce.json", {"cases": nonces})
    write(outdir / "eth.json", eth)

    verified = sum(1 for c in CASES if c["expect"]["verified"])
    print(
        f"wrote {len(CASES)} exchange vectors ({verified} verified), {len(canonical)} canonical "
        f"cases, {len(nonces)} nonce cases, {len(eth['addresses'])} addresses to {outdir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
