"""Backtest of the projection methods on past years (METHODOLOGY §6).

For every past year and every period before December, the information available at that period
(that year's year-to-date level and growth, and earlier years) is turned into a projection; the
verdict "target met / not met" is compared with what the year actually did. The hit rate is
shown next to every projection, so a reader knows how far to trust it.
"""

from __future__ import annotations

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
