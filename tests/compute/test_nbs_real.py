"""Real data: NBS national 社零 releases (tests/compute/data/nbs_retail_sales.csv).

Each row is one published figure with the page it was read from. The single-month values
derived from the cumulative (YTD) releases must reproduce the single-month values NBS published.

Tolerance, and why: NBS prints levels rounded to 1 亿元 and growth to 0.1 percentage point.
- Level: ``C_m - C_{m-1}`` differs from the published month by at most 1 亿元 (two roundings).
- Growth: the derived rate is recomputed at every corner of the rounding box (each YTD level
  ±0.5 亿元, each YTD growth ±0.05 pp); the published rate, itself ±0.05 pp, must fall inside
  the resulting interval. The box is wide late in the year (December's base is 1/12 of the YTD
  base, so ±0.05 pp on the YTD rate moves the month by about ±0.6 pp): a fixed tolerance would
  be too loose in March and too tight in December.
Months whose predecessor release is not in the file are not derived (no guessing).
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.compute import FrameSource, compute
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.indicators.formulas import single_period_growth

DATA = Path(__file__).parent / "data" / "nbs_retail_sales.csv"


@pytest.fixture(scope="module")
def releases() -> pd.DataFrame:
    df = pd.read_csv(DATA, dtype={"region": str, "period": str})
    assert df.source.str.startswith("http").all(), "every row records its source"
    return df


def _pairs(releases: pd.DataFrame) -> list[tuple[pd.Series, pd.Series, pd.Series]]:
    ytd = releases[releases.basis == "ytd"].set_index("period")
    month = releases[releases.basis == "month"].set_index("period")
    out = []
    for period, row in ytd.iterrows():
        y, m = int(period[:4]), int(period[5:])
        prev = f"{y}-{m - 1:02d}"
        if m > 3 and prev in ytd.index and period in month.index:
            out.append((row, ytd.loc[prev], month.loc[period]))
        if m == 3 and f"{y}-02" in ytd.index and period in month.index:
            out.append((row, ytd.loc[f"{y}-02"], month.loc[period]))
    return out


def test_enough_real_months(releases: pd.DataFrame) -> None:
    pairs = _pairs(releases)
    assert len(pairs) >= 10
    assert len({p[0].name[:4] for p in pairs}) >= 3  # several years


def test_derived_levels_match_published(releases: pd.DataFrame) -> None:
    for cur, prev, pub in _pairs(releases):
        assert abs((cur.value - prev.value) - pub.value) <= 1.0, cur.name


def test_derived_growth_matches_published_within_rounding(releases: pd.DataFrame) -> None:
    for cur, prev, pub in _pairs(releases):
        corners = [
            float(
                single_period_growth(
                    cur.value + dc,
                    (cur.yoy_pct + dg) / 100,
                    prev.value + dp,
                    (prev.yoy_pct + dq) / 100,
                )
            )
            * 100
            for dc, dg, dp, dq in itertools.product((-0.5, 0.5), (-0.05, 0.05), repeat=2)
        ]
        lo, hi = min(corners), max(corners)
        assert lo - 0.05 <= pub.yoy_pct <= hi + 0.05, (cur.name, lo, hi, pub.yoy_pct)
        central = (
            float(
                single_period_growth(cur.value, cur.yoy_pct / 100, prev.value, prev.yoy_pct / 100)
            )
            * 100
        )
        assert abs(central - pub.yoy_pct) < 0.8, cur.name  # and close in absolute terms


def test_engine_derives_the_same_months(releases: pd.DataFrame, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through the engine: with the published months removed, the derived months come out."""
    ytd_only = releases[releases.basis == "ytd"].assign(_vintage=date(2026, 1, 31))
    settings = load_settings(data_dir=tmp_path)
    result = compute(
        settings,
        as_of=date(2026, 1, 31),
        con=connect(load_settings(engine="duckdb", duckdb_threads=1)),
        source=FrameSource({"official_stats": ytd_only}),
        codes=["retail_sales"],
    )
    t = result.table
    derived = t[(t.basis == "month") & (t.region == "100000")].set_index("period")
    for cur, prev, _pub in _pairs(releases):
        row = derived.loc[cur.name]
        assert row.value == cur.value - prev.value
        expected = (
            single_period_growth(cur.value, cur.yoy_pct / 100, prev.value, prev.yoy_pct / 100) * 100
        )
        assert row.yoy_pct == pytest.approx(float(expected), rel=1e-12)
        assert row.note == "derived from YTD"
    # 2024-10 and 2023-12 have YTD releases but their predecessors are missing: not guessed.
    assert "2024-10" not in derived.index and "2023-12" not in derived.index
    assert not np.isnan(derived.loc["2024-02"].value)  # Jan–Feb needs no predecessor
