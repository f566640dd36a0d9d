"""Formulas of METHODOLOGY §1 against plain-Python oracles (Hypothesis) and worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumption_monitor.indicators.formulas import (
    comparable_base,
    contribution_pp,
    growth,
    share,
    single_period_growth,
    single_periods_from_cumulative,
    two_year_average,
)

levels = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)
rates = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(100.0, 1e5), rates), min_size=2, max_size=11))
def test_single_periods_recover_the_true_monthly_growth(data) -> None:  # type: ignore[no-untyped-def]
    """Build a year from true single periods (this year's level and its growth), cumulate it
    as NBS does, and check the formula gives back each period's true growth."""
    this = [d[0] for d in data]
    last = [d[0] / (1 + d[1]) for d in data]
    months = [2 + i for i in range(len(data))]  # Jan–Feb, March, April…
    cum, cum_growth = [], []
    c = c_prev = 0.0
    for t, p in zip(this, last, strict=True):
        c += t
        c_prev += p
        cum.append(c)
        cum_growth.append(c / c_prev - 1)
    lv, gr = single_periods_from_cumulative(months, cum, cum_growth)
    for i in range(len(data)):
        assert lv[i] == pytest.approx(this[i], rel=1e-9)
        assert gr[i] == pytest.approx(this[i] / last[i] - 1, rel=1e-9, abs=1e-9)


def test_gap_is_not_guessed() -> None:
    lv, gr = single_periods_from_cumulative([2, 3, 5], [100.0, 150.0, 260.0], [0.1, 0.1, 0.1])
    assert not math.isnan(lv[1]) and math.isnan(lv[2]) and math.isnan(gr[2])


def test_worked_example_march_2024() -> None:
    # NBS: Jan–Feb 81 307 亿元 +5.5 %; Jan–Mar 120 327 亿元 +4.7 %; published March +3.1 %.
    assert float(single_period_growth(120327, 0.047, 81307, 0.055)) == pytest.approx(
        39020 / (120327 / 1.047 - 81307 / 1.055) - 1
    )
    assert round(float(single_period_growth(120327, 0.047, 81307, 0.055)) * 100, 1) == 3.1


@given(st.lists(st.tuples(levels, rates), min_size=1, max_size=8))
def test_contributions_add_up_to_total_growth(parts) -> None:  # type: ignore[no-untyped-def]
    """Components that add up to the total: their contributions sum to the total growth."""
    y = np.array([p[0] for p in parts])
    g = np.array([p[1] for p in parts])
    b = comparable_base(y, g)
    total_growth = y.sum() / b.sum() - 1
    contrib = contribution_pp(y, b, np.full(len(y), b.sum()))
    assert contrib.sum() == pytest.approx(total_growth * 100, rel=1e-9, abs=1e-9)


@given(rates, rates)
def test_two_year_average_is_geometric_mean(a, b) -> None:  # type: ignore[no-untyped-def]
    r = float(two_year_average(a, b))
    assert (1 + r) ** 2 == pytest.approx((1 + a) * (1 + b), rel=1e-12)


@given(st.lists(st.tuples(levels, levels), min_size=1, max_size=20))
def test_share_against_naive_loop(pairs) -> None:  # type: ignore[no-untyped-def]
    value, num, den = share([p[0] for p in pairs], [p[1] for p in pairs])
    for i, (n, d) in enumerate(pairs):
        assert value[i] == pytest.approx(n / d * 100, rel=1e-12)
        assert (num[i], den[i]) == (n, d)


def test_edges_give_nan_not_errors() -> None:
    assert math.isnan(float(share([1.0], [0.0])[0][0]))
    assert math.isnan(float(growth(1.0, 0.0)))
    assert math.isnan(float(comparable_base(5.0, -1.0)))
    assert math.isnan(float(two_year_average(-3.0, 0.5)))
    assert math.isnan(float(single_period_growth(np.nan, 0.1, 10.0, 0.1)))
