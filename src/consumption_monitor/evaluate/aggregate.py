"""Aggregation of standardised scores into one composite score (METHODOLOGY.md §5).

Plain functions: ``r`` is ``(n_units, n_indicators)``, ``w`` sums to 1. Ranking lives here too,
because ties must be handled the same way everywhere (scores, sensitivity, explanation).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from consumption_monitor.errors import EvaluationError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

AggregationMethod = Literal["weighted_sum", "topsis"]

#: Scores equal to this many decimals share a rank (guards against floating-point noise).
RANK_DECIMALS = 10


def _check(r: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    arr = np.asarray(r, dtype=np.float64)
    ww = np.asarray(w, dtype=np.float64)
    if arr.ndim != 2 or ww.shape != (arr.shape[1],):
        raise EvaluationError(
            "weights must have one entry per indicator column", "权重个数必须与指标列数一致"
        )
    return arr, ww


def weighted_sum(r: FloatArray, w: FloatArray) -> FloatArray:
    """Linear weighted sum ``S_i = Σ_j w_j r_ij``.

    >>> weighted_sum(np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([0.75, 0.25])).tolist()
    [0.75, 0.5]
    """
    arr, ww = _check(r, w)
    return np.asarray(arr @ ww, dtype=np.float64)


def topsis(
    r: FloatArray,
    w: FloatArray,
    cost: BoolArray | None = None,
    *,
    ideal: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """TOPSIS closeness. Returns ``(C, D_plus, D_minus)``.

    ``v_ij = w_j r_ij``; ideal best ``v+_j = max_i v_ij`` and worst ``v-_j = min_i v_ij``, reversed
    for cost criteria (``cost[j]`` True); Euclidean distances ``D+``, ``D−``;
    ``C_i = D−_i / (D+_i + D−_i)``. The engine passes oriented scores (cost already reversed by
    standardisation) and no ``cost`` mask. ``ideal`` fixes ``(v+, v−)`` instead of deriving them
    (used by the explanation's what-if).

    Edge: when every unit is identical (``D+ = D− = 0``) every closeness is 1.0 (nobody is behind).

    >>> c, dp, dm = topsis(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.5, 0.5]))
    >>> c.tolist()
    [0.5, 0.5, 1.0]
    """
    arr, ww = _check(r, w)
    mask = np.zeros(arr.shape[1], dtype=np.bool_) if cost is None else np.asarray(cost, np.bool_)
    v = arr * ww
    if ideal is None:
        best = np.where(mask, v.min(axis=0), v.max(axis=0))
        worst = np.where(mask, v.max(axis=0), v.min(axis=0))
    else:
        best, worst = ideal
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    denom = d_plus + d_minus
    safe = np.where(denom == 0, 1.0, denom)
    c = np.where(denom == 0, 1.0, d_minus / safe)
    return (
        np.asarray(c, np.float64),
        np.asarray(d_plus, np.float64),
        np.asarray(d_minus, np.float64),
    )


def topsis_ideals(v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ideal best and worst of an oriented weighted matrix ``v`` (column max and min)."""
    arr = np.asarray(v, dtype=np.float64)
    return arr.max(axis=0), arr.min(axis=0)


def aggregate(r: FloatArray, w: FloatArray, method: AggregationMethod) -> FloatArray:
    """Composite score of oriented scores ``r`` by the named method (higher is better)."""
    if method == "weighted_sum":
        return weighted_sum(r, w)
    if method == "topsis":
        return topsis(r, w)[0]
    raise EvaluationError(
        f"unknown aggregation {method!r}; use weighted_sum or topsis",
        f"未知的合成方法 {method!r}，可选 weighted_sum 或 topsis",
    )


def rank_scores(scores: FloatArray) -> IntArray:
    """Competition ranks, 1 = best: equal scores (to 10 decimals) share the best rank (1, 2, 2, 4).

    >>> rank_scores(np.array([0.5, 0.9, 0.5, 0.1])).tolist()
    [2, 1, 2, 4]
    """
    s = np.round(np.asarray(scores, dtype=np.float64), RANK_DECIMALS)
    # rank = 1 + number of units with a strictly higher score
    return np.asarray(1 + (s[None, :] > s[:, None]).sum(axis=1), dtype=np.int64)
