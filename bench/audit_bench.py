#!/usr/bin/env python3
"""Audit throughput, side by side on one generated data set (make bench-audit).

The data set is the shared audit vectors' records (tests/vectors/audit: genuine and tampered,
plain and streamed, held to addresses and to the TEST-PKI bundle) repeated with fresh ids to
--rows exchanges, written as JSON Lines and as Parquet. Then, interleaved round by round so
that a machine whose speed drifts affects every contender alike:

- ``ccverify audit`` (release CLI) on the Parquet file pinned to one core (taskset -c 0) and on
  every core: the Rust batch path, file to results;
- Python ``ccverify.audit.verify_exchanges`` on the same table read from the same Parquet file
  (pyarrow read included, as the CLI's is), every core;
- Spark local[N] (N = the cores) running ``ccverify.spark.verify_exchanges`` over the table
  (the DataFrame is built and cached before timing; the collect of the results is timed).

Prints exchanges per second (median of --rounds) and the ratios the README reports; --json
writes them to a file. Never run by CI: timings are measured, not tested.

Usage: audit_bench.py --cli target/release/ccverify [--rows 20000] [--rounds 5] [--spark]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "tests" / "vectors" / "audit"


def records() -> list[dict[str, Any]]:
    out = []
    for line in (AUDIT / "exchanges.jsonl").read_text().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if "id" in r and "respnose" not in r:
            out.append(r)
    return out


def build(rows: int, tmp: Path) -> tuple[Path, Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = records()
    bundle = (AUDIT / "../report/bundle-test-pki.json").resolve()
    shutil.copy(bundle, tmp / "bundle.json")
    lines, table_rows = [], []
    for i in range(rows):
        r = dict(base[i % len(base)])
        r["id"] = f"{r['id']}#{i}"
        if "bundle" in r:
            r["bundle"] = "bundle.json"
        lines.append(json.dumps(r))
        t: dict[str, Any] = {"id": r["id"]}
        for part in ("request", "response", "stream"):
            if part + "_b64" in r:
                t[part] = base64.b64decode(r[part + "_b64"])
            elif part in r:
                t[part] = r[part].encode()
            else:
                t[part] = None
        t["headers"] = list(r["headers"].items()) if "headers" in r else None
        t["address"] = r.get("address")
        t["bundle"] = r.get("bundle")
        table_rows.append(t)
    jsonl = tmp / "exchanges.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")
    from ccverify.audit import exchange_schema

    table = pa.Table.from_pylist(table_rows, schema=exchange_schema())
    parquet = tmp / "exchanges.parquet"
    pq.write_table(table, parquet)
    return jsonl, parquet, tmp


def cli_rate(cli: str, data: Path, policy: str, at: str, one_core: bool) -> float:
    cmd = [cli, "audit", str(data), "--policy", policy, "--at", at, "--json"]
    if one_core:
        cmd = ["taskset", "-c", "0", *cmd]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"ccverify audit failed: {out.stderr.decode()}")
    summary = json.loads(out.stdout)
    return float(summary["exchanges"]) / seconds


def python_rate(parquet: Path, policy: str, at: str, bundle_dir: Path) -> float:
    import pyarrow.parquet as pq
    from ccverify.audit import verify_exchanges

    start = time.perf_counter()
    table = pq.read_table(parquet)
    results = verify_exchanges(table, policy=policy, at=at, bundle_dir=bundle_dir)
    seconds = time.perf_counter() - start
    return len(results) / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--spark", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    expected = json.loads((AUDIT / "expected.json").read_text())
    policy_file = str(AUDIT / expected["policy"])  # the CLI takes a file or a preset name
    policy = (AUDIT / expected["policy"]).read_text()
    at = expected["at"]
    cores = len(os.sched_getaffinity(0))
    rates: dict[str, list[float]] = {"cli_one_core": [], "cli_all_cores": [], "python_arrow": []}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        _, parquet, bundle_dir = build(args.rows, tmp)
        spark = df = None
        if args.spark:
            os.environ["PYSPARK_PYTHON"] = sys.executable
            import pyarrow.parquet as pq
            from pyspark.sql import SparkSession

            spark = (
                SparkSession.builder.master(f"local[{cores}]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
            df = spark.createDataFrame(pq.read_table(parquet)).repartition(cores).cache()
            df.count()
            rates["spark_local"] = []
        bundles = {"bundle.json": (bundle_dir / "bundle.json").read_bytes()}
        for _ in range(args.rounds):
            rates["cli_one_core"].append(cli_rate(args.cli, parquet, policy_file, at, True))
            rates["cli_all_cores"].append(cli_rate(args.cli, parquet, policy_file, at, False))
            rates["python_arrow"].append(python_rate(parquet, policy, at, bundle_dir))
            if spark is not None:
                from ccverify.spark import verify_exchanges as spark_verify

                start = time.perf_counter()
                n = len(spark_verify(df, policy=policy, at=at, bundles=bundles).collect())
                rates["spark_local"].append(n / (time.perf_counter() - start))
        if spark is not None:
            spark.stop()
    med = {k: statistics.median(v) for k, v in rates.items()}
    report: dict[str, Any] = {
        "rows": args.rows,
        "rounds": args.rounds,
        "cores": cores,
        "exchanges_per_second": {k: round(v) for k, v in med.items()},
        "all_cores_over_one_core": round(med["cli_all_cores"] / med["cli_one_core"], 2),
        "rust_over_python_arrow": round(med["cli_all_cores"] / med["python_arrow"], 3),
    }
    if "spark_local" in med:
        report["python_arrow_over_spark_local"] = round(med["python_arrow"] / med["spark_local"], 2)
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
