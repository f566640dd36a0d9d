"""Calendar regressors: genhol window arithmetic, centring, forecast extension (Trap 2)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumption_monitor.calendar import (
    HolidayWindow,
    moving_holiday_regressor,
    spring_festival_date,
    working_day_regressor,
    working_days,
)
from consumption_monitor.calendar.regressors import monthly_window_fractions, to_quarterly
from consumption_monitor.errors import CalendarError


def naive_fractions(anchor: dt.date, first: int, last: int) -> dict[tuple[int, int], float]:
    out: dict[tuple[int, int], float] = {}
    length = last - first + 1
    for k in range(first, last + 1):
        day = anchor + dt.timedelta(days=k)
        out[(day.year, day.month)] = out.get((day.year, day.month), 0.0) + 1 / length
    return out


@settings(max_examples=200, deadline=None)
@given(
    anchor=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)),
    first=st.integers(-40, 30),
    length=st.integers(1, 60),
)
def test_window_fractions_match_day_loop(anchor: dt.date, first: int, length: int) -> None:
    got = monthly_window_fractions(anchor, first, first + length - 1)
    want = naive_fractions(anchor, first, first + length - 1)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value)


def test_regressor_extends_twelve_months_past_data() -> None:
    window = HolidayWindow("sf_pre", "spring", -20, -1)
    reg = moving_holiday_regressor(window, "2012-01", "2024-06")
    assert reg.index[0] == pd.Period("2012-01", freq="M")
    assert reg.index[-1] == pd.Period("2025-06", freq="M")
    wd = working_day_regressor("2012-01", "2024-06")
    assert wd.index[-1] == pd.Period("2025-06", freq="M")


def test_centring_sums_to_zero_per_calendar_month() -> None:
    window = HolidayWindow("sf_hol", "spring", 0, 6)
    reg = moving_holiday_regressor(window, "2012-01", "2024-12")  # full years 2012..2025
    sums = reg.groupby(np.asarray(reg.index.month)).sum()
    assert np.allclose(sums.to_numpy(), 0.0, atol=1e-12)
    assert reg.abs().max() > 0.3  # not trivially zero
    wd = working_day_regressor("2012-01", "2024-12")
    assert np.allclose(wd.groupby(np.asarray(wd.index.month)).sum().to_numpy(), 0.0)


def test_raw_values_recovered_after_centring() -> None:
    # Month value = days of [d-20, d-1] in the month / 20, minus the calendar-month mean.
    window = HolidayWindow("sf_pre", "spring", -20, -1)
    reg = moving_holiday_regressor(window, "2012-01", "2023-12")
    years = range(2012, 2025)
    raw = {
        (y, m): sum(
            naive_fractions(spring_festival_date(fy), -20, -1).get((y, m), 0.0)
            for fy in (y - 1, y, y + 1)
        )
        for y in years
        for m in range(1, 13)
    }
    for month in (1, 2, 3, 12):
        mean = np.mean([raw[(y, month)] for y in years])
        for y in (2015, 2020, 2023):
            assert reg[pd.Period(year=y, month=month, freq="M")] == pytest.approx(
                raw[(y, month)] - mean
            )


def test_working_day_regressor_is_centred_counts() -> None:
    wd = working_day_regressor("2020-01", "2023-12", forecast_months=0)
    feb = [working_days(y, 2) for y in range(2020, 2024)]
    assert wd["2021-02"] == pytest.approx(feb[1] - np.mean(feb))


def test_working_day_regressor_needs_schedule_for_forecast_year() -> None:
    with pytest.raises(CalendarError, match="2027"):
        working_day_regressor("2020-01", "2026-03")  # forecast runs into 2027


def test_quarterly_spring_festival_regressor_vanishes() -> None:
    # Every candidate window lies inside Q1, so the centred quarterly regressor is zero.
    for first, last in ((-20, -1), (0, 6), (7, 20)):
        reg = moving_holiday_regressor(
            HolidayWindow("w", "spring", first, last), "2005-01", "2024-12"
        )
        assert np.allclose(to_quarterly(reg).to_numpy(), 0.0, atol=1e-12)
