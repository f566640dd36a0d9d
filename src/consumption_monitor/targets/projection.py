"""Will the target be met? Plain functions on numbers and arrays (METHODOLOGY §6).

Notation (METHODOLOGY §6): target growth ``g*``, prior-year comparable annual level ``A``,
year-to-date level ``C_m``, year-to-date growth ``G_m``, comparable base ``B_m = C_m/(1+G_m)``,
``w_m = B_m/A``.

A statistical year has **11 periods**, not 12: NBS surveys January and February together, so
period 0 is Jan–Feb, period 1 is March … period 10 is December. Arrays of cumulative values are
indexed that way (``PERIODS``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Calendar month that closes each statistical period (Jan–Feb closes in February).
PERIOD_MONTHS: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
PERIODS = len(PERIOD_MONTHS)


def period_index(month: int) -> int:
    """Statistical period of a calendar month: January and February are both period 0.

    >>> period_index(1), period_index(2), period_index(3), period_index(12)
    (0, 0, 1, 10)
    """
    if not 1 <= month <= 12:
        msg = f"month must be 1..12, got {month}"
        raise ValueError(msg)
    return max(month - 2, 0)


def comparable_base(level: float, growth: float) -> float:
    """The prior-year comparable base ``B = Y/(1+g)``; growth as a fraction (0.05 = 5 %).

    >>> round(comparable_base(105.0, 0.05), 6)
    100.0
    """
    return level / (1.0 + growth)


def required_growth(
    annual_base: float, target_growth: float, ytd: float, ytd_growth: float
) -> float:
    """Growth needed over the rest of the year to reach ``A(1+g*)``.

    ``(A(1+g*) - C_m) / (A - B_m) - 1``. When nothing remains of the year (``A == B_m``, i.e.
    December), the answer is undefined and ``nan`` is returned.

    Worked example: A = 100, g* = 5 %, C_m = 50 at G_m = 4 % → B_m = 48.077 and the rest of the
    year must grow by 5.93 %:

    >>> round(required_growth(100.0, 0.05, 50.0, 0.04), 6)
    0.059259
    """
    base_m = comparable_base(ytd, ytd_growth)
    remaining_base = annual_base - base_m
    if abs(remaining_base) < 1e-12 * max(abs(annual_base), 1.0):
        return float("nan")
    return (annual_base * (1.0 + target_growth) - ytd) / remaining_base - 1.0


def required_growth_from_growth(target_growth: float, weight: float, ytd_growth: float) -> float:
    """Growth-only form ``(g* - w_m·G_m)/(1 - w_m)`` for series published as growth rates.

    ``weight`` is ``w_m = B_m/A``, the year-to-date share of the prior-year comparable total
    (from a prior year's seasonal pattern when the levels are unpublished). ``nan`` at w = 1.

    >>> round(required_growth_from_growth(0.05, 48.0769230769 / 100.0, 0.04), 6)
    0.059259
    """
    if abs(1.0 - weight) < 1e-12:
        return float("nan")
    return (target_growth - weight * ytd_growth) / (1.0 - weight)


def seasonal_share_benchmark(cumulative_by_year: FloatArray) -> FloatArray:
    """Average share of the annual total reached by each period, over past years.

    ``cumulative_by_year`` has one row per past year and 11 columns of cumulative levels
    (Jan–Feb … December); rows with a missing December are ignored. This is the 序时进度
    benchmark: retail is December-heavy and Jan–Feb is one period, so ``m/12`` is wrong.

    >>> year = np.array([[10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100.0]])
    >>> float(seasonal_share_benchmark(year)[0])
    0.1
    """
    rows = np.asarray(cumulative_by_year, dtype=float)
    if rows.ndim != 2 or rows.shape[1] != PERIODS:
        msg = f"expected shape (years, {PERIODS}), got {rows.shape}"
        raise ValueError(msg)
    complete = rows[~np.isnan(rows[:, -1])]
    if complete.size == 0:
        return np.full(PERIODS, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns give nan, by design
        return np.asarray(np.nanmean(complete / complete[:, -1:], axis=0), dtype=float)


@dataclass(frozen=True, slots=True)
class TimeProgress:
    """序时进度: progress toward the annual target against the seasonal benchmark."""

    progress: float  # C_m / (A(1+g*))
    benchmark: float  # average prior-year share s̄_m reached by this period
    gap_pp: float  # (progress - benchmark) in percentage points

    @property
    def ahead(self) -> bool:
        """True when the year-to-date level is at or ahead of the seasonal pace."""
        return self.gap_pp >= 0


def time_progress(
    ytd: float, annual_base: float, target_growth: float, share: float
) -> TimeProgress:
    """Compare ``C_m / (A(1+g*))`` with the seasonal share ``s̄_m`` (never with m/12).

    >>> tp = time_progress(52.5, 100.0, 0.05, 0.5)
    >>> round(tp.progress, 3), tp.benchmark, round(tp.gap_pp, 1), tp.ahead
    (0.5, 0.5, 0.0, True)
    """
    progress = ytd / (annual_base * (1.0 + target_growth))
    return TimeProgress(progress, share, (progress - share) * 100.0)


def project_seasonal_share(ytd: float, share: float) -> float:
    """Annual level projected as ``C_m / s̄_m`` (the year keeps its usual seasonal pattern).

    >>> project_seasonal_share(50.0, 0.5)
    100.0
    """
    if not share > 0:
        return float("nan")
    return ytd / share


def project_run_rate(annual_base: float, ytd_growth: float) -> float:
    """Annual level if the year-to-date growth rate holds for the rest of the year: ``A(1+G_m)``.

    Growth, not the level, is carried forward: carrying the level (``C_m · 12/m``) would ignore the
    December peak and the Jan–Feb period.

    >>> round(project_run_rate(100.0, 0.04), 6)
    104.0
    """
    return annual_base * (1.0 + ytd_growth)


def single_periods(cumulative: FloatArray) -> FloatArray:
    """Single-period levels from cumulative ones (period 0 is Jan–Feb itself).

    >>> single_periods(np.array([10.0, 15.0, 21.0])).tolist()
    [10.0, 5.0, 6.0]
    """
    values = np.asarray(cumulative, dtype=float)
    return np.diff(values, prepend=0.0)


def simulate_remaining(
    history: FloatArray, remaining: int, *, repetitions: int = 2000, seed: int = 0
) -> FloatArray:
    """Simulated paths of the next ``remaining`` single-period levels.

    ``history`` holds single-period levels, oldest first, 11 per year (Jan–Feb … December), and
    ends at the latest observed period. An ETS model (additive error, additive trend, additive
    seasonality of length 11) is fitted on the log levels and simulated from the end of the data
    (statsmodels ``ETSResults.simulate(..., anchor="end")``). Returns an array of shape
    ``(repetitions, remaining)`` in levels. Needs at least two full years of history.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    values = np.asarray(history, dtype=float)
    if remaining <= 0:
        return np.zeros((repetitions, 0))
    if values.size < 2 * PERIODS or np.any(~np.isfinite(values)) or np.any(values <= 0):
        msg = "simulation needs two full years of positive single-period levels"
        raise ValueError(msg)
    with warnings.catch_warnings():
        # Convergence chatter from the optimiser is not an error in a projection.
        warnings.simplefilter("ignore")
        model = ETSModel(
            np.log(values), error="add", trend="add", damped_trend=True,
            seasonal="add", seasonal_periods=PERIODS,
        )  # fmt: skip
        fit = model.fit(disp=False)
        sims = fit.simulate(
            remaining, anchor="end", repetitions=repetitions, rng=np.random.default_rng(seed)
        )
    paths = np.exp(np.asarray(sims, dtype=float).reshape(remaining, repetitions).T)
    return np.asarray(paths, dtype=float)


def probability_met(ytd: float, paths: FloatArray, target_level: float) -> float:
    """Share of simulated paths whose annual total ``C_m + Σ path`` reaches ``target_level``.

    Each path is summed as a whole: per-month forecast intervals must never be added up into an
    annual interval (METHODOLOGY §6).

    >>> probability_met(50.0, np.array([[30.0, 30.0], [20.0, 20.0]]), 100.0)
    0.5
    """
    paths = np.asarray(paths, dtype=float)
    if paths.size == 0:
        return float(ytd >= target_level)
    totals = ytd + paths.sum(axis=1)
    return float(np.mean(totals >= target_level))
