"""ccverify.spark on a real Spark in local mode (local[2], the machine's JDK): a DataFrame of the
shared audit vectors' exchanges (genuine and tampered, plain and streamed, held to addresses
and to a bundle) verified by mapInArrow on two executor threads, every row checked against the
generator's expectation."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from ccverify.spark import RESULT_DDL, verify_exchanges
from test_audit import AUDIT, EXPECTED, policy_of, table

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    raise RuntimeError("the Spark test needs a JDK (java on PATH or JAVA_HOME); install one")

from pyspark.sql import SparkSession  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # The executors' Python workers are this interpreter: the one with the wheel installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("ccverify-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
        .getOrCreate()
    )
    try:
        yield session
    finally:
        session.stop()


@pytest.mark.parametrize("mode", ["test_policy", "default_policy"])
def test_every_row_gets_its_expected_verdict(spark: Any, mode: str) -> None:
    t = table()
    copies = 3  # the same exchanges several times over, across partitions and batches
    df = spark.createDataFrame(pa.concat_tables([t] * copies)).repartition(2)
    bundle = (AUDIT / "../report/bundle-test-pki.json").resolve().read_bytes()
    results = verify_exchanges(
        df,
        policy=policy_of(mode),
        at=EXPECTED["at"],
        bundles={"../report/bundle-test-pki.json": bundle},
    )
    assert results.schema == spark.createDataFrame([], RESULT_DDL).schema
    rows = [r.asDict() for r in results.collect()]
    assert len(rows) == len(t) * copies
    cases = EXPECTED["exchanges"]
    seen: dict[str, int] = {}
    for row in rows:
        want = cases[row["id"]][mode]
        assert row["verified"] == want["verified"], row
        assert sorted(row["failed"]) == want["failed"], row
        assert row["error"] is None
        seen[row["id"]] = seen.get(row["id"], 0) + 1
    assert seen == {k: copies for k in cases}


def spark_schema() -> Any:
    from pyspark.sql.types import BinaryType, MapType, StringType, StructField, StructType

    return StructType(
        [
            StructField("id", StringType(), False),
            StructField("request", BinaryType(), False),
            StructField("response", BinaryType(), True),
            StructField("stream", BinaryType(), True),
            StructField("headers", MapType(StringType(), StringType()), True),
            StructField("address", StringType(), True),
            StructField("bundle", StringType(), True),
        ]
    )


def test_bad_options_fail_on_the_driver(spark: Any) -> None:
    import ccverify

    df = spark.createDataFrame([], schema=spark_schema())
    with pytest.raises(ccverify.InvalidArgumentError):
        verify_exchanges(df, policy="no-such-preset")
