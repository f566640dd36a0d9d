"""Local strength of every chain link, the gap analysis, chain summaries and the chain graph.

Per link (12 months to the latest period of ``enterprise_monthly``, 万元; projects in 亿元):
``enterprises`` (members, see :mod:`consumption_monitor.chains.membership`), ``sales`` (a
member's sales in the link's categories when it is a member by sales mix, else all its retail
sales), ``growth_pct`` (matched panel, :func:`~consumption_monitor.chains.metrics.matched_growth`),
``online_share_pct``, ``projects`` landed (stage 签约 or later), ``negotiating`` projects,
``investment`` landed.

Gap analysis (thresholds are data: ``gap_thresholds`` in chains.yaml, practice):

* ``enterprise_shortfall = max(0, 1 − enterprises / min_enterprises)``;
* ``sales_shortfall = max(0, 1 − sales / (sales_share_of_median × median))`` for links whose
  enterprises report retail (``sales_observed``); the median is over the chain's
  sales-observed links, or over all chains' when the chain has fewer than two; not applicable
  (null) otherwise;
* ``investment_shortfall = 1`` with no landed project, else
  ``max(0, 1 − investment / (investment_share_of_median × median))`` with the median of landed
  investment over the chain's links (0 when that median is 0);
* ``gap_size`` = mean of the applicable shortfalls (0 = no gap, 1 = nothing there);
* status ``missing`` (缺失) with no enterprise and no landed project, ``weak`` (薄弱) when any
  shortfall is positive, else ``ok`` (正常).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from consumption_monitor.chains.membership import derive_membership
from consumption_monitor.chains.metrics import (
    effective_categories,
    in_window,
    latest_period,
    matched_growth,
    prepare,
)
from consumption_monitor.chains.models import Chain, Chains, GapThresholds

STATUS_ZH = {"missing": "缺失", "weak": "薄弱", "ok": "正常"}
#: Why a link's (or chain's) sales are shown as "—" (``sales_note``) rather than 0.
SALES_NOTES: dict[str, tuple[str, str]] = {
    "not_reported": (
        "未测度：该环节企业不报送零售额",
        "not measured: its enterprises do not report retail sales",
    ),
    "no_reports": (
        "未测度：近12个月无零售额报送",
        "not measured: no retail sales reported in the 12 months",
    ),
}


def sales_text(value: object, note: object, lang: str, fmt: str = "{:,.0f}") -> str:
    """A sales figure for display: the number, or "—" with the reason when not measured.

    >>> sales_text(None, "not_reported", "zh")
    '—（未测度：该环节企业不报送零售额）'
    >>> sales_text(1234.5, "", "en")
    '1,234'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        pair = SALES_NOTES.get(str(note))
        why = "" if pair is None else (pair[0] if lang == "zh" else pair[1])
        return f"—（{why}）" if why and lang == "zh" else (f"— ({why})" if why else "—")
    return fmt.format(float(value))  # type: ignore[arg-type]


_FLAG_TEXT = {
    "no_enterprises": ("无本地企业", "no local enterprise"),
    "few_enterprises": ("企业数量少", "few enterprises"),
    "low_sales": ("销售额偏低", "low sales"),
    "no_projects": ("无落地项目", "no landed project"),
    "low_investment": ("项目投资偏少", "low project investment"),
}


def _link_frame(chains: Chains) -> pd.DataFrame:
    return pd.DataFrame([
        {"chain_id": c.id, "chain_zh": c.name_zh, "chain_en": c.name_en, "link_id": x.id,
         "link_zh": x.name_zh, "link_en": x.name_en, "position": x.position, "tier": x.tier,
         "sales_observed": x.sales_observed}
        for c in chains.chains for x in c.links
    ])  # fmt: skip


def link_strength(
    chains: Chains,
    enterprise_monthly: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    membership: pd.DataFrame | None = None,
    *,
    latest: str | None = None,
) -> pd.DataFrame:
    """One row per link of every chain with its local strength (see the module docstring).

    ``enterprise_monthly`` raw or prepared; ``projects`` normalised; ``membership`` as from
    :func:`derive_membership` (derived from the other inputs when ``None``). Links with no
    data have zeros and a null growth.
    """
    em = prepare(enterprise_monthly) if enterprise_monthly is not None else None
    latest = latest or (latest_period(em) if em is not None else None)
    if membership is None:
        membership = derive_membership(chains, em, projects, latest=latest)
    out = _link_frame(chains)
    cur = prior = None
    if em is not None and latest is not None and not em.empty:
        cur = em[in_window(em["period"], latest)]
        prior = em[in_window(em["period"], latest, shift=12)]
    rows: list[dict[str, Any]] = []
    for link in chains.links():
        members = membership[
            (membership["chain_id"] == link.chain_id) & (membership["link_id"] == link.id)
        ]
        row: dict[str, Any] = {"enterprises": int(members["enterprise_id"].nunique())}
        row.update(_sales(link.categories, members, cur, prior))
        # No member reported retail in the window: the link's sales are not measured ("—"),
        # not 0 (#22). The numeric column stays 0 for the gap analysis of observed links.
        row["sales_measured"] = bool(row.pop("_reported"))
        row["sales_note"] = (
            "" if row["sales_measured"] else
            ("no_reports" if link.sales_observed else "not_reported")
        )  # fmt: skip
        row.update(_projects(projects, link.chain_id, link.id))
        rows.append(row)
    out = pd.concat([out, pd.DataFrame(rows)], axis=1)
    out["latest_period"] = latest
    return out


def _attributed(
    frame: pd.DataFrame | None, members: pd.DataFrame, categories: list[str], col: str
) -> pd.Series:
    if frame is None or members.empty:
        return pd.Series(dtype=float)
    cats = effective_categories(categories)
    by_mix = set(members.loc[members["basis"] == "category", "enterprise_id"])
    sub = frame[frame["enterprise_id"].isin(set(members["enterprise_id"]))]
    keep = ~sub["enterprise_id"].isin(by_mix) | sub["category"].isin(cats)
    return sub[keep].groupby("enterprise_id")[col].sum()


def _sales(
    categories: list[str],
    members: pd.DataFrame,
    cur: pd.DataFrame | None,
    prior: pd.DataFrame | None,
) -> dict[str, Any]:
    members = members.drop_duplicates("enterprise_id")
    now = _attributed(cur, members, categories, "retail_sales")
    before = _attributed(prior, members, categories, "retail_sales")
    online = _attributed(cur, members, categories, "online_retail_sales")
    growth, m_cur, m_prior = matched_growth(now, before)
    sales = float(now.sum())
    return {
        "sales": round(sales, 4),
        "growth_pct": growth,
        "online_share_pct": round(float(online.sum()) / sales * 100, 4) if sales > 0 else None,
        "matched_sales": m_cur,
        "matched_prior": m_prior,
        "_reported": not now.empty,
    }


def _projects(projects: pd.DataFrame | None, chain_id: str, link_id: str) -> dict[str, Any]:
    if projects is None or projects.empty:
        return {"projects": 0, "negotiating": 0, "investment": 0.0}
    mine = projects[(projects["chain_id"] == chain_id) & (projects["link_id"] == link_id)]
    landed = mine[mine["stage"] != "negotiating"]
    return {
        "projects": len(landed),
        "negotiating": int((mine["stage"] == "negotiating").sum()),
        "investment": round(float(landed["investment"].sum()), 6),
    }


def gap_analysis(strength: pd.DataFrame, thresholds: GapThresholds) -> pd.DataFrame:
    """The strength table with shortfalls, ``gap_size``, ``status`` and an explanation.

    Sorted missing first, then weak by descending gap size, then ok.
    """
    df = strength.copy()
    th = thresholds
    df["enterprise_shortfall"] = (1 - df["enterprises"] / th.min_enterprises).clip(lower=0)
    observed = df[df["sales_observed"]]
    city_median = float(observed["sales"].median()) if len(observed) else 0.0
    sales_ref, inv_ref = [], []
    for cid in df["chain_id"]:
        mine = observed[observed["chain_id"] == cid]
        median = float(mine["sales"].median()) if len(mine) >= 2 else city_median
        sales_ref.append(th.sales_share_of_median * median)
        inv = df.loc[df["chain_id"] == cid, "investment"]
        inv_ref.append(th.investment_share_of_median * float(inv.median()))
    df["sales_reference"] = sales_ref
    df["investment_reference"] = inv_ref
    df["sales_shortfall"] = [
        max(0.0, 1 - s / ref) if obs and ref > 0 else np.nan
        for s, ref, obs in zip(
            df["sales"], df["sales_reference"], df["sales_observed"], strict=True
        )
    ]
    df["investment_shortfall"] = [
        1.0 if n == 0 else (max(0.0, 1 - inv / ref) if ref > 0 else 0.0)
        for n, inv, ref in zip(df["projects"], df["investment"], inv_ref, strict=True)
    ]
    parts = df[["enterprise_shortfall", "sales_shortfall", "investment_shortfall"]]
    df["gap_size"] = parts.mean(axis=1, skipna=True).round(4)
    flags, status = [], []
    for r in df.to_dict("records"):
        f = []
        if r["enterprises"] == 0:
            f.append("no_enterprises")
        elif r["enterprise_shortfall"] > 0:
            f.append("few_enterprises")
        if not math.isnan(r["sales_shortfall"]) and r["sales_shortfall"] > 0:
            f.append("low_sales")
        if r["projects"] == 0:
            f.append("no_projects")
        elif r["investment_shortfall"] > 0:
            f.append("low_investment")
        flags.append(f)
        missing = r["enterprises"] == 0 and r["projects"] == 0
        status.append("missing" if missing else ("weak" if f else "ok"))
    df["flags"] = flags
    df["status"] = status
    df["status_zh"] = df["status"].map(STATUS_ZH)
    df["explanation_zh"] = [_explain(r, "zh") for r in df.to_dict("records")]
    df["explanation_en"] = [_explain(r, "en") for r in df.to_dict("records")]
    order = df["status"].map({"missing": 0, "weak": 1, "ok": 2})
    df = df.assign(_o=order).sort_values(
        ["_o", "gap_size", "chain_id", "position"], ascending=[True, False, True, True]
    )
    return df.drop(columns="_o").reset_index(drop=True)


def _explain(r: Mapping[Any, Any], lang: str) -> str:
    i = 0 if lang == "zh" else 1
    texts = [_FLAG_TEXT[f][i] for f in r["flags"]]
    if lang == "zh":
        head = f"{r['chain_zh']}·{r['link_zh']}：{STATUS_ZH[r['status']]}"
        body = f"（{'、'.join(texts)}）" if texts else ""
        tail = f"，本地企业 {r['enterprises']} 家，落地项目 {r['projects']} 个"
        if r["negotiating"]:
            tail += f"，在谈 {r['negotiating']} 个"
        return head + body + tail + f"，缺口指数 {r['gap_size']:.2f}。"
    head = f"{r['chain_en']} / {r['link_en']}: {r['status']}"
    body = f" ({', '.join(texts)})" if texts else ""
    tail = f"; {r['enterprises']} local enterprises, {r['projects']} landed projects"
    if r["negotiating"]:
        tail += f", {r['negotiating']} under negotiation"
    return head + body + tail + f"; gap size {r['gap_size']:.2f}."


def chain_summary(gaps: pd.DataFrame, membership: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per chain: links, enterprises, sales, growth, projects, investment, gaps.

    ``enterprises`` counts distinct members when ``membership`` is given (else the sum over
    links); ``sales`` is the sum over links; growth is the matched-panel growth of the summed
    matched sales of the links.
    """
    rows = []
    for cid, g in gaps.groupby("chain_id", sort=False):
        prior = float(g["matched_prior"].sum())
        if membership is not None:
            n = int(membership.loc[membership["chain_id"] == cid, "enterprise_id"].nunique())
        else:
            n = int(g["enterprises"].sum())
        ordered = g.sort_values("position")
        measured = g[g["sales_measured"]] if "sales_measured" in g else g
        rows.append({
            "chain_id": cid, "chain_zh": g["chain_zh"].iloc[0], "chain_en": g["chain_en"].iloc[0],
            "links": len(g), "enterprises": n,
            "sales": round(float(measured["sales"].sum()), 4) if len(measured) else None,
            "sales_note": "" if len(measured) else "no_reports",
            "growth_pct": round((float(g["matched_sales"].sum()) / prior - 1) * 100, 4)
            if prior > 0 else None,
            "projects": int(g["projects"].sum()), "negotiating": int(g["negotiating"].sum()),
            "investment": round(float(g["investment"].sum()), 6),
            "missing_links": ordered.loc[ordered["status"] == "missing", "link_id"].tolist(),
            "weak_links": ordered.loc[ordered["status"] == "weak", "link_id"].tolist(),
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values("chain_id").reset_index(drop=True)


def chain_graph(chain: Chain, gaps: pd.DataFrame) -> dict[str, Any]:
    """Nodes (links with their metrics and status) and edges (upstream → downstream) as JSON."""
    info: dict[Any, dict[Any, Any]] = (
        gaps[gaps["chain_id"] == chain.id].set_index("link_id").to_dict("index")
    )
    nodes = []
    for link in chain.links:
        r = info.get(link.id)
        nodes.append({
            "id": link.key, "link_id": link.id, "label_zh": link.name_zh, "label_en": link.name_en,
            "position": link.position, "tier": link.tier,
            "status": None if r is None else r["status"],
            "gap_size": None if r is None else float(r["gap_size"]),
            "enterprises": None if r is None else int(r["enterprises"]),
            "sales": None if r is None or not r.get("sales_measured", True)
            else float(r["sales"]),
            "sales_note": "" if r is None else str(r.get("sales_note", "")),
            "projects": None if r is None else int(r["projects"]),
            "investment": None if r is None else float(r["investment"]),
        })  # fmt: skip
    edges = [{"source": f"{chain.id}.{a}", "target": f"{chain.id}.{b}"} for a, b in chain.edges()]
    return {
        "chain": {"id": chain.id, "name_zh": chain.name_zh, "name_en": chain.name_en},
        "nodes": nodes,
        "edges": edges,
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN → None, numpy scalars → Python."""
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for k, v in row.items():
            value = v.item() if isinstance(v, np.generic) else v
            if isinstance(value, float) and math.isnan(value):
                value = None
            clean[str(k)] = value
        out.append(clean)
    return out
