"""Real data: the no-look-ahead backtest of "社零 growth ≥ X" calls on NBS national figures.

The series (tests/realdata/data/nbs_retail_ytd_growth.csv) was collected from NBS releases and
their reprints, one source address per row. The figures in docs/targets.md come from this test's
helper; the test fails if they drift.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from consumption_monitor.targets.backtest import by_month, growth_backtest, reliability
from consumption_monitor.targets.forecast import growth_forecast

DATA = Path(__file__).parent / "data" / "nbs_retail_ytd_growth.csv"


def load() -> tuple[dict[int, dict[int, float]], dict[int, dict[int, float]]]:
    ytd: dict[int, dict[int, float]] = defaultdict(dict)
    single: dict[int, dict[int, float]] = defaultdict(dict)
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            year, month = int(row["year"]), int(row["month"])
            assert row["source"].startswith("http"), row
            ytd[year][month] = float(row["ytd_growth_pct"])
            if row["month_growth_pct"]:
                single[year][month] = float(row["month_growth_pct"])
    return dict(ytd), dict(single)


def test_published_figures_spot_checks() -> None:
    ytd, single = load()
    # 2018年1-9月 274299亿元 增长9.3%; 2020年全年 下降3.9%; 2021年1-9月 增长16.4%, 9月 4.4%
    assert ytd[2018][9] == 9.3
    assert ytd[2020][12] == -3.9
    assert (ytd[2021][9], single[2021][9]) == (16.4, 4.4)


def test_no_look_ahead_the_forecast_ignores_the_years_own_and_later_outcomes() -> None:
    ytd, single = load()
    before = growth_forecast(ytd, 2023, 9, 7.0, month_growth=single)
    tampered = {y: dict(v) for y, v in ytd.items()}
    tampered[2023][12] = 50.0  # the outcome being forecast
    tampered[2025][12] = -50.0  # a later year
    after = growth_forecast(tampered, 2023, 9, 7.0, month_growth=single)
    assert before == after


def test_month_nine_calls_are_right_at_least_80_percent_and_error_below_1pp() -> None:
    ytd, single = load()
    calls, _ = growth_backtest(ytd, month_growth=single)
    stats = by_month(calls)
    n, hit_rate, mae = stats[9]
    assert n >= 28
    assert hit_rate >= 0.8
    assert mae < 1.0  # the old month-9 projection was off by about 1.6 pp


def test_probabilities_are_calibrated_no_confident_bin_is_far_off() -> None:
    ytd, single = load()
    calls, _ = growth_backtest(ytd, month_growth=single)
    table = reliability(calls)
    assert sum(r[2] for r in table) == len(calls)
    for _low, _high, count, mean_p, share_met in table:
        if count >= 10:  # bins with enough calls to judge
            assert abs(mean_p - share_met) < 0.15
    # Brier score clearly better than always saying 50 %.
    brier = sum((c.probability - c.met) ** 2 for c in calls) / len(calls)
    assert brier < 0.15


def test_too_short_history_gives_no_probability() -> None:
    ytd, single = load()
    assert growth_forecast(ytd, 2017, 9, 10.0, month_growth=single) is None  # no earlier Sep+Dec
    assert growth_forecast(ytd, 2019, 9, 8.0, month_growth=single) is None  # one earlier year
    assert growth_forecast(ytd, 2020, 9, -5.0, month_growth=single) is not None


@pytest.mark.parametrize("month", [7, 9, 11])
def test_backtest_months_have_calls(month: int) -> None:
    ytd, single = load()
    calls, _ = growth_backtest(ytd, month_growth=single)
    assert any(c.month == month for c in calls)
