"""Backtest of the projection methods on past years (METHODOLOGY §6).

For every past year and every period before December, the information available at that period
(that year's year-to-date level and growth, and earlier years) is turned into a projection; the
verdict "target met / not met" is compared with what the year actually did. The hit rate is
shown next to every projection, so a reader knows how far to trust it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from consumption_monitor.targets.projection import (
    PERIODS,
    FloatArray,
    comparable_base,
    probability_met,
    project_run_rate,
    project_seasonal_share,
    seasonal_share_benchmark,
    simulate_remaining,
    single_periods,
)

Method = Literal["seasonal_share", "run_rate", "probabilistic"]
METHODS: tuple[Method, ...] = ("seasonal_share", "run_rate", "probabilistic")


@dataclass(slots=True)
class BacktestResult:
    """Hit rate and error of one method over (year, period) cases."""

    method: Method
    cases: int = 0
    hits: int = 0
    abs_errors_pp: list[float] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        """Share of cases whose met/not-met verdict matched the outcome (nan with no case)."""
        return self.hits / self.cases if self.cases else float("nan")

    @property
    def mean_abs_error_pp(self) -> float:
        """Mean absolute error of the projected annual growth, percentage points."""
        return float(np.mean(self.abs_errors_pp)) if self.abs_errors_pp else float("nan")


def backtest(
    cumulative: FloatArray,
    ytd_growth: FloatArray,
    target_growth: float,
    *,
    min_years: int = 2,
    methods: tuple[Method, ...] = METHODS,
    repetitions: int = 400,
    seed: int = 0,
) -> dict[Method, BacktestResult]:
    """Backtest each method on the years of ``cumulative`` (shape ``(years, 11)``).

    ``ytd_growth`` has the same shape: published year-to-date growth as fractions. The comparable
    annual base of year ``y`` is ``C_Dec / (1 + G_Dec)`` (never last year's published level, whose
    enterprise set differs). Years before ``min_years`` only feed the seasonal pattern. Periods
    with a missing value are skipped. The probabilistic method needs two years of single-period
    history before the case and counts a verdict of "met" when P(met) ≥ 0.5.
    """
    levels = np.asarray(cumulative, dtype=float)
    growth = np.asarray(ytd_growth, dtype=float)
    if levels.shape != growth.shape or levels.ndim != 2 or levels.shape[1] != PERIODS:
        msg = f"cumulative and ytd_growth must both have shape (years, {PERIODS})"
        raise ValueError(msg)
    results = {m: BacktestResult(m) for m in methods}
    singles = np.vstack([single_periods(row) for row in levels])
    for year in range(min_years, levels.shape[0]):
        if np.isnan(levels[year, -1]) or np.isnan(growth[year, -1]):
            continue
        base = comparable_base(levels[year, -1], growth[year, -1])
        actual_met = growth[year, -1] >= target_growth
        shares = seasonal_share_benchmark(levels[:year])
        for period in range(PERIODS - 1):
            ytd, g = levels[year, period], growth[year, period]
            if np.isnan(ytd) or np.isnan(g):
                continue
            for method in methods:
                projected = _project(
                    method, ytd, g, base, shares[period], singles, year, period,
                    target_growth, repetitions, seed,
                )  # fmt: skip
                if projected is None:
                    continue
                verdict, projected_growth = projected
                res = results[method]
                res.cases += 1
                res.hits += int(verdict == actual_met)
                res.abs_errors_pp.append(abs(projected_growth - growth[year, -1]) * 100)
    return results


def _project(
    method: Method,
    ytd: float,
    growth: float,
    base: float,
    share: float,
    singles: FloatArray,
    year: int,
    period: int,
    target_growth: float,
    repetitions: int,
    seed: int,
) -> tuple[bool, float] | None:
    """(verdict met?, projected annual growth) for one case, or None when not computable."""
    target_level = base * (1 + target_growth)
    if method == "seasonal_share":
        level = project_seasonal_share(ytd, share)
        if not np.isfinite(level):
            return None
        return level >= target_level, level / base - 1
    if method == "run_rate":
        level = project_run_rate(base, growth)
        return level >= target_level, growth
    history = np.concatenate([singles[:year].ravel(), singles[year, : period + 1]])
    history = history[np.isfinite(history)]
    if history.size < 2 * PERIODS:
        return None
    paths = simulate_remaining(history, PERIODS - 1 - period, repetitions=repetitions, seed=seed)
    p = probability_met(ytd, paths, target_level)
    median_total = ytd + float(np.median(paths.sum(axis=1)))
    return p >= 0.5, median_total / base - 1


#: Thresholds of the "growth ≥ X" calls, relative to the year-to-date growth rounded to 0.5 pp.
CALL_OFFSETS_PP: tuple[float, ...] = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)


@dataclass(slots=True)
class GrowthCall:
    """One backtested call: as of ``month`` of ``year``, will full-year growth reach ``goal``?"""

    year: int
    month: int
    goal: float
    probability: float
    projected: float
    actual: float

    @property
    def met(self) -> bool:
        """What the year actually did."""
        return self.actual >= self.goal

    @property
    def right(self) -> bool:
        """The call (met when P ≥ 0.5) matched the outcome."""
        return (self.probability >= 0.5) == self.met


def growth_backtest(
    ytd_growth: dict[int, dict[int, float]],
    *,
    offsets: tuple[float, ...] = CALL_OFFSETS_PP,
    months: tuple[int, ...] = tuple(range(2, 12)),
    month_growth: dict[int, dict[int, float]] | None = None,
) -> tuple[list[GrowthCall], list[tuple[int, int]]]:
    """Calls of :func:`~consumption_monitor.targets.forecast.growth_forecast`, no look-ahead.

    For every year with a final value and every month before December that has a published
    year-to-date growth, the forecast is made from earlier years only, for goals ``X`` at
    ``round_half(G_m) + offset``. Returns the calls and the (year, month) cases skipped because
    the history was too short.
    """
    from consumption_monitor.targets.forecast import growth_forecast

    calls: list[GrowthCall] = []
    skipped: list[tuple[int, int]] = []
    for year in sorted(ytd_growth):
        actual = ytd_growth[year].get(12)
        if actual is None:
            continue
        for month in months:
            g = ytd_growth[year].get(month)
            if g is None:
                continue
            anchor = round(g * 2) / 2
            for offset in offsets:
                goal = anchor + offset
                f = growth_forecast(ytd_growth, year, month, goal, month_growth=month_growth)
                if f is None:
                    skipped.append((year, month))
                    break
                calls.append(GrowthCall(year, month, goal, f.probability, f.median, actual))
    return calls, skipped


def by_month(calls: list[GrowthCall]) -> dict[int, tuple[int, float, float]]:
    """Per month: (calls, hit rate, mean absolute error of the projected growth in pp)."""
    out: dict[int, tuple[int, float, float]] = {}
    for month in sorted({c.month for c in calls}):
        group = [c for c in calls if c.month == month]
        cases = {(c.year, c.month): c for c in group}.values()  # one error per (year, month)
        err = float(np.mean([abs(c.projected - c.actual) for c in cases]))
        out[month] = (len(group), float(np.mean([c.right for c in group])), err)
    return out


def reliability(
    calls: list[GrowthCall], edges: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
) -> list[tuple[float, float, int, float, float]]:
    """Reliability table: (bin low, bin high, calls, mean P, share met) per probability bin."""
    rows = []
    for low, high in itertools.pairwise(edges):
        group = [
            c for c in calls
            if low <= c.probability < high or (high == edges[-1] and c.probability == high)
        ]  # fmt: skip
        if group:
            rows.append((
                low, high, len(group),
                float(np.mean([c.probability for c in group])),
                float(np.mean([c.met for c in group])),
            ))  # fmt: skip
    return rows
