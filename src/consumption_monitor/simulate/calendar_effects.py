"""Day-level multipliers: weekdays, official holidays and 调休, Spring Festival, the 2020 shock.

Holiday blocks and working days come from :mod:`consumption_monitor.calendar.holidays`
(chinese-calendar; years it does not know fall back to Monday–Friday working days and no
blocks, and the Spring Festival still comes from lunar dates, which work for any year).

Profiles (``retail``, ``catering``, ``service``, ``auto``) shape the same calendar differently:
catering peaks on holidays and evenings, car sales dip during Spring Festival and golden weeks
pull retail up. Every function takes a numpy ``datetime64[D]`` array and returns float arrays.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

from consumption_monitor.calendar.holidays import (
    holiday_blocks,
    is_workday,
    spring_festival_date,
    supported_years,
)
from consumption_monitor.simulate.magnitudes import CITY_RETAIL_YI, year_value

#: Day-of-week factor (Mon..Sun) of each profile on ordinary working weeks.
_WEEKDAY = {
    "retail": (0.93, 0.92, 0.93, 0.95, 1.02, 1.18, 1.12),
    "catering": (0.88, 0.88, 0.90, 0.94, 1.08, 1.22, 1.10),
    "service": (0.90, 0.90, 0.92, 0.95, 1.03, 1.20, 1.15),
    "auto": (0.85, 0.85, 0.88, 0.90, 0.95, 1.35, 1.30),
}
#: Extra lift on days of an official holiday block, by festival slug and profile.
_HOLIDAY_LIFT = {
    "national-day": {"retail": 1.40, "catering": 1.55, "service": 1.60, "auto": 1.30},
    "labour-day": {"retail": 1.30, "catering": 1.45, "service": 1.50, "auto": 1.20},
    "dragon-boat-festival": {"retail": 1.12, "catering": 1.25, "service": 1.25, "auto": 1.0},
    "mid-autumn-festival": {"retail": 1.20, "catering": 1.30, "service": 1.25, "auto": 1.0},
    "tomb-sweeping-day": {"retail": 1.05, "catering": 1.10, "service": 1.15, "auto": 1.0},
    "new-years-day": {"retail": 1.15, "catering": 1.25, "service": 1.20, "auto": 1.0},
}


@cache
def _calendar_known() -> tuple[int, int]:
    return supported_years()


@cache
def _day_flags(year: int) -> tuple[np.ndarray, dict[dt.date, str]]:
    """(workday flag per day of ``year``, {holiday date: festival slug}) for one year."""
    first, last = _calendar_known()
    days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == year]
    if first <= year <= last:
        work = np.array([is_workday(d) for d in days], dtype=bool)
        slugs: dict[dt.date, str] = {}
        for block in holiday_blocks(year):
            for d in block.dates():
                slugs.setdefault(d, block.festival.value)
        return work, slugs
    # Outside the installed schedule: plain weekends, no official blocks (documented fallback).
    return np.array([d.weekday() < 5 for d in days], dtype=bool), {}


def spring_festival_offsets(dates: np.ndarray) -> np.ndarray:
    """Days from the nearest Spring Festival (lunar 1/1) to each date (negative before)."""
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    out = np.empty(len(dates), dtype=np.int64)
    for y in np.unique(years):
        sf_this = np.datetime64(spring_festival_date(int(y)), "D")
        sf_next = np.datetime64(spring_festival_date(int(y) + 1), "D")
        mask = years == y
        d = dates[mask]
        off_this = (d - sf_this).astype(np.int64)
        off_next = (d - sf_next).astype(np.int64)
        out[mask] = np.where(np.abs(off_next) < np.abs(off_this), off_next, off_this)
    return out


def spring_festival_factor(offsets: np.ndarray, profile: str) -> np.ndarray:
    """Shopping rush in the 10 days before, closures on eve to day 3, a lull for two weeks after.

    The window (about −10 to +20 days) follows the Spring Festival effect of METHODOLOGY §3.
    """
    f = np.ones(len(offsets))
    rush = 1.45 if profile == "retail" else 1.15
    if profile == "auto":
        rush = 0.9
    f[(offsets >= -10) & (offsets <= -2)] = rush
    f[(offsets >= -1) & (offsets <= 2)] = {"catering": 1.10, "service": 0.9}.get(profile, 0.55)
    f[(offsets >= 3) & (offsets <= 6)] = 1.05 if profile != "auto" else 0.4
    f[(offsets >= 7) & (offsets <= 20)] = 0.82 if profile != "auto" else 0.75
    return f


def covid_factor(dates: np.ndarray) -> np.ndarray:
    """The 2020 shock and recovery, and the late-2022 dip (smooth multiplicative factors)."""
    f = np.ones(len(dates))
    t = (dates - np.datetime64("2020-01-24")).astype(np.int64)
    shock = (t >= 0) & (t < 200)
    # Down to about 45% in February 2020, recovering over roughly six months.
    f[shock] = 1.0 - 0.55 * np.exp(-np.maximum(t[shock] - 10, 0) / 55.0)
    t2 = (dates - np.datetime64("2022-11-20")).astype(np.int64)
    dip = (t2 >= 0) & (t2 < 50)
    f[dip] = 0.78 + 0.22 * (t2[dip] / 50.0)
    return f


def trend_level(dates: np.ndarray) -> np.ndarray:
    """Underlying level by day relative to 2019 (city 社零 by year, linearly interpolated)."""
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    base = year_value(CITY_RETAIL_YI, 2019)
    # Remove the 2020/2022 annual dips from the trend: covid_factor carries them day by day.
    lo_year = min(int(years.min()), 2018)
    smooth = {
        y: year_value(CITY_RETAIL_YI, y) for y in range(lo_year, max(int(years.max()) + 2, 2024))
    }
    smooth[2020] = smooth[2019] * 1.01
    smooth[2022] = smooth[2021] * 1.01
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64) / 365.0
    lo = np.array([smooth[int(y)] for y in years])
    hi = np.array([smooth[int(y) + 1] for y in years])
    out: np.ndarray = (lo + (hi - lo) * doy) / base
    return out


def daily_factor(dates: np.ndarray, profile: str) -> np.ndarray:
    """Product of weekday/调休, holiday, Spring Festival, shock and trend factors per date.

    A 调休 weekend working day gets the Monday factor (people are at work); a holiday weekday
    gets the Saturday factor times the festival lift.
    """
    weekday_tab = np.array(_WEEKDAY[profile])
    dows = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    f = weekday_tab[dows].copy()
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    for y in np.unique(years):
        work, slugs = _day_flags(int(y))
        mask = np.flatnonzero(years == y)
        doy = (dates[mask] - np.datetime64(f"{int(y):04d}-01-01")).astype(np.int64)
        w = work[doy]
        weekend = dows[mask] >= 5
        f[mask[w & weekend]] = weekday_tab[0]
        f[mask[~w & ~weekend]] = weekday_tab[5]
        for i, d in zip(mask, dates[mask].astype(dt.date), strict=True):
            slug = slugs.get(d)
            if slug is not None and slug != "spring-festival":
                f[i] *= _HOLIDAY_LIFT.get(slug, {}).get(profile, 1.0)
    f *= spring_festival_factor(spring_festival_offsets(dates), profile)
    out: np.ndarray = f * covid_factor(dates) * trend_level(dates)
    return out


def date_range(start: dt.date, end: dt.date) -> np.ndarray:
    """Every day from ``start`` to ``end`` inclusive as ``datetime64[D]``."""
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
