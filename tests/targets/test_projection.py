"""Projection maths of METHODOLOGY §6 against worked examples and naive oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumption_monitor.targets.backtest import backtest
from consumption_monitor.targets.projection import (
    PERIODS,
    period_index,
    probability_met,
    project_run_rate,
    project_seasonal_share,
    required_growth,
    required_growth_from_growth,
    seasonal_share_benchmark,
    simulate_remaining,
    single_periods,
    time_progress,
)

# Shape of a retail year (single-period shares of the annual total): Jan–Feb is two months,
# December is the peak. Sums to 1.
PATTERN = np.array([0.150, 0.075, 0.076, 0.080, 0.079, 0.078, 0.079, 0.081, 0.088, 0.092, 0.122])


def test_pattern_is_a_distribution() -> None:
    assert PATTERN.size == PERIODS
    assert math.isclose(PATTERN.sum(), 1.0)


def test_worked_example_required_growth() -> None:
    # A = 100 (prior-year comparable annual level), g* = 5 %; by June C = 50 at G = 4 %.
    # B = 50/1.04 = 48.0769…; still needed: 105 - 50 = 55 on a base of 100 - 48.0769 = 51.9231,
    # i.e. 55/51.9231 - 1 = 5.926 %.
    assert required_growth(100, 0.05, 50, 0.04) == pytest.approx(55 / (100 - 50 / 1.04) - 1)
    assert required_growth(100, 0.05, 50, 0.04) == pytest.approx(0.0592593, abs=1e-7)


@given(
    annual=st.floats(50, 5000),
    target=st.floats(-0.1, 0.2),
    share=st.floats(0.05, 0.95),
    growth=st.floats(-0.2, 0.3),
)
def test_level_and_growth_only_forms_agree(
    annual: float, target: float, share: float, growth: float
) -> None:
    base_m = annual * share
    ytd = base_m * (1 + growth)
    via_levels = required_growth(annual, target, ytd, growth)
    via_growth = required_growth_from_growth(target, base_m / annual, growth)
    assert via_levels == pytest.approx(via_growth, rel=1e-9, abs=1e-9)


@given(share=st.floats(0.05, 0.95), growth=st.floats(-0.2, 0.3), rest=st.floats(-0.2, 0.3))
def test_required_growth_achieves_target_exactly(share: float, growth: float, rest: float) -> None:
    # Oracle: if the remaining months grow exactly at the required rate, the year ends on target.
    annual, target = 1000.0, 0.05
    ytd = annual * share * (1 + growth)
    need = required_growth(annual, target, ytd, growth)
    year_total = ytd + annual * (1 - share) * (1 + need)
    assert year_total == pytest.approx(annual * (1 + target))


def test_required_growth_is_nan_in_december() -> None:
    assert math.isnan(required_growth(100, 0.05, 104, 0.04))
    assert math.isnan(required_growth_from_growth(0.05, 1.0, 0.04))


def test_jan_feb_is_one_period() -> None:
    assert [period_index(m) for m in range(1, 13)] == [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    with pytest.raises(ValueError, match="month"):
        period_index(13)


def test_seasonal_benchmark_uses_prior_shares_not_m_over_12() -> None:
    years = np.vstack([np.cumsum(PATTERN) * lvl for lvl in (900.0, 1000.0, 1100.0)])
    shares = seasonal_share_benchmark(years)
    assert shares == pytest.approx(np.cumsum(PATTERN))
    # By October (period 8) the year is 78.6 % done, not 10/12 = 83.3 %.
    assert shares[8] == pytest.approx(0.786)
    assert shares[8] < 10 / 12 - 0.04


def test_seasonal_benchmark_ignores_incomplete_years() -> None:
    years = np.vstack([np.cumsum(PATTERN) * 1000, np.full(PERIODS, np.nan)])
    years[1, :3] = [1, 2, 3]
    assert seasonal_share_benchmark(years) == pytest.approx(np.cumsum(PATTERN))


def test_time_progress_and_projections_worked_example() -> None:
    # Prior year A = 1000, target +6 %. By end-June (period 4) the usual share is 46 %.
    share = float(np.cumsum(PATTERN)[4])
    tp = time_progress(ytd=500.0, annual_base=1000.0, target_growth=0.06, share=share)
    assert tp.progress == pytest.approx(500 / 1060)
    assert tp.gap_pp == pytest.approx((500 / 1060 - share) * 100)
    assert project_seasonal_share(500.0, share) == pytest.approx(500 / share)
    assert project_run_rate(1000.0, 0.045) == pytest.approx(1045.0)
    assert math.isnan(project_seasonal_share(500.0, 0.0))


def test_single_periods_from_cumulative() -> None:
    cum = np.cumsum(PATTERN) * 1000
    assert single_periods(cum) == pytest.approx(PATTERN * 1000)


@given(
    st.lists(st.lists(st.floats(0, 100), min_size=3, max_size=3), min_size=1, max_size=30),
    st.floats(0, 200),
    st.floats(0, 400),
)
def test_probability_met_matches_naive_loop(
    paths: list[list[float]], ytd: float, tgt: float
) -> None:
    hits = 0
    for path in paths:
        total = ytd
        for v in path:
            total += v
        hits += total >= tgt
    assert probability_met(ytd, np.array(paths), tgt) == pytest.approx(hits / len(paths))


def _synthetic_years(n_years: int, growth: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = []
    for y in range(n_years):
        level = 1000 * (1 + growth) ** y
        noise = rng.normal(0, 0.01, PERIODS)
        rows.append(PATTERN * level * (1 + noise))
    return np.vstack(rows)


def test_simulated_paths_give_sensible_probabilities() -> None:
    singles = _synthetic_years(6, 0.05, seed=1)
    history = np.concatenate([singles[:5].ravel(), singles[5, :5]])
    paths = simulate_remaining(history, PERIODS - 5, repetitions=500, seed=3)
    assert paths.shape == (500, PERIODS - 5)
    ytd = singles[5, :5].sum()
    base = singles[4].sum()
    easy = probability_met(ytd, paths, base * 0.95)
    hard = probability_met(ytd, paths, base * 1.20)
    assert easy > 0.9
    assert hard < 0.1
    again = simulate_remaining(history, PERIODS - 5, repetitions=500, seed=3)
    assert np.array_equal(paths, again)


def test_simulation_refuses_short_history() -> None:
    with pytest.raises(ValueError, match="two full years"):
        simulate_remaining(np.ones(PERIODS), 3)


def test_backtest_on_simulated_history() -> None:
    singles = _synthetic_years(6, 0.06, seed=5)
    cumulative = np.cumsum(singles, axis=1)
    # Published growth on a comparable basis equals level growth in this synthetic panel.
    growth = np.full_like(cumulative, np.nan)
    growth[1:] = cumulative[1:] / cumulative[:-1] - 1
    results = backtest(cumulative, growth, target_growth=0.03, min_years=2, repetitions=200)
    for method in ("seasonal_share", "run_rate"):
        res = results[method]
        assert res.cases == (6 - 2) * (PERIODS - 1)
        # Growth is steady at 6 % against a 3 % target: a sound method is right every time.
        assert res.hit_rate == 1.0
        assert res.mean_abs_error_pp < 1.5
    assert results["probabilistic"].cases > 0
    assert results["probabilistic"].hit_rate >= 0.8


def test_backtest_detects_a_method_that_cannot_see_a_turn() -> None:
    # Growth collapses in the last months of the final year: early-year verdicts are wrong.
    singles = _synthetic_years(5, 0.05, seed=2)
    singles[-1, 7:] *= 0.7
    cumulative = np.cumsum(singles, axis=1)
    growth = np.full_like(cumulative, np.nan)
    growth[1:] = cumulative[1:] / cumulative[:-1] - 1
    res = backtest(cumulative, growth, 0.03, min_years=4, methods=("run_rate",))["run_rate"]
    assert res.cases == PERIODS - 1
    assert res.hit_rate < 1.0
