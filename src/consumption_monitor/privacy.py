"""Statistical disclosure control: small-cell and complementary suppression.

Foundation-level numeric core (plain functions on numpy arrays, one pandas entry point), used by
the indicator computation (:mod:`consumption_monitor.compute.card`) and by the monitoring layer
(:mod:`consumption_monitor.monitor.privacy` re-exports it).

1. **Primary suppression** (:func:`primary_mask`). A cell is hidden when fewer than
   ``min_merchants`` distinct merchants OR fewer than ``min_cards`` distinct cards stand behind it
   (``settings.min_cell_merchants``, ``settings.min_cell_cards``; practice, in the spirit of the
   usual minimum-frequency rule of statistical disclosure control). A zero cell has no merchants
   and is hidden too.

2. **Complementary suppression of a 2-D table with margins** (:func:`complementary_suppression`).
   The published table keeps its row and column totals, so a lone hidden cell in a row could be
   recovered as ``total - sum(others)``. The algorithm, iterated to a fixed point:

   a. every margin line (row or column whose total is published) that holds exactly one hidden
      cell gets a second one: the smallest positive visible cell of that line (zeros only if no
      positive cell is left);
   b. view the hidden cells as edges of a graph whose nodes are the published margin lines
      (rows and columns), with all *unpublished* margins merged into one free "ground" node.
      A hidden cell whose value is fixed by the margins is exactly a *bridge* of that graph (an
      edge on no cycle): along a cycle one can add ``+e, -e, +e…`` to the hidden cells without
      changing any published total. Every bridge gets one more hidden cell next to it (the
      smallest positive visible cell in its row, else its column), which closes a cycle after
      step (a) runs again.

   With every hidden cell on a cycle and all hidden values positive, each hidden cell can move
   both up and down while every published equation and non-negativity hold, so its range given
   the published figures is a proper interval (the property test checks this with
   ``scipy.optimize.linprog``).

3. **Linked tables** (:func:`protect_linked`): any set of published additive equations
   (``sum(coef * cell) = 0``, e.g. districts under the city total, categories under each district
   and under the city, the city category cells as sums of the district cells). A hidden cell is
   recoverable exactly when its unit vector lies in the row space of the equations restricted to
   the hidden cells, i.e. when every null-space direction leaves it unchanged; otherwise (with
   positive hidden values) it can move both ways. The loop hides, for a recoverable cell, the
   smallest positive visible eligible cell sharing an equation with it, until no hidden cell is
   recoverable. :func:`protect_breakdown` is the 1-D case: a list under a published total.

Limits (documented in docs/monitoring.md and docs/indicators.md): totals that are never hidden
(the city total) are published even when small; cells of value 0 are not protected by the
interval argument (they hold no merchant); the protection interval can be narrow (no minimum
width such as ``p%`` is enforced); tables published separately from the same data are protected
jointly only when passed to :func:`protect_linked` together; a 1-row or 1-column line with a
hidden cell and a published total can only be protected by hiding that total, which
:func:`complementary_suppression` reports in its ``hidden_margins``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import null_space

from consumption_monitor.errors import DataValidationError

__all__ = [
    "COMPLEMENTARY",
    "PRIMARY",
    "Equation",
    "SuppressionResult",
    "breakdown_equations",
    "complementary_suppression",
    "primary_mask",
    "protect_breakdown",
    "protect_linked",
    "recoverable",
    "suppress",
]

#: Values of the ``suppressed`` column written by :func:`suppress`.
PRIMARY, COMPLEMENTARY = "primary", "complementary"


def primary_mask(
    merchants: np.ndarray, cards: np.ndarray | None, min_merchants: int, min_cards: int
) -> np.ndarray:
    """True where a cell has too few merchants or (if ``cards`` given) too few distinct cards.

    Missing counts (NaN) count as zero, so an empty cell is hidden.

    >>> primary_mask(np.array([5, 2, 9]), np.array([50, 50, 3]), 3, 10).tolist()
    [False, True, True]
    """
    m = np.nan_to_num(np.asarray(merchants, dtype=float), nan=0.0)
    hidden = m < min_merchants
    if cards is not None:
        c = np.nan_to_num(np.asarray(cards, dtype=float), nan=0.0)
        hidden |= c < min_cards
    return np.asarray(hidden, dtype=bool)


@dataclass(frozen=True)
class SuppressionResult:
    """Hidden cells of a 2-D table: ``mask`` (all hidden), ``primary`` and the margins to hide."""

    mask: np.ndarray
    primary: np.ndarray
    hidden_row_margins: np.ndarray
    hidden_col_margins: np.ndarray

    @property
    def complementary(self) -> np.ndarray:
        """Cells hidden only to protect others."""
        return np.asarray(self.mask & ~self.primary, dtype=bool)


def _pick(values: np.ndarray, hidden: np.ndarray, eligible: np.ndarray) -> int | None:
    """Flat index of the smallest positive eligible visible cell (zeros last), or None."""
    idx = np.flatnonzero(eligible & ~hidden)
    if idx.size == 0:
        return None
    positive = idx[values[idx] > 0]
    pool = positive if positive.size else idx
    return int(pool[np.argmin(values[pool])])


def _bridges(edges: list[tuple[int, int]], n_nodes: int) -> set[int]:
    """Indices of the edges that are bridges of the multigraph (iterative Tarjan lowlink)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k, (a, b) in enumerate(edges):
        adj[a].append((b, k))
        adj[b].append((a, k))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    out: set[int] = set()
    timer = 0
    for root in range(n_nodes):
        if disc[root] != -1 or not adj[root]:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]
        while stack:
            node, via, i = stack[-1]
            if i < len(adj[node]):
                stack[-1] = (node, via, i + 1)
                nxt, k = adj[node][i]
                if k == via:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = timer
                    timer += 1
                    stack.append((nxt, k, 0))
                else:
                    low[node] = min(low[node], disc[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        out.add(via)
    return out


def complementary_suppression(
    values: np.ndarray,
    primary: np.ndarray,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    eligible: np.ndarray | None = None,
    max_rounds: int = 10_000,
) -> SuppressionResult:
    """Extend ``primary`` (bool, same shape as the 2-D ``values``) so no hidden cell is fixed
    by the published row totals (``row_totals``) and column totals (``col_totals``).

    NaN values count as 0. ``eligible`` marks the cells that may be hidden as complements
    (default: all; cells absent from the published table are not eligible, as hiding them
    protects nothing). See the module docstring for the algorithm and its limits.

    >>> v = np.array([[1.0, 8, 9], [7, 6, 5], [4, 3, 2]])
    >>> p = np.zeros_like(v, dtype=bool); p[0, 0] = True
    >>> complementary_suppression(v, p).mask.astype(int).tolist()
    [[1, 1, 0], [0, 0, 0], [1, 1, 0]]
    """
    vals = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    if vals.ndim != 2 or vals.shape != np.shape(primary):
        raise DataValidationError(
            "suppression needs a 2-D table and a primary mask of the same shape",
            "保密处理需要二维表及同形状的初始隐藏标记",
        )
    n_rows, n_cols = vals.shape
    first = np.asarray(primary, dtype=bool)
    hidden = first.ravel().copy()
    ok = np.ones(vals.size, dtype=bool) if eligible is None else np.asarray(eligible).ravel()
    flat_vals = vals.ravel()
    hid_r = np.zeros(n_rows, dtype=bool)
    hid_c = np.zeros(n_cols, dtype=bool)
    row_of = np.repeat(np.arange(n_rows), n_cols)
    col_of = np.tile(np.arange(n_cols), n_rows)
    ground = n_rows + n_cols

    def line_cells(axis: str, line: int) -> np.ndarray:
        return np.asarray(ok & ((row_of == line) if axis == "row" else (col_of == line)))

    for _ in range(max_rounds):
        changed = False
        # (a) published lines with exactly one hidden cell get a second one
        for axis, published, margin in (("row", row_totals, hid_r), ("col", col_totals, hid_c)):
            if not published:
                continue
            of = row_of if axis == "row" else col_of
            counts = np.bincount(of[hidden], minlength=len(margin))
            for line in np.flatnonzero((counts == 1) & ~margin):
                pick = _pick(flat_vals, hidden, line_cells(axis, int(line)))
                if pick is None:
                    margin[line] = True  # nothing left to hide in the line: the total must go
                else:
                    hidden[pick] = True
                changed = True
        if changed:
            continue
        # (b) a hidden cell that is a bridge of the line graph is fixed by the margins
        cells = np.flatnonzero(hidden)
        edges = [
            (
                int(row_of[k]) if row_totals and not hid_r[row_of[k]] else ground,
                n_rows + int(col_of[k]) if col_totals and not hid_c[col_of[k]] else ground,
            )
            for k in cells
        ]
        bridges = _bridges(edges, ground + 1)
        if not bridges:
            break
        k = int(cells[min(bridges)])
        r, c = int(row_of[k]), int(col_of[k])
        pick = _pick(flat_vals, hidden, line_cells("row", r))
        if pick is None:
            pick = _pick(flat_vals, hidden, line_cells("col", c))
        if pick is not None:
            hidden[pick] = True
        else:  # neither line has a cell left: hide the totals instead
            hid_r[r] |= row_totals
            hid_c[c] |= col_totals
    return SuppressionResult(hidden.reshape(vals.shape), first.copy(), hid_r, hid_c)


def suppress(
    table: pd.DataFrame,
    *,
    values: Sequence[str],
    merchants: str = "merchants",
    cards: str | None = "cards",
    rows: str | None = None,
    cols: str | None = None,
    by: Sequence[str] = (),
    min_merchants: int = 3,
    min_cards: int = 10,
    weight: str | None = None,
) -> pd.DataFrame:
    """A copy of a long ``table`` with small cells and their complements blanked.

    Each group of ``by`` (e.g. one day) is one published table. ``rows`` × ``cols`` name its
    two dimensions (both margins published); with only ``rows`` it is a list with a published
    total. The ``values`` columns of hidden cells become NaN and the column ``suppressed`` says
    ``"primary"``, ``"complementary"`` or ``""``. ``weight`` (default: the first of ``values``)
    ranks complementary candidates: the smallest is sacrificed first. Thresholds usually come
    from ``settings.min_cell_merchants`` / ``settings.min_cell_cards``; ``cards=None`` applies the
    unit-count rule only (enterprise tables). Combinations of ``rows`` × ``cols`` absent from
    the table count as known zeros: they protect nothing and are never chosen as complements.

    >>> t = pd.DataFrame({"d": ["a", "b", "c"], "amount": [100.0, 5.0, 80.0],
    ...                   "merchants": [9, 1, 7], "cards": [90, 4, 70]})
    >>> out = suppress(t, values=["amount"], rows="d")
    >>> out["amount"].tolist(), out["suppressed"].tolist()
    ([100.0, nan, nan], ['', 'primary', 'complementary'])
    """
    out = table.copy()
    out["suppressed"] = ""
    if out.empty:
        return out
    weight_col = weight or values[0]
    hidden_primary = primary_mask(
        out[merchants].to_numpy(dtype=float),
        out[cards].to_numpy(dtype=float) if cards else None,
        min_merchants,
        min_cards,
    )
    out.loc[hidden_primary, "suppressed"] = PRIMARY
    if rows is not None:
        groups = [g.index for _, g in out.groupby(list(by), sort=False)] if by else [out.index]
        for index in groups:
            part = out.loc[index]
            row_keys = pd.Index(part[rows].unique())
            col_keys = pd.Index(part[cols].unique()) if cols else pd.Index([""])
            r_ix = row_keys.get_indexer(pd.Index(part[rows]))
            c_ix = col_keys.get_indexer(pd.Index(part[cols])) if cols else np.zeros(len(part), int)
            grid = np.zeros((len(row_keys), len(col_keys)))
            prim = np.zeros_like(grid, dtype=bool)
            present = np.zeros_like(grid, dtype=bool)  # absent combinations: known zeros
            grid[r_ix, c_ix] = np.nan_to_num(part[weight_col].to_numpy(dtype=float), nan=0.0)
            prim[r_ix, c_ix] = part["suppressed"].to_numpy() == PRIMARY
            present[r_ix, c_ix] = True
            result = complementary_suppression(
                grid, prim, row_totals=cols is not None, col_totals=True, eligible=present
            )
            extra = result.complementary[r_ix, c_ix]
            out.loc[part.index[extra], "suppressed"] = COMPLEMENTARY
    hidden = out["suppressed"] != ""
    for col in values:
        out[col] = out[col].astype(float).where(~hidden)
    return out


def protect_breakdown(
    values: np.ndarray, primary: np.ndarray, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Hidden mask of a 1-D breakdown whose total is published.

    A single hidden cell among published siblings would equal ``total - sum(siblings)``, so it
    gets a partner: the smallest positive visible sibling (the next-smallest cell when the
    small one is the smallest). ``eligible`` excludes cells that may not be hidden.

    >>> protect_breakdown(np.array([50.0, 2, 9, 30]), np.array([0, 1, 0, 0], bool)).tolist()
    [False, True, True, False]
    """
    v = np.asarray(values, dtype=float)[:, None]
    ok = None if eligible is None else np.asarray(eligible, dtype=bool)[:, None]
    res = complementary_suppression(
        v, np.asarray(primary, dtype=bool)[:, None], row_totals=False, eligible=ok
    )
    return np.asarray(res.mask[:, 0], dtype=bool)


#: One published additive equation ``sum(coef[i] * cell[index[i]]) = 0`` over flat cell indices.
Equation = tuple[np.ndarray, np.ndarray]

#: Tolerance on null-space components (equations have small integer coefficients).
_NULL_TOL = 1e-9


def recoverable(hidden: np.ndarray, equations: Sequence[Equation]) -> np.ndarray:
    """True for each hidden cell whose value follows from the published cells and equations.

    Ignores non-negativity: with positive hidden values this is exact (a non-recoverable cell
    moves both ways along a null-space direction). Cells not hidden are False.

    >>> eqs = [(np.array([0, 1, 2]), np.array([1.0, 1.0, -1.0]))]  # a + b = total
    >>> recoverable(np.array([True, False, False]), eqs).tolist()
    [True, False, False]
    >>> recoverable(np.array([True, True, False]), eqs).tolist()
    [False, False, False]
    """
    hid = np.asarray(hidden, dtype=bool)
    cells = np.flatnonzero(hid)
    out = np.zeros(hid.shape, dtype=bool)
    if cells.size == 0:
        return out
    col = np.full(hid.size, -1)
    col[cells] = np.arange(cells.size)
    rows = []
    for index, coef in equations:
        sel = col[index] >= 0
        if sel.any():
            row = np.zeros(cells.size)
            np.add.at(row, col[index[sel]], coef[sel])
            rows.append(row)
    if not rows:
        return out
    basis = null_space(np.array(rows))
    free = np.abs(basis).max(axis=1) > _NULL_TOL if basis.size else np.zeros(cells.size, bool)
    out[cells[~free]] = True
    return out


def protect_linked(
    values: np.ndarray,
    primary: np.ndarray,
    equations: Sequence[Equation],
    *,
    eligible: np.ndarray | None = None,
    max_rounds: int = 100_000,
) -> np.ndarray:
    """Extend ``primary`` (flat bool) so that no hidden cell is recoverable from the visible
    cells and the published ``equations`` (see the module docstring, point 3).

    ``values`` (flat, NaN as 0) rank complementary candidates: the smallest positive eligible
    visible cell sharing an equation with a recoverable cell is hidden first (zeros last; any
    eligible cell when none shares an equation). Cells that are not ``eligible`` (e.g. the city
    total) are never hidden. A recoverable cell that no eligible cell can protect (a district
    that is the only one under a never-hidden city total) stays recoverable; the caller can
    check with :func:`recoverable`.

    >>> eqs = [(np.array([0, 1, 2, 3]), np.array([1.0, 1, 1, -1]))]  # a + b + c = total
    >>> protect_linked(np.array([2.0, 9, 5, 16]), np.array([1, 0, 0, 0], bool), eqs,
    ...                eligible=np.array([1, 1, 1, 0], bool)).tolist()
    [True, False, True, False]
    """
    vals = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    hidden = np.asarray(primary, dtype=bool).copy()
    ok = np.ones(vals.size, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    members: list[list[int]] = [[] for _ in range(vals.size)]
    for e, (index, _) in enumerate(equations):
        for i in index:
            members[int(i)].append(e)
    stuck: set[int] = set()  # recoverable cells nothing eligible can protect
    for _ in range(max_rounds):
        # fast path: an equation with exactly one hidden cell gets a partner from that equation
        lone = [
            (int(index[hidden[index]][0]), index)
            for index, _ in equations
            if np.count_nonzero(hidden[index]) == 1 and int(index[hidden[index]][0]) not in stuck
        ]
        if lone:
            k, cells = lone[0]
            near = np.zeros(vals.size, dtype=bool)
            near[cells] = True
            pick = _pick(vals, hidden, near & ok)
        else:
            found = [
                int(i) for i in np.flatnonzero(recoverable(hidden, equations)) if i not in stuck
            ]
            if not found:
                break
            k = found[0]
            near = np.zeros(vals.size, dtype=bool)
            for e in members[k]:
                near[equations[e][0]] = True
            pick = _pick(vals, hidden, near & ok)
            if pick is None:
                pick = _pick(vals, hidden, ok)
        if pick is None:
            stuck.add(k)
        else:
            hidden[pick] = True
    return hidden


def breakdown_equations(
    keys: Sequence[tuple[str, str, str]], city: str
) -> tuple[list[Equation], int | None]:
    """The published additive equations of one linked table of breakdown cells.

    ``keys`` are ``(region, dim, dim_value)`` per cell (``dim == ""``: the region's total); the
    equations use positions in ``keys``. Published relations: the districts under the city
    total; each breakdown (商圈, category, origin, channel…) under its region's total; each
    city breakdown cell as the sum of the district cells with the same value. Also returns the
    position of the city total (None when absent).

    >>> keys = [("C", "", ""), ("A", "", ""), ("B", "", "")]
    >>> eqs, city = breakdown_equations(keys, "C")
    >>> [(i.tolist(), c.tolist()) for i, c in eqs], city
    ([([1, 2, 0], [1.0, 1.0, -1.0])], 0)
    """
    pos = {k: i for i, k in enumerate(keys)}
    totals = {r: i for (r, d, _), i in pos.items() if d == ""}
    in_region: dict[tuple[str, str], list[int]] = {}  # (region, dim) -> breakdown cells
    across: dict[tuple[str, str], list[int]] = {}  # (dim, value) -> district cells
    districts: list[int] = []
    for i, (region, dim, value) in enumerate(keys):
        if dim == "":
            if region != city:
                districts.append(i)
            continue
        in_region.setdefault((region, dim), []).append(i)
        if region != city:
            across.setdefault((dim, value), []).append(i)
    eqs: list[Equation] = []

    def add(parts: list[int], total: int | None) -> None:
        if total is not None and parts:
            eqs.append((np.array([*parts, total]), np.array([1.0] * len(parts) + [-1.0])))

    add(districts, totals.get(city))
    for (region, _), cells in in_region.items():
        add(cells, totals.get(region))
    for (dim, value), cells in across.items():
        add(cells, pos.get((city, dim, value)))
    return eqs, totals.get(city)
