"""Plain numeric formulas of METHODOLOGY.md §1 on numpy arrays (growth as fractions).

Growth rates here are fractions (0.047 for 4.7 %); callers holding percentages divide by 100.
Every function is element-wise and returns NaN where an input is missing (NaN) or a
denominator is zero, never raising: a missing month must not stop a monthly release.

Worked example (NBS, national 社零 2024): Jan–Feb YTD 81 307 亿元 +5.5 %, Jan–Mar YTD 120 327 亿元
+4.7 %; the single month of March follows as +3.07 % (published: 3.1 %).

>>> g = single_period_growth(120327, 0.047, 81307, 0.055)
>>> round(float(g) * 100, 2)
3.07
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

__all__ = [
    "comparable_base",
    "contribution_pp",
    "growth",
    "share",
    "single_period_growth",
    "single_periods_from_cumulative",
    "two_year_average",
]


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=(den != 0) & ~np.isnan(den))
    return out


def comparable_base(level: ArrayLike, growth_rate: ArrayLike) -> FloatArray:
    """Prior-year comparable base ``B = Y / (1 + g)`` (NBS 可比口径).

    ``g = -1`` (a fall to zero) has no base: NaN.

    >>> comparable_base([150.0, 50.0], [0.5, -1.0]).tolist()
    [100.0, nan]
    """
    return _safe_div(_f(level), 1.0 + _f(growth_rate))


def single_period_growth(
    cum: ArrayLike, cum_growth: ArrayLike, prev_cum: ArrayLike, prev_cum_growth: ArrayLike
) -> FloatArray:
    """Growth of one period from two cumulative (YTD) levels and their published growth.

    ``g_m = (C_m - C_{m-1}) / (C_m/(1+G_m) - C_{m-1}/(1+G_{m-1})) - 1``. Jan–Feb is the first
    period of the year: there the YTD growth *is* the period growth (pass ``prev_cum=0`` and
    ``prev_cum_growth=0``). March's previous period is Jan–Feb. A zero comparable base gives NaN.

    >>> round(float(single_period_growth(81307, 0.055, 0, 0)), 3)
    0.055
    """
    c, g, cp, gp = _f(cum), _f(cum_growth), _f(prev_cum), _f(prev_cum_growth)
    base = comparable_base(c, g) - comparable_base(cp, gp)
    return _safe_div(c - cp, base) - 1.0


def single_periods_from_cumulative(
    months: ArrayLike, cum: ArrayLike, cum_growth: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Single-period levels and growth for one year's YTD series.

    ``months`` are the end months of the cumulative periods in increasing order (2 for Jan–Feb,
    then 3, 4, …; never 1). Each period's predecessor is the previous entry only when it is the
    previous month (or Jan–Feb before March); after a gap the period is NaN, not guessed.

    >>> lv, gr = single_periods_from_cumulative([2, 3], [81307, 120327], [0.055, 0.047])
    >>> lv.tolist(), [round(x, 4) for x in gr.tolist()]
    ([81307.0, 39020.0], [0.055, 0.0307])
    """
    m, c, g = _f(months), _f(cum), _f(cum_growth)
    levels = np.full(m.shape, np.nan)
    rates = np.full(m.shape, np.nan)
    for i in range(len(m)):
        if m[i] == 2:
            levels[i], rates[i] = c[i], g[i]
        elif i > 0 and m[i - 1] == m[i] - 1:
            levels[i] = c[i] - c[i - 1]
            rates[i] = float(single_period_growth(c[i], g[i], c[i - 1], g[i - 1]))
    return levels, rates


def contribution_pp(
    component: ArrayLike, component_base: ArrayLike, total_base: ArrayLike
) -> FloatArray:
    """Contribution (拉动) of a component, percentage points: ``(Y_i - B_i) / B_total * 100``.

    >>> contribution_pp([30.0], [25.0], [200.0]).tolist()
    [2.5]
    """
    return _safe_div(_f(component) - _f(component_base), _f(total_base)) * 100.0


def two_year_average(g_t: ArrayLike, g_prev: ArrayLike) -> FloatArray:
    """Two-year average growth ``sqrt((1+g_t)(1+g_{t-1})) - 1`` (NBS 两年平均增速).

    A product below zero (a fall of more than 100 %) has no real root: NaN.

    >>> round(float(two_year_average(0.21, 0.0)), 4)
    0.1
    """
    prod = (1.0 + _f(g_t)) * (1.0 + _f(g_prev))
    out = np.full(prod.shape, np.nan)
    np.sqrt(prod, out=out, where=prod >= 0)
    return out - 1.0


def growth(current: ArrayLike, previous: ArrayLike) -> FloatArray:
    """Plain growth ``current / previous - 1``; only for the same panel or the same set.

    Never apply it to published levels of different years (the 限上 set changes): use the
    published rate instead. Zero or missing ``previous`` gives NaN.

    >>> growth([150.0, 1.0], [100.0, 0.0]).tolist()
    [0.5, nan]
    """
    return _safe_div(_f(current), _f(previous)) - 1.0


def share(
    numerator: ArrayLike, denominator: ArrayLike, scale: float = 100.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A share ``numerator / denominator * scale`` returned with its numerator and denominator.

    Ratios keep both parts so they can be re-aggregated; a zero denominator gives NaN.

    >>> share([1.0, 2.0], [3.0, 0.0])[0].round(4).tolist()
    [33.3333, nan]
    """
    num, den = _f(numerator), _f(denominator)
    return _safe_div(num, den) * scale, num, den
