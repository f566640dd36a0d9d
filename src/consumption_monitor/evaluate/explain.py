"""Why a unit scored what it scored: contributions and effects against the average unit.

Two numbers per unit and indicator, both in score points (× ``score_scale``):

* **contribution** ``w_j · r_ij``: the indicator's weighted standardised score. For the weighted
  sum the contributions add up to the score exactly.
* **effect vs average**: the unit's score minus the score it would get if only this indicator
  were at the average unit's standardised level (mean over the evaluated units), all else equal.
  Positive = this indicator raised the unit above the average unit, negative = lowered it. For the
  weighted sum this is ``w_j (r_ij − r̄_j)`` and the effects add up to ``score − mean score``
  exactly; for TOPSIS (non-linear) the ideals are held fixed and the effects need not add up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from consumption_monitor.evaluate.aggregate import topsis

if TYPE_CHECKING:
    from consumption_monitor.evaluate.engine import EvaluationResult

FloatArray = npt.NDArray[np.float64]


def effects_vs_average(
    r: FloatArray, w: FloatArray, method: str, pool: FloatArray | None = None
) -> FloatArray:
    """Unscaled effect of each indicator vs the average unit (see the module docstring).

    >>> effects_vs_average(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.6, 0.4]), "weighted_sum")
    array([[ 0.3, -0.2],
           [-0.3,  0.2]])
    """
    arr = np.asarray(r, dtype=np.float64)
    ww = np.asarray(w, dtype=np.float64)
    mean = arr.mean(axis=0)
    if method == "weighted_sum":
        return np.asarray((arr - mean) * ww, dtype=np.float64)
    ref = (arr if pool is None else pool) * ww
    ideal = (ref.max(axis=0), ref.min(axis=0))
    base = topsis(arr, ww, ideal=ideal)[0]
    out = np.empty_like(arr)
    for j in range(arr.shape[1]):
        what_if = arr.copy()
        what_if[:, j] = mean[j]
        out[:, j] = base - topsis(what_if, ww, ideal=ideal)[0]
    return out


def _name(result: EvaluationResult, code: str, lang: str) -> str:
    ind = result.scheme.indicator(code)
    return ind.name_zh if lang == "zh" else ind.name_en


def top_effects(
    result: EvaluationResult, unit: str, k: int = 2, lang: str = "zh"
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The ``k`` indicators that raised and the ``k`` that lowered ``unit`` most vs average."""
    i = result.unit_index(unit)
    eff = result.effects[i]
    order = np.argsort(-eff, kind="stable")
    up = [(_name(result, result.indicators[j], lang), float(eff[j])) for j in order if eff[j] > 0]
    down = [
        (_name(result, result.indicators[j], lang), float(eff[j]))
        for j in order[::-1]
        if eff[j] < 0
    ]
    return up[:k], down[:k]


def scores_frame(result: EvaluationResult, lang: str = "zh") -> pd.DataFrame:
    """One row per unit, best first: rank, unit, score, previous rank, rank change, flags."""
    change = result.rank_change()
    rows = []
    for i, unit in enumerate(result.units):
        up, down = top_effects(result, unit, 2, lang)
        imputed = [c for c, flag in zip(result.indicators, result.imputed[i], strict=True) if flag]
        rows.append(
            {
                "rank": int(result.ranks[i]),
                "unit": unit,
                "score": float(result.scores[i]),
                "previous_rank": result.previous_ranks[i] if result.previous_ranks else None,
                "rank_change": change[i],
                "raised_by": "; ".join(f"{n} {v:+.2f}" for n, v in up),
                "lowered_by": "; ".join(f"{n} {v:+.2f}" for n, v in down),
                "imputed_worst": ", ".join(imputed),
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("previous_rank", "rank_change"):
        frame[col] = frame[col].astype("Int64")
    return frame.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)


def explanation_frame(result: EvaluationResult, lang: str = "zh") -> pd.DataFrame:
    """Long table unit × indicator: raw value, standardised score, weight, contribution, effect."""
    rows = []
    for i, unit in enumerate(result.units):
        for j, code in enumerate(result.indicators):
            rows.append(
                {
                    "unit": unit,
                    "indicator": code,
                    "name": _name(result, code, lang),
                    "raw_value": float(result.raw[i, j]),
                    "imputed_worst": bool(result.imputed[i, j]),
                    "standardised": float(result.standardised[i, j]),
                    "weight": float(result.weights.weights[j]),
                    "contribution": float(result.contributions[i, j]),
                    "effect_vs_average": float(result.effects[i, j]),
                }
            )
    return pd.DataFrame(rows)


def weights_frame(result: EvaluationResult, lang: str = "zh") -> pd.DataFrame:
    """One row per indicator: group, direction, final weight and its ingredients."""
    rep = result.weights
    rows = []
    for j, code in enumerate(rep.codes):
        ind = result.scheme.indicator(code)
        group = result.scheme.group(ind.group)
        rows.append(
            {
                "indicator": code,
                "name": ind.name_zh if lang == "zh" else ind.name_en,
                "group": group.name_zh if lang == "zh" else group.name_en,
                "direction": ind.direction,
                "component": ind.component,
                "weight": float(rep.weights[j]),
                "subjective_weight": None if rep.subjective is None else float(rep.subjective[j]),
                "entropy_weight": None if rep.entropy is None else float(rep.entropy[j]),
                "entropy_e": None if rep.entropy_e is None else float(rep.entropy_e[j]),
            }
        )
    return pd.DataFrame(rows)


def method_summary(result: EvaluationResult) -> dict[str, Any]:
    """The method choices and AHP consistency figures, for captions and JSON."""
    rep = result.weights
    spec = result.scheme.standardisation
    out: dict[str, Any] = {
        "scheme": result.scheme.name,
        "period": result.period,
        "weights_method": rep.method,
        "standardisation": spec.method,
        "standardisation_period": spec.period,
        "pool_periods": list(result.pool_periods),
        "aggregation": result.scheme.aggregation,
        "missing_policy": result.scheme.missing,
        "score_scale": result.scheme.score_scale,
        "previous_period": result.previous_period,
        "ignored_indicators": list(result.ignored_indicators),
        "notes": list(result.notes),
    }
    if rep.ahp is not None:
        out["ahp"] = {
            "level": rep.ahp_level,
            "order": list(rep.ahp_order),
            "method": rep.ahp.method,
            "weights": [float(x) for x in rep.ahp.weights],
            "lambda_max": rep.ahp.lambda_max,
            "ci": rep.ahp.ci,
            "ri": rep.ahp.ri,
            "cr": rep.ahp.cr,
        }
    if rep.alpha is not None:
        out["alpha"] = rep.alpha
    return out


def result_to_dict(result: EvaluationResult, lang: str = "zh") -> dict[str, Any]:
    """JSON-ready result: method, weights, scores and the per-unit explanation."""
    scores = scores_frame(result, lang).astype(object)
    expl = explanation_frame(result, lang).astype(object)
    weights = weights_frame(result, lang).astype(object)
    return {
        "method": method_summary(result),
        "weights": weights.where(weights.notna(), None).to_dict(orient="records"),
        "scores": scores.where(scores.notna(), None).to_dict(orient="records"),
        "explanation": expl.to_dict(orient="records"),
    }
