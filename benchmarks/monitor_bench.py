"""Daily-refresh benchmark: the monitor's Ibis expressions vs hand-written DuckDB SQL.

    python benchmarks/monitor_bench.py --rows 2000000 [--days 30] [--dir /tmp/cmon-mon] [--keep]

Generates a card lake of ``--rows`` payments over ``--days`` days (written through
``Store.write_batch``, so the manifest and Parquet layout are the real ones), then times in the
same process, each run twice (the best of two is shown):

- ``cmon (Ibis)`` — ``card_daily_expr(..., cache=True)`` (as ``daily_frames`` runs it) over
  ``Store.read_table`` for the last day, every breakdown of the daily layer (city, district,
  商圈, category, origin, channel and the district crossings), on DuckDB via
  ``engine.connect``;
- ``DuckDB SQL`` — the same cells written by hand with ``GROUPING SETS`` over ``read_parquet``
  of the same files;
- the same two over the whole range (a backfill), and ``daily_report`` (cells + privacy
  suppression + YoY) for the last day.

A parity check compares cell counts and spending totals of both paths (it fails loudly).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", category=DeprecationWarning)

CHUNK = 500_000
END = dt.date(2025, 6, 30)


def generate(settings: Any, rows: int, days: int) -> None:
    """Write ``rows`` payments over ``days`` days ending on END into the lake, chunk by chunk."""
    import numpy as np
    import pyarrow as pa

    from consumption_monitor.catalog import load_catalog
    from consumption_monitor.store import Store

    cat = load_catalog()
    mcc = np.array(cat.mcc_codes)
    districts = np.array([d.code for d in cat.districts])
    bds = np.array([b.id for b in cat.business_districts])
    rng = np.random.default_rng(7)
    start = np.datetime64(END - dt.timedelta(days=days - 1), "s")

    def chunks() -> Iterator[pa.Table]:
        for offset in range(0, rows, CHUNK):
            n = min(CHUNK, rows - offset)
            ts = start + rng.integers(0, days * 86400, n).astype("timedelta64[s]")
            bd = bds[rng.integers(0, len(bds), n)]
            yield pa.table({
                "txn_id": pa.array(np.char.add("T", np.arange(offset, offset + n).astype(str))),
                "txn_ts": pa.array(ts, pa.timestamp("us")),
                "merchant_id": pa.array(np.char.add("M", rng.integers(0, 50_000, n).astype(str))),
                "mcc": pa.array(mcc[rng.integers(0, len(mcc), n)]),
                "amount": pa.array(np.round(rng.lognormal(4, 1, n), 2)),
                "channel": pa.array(np.array(["online", "offline"])[rng.integers(0, 2, n)]),
                "card_origin": pa.array(
                    np.array(["local", "other_province", "overseas"])[rng.integers(0, 3, n)]
                ),
                "card_hash": pa.array(np.char.add("C", rng.integers(0, 2_000_000, n).astype(str))),
                "district_code": pa.array(districts[rng.integers(0, len(districts), n)]),
                "business_district_id": pa.array(bd, mask=rng.random(n) < 0.5),
            })  # fmt: skip

    with Store(settings) as store:
        store.write_batch("card_transactions", chunks(), vintage=END + dt.timedelta(days=1),
                          content_hash=f"bench-{rows}-{days}", source="monitor_bench")  # fmt: skip


def hand_sql(files: list[str], start: dt.date, end: dt.date) -> str:
    """The daily cells of every breakdown, by hand: GROUPING SETS over the lake files."""
    from consumption_monitor.catalog import load_catalog

    cat = load_catalog()
    pairs = ", ".join(f"('{m}', '{c.code}')" for c in cat.card_categories for m in c.mcc)
    file_list = ", ".join(f"'{f}'" for f in files)
    lo = dt.datetime.combine(start, dt.time(2))
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(2))
    return f"""
    WITH mcc_map(mcc, category) AS (VALUES {pairs}),
    rows AS (
      SELECT CAST(t.txn_ts - INTERVAL 2 HOUR AS DATE) AS date,
             (hour(t.txn_ts) * 60 + minute(t.txn_ts) >= 1080
              OR hour(t.txn_ts) * 60 + minute(t.txn_ts) < 120) AS night,
             coalesce(m.category, 'other') AS category,
             coalesce(t.business_district_id, 'none') AS business_district,
             t.district_code, t.card_origin, t.channel, t.merchant_id, t.card_hash, t.amount
      FROM read_parquet([{file_list}]) t LEFT JOIN mcc_map m ON m.mcc = t.mcc
      WHERE t.txn_ts >= TIMESTAMP '{lo}' AND t.txn_ts < TIMESTAMP '{hi}'
    )
    SELECT date, district_code, business_district, category, card_origin, channel,
           sum(amount) AS spending, count(*) AS txns,
           count(DISTINCT merchant_id) AS merchants, count(DISTINCT card_hash) AS cards,
           coalesce(sum(amount) FILTER (WHERE night), 0) AS night_spending,
           count(DISTINCT merchant_id) FILTER (WHERE night) AS night_merchants,
           count(DISTINCT card_hash) FILTER (WHERE night) AS night_cards
    FROM rows
    GROUP BY GROUPING SETS ((date), (date, district_code), (date, business_district),
        (date, category), (date, card_origin), (date, channel), (date, district_code, category),
        (date, district_code, card_origin), (date, district_code, channel))
    """


def best_of(fn: Callable[[], Any], repeat: int = 2) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)

    from consumption_monitor.config import load_settings
    from consumption_monitor.engine import connect
    from consumption_monitor.monitor.daily import card_daily_expr, daily_report
    from consumption_monitor.store import Store

    folder = args.dir or Path(tempfile.mkdtemp(prefix="cmon-monitor-bench-"))
    settings = load_settings(data_dir=folder / "data", database_url=None)
    t0 = time.perf_counter()
    generate(settings, args.rows, args.days)
    gen_s = time.perf_counter() - t0
    first = END - dt.timedelta(days=args.days - 1)
    con = connect(settings)
    results: list[tuple[str, float, int]] = []
    try:
        with Store(settings) as store:
            files = [str(p) for p in store.files("card_transactions")]
            card = store.read_table(con, "card_transactions")
            raw = con.con  # the DuckDB connection under the Ibis backend
            for label, lo in (("last day", END), (f"{args.days} days", first)):
                ibis_s, cells = best_of(
                    lambda lo=lo: card_daily_expr(card, start=lo, end=END, cache=True).to_pyarrow()
                )
                sql = hand_sql(files, lo, END)
                sql_s, hand = best_of(lambda sql=sql, raw=raw: raw.sql(sql).to_arrow_table())
                if cells.num_rows != hand.num_rows:
                    raise SystemExit(f"parity: {cells.num_rows} Ibis cells vs {hand.num_rows} SQL")
                a = sum(cells.column("spending").to_pylist())
                b = sum(hand.column("spending").to_pylist())
                if abs(a - b) > 1e-6 * max(abs(b), 1.0):
                    raise SystemExit(f"parity: spending {a} vs {b}")
                results += [(f"cmon (Ibis), {label}", ibis_s, cells.num_rows),
                            (f"DuckDB SQL, {label}", sql_s, hand.num_rows)]  # fmt: skip
        rep_s, report = best_of(lambda: daily_report(settings, day=END, con=con))
        results.append(("daily_report (cells + privacy + YoY), last day", rep_s, len(report.rows)))
    finally:
        con.disconnect()
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    out = sys.stdout
    out.write(f"\n{args.rows:,} payments over {args.days} days, generated in {gen_s:.1f} s\n\n")
    out.write("| step | seconds (best of 2) | rows out | vs DuckDB SQL |\n|---|---:|---:|---:|\n")
    sql_times = {name.split(", ", 1)[1]: s for name, s, _ in results if name.startswith("DuckDB")}
    for name, secs, n in results:
        ref = sql_times.get(name.split(", ", 1)[-1])
        ratio = f"{secs / ref:.2f}×" if ref and name.startswith("cmon") else ""
        out.write(f"| {name} | {secs:.3f} | {n:,} | {ratio} |\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
