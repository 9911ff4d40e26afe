"""ccverify.audit on the shared audit vectors (tests/vectors/audit): the JSON Lines entry, an
Arrow table built from the same records, and plain dicts all give every exchange the verdict
the generator expects, under the policy that lets the bundle verify and under the default
one that does not."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pytest

import ccverify
from ccverify.audit import (
    RESULT_COLUMNS,
    Auditor,
    audit_jsonl,
    exchange_schema,
    result_schema,
    verify_exchanges,
)
from support import VECTORS, load_json

AUDIT = VECTORS / "audit"
EXPECTED: dict[str, Any] = load_json(AUDIT / "expected.json")
LOG = (AUDIT / "exchanges.jsonl").read_bytes()
MODES = {"test_policy": EXPECTED["policy"], "default_policy": None}


def policy_of(mode: str) -> Any:
    name = MODES[mode]
    return None if name is None else (AUDIT / name).read_text()


def records() -> list[dict[str, Any]]:
    """The log's records as dicts with bytes (the bad lines left out)."""
    out = []
    for line in LOG.decode().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if "id" not in r or "respnose" in r:
            continue
        for part in ("request", "response", "stream"):
            if part + "_b64" in r:
                r[part] = base64.b64decode(r.pop(part + "_b64"))
            elif part in r:
                r[part] = r[part].encode()
        out.append(r)
    assert len(out) == len(EXPECTED["exchanges"])
    return out


def table() -> pa.Table:
    rows = records()
    cols: dict[str, list[Any]] = {name: [] for name in exchange_schema().names}
    for r in rows:
        for name in cols:
            v = r.get(name)
            cols[name].append(list(v.items()) if name == "headers" and v is not None else v)
    return pa.table(cols, schema=exchange_schema())


def assert_rows(rows: Sequence[Mapping[str, Any]], mode: str) -> None:
    cases = EXPECTED["exchanges"]
    assert len(rows) == len(cases)
    for row in rows:
        want = cases[row["id"]][mode]
        assert row["verified"] == want["verified"], row
        assert sorted(row["failed"]) == want["failed"], row


@pytest.mark.parametrize("mode", sorted(MODES))
def test_audit_jsonl_matches_the_vectors(mode: str) -> None:
    report = audit_jsonl(LOG, policy=policy_of(mode), at=EXPECTED["at"], bundle_dir=AUDIT)
    assert_rows(report["results"], mode)
    summary = report["summary"]
    assert [b["line"] for b in summary["bad_lines"]] == EXPECTED["bad_lines"]
    assert summary["exchanges"] == len(EXPECTED["exchanges"])
    want_verified = sum(c[mode]["verified"] for c in EXPECTED["exchanges"].values())
    assert summary["verified"] == want_verified
    assert report["results"][0]["source"].startswith("log:")


@pytest.mark.parametrize("mode", sorted(MODES))
def test_arrow_tables_match_the_vectors(mode: str) -> None:
    results = verify_exchanges(table(), policy=policy_of(mode), at=EXPECTED["at"], bundle_dir=AUDIT)
    assert isinstance(results, pa.Table)
    assert results.schema.equals(result_schema())
    assert tuple(results.column_names) == RESULT_COLUMNS
    assert_rows(results.to_pylist(), mode)


def test_dicts_need_no_pyarrow_and_keep_the_order() -> None:
    auditor = Auditor(policy=policy_of("test_policy"), at=EXPECTED["at"], bundle_dir=AUDIT)
    rows = records()
    results = auditor.verify_rows(rows)
    assert len(results) == len(rows)
    out = results.to_pylist()
    assert [r["id"] for r in out] == [r["id"] for r in rows]
    assert_rows(out, "test_policy")
    assert results.verified_count == sum(r["verified"] for r in out)
    # The same auditor again: the bundle is not re-verified (still one bundle in the summary).
    auditor.verify_rows(rows[:3])
    summary = auditor.summary()
    assert summary["bundles"]["verified"] == 1
    assert summary["exchanges"] == len(rows) + 3


def test_supplied_bundles_are_used_instead_of_files() -> None:
    bundle = (VECTORS / "report" / "bundle-test-pki.json").read_bytes()
    auditor = Auditor(
        policy=policy_of("test_policy"),
        at=EXPECTED["at"],
        bundle_dir="/nonexistent",
        bundles={"../report/bundle-test-pki.json": bundle},
    )
    rows = [r for r in records() if "bundle" in r]
    assert rows
    out = auditor.verify_rows(rows).to_pylist()
    assert_rows_subset(out, "test_policy")
    assert {r["key"] for r in out} == {"caveated"}, "io.net binds no key: never 'attested'"


def assert_rows_subset(rows: Sequence[Mapping[str, Any]], mode: str) -> None:
    for row in rows:
        want = EXPECTED["exchanges"][row["id"]][mode]
        assert (row["verified"], sorted(row["failed"])) == (want["verified"], want["failed"])


def test_a_missing_bundle_fails_its_records_and_names_why() -> None:
    rows = [r for r in records() if "bundle" in r]
    out = Auditor(bundle_dir="/nonexistent").verify_rows(rows).to_pylist()
    assert not any(r["verified"] for r in out)
    assert all("audit.signer" in r["failed"] and r["key"] == "none" for r in out)


def test_bad_rows_are_rows_with_an_error() -> None:
    good = records()[0]
    rows: list[Any] = [good, {"id": "x", "request": b"{}"}, {**good, "respnose": "{}"}]
    out = Auditor().verify_rows(rows).to_pylist()
    assert [r["error"] is None for r in out] == [True, False, False]
    assert "missing" in str(out[1]["error"]) and "respnose" in str(out[2]["error"])
    assert not out[1]["verified"] and out[1]["key"] == "none"
    assert out[1]["id"] == "x", "a bad row keeps its id"
    with pytest.raises(TypeError, match="mapping"):
        Auditor().verify_rows([1])  # type: ignore[list-item]


def test_tables_refuse_unknown_columns_and_wrong_types() -> None:
    t = table()
    with pytest.raises(ccverify.InvalidArgumentError, match="respnose"):
        verify_exchanges(t.append_column("respnose", pa.array([b""] * len(t))))
    with pytest.raises(ccverify.InvalidArgumentError, match="must be text"):
        verify_exchanges(t.set_column(0, "id", pa.array(range(len(t)))))
    with pytest.raises(TypeError, match="audit_jsonl"):
        verify_exchanges(LOG)


def test_batches_readers_and_text_columns_read_alike() -> None:
    t = table()
    policy, at = policy_of("test_policy"), EXPECTED["at"]
    want = verify_exchanges(t, policy=policy, at=at, bundle_dir=AUDIT)
    # A RecordBatch, a reader of many small batches, and the bytes as large_binary.
    batch = t.combine_chunks().to_batches()[0]
    assert verify_exchanges(batch, policy=policy, at=at, bundle_dir=AUDIT).equals(want)
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=7))
    assert verify_exchanges(reader, policy=policy, at=at, bundle_dir=AUDIT).equals(want)
    large = t.cast(
        pa.schema([f.with_type(pa.large_binary()) if f.type == pa.binary() else f for f in t.schema])
    )
    assert verify_exchanges(large, policy=policy, at=at, bundle_dir=AUDIT).equals(want)
    # Headers as a struct (what pyarrow infers from dicts) and text request bytes.
    rows = [
        {**r, "request": r["request"].decode()} if r["id"].startswith("hdr") else r for r in records()
    ]
    # (from_pylist takes its columns from the first row: give it rows of one shape.)
    inferred = pa.Table.from_pylist([r for r in rows if "headers" in r and "address" in r])
    assert pa.types.is_struct(inferred.schema.field("headers").type)
    out = verify_exchanges(inferred, policy=policy, at=at, bundle_dir=AUDIT).to_pylist()
    assert_rows_subset(out, "test_policy")


def test_the_gil_is_released_while_a_table_verifies() -> None:
    big = pa.concat_tables([table()] * 40)
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = ticks
        verify_exchanges(big, policy=policy_of("test_policy"), at=EXPECTED["at"], bundle_dir=AUDIT)
        during = ticks - start
    finally:
        done.set()
        t.join()
    assert during > 5, f"another thread ran only {during} times while the table verified"
