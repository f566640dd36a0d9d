"""Investment of major projects by stage, district and chain, and list filters.

All sums are 亿元 (the ``projects.investment`` unit). Every table carries ``projects`` (count)
and ``investment`` (sum) per group plus a total row, so the groups add up to the total by
construction. Projects without a chain are grouped under ``chain_id = "unassigned"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from consumption_monitor.catalog import load_catalog
from consumption_monitor.chains.models import Chains, load_chains
from consumption_monitor.errors import NotFoundError
from consumption_monitor.projects.pipeline import STAGES, Stage, parse_stage

UNASSIGNED = "unassigned"
TOTAL = "total"
_DIMENSIONS = {"stage", "district_code", "chain_id", "link_id", "lead_unit"}


def investment_by(projects: pd.DataFrame, by: Sequence[str] = ("stage",)) -> pd.DataFrame:
    """Count and investment per group of ``by`` (columns of a normalised table), plus a total row.

    Stages come in pipeline order (every stage listed, zero when empty, when grouping by stage
    alone); other groups by descending investment. A missing chain/link is ``unassigned``.
    The total row has ``total`` in every ``by`` column.

    >>> df = pd.DataFrame({"stage": ["signed", "signed", "operation"],
    ...                    "investment": [1.0, 2.5, 4.0]})
    >>> investment_by(df).set_index("stage").loc[["signed", "total"], "investment"].tolist()
    [3.5, 7.5]
    """
    by = list(by)
    unknown = set(by) - _DIMENSIONS
    if unknown:
        raise NotFoundError(
            f"cannot group projects by {sorted(unknown)}",
            f"无法按 {sorted(unknown)} 汇总项目",
            hint_en="group by stage, district_code, chain_id, link_id or lead_unit",
            hint_zh="可按 stage、district_code、chain_id、link_id、lead_unit 汇总",
        )
    df = projects.copy()
    for col in by:
        df[col] = df[col].where(df[col].notna(), UNASSIGNED).astype(str)
    grouped = (
        df.groupby(by, dropna=False)
        .agg(projects=("investment", "size"), investment=("investment", "sum"))
        .reset_index()
    )
    if by == ["stage"]:
        grouped = (
            grouped.set_index("stage")
            .reindex([s.value for s in STAGES], fill_value=0)
            .reset_index()
        )
        grouped["projects"] = grouped["projects"].astype(int)
    else:
        grouped = grouped.sort_values(["investment", *by], ascending=[False] + [True] * len(by))
    total: dict[str, object] = dict.fromkeys(by, TOTAL)
    total.update(projects=len(df), investment=float(df["investment"].sum()))
    out = pd.concat([grouped, pd.DataFrame([total])], ignore_index=True)
    out["investment"] = out["investment"].astype(float).round(6)
    return out


def stage_matrix(projects: pd.DataFrame, rows: str = "district_code") -> pd.DataFrame:
    """Investment with one row per ``rows`` value and one column per stage, plus totals.

    The ``total`` column is the row sum; the ``total`` row the column sums.
    """
    df = projects.copy()
    df[rows] = df[rows].where(df[rows].notna(), UNASSIGNED).astype(str)
    wide = df.pivot_table(
        index=rows, columns="stage", values="investment", aggfunc="sum", fill_value=0.0
    ).reindex(columns=[s.value for s in STAGES], fill_value=0.0)
    wide.columns.name = None
    wide[TOTAL] = wide.sum(axis=1)
    wide = wide.sort_values(TOTAL, ascending=False)
    wide.loc[TOTAL] = wide.sum(axis=0)
    return wide.reset_index().rename(columns={"index": rows})


def filter_projects(
    projects: pd.DataFrame,
    *,
    district: str | None = None,
    chain: str | None = None,
    stage: str | None = None,
    chains: Chains | None = None,
) -> pd.DataFrame:
    """Rows of one district (code or name), chain (id or name) and/or stage (code or 中文)."""
    df = projects
    if district:
        code = load_catalog().district(district).code
        df = df[df["district_code"] == code]
    if chain:
        cid = (chains or load_chains()).chain(chain).id
        df = df[df["chain_id"] == cid]
    if stage:
        st: Stage = parse_stage(stage)
        df = df[df["stage"] == st.value]
    return df.reset_index(drop=True)
