"""End to end through the real lake: ingest releases with the store, compute, read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import consumption_monitor as cm
from consumption_monitor.compute import compute, write_result
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.indicators.formulas import single_period_growth

DATA = Path(__file__).parent / "data" / "nbs_retail_sales.csv"


def test_compute_from_the_store_at_two_vintages(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    cm.ingest(DATA, "official_stats", vintage=date(2026, 1, 31), settings=settings)
    con = connect(load_settings(duckdb_threads=1))
    early = compute(settings, as_of=date(2025, 12, 31), con=con, codes=["retail_sales"])
    assert early.table.empty  # nothing was known before the release vintage
    result = compute(settings, as_of=date(2026, 1, 31), con=con, codes=["retail_sales"])
    write_result(settings, result)
    t = result.table
    march = t[(t.period == "2024-03") & (t.basis == "month")].iloc[0]
    assert (march.value, march.yoy_pct, march.region) == (39020.0, 3.1, "100000")  # published
    jan_feb = t[(t.period == "2024-02") & (t.basis == "month")].iloc[0]
    assert jan_feb.value == 81307.0 and jan_feb.note == "derived from YTD"
    shown = cm.indicator(
        "retail_sales", region="全国", start="2025-11", basis="month", settings=settings
    )
    assert shown.yoy_pct.tolist() == [1.3, 0.9]
    derived = float(single_period_growth(501202, 0.037, 456067, 0.040)) * 100
    assert derived == pytest.approx(0.76, abs=0.01)  # vs the published 0.9: within rounding
