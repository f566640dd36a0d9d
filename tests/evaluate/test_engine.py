"""The engine end to end: properties (monotonicity, invariance), missing values, ranks, pools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from consumption_monitor.errors import DataValidationError, EvaluationError, NotFoundError
from consumption_monitor.evaluate import Scheme, evaluate, scores_frame
from consumption_monitor.evaluate.explain import explanation_frame, result_to_dict

SchemeFactory = Callable[..., Scheme]
TableFactory = Callable[..., pd.DataFrame]

# 4 units × 3 indicators (benefit, benefit, cost), integer values to provoke ties
unit_matrices = arrays(np.float64, (4, 3), elements=st.integers(0, 20).map(float))


@settings(max_examples=60, deadline=None)
@given(unit_matrices, st.integers(0, 3), st.integers(0, 2), st.floats(0.5, 30.0))
def test_improving_an_indicator_never_lowers_the_units_score(
    make_scheme: SchemeFactory,
    make_table: TableFactory,
    x: np.ndarray,
    unit: int,
    col: int,
    delta: float,
) -> None:
    # weighted sum, min-max, fixed expert weights; a cost indicator improves by going down
    scheme = make_scheme()
    better = x.copy()
    better[unit, col] += -delta if col == 2 else delta
    before = evaluate(scheme, make_table(x))
    after = evaluate(scheme, make_table(better))
    i = before.units.index(f"u{unit}")
    assert after.scores[i] >= before.scores[i] - 1e-12


CONFIGS: list[dict[str, Any]] = [
    {"standardisation": {"method": m}, "aggregation": a, "weights": {"method": w}}
    for m in ("minmax", "zscore", "vector", "efficacy")
    for a in ("weighted_sum", "topsis")
    for w in ("expert", "entropy")
    if not (m == "zscore" and a == "topsis")
] + [
    {
        "standardisation": {"method": "zscore"},
        "aggregation": "topsis",
        "weights": {"method": "entropy"},
    }
]


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, (5, 3), elements=st.integers(1, 50).map(float)),
    st.integers(0, 2),
    st.sampled_from([0.001, 0.37, 10.0, 10_000.0]),
)
def test_rescaling_an_indicator_does_not_change_ranks(
    make_scheme: SchemeFactory,
    make_table: TableFactory,
    x: np.ndarray,
    col: int,
    factor: float,
) -> None:
    # e.g. 万元 → 元: min-max, z-score, vector, efficacy scores, entropy weights and TOPSIS are
    # all invariant to a positive change of unit
    scaled = x.copy()
    scaled[:, col] *= factor
    for config in CONFIGS:
        scheme = make_scheme(**config)
        try:
            a = evaluate(scheme, make_table(x))
        except EvaluationError:  # e.g. entropy with every column constant
            continue
        b = evaluate(scheme, make_table(scaled))
        assert b.ranks.tolist() == a.ranks.tolist(), config
        assert b.scores == pytest.approx(a.scores, abs=1e-9), config


def test_hand_example_scores_ranks_and_explanation(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    # i0 benefit [10, 20, 30] → [0, .5, 1]; i1 benefit [5, 5, 1] → [1, 1, 0]; i2 cost [3, 1, 2]
    # → (3−x)/2 = [0, 1, .5]. Weights .5/.3/.2:
    #   u0 = 0 + .3 + 0 = .3 ; u1 = .25 + .3 + .2 = .75 ; u2 = .5 + 0 + .1 = .6
    x = np.array([[10.0, 5.0, 3.0], [20.0, 5.0, 1.0], [30.0, 1.0, 2.0]])
    res = evaluate(make_scheme(score_scale=100.0), make_table(x))
    assert res.scores == pytest.approx([30.0, 75.0, 60.0], abs=1e-9)
    assert res.ranks.tolist() == [3, 1, 2]
    # contributions add up to the score; effects add up to score − mean score (55)
    assert res.contributions.sum(axis=1) == pytest.approx(res.scores, abs=1e-9)
    assert res.effects.sum(axis=1) == pytest.approx(res.scores - 55.0, abs=1e-9)
    # u2 vs average on i0: w·(r − mean r) ·100 = .5·(1 − .5)·100 = +25
    assert res.effects[2, 0] == pytest.approx(25.0, abs=1e-9)
    frame = scores_frame(res, "en")
    assert frame["unit"].tolist() == ["u1", "u2", "u0"]
    assert frame.loc[1, "raised_by"].startswith("indicator 0 +25.00")
    assert frame.loc[1, "lowered_by"].startswith("indicator 1 -20.00")  # .3·(0 − 2/3)·100
    expl = explanation_frame(res)
    assert len(expl) == 9 and set(expl.columns) >= {"contribution", "effect_vs_average"}


def test_topsis_effects_have_the_sign_of_the_gap_to_average(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    x = np.array([[10.0, 5.0, 3.0], [20.0, 4.0, 1.0], [30.0, 1.0, 2.0], [25.0, 2.0, 2.5]])
    res = evaluate(make_scheme(aggregation="topsis"), make_table(x))
    gap = res.standardised - res.standardised.mean(axis=0)
    assert np.all(np.sign(np.round(res.effects, 12)) == np.sign(np.round(gap, 12)))


def test_ties_share_a_rank(make_scheme: SchemeFactory, make_table: TableFactory) -> None:
    x = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [3.0, 2.0, 0.0], [0.0, 0.0, 5.0]])
    res = evaluate(make_scheme(), make_table(x))
    assert res.ranks.tolist() == [2, 2, 1, 4]


def test_missing_values_are_refused_with_unit_and_indicator(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    data = make_table(np.arange(9.0).reshape(3, 3))
    data = data[~((data["unit"] == "u1") & (data["indicator"] == "i2"))]
    with pytest.raises(DataValidationError) as info:
        evaluate(make_scheme(), data)
    (problem,) = info.value.problems
    assert problem.where is not None
    assert problem.where.entry == "u1 / 2025" and problem.where.field == "i2"
    assert "missing: worst" in (info.value.hint_en or "")


def test_missing_policy_worst_fills_and_flags(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    x = np.array([[1.0, 4.0, 9.0], [2.0, 5.0, 7.0], [3.0, 6.0, 8.0]])
    data = make_table(x)
    data.loc[(data["unit"] == "u2") & (data["indicator"] == "i2"), "value"] = np.nan
    data.loc[(data["unit"] == "u0") & (data["indicator"] == "i1"), "value"] = None
    res = evaluate(make_scheme(missing="worst"), data)
    # cost i2: worst reported is the max (9); benefit i1: worst is the min of the others (5)
    assert res.raw[2, 2] == 9.0 and res.raw[0, 1] == 5.0
    assert res.imputed.tolist() == [
        [False, True, False],
        [False, False, False],
        [False, False, True],
    ]
    assert scores_frame(res).set_index("unit").loc["u2", "imputed_worst"] == "i2"
    # a column nobody reported is refused even under `worst`
    data2 = make_table(x)
    data2.loc[data2["indicator"] == "i0", "value"] = np.nan
    with pytest.raises(DataValidationError, match="no unit reported"):
        evaluate(make_scheme(missing="worst"), data2)


def test_input_table_problems_are_located(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    data = make_table(np.ones((2, 3)))
    with pytest.raises(DataValidationError, match="lacks column"):
        evaluate(make_scheme(), data.drop(columns="value"))
    dup = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="duplicate") as info:
        evaluate(make_scheme(), dup)
    assert {p.where.row for p in info.value.problems if p.where} == {2, 8}
    bad = data.astype({"value": object})
    bad.loc[3, "value"] = "n/a"
    with pytest.raises(DataValidationError) as info2:
        evaluate(make_scheme(), bad)
    assert info2.value.problems[0].where is not None
    assert info2.value.problems[0].where.row == 5
    with pytest.raises(NotFoundError):
        evaluate(make_scheme(), data, "1999")
    with pytest.raises(EvaluationError, match="two units"):
        evaluate(make_scheme(), data[data["unit"] == "u0"])


def test_rank_change_against_previous_period(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    y2024 = np.array([[3.0, 3.0, 0.0], [2.0, 2.0, 1.0], [1.0, 1.0, 2.0]])  # ranks u0 1, u1 2, u2 3
    y2025 = np.array([[1.0, 1.0, 2.0], [2.0, 2.0, 1.0], [3.0, 3.0, 0.0]])  # ranks u0 3, u1 2, u2 1
    data = pd.concat(
        [make_table(y2024, "2024"), make_table(y2025, "2025"), make_table(y2025, "2023")]
    )
    data = pd.concat([data, pd.DataFrame([["u0", "2025", "unknown", 1.0]], columns=data.columns)])
    res = evaluate(make_scheme(), data, 2025)
    assert res.previous_period == "2024"
    assert res.previous_ranks == (1, 2, 3)
    assert res.rank_change() == (-2, 0, 2)
    assert res.ignored_indicators == ("unknown",)
    out = result_to_dict(res)
    assert out["scores"][0]["unit"] == "u2" and out["scores"][0]["rank_change"] == 2
    # the earliest period has nothing to compare with
    first = evaluate(make_scheme(), data, "2023")
    assert first.previous_period is None and first.rank_change() == (None, None, None)


def test_stacked_pool_uses_earlier_periods(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    # i0 in 2024: [0, 100]; in 2025: [40, 60]. Stacked min-max over both years: (x − 0)/100
    y2024 = np.array([[0.0, 1.0, 1.0], [100.0, 1.0, 1.0]])
    y2025 = np.array([[40.0, 1.0, 1.0], [60.0, 1.0, 1.0]])
    data = pd.concat([make_table(y2024, "2024"), make_table(y2025, "2025")])
    within = evaluate(make_scheme(), data, "2025")
    stacked = evaluate(
        make_scheme(standardisation={"method": "minmax", "period": "stacked"}), data, "2025"
    )
    assert within.standardised[:, 0].tolist() == [0.0, 1.0]
    assert stacked.standardised[:, 0] == pytest.approx([0.4, 0.6])
    assert stacked.pool_periods == ("2024", "2025")
    window1 = evaluate(
        make_scheme(standardisation={"method": "minmax", "period": "stacked", "window": 1}),
        data,
        "2025",
    )
    assert window1.pool_periods == ("2025",)


def test_ahp_entropy_and_combined_weights_in_the_engine(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    # i0 [6, 8, 10] → [0, .5, 1]; i1 cost [5, 3, 3] → [0, 1, 1]; i2 constant → entropy weight 0
    x = np.array([[6.0, 7.0, 5.0], [8.0, 7.0, 3.0], [10.0, 7.0, 3.0]])
    data = make_table(x)
    ent = evaluate(make_scheme(weights={"method": "entropy"}), data)
    assert ent.weights.weights == pytest.approx([0.5326391267, 0.0, 0.4673608733], abs=1e-9)
    ahp = {
        "level": "indicator",
        "order": ["i0", "i1", "i2"],
        "matrix": [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]],
    }
    a = evaluate(make_scheme(weights={"method": "ahp", "ahp": ahp}), data)
    assert a.weights.weights == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-9)
    assert a.weights.ahp is not None and a.weights.ahp.cr == pytest.approx(0.0, abs=1e-9)
    c = evaluate(make_scheme(weights={"method": "combined", "ahp": ahp, "alpha": 0.25}), data)
    expected = 0.25 * np.array([4 / 7, 2 / 7, 1 / 7]) + 0.75 * ent.weights.weights
    assert c.weights.weights == pytest.approx(expected, abs=1e-9)
