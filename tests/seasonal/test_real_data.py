"""Real data: national total retail sales of consumer goods (社会消费品零售总额, 亿元), NBS.

``data/nbs_retail_sales_monthly.csv`` holds 2015-01..02 … 2019-12 in the NBS layout (Jan–Feb one
period) with the page each value was read from (``role=series``), plus figures read from NBS
release reposts (``role=check``) that independently verify them. docs/seasonal.md records the
run; the tests below re-run it and check the documented model string.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.seasonal import adjust

DATA = Path(__file__).parent / "data" / "nbs_retail_sales_monthly.csv"
DOCS = Path(__file__).parents[2] / "docs" / "seasonal.md"


def rows(role: str) -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["role"] == role]


def real_series() -> pd.Series:
    values: dict[pd.Period, float] = {}
    for r in rows("series"):
        if r["basis"] == "janfeb":
            year = r["period"][:4]
            values[pd.Period(f"{year}-01", freq="M")] = np.nan
            values[pd.Period(f"{year}-02", freq="M")] = float(r["value"])
        else:
            values[pd.Period(r["period"], freq="M")] = float(r["value"])
    index = pd.PeriodIndex(sorted(values))
    return pd.Series([values[p] for p in index], index=index, name="retail_sales")


@pytest.fixture(scope="module")
def quarterly_result():  # type: ignore[no-untyped-def]
    return adjust(real_series(), name="retail_sales")


def test_fixture_is_complete_and_sourced() -> None:
    series = real_series()
    assert series.index[0] == pd.Period("2015-01", freq="M")
    assert series.index[-1] == pd.Period("2019-12", freq="M")
    months = np.asarray(series.index.month)
    assert series[months == 1].isna().all()  # January never published on its own
    assert series[months != 1].notna().all()
    for r in rows("series") + rows("check"):
        assert r["source_url"] and r["source_title"]


def test_series_values_agree_with_release_reposts() -> None:
    """Independent oracle: every month also read from an NBS release repost agrees to
    rounding (releases print whole 亿元)."""
    series = real_series()
    checked = 0
    for r in rows("check"):
        if r["basis"] == "month" and pd.Period(r["period"], freq="M") in series.index:
            assert series[r["period"]] == pytest.approx(float(r["value"]), abs=0.6), r["period"]
            checked += 1
        if r["basis"] == "janfeb" and r["period"][:4] in ("2016", "2018", "2019"):
            feb = series[r["period"][:4] + "-02"]
            assert feb == pytest.approx(float(r["value"]), abs=0.6)
            checked += 1
    assert checked >= 15


def test_ytd_differences_reproduce_published_months() -> None:
    ytd = {r["period"]: float(r["value"]) for r in rows("check") if r["basis"] == "ytd"}
    month = {r["period"]: float(r["value"]) for r in rows("check") if r["basis"] == "month"}
    checked = 0
    for period, value in month.items():
        prev = str(pd.Period(period, freq="M") - 1)
        if period in ytd and prev in ytd:
            assert ytd[period] - ytd[prev] == pytest.approx(value, abs=2.0), period
            checked += 1
    assert checked >= 2


def test_quarterly_run_succeeds_and_is_documented(quarterly_result) -> None:  # type: ignore[no-untyped-def]
    diag = quarterly_result.diagnostics
    assert diag.frequency == "Q" and diag.janfeb == "quarterly"
    assert len(quarterly_result.table) == 20
    q1 = quarterly_result.table.loc[pd.Period("2019Q1", freq="Q"), "observed"]
    assert q1 == pytest.approx(66064 + 31725.7)
    docs = DOCS.read_text(encoding="utf-8")
    assert f"`{diag.model}`" in docs
    for outlier in diag.outliers:
        assert outlier in docs
    # The December-heavy Q4 jump is gone from the adjusted series.
    table = quarterly_result.table
    raw_q4 = table["observed"].to_numpy()[3::4] / table["observed"].to_numpy()[2::4]
    adj_q4 = table["adjusted"].to_numpy()[3::4] / table["adjusted"].to_numpy()[2::4]
    assert raw_q4.mean() > 1.10
    assert adj_q4.mean() < 1.04


def test_split_path_removes_most_of_the_jan_feb_swing() -> None:
    """With the flagged split, Jan/Feb swing with the Spring Festival date (e.g. 2017 and 2019
    vs 2016 and 2018) is largely removed by the holiday regressors. The split itself is
    Spring-Festival-dated, so this checks the pipeline's consistency, not NBS's true months."""
    result = adjust(real_series(), name="retail_sales", janfeb="split")
    diag = result.diagnostics
    assert diag.frequency == "M"
    assert diag.windows != "none"
    assert result.table["estimated"].sum() == 10
    docs = DOCS.read_text(encoding="utf-8")
    assert f"`{diag.model}`" in docs and diag.windows in docs
    table = result.table
    jan = table[np.asarray(table.index.month) == 1]
    feb = table[np.asarray(table.index.month) == 2]
    raw = np.log(feb["observed"].to_numpy() / jan["observed"].to_numpy())
    adj = np.log(feb["adjusted"].to_numpy() / jan["adjusted"].to_numpy())
    assert adj.std() < 0.5 * raw.std()
