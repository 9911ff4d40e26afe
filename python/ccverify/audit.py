"""Audit recorded confidential-inference exchanges in bulk, Arrow-native.

A team that logs every exchange (the exact request bytes, the exact reply bytes with their
headers or the whole SSE stream, and which key must have signed it) proves later, for an
auditor, that every reply was signed by an attested key over exactly those bytes::

    import pyarrow.parquet as pq
    from ccverify.audit import verify_exchanges

    results = verify_exchanges(pq.read_table("exchanges.parquet"), policy="strict")
    assert results["verified"].to_pylist() == [True] * len(results)

The table's columns are the JSON Lines record's fields (see the README): ``id``, ``request``,
``response`` with ``headers`` (a map or struct of text) or ``stream``, and ``address`` or
``bundle`` (a path, relative to ``bundle_dir``; each bundle is re-verified once and its attested
key used for its exchanges). Bytes columns may be binary or text; a null cell is an absent field.

The columns reach Rust through the Arrow C stream interface, without a copy into Python
objects; verification runs on every core with the GIL released; the results come back as an
Arrow table, one row per exchange, in order: ``id``, ``verified``, ``key`` (``attested``,
``caveated``, ``named`` or ``none``), ``failed`` and ``warnings`` (check ids), ``signer``,
``request_hash``, ``response_hash``, ``error`` (why a row is not a record) and ``source``.

pyarrow is an optional extra (``pip install "ccverify[arrow]"``): :class:`Auditor` verifies an
iterable of dicts without it (:meth:`Auditor.verify_rows`, :meth:`Results.to_pylist`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

from ccverify._native import Auditor, Results, audit_jsonl

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyarrow as _pa  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "Auditor",
    "Results",
    "audit_jsonl",
    "verify_exchanges",
    "exchange_schema",
    "result_schema",
    "RESULT_COLUMNS",
]

#: The result columns, in order.
RESULT_COLUMNS = (
    "id",
    "verified",
    "key",
    "failed",
    "warnings",
    "signer",
    "request_hash",
    "response_hash",
    "error",
    "source",
)


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'ccverify.audit.verify_exchanges returns a pyarrow.Table: pip install "ccverify[arrow]" '
            "(or use Auditor().verify_rows(rows).to_pylist() without pyarrow)"
        ) from e
    return pyarrow


def exchange_schema() -> _pa.Schema:
    """The canonical Arrow schema of recorded exchanges (``id`` text, ``request``,
    ``response``, ``stream`` binary, ``headers`` ``map<string, string>``, ``address`` and
    ``bundle`` text). Text columns for the bytes are accepted too."""
    pa = _pyarrow()
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("request", pa.binary(), nullable=False),
            pa.field("response", pa.binary()),
            pa.field("stream", pa.binary()),
            pa.field("headers", pa.map_(pa.string(), pa.string())),
            pa.field("address", pa.string()),
            pa.field("bundle", pa.string()),
        ]
    )


def result_schema() -> _pa.Schema:
    """The Arrow schema of the results (see the module documentation)."""
    pa = _pyarrow()
    ids = pa.list_(pa.string())
    return pa.schema(
        [
            pa.field("id", pa.string()),
            pa.field("verified", pa.bool_(), nullable=False),
            pa.field("key", pa.string(), nullable=False),
            pa.field("failed", ids, nullable=False),
            pa.field("warnings", ids, nullable=False),
            pa.field("signer", pa.string()),
            pa.field("request_hash", pa.string()),
            pa.field("response_hash", pa.string()),
            pa.field("error", pa.string()),
            pa.field("source", pa.string()),
        ]
    )


def verify_exchanges(
    data: Union[Any, Iterable[Mapping[str, Any]]],
    *,
    policy: Union[str, Mapping[str, object], None] = None,
    at: Any = None,
    bundle_dir: Union[str, os.PathLike[str], None] = None,
    bundles: Union[Mapping[str, Union[bytes, str]], None] = None,
    auditor: Union[Auditor, None] = None,
) -> _pa.Table:
    """Verify recorded exchanges on every core; return a pyarrow.Table of results, one row
    per exchange, in order.

    Args:
        data: a pyarrow Table, RecordBatch or RecordBatchReader, any object with
            ``__arrow_c_stream__`` (a polars DataFrame, …), or an iterable of dicts with the
            record's fields (``bytes`` or ``str`` for the bytes).
        policy: how the bundles records name are re-verified: a preset name, policy text, a
            mapping, ``"recorded"`` or None (the "default" preset).
        at: the time bundles are verified at (a timezone-aware datetime, Unix seconds,
            RFC 3339 text, ``"recorded"``); None is now.
        bundle_dir: the directory relative ``bundle`` paths are read from (default: the
            current directory).
        bundles: bundles supplied by name (bytes or str of the bundle JSON) instead of files.
        auditor: an :class:`Auditor` to use instead (then policy, at, bundle_dir and bundles
            must be left unset): keeps bundles verified across calls.

    Raises:
        InvalidArgumentError: an unknown column or a column of the wrong type, a policy or time
            that does not parse.
        TypeError: data of another kind.
        ImportError: pyarrow is not installed.
    """
    pa = _pyarrow()
    if auditor is None:
        auditor = Auditor(policy=policy, at=at, bundle_dir=bundle_dir, bundles=bundles)
    elif policy is not None or at is not None or bundle_dir is not None or bundles is not None:
        raise TypeError("give either an auditor or policy/at/bundle_dir/bundles, not both")
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if hasattr(data, "__arrow_c_stream__"):
        results = auditor.verify_arrow(data)
    elif isinstance(data, (str, bytes, bytearray, memoryview, Mapping)):
        raise TypeError(
            "data must be Arrow data or an iterable of dicts (for a JSON Lines log, use audit_jsonl)"
        )
    else:
        results = auditor.verify_rows(data)
    return pa.table(results)

