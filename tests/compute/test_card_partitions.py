"""Hash-partitioned distinct counts of the card cells against Python sets.

:func:`consumption_monitor.compute.card.card_cells` counts distinct merchants and cards once
per hash partition of the ids and adds the partitions up (``partitions``; by default chosen by
:func:`~consumption_monitor.compute.card.distinct_partitions` from the payments and the
memory limit). The oracle is :func:`tests.compute.test_card_cells.naive_cells`, which collects
each cell's ids in Python sets. The data put ids of every partition into the same cells, one
card into every cell, and null merchants and cards; the thresholds make some cells straddle
them, so the exact second pass (also partitioned) runs too.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest
from ibis.backends import BaseBackend
from tests.compute.test_card_cells import START, check

from consumption_monitor.compute.card import (
    MAX_PARTITIONS,
    _partitioned_pair_counts,
    distinct_partitions,
)
from consumption_monitor.engine import connect, memory_limit_bytes

EVERYWHERE = "C-everywhere"


def generated(seed: int = 7, n: int = 600) -> list[dict[str, Any]]:
    """Payments over two periods, 3 districts, 40 cards and 15 merchants (some null), plus
    one card paying once in every (district, 商圈, category, origin, channel) cell."""
    rng = random.Random(seed)
    cards = [f"C{i}" for i in range(40)] + [None]
    merchants = [f"M{i}" for i in range(15)] + [None]

    def row(day: int, **fixed: Any) -> dict[str, Any]:
        return {
            "txn_ts": START + timedelta(days=day, minutes=rng.randrange(0, 24 * 60)),
            "merchant_id": rng.choice(merchants),
            "mcc": rng.choice(["5411", "5812", "5311", "9999"]),
            "amount": float(rng.randint(1, 500)),
            "channel": rng.choice(["online", "offline", None]),
            "card_origin": rng.choice(["local", "domestic", "foreign"]),
            "card_hash": rng.choice(cards),
            "district_code": rng.choice(["120101", "120102", "120103"]),
            "business_district_id": rng.choice(["BD1", "BD2", None]),
        } | fixed

    rows = [row(rng.randrange(0, 40)) for _ in range(n)]
    for district in ("120101", "120102", "120103"):
        for bd in ("BD1", "BD2", None):
            for mcc in ("5411", "5812", "5311", "9999"):
                for origin in ("local", "domestic", "foreign"):
                    for channel in ("online", "offline", None):
                        rows.append(
                            row(
                                5,
                                card_hash=EVERYWHERE,
                                district_code=district,
                                business_district_id=bd,
                                mcc=mcc,
                                card_origin=origin,
                                channel=channel,
                            )
                        )
    return rows


def _partition_of(ids: list[str], n: int) -> dict[str, int]:
    """Each id's partition as the engine computes it (DuckDB's ``hash``)."""
    con = ibis.duckdb.connect()
    t = ibis.memtable({"id": ids})
    out = con.execute(t.mutate(p=((t.id.hash() % n) + n) % n))
    return dict(zip(out.id, out.p.astype(int), strict=True))


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_partitioned_counts_equal_python_sets(partitions: int) -> None:
    rows = generated()
    ids = sorted({r["card_hash"] for r in rows if r["card_hash"]})
    merchants = sorted({r["merchant_id"] for r in rows if r["merchant_id"]})
    # Every partition holds cards and merchants, so a partition lost or counted twice
    # changes the totals.
    assert set(_partition_of(ids, partitions).values()) == set(range(partitions))
    assert set(_partition_of(merchants, partitions).values()) == set(range(partitions))
    got = check(rows, min_m=6, min_c=12, partitions=partitions)
    # The card paying in every cell counts once in each, whatever its partition.
    assert (got._cards >= 1).all()


def test_partitioning_does_not_change_a_cell(backend: BaseBackend) -> None:
    """The same cells, uncapped thresholds, with 1 and 3 partitions, on DuckDB and Spark
    (Spark's ``hash`` is a signed 32-bit Murmur3, DuckDB's a 64-bit hash)."""
    rows = generated(seed=3, n=150)
    one = check(rows, min_m=100, min_c=100, con=backend, partitions=1)
    three = check(rows, min_m=100, min_c=100, con=backend, partitions=3)
    assert one.equals(three)


def test_partition_count_follows_rows_and_memory() -> None:
    gb = 10**9
    assert distinct_partitions(1_000_000, 4 * gb) == 1
    assert distinct_partitions(100_000_000, 4 * gb) > distinct_partitions(10_000_000, 4 * gb)
    assert distinct_partitions(100_000_000, 8 * gb) < distinct_partitions(100_000_000, 4 * gb)
    assert distinct_partitions(10**12, gb) == MAX_PARTITIONS
    assert distinct_partitions(10**9, None) == 1


def test_memory_limit_that_breaks_one_pass_is_enough_partitioned(tmp_path: Path) -> None:
    """1 M distinct (cell, card) pairs under a 64 MB ``memory_limit`` with spilling disabled:
    the single pass runs out of memory; the partition count chosen from that limit fits, and
    gives every cell its exact count."""
    path = tmp_path / "pairs.parquet"
    duckdb.sql(
        "COPY (SELECT (i % 50)::VARCHAR AS cell, md5(i::VARCHAR) AS card_hash "
        f"FROM range(1000000) t(i)) TO '{path}' (FORMAT parquet)"
    )
    # An in-memory database without a temp_directory cannot spill, so the limit is hard.
    con = ibis.duckdb.connect(memory_limit="64MB", threads=2, temp_directory="")
    t = con.read_parquet(path)
    with pytest.raises(duckdb.OutOfMemoryException):
        _partitioned_pair_counts(con, t, ["cell"], "card_hash", "_c", 1)
    n = distinct_partitions(1_000_000, memory_limit_bytes(con))
    assert n > 1
    t0 = time.perf_counter()
    out = _partitioned_pair_counts(con, t, ["cell"], "card_hash", "_c", n)
    assert sorted(out.cell) == sorted(str(i) for i in range(50))
    assert set(out._c) == {20_000}
    assert time.perf_counter() - t0 < 60


def test_memory_limit_of_a_connection_is_read() -> None:
    con = connect(engine="duckdb")
    assert memory_limit_bytes(con) is not None
    con.raw_sql("SET memory_limit = '512MB'")
    assert memory_limit_bytes(con) == pytest.approx(512e6, rel=0.01)
