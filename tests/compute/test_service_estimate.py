"""The city's service-consumption estimate (#22, 探索建立服务消费统计方案): card spending at
service merchants (and catering), by region and month, and its share of card spending. The
oracle is the published category cells of the same result; a region-month with any hidden
service cell has no estimate (a sum over a hidden cell would reveal it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.compute.post import card_subsets
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.indicators import load_indicators

SERVICE = load_indicators().get("service_consumption_est").params["categories"]


def _row(region: str, dim: str, value: float | None, dim_value: str = "") -> dict[str, object]:
    return {"indicator": "card_spending", "region": region, "period": "2025-10", "basis": "month",
            "dim": dim, "dim_value": dim_value, "value": value, "yoy_pct": np.nan,
            "numerator": np.nan, "denominator": np.nan, "note": ""}  # fmt: skip


def test_sum_share_and_suppression_by_hand() -> None:
    rows = [
        _row("120000", "", 1000.0), _row("120000", "category", 300.0, "catering"),
        _row("120000", "category", 100.0, "accommodation"),
        _row("120000", "category", 500.0, "grocery"),  # goods: not in the estimate
        _row("120101", "", 400.0), _row("120101", "category", 50.0, "catering"),
        _row("120101", "category", None, "accommodation"),  # hidden by the privacy rule
    ]  # fmt: skip
    out = card_subsets(pd.DataFrame(rows), load_indicators())
    est = out[out.indicator == "service_consumption_est"].set_index("region")
    share = out[out.indicator == "service_consumption_share"].set_index("region")
    assert est.loc["120000", "value"] == 400.0
    assert share.loc["120000", "value"] == pytest.approx(40.0)
    assert np.isnan(est.loc["120101", "value"]) and est.loc["120101", "note"] == "suppressed"
    assert np.isnan(share.loc["120101", "value"])


def test_the_suite_estimate_equals_its_published_cells(suite_on) -> None:  # type: ignore[no-untyped-def]
    table = suite_on(connect(load_settings(engine="duckdb", duckdb_threads=1))).table
    est = table[table.indicator == "service_consumption_est"]
    assert len(est) > 0
    cells = table[(table.indicator == "card_spending") & (table.dim == "category")
                  & table.dim_value.isin(SERVICE)]  # fmt: skip
    checked = 0
    for r in est.itertuples():
        mine = cells[(cells.region == r.region) & (cells.period == r.period)]
        if mine.value.isna().any():
            assert np.isnan(r.value)  # never a sum over a hidden cell
        else:
            assert r.value == pytest.approx(mine.value.sum())
            checked += 1
    assert checked > 0


def test_an_incomplete_month_stays_incomplete_not_suppressed() -> None:
    # The card feed's stub month blanks every part (note "incomplete", compute/sanity.py): the
    # estimate of that month says so, so pages and reports print the right reason (#20).
    rows = [_row("120000", "", None), _row("120000", "category", None, "catering")]
    for r in rows:
        r["note"] = "incomplete"
    out = card_subsets(pd.DataFrame(rows), load_indicators())
    est = out[out.indicator == "service_consumption_est"].iloc[0]
    assert np.isnan(est["value"]) and est["note"] == "incomplete"
