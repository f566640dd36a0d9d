"""Targeted-promotion candidate list (精准招商): kinds of enterprise to attract to a weak link.

Each link in chains.yaml lists candidate kinds (e.g. 美妆集合店, 连锁宠物医院). A candidate is
scored from three inputs, each of which can come from local data or be supplied from outside
(market studies, commercial databases) as a table with the same columns:

=============  ==================================================================  =======
input          meaning (default source)                                           unit
=============  ==================================================================  =======
gap_size       the link's gap size, 0–1 (:func:`~.strength.gap_analysis`)          0–1
demand_yuan    local card spending in the candidate's MCCs (card categories +     元
               extra MCCs; default the link's), 12 months to the latest month
growth_pct     matched-panel growth of 限上 retail sales in the candidate's NBS     %
               categories, 12 months on the 12 months before (enterprise_monthly)
=============  ==================================================================  =======

Normalisation (so that components are comparable, all in 0–1):

* ``gap = gap_size`` (already 0–1);
* ``demand = demand_yuan / max(demand_yuan over the rows scored together)``; 0 when that
  maximum is 0 or missing; a missing value counts as 0;
* ``growth = clip((growth_pct − low) / (high − low), 0, 1)`` with fixed bounds (default
  −10 % and +20 %, practice) so scores do not move when other rows change; a missing growth is
  neutral (0.5).

Score: ``100 × (w_gap·gap + w_demand·demand + w_growth·growth) / (w_gap + w_demand + w_growth)``,
default weights 0.4 / 0.35 / 0.25 (practice; configurable). Each row carries the raw inputs,
the normalised components, the weights and the formula with its numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from consumption_monitor.catalog import load_catalog
from consumption_monitor.chains.metrics import (
    effective_categories,
    in_window,
    latest_period,
    matched_growth,
    prepare,
)
from consumption_monitor.chains.models import Candidate, Chains, Link
from consumption_monitor.errors import DataValidationError

INPUT_COLUMNS = ["link_key", "candidate_id", "gap_size", "demand_yuan", "growth_pct"]


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Weights of the three components (any positive scale; normalised by their sum)."""

    gap: float = 0.40
    demand: float = 0.35
    growth: float = 0.25


@dataclass(frozen=True, slots=True)
class GrowthBounds:
    """Growth (%) mapped to 0 at ``low`` and 1 at ``high``."""

    low: float = -10.0
    high: float = 20.0


def _mccs(cand: Candidate | None, link: Link) -> set[str]:
    cats = (
        cand.card_categories if cand and cand.card_categories is not None else link.card_categories
    )
    extra = cand.mcc if cand and cand.mcc is not None else link.mcc
    by_code = {c.code: c for c in load_catalog().card_categories}
    out = {str(m).zfill(4) for m in extra}
    for code in cats:
        if code in by_code:
            out.update(by_code[code].mcc)
    return out


def _categories(cand: Candidate | None, link: Link) -> list[str]:
    return cand.categories if cand and cand.categories is not None else link.categories


def category_growth(em: pd.DataFrame, categories: list[str], latest: str) -> float | None:
    """Matched-panel growth % of sales in ``categories`` (12 months on the 12 before)."""
    cats = effective_categories(categories)
    if not cats or em.empty:
        return None
    sub = em[em["category"].isin(cats)]
    now = sub[in_window(sub["period"], latest)].groupby("enterprise_id")["retail_sales"].sum()
    before = sub[in_window(sub["period"], latest, shift=12)]
    growth, _, _ = matched_growth(now, before.groupby("enterprise_id")["retail_sales"].sum())
    return growth


def candidate_inputs(
    chains: Chains,
    gaps: pd.DataFrame,
    links: list[Link],
    *,
    enterprise_monthly: pd.DataFrame | None = None,
    card_spend: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The scoring inputs of every candidate of ``links`` from local data.

    ``card_spend`` has columns ``mcc, amount`` (元, already limited to the 12-month window);
    ``enterprise_monthly`` is raw or prepared. Missing sources leave demand 0 / growth null.
    """
    em = prepare(enterprise_monthly) if enterprise_monthly is not None else None
    latest = latest_period(em) if em is not None else None
    spend = (
        card_spend.assign(mcc=card_spend["mcc"].astype(str).str.zfill(4))
        .groupby("mcc")["amount"]
        .sum()
        if card_spend is not None and not card_spend.empty
        else pd.Series(dtype=float)
    )
    gap_of = {f"{r['chain_id']}.{r['link_id']}": float(r["gap_size"])
              for r in gaps.to_dict("records")}  # fmt: skip
    rows = []
    for link in links:
        kinds: list[Candidate | None] = list(link.candidates) or [None]
        for cand in kinds:
            mccs = _mccs(cand, link)
            growth = (
                category_growth(em, _categories(cand, link), latest)
                if em is not None and latest is not None
                else None
            )
            rows.append({
                "link_key": link.key,
                "chain_zh": chains.chain(link.chain_id).name_zh, "link_zh": link.name_zh,
                "candidate_id": cand.id if cand else link.id,
                "name_zh": cand.name_zh if cand else link.name_zh,
                "name_en": cand.name_en if cand else link.name_en,
                "gap_size": gap_of.get(link.key, 0.0),
                "demand_yuan": float(spend[spend.index.isin(mccs)].sum()),
                "growth_pct": growth,
                "mcc": ",".join(sorted(mccs)),
                "categories": ",".join(_categories(cand, link)),
            })  # fmt: skip
    return pd.DataFrame(rows)


def score_candidates(
    inputs: pd.DataFrame,
    weights: ScoreWeights | None = None,
    bounds: GrowthBounds | None = None,
) -> pd.DataFrame:
    """Score and rank candidates; ``inputs`` needs at least :data:`INPUT_COLUMNS`.

    Adds ``gap``, ``demand``, ``growth`` (normalised components), ``w_gap``, ``w_demand``,
    ``w_growth`` (weights after normalisation), ``score`` (0–100), ``rank`` and ``formula``.
    """
    w = weights or ScoreWeights()
    b = bounds or GrowthBounds()
    missing = set(INPUT_COLUMNS) - set(inputs.columns)
    total_w = w.gap + w.demand + w.growth
    if missing or total_w <= 0 or b.high <= b.low:
        raise DataValidationError(
            f"candidate scoring: bad inputs (missing columns {sorted(missing)} or bad weights)",
            f"招商候选评分：输入有误（缺少列 {sorted(missing)} 或权重/区间不合理）",
            hint_en="weights must sum to more than 0 and growth bounds must have low < high",
            hint_zh="权重之和须大于 0，增速区间下限须小于上限",
        )
    df = inputs.copy()
    df["gap"] = pd.to_numeric(df["gap_size"], errors="coerce").fillna(0.0).clip(0, 1)
    demand = pd.to_numeric(df["demand_yuan"], errors="coerce").fillna(0.0)
    top = float(demand.max()) if len(demand) else 0.0
    df["demand"] = demand / top if top > 0 else 0.0
    growth = pd.to_numeric(df["growth_pct"], errors="coerce")
    df["growth"] = ((growth - b.low) / (b.high - b.low)).clip(0, 1).fillna(0.5)
    df["w_gap"], df["w_demand"], df["w_growth"] = (
        w.gap / total_w, w.demand / total_w, w.growth / total_w,
    )  # fmt: skip
    df["score"] = (
        100 * (df["w_gap"] * df["gap"] + df["w_demand"] * df["demand"]
               + df["w_growth"] * df["growth"])
    ).round(2)  # fmt: skip
    df["formula"] = [
        f"100×({r['w_gap']:.3f}×{r['gap']:.3f} + {r['w_demand']:.3f}×{r['demand']:.3f} + "
        f"{r['w_growth']:.3f}×{r['growth']:.3f}) = {r['score']:.2f}"
        for r in df.to_dict("records")
    ]
    df = df.sort_values(["score", "candidate_id"], ascending=[False, True]).reset_index(drop=True)
    df["rank"] = range(1, len(df) + 1)
    return df


def scoring_method(
    weights: ScoreWeights | None = None, bounds: GrowthBounds | None = None
) -> dict[str, Any]:
    """The method printed beside every candidate list (weights, bounds, formula)."""
    w, b = weights or ScoreWeights(), bounds or GrowthBounds()
    return {
        "weights": asdict(w),
        "growth_bounds_pct": asdict(b),
        "formula": "score = 100 × (w_gap·gap + w_demand·demand + w_growth·growth) / Σw",
        "gap": "gap_size of the link (0–1, gap analysis)",
        "demand": "demand_yuan / max(demand_yuan) over the list",
        "growth": f"clip((growth_pct − {b.low}) / ({b.high} − {b.low}), 0, 1); missing → 0.5",
        "note_zh": "权重与区间为实践取值，可调整；"
        "可用外部市场数据替换 gap_size/demand_yuan/growth_pct。",
    }


def override_inputs(inputs: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    """Replace local inputs with external ones (e.g. market data) where those are not blank.

    ``external`` has ``link_key, candidate_id`` and any of ``gap_size, demand_yuan,
    growth_pct``; rows match on the two keys; unmatched external rows are ignored.
    """
    keys = ["link_key", "candidate_id"]
    ext = external.set_index(keys)
    df = inputs.set_index(keys).copy()
    for col in ("gap_size", "demand_yuan", "growth_pct"):
        if col in ext.columns:
            values = pd.to_numeric(ext[col], errors="coerce").reindex(df.index)
            df[col] = values.where(values.notna(), df[col])
            df[f"{col}_source"] = values.notna().map({True: "external", False: "local"})
    return df.reset_index()


def promotion_candidates(
    chains: Chains,
    gaps: pd.DataFrame,
    link: str | None = None,
    *,
    enterprise_monthly: pd.DataFrame | None = None,
    card_spend: pd.DataFrame | None = None,
    external: pd.DataFrame | None = None,
    weights: ScoreWeights | None = None,
    bounds: GrowthBounds | None = None,
) -> pd.DataFrame:
    """Scored candidates of one link (``chain.link``) or, with ``link=None``, of every link
    whose gap status is not ``ok`` (scored together so scores compare across links)."""
    if link is not None:
        targets = [chains.find_link(link)]
    else:
        weak = gaps[gaps["status"] != "ok"]
        targets = [
            chains.link(c, lk) for c, lk in zip(weak["chain_id"], weak["link_id"], strict=True)
        ]
    inputs = candidate_inputs(
        chains, gaps, targets, enterprise_monthly=enterprise_monthly, card_spend=card_spend
    )
    if inputs.empty:
        return inputs
    if external is not None:
        inputs = override_inputs(inputs, external)
    return score_candidates(inputs, weights, bounds)
