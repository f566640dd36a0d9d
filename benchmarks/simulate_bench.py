"""Benchmark card-transaction generation: rows per second and peak memory.

    .venv/bin/python benchmarks/simulate_bench.py --rows 10000000 [--write DIR]

Generates about ``--rows`` payments over a 30-day window with the ``large`` scale's merchant and
card pools (fewer cards when ``--rows`` is small), optionally writing Parquet like ``simulate``.
Peak memory is the process's maximum resident set size (Linux ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from consumption_monitor.simulate.anomalies import plan_anomalies
from consumption_monitor.simulate.cards import card_days, merchant_pool
from consumption_monitor.simulate.config import SCALES, SimConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, default=None, help="write Parquet into this folder")
    args = parser.parse_args()
    large = SCALES["large"]
    per_day = max(args.rows // args.days, 1)
    scale = dataclasses.replace(
        large,
        txns_per_day=per_day,
        card_months=1,
        cards=min(large.cards, max(args.rows // 10, 10_000)),
    )
    base = SimConfig.build("large", args.seed, "2026-09", "2026-09")
    cfg = dataclasses.replace(base, scale=scale)
    plan = plan_anomalies(cfg)
    t0 = time.perf_counter()
    pool = merchant_pool(cfg)
    t1 = time.perf_counter()
    out = args.write or Path(tempfile.mkdtemp())
    writer = None
    rows = 0
    for _day, table in card_days(cfg, pool, plan):
        if args.write is not None:
            if writer is None:
                out.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(out / "bench.parquet", table.schema, compression="zstd")
            writer.write_table(table)
        rows += table.num_rows
    if writer is not None:
        writer.close()
    t2 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pool: {t1 - t0:.2f}s ({scale.merchants:,} merchants, {scale.cards:,} cards)")
    print(
        f"rows: {rows:,} in {t2 - t1:.2f}s = {rows / (t2 - t1):,.0f} rows/s"
        f"{' (with Parquet)' if args.write else ''}"
    )
    print(f"peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
