"""Indicator-engine benchmark (a script, not a timed test).

    python benchmarks/compute_bench.py [--rows 2000000] [--engines duckdb,spark] [--quick]

1. Card aggregation — day × district × category sums and counts over ``--rows`` synthetic card
   transactions in Parquet — three ways in the same run: the engine's Ibis expression on
   DuckDB, hand-written DuckDB SQL, and pandas; the Ibis/SQL ratio is printed (goal ≤ 1.25).
   With Spark in ``--engines`` the same Ibis expression also runs on Spark.
2. Full refresh — the whole indicator suite over a synthetic lake (all datasets), per engine in
   a child process so each reports its own wall time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from consumption_monitor.catalog import load_catalog  # noqa: E402
from consumption_monitor.compute.card import card_daily_aggregate  # noqa: E402
from consumption_monitor.compute.context import context  # noqa: E402
from consumption_monitor.config import load_settings  # noqa: E402

DISTRICTS = [d.code for d in load_catalog().districts]


def card_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """Synthetic card transactions over 2023–2024 with the catalog's MCCs and districts."""
    rng = np.random.default_rng(seed)
    mccs = np.array(load_catalog().mcc_codes)
    start = np.datetime64("2023-01-01T00:00:00")
    seconds = rng.integers(0, 2 * 365 * 86400, rows)
    return pd.DataFrame(
        {
            "txn_id": np.char.add("T", np.arange(rows).astype(str)),
            "txn_ts": start + seconds.astype("timedelta64[s]"),
            "merchant_id": np.char.add("M", rng.integers(0, 5000, rows).astype(str)),
            "mcc": mccs[rng.integers(0, len(mccs), rows)],
            "amount": rng.gamma(2.0, 150.0, rows).round(2),
            "channel": np.array(["online", "offline"])[rng.integers(0, 2, rows)],
            "card_origin": np.array(["local", "other_province", "overseas"])[
                rng.integers(0, 3, rows)
            ],
            "card_hash": np.char.add("C", rng.integers(0, 200000, rows).astype(str)),
            "district_code": np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), rows)],
            "business_district_id": np.array(["BD001", "BD005", "BD011", None], dtype=object)[
                rng.integers(0, 4, rows)
            ],
        }
    )


SQL = """
SELECT CAST(txn_ts - INTERVAL 2 HOUR AS DATE) AS day, district_code,
       COALESCE(m.category, 'other') AS category, SUM(amount) AS amount, COUNT(*) AS n
FROM read_parquet('{path}') t LEFT JOIN mcc_map m ON t.mcc = m.mcc
GROUP BY ALL
"""


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def card_benchmark(path: Path, engines: list[str], repeat: int) -> None:
    from consumption_monitor.engine import connect

    mcc_map = dict(context(load_settings()).mcc_map)
    con = connect(load_settings(engine="duckdb"))
    con.raw_sql("CREATE OR REPLACE TEMP TABLE mcc_map (mcc VARCHAR, category VARCHAR)")
    values = ", ".join(f"('{k}', '{v}')" for k, v in mcc_map.items())
    con.raw_sql(f"INSERT INTO mcc_map VALUES {values}")

    def run_ibis() -> int:
        return len(con.to_pyarrow(card_daily_aggregate(con.read_parquet(str(path)), mcc_map)))

    def run_sql() -> int:
        return len(con.con.sql(SQL.format(path=path)).to_arrow_table())

    def run_pandas() -> int:
        df = pd.read_parquet(path, columns=["txn_ts", "district_code", "mcc", "amount"])
        df["day"] = (df.txn_ts - pd.Timedelta(hours=2)).dt.date
        df["category"] = df.mcc.map(mcc_map).fillna("other")
        return len(df.groupby(["day", "district_code", "category"]).amount.agg(["sum", "count"]))

    results = {}
    for name, fn in (("ibis/duckdb", run_ibis), ("sql/duckdb", run_sql), ("pandas", run_pandas)):
        times = []
        for _ in range(repeat):
            t, n = timed(fn)
            times.append(t)
        results[name] = (min(times), n)
    if "spark" in engines:
        from consumption_monitor.engine import quiet_engine_warnings

        spark = connect(load_settings(engine="spark"))
        with quiet_engine_warnings():
            expr = card_daily_aggregate(spark.read_parquet(str(path)), mcc_map)
            results["ibis/spark"] = (
                min(timed(lambda: len(spark.to_pyarrow(expr)))[0] for _ in range(repeat)),
                0,
            )
    print("card aggregation (day x district x category):")
    for name, (t, n) in results.items():
        print(f"  {name:12s} {t:8.3f} s  groups={n}")
    ratio = results["ibis/duckdb"][0] / results["sql/duckdb"][0]
    print(f"  ibis/sql ratio on DuckDB: {ratio:.2f} (goal <= 1.25)")


def synthetic_lake(card_rows: int) -> dict[str, pd.DataFrame]:
    """Every dataset the suite reads, at a modest size."""
    rng = np.random.default_rng(5)
    v = date(2025, 1, 31)
    card = card_frame(card_rows).assign(_vintage=v)
    periods = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(2, 13)]
    ent = pd.DataFrame(
        [
            {
                "enterprise_id": f"E{i:05d}",
                "enterprise_name": None,
                "district_code": DISTRICTS[i % 16],
                "industry": "F52",
                "period": p,
                "category": c,
                "retail_sales": float(rng.integers(10, 1000)),
                "online_retail_sales": 5.0,
                "_vintage": v,
            }
            for i in range(300)
            for p in periods
            for c in ("cosmetics", "grain_food", "automobile")
        ]
    )
    off = []
    for y in (2023, 2024):
        c = 0.0
        for m in range(2, 13):
            c += 1000.0
            off.append(
                {
                    "region": "120000",
                    "indicator": "retail_sales",
                    "period": f"{y}-{m:02d}",
                    "value": c,
                    "unit": "yi_yuan",
                    "basis": "ytd",
                    "yoy_pct": 4.0,
                    "source": "synthetic",
                    "note": None,
                    "_vintage": v,
                }
            )
    days = [date(2024, 1, 1) + timedelta(days=k) for k in range(366)]
    ked = pd.DataFrame(
        [
            {
                "enterprise_id": f"K{i:03d}",
                "enterprise_name": None,
                "date": d,
                "format": "supermarket",
                "district_code": DISTRICTS[i % 16],
                "business_district_id": None,
                "sales": 1000.0,
                "foot_traffic": 10,
                "_vintage": v,
            }
            for i in range(50)
            for d in days
        ]
    )
    stores = pd.DataFrame(
        [
            {
                "brand": f"B{i}",
                "tier": "city",
                "open_date": date(2024, 1 + i % 12, 1),
                "district_code": DISTRICTS[i % 16],
                "business_district_id": None,
                "category": None,
                "address": None,
                "_vintage": v,
            }
            for i in range(300)
        ]
    )
    events = pd.DataFrame(
        [
            {
                "event_id": f"EV{i}",
                "name": "e",
                "kind": "concert",
                "start_date": date(2024, 6, 1),
                "end_date": None,
                "venue": None,
                "district_code": "120101",
                "attendance": 20000,
                "_vintage": v,
            }
            for i in range(30)
        ]
    )
    reports = pd.DataFrame(
        [
            {
                "reporting_unit": "culture_tourism",
                "indicator": "tourists",
                "period": "2024-06",
                "value": 1.0,
                "unit": None,
                "note": None,
                "evidence_url": None,
                "_vintage": v,
            }
        ]
    )
    return {
        "official_stats": pd.DataFrame(off),
        "enterprise_monthly": ent,
        "card_transactions": card,
        "key_enterprise_daily": ked,
        "first_stores": stores,
        "events": events,
        "unit_reports": reports,
    }


def refresh_child(engine: str, card_rows: int) -> None:
    from consumption_monitor.compute import FrameSource, compute
    from consumption_monitor.engine import connect

    lake = synthetic_lake(card_rows)
    settings = load_settings(data_dir=tempfile.mkdtemp())
    con = connect(load_settings(engine=engine))
    t, result = timed(
        lambda: compute(settings, as_of=date(2025, 1, 31), con=con, source=FrameSource(lake))
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "engine": engine,
                "seconds": round(t, 2),
                "rows": len(result.table),
                "peak_mb": round(peak_mb),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000, help="card transactions")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        refresh_child(args.child[0], int(args.child[1]))
        return 0
    rows = 50_000 if args.quick else args.rows
    engines = [e for e in args.engines.split(",") if e]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "card.parquet"
        card_frame(rows).to_parquet(path, index=False)
        print(f"{rows:,} card transactions, {datetime.now():%Y-%m-%d %H:%M}")
        card_benchmark(path, engines, repeat=1 if args.quick else 3)
    print("full refresh (whole suite, synthetic lake):")
    refresh_rows = min(rows, 200_000)
    for engine in engines:
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(refresh_rows)],
            capture_output=True,
            text=True,
            check=False,
        )
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
