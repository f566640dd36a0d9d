"""Ingestion benchmark: ``cmon ingest`` with validation vs a bare DuckDB load of the same file.

    python benchmarks/ingest_bench.py --rows 10000000 [--dir /tmp/cmon-bench] [--keep] [--repeat 3]

Generates card-transaction files (CSV and Parquet, written in chunks so memory stays bounded),
then measures, each in a fresh child process (so peak memory is that step's own):

- ``cmon ingest`` of the CSV and of the Parquet file (reading, normalising, every validation
  check, duplicate-key search, Parquet lake write and manifest commit);
- DuckDB ``CREATE TABLE t AS SELECT * FROM read_csv_auto(...)`` / ``read_parquet(...)``
  (in-memory, no checks) and DuckDB ``COPY (SELECT * FROM ...) TO '...parquet'`` (the closest
  like-for-like: it also writes Parquet).

Prints a Markdown table with rows/s, CPU seconds (all threads), peak RSS and the ratio of each
load's wall and CPU time to the DuckDB CTAS load of the same file (medians of ``--repeat``
runs). The goal is cmon within 1.5× of DuckDB CTAS. On a shared machine compare the ratios of
one run and the CPU column; a kept ``--dir`` reuses files generated for the same ``--rows``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 500_000


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """Write ``rows`` card transactions as CSV and Parquet, CHUNK rows at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from consumption_monitor.catalog import load_catalog

    cat = load_catalog()
    mcc = np.array(cat.mcc_codes)
    districts = np.array([d.code for d in cat.districts])
    bds = np.array([b.id for b in cat.business_districts] + [""])
    rng = np.random.default_rng(42)
    csv_path, pq_path = folder / "card.csv", folder / "card.parquet"
    start = np.datetime64("2024-01-01T00:00:00")
    csv_writer = pq_writer = None
    try:
        for offset in range(0, rows, CHUNK):
            n = min(CHUNK, rows - offset)
            ids = np.arange(offset, offset + n)
            ts = start + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
            table = pa.table({
                "交易流水号": pa.array(np.char.add("T", ids.astype(str))),
                "交易时间": pa.array(np.char.replace(ts.astype(str), "T", " ")),
                "商户号": pa.array(np.char.add("M", rng.integers(0, 200_000, n).astype(str))),
                "商户类别码": pa.array(mcc[rng.integers(0, len(mcc), n)]),
                "交易金额": pa.array(np.round(rng.lognormal(4, 1, n), 2)),
                "渠道": pa.array(np.where(rng.random(n) < 0.3, "online", "offline")),
                "卡来源": pa.array(np.array(["local", "other_province", "overseas"])[
                    rng.choice(3, n, p=[0.8, 0.18, 0.02])]),
                "卡号摘要": pa.array(np.char.add("h", rng.integers(0, 10**9, n).astype(str))),
                "区划代码": pa.array(districts[rng.integers(0, len(districts), n)]),
                "商圈编码": pa.array(bds[rng.integers(0, len(bds), n)]),
            })  # fmt: skip
            if csv_writer is None:
                csv_writer = pacsv.CSVWriter(str(csv_path), table.schema)
                pq_writer = pq.ParquetWriter(str(pq_path), table.schema)
            csv_writer.write_table(table)
            assert pq_writer is not None
            pq_writer.write_table(table)
    finally:
        if csv_writer is not None:
            csv_writer.close()
        if pq_writer is not None:
            pq_writer.close()
    return csv_path, pq_path


def child(mode: str, path: Path, work: Path) -> dict[str, float]:
    """Run one measurement in this (child) process."""
    t0, c0 = time.perf_counter(), _cpu()
    if mode == "cmon":
        from consumption_monitor.config import load_settings
        from consumption_monitor.ingest import ingest

        data_dir = work / f"data-{path.suffix[1:]}"
        shutil.rmtree(data_dir, ignore_errors=True)  # a kept --dir must not make it a no-op
        settings = load_settings(data_dir=data_dir)
        result = ingest([path], "card_transactions", settings=settings, vintage="2025-01-15")
        rows = result.rows_loaded
    else:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 2")
        src = f"read_csv_auto('{path}')" if path.suffix == ".csv" else f"read_parquet('{path}')"
        if mode == "duckdb-ctas":
            con.execute(f"CREATE TABLE t AS SELECT * FROM {src}")
        else:
            out = work / f"copy-{path.suffix[1:]}.parquet"
            con.execute(f"COPY (SELECT * FROM {src}) TO '{out}' (FORMAT parquet)")
        seconds, cpu = time.perf_counter() - t0, _cpu() - c0
        rows = con.sql(f"SELECT count(*) FROM {src}").fetchall()[0][0]
        con.close()
        return {"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb()}
    seconds = time.perf_counter() - t0
    return {"rows": rows, "seconds": seconds, "cpu": _cpu() - c0, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds (user + system, all threads) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(mode: str, path: Path, work: Path, repeat: int = 1) -> dict[str, float]:
    """Median wall and CPU time over ``repeat`` fresh processes; the highest peak RSS."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(path), str(work)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "rows": runs[0]["rows"],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per load; the table shows medians"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, work = args.child
        print(json.dumps(child(mode, Path(path), Path(work))))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="cmon-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    marker = work / f"rows-{args.rows}"
    if marker.exists():  # --dir with files of the same size from an earlier run: reuse them
        csv_path, pq_path = work / "card.csv", work / "card.parquet"
    else:
        for old in work.glob("rows-*"):
            old.unlink()
        csv_path, pq_path = generate(work, args.rows)
        marker.touch()
    sizes = (
        f"CSV {csv_path.stat().st_size / 1e6:.0f} MB, Parquet {pq_path.stat().st_size / 1e6:.0f} MB"
    )
    print(f"generated {args.rows:,} rows in {time.perf_counter() - t0:.1f} s: {sizes}")
    print(f"load average before: {_load()} on {os.cpu_count()} cores\n")
    lines = ["| file | load | rows | seconds | rows/s | CPU s | peak RSS MB | time vs DuckDB CTAS "
             "| CPU vs DuckDB CTAS |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    try:
        for path in (csv_path, pq_path):
            base = measure("duckdb-ctas", path, work, args.repeat)
            for mode, label in (("duckdb-ctas", "DuckDB CREATE TABLE AS (no checks)"),
                                ("duckdb-copy", "DuckDB COPY TO Parquet (no checks)"),
                                ("cmon", "cmon ingest (validated, lake + manifest)")):  # fmt: skip
                r = base if mode == "duckdb-ctas" else measure(mode, path, work, args.repeat)
                lines.append(
                    f"| {path.suffix[1:]} | {label} | {int(r['rows']):,} | {r['seconds']:.1f} | "
                    f"{r['rows'] / r['seconds']:,.0f} | {r['cpu']:.1f} | {r['peak_mb']:.0f} | "
                    f"{r['seconds'] / base['seconds']:.2f}× | {r['cpu'] / base['cpu']:.2f}× |"
                )
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    print(f"\nload average after: {_load()}")


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
