"""Privacy: no suppressed cell can be recovered from the published cells and totals.

Oracle (:mod:`tests.privacy_oracle`): for each suppressed cell, linear programming (scipy
``linprog``) finds its smallest and largest value consistent with every published cell, every
published row/column total and non-negativity. The range must be a proper interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.privacy_oracle import grid_ranges as _ranges

from consumption_monitor.privacy import complementary_suppression, primary_mask, suppress

tables = st.integers(2, 5).flatmap(
    lambda r: st.integers(2, 5).flatmap(
        lambda c: st.tuples(
            st.lists(st.lists(st.integers(1, 60), min_size=c, max_size=c), min_size=r, max_size=r),
            st.lists(st.lists(st.booleans(), min_size=c, max_size=c), min_size=r, max_size=r),
        )
    )
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_suppressed_cell_is_recoverable_from_the_margins(
    table: tuple[list[list[int]], list[list[bool]]],
) -> None:
    values = np.array(table[0], dtype=float)
    primary = np.array(table[1], dtype=bool)
    res = complementary_suppression(values, primary)
    mask = res.mask
    assert (mask >= primary).all()  # primary cells stay hidden
    rows_pub, cols_pub = ~res.hidden_row_margins, ~res.hidden_col_margins
    # no published line holds exactly one hidden cell
    for r in np.flatnonzero(rows_pub):
        assert mask[r].sum() != 1
    for c in np.flatnonzero(cols_pub):
        assert mask[:, c].sum() != 1
    if not mask.any():
        return
    for lo, hi in _ranges(values, mask, rows_pub, cols_pub):
        assert hi - lo > 1e-6, "a suppressed cell is determined by the published figures"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=2, max_size=8), st.data())
def test_one_dimensional_list_with_a_total(values: list[int], data: st.DataObject) -> None:
    prim = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    v = np.array(values, dtype=float)[:, None]
    res = complementary_suppression(v, np.array(prim)[:, None], row_totals=False)
    if res.mask.any():
        ranges = _ranges(v, res.mask, np.zeros(len(values), bool), ~res.hidden_col_margins)
        assert all(hi - lo > 1e-6 for lo, hi in ranges)


def test_bridge_between_two_cycles_is_closed() -> None:
    # Two 2x2 blocks of hidden cells joined by one hidden cell at (1, 2): that cell is a
    # bridge (its value follows from the margins), so the algorithm must hide more.
    v = np.arange(1, 37, dtype=float).reshape(6, 6)
    p = np.zeros((6, 6), dtype=bool)
    p[np.ix_([0, 1], [0, 1])] = True
    p[np.ix_([2, 3], [2, 3])] = True
    p[1, 2] = True
    res = complementary_suppression(v, p)
    assert res.mask.sum() > p.sum()
    for lo, hi in _ranges(v, res.mask, ~res.hidden_row_margins, ~res.hidden_col_margins):
        assert hi - lo > 1e-6


def test_primary_rule_needs_both_merchants_and_cards() -> None:
    hidden = primary_mask(np.array([3, 2, 5, np.nan]), np.array([10, 50, 9, 50]), 3, 10)
    assert hidden.tolist() == [False, True, True, True]


def test_suppress_blanks_values_per_group() -> None:
    t = pd.DataFrame(
        {
            "date": ["d1"] * 4 + ["d2"] * 4,
            "region": ["a", "a", "b", "b"] * 2,
            "cat": ["x", "y"] * 4,
            "amount": [50.0, 40.0, 30.0, 20.0] * 2,
            "merchants": [9, 9, 9, 1, 9, 9, 9, 9],
            "cards": [99] * 8,
        }
    )
    out = suppress(t, values=["amount"], rows="region", cols="cat", by=["date"])
    d1 = out[out.date == "d1"]
    assert d1["suppressed"].tolist() == ["complementary"] * 3 + ["primary"]
    assert d1["amount"].isna().all()
    assert (out[out.date == "d2"]["suppressed"] == "").all()
    assert t["amount"].notna().all()  # the input is not modified
