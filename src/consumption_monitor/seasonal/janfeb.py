"""January–February combined data (METHODOLOGY §1, §3).

NBS surveys and publishes January and February together (period ``YYYY-01..02``). A monthly
series in this package carries that as ``NaN`` for January and the Jan–Feb total in February.
January and February are never adjusted as if they had been observed separately. Two honest
paths:

- **quarterly** (default): Q1 = Jan–Feb + March. Every candidate Spring Festival window
  (``-20…+20`` days around lunar new year, i.e. 1 January … 12 March at the extremes) lies
  inside Q1, so a centred quarterly Spring Festival regressor is identically zero: the festival
  has no moving-holiday effect at quarterly frequency and only the working-day regressor remains.
- **split**: divide the Jan–Feb total into estimated January and February values by a
  Spring-Festival-dated day weighting (below), then adjust monthly. Every January and February
  value (and anything computed from them) is flagged ``estimated=True``.

Split weighting (practice, configurable and printed with the result; there is no official
rule): every calendar day weighs 1; days in the pre-holiday window ``[-10, -1]`` weigh
``1 + pre_uplift`` and days in the holiday week ``[0, +6]`` weigh ``1 + holiday_uplift``.
January's share is January's weight over the Jan+Feb weight. The defaults (``pre_uplift=0.25``,
``holiday_uplift=0.0``) are illustrative, not estimated: calibrate them on a series that does
have separate months (e.g. card transactions) before relying on split values.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from consumption_monitor.calendar.holidays import spring_festival_date
from consumption_monitor.errors import DataValidationError

__all__ = ["SplitWeights", "is_janfeb_combined", "january_share", "split_janfeb", "to_quarterly"]


@dataclass(frozen=True, slots=True)
class SplitWeights:
    """Relative daily weights of the Spring-Festival-dated split (practice, see module doc)."""

    pre_uplift: float = 0.25
    holiday_uplift: float = 0.0
    pre_window: tuple[int, int] = (-10, -1)
    holiday_window: tuple[int, int] = (0, 6)


def is_janfeb_combined(series: pd.Series) -> bool:
    """True if every year with a February value has January missing (NBS Jan–Feb layout)."""
    idx = series.index
    if not isinstance(idx, pd.PeriodIndex) or not idx.freqstr.startswith("M"):
        return False
    months = np.asarray(idx.month)
    jan = series[months == 1]
    feb = series[months == 2]
    if feb.notna().sum() == 0:
        return False
    return bool(jan.isna().all())


def january_share(year: int, weights: SplitWeights = SplitWeights()) -> float:
    """Estimated share of January in the Jan–Feb total of ``year``.

    >>> round(january_share(2024, SplitWeights(0.0, 0.0)), 4)  # plain day count: 31/60
    0.5167
    >>> january_share(2023) > january_share(2024)  # 春节 2023-01-22 vs 2024-02-10
    True
    """
    sf = spring_festival_date(year)
    jan_days = 31
    feb_days = _pycal.monthrange(year, 2)[1]
    w_jan, w_feb = float(jan_days), float(feb_days)
    for (first, last), uplift in (
        (weights.pre_window, weights.pre_uplift),
        (weights.holiday_window, weights.holiday_uplift),
    ):
        for offset in range(first, last + 1):
            day = sf + dt.timedelta(days=offset)
            if day.year == year and day.month == 1:
                w_jan += uplift
            elif day.year == year and day.month == 2:
                w_feb += uplift
    return w_jan / (w_jan + w_feb)


def split_janfeb(
    series: pd.Series, weights: SplitWeights = SplitWeights()
) -> tuple[pd.Series, pd.Series]:
    """Monthly series with January and February estimated from the Jan–Feb total in February.

    Returns ``(values, estimated)`` where ``estimated`` is a boolean Series marking every
    split month. A February that is missing stays missing (and January with it).
    """
    idx = series.index
    assert isinstance(idx, pd.PeriodIndex)
    values = series.to_numpy(dtype=float).copy()
    flags = np.zeros(len(values), dtype=bool)
    position = {p: i for i, p in enumerate(idx)}
    for i, period in enumerate(idx):
        if period.month != 2 or np.isnan(values[i]):
            continue
        total = values[i]
        share = january_share(period.year, weights)
        jan = position.get(pd.Period(year=period.year, month=1, freq="M"))
        if jan is not None:
            values[jan] = total * share
            flags[jan] = True
        values[i] = total * (1 - share)
        flags[i] = True
    return (
        pd.Series(values, index=idx, name=series.name),
        pd.Series(flags, index=idx, name="estimated"),
    )


def to_quarterly(series: pd.Series) -> pd.Series:
    """Quarterly totals; Q1 = Jan–Feb (held in February) + March.

    Quarters with a missing month are dropped at the ends and are NaN inside (to be filled
    from a derived quarterly value or estimated by X-13, see :func:`~.adjust.adjust`). No
    complete quarter at all raises DataValidationError.

    >>> months = pd.period_range("2024-01", periods=3, freq="M")
    >>> to_quarterly(pd.Series([float("nan"), 10.0, 5.0], index=months)).tolist()
    [15.0]
    """
    idx = series.index
    assert isinstance(idx, pd.PeriodIndex)
    quarters = idx.asfreq("Q")
    months = np.asarray(idx.month)
    present = series.notna() | pd.Series(months == 1, index=idx)
    complete = present.groupby(quarters).all() & (
        pd.Series(1, index=idx).groupby(quarters).sum() == 3
    )
    totals = series.groupby(quarters).sum(min_count=1)[complete]
    if totals.empty:
        raise DataValidationError("no complete quarter in the series", "序列中没有完整的季度")
    full_range = pd.period_range(totals.index[0], totals.index[-1], freq="Q")
    out = pd.Series(totals.to_numpy(dtype=float), index=pd.PeriodIndex(totals.index, freq="Q"))
    full: pd.Series = out.reindex(full_range)
    full.name = series.name
    return full
