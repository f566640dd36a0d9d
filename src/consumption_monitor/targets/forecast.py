"""Calibrated forecasts of where a target's measure ends: P(met) and a P10/P50/P90 fan.

Two models, both fitted only on what was known at the as-of date (no look-ahead):

- :func:`growth_forecast` — the year-to-date growth ``G_m`` of a flow published (or derived)
  every month. The rest of the year is assumed to grow like the latest single month ``g_m``
  (momentum): ``G_m + w_m (g_m − G_m)``, ``w_m = (12 − m)/12``. The error of that projection is
  read from the *earlier* years' same-month errors. The predictive law is a Student t with
  ``n − 1`` degrees of freedom, centred on the projection plus the median past error, scaled by
  a robust spread (1.4826 × MAD, never below a floor that shrinks as the year runs out) times
  ``sqrt(1 + 1/n)`` for the uncertainty of the estimate itself. With fewer than two earlier years
  the history is too short and no probability is given (the caller says so in words).
- :func:`drift_forecast` — yearly values (a stock, a share, an annual level) projected to a
  deadline as a random walk with drift fitted on the past yearly changes (t predictive again);
  needs three yearly values.

The backtest on real NBS figures and its reliability table are in ``docs/targets.md``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Smallest spread of the year-end revision, in percentage points, per quarter of the year left.
SPREAD_FLOOR_PP = 0.25
#: Earlier years needed before a growth forecast is given.
MIN_YEARS = 2


@dataclass(frozen=True, slots=True)
class Forecast:
    """Where a measure is expected to end: median and P10/P90, P(goal met), and the basis."""

    median: float
    p10: float
    p90: float
    probability: float
    years_used: int
    method: str

    @property
    def fan(self) -> tuple[float, float, float]:
        """(P10, P50, P90)."""
        return self.p10, self.median, self.p90


def _prob(dist: stats.rv_continuous, goal: float, comparator: str) -> float:
    below = float(dist.cdf(goal))
    return below if comparator in ("<", "<=") else 1.0 - below


def _t_forecast(
    centre: float, spread: float, n: int, goal: float, comparator: str, method: str
) -> Forecast:
    dist = stats.t(df=max(n - 1, 1), loc=centre, scale=spread * math.sqrt(1 + 1 / n))
    p10, p50, p90 = (float(dist.ppf(q)) for q in (0.1, 0.5, 0.9))
    return Forecast(p50, p10, p90, _prob(dist, goal, comparator), n, method)


def robust_spread(values: np.ndarray) -> float:
    """1.4826 × median absolute deviation (a standard deviation that ignores one wild year).

    >>> round(robust_spread(np.array([-0.2, -0.2, 0.4, -0.8])), 4)
    0.4448
    """
    med = float(np.median(values))
    return 1.4826 * float(np.median(np.abs(values - med)))


def momentum_projection(ytd: float, month_growth: float | None, month: int) -> float:
    """Year-end growth if the rest of the year grows like the latest single month.

    ``G_m + w_m · (g_m − G_m)`` with ``w_m = (12 − m)/12`` the share of the year still to come
    and ``g_m`` the latest single month's growth; ``G_m`` alone when ``g_m`` is unknown.

    >>> round(momentum_projection(-7.2, 3.3, 9), 3)
    -4.575
    """
    if month_growth is None or not math.isfinite(month_growth):
        return ytd
    return ytd + (12 - month) / 12 * (month_growth - ytd)


def growth_forecast(
    ytd_growth: Mapping[int, Mapping[int, float]],
    year: int,
    month: int,
    goal_pct: float,
    comparator: str = ">=",
    month_growth: Mapping[int, Mapping[int, float]] | None = None,
) -> Forecast | None:
    """Final-year growth (percent) forecast from the year-to-date growth of ``month``.

    ``ytd_growth`` maps a year to ``{month: year-to-date growth in percent}`` with month 12 the
    final value; ``month_growth`` the same for single-month growth (optional). The point
    projection is :func:`momentum_projection`; its error ``r = G_Dec − projection`` is read from
    the years before ``year`` only, so a forecast made in ``year`` never sees that year's outcome.
    Returns ``None`` when ``year`` has no value for ``month`` or fewer than :data:`MIN_YEARS`
    earlier years have both ``month`` and December.

    >>> history = {2017: {9: 10.4, 12: 10.2}, 2019: {9: 8.2, 12: 8.0}, 2023: {9: 6.8}}
    >>> f = growth_forecast(history, 2023, 9, 7.0)
    >>> round(f.median, 2), f.years_used, f.probability < 0.5
    (6.6, 2, True)
    """
    singles = month_growth or {}
    current = ytd_growth.get(year, {}).get(month)
    if current is None or not math.isfinite(current):
        return None
    if month == 12:
        met = _meets(current, comparator, goal_pct)
        return Forecast(current, current, current, float(met), 0, "final")
    errors = []
    for y in sorted(ytd_growth):
        row = ytd_growth[y]
        if y >= year or month not in row or 12 not in row:
            continue
        if not (math.isfinite(row[12]) and math.isfinite(row[month])):
            continue
        errors.append(
            row[12] - momentum_projection(row[month], singles.get(y, {}).get(month), month)
        )
    residuals = np.array(errors, dtype=float)
    n = residuals.size
    if n < MIN_YEARS:
        return None
    floor = SPREAD_FLOOR_PP * math.sqrt(max(12 - month, 1) / 3)
    spread = max(robust_spread(residuals), floor)
    point = momentum_projection(current, singles.get(year, {}).get(month), month)
    centre = point + float(np.median(residuals))
    return _t_forecast(centre, spread, n, goal_pct, comparator, "growth_momentum")


def drift_forecast(
    annual: Mapping[int, float],
    latest_year: int,
    latest_value: float,
    end_year: int,
    goal: float,
    comparator: str = ">=",
) -> Forecast | None:
    """Value at ``end_year`` as a random walk with drift on the yearly changes before it.

    The changes are those of the yearly values up to ``latest_year`` (older values only: no
    look-ahead); needs two changes. ``latest_value`` is the freshest observation (a partial
    year's value or the latest yearly value).

    >>> f = drift_forecast({2022: 10, 2023: 12, 2024: 14}, 2024, 14.0, 2026, 18.0)
    >>> round(f.median, 6), f.probability > 0.4
    (18.0, True)
    """
    years = sorted(y for y in annual if y <= latest_year)
    values = np.array([annual[y] for y in years], dtype=float)
    if values.size < 3 or not all(b - a == 1 for a, b in itertools.pairwise(years)):
        return None
    changes = np.diff(values)
    steps = max(end_year - latest_year, 0)
    if steps == 0:
        met = _meets(latest_value, comparator, goal)
        return Forecast(latest_value, latest_value, latest_value, float(met), changes.size, "final")
    n = changes.size
    spread = float(np.std(changes, ddof=1)) if n > 1 else 0.0
    spread = max(spread, abs(float(np.mean(changes))) * 0.1, 1e-9) * math.sqrt(steps)
    centre = latest_value + float(np.mean(changes)) * steps
    return _t_forecast(centre, spread, n, goal, comparator, "yearly_drift")


def sum_forecast(
    flows: list[float], done: float, left_years: float, goal: float, comparator: str = ">="
) -> Forecast | None:
    """A total over a span: ``done`` so far plus ``left_years`` more of a yearly flow.

    The yearly flows seen so far (before the current year) give the mean and spread; the rest
    of the span adds ``left × mean`` with spread ``sd × sqrt(left)`` (t predictive, n − 1 degrees
    of freedom). Needs two yearly flows.

    >>> f = sum_forecast([300.0, 320.0], 250.0, 2.25, 1000.0)
    >>> round(f.median, 1), f.probability < 0.5
    (947.5, True)
    """
    if left_years <= 0:
        met = _meets(done, comparator, goal)
        return Forecast(done, done, done, float(met), len(flows), "final")
    if len(flows) < 2:
        return None
    values = np.array(flows, dtype=float)
    mean = float(values.mean())
    spread = max(float(values.std(ddof=1)), abs(mean) * 0.1, 1e-9) * math.sqrt(left_years)
    return _t_forecast(done + mean * left_years, spread, values.size, goal, comparator, "span_sum")


def _meets(observed: float, comparator: str, goal: float) -> bool:
    if comparator == "<":
        return observed < goal
    if comparator == "<=":
        return observed <= goal
    if comparator == ">":
        return observed > goal
    return observed >= goal


def growth_history_from_levels(
    cumulative_by_year: Mapping[int, list[float]], months: tuple[int, ...]
) -> dict[int, dict[int, float]]:
    """Year-to-date growth (percent) derived from cumulative levels of consecutive years.

    ``cumulative_by_year`` holds 11 cumulative values per year (Jan–Feb first); ``months`` gives
    the calendar month that closes each period. Used when a series publishes no growth rate.

    >>> months = tuple(range(2, 13))
    >>> out = growth_history_from_levels({2024: [10.0] * 11, 2025: [11.0] * 11}, months)
    >>> round(out[2025][12], 6)
    10.0
    """
    out: dict[int, dict[int, float]] = {}
    for year in sorted(cumulative_by_year):
        prev = cumulative_by_year.get(year - 1)
        if prev is None:
            continue
        row: dict[int, float] = {}
        for i, month in enumerate(months):
            a, b = prev[i], cumulative_by_year[year][i]
            if math.isfinite(a) and math.isfinite(b) and a > 0:
                row[month] = (b / a - 1) * 100
        if row:
            out[year] = row
    return out


#: Why no probability is given, in words (zh, en), by reason.
TOO_SHORT = {
    "growth": (
        "历史数据不足（需至少两个往年同期及全年增速），暂无法给出达标概率。",
        "History too short (at least two earlier years with this month and the full year are "
        "needed): no probability of meeting the target yet.",
    ),
    "yearly": (
        "年度数据不足（需至少连续三年），暂无法给出达标概率。",
        "Too few yearly values (three consecutive years are needed): no probability yet.",
    ),
}
