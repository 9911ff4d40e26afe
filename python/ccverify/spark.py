"""Audit recorded exchanges on Spark: every executor runs the same Rust core on its Arrow
batches (``DataFrame.mapInArrow``), so a cluster verifies at the speed of its cores.

::

    from ccverify.spark import verify_exchanges

    logs = spark.read.parquet("s3://bucket/exchanges/")           # the README's columns
    results = verify_exchanges(logs.select("id", "request", "response", "headers",
                                           "stream", "address", "bundle"),
                               policy="strict", at="2026-12-01T00:00:00Z",
                               bundles={"bundles/a.json": open("bundles/a.json", "rb").read()})
    results.groupBy("verified").count().show()

Bundles are best supplied by name (``bundles=``): their bytes travel with the task to every
executor, each executor re-verifies each bundle once per partition, and no executor reads a
file (a name that was not supplied gives no key). ``bundle_dir`` instead works where every
executor sees the same files (local mode, a shared file system). Give ``at``: with
None each executor verifies bundles at its own clock.

On a cluster, the executors' Python must have the wheel (a native extension cannot travel with
``--py-files``): pack a virtualenv with ccverify and pyarrow installed (``venv-pack -o
env.tar.gz``) and submit with ``--archives env.tar.gz#env --conf
spark.pyspark.python=./env/bin/python``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Union

from ccverify._native import Auditor

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyarrow as _pa  # type: ignore[import-untyped,unused-ignore]
    from pyspark.sql import DataFrame

__all__ = ["verify_exchanges", "RESULT_DDL"]

#: The Spark schema of the results: one row per exchange, in the partition's order.
RESULT_DDL = (
    "id string, verified boolean, key string, failed array<string>, warnings array<string>, "
    "signer string, request_hash string, response_hash string, error string, source string"
)


def verify_exchanges(
    df: DataFrame,
    *,
    policy: Union[str, Mapping[str, object], None] = None,
    at: Any = None,
    bundle_dir: Union[str, os.PathLike[str], None] = None,
    bundles: Union[Mapping[str, Union[bytes, str]], None] = None,
) -> DataFrame:
    """Verify a DataFrame of recorded exchanges with ``mapInArrow``; return a DataFrame of
    results (:data:`RESULT_DDL`), one row per exchange.

    The DataFrame's columns are the record's fields (``id``, ``request``, ``response``,
    ``headers`` as ``map<string,string>``, ``stream``, ``address``, ``bundle``; binary or string
    for the bytes); select them first, as any other column is refused. The options are those
    of :func:`ccverify.audit.verify_exchanges`; they are checked here, on the driver, before
    any task runs.
    """
    Auditor(policy=policy, at=at, bundle_dir=bundle_dir, bundles=bundles)  # fail fast
    supplied = dict(bundles) if bundles is not None else None
    directory = os.fspath(bundle_dir) if bundle_dir is not None else None

    def run(batches: Iterator[_pa.RecordBatch]) -> Iterator[_pa.RecordBatch]:
        import pyarrow as pa

        auditor = Auditor(policy=policy, at=at, bundle_dir=directory, bundles=supplied)
        for batch in batches:
            results = pa.table(auditor.verify_arrow(pa.Table.from_batches([batch])))
            for out in results.to_batches():
                yield out

    return df.mapInArrow(run, RESULT_DDL)
