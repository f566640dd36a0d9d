"""Ingestion benchmark: ``cmon ingest`` with validation vs a bare DuckDB load of the same file.

    python benchmarks/ingest_bench.py --rows 10000000 [--dir /tmp/cmon-bench] [--keep] [--repeat 3]

Generates card-transaction files (CSV and Parquet, written in chunks so memory stays bounded),
then measures, each in a fresh child process (so peak memory is that step's own):

- ``cmon ingest`` of the CSV and of the Parquet file (reading, normalising, every validation
  check, duplicate-key search, Parquet lake write and manifest commit);
- four bare DuckDB loads of the same file, no checks (:data:`PEERS`): ``CREATE TABLE AS`` in
  memory (a read that stores nothing), ``CREATE TABLE AS`` into a database file (a persisted
  load), ``COPY … TO`` one Parquet file, and ``COPY … TO`` Parquet partitioned by month, which
  writes what cmon writes (a Parquet lake by month) and so isolates the cost of validation.

Prints a Markdown table with rows/s, CPU seconds (all threads), peak RSS and each load's time
against the in-memory CTAS and against the partitioned COPY (medians of ``--repeat`` runs). The
goal is cmon within 1.5× of the bare DuckDB load (docs/performance.md, W3, says against which
peer it is met). On a shared machine compare the ratios of one run and the CPU column; a kept
``--dir`` reuses files generated for the same ``--rows``.
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


#: The DuckDB peers: each loads the same file with no checks.
PEERS = {
    "duckdb-ctas": "DuckDB CREATE TABLE AS, in memory (reads, stores nothing)",
    "duckdb-ctas-file": "DuckDB CREATE TABLE AS into a database file (a persisted load)",
    "duckdb-copy": "DuckDB COPY TO one Parquet file",
    "duckdb-copy-partitioned": "DuckDB COPY TO Parquet partitioned by month (cmon's layout)",
}


def _duckdb_load(con: object, mode: str, src: str, work: Path, suffix: str) -> None:
    """One bare DuckDB load of ``src`` (``read_csv_auto(...)`` / ``read_parquet(...)``)."""
    run = con.execute  # type: ignore[attr-defined]
    if mode in ("duckdb-ctas", "duckdb-ctas-file"):
        run(f"CREATE TABLE t AS SELECT * FROM {src}")
        if mode == "duckdb-ctas-file":
            run("CHECKPOINT")  # the rows are on disk, not only in the WAL
    elif mode == "duckdb-copy":
        run(f"COPY (SELECT * FROM {src}) TO '{work / f'copy-{suffix}.parquet'}' (FORMAT parquet)")
    else:
        out = work / f"copy-{suffix}-parts"
        shutil.rmtree(out, ignore_errors=True)
        run(
            f"COPY (SELECT *, strftime(CAST(交易时间 AS TIMESTAMP), '%Y-%m') AS period FROM {src}) "
            f"TO '{out}' (FORMAT parquet, PARTITION_BY (period))"
        )


def child(mode: str, path: Path, work: Path) -> dict[str, float]:
    """Run one measurement in this (child) process.

    Imports, and for cmon the lake folder and a migrated manifest, are set up before the clock
    starts: the timed part is the load itself, as a long-running service or a second
    ``cmon ingest`` of the day sees it. DuckDB's persisted load starts from a new database file.
    """
    suffix = path.suffix[1:]
    if mode == "cmon":
        from consumption_monitor.config import load_settings
        from consumption_monitor.ingest import ingest
        from consumption_monitor.store import Store

        data_dir = work / f"data-{suffix}"
        shutil.rmtree(data_dir, ignore_errors=True)  # a kept --dir must not make it a no-op
        settings = load_settings(data_dir=data_dir)
        Store(settings).close()
        t0, c0 = time.perf_counter(), _cpu()
        result = ingest([path], "card_transactions", settings=settings, vintage="2025-01-15")
        seconds, cpu = time.perf_counter() - t0, _cpu() - c0
        return {"rows": result.rows_loaded, "seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb()}
    import duckdb

    database = work / f"load-{suffix}.duckdb"
    database.unlink(missing_ok=True)
    Path(f"{database}.wal").unlink(missing_ok=True)
    src = f"read_csv_auto('{path}')" if suffix == "csv" else f"read_parquet('{path}')"
    t0, c0 = time.perf_counter(), _cpu()
    con = duckdb.connect(str(database) if mode == "duckdb-ctas-file" else ":memory:")
    con.execute("SET threads = 2")
    _duckdb_load(con, mode, src, work, suffix)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    rows = con.sql(f"SELECT count(*) FROM {src}").fetchall()[0][0]
    con.close()
    database.unlink(missing_ok=True)
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb()}


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
    lines = ["| file | load | rows | seconds | rows/s | CPU s | peak RSS MB | time vs CTAS "
             "| time vs partitioned COPY |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    try:
        for path in (csv_path, pq_path):
            loads = [*PEERS.items(), ("cmon", "cmon ingest (validated, lake + manifest)")]
            runs = {mode: measure(mode, path, work, args.repeat) for mode, _ in loads}
            ctas, copy = runs["duckdb-ctas"], runs["duckdb-copy-partitioned"]
            for mode, label in loads:
                r = runs[mode]
                lines.append(
                    f"| {path.suffix[1:]} | {label} | {int(r['rows']):,} | {r['seconds']:.1f} | "
                    f"{r['rows'] / r['seconds']:,.0f} | {r['cpu']:.1f} | {r['peak_mb']:.0f} | "
                    f"{r['seconds'] / ctas['seconds']:.2f}× | "
                    f"{r['seconds'] / copy['seconds']:.2f}× |"
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
