"""Standardisation of an indicator matrix (METHODOLOGY.md §5).

Every function takes a matrix ``x`` of shape ``(n_rows, n_indicators)`` (one row per unit, or per
unit-period when several periods are pooled) and a boolean ``cost`` mask of length
``n_indicators`` (``True`` = lower is better, 逆向指标). Every function returns *oriented* scores:
higher is always better, so cost indicators are reversed here and nowhere else.

For min-max, z-score, vector and efficacy-coefficient scores the reversal is a reflection
(``s -> c - s``), which preserves distances: TOPSIS on the oriented matrix with every criterion
treated as a benefit equals textbook TOPSIS on the unreversed matrix with the cost ideals reversed.

Inputs must be finite; missing values are resolved by the engine before standardising (see
``engine.py``), and a non-finite value here raises :class:`EvaluationError`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from consumption_monitor.errors import EvaluationError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

StandardisationMethod = Literal["minmax", "zscore", "vector", "efficacy", "threshold"]
STANDARDISATION_METHODS: tuple[str, ...] = ("minmax", "zscore", "vector", "efficacy", "threshold")


def _check(x: FloatArray, cost: BoolArray) -> tuple[FloatArray, BoolArray]:
    arr = np.asarray(x, dtype=np.float64)
    mask = np.asarray(cost, dtype=np.bool_)
    if arr.ndim != 2:
        raise EvaluationError(
            f"expected a 2-D indicator matrix, got {arr.ndim} dimension(s)",
            f"指标矩阵应为二维，实际为 {arr.ndim} 维",
        )
    if mask.shape != (arr.shape[1],):
        raise EvaluationError(
            "the cost mask must have one entry per indicator column",
            "逆向指标标记的个数必须与指标列数一致",
        )
    if not np.all(np.isfinite(arr)):
        raise EvaluationError(
            "the indicator matrix contains missing or infinite values",
            "指标矩阵含缺失值或无穷值",
            hint_en="resolve missing values first (the engine does this by the scheme's policy)",
            hint_zh="请先按方案的缺失值规则处理缺失值",
        )
    return arr, mask


def minmax(x: FloatArray, cost: BoolArray) -> FloatArray:
    """Min-max (极差) scores in [0, 1]: benefit ``(x-min)/(max-min)``, cost ``(max-x)/(max-min)``.

    Edge: a column where every row has the same value (``max == min``) scores 1.0 for every row:
    nobody is behind, the column cannot change ranks, and its entropy weight is 0.

    >>> minmax(np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 20.0]]), np.array([False, True]))
    array([[0. , 1. ],
           [1. , 0. ],
           [0.5, 0.5]])
    """
    arr, mask = _check(x, cost)
    lo = arr.min(axis=0)
    hi = arr.max(axis=0)
    span = hi - lo
    flat = span == 0
    safe = np.where(flat, 1.0, span)
    benefit = (arr - lo) / safe
    reverse = (hi - arr) / safe
    out = np.where(mask, reverse, benefit)
    out[:, flat] = 1.0
    return np.asarray(out, dtype=np.float64)


def zscore(x: FloatArray, cost: BoolArray) -> FloatArray:
    """Z-scores ``(x-mean)/sd`` with the population sd (ddof=0); cost columns are negated.

    Edge: a constant column (sd = 0) scores 0.0 for every row. Scores are negative below the mean,
    so z-scores cannot feed entropy weights (the engine computes entropy on min-max scores).

    >>> zscore(np.array([[1.0], [3.0]]), np.array([False]))
    array([[-1.],
           [ 1.]])
    """
    arr, mask = _check(x, cost)
    mean = arr.mean(axis=0)
    sd = arr.std(axis=0)
    safe = np.where(sd == 0, 1.0, sd)
    z = (arr - mean) / safe
    z[:, sd == 0] = 0.0
    return np.asarray(np.where(mask, -z, z), dtype=np.float64)


def vector(x: FloatArray, cost: BoolArray) -> FloatArray:
    """Vector normalisation ``x/sqrt(Σ x²)``; cost columns become ``1 - x/sqrt(Σ x²)``.

    The ``1 - r`` reversal of cost columns is a reflection, so TOPSIS distances are unchanged
    (practice: 逆向指标取 1 − r). Edge: an all-zero column gives 0.0 (benefit) or 1.0 (cost) for
    every row.

    >>> vector(np.array([[3.0], [4.0]]), np.array([False]))
    array([[0.6],
           [0.8]])
    """
    arr, mask = _check(x, cost)
    norm = np.sqrt((arr**2).sum(axis=0))
    safe = np.where(norm == 0, 1.0, norm)
    r = arr / safe
    return np.asarray(np.where(mask, 1.0 - r, r), dtype=np.float64)


def efficacy(x: FloatArray, cost: BoolArray) -> FloatArray:
    """Efficacy coefficient (功效系数) ``60 + 40·z`` with ``z`` the min-max score: range [60, 100].

    Edge: a constant column scores 100 for every row (min-max gives 1.0).

    >>> efficacy(np.array([[0.0], [5.0], [10.0]]), np.array([False]))
    array([[ 60.],
           [ 80.],
           [100.]])
    """
    return 60.0 + 40.0 * minmax(x, cost)


def threshold(
    x: FloatArray, cost: BoolArray, targets: FloatArray, *, cap: float = 1.0
) -> FloatArray:
    """Attainment against a target (达标/目标值法), in [0, cap].

    Benefit: ``x/target`` floored at 0 and capped at ``cap``; cost: ``target/x`` capped at ``cap``
    (a cost value at or below 0 earns ``cap``). ``cap = 1.0`` means meeting the target earns full
    marks and over-achievement is not rewarded; a scheme may set e.g. 1.2. Every target must be
    positive and finite, otherwise :class:`EvaluationError`.

    >>> x = np.array([[4.0, 14.0], [6.0, 3.0]])
    >>> threshold(x, np.array([False, True]), np.array([5.0, 7.0]))
    array([[0.8, 0.5],
           [1. , 1. ]])
    """
    arr, mask = _check(x, cost)
    tgt = np.asarray(targets, dtype=np.float64)
    if tgt.shape != (arr.shape[1],) or not np.all(np.isfinite(tgt)) or np.any(tgt <= 0):
        raise EvaluationError(
            "threshold standardisation needs one positive target per indicator",
            "目标值标准化要求每个指标都有一个正的目标值",
            hint_en="set `target:` on every indicator of the scheme",
            hint_zh="请在方案的每个指标下填写 target",
        )
    if not cap > 0:
        raise EvaluationError("the attainment cap must be positive", "达标上限必须为正数")
    with np.errstate(divide="ignore", invalid="ignore"):
        benefit = np.clip(arr / tgt, 0.0, cap)
        reverse = np.where(arr <= 0, cap, np.minimum(tgt / np.where(arr <= 0, 1.0, arr), cap))
    return np.asarray(np.where(mask, reverse, benefit), dtype=np.float64)


def standardise(
    x: FloatArray,
    cost: BoolArray,
    method: StandardisationMethod,
    *,
    targets: FloatArray | None = None,
    cap: float = 1.0,
) -> FloatArray:
    """Dispatch to one of the methods above by name."""
    if method == "minmax":
        return minmax(x, cost)
    if method == "zscore":
        return zscore(x, cost)
    if method == "vector":
        return vector(x, cost)
    if method == "efficacy":
        return efficacy(x, cost)
    if method == "threshold":
        if targets is None:
            raise EvaluationError(
                "threshold standardisation needs targets", "目标值标准化需要目标值"
            )
        return threshold(x, cost, targets, cap=cap)
    raise EvaluationError(
        f"unknown standardisation method {method!r}; use one of {STANDARDISATION_METHODS}",
        f"未知的标准化方法 {method!r}，可选 {STANDARDISATION_METHODS}",
    )
