"""Oracle of the privacy tests: the range of each suppressed cell given the published figures.

For each hidden cell, linear programming (scipy ``linprog``) finds its smallest and largest value
consistent with every published cell, every published additive equation and non-negativity.
A protected cell has a proper interval (not a single point).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

#: ``sum(coef * cell) = 0`` over flat cell indices.
Equation = tuple[Sequence[int], Sequence[float]]


def linked_ranges(
    values: np.ndarray,
    hidden: np.ndarray,
    equations: Sequence[Equation],
    inequalities: Sequence[Equation] = (),
) -> list[tuple[float, float]]:
    """[min, max] of each hidden cell (in flat index order) given the visible cells.

    ``inequalities`` are further published relations ``sum(coef * cell) <= 0`` (e.g. night
    spending never exceeds the day's spending)."""
    vals = np.asarray(values, dtype=float).ravel()
    hid = np.asarray(hidden, dtype=bool).ravel()
    cells = np.flatnonzero(hid)
    pos = {int(c): k for k, c in enumerate(cells)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for rel, (a_rows, b_rows) in ((equations, (a_eq, b_eq)), (inequalities, (a_ub, b_ub))):
        for index, coef in rel:
            row = np.zeros(cells.size)
            known = 0.0
            for i, c in zip(index, coef, strict=True):
                if int(i) in pos:
                    row[pos[int(i)]] += c
                else:
                    known += c * vals[int(i)]
            if row.any():
                a_rows.append(row)
                b_rows.append(-known)
    out = []
    for k in range(cells.size):
        cost = np.zeros(cells.size)
        cost[k] = 1.0
        kw = {
            "A_eq": np.array(a_eq) if a_eq else None,
            "b_eq": np.array(b_eq) if b_eq else None,
            "A_ub": np.array(a_ub) if a_ub else None,
            "b_ub": np.array(b_ub) if b_ub else None,
            "bounds": [(0, None)] * cells.size,
            "method": "highs",
        }
        lo = linprog(cost, **kw)
        hi = linprog(-cost, **kw)
        assert lo.status == 0, lo.message
        top = np.inf if hi.status == 3 else -hi.fun  # status 3: unbounded above
        out.append((float(lo.fun), float(top)))
    return out


def grid_equations(
    shape: tuple[int, int], rows_pub: np.ndarray, cols_pub: np.ndarray
) -> list[Equation]:
    """Equations of a 2-D table whose published row/column totals are extra known cells.

    Cells are numbered row-major, then the row totals, then the column totals.
    """
    n_rows, n_cols = shape
    eqs: list[Equation] = []
    for r in np.flatnonzero(rows_pub):
        index = [int(r) * n_cols + c for c in range(n_cols)] + [n_rows * n_cols + int(r)]
        eqs.append((index, [1.0] * n_cols + [-1.0]))
    for c in np.flatnonzero(cols_pub):
        index = [r * n_cols + int(c) for r in range(n_rows)]
        eqs.append(([*index, n_rows * n_cols + n_rows + int(c)], [1.0] * n_rows + [-1.0]))
    return eqs


def grid_ranges(
    values: np.ndarray, mask: np.ndarray, rows_pub: np.ndarray, cols_pub: np.ndarray
) -> list[tuple[float, float]]:
    """[min, max] of each hidden cell of a 2-D table with published margins (row-major)."""
    flat = np.concatenate([values.ravel(), values.sum(axis=1), values.sum(axis=0)])
    hidden = np.concatenate([mask.ravel(), np.zeros(sum(values.shape), dtype=bool)])
    return linked_ranges(flat, hidden, grid_equations(values.shape, rows_pub, cols_pub))
