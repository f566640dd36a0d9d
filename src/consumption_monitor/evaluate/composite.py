"""A consumption scheme nested inside a wider 高质量发展综合绩效 scheme.

The plan asks to 合理调整消费类指标在高质量发展综合绩效中的权重: the consumption block is one
block of the wider performance evaluation, and its weight is a policy choice. A composite
scheme lists the blocks; the consumption block is scored by an ordinary scheme
(``district_default``), every other block's score (0–``score_scale``) comes from the input table
(``indicator`` = the block code), as the 考核办 already computes them.

With consumption weight ``w`` the other blocks keep their relative weights::

    w_k(w) = w_k · (1 − w) / Σ_{j ≠ c} w_j          C_i(w) = w · S_i + (1 − w) · O_i

where ``S_i`` is unit i's consumption score and ``O_i`` the weighted mean of its other blocks.
``C_i`` is linear in ``w``, so two units swap places at most once, at
``w* = (O_j − O_i) / ((S_i − O_i) − (S_j − O_j))`` (:func:`crossovers`). Worked example:
docs/evaluation.md "Nested in 高质量发展综合绩效".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from consumption_monitor.errors import (
    ConsumptionMonitorError,
    DataValidationError,
    EvaluationError,
    Location,
    NotFoundError,
)
from consumption_monitor.evaluate.aggregate import rank_scores
from consumption_monitor.evaluate.engine import EvaluationResult, prepare_table

COMPOSITES_DIR = Path(__file__).parent / "composites"

FloatArray = npt.NDArray[np.float64]

#: Consumption weights shown by default when the weight is swept (5 % … 40 %).
DEFAULT_SWEEP: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Block(_Model):
    """One block (一级板块) of the wider scheme; ``scheme`` only for the consumption block."""

    code: str = Field(min_length=1)
    name_zh: str
    name_en: str
    weight: float = Field(gt=0)
    scheme: str | None = None


class CompositeScheme(_Model):
    """A wider performance scheme with one block scored by a consumption scheme."""

    name: str
    title_zh: str
    title_en: str
    unit_kind: Literal["district", "department", "other"] = "district"
    description_zh: str = ""
    description_en: str = ""
    blocks: list[Block] = Field(min_length=2)
    consumption_block: str
    score_scale: float = Field(default=100.0, gt=0)
    sweep: tuple[float, ...] = DEFAULT_SWEEP

    @model_validator(mode="after")
    def _checks(self) -> CompositeScheme:
        codes = [b.code for b in self.blocks]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate block code in {codes}")
        if self.consumption_block not in codes:
            raise ValueError(f"consumption_block {self.consumption_block!r} is not a block")
        for b in self.blocks:
            if (b.code == self.consumption_block) != (b.scheme is not None):
                raise ValueError(
                    f"block {b.code!r}: only the consumption block names a `scheme`, and it must"
                )
        if any(not 0 <= w <= 1 for w in self.sweep):
            raise ValueError("sweep weights must lie in [0, 1]")
        return self

    @property
    def consumption(self) -> Block:
        return next(b for b in self.blocks if b.code == self.consumption_block)

    @property
    def others(self) -> list[Block]:
        return [b for b in self.blocks if b.code != self.consumption_block]

    @property
    def base_weight(self) -> float:
        """The consumption block's share of the weights as written in the file."""
        return self.consumption.weight / sum(b.weight for b in self.blocks)

    def weights_at(self, w: float) -> dict[str, float]:
        """Every block's weight when the consumption block weighs ``w`` (others keep ratios)."""
        check_weight(w)
        rest = sum(b.weight for b in self.others)
        out = {b.code: b.weight * (1 - w) / rest for b in self.others}
        out[self.consumption_block] = w
        return out


def check_weight(w: float) -> None:
    """A consumption weight must lie in [0, 1]."""
    if not 0 <= w <= 1:
        raise DataValidationError(
            f"the consumption weight must lie between 0 and 1, not {w}",
            f"消费板块权重应在 0 到 1 之间，而不是 {w}",
            hint_en="write a share such as 0.2 (20 %)",
            hint_zh="请写成比例，如 0.2 表示 20%",
        )


def available_composites() -> list[str]:
    return sorted(p.stem for p in COMPOSITES_DIR.glob("*.yaml"))


def load_composite(name_or_path: str | Path) -> CompositeScheme:
    """Load a built-in composite scheme by name or a YAML file by path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = COMPOSITES_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise NotFoundError(
            f"composite scheme {str(name_or_path)!r} not found; built-in: {available_composites()}",
            f"找不到综合绩效方案 {str(name_or_path)!r}；内置方案：{available_composites()}",
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return CompositeScheme.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EvaluationError(
            f"invalid composite scheme: {first['msg']}",
            f"综合绩效方案有误：{first['msg']}",
            where=Location(file=str(path), field=".".join(str(p) for p in first["loc"])),
            hint_en="docs/evaluation.md describes every field",
            hint_zh="各字段说明见 docs/evaluation.md",
        ) from None


@dataclass(frozen=True)
class CompositeResult:
    """Block scores per unit and the composite at one consumption weight."""

    scheme: CompositeScheme
    period: str
    units: tuple[str, ...]
    blocks: tuple[str, ...]
    block_scores: FloatArray  # units × blocks, on score_scale
    weight: float  # the consumption block's weight used
    weights: dict[str, float]
    scores: FloatArray
    ranks: npt.NDArray[np.int64]

    def other_mean(self) -> FloatArray:
        """``O_i``: each unit's other blocks weighted by their relative base weights."""
        others = self.scheme.others
        total = sum(b.weight for b in others)
        cols = [self.blocks.index(b.code) for b in others]
        rel = np.array([b.weight / total for b in others])
        return np.asarray(self.block_scores[:, cols] @ rel, dtype=np.float64)

    def consumption_scores(self) -> FloatArray:
        return np.asarray(
            self.block_scores[:, self.blocks.index(self.scheme.consumption_block)],
            dtype=np.float64,
        )

    def at(self, w: float) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """Composite scores and ranks at consumption weight ``w``."""
        check_weight(w)
        scores = w * self.consumption_scores() + (1 - w) * self.other_mean()
        return scores, rank_scores(scores)


def block_scores(
    scheme: CompositeScheme,
    data: pd.DataFrame,
    period: str,
    consumption: EvaluationResult | None,
) -> tuple[tuple[str, ...], FloatArray]:
    """Units × block scores: the consumption block from ``consumption`` (or the table), others
    from the table. Every unit needs every block; a score outside 0–score_scale is refused."""
    df = prepare_table(data) if len(data) else data
    rows = df[df["period"] == period] if len(df) else df
    by_block: dict[str, dict[str, float]] = {}
    for b in scheme.blocks:
        part = rows[rows["indicator"] == b.code] if len(rows) else rows
        by_block[b.code] = {
            str(u): float(v) for u, v in zip(part["unit"], part["value"], strict=True)
        }
    c = scheme.consumption_block
    if consumption is not None and not by_block[c]:
        by_block[c] = dict(zip(consumption.units, consumption.scores.tolist(), strict=True))
    everyone = {u for m in by_block.values() for u in m}
    units = sorted(by_block[c]) if by_block[c] else sorted(everyone)
    problems: list[ConsumptionMonitorError] = []
    for b in scheme.blocks:
        for u in units:
            v = by_block[b.code].get(u)
            if v is None:
                problems.append(
                    DataValidationError(
                        f"{u} has no {b.name_en} score for {period}",
                        f"{u} 缺少 {period} 年“{b.name_zh}”板块得分",
                        where=Location(entry=u, field=b.code),
                    )
                )
            elif not 0 <= v <= scheme.score_scale:
                problems.append(
                    DataValidationError(
                        f"{u}: {b.name_en} score {v} is outside 0–{scheme.score_scale:g}",
                        f"{u}：“{b.name_zh}”得分 {v} 不在 0–{scheme.score_scale:g} 之间",
                        where=Location(entry=u, field=b.code, value=str(v)),
                    )
                )
    if problems:
        raise DataValidationError(
            f"{len(problems)} block score(s) missing or out of range: "
            + "; ".join(p.en for p in problems[:6]),
            f"{len(problems)} 个板块得分缺失或超出范围：" + "；".join(p.zh for p in problems[:6]),
            hint_en="give every unit a score for every block (input rows: unit, period, "
            "indicator = block code, value)",
            hint_zh="请为每个单位提供每个板块的得分"
            "（输入长表：unit, period, indicator=板块代码, value）",
            problems=problems,
        )
    if len(units) < 2:
        raise EvaluationError(
            "at least two units are needed to rank", "至少需要两个评价对象才能排名"
        )
    matrix = np.array([[by_block[b.code][u] for b in scheme.blocks] for u in units])
    return tuple(units), matrix


def evaluate_composite(
    scheme: CompositeScheme,
    data: pd.DataFrame,
    period: str,
    *,
    consumption: EvaluationResult | None = None,
    weight: float | None = None,
) -> CompositeResult:
    """Score the units with the consumption block at ``weight`` (default: the file's share)."""
    w = scheme.base_weight if weight is None else weight
    units, matrix = block_scores(scheme, data, period, consumption)
    blocks = tuple(b.code for b in scheme.blocks)
    weights = scheme.weights_at(w)
    vec = np.array([weights[b] for b in blocks])
    scores = np.asarray(matrix @ vec, dtype=np.float64)
    return CompositeResult(
        scheme=scheme,
        period=period,
        units=units,
        blocks=blocks,
        block_scores=matrix,
        weight=w,
        weights=weights,
        scores=scores,
        ranks=rank_scores(scores),
    )


def sweep(result: CompositeResult, weights: tuple[float, ...] | None = None) -> pd.DataFrame:
    """Rank (and score) of every unit at each consumption weight: one row per unit × weight."""
    rows: list[dict[str, Any]] = []
    for w in weights or result.scheme.sweep:
        scores, ranks = result.at(w)
        for u, s, r in zip(result.units, scores.tolist(), ranks.tolist(), strict=True):
            rows.append({"weight": w, "unit": u, "score": s, "rank": r})
    return pd.DataFrame(rows, columns=["weight", "unit", "score", "rank"])


def crossovers(result: CompositeResult) -> pd.DataFrame:
    """Every consumption weight in (0, 1) at which two units swap places, and who gains.

    ``gains``: the unit with the higher consumption score, which passes ``loses`` as the
    consumption weight rises past ``weight``.
    """
    s, o = result.consumption_scores(), result.other_mean()
    slope = s - o  # dC_i/dw
    rows: list[dict[str, Any]] = []
    n = len(result.units)
    for i in range(n):
        for j in range(i + 1, n):
            denom = slope[i] - slope[j]
            if abs(denom) < 1e-12:
                continue
            w = (o[j] - o[i]) / denom
            if 0 < w < 1:
                hi, lo = (i, j) if slope[i] > slope[j] else (j, i)
                rows.append(
                    {
                        "weight": float(w),
                        "gains": result.units[hi],
                        "loses": result.units[lo],
                        "score": float(w * s[i] + (1 - w) * o[i]),
                    }
                )
    frame = pd.DataFrame(rows, columns=["weight", "gains", "loses", "score"])
    return frame.sort_values(["weight", "gains"]).reset_index(drop=True)
