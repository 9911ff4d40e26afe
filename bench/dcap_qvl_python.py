"""Time the dcap-qvl Python wheel verifying the same TDX quote as `core/benches/tdx.rs`.

Input: dcap-qvl's own real v4 sample quote (TD 1.0) and its collateral
(tests/vectors/tdx/dcap-qvl/), verified at 1750400000 (2025-06-20T06:13:20Z), inside the
collateral's validity, where the expected status is UpToDate.

Timed, one call each run (time.perf_counter_ns):
  * verify            dcap_qvl.verify(quote, collateral, now), collateral already an object;
                      the same work as the Rust bench `tdx/dcap_qvl_rustcrypto_v4`;
  * from_json+verify  QuoteCollateralV3.from_json(text) then verify: collateral JSON in hand,
                      like the Rust bench `tdx/verify_tdx_v4_cold` (which also runs our policy).

Every warm-up and timed result is checked: a status other than UpToDate exits non-zero.

Usage:
  python3.11 -m venv target/dcap-venv
  target/dcap-venv/bin/pip install -r bench/requirements-dcap.txt
  target/dcap-venv/bin/python bench/dcap_qvl_python.py [--runs 500] [--warmup 20] [--json]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import dcap_qvl

NOW = 1750400000
SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "tdx" / "dcap-qvl"


def check(report) -> None:
    if report.status != "UpToDate":
        print(f"unexpected TCB status {report.status!r} (advisories {report.advisory_ids})", file=sys.stderr)
        sys.exit(3)


def timed(fn, runs: int, warmup: int) -> list:
    samples = []
    try:
        for _ in range(warmup):
            check(fn())
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            report = fn()
            samples.append(time.perf_counter_ns() - t0)
            check(report)
    except Exception as e:  # dcap-qvl raises for anything that does not verify
        print(f"verification failed: {e}", file=sys.stderr)
        sys.exit(3)
    return samples


def summary(samples: list) -> dict:
    q = statistics.quantiles(samples, n=10)
    return {
        "median_us": statistics.median(samples) / 1000,
        "p10_us": q[0] / 1000,
        "p90_us": q[-1] / 1000,
        "runs": len(samples),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=500, help="timed runs per measurement (at least 200)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    if args.runs < 200:
        ap.error("--runs must be at least 200")

    quote = (SAMPLE / "tdx_quote").read_bytes()
    text = (SAMPLE / "tdx_quote_collateral.json").read_text()
    collateral = dcap_qvl.QuoteCollateralV3.from_json(text)

    results = {
        "dcap_qvl_version": getattr(dcap_qvl, "__version__", "?"),
        "now": NOW,
        "verify": summary(timed(lambda: dcap_qvl.verify(quote, collateral, NOW), args.runs, args.warmup)),
        "from_json+verify": summary(
            timed(
                lambda: dcap_qvl.verify(quote, dcap_qvl.QuoteCollateralV3.from_json(text), NOW),
                args.runs,
                args.warmup,
            )
        ),
    }
    if args.json:
        print(json.dumps(results))
    else:
        print(f"dcap-qvl {results['dcap_qvl_version']} (PyPI wheel), v4 sample at {NOW}: UpToDate")
        for name in ("verify", "from_json+verify"):
            r = results[name]
            print(
                f"  {name:17} median {r['median_us'] / 1000:7.3f} ms"
                f"  (p10 {r['p10_us'] / 1000:.3f}, p90 {r['p90_us'] / 1000:.3f}, {r['runs']} runs)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
