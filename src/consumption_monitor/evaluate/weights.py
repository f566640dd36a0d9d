"""Indicator weights: expert, AHP, entropy (熵权法) and combined (METHODOLOGY.md §5).

All functions are plain numpy; they refuse (:class:`EvaluationError`, bilingual) instead of
returning weights that cannot be defended: a negative weight, an inconsistent AHP matrix
(CR ≥ 0.1), an entropy matrix with negative entries or fewer than two rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from consumption_monitor.errors import EvaluationError

FloatArray = npt.NDArray[np.float64]

#: Saaty's random consistency index for n = 1..10 (METHODOLOGY.md §5; Saaty 1980).
RANDOM_INDEX: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
#: Saaty's acceptance rule: a pairwise matrix is consistent enough when CR < 0.1.
CR_LIMIT = 0.1

#: ``1 − e_j`` below this is rounding noise of a uniform column, i.e. no information.
ENTROPY_TOLERANCE = 1e-12

AHPMethod = Literal["eigenvector", "geometric_mean"]


def normalise_weights(raw: FloatArray) -> FloatArray:
    """Scale non-negative weights to sum to 1; refuse negatives, non-finite values or all zeros.

    >>> normalise_weights(np.array([2.0, 1.0, 1.0]))
    array([0.5 , 0.25, 0.25])
    """
    w = np.asarray(raw, dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise EvaluationError(
            "weights must be a non-empty list of non-negative numbers",
            "权重必须是非空的非负数列表",
        )
    total = w.sum()
    if total <= 0:
        raise EvaluationError(
            "weights sum to zero",
            "权重之和为零",
            hint_en="give at least one indicator a positive weight",
            hint_zh="请至少给一个指标正的权重",
        )
    return np.asarray(w / total, dtype=np.float64)


def entropy_weights(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Entropy weights of a non-negative standardised matrix ``z`` (rows = units).

    ``p_ij = z_ij / Σ_i z_ij``; ``e_j = -(1/ln n) Σ_i p_ij ln p_ij`` with ``0·ln 0 = 0``;
    ``w_j = (1 - e_j) / Σ_k (1 - e_k)``. Returns ``(w, e)``.

    Edges: a column summing to 0, or with ``1 − e_j < 1e-12`` (a uniform column up to rounding),
    carries no information (``e_j = 1``, weight 0); fewer than two
    rows, a negative entry, or every column without information (all ``e_j = 1``) is refused.

    >>> w, e = entropy_weights(np.array([[0.0, 1.0], [1.0, 1.0]]))
    >>> w.tolist(), e.tolist()
    ([1.0, 0.0], [0.0, 1.0])
    """
    arr = np.asarray(z, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise EvaluationError(
            "entropy weights need at least two units (ln n = 0 for one unit)",
            "熵权法至少需要两个评价对象（n = 1 时 ln n = 0）",
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise EvaluationError(
            "entropy weights need a finite, non-negative standardised matrix",
            "熵权法要求标准化后的矩阵有限且非负",
        )
    n = arr.shape[0]
    col = arr.sum(axis=0)
    safe = np.where(col == 0, 1.0, col)
    p = arr / safe
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / math.log(n) + 0.0  # + 0.0 turns −0.0 into 0.0
    e = np.where(col == 0, 1.0, e)
    # A uniform column has e = 1 up to rounding (1 − e ~ 1e-16, either sign); treat it as exactly 1
    # so that noise never receives weight.
    e = np.where(e > 1.0 - ENTROPY_TOLERANCE, 1.0, e)
    d = 1.0 - e
    if d.sum() <= 0:
        raise EvaluationError(
            "entropy weights are undefined: no indicator differs between units",
            "熵权法无法计算：各指标在评价对象之间没有差异",
            hint_en="use expert or AHP weights for this period",
            hint_zh="请改用专家赋权或层次分析法",
        )
    return d / d.sum(), e


@dataclass(frozen=True, slots=True)
class AHPResult:
    """AHP weights with the consistency figures printed beside them."""

    weights: FloatArray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    method: AHPMethod


def _is_saaty(value: float) -> bool:
    """True for 1..9 or 1/1..1/9 (tolerance 1e-6, so ``0.333333`` counts as 1/3)."""
    if value >= 1:
        return abs(value - round(value)) < 1e-6 and 1 <= round(value) <= 9
    inv = 1.0 / value
    return abs(inv - round(inv)) < 1e-4 * inv and 1 <= round(inv) <= 9


def validate_pairwise(matrix: FloatArray, *, saaty_scale: bool = True) -> FloatArray:
    """Check a pairwise comparison matrix: square, positive, unit diagonal, reciprocal.

    With ``saaty_scale`` every entry must be 1..9 or a reciprocal 1/2..1/9. Raises
    :class:`EvaluationError` naming the first offending cell (1-based row, column).
    """
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise EvaluationError(
            f"the AHP pairwise matrix must be square, got shape {a.shape}",
            f"AHP 判断矩阵必须是方阵，实际形状为 {a.shape}",
        )
    n = a.shape[0]
    if n > len(RANDOM_INDEX):
        raise EvaluationError(
            f"AHP supports at most {len(RANDOM_INDEX)} criteria per matrix (RI table), got {n}",
            f"每个判断矩阵最多 {len(RANDOM_INDEX)} 个因素（RI 表），实际 {n} 个",
            hint_en="group the indicators and compare groups",
            hint_zh="请先分组，再比较各组",
        )
    for i in range(n):
        for j in range(n):
            v = a[i, j]
            cell = f"row {i + 1}, column {j + 1}"
            cell_zh = f"第 {i + 1} 行第 {j + 1} 列"
            if not math.isfinite(v) or v <= 0:
                raise EvaluationError(
                    f"AHP matrix {cell}: {v} is not a positive number",
                    f"AHP 判断矩阵{cell_zh}：{v} 不是正数",
                )
            if i == j and abs(v - 1.0) > 1e-9:
                raise EvaluationError(
                    f"AHP matrix {cell}: the diagonal must be 1, got {v}",
                    f"AHP 判断矩阵{cell_zh}：对角线必须为 1，实际为 {v}",
                )
            if abs(v * a[j, i] - 1.0) > 1e-4:
                raise EvaluationError(
                    f"AHP matrix {cell}: {v} is not the reciprocal of {a[j, i]} (column {j + 1}, "
                    f"row {i + 1} mirrored)",
                    f"AHP 判断矩阵{cell_zh}：{v} 与对称位置的 {a[j, i]} 不互为倒数",
                    hint_en="a_ji must equal 1/a_ij",
                    hint_zh="应满足 a_ji = 1/a_ij",
                )
            if saaty_scale and not _is_saaty(v):
                raise EvaluationError(
                    f"AHP matrix {cell}: {v} is not on Saaty's 1–9 scale",
                    f"AHP 判断矩阵{cell_zh}：{v} 不在 Saaty 1–9 标度上",
                    hint_en="use 1..9 or 1/2..1/9",
                    hint_zh="请使用 1..9 或 1/2..1/9",
                )
    return a


def ahp_weights(
    matrix: FloatArray, *, method: AHPMethod = "eigenvector", saaty_scale: bool = True
) -> AHPResult:
    """AHP weights with λmax, ``CI = (λmax−n)/(n−1)``, ``CR = CI/RI``; refuse CR ≥ 0.1.

    ``eigenvector``: principal (Perron) eigenvector, normalised to sum 1. ``geometric_mean``: row
    geometric means, normalised. λmax is always the principal eigenvalue. For n ≤ 2 every
    reciprocal matrix is consistent: CI = CR = 0 (RI = 0 there, so CR is defined as 0).

    >>> r = ahp_weights(np.array([[1.0, 2.0, 4.0], [0.5, 1.0, 2.0], [0.25, 0.5, 1.0]]))
    >>> [round(x, 6) for x in r.weights.tolist()], round(r.cr, 9)
    ([0.571429, 0.285714, 0.142857], 0.0)
    """
    a = validate_pairwise(matrix, saaty_scale=saaty_scale)
    n = a.shape[0]
    eigvals, eigvecs = np.linalg.eig(a)
    k = int(np.argmax(eigvals.real))
    lambda_max = float(eigvals[k].real)
    if method == "eigenvector":
        vec = np.abs(eigvecs[:, k].real)
        w = vec / vec.sum()
    elif method == "geometric_mean":
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
    else:
        raise EvaluationError(
            f"unknown AHP method {method!r}; use eigenvector or geometric_mean",
            f"未知的 AHP 计算方法 {method!r}，可选 eigenvector 或 geometric_mean",
        )
    ri = RANDOM_INDEX[n - 1]
    if n <= 2:
        ci = 0.0
        cr = 0.0
    else:
        ci = max((lambda_max - n) / (n - 1), 0.0)
        cr = ci / ri
    if cr >= CR_LIMIT:
        raise EvaluationError(
            f"the AHP pairwise matrix is inconsistent: CR = {cr:.4f} ≥ 0.1 "
            f"(λmax = {lambda_max:.4f}, CI = {ci:.4f}, RI = {ri})",
            f"AHP 判断矩阵一致性检验未通过：CR = {cr:.4f} ≥ 0.1"
            f"（λmax = {lambda_max:.4f}，CI = {ci:.4f}，RI = {ri}），拒绝使用",
            hint_en="revise the pairwise judgements until CR < 0.1",
            hint_zh="请修改两两比较判断，直至 CR < 0.1",
        )
    return AHPResult(np.asarray(w, dtype=np.float64), lambda_max, ci, ri, cr, method)


def combined_weights(w_ahp: FloatArray, w_entropy: FloatArray, alpha: float) -> FloatArray:
    """Subjective–objective combination ``α·w_AHP + (1−α)·w_entropy`` (practice), α in [0, 1].

    >>> combined_weights(np.array([0.5, 0.5]), np.array([0.25, 0.75]), 0.5).tolist()
    [0.375, 0.625]
    """
    if not 0.0 <= alpha <= 1.0:
        raise EvaluationError(
            f"alpha must lie in [0, 1], got {alpha}",
            f"组合系数 alpha 必须在 [0, 1] 内，实际为 {alpha}",
        )
    a = np.asarray(w_ahp, dtype=np.float64)
    b = np.asarray(w_entropy, dtype=np.float64)
    if a.shape != b.shape:
        raise EvaluationError(
            "AHP and entropy weights cover different indicators", "AHP 权重与熵权的指标个数不一致"
        )
    return normalise_weights(alpha * a + (1.0 - alpha) * b)
