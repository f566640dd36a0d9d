"""Shared builders for the evaluation tests: a small scheme and long tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.evaluate import Scheme, parse_scheme


def scheme_dict(
    directions: tuple[str, ...] = ("benefit", "benefit", "cost"),
    **overrides: Any,
) -> dict[str, Any]:
    """A scheme with indicators i0, i1, … in one group, expert weights 0.5/0.3/0.2 by default."""
    weights = overrides.pop("indicator_weights", (0.5, 0.3, 0.2, 0.1, 0.1, 0.1)[: len(directions)])
    targets = overrides.pop("targets", None)
    indicators = []
    for k, d in enumerate(directions):
        ind: dict[str, Any] = {
            "code": f"i{k}",
            "name_zh": f"指标{k}",
            "name_en": f"indicator {k}",
            "direction": d,
            "group": "g",
            "weight": weights[k],
        }
        if targets is not None:
            ind["target"] = targets[k]
        indicators.append(ind)
    raw: dict[str, Any] = {
        "name": "test",
        "title_zh": "测试方案",
        "title_en": "test scheme",
        "groups": [{"code": "g", "name_zh": "组", "name_en": "group"}],
        "indicators": indicators,
        "weights": {"method": "expert"},
        "standardisation": {"method": "minmax"},
        "aggregation": "weighted_sum",
        "score_scale": 1.0,
    }
    raw.update(overrides)
    return raw


def long_table(
    matrix: np.ndarray, period: str = "2025", units: list[str] | None = None
) -> pd.DataFrame:
    """Long table of a units × indicators matrix (indicator codes i0, i1, …)."""
    names = units or [f"u{i}" for i in range(matrix.shape[0])]
    rows = [
        (names[i], period, f"i{j}", float(matrix[i, j]))
        for i in range(matrix.shape[0])
        for j in range(matrix.shape[1])
    ]
    return pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"])


@pytest.fixture(scope="session")
def make_scheme() -> Callable[..., Scheme]:
    def build(directions: tuple[str, ...] = ("benefit", "benefit", "cost"), **kw: Any) -> Scheme:
        return parse_scheme(scheme_dict(directions, **kw))

    return build


@pytest.fixture(scope="session")
def make_table() -> Callable[..., pd.DataFrame]:
    return long_table
