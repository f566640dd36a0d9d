"""Which enterprise belongs to which chain link: a membership table.

Sources, highest priority first (one row per enterprise × chain × link, the first source wins):

1. ``table``: an explicit membership file kept by the office (CSV or Parquet with columns
   ``enterprise_id, chain, link``; chain/link by id or name) — the way to record manufacturers
   and service firms that do not report retail sales;
2. ``project``: the enterprise of a major project at stage 签约 or later belongs to its link;
3. ``industry``: an enterprise whose GB/T 4754 code starts with one of a link's ``industries``
   (inside one chain the longest matching code wins, so ``O8222`` beats ``O822``);
4. ``category``: for links with ``member_by_category``, a retailer whose sales in the link's
   categories are at least ``min_category_share`` of its sales over the 12 months to the
   latest period.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from consumption_monitor.chains.metrics import effective_categories, in_window, latest_period
from consumption_monitor.chains.models import Chains, is_blank
from consumption_monitor.errors import DataValidationError, NotFoundError

MEMBERSHIP_COLUMNS = ["enterprise_id", "chain_id", "link_id", "basis"]
_PRIORITY = {"table": 0, "project": 1, "industry": 2, "category": 3}


def read_membership(path: Path | str) -> pd.DataFrame:
    """An explicit membership file (CSV/Parquet: enterprise_id, chain, link) as a raw frame."""
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"membership file {path} not found", f"产业链企业名单 {path} 不存在")
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    missing = {"enterprise_id", "chain", "link"} - set(frame.columns)
    if missing:
        raise DataValidationError(
            f"{path.name}: membership needs columns enterprise_id, chain, link",
            f"{path.name}：企业名单须包含 enterprise_id、chain、link 列",
            hint_en=f"missing: {', '.join(sorted(missing))}",
            hint_zh=f"缺少：{'、'.join(sorted(missing))}",
        )
    return frame


def _from_table(table: pd.DataFrame | None, chains: Chains) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    if table is None:
        return rows
    problems = []
    for eid, chain, link in zip(table["enterprise_id"], table["chain"], table["link"], strict=True):
        cid, lid = chains.resolve(chain, link)
        if cid is None or lid is None:
            problems.append(
                NotFoundError(
                    f"unknown chain/link {chain}/{link}", f"未知的产业链/环节 {chain}/{link}"
                )
            )
            continue
        rows.append((str(eid), cid, lid, "table"))
    if problems:
        raise DataValidationError(
            "membership table names unknown chain links",
            "产业链企业名单中有未知的产业链或环节",
            problems=list(problems),
        )
    return rows


def _industry_match(code: str, chains: Chains) -> list[tuple[str, str]]:
    code = code.strip().upper()
    out = []
    for chain in chains.chains:
        best: tuple[int, str] | None = None
        for link in chain.links:
            for prefix in link.industries:
                p = prefix.upper()
                if code.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), link.id)
        if best is not None:
            out.append((chain.id, best[1]))
    return out


def derive_membership(
    chains: Chains,
    enterprise_monthly: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    table: pd.DataFrame | None = None,
    *,
    latest: str | None = None,
) -> pd.DataFrame:
    """The membership table (``enterprise_id, chain_id, link_id, basis``), sorted.

    ``enterprise_monthly`` must be :func:`consumption_monitor.chains.metrics.prepare`-d;
    ``projects`` normalised (:func:`consumption_monitor.projects.normalise_projects`). Every
    input is optional: with none of them the table is empty.
    """
    rows = _from_table(table, chains)
    if projects is not None and not projects.empty:
        landed = projects[(projects["stage"] != "negotiating") & projects["link_id"].notna()]
        for eid, cid, lid in zip(
            landed["enterprise_id"], landed["chain_id"], landed["link_id"], strict=True
        ):
            if not is_blank(eid):
                rows.append((str(eid), str(cid), str(lid), "project"))
    em = enterprise_monthly
    latest = latest or (latest_period(em) if em is not None else None)
    if em is not None and not em.empty and latest is not None:
        window = em[in_window(em["period"], latest)]
        industries = window.groupby("enterprise_id")["industry"].last()
        for eid, code in industries.items():
            rows.extend(
                (str(eid), c, lk, "industry") for c, lk in _industry_match(str(code), chains)
            )
        by_cat = (
            window.groupby(["enterprise_id", "category"])["retail_sales"]
            .sum()
            .unstack(fill_value=0)
        )
        total = by_cat.sum(axis=1)
        th = chains.thresholds.min_category_share
        for link in (x for x in chains.links() if x.member_by_category and x.categories):
            cols = [c for c in effective_categories(link.categories) if c in by_cat.columns]
            if not cols:
                continue
            share = by_cat[cols].sum(axis=1) / total.where(total > 0)
            for eid in share[share >= th].index:
                rows.append((str(eid), link.chain_id, link.id, "category"))
    out = pd.DataFrame(rows, columns=MEMBERSHIP_COLUMNS)
    out["_p"] = out["basis"].map(_PRIORITY)
    out = out.sort_values(["enterprise_id", "chain_id", "link_id", "_p"])
    out = out.drop_duplicates(["enterprise_id", "chain_id", "link_id"]).drop(columns="_p")
    return out.sort_values(["chain_id", "link_id", "enterprise_id"]).reset_index(drop=True)
