"""Entropy weights and TOPSIS against hand-worked examples and a naive plain-Python oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from consumption_monitor.errors import EvaluationError
from consumption_monitor.evaluate.aggregate import rank_scores, topsis, weighted_sum
from consumption_monitor.evaluate.standardise import minmax
from consumption_monitor.evaluate.weights import entropy_weights

LN2, LN3 = math.log(2), math.log(3)


def test_entropy_hand_example_with_zero_log_zero() -> None:
    # z (already standardised), n = 3 units:
    #   col 1 = [1, 1, 0]: p = [1/2, 1/2, 0]; Σ p ln p = 2·(1/2)·ln(1/2) + 0·ln0 (= 0) = −ln 2
    #           e1 = ln2 / ln3 = 0.693147 / 1.098612 = 0.6309297536
    #   col 2 = [1, 0, 0]: p = [1, 0, 0];     Σ p ln p = 1·ln 1 = 0            → e2 = 0
    #   col 3 = [1, 1, 1]: p = [1/3]*3;       Σ p ln p = ln(1/3) = −ln 3       → e3 = 1
    #   d = 1 − e = [0.3690702464, 1, 0], Σd = 1.3690702464
    #   w = [0.3690702464/1.3690702464, 1/1.3690702464, 0] = [0.2695772897, 0.7304227103, 0]
    z = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    w, e = entropy_weights(z)
    assert e == pytest.approx([LN2 / LN3, 0.0, 1.0], abs=1e-9)
    d1 = 1 - LN2 / LN3
    assert w == pytest.approx([d1 / (d1 + 1), 1 / (d1 + 1), 0.0], abs=1e-9)
    assert w == pytest.approx([0.2695772897, 0.7304227103, 0.0], abs=1e-9)


def test_entropy_from_raw_matrix_through_minmax() -> None:
    # raw X, 3 units: A benefit [6, 8, 10], B cost [5, 3, 3], C benefit [7, 7, 7]
    #   min-max: A → [0, 0.5, 1]; B (cost, (max−x)/(max−min)) → [0, 1, 1]; C constant → [1, 1, 1]
    #   A: Σz = 1.5, p = [0, 1/3, 2/3]; Σ p ln p = (1/3)ln(1/3) + (2/3)ln(2/3) = −0.6365141683
    #      e_A = 0.6365141683 / 1.0986122887 = 0.5793801643
    #   B: p = [0, 1/2, 1/2]; e_B = ln2/ln3 = 0.6309297536
    #   C: constant, so e_C is 1
    #   d (1 − e) is [0.4206198357, 0.3690702464, 0], its sum 0.7896900821
    #   weights d / Σd: 0.5326391267, 0.4673608733 and 0
    x = np.array([[6.0, 5.0, 7.0], [8.0, 3.0, 7.0], [10.0, 3.0, 7.0]])
    z = minmax(x, np.array([False, True, False]))
    assert z.tolist() == [[0.0, 0.0, 1.0], [0.5, 1.0, 1.0], [1.0, 1.0, 1.0]]
    w, e = entropy_weights(z)
    e_a = -((1 / 3) * math.log(1 / 3) + (2 / 3) * math.log(2 / 3)) / LN3
    assert e == pytest.approx([e_a, LN2 / LN3, 1.0], abs=1e-9)
    assert w == pytest.approx([0.5326391267, 0.4673608733, 0.0], abs=1e-9)


def test_entropy_refusals() -> None:
    with pytest.raises(EvaluationError, match="two units"):
        entropy_weights(np.array([[1.0, 2.0]]))
    with pytest.raises(EvaluationError, match="non-negative"):
        entropy_weights(np.array([[1.0], [-0.5]]))
    with pytest.raises(EvaluationError, match="no indicator differs") as info:
        entropy_weights(np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert "熵权法" in info.value.zh


def naive_entropy_d(z: list[list[float]]) -> list[float]:
    """Unnormalised ``d_j = 1 − e_j`` by plain loops (0·ln0 skipped)."""
    n, m = len(z), len(z[0])
    ds = []
    for j in range(m):
        col_sum = sum(z[i][j] for i in range(n))
        if col_sum == 0:
            ds.append(0.0)
            continue
        acc = 0.0
        for i in range(n):
            p = z[i][j] / col_sum
            if p > 0:
                acc += p * math.log(p)
        e = -acc / math.log(n)
        ds.append(0.0 if e > 1 - 1e-12 else 1 - e)
    return ds


matrices = st.integers(2, 7).flatmap(
    lambda n: st.integers(1, 5).flatmap(
        lambda m: arrays(
            np.float64,
            (n, m),
            elements=st.one_of(st.just(0.0), st.floats(0.0, 100.0, allow_subnormal=False)),
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_entropy_matches_naive_loop(z: np.ndarray) -> None:
    d = naive_entropy_d(z.tolist())
    if sum(d) == 0:
        with pytest.raises(EvaluationError):
            entropy_weights(z)
        return
    assume(sum(d) > 1e-9)
    w, _ = entropy_weights(z)
    assert w.tolist() == pytest.approx([dj / sum(d) for dj in d], abs=1e-9)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


def test_topsis_hand_example_with_cost_criterion() -> None:
    # r = [[1, 0, .5], [0, 1, 1], [.5, .5, 0]], w = [.5, .3, .2], criterion 3 is a cost
    # weighted v (w·r): rows [.5, 0, .1], [0, .3, .2], [.25, .15, 0]
    # ideal best  = [max .5, max .3, min 0 ] = [.5, .3, 0]  (cost reversed)
    # ideal worst = [min 0,  min 0,  max .2] = [0, 0, .2]
    # unit 1: D+ = sqrt(0 + .09 + .01) = sqrt(.10) = .3162277660
    #         D− = sqrt(.25 + 0 + .01) = sqrt(.26) = .5099019514
    #         C = .5099019514/(.3162277660 + .5099019514) = .6172177815
    # unit 2: D+ = sqrt(.25 + 0 + .04) = sqrt(.29) = .5385164807
    #         D− = sqrt(0 + .09 + 0)   = .3                     → C = .3/.8385164807 = .3577747211
    # unit 3: D+ = sqrt(.0625 + .0225 + 0) = sqrt(.085) = .2915475947
    #         D− = sqrt(.0625 + .0225 + .04) = sqrt(.125) = .3535533906 → C = .5480589840
    r = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0], [0.5, 0.5, 0.0]])
    c, dp, dm = topsis(r, np.array([0.5, 0.3, 0.2]), np.array([False, False, True]))
    s = math.sqrt
    assert dp == pytest.approx([s(0.10), s(0.29), s(0.085)], abs=1e-9)
    assert dm == pytest.approx([s(0.26), 0.3, s(0.125)], abs=1e-9)
    assert c == pytest.approx(
        [s(0.26) / (s(0.10) + s(0.26)), 0.3 / (s(0.29) + 0.3), s(0.125) / (s(0.085) + s(0.125))],
        abs=1e-9,
    )
    assert c == pytest.approx([0.6172177815, 0.3577747211, 0.5480589840], abs=1e-9)
    assert rank_scores(c).tolist() == [1, 3, 2]


def naive_topsis(r: list[list[float]], w: list[float], cost: list[bool]) -> list[float]:
    n, m = len(r), len(w)
    v = [[r[i][j] * w[j] for j in range(m)] for i in range(n)]
    best, worst = [], []
    for j in range(m):
        col = [v[i][j] for i in range(n)]
        best.append(min(col) if cost[j] else max(col))
        worst.append(max(col) if cost[j] else min(col))
    out = []
    for i in range(n):
        dp = math.sqrt(sum((v[i][j] - best[j]) ** 2 for j in range(m)))
        dm = math.sqrt(sum((v[i][j] - worst[j]) ** 2 for j in range(m)))
        out.append(1.0 if dp + dm == 0 else dm / (dp + dm))
    return out


@settings(max_examples=150, deadline=None)
@given(matrices, st.data())
def test_topsis_matches_naive_loop(r: np.ndarray, data: st.DataObject) -> None:
    m = r.shape[1]
    w = np.array(data.draw(st.lists(st.floats(0.01, 1.0), min_size=m, max_size=m)))
    w = w / w.sum()
    cost = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    c, _, _ = topsis(r, w, cost)
    assert c.tolist() == pytest.approx(
        naive_topsis(r.tolist(), w.tolist(), cost.tolist()), abs=1e-9
    )
    assert np.all((c >= 0) & (c <= 1))


@settings(max_examples=100, deadline=None)
@given(matrices, st.data())
def test_topsis_on_oriented_minmax_equals_textbook_cost_reversal(
    x: np.ndarray, data: st.DataObject
) -> None:
    # Orienting cost columns as (max−x)/(max−min) is a reflection of the benefit score, so TOPSIS
    # with all-benefit criteria on it equals textbook TOPSIS with reversed ideals.
    m = x.shape[1]
    cost = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    w = np.full(m, 1 / m)
    oriented = minmax(x, cost)
    unoriented = minmax(x, np.zeros(m, dtype=bool))
    flat = x.max(axis=0) == x.min(axis=0)
    assume(not flat.any())  # constant columns score 1.0 either way, not a reflection
    assert topsis(oriented, w)[0] == pytest.approx(topsis(unoriented, w, cost)[0], abs=1e-9)


def test_weighted_sum_hand_example() -> None:
    # [1, .5]·[.7, .3] = .85 ; [0, 1]·[.7, .3] = .3
    assert weighted_sum(np.array([[1.0, 0.5], [0.0, 1.0]]), np.array([0.7, 0.3])) == pytest.approx(
        [0.85, 0.3], abs=1e-12
    )


def test_rank_ties_share_the_best_rank() -> None:
    assert rank_scores(np.array([3.0, 1.0, 3.0, 2.0, 1.0])).tolist() == [1, 4, 1, 3, 4]
    # differences below 1e-10 are floating-point noise, not a ranking
    assert rank_scores(np.array([0.3, 0.1 + 0.2])).tolist() == [1, 1]
