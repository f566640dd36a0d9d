"""AHP consistency, combined weights and the standardisation methods' edges."""

from __future__ import annotations

import numpy as np
import pytest

from consumption_monitor.errors import EvaluationError
from consumption_monitor.evaluate.standardise import (
    efficacy,
    minmax,
    standardise,
    threshold,
    zscore,
)
from consumption_monitor.evaluate.standardise import vector as vector_norm
from consumption_monitor.evaluate.weights import (
    RANDOM_INDEX,
    ahp_weights,
    combined_weights,
    validate_pairwise,
)

# Saaty's RI, typed in again from METHODOLOGY.md §5 as the independent reference
RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}


def test_random_index_table() -> None:
    assert dict(enumerate(RANDOM_INDEX, start=1)) == RI


def test_perfectly_consistent_matrix_has_cr_zero() -> None:
    # a_ij = w_i / w_j with w = (8, 4, 2, 1): every entry is 1, 2, 4, 8 or a reciprocal
    w = np.array([8.0, 4.0, 2.0, 1.0])
    a = w[:, None] / w[None, :]
    for method in ("eigenvector", "geometric_mean"):
        res = ahp_weights(a, method=method)  # type: ignore[arg-type]
        assert res.weights == pytest.approx(w / 15, abs=1e-9)
        assert res.lambda_max == pytest.approx(4.0, abs=1e-9)
        assert res.ci == pytest.approx(0.0, abs=1e-9)
        assert res.cr == pytest.approx(0.0, abs=1e-9)
        assert res.ri == 0.90


def test_textbook_three_by_three_cr_matches_independent_eigen_computation() -> None:
    a = np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    lam = max(np.linalg.eigvals(a).real)  # independent: principal eigenvalue
    ci = (lam - 3) / (3 - 1)
    cr = ci / RI[3]
    res = ahp_weights(a)
    assert res.lambda_max == pytest.approx(lam, abs=1e-12)
    assert res.ci == pytest.approx(ci, abs=1e-12)
    assert res.cr == pytest.approx(cr, abs=1e-12)
    # the classic textbook values: λmax ≈ 3.039, CR ≈ 0.033 < 0.1
    assert res.lambda_max == pytest.approx(3.0385, abs=1e-4)
    assert res.cr == pytest.approx(0.0332, abs=1e-4)
    # eigenvector vs row geometric mean: close but not identical in general
    gm = np.prod(a, axis=1) ** (1 / 3)
    assert ahp_weights(a, method="geometric_mean").weights == pytest.approx(gm / gm.sum())
    assert res.weights == pytest.approx([0.6370, 0.2583, 0.1047], abs=1e-4)


def test_inconsistent_matrix_is_refused_bilingually() -> None:
    # cyclic judgements: 1 ≫ 2, 2 ≫ 3, 3 ≫ 1
    a = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    with pytest.raises(EvaluationError) as info:
        ahp_weights(a)
    assert "CR" in info.value.en and "0.1" in info.value.en
    assert "一致性检验未通过" in info.value.zh
    assert info.value.http_status == 422
    assert isinstance(info.value, ValueError)


def test_two_by_two_is_always_consistent() -> None:
    res = ahp_weights(np.array([[1.0, 3.0], [1 / 3, 1.0]]))
    assert res.cr == 0.0
    assert res.weights == pytest.approx([0.75, 0.25])


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2], [0.4, 1]], "reciprocal"),
        ([[2, 2], [0.5, 1]], "diagonal"),
        ([[1, 2.5], [0.4, 1]], "Saaty"),
        ([[1, 12], [1 / 12, 1]], "Saaty"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, 2, 3]], "square"),
    ],
)
def test_pairwise_validation(matrix: list[list[float]], message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        validate_pairwise(np.array(matrix, dtype=float))


def test_combined_weights() -> None:
    # 0.7·[.5, .3, .2] + 0.3·[.1, .1, .8] = [.38, .24, .38]
    out = combined_weights(np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.1, 0.8]), 0.7)
    assert out == pytest.approx([0.38, 0.24, 0.38], abs=1e-12)
    with pytest.raises(EvaluationError, match="alpha"):
        combined_weights(np.array([1.0]), np.array([1.0]), 1.5)


X = np.array([[2.0, 10.0], [4.0, 30.0], [6.0, 20.0]])
COST = np.array([False, True])


def test_minmax_hand_and_constant_column() -> None:
    # col 1: (x−2)/4 = [0, .5, 1]; col 2 cost: (30−x)/20 = [1, 0, .5]
    assert minmax(X, COST).tolist() == [[0.0, 1.0], [0.5, 0.0], [1.0, 0.5]]
    assert minmax(np.array([[5.0], [5.0]]), np.array([True])).tolist() == [[1.0], [1.0]]


def test_zscore_vector_efficacy_hand() -> None:
    # col 1 mean 4, population sd sqrt(8/3); col 2 mean 20, sd sqrt(200/3), negated (cost)
    z = zscore(X, COST)
    assert z[:, 0] == pytest.approx(np.array([-2, 0, 2]) / np.sqrt(8 / 3))
    assert z[:, 1] == pytest.approx(-np.array([-10, 10, 0]) / np.sqrt(200 / 3))
    assert zscore(np.array([[1.0], [1.0]]), np.array([False])).tolist() == [[0.0], [0.0]]
    # ||col 1|| = sqrt(4+16+36) = sqrt(56); cost col: 1 − x/sqrt(1400)
    v = vector_norm(X, COST)
    assert v[:, 0] == pytest.approx(X[:, 0] / np.sqrt(56))
    assert v[:, 1] == pytest.approx(1 - X[:, 1] / np.sqrt(1400))
    assert efficacy(X, COST).tolist() == [[60.0, 100.0], [80.0, 60.0], [100.0, 80.0]]


def test_threshold_attainment_caps_and_floors() -> None:
    x = np.array([[-1.0, 0.0], [2.5, 60.0], [7.5, 15.0]])
    t = np.array([5.0, 30.0])
    # benefit: x/5 floored at 0, capped at cap; cost: 30/x capped (x ≤ 0 earns the cap)
    assert threshold(x, COST, t).tolist() == [[0.0, 1.0], [0.5, 0.5], [1.0, 1.0]]
    capped = threshold(x, COST, t, cap=1.2).ravel()
    assert capped == pytest.approx([0, 1.2, 0.5, 0.5, 1.2, 1.2])
    with pytest.raises(EvaluationError, match="positive target"):
        threshold(x, COST, np.array([5.0, 0.0]))
    with pytest.raises(EvaluationError, match="needs targets"):
        standardise(x, COST, "threshold")


def test_non_finite_input_is_refused() -> None:
    with pytest.raises(EvaluationError, match="missing"):
        minmax(np.array([[1.0], [np.nan]]), np.array([False]))
