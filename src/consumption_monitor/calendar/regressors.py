"""Calendar regressors for X-13ARIMA-SEATS: moving holidays (genhol logic) and working days.

Moving holiday (METHODOLOGY §3, after the Census Bureau's ``genhol`` program): for each year's
festival date ``d`` and a window of days ``[d+a, d+b]`` (length ``L = b-a+1``), a month's raw value
is the number of window days falling in that month divided by ``L``. The regressor is centred by
subtracting, for each calendar month, its mean raw value over every year of the regressor span
(genhol's ``center=mean`` over the years it is given). Centring keeps the long-run level of the
holiday effect in the seasonal factors, so only the year-to-year *movement* of the festival is
treated as a holiday effect.

**Span used for centring**: all complete calendar years from the first data year to the year of
the last forecast month, i.e. ``start.year .. (end + forecast_months).year``. Within those years
each calendar month's centred values sum to zero.

Working days: official working days per month (chinese-calendar, 调休 included) minus that
calendar month's mean over the same span. A year the installed chinese-calendar does not know
(the State Council publishes each schedule in November) is never guessed: with
``unknown_years="mean"`` its months get the calendar-month mean of the known years (centred
value 0, i.e. no 调休 working-day adjustment) and :func:`unscheduled_months` names them; the
default ``"raise"`` raises CalendarError.

Speed: festival dates, monthly window fractions and working-day counts are cached per year
(``working_days()`` walks every day through chinese-calendar, and the Spring Festival window
selection rebuilds the same regressors for every candidate); the builders return fresh pandas
objects, so callers may modify them.

Trap 2 (METHODOLOGY §3): X-13 forecasts 12 months ahead for the X-11 filters and needs every
user regressor over the forecast horizon, so every builder here takes ``forecast_months``
(default 12) and returns values up to ``end + forecast_months``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from consumption_monitor.calendar.holidays import (
    dragon_boat_date,
    mid_autumn_date,
    spring_festival_date,
    supported_years,
    working_days,
)
from consumption_monitor.errors import DataValidationError

__all__ = [
    "FESTIVAL_DATES",
    "HolidayWindow",
    "holiday_regressors",
    "monthly_window_fractions",
    "moving_holiday_regressor",
    "to_quarterly",
    "unscheduled_months",
    "working_day_regressor",
]

#: Festival -> function giving its solar date in a (lunar) year.
FESTIVAL_DATES: dict[str, Callable[[int], dt.date]] = {
    "spring": spring_festival_date,
    "dragon_boat": dragon_boat_date,
    "mid_autumn": mid_autumn_date,
}


@dataclass(frozen=True, slots=True)
class HolidayWindow:
    """Days ``first..last`` (inclusive, relative to the festival date) of one regressor.

    ``HolidayWindow("sf_pre", "spring", -20, -1)`` is the 20 days before new year's day.
    """

    name: str
    festival: str
    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise DataValidationError(
                f"holiday window {self.name}: last day {self.last} before first {self.first}",
                f"节日窗口 {self.name}：结束日 {self.last} 早于开始日 {self.first}",
            )
        if self.festival not in FESTIVAL_DATES:
            raise DataValidationError(
                f"unknown festival {self.festival!r}; expected one of {sorted(FESTIVAL_DATES)}",
                f"未知节日 {self.festival!r}，应为 {sorted(FESTIVAL_DATES)} 之一",
            )

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    @property
    def label(self) -> str:
        """Short text such as ``spring[-20,-1]`` for reports."""
        return f"{self.festival}[{self.first:+d},{self.last:+d}]"


def monthly_window_fractions(
    anchor: dt.date, first: int, last: int
) -> dict[tuple[int, int], float]:
    """Share of the window ``[anchor+first, anchor+last]`` falling in each (year, month).

    >>> monthly_window_fractions(dt.date(2025, 1, 29), -5, 4)
    {(2025, 1): 0.8, (2025, 2): 0.2}
    """
    length = last - first + 1
    start = anchor + dt.timedelta(days=first)
    out: dict[tuple[int, int], float] = {}
    # Count whole months at a time: days from `day` to the month end, capped by the window end.
    day, remaining = start, length
    while remaining > 0:
        next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        take = min(remaining, (next_month - day).days)
        key = (day.year, day.month)
        out[key] = out.get(key, 0.0) + take / length
        remaining -= take
        day = next_month
    return out


def _month_range(
    start: str | pd.Period, end: str | pd.Period, forecast_months: int
) -> pd.PeriodIndex:
    first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    if last < first:
        raise DataValidationError(
            f"regressor span ends ({last}) before it starts ({first})",
            f"回归变量区间结束 ({last}) 早于开始 ({first})",
        )
    if forecast_months < 0:
        raise DataValidationError("forecast_months must be >= 0", "forecast_months 不能为负数")
    return pd.period_range(first, last + forecast_months, freq="M")


def _centre_and_select(
    raw: np.ndarray, years: range, index: pd.PeriodIndex, name: str
) -> pd.Series:
    """``raw`` is (len(years), 12); subtract each column's mean and pick the index months."""
    centred = raw - raw.mean(axis=0, keepdims=True)
    values = [centred[p.year - years.start, p.month - 1] for p in index]
    return pd.Series(values, index=index, name=name, dtype=float)


def moving_holiday_regressor(
    window: HolidayWindow,
    start: str | pd.Period,
    end: str | pd.Period,
    *,
    forecast_months: int = 12,
) -> pd.Series:
    """Centred genhol-style regressor for ``window``, monthly from ``start`` to ``end`` plus
    ``forecast_months``.

    Windows may cross year ends (a long pre-holiday window can start in December), so the
    festival of the following and previous years is counted too. Centring uses complete years
    ``start.year .. last.year`` (module docstring).

    >>> r = moving_holiday_regressor(HolidayWindow("h", "spring", 0, 6), "2020-01", "2020-12",
    ...                              forecast_months=0)
    >>> round(float(r["2020-01"]), 3)  # 春节 2020-01-25: all 7 days in January, single year
    0.0
    """
    index = _month_range(start, end, forecast_months)
    years = range(index[0].year, index[-1].year + 1)
    raw = _holiday_raw(window.festival, window.first, window.last, years.start, years.stop)
    return _centre_and_select(raw, years, index, window.name)


@lru_cache(maxsize=512)
def _holiday_raw(festival: str, first: int, last: int, y0: int, y1: int) -> np.ndarray:
    """(years × 12) raw window shares for years ``y0 .. y1-1`` (cached; read-only array)."""
    years = range(y0, y1)
    raw = np.zeros((len(years), 12))
    festival_date = FESTIVAL_DATES[festival]
    for festival_year in range(years.start - 1, years.stop + 1):
        anchor = festival_date(festival_year)
        for (year, month), share in monthly_window_fractions(anchor, first, last).items():
            if year in years:
                raw[year - years.start, month - 1] += share
    raw.setflags(write=False)
    return raw


def holiday_regressors(
    windows: Sequence[HolidayWindow],
    start: str | pd.Period,
    end: str | pd.Period,
    *,
    forecast_months: int = 12,
) -> pd.DataFrame:
    """One column per window (named ``window.name``), monthly PeriodIndex."""
    cols = [
        moving_holiday_regressor(w, start, end, forecast_months=forecast_months) for w in windows
    ]
    if not cols:
        return pd.DataFrame(index=_month_range(start, end, forecast_months))
    return pd.concat(cols, axis=1)


@lru_cache(maxsize=256)
def _year_working_days(year: int) -> tuple[int, ...]:
    """Official working days of each month of ``year`` (cached: one chinese-calendar walk)."""
    return tuple(working_days(year, m) for m in range(1, 13))


def _known(year: int) -> bool:
    first, last = supported_years()
    return first <= year <= last


def unscheduled_months(index: pd.PeriodIndex) -> list[pd.Period]:
    """Months of ``index`` (monthly) in years the installed chinese-calendar does not know:
    they carry no 调休 working-day adjustment under ``unknown_years="mean"``."""
    return [p for p in index if not _known(p.year)]


def working_day_regressor(
    start: str | pd.Period,
    end: str | pd.Period,
    *,
    forecast_months: int = 12,
    name: str = "workdays",
    unknown_years: Literal["raise", "mean"] = "raise",
) -> pd.Series:
    """Official working days per month minus that calendar month's mean over the span years.

    Needs the official schedule for every year up to the last forecast month. A year the
    installed chinese-calendar does not know raises CalendarError (``unknown_years="raise"``,
    never guessed) or, with ``"mean"``, takes the calendar-month mean of the known years, so
    its centred value is 0 (no 调休 adjustment; see :func:`unscheduled_months`). With no known
    year in the span at all, ``"mean"`` still raises CalendarError.
    """
    index = _month_range(start, end, forecast_months)
    years = range(index[0].year, index[-1].year + 1)
    if unknown_years == "raise" or all(_known(y) for y in years):
        raw = np.array([_year_working_days(y) for y in years], dtype=float)
        return _centre_and_select(raw, years, index, name)
    known = [y for y in years if _known(y)]
    if not known:
        working_days(years.start, 1)  # raises the CalendarError naming the year
    table = {y: np.asarray(_year_working_days(y), dtype=float) for y in known}
    mean = np.mean(np.stack(list(table.values())), axis=0)
    raw = np.array([table.get(y, mean) for y in years], dtype=float)
    return _centre_and_select(raw, years, index, name)


def to_quarterly(regressors: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Quarterly sums of monthly regressors (a window's share of a quarter; working days per
    quarter). Centred monthly inputs stay centred: means add up over the months of a quarter.
    Partial quarters at the edges are dropped.
    """
    idx = regressors.index
    assert isinstance(idx, pd.PeriodIndex)
    quarters = idx.asfreq("Q")
    grouped = regressors.groupby(quarters)
    counts = grouped.size()
    full = counts[counts == 3].index
    out = grouped.sum().loc[full]
    out.index = pd.PeriodIndex(out.index, freq="Q")
    return out
