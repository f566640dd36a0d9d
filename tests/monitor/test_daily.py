"""Daily layer: business day and night share against a naive loop; privacy and T+1 end to end."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.monitor.conftest import DUCKDB_DEPRECATION

from consumption_monitor.config import Settings
from consumption_monitor.engine import connect
from consumption_monitor.monitor.daily import NightWindow, card_daily_expr, daily_report
from consumption_monitor.store import Store

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

EDGES = [
    dt.time(0, 0),
    dt.time(1, 59),
    dt.time(2, 0),
    dt.time(17, 59),
    dt.time(18, 0),
    dt.time(23, 59),
]


def _cards(n: int, seed: int, start: dt.date, days: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    ts = []
    for i in range(n):
        day = start + dt.timedelta(days=int(rng.integers(0, days)))
        t = (
            EDGES[i % len(EDGES)]
            if i % 3 == 0
            else dt.time(int(rng.integers(0, 24)), int(rng.integers(0, 60)))
        )
        ts.append(dt.datetime.combine(day, t))
    return pa.table(
        {
            "txn_id": [f"t{i}" for i in range(n)],
            "txn_ts": pa.array(ts, pa.timestamp("us")),
            "merchant_id": [f"m{int(x)}" for x in rng.integers(0, 40, n)],
            "mcc": [("5812", "5411", "5311", "9999")[int(x)] for x in rng.integers(0, 4, n)],
            "amount": np.round(rng.lognormal(4, 1, n), 2),
            "channel": [("online", "offline")[int(x)] for x in rng.integers(0, 2, n)],
            "card_origin": [
                ("local", "other_province", "overseas")[int(x)] for x in rng.integers(0, 3, n)
            ],
            "card_hash": [f"c{int(x)}" for x in rng.integers(0, 300, n)],
            "district_code": [("120101", "120102")[int(x)] for x in rng.integers(0, 2, n)],
            "business_district_id": pa.array(
                [("BD001", None)[int(x)] for x in rng.integers(0, 2, n)], pa.string()
            ),
        }
    )


def _naive(table: pa.Table, window: NightWindow) -> dict[dt.date, tuple[float, float]]:
    """Per business day: (spending, night spending), by a plain loop over payments."""
    start_m = int(window.start[:2]) * 60 + int(window.start[3:])
    end_m = int(window.end[:2]) * 60 + int(window.end[3:])
    out: dict[dt.date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in table.to_pylist():
        ts: dt.datetime = row["txn_ts"]
        minute = ts.hour * 60 + ts.minute
        if end_m < start_m:  # wraps midnight: before the end belongs to the previous evening
            day = ts.date() - dt.timedelta(days=1) if minute < end_m else ts.date()
            night = minute >= start_m or minute < end_m
        else:
            day = ts.date()
            night = start_m <= minute < end_m
        out[day][0] += row["amount"]
        if night:
            out[day][1] += row["amount"]
    return {d: (v[0], v[1]) for d, v in out.items()}


@pytest.mark.parametrize(
    "window", [NightWindow(), NightWindow("17:00", "23:00"), NightWindow("20:00", "03:30")]
)
def test_night_share_assigns_after_midnight_to_previous_evening(
    settings: Settings, window: NightWindow
) -> None:
    table = _cards(600, seed=3, start=dt.date(2025, 3, 1), days=4)
    con = connect(settings)
    try:
        expr = card_daily_expr(
            ibis.memtable(table),
            start=dt.date(2025, 2, 28),
            end=dt.date(2025, 3, 5),
            window=window,
            breakdowns=(("city", ""),),
        )
        got = con.to_pandas(expr)
        got["date"] = pd.to_datetime(got["date"]).dt.date
        got = got.set_index("date")
    finally:
        con.disconnect()
    want = _naive(table, window)
    assert set(got.index) == set(want)
    for day, (spend, night) in want.items():
        assert got.loc[day, "spending"] == pytest.approx(spend)
        assert got.loc[day, "night_spending"] == pytest.approx(night)
    # the 01:59 payment of 1 March counts for 28 February's evening when the window wraps
    if window.wraps and window.end == "02:00":
        assert dt.date(2025, 2, 28) in want


def _lake_cards(day: dt.date) -> pa.Table:
    """One big district with many merchants and a tiny one with a single merchant."""
    rows = []
    for i in range(400):
        rows.append(("120101", f"m{i % 40}", f"c{i % 200}", "BD001", 100.0, "local"))
    for i in range(5):
        rows.append(("120102", "solo", f"s{i}", None, 1000.0, "overseas"))
    n = len(rows)
    return pa.table(
        {
            "txn_id": [f"{day:%Y%m%d}-{i}" for i in range(n)],
            "txn_ts": pa.array(
                [dt.datetime.combine(day, dt.time(12)) for _ in rows], pa.timestamp("us")
            ),
            "merchant_id": [r[1] for r in rows],
            "mcc": ["5411"] * n,
            "amount": [r[4] for r in rows],
            "channel": ["offline"] * n,
            "card_origin": [r[5] for r in rows],
            "card_hash": [r[2] for r in rows],
            "district_code": [r[0] for r in rows],
            "business_district_id": pa.array([r[3] for r in rows], pa.string()),
        }
    )


def test_daily_report_is_t_plus_one_and_suppresses_small_cells(settings: Settings) -> None:
    day = dt.date(2025, 6, 10)
    last_year = day - dt.timedelta(days=364)
    with Store(settings) as store:
        for d in (day, last_year):
            store.write_batch(
                "card_transactions",
                _lake_cards(d),
                vintage=d + dt.timedelta(days=1),
                content_hash=f"h{d}",
                source="test",
            )
    report = daily_report(settings, day=day)
    assert report.published_on == day + dt.timedelta(days=1)
    rows = report.rows
    spend = rows[(rows.indicator == "card_spending") & (rows.dim == "")].set_index("region")
    assert spend.loc["120000", "value"] == pytest.approx(400 * 100.0 + 5000.0)
    assert spend.loc["120000", "yoy_pct"] == pytest.approx(0.0)
    # district 120102 has one merchant: primary; 120101 would give it away: complementary
    assert spend.loc["120102", "suppressed"] == "primary" and np.isnan(spend.loc["120102", "value"])
    assert spend.loc["120101", "suppressed"] == "complementary"
    origin = rows[
        (rows.indicator == "card_spending")
        & (rows.dim == "card_origin")
        & (rows.region == "120000")
    ].set_index("dim_value")
    assert origin.loc["overseas", "suppressed"] == "primary"
    assert np.isnan(origin.loc["local", "value"])  # the only other cell protects it
    payload = report.to_dict()
    assert payload["count"] == len(rows) and payload["privacy"]["min_cell_cards"] == 10
    only = daily_report(settings, day=day, region="和平区").rows
    assert set(only.region) == {"120101"}
