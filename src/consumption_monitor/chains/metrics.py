"""Windows and comparable growth on ``enterprise_monthly`` (联网直报, 万元).

Growth here is computed on a *matched panel*: only enterprises with sales in both the current
and the prior window count, the comparable basis NBS uses for published growth (METHODOLOGY §1:
the 限上 set changes every year, so growth from unmatched totals is wrong). Windows are the
``months`` months ending at the latest period; Jan–Feb is one period stored as ``YYYY-02``, so a
12-month window ending in ``YYYY-02`` holds 11 rows, which is fine: it still covers 12 months.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd

from consumption_monitor.catalog import load_catalog


def period_index(period: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` label (``2025-03`` → 24302).

    >>> period_index("2025-03") - period_index("2024-03")
    12
    """
    year, month = str(period)[:7].split("-")
    return int(year) * 12 + int(month) - 1


def latest_period(frame: pd.DataFrame) -> str | None:
    """The latest ``period`` of an enterprise_monthly frame (``None`` when empty)."""
    if frame.empty:
        return None
    return str(max(frame["period"].astype(str), key=period_index))


def in_window(periods: pd.Series, latest: str, months: int = 12, shift: int = 0) -> pd.Series:
    """Mask of periods inside the ``months`` ending at ``latest`` moved back ``shift`` months."""
    end = period_index(latest) - shift
    idx = periods.astype(str).map(period_index)
    return (idx > end - months) & (idx <= end)


@cache
def _category_lookup() -> dict[str, str]:
    cat = load_catalog()
    out: dict[str, str] = {}
    for c in cat.categories:
        for key in (c.code, c.name_zh, c.name_en, *c.aliases):
            out[key] = c.code
    return out


def category_code(label: object) -> str:
    """Catalog code of a stored category (codes pass through; unknown labels are kept)."""
    text = str(label)
    return _category_lookup().get(text, text)


def effective_categories(codes: Iterable[str]) -> set[str]:
    """The categories to sum: "of which" items are dropped when their parent is also listed.

    >>> sorted(effective_categories(["appliances", "smart_appliances"]))
    ['appliances']
    """
    wanted = set(codes)
    parents = {c.code: c.parent for c in load_catalog().categories}
    return {c for c in wanted if parents.get(c) not in wanted}


def matched_growth(current: pd.Series, prior: pd.Series) -> tuple[float | None, float, float]:
    """Growth % of units (index) with positive values in both series, and the two matched sums.

    Returns ``(growth_pct, matched_current, matched_prior)``; growth is ``None`` when no unit
    is matched or the prior sum is zero.

    >>> matched_growth(pd.Series({"a": 110.0, "b": 5.0}), pd.Series({"a": 100.0, "c": 7.0}))
    (10.0, 110.0, 100.0)
    """
    both = current[current > 0].index.intersection(prior[prior > 0].index)
    cur, pre = float(current[both].sum()), float(prior[both].sum())
    if len(both) == 0 or pre <= 0:
        return None, cur, pre
    return round((cur / pre - 1) * 100, 4), cur, pre


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """enterprise_monthly with category codes, string periods and float sales (nulls → 0)."""
    df = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")]).copy()
    df["period"] = df["period"].astype(str)
    df["category"] = df["category"].map(category_code)
    df["enterprise_id"] = df["enterprise_id"].astype(str)
    for col in ("retail_sales", "online_retail_sales"):
        if col not in df.columns:
            df[col] = 0.0
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0).astype(float)
    return df
