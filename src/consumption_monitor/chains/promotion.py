"""Targeted-promotion candidate list (精准招商): kinds of enterprise to attract to a weak link.

Each link in chains.yaml lists candidate kinds (e.g. 美妆集合店, 连锁宠物医院). A candidate is
scored from four inputs, each from the city's own data by default, and each replaceable by an
outside table with the same columns (market studies, commercial databases):

=================  ===============================================================  =======
input              meaning (default source)                                         unit
=================  ===============================================================  =======
gap_size           the link's gap size, 0–1 (:func:`~.strength.gap_analysis`)        0–1
card_yuan          card spending in the candidate's MCCs (consumer side), 12 months   元
                   to the latest month; ``channel: online`` counts online payments
                   only, ``offline`` the rest
enterprise_yuan    限上 retail sales in the candidate's NBS categories (enterprise    元
                   side, 万元 × 10 000), same window and channel rule
                   (``demand_yuan`` is their sum, shown for reference)
growth_pct         matched-panel growth of 限上 retail sales in the candidate's NBS   %
                   categories, 12 months on the 12 months before (enterprise_monthly)
first_store_count  首店 registered in the candidate's formats (``formats``, e.g. 美妆)   count
                   over the same 12 months: brands' interest in the city
=================  ===============================================================  =======

A candidate inherits categories, card categories, MCCs and formats from its link unless it
declares its own; candidates of one link differ by what they serve (a fragrance house serves
cosmetics and daily-use goods, an active-ingredient lab cosmetics and medicines), so their
demand differs and the ranking separates them.

Normalisation (so that components are comparable, all in 0–1):

* ``gap = gap_size`` (already 0–1);
* ``demand`` = the mean of ``card_yuan / max(card_yuan)`` and
  ``enterprise_yuan / max(enterprise_yuan)`` over the rows scored together (the two sides
  overlap and sit on different scales, so they are not added); a side with no data in the
  list is left out, a missing value counts as 0; an outside ``demand_yuan`` stands for both;
* ``growth = clip((growth_pct − low) / (high − low), 0, 1)`` with fixed bounds (default
  −10 % and +20 %, practice) so scores do not move when other rows change; a missing growth is
  neutral (0.5);
* ``interest = first_store_count / max(first_store_count)``; 0 when no 首店 is registered.

Score: ``100 × Σ w_k·component_k / Σ w_k`` over gap, demand, growth and interest, default
weights 0.35 / 0.30 / 0.20 / 0.15 (practice; configurable). Each row carries the raw inputs,
the normalised components, the weights, each term's points and the formula with its numbers.
Rows with equal scores are ordered by demand, then by id.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
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
OPTIONAL_INPUTS = ["first_store_count"]
TERMS = ("gap", "demand", "growth", "interest")
_TERM_ZH = {"gap": "缺口", "demand": "需求", "growth": "增长", "interest": "首店热度"}


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Weights of the four components (any positive scale; normalised by their sum)."""

    gap: float = 0.35
    demand: float = 0.30
    growth: float = 0.20
    interest: float = 0.15


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


def _formats(cand: Candidate | None, link: Link) -> list[str]:
    return cand.formats if cand and cand.formats is not None else link.formats


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


def category_sales_yuan(
    em: pd.DataFrame, categories: list[str], latest: str, channel: str = "all"
) -> float:
    """限上 retail sales (元) in ``categories`` over the 12 months to ``latest``.

    ``channel="online"`` counts ``online_retail_sales`` only, ``"offline"`` the rest.
    ``enterprise_monthly`` is in 万元, hence the factor 10 000.

    >>> em = pd.DataFrame({"enterprise_id": ["a", "a"], "period": ["2025-05", "2025-06"],
    ...     "category": ["cosmetics", "cosmetics"], "retail_sales": [3.0, 5.0],
    ...     "online_retail_sales": [1.0, 2.0]})
    >>> category_sales_yuan(em, ["cosmetics"], "2025-06", "online")
    30000.0
    """
    cats = effective_categories(categories)
    if not cats or em.empty:
        return 0.0
    sub = em[em["category"].isin(cats) & in_window(em["period"], latest)]
    total = float(sub["retail_sales"].sum())
    online = float(sub["online_retail_sales"].sum()) if "online_retail_sales" in sub else 0.0
    wan = {"online": online, "offline": total - online}.get(channel, total)
    return wan * 10_000


def _card_spend_by(card_spend: pd.DataFrame | None, channel: str) -> pd.Series:
    """Card spending (元) by MCC, limited to ``channel`` when the frame carries one."""
    if card_spend is None or card_spend.empty:
        return pd.Series(dtype=float)
    df = card_spend.assign(mcc=card_spend["mcc"].astype(str).str.zfill(4))
    if channel != "all" and "channel" in df.columns:
        df = df[df["channel"].astype(str) == channel]
    return df.groupby("mcc")["amount"].sum()


def first_store_counts(first_stores: pd.DataFrame | None, latest: str | None) -> pd.Series:
    """Number of 首店 per format (``category`` column) over the 12 months to ``latest``."""
    if first_stores is None or first_stores.empty or latest is None:
        return pd.Series(dtype=float)
    if "category" not in first_stores or "open_date" not in first_stores:
        return pd.Series(dtype=float)
    opened = pd.to_datetime(first_stores["open_date"], errors="coerce")
    periods = opened.dt.strftime("%Y-%m").fillna("0000-01")
    recent = first_stores[in_window(periods, latest).to_numpy()]
    return recent["category"].astype(str).value_counts().astype(float)


def candidate_inputs(
    chains: Chains,
    gaps: pd.DataFrame,
    links: list[Link],
    *,
    enterprise_monthly: pd.DataFrame | None = None,
    card_spend: pd.DataFrame | None = None,
    first_stores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The scoring inputs of every candidate of ``links`` from local data.

    ``card_spend`` has columns ``mcc, amount`` (元, already limited to the 12-month window) and
    optionally ``channel``; ``enterprise_monthly`` is raw or prepared; ``first_stores`` is the
    registry (``open_date``, ``category``). Missing sources leave their input 0 / growth null.
    """
    em = prepare(enterprise_monthly) if enterprise_monthly is not None else None
    latest = latest_period(em) if em is not None else None
    stores = first_store_counts(first_stores, latest)
    gap_of = {f"{r['chain_id']}.{r['link_id']}": float(r["gap_size"])
              for r in gaps.to_dict("records")}  # fmt: skip
    rows = []
    for link in links:
        kinds: list[Candidate | None] = list(link.candidates) or [None]
        for cand in kinds:
            mccs = _mccs(cand, link)
            cats = _categories(cand, link)
            channel = cand.channel if cand else "all"
            spend = _card_spend_by(card_spend, channel)
            card_yuan = float(spend[spend.index.isin(mccs)].sum())
            sales_yuan = (
                category_sales_yuan(em, cats, latest, channel)
                if em is not None and latest is not None
                else 0.0
            )
            growth = (
                category_growth(em, cats, latest) if em is not None and latest is not None else None
            )
            formats = _formats(cand, link)
            rows.append({
                "link_key": link.key,
                "chain_zh": chains.chain(link.chain_id).name_zh, "link_zh": link.name_zh,
                "candidate_id": cand.id if cand else link.id,
                "name_zh": cand.name_zh if cand else link.name_zh,
                "name_en": cand.name_en if cand else link.name_en,
                "gap_size": gap_of.get(link.key, 0.0),
                "card_yuan": card_yuan, "enterprise_yuan": sales_yuan,
                "demand_yuan": card_yuan + sales_yuan,
                "growth_pct": growth,
                "first_store_count": float(stores[stores.index.isin(formats)].sum()),
                "channel": channel,
                "mcc": ",".join(sorted(mccs)),
                "categories": ",".join(cats),
                "formats": ",".join(formats),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _share_of_max(values: pd.Series) -> pd.Series:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values * 0.0


def _demand(df: pd.DataFrame) -> pd.Series:
    """The demand component: the mean of the card and enterprise sides, each a share of its max.

    The two sides are normalised apart because they measure overlapping spending (a card
    payment at a 限上 store is in both) on different scales (a card network sees a sample of
    payments); a side with no data anywhere in the list is left out. Without the two side
    columns (an outside table), ``demand_yuan`` alone is used.
    """
    sides = [c for c in ("card_yuan", "enterprise_yuan") if c in df.columns]
    shares = []
    for col in sides:
        values = pd.to_numeric(df[col], errors="coerce").fillna(0.0)
        if float(values.max()) > 0:
            shares.append(_share_of_max(values))
    if not shares:
        return _share_of_max(pd.to_numeric(df["demand_yuan"], errors="coerce").fillna(0.0))
    mean: pd.Series = pd.concat(shares, axis=1).mean(axis=1)
    return mean


def score_candidates(
    inputs: pd.DataFrame,
    weights: ScoreWeights | None = None,
    bounds: GrowthBounds | None = None,
) -> pd.DataFrame:
    """Score and rank candidates; ``inputs`` needs at least :data:`INPUT_COLUMNS`.

    ``first_store_count`` is optional (0 when absent). Adds ``gap``, ``demand``, ``growth``,
    ``interest`` (normalised components), ``w_<term>`` (weights after normalisation),
    ``pts_<term>`` (each term's points of the 100), ``score`` (0–100), ``rank``, ``formula``
    and ``explain_zh`` / ``explain_en`` (the terms in words, largest first).
    """
    w = weights or ScoreWeights()
    b = bounds or GrowthBounds()
    missing = set(INPUT_COLUMNS) - set(inputs.columns)
    raw = {"gap": w.gap, "demand": w.demand, "growth": w.growth, "interest": w.interest}
    total_w = sum(raw.values())
    if missing or total_w <= 0 or min(raw.values()) < 0 or b.high <= b.low:
        raise DataValidationError(
            f"candidate scoring: bad inputs (missing columns {sorted(missing)} or bad weights)",
            f"招商候选评分：输入有误（缺少列 {sorted(missing)} 或权重/区间不合理）",
            hint_en="weights must be ≥ 0 and sum to more than 0; growth bounds need low < high",
            hint_zh="权重须非负且之和大于 0，增速区间下限须小于上限",
        )
    df = inputs.copy()
    if "first_store_count" not in df.columns:
        df["first_store_count"] = 0.0
    df["gap"] = pd.to_numeric(df["gap_size"], errors="coerce").fillna(0.0).clip(0, 1)
    df["demand"] = _demand(df)
    growth = pd.to_numeric(df["growth_pct"], errors="coerce")
    df["growth"] = ((growth - b.low) / (b.high - b.low)).clip(0, 1).fillna(0.5)
    df["interest"] = _share_of_max(
        pd.to_numeric(df["first_store_count"], errors="coerce").fillna(0.0)
    )
    for term in TERMS:
        df[f"w_{term}"] = raw[term] / total_w
        df[f"pts_{term}"] = 100 * df[f"w_{term}"] * df[term]
    df["score"] = df[[f"pts_{term}" for term in TERMS]].sum(axis=1).round(2)
    records = df.to_dict("records")
    df["formula"] = [
        "100×(" + " + ".join(f"{r[f'w_{t}']:.3f}×{r[t]:.3f}" for t in TERMS)
        + f") = {r['score']:.2f}"
        for r in records
    ]  # fmt: skip
    df["explain_zh"] = [_explain(r, "zh") for r in records]
    df["explain_en"] = [_explain(r, "en") for r in records]
    df = df.sort_values(
        ["score", "demand_yuan", "candidate_id"], ascending=[False, False, True]
    ).reset_index(drop=True)
    df["rank"] = range(1, len(df) + 1)
    return df


def _explain(row: Mapping[Hashable, Any], lang: str) -> str:
    """The terms of one score in words, largest first (e.g. ``缺口 28.0分 · 需求 30.0分``)."""
    terms = sorted(TERMS, key=lambda t: -float(row[f"pts_{t}"]))
    if lang == "zh":
        return " · ".join(f"{_TERM_ZH[t]} {float(row[f'pts_{t}']):.1f}分" for t in terms)
    return " · ".join(f"{t} {float(row[f'pts_{t}']):.1f} pts" for t in terms)


def scoring_method(
    weights: ScoreWeights | None = None, bounds: GrowthBounds | None = None
) -> dict[str, Any]:
    """The method printed beside every candidate list (weights, bounds, formula)."""
    w, b = weights or ScoreWeights(), bounds or GrowthBounds()
    return {
        "weights": asdict(w),
        "growth_bounds_pct": asdict(b),
        "formula": "score = 100 × (w_gap·gap + w_demand·demand + w_growth·growth"
        " + w_interest·interest) / Σw",
        "gap": "gap_size of the link (0–1, gap analysis)",
        "demand": "mean of card_yuan / max(card_yuan) and enterprise_yuan / max(enterprise_yuan)"
        ": card spending in the candidate's MCCs and 限上 retail sales in its categories "
        "(元, 12 months)",
        "growth": f"clip((growth_pct − {b.low}) / ({b.high} − {b.low}), 0, 1); missing → 0.5",
        "interest": "first_store_count / max(first_store_count): 首店 in the candidate's "
        "formats over 12 months",
        "note_zh": "权重与区间为实践取值，可调整；需求＝候选服务品类的银行卡消费与限上零售额"
        "（各自相对最大值后取平均）；"
        "可用外部市场数据替换 gap_size/demand_yuan/growth_pct/first_store_count。",
    }


def override_inputs(inputs: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    """Replace local inputs with external ones (e.g. market data) where those are not blank.

    ``external`` has ``link_key, candidate_id`` and any of ``gap_size, demand_yuan,
    card_yuan, enterprise_yuan, growth_pct, first_store_count``; rows match on the two keys;
    unmatched external rows are ignored.
    """
    keys = ["link_key", "candidate_id"]
    ext = external.set_index(keys)
    df = inputs.set_index(keys).copy()
    if "demand_yuan" in ext.columns:  # an outside demand figure stands for both sides
        for side in ("card_yuan", "enterprise_yuan"):
            if side not in ext.columns:
                ext[side] = ext["demand_yuan"]
    for col in ("gap_size", "demand_yuan", "card_yuan", "enterprise_yuan", "growth_pct",
                "first_store_count"):  # fmt: skip
        if col in ext.columns and col in df.columns:
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
    first_stores: pd.DataFrame | None = None,
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
        chains, gaps, targets, enterprise_monthly=enterprise_monthly, card_spend=card_spend,
        first_stores=first_stores,
    )  # fmt: skip
    if inputs.empty:
        return inputs
    if external is not None:
        inputs = override_inputs(inputs, external)
    return score_candidates(inputs, weights, bounds)
