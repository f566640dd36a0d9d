"""Weight sensitivity: how stable is each unit's rank when the weights move a little?

Monte Carlo (practice): in each of ``runs`` draws every final weight is multiplied by
``1 + u_j`` with ``u_j ~ Uniform(−spread, +spread)`` independently, the weights are renormalised
to sum to 1, and the units are re-scored with the same standardised matrix and aggregation. The
generator is ``numpy.random.default_rng(seed)``, so a seed reproduces the report exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from consumption_monitor.errors import EvaluationError
from consumption_monitor.evaluate.aggregate import rank_scores
from consumption_monitor.evaluate.engine import EvaluationResult, composite

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SensitivityResult:
    """Per unit: share of runs keeping the baseline rank, and the range of ranks seen."""

    units: tuple[str, ...]
    baseline_ranks: IntArray
    rank_kept_share: FloatArray  # in [0, 1]
    min_rank: IntArray
    max_rank: IntArray
    mean_rank: FloatArray
    spread: float
    runs: int
    seed: int

    def to_frame(self) -> pd.DataFrame:
        """One row per unit, in baseline rank order."""
        frame = pd.DataFrame(
            {
                "unit": list(self.units),
                "rank": self.baseline_ranks,
                "rank_kept_share": self.rank_kept_share,
                "min_rank": self.min_rank,
                "max_rank": self.max_rank,
                "mean_rank": self.mean_rank,
            }
        )
        return frame.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)


def perturbed_ranks(
    r: FloatArray,
    w: FloatArray,
    method: str,
    *,
    spread: float,
    runs: int,
    seed: int,
    pool: FloatArray | None = None,
) -> IntArray:
    """Ranks of every unit in each run, shape ``(runs, n_units)``."""
    if not 0 <= spread < 1:
        raise EvaluationError(
            f"the weight spread must lie in [0, 1), got {spread}",
            f"权重扰动幅度必须在 [0, 1) 内，实际为 {spread}",
        )
    if runs < 1:
        raise EvaluationError("runs must be at least 1", "模拟次数至少为 1")
    rng = np.random.default_rng(seed)
    factors = 1.0 + rng.uniform(-spread, spread, size=(runs, len(w)))
    out = np.empty((runs, r.shape[0]), dtype=np.int64)
    for k in range(runs):
        wk = w * factors[k]
        wk = wk / wk.sum()
        out[k] = rank_scores(composite(r, wk, method, pool))
    return out


def sensitivity(
    result: EvaluationResult, *, spread: float = 0.2, runs: int = 1000, seed: int = 2025
) -> SensitivityResult:
    """Perturb ``result``'s weights by ±``spread`` (0.2 = ±20 %) ``runs`` times, seeded.

    >>> import pandas as pd
    >>> from consumption_monitor.evaluate import evaluate, parse_scheme
    >>> scheme = parse_scheme({"name": "demo", "title_zh": "示例", "title_en": "demo",
    ...     "groups": [{"code": "g", "name_zh": "组", "name_en": "group"}],
    ...     "indicators": [{"code": c, "name_zh": c, "name_en": c, "group": "g"} for c in "xy"],
    ...     "weights": {"method": "expert"}})
    >>> data = pd.DataFrame({"unit": list("AABBCC"), "period": 2025,
    ...     "indicator": list("xyxyxy"), "value": [9, 2, 6, 6, 1, 7]})
    >>> s = sensitivity(evaluate(scheme, data), runs=200, seed=7)
    >>> s.to_frame()[["unit", "rank", "min_rank", "max_rank"]].values.tolist()
    [['B', 1, 1, 1], ['A', 2, 2, 3], ['C', 2, 2, 3]]
    """
    all_ranks = perturbed_ranks(
        result.standardised,
        result.weights.weights,
        result.scheme.aggregation,
        spread=spread,
        runs=runs,
        seed=seed,
        pool=result.pool_standardised,
    )
    kept = (all_ranks == result.ranks[None, :]).mean(axis=0)
    return SensitivityResult(
        units=result.units,
        baseline_ranks=result.ranks,
        rank_kept_share=np.asarray(kept, dtype=np.float64),
        min_rank=np.asarray(all_ranks.min(axis=0), dtype=np.int64),
        max_rank=np.asarray(all_ranks.max(axis=0), dtype=np.int64),
        mean_rank=np.asarray(all_ranks.mean(axis=0), dtype=np.float64),
        spread=spread,
        runs=runs,
        seed=seed,
    )
