"""Steps after the engine: contributions, growth for same-set series, comparisons, provisional.

These run on the collected long table (pandas) with the numeric functions of
:mod:`consumption_monitor.indicators.formulas`, so they are identical on every engine.

- **Contribution** (拉动, pp): ``(Y_i - B_i) / B_total * 100`` with ``B = Y / (1 + g)``.
- **Card subsets** (``card_subset``, e.g. the city's service-consumption estimate): the sum of
  the published card cells of the chosen categories per region and period, and its share of
  all card spending. When any chosen cell of a region and period is suppressed the sum is
  suppressed too (a sum of published cells reveals nothing new; a sum over a hidden cell
  would).
- **YoY for same-set series** (card, registries, unit reports): ``Y_t / Y_{t-12} - 1`` on the
  same period a year earlier, only where the expression gave none. Official and enterprise
  growth is never recomputed from levels.
- **Comparisons**: ``mom_pct`` (环比, month basis only; null for March because Jan–Feb is a
  two-month period, and null for percent/pp indicators), ``vs_2019_pct`` (level against the
  same period of 2019: not a comparable-basis rate, labelled so), ``yoy_2y_avg_pct``
  (two-year average growth from this and last year's YoY).
- **Provisional** (rule): a row is provisional when its period is the latest of its series at
  this vintage (the next release may revise it), or when the period had not ended 45 days
  before the vintage date (late reports and corrections still arrive).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from consumption_monitor.compute.sanity import GROWTH_CAP_PCT, INCOMPLETE, guard_growth
from consumption_monitor.indicators import IndicatorCatalog
from consumption_monitor.indicators.formulas import (
    comparable_base,
    contribution_pp,
    growth,
    two_year_average,
)

SERIES_KEY = ["indicator", "region", "basis", "dim", "dim_value"]
SAME_SET_KINDS = frozenset(
    {"card_sum", "card_count", "registry_count", "unit_report", "contribution", "card_subset"}
)
PROVISIONAL_GRACE_DAYS = 45


def _shift_period(period: str, years: int) -> str:
    return f"{int(period[:4]) + years}{period[4:]}"


def contributions(df: pd.DataFrame, catalog: IndicatorCatalog) -> pd.DataFrame:
    """Rows of every ``contribution`` indicator from its component and total rows."""
    if df.empty:
        return df
    out = []
    for ind in catalog:
        if ind.kind != "contribution":
            continue
        p = ind.params
        dim = p.get("dim", "")
        comp = df[(df.indicator == p["component"]) & (df.dim == dim)]
        total = df[(df.indicator == p["total"]) & (df.dim == "")]
        m = comp.merge(
            total[["region", "period", "basis", "value", "yoy_pct"]],
            on=["region", "period", "basis"],
            suffixes=("", "_t"),
        )
        if m.empty:
            continue
        b_i = comparable_base(m.value, m.yoy_pct / 100.0)
        b_t = comparable_base(m.value_t, m.yoy_pct_t / 100.0)
        res = m[["region", "period", "basis", "dim", "dim_value"]].copy()
        res["indicator"] = ind.code
        res["value"] = contribution_pp(m.value, b_i, b_t)
        res["numerator"] = m.value.to_numpy() - b_i
        res["denominator"] = b_t
        res["yoy_pct"] = np.nan
        res["note"] = f"component {p['component']} of {p['total']}"
        out.append(res[np.isfinite(res.value)])
    return pd.concat([df, *out], ignore_index=True) if out else df


def card_subsets(df: pd.DataFrame, catalog: IndicatorCatalog) -> pd.DataFrame:
    """Rows of every ``card_subset`` indicator (module docstring): ``params.source`` (a card
    indicator with a ``category`` breakdown), ``params.categories`` (card category codes),
    ``params.measure`` ``sum`` (the level) or ``share`` (percent of the source's total)."""
    if df.empty:
        return df
    out = []
    for ind in catalog:
        if ind.kind != "card_subset":
            continue
        p = ind.params
        src = df[df.indicator == p["source"]]
        cells = src[(src.dim == "category") & src.dim_value.isin(list(p["categories"]))]
        if cells.empty:
            continue
        keys = ["region", "period", "basis"]
        g = cells.groupby(keys, sort=False)
        part = g["value"].sum(min_count=1).rename("numerator").to_frame()
        part["_hidden"] = g["value"].apply(lambda v: bool(v.isna().any()))
        # A part blanked as an incomplete period (compute/sanity.py) makes the estimate an
        # incomplete period too, not a suppressed cell: the reason travels with it (#20).
        part["_incomplete"] = g["note"].apply(lambda n: bool((n == INCOMPLETE).any()))
        total = src[src.dim == ""].set_index(keys)["value"].rename("denominator")
        m = part.join(total, how="left").reset_index()
        if p.get("measure", "sum") == "share":
            value = m.numerator / m.denominator * 100.0
        else:
            value = m.numerator
        res = m[keys].copy()
        res["indicator"] = ind.code
        res["dim"], res["dim_value"] = "", ""
        hidden = m["_hidden"].to_numpy(bool)
        res["value"] = np.where(hidden, np.nan, value)
        res["numerator"] = np.where(hidden, np.nan, m.numerator)
        res["denominator"] = np.where(hidden, np.nan, m.denominator)
        res["yoy_pct"] = np.nan
        res["note"] = np.where(hidden, "suppressed", "city estimate: " + "+".join(p["categories"]))
        res.loc[hidden & m["_incomplete"].to_numpy(bool), "note"] = INCOMPLETE
        out.append(res)
    return pd.concat([df, *out], ignore_index=True) if out else df


def _lookup(df: pd.DataFrame, years: int) -> pd.DataFrame:
    """Value of the same series ``years`` earlier, aligned to ``df``'s rows."""
    shifted = df[[*SERIES_KEY, "period", "value", "yoy_pct", "note"]].copy()
    shifted["period"] = [_shift_period(p, -years) for p in shifted.period]
    return df[[*SERIES_KEY, "period"]].merge(shifted, on=[*SERIES_KEY, "period"], how="left")


def add_comparisons(df: pd.DataFrame, catalog: IndicatorCatalog) -> pd.DataFrame:
    """Fill same-set YoY and add ``mom_pct``, ``vs_2019_pct``, ``yoy_2y_avg_pct``."""
    df = df.reset_index(drop=True)
    if df.empty:
        return df.assign(yoy_2y_avg_pct=np.nan, mom_pct=np.nan, vs_2019_pct=np.nan)
    kinds = {i.code: i.kind for i in catalog}
    units = {i.code: i.unit for i in catalog}
    rate_like = df.indicator.map(units).isin(["percent", "pp"]).to_numpy()
    # An indicator may allow growth beyond the ±500% sanity cap (params.growth_cap_pct).
    cap_of = {
        i.code: float((i.params or {}).get("growth_cap_pct", GROWTH_CAP_PCT)) for i in catalog
    }
    caps = df.indicator.map(cap_of).fillna(GROWTH_CAP_PCT).to_numpy(dtype=float)
    prev = _lookup(df, -1)
    same_set = df.indicator.map(kinds).isin(SAME_SET_KINDS).to_numpy()
    fill = same_set & df.yoy_pct.isna().to_numpy() & ~rate_like
    computed = growth(df.value, prev.value) * 100.0
    df.loc[fill, "yoy_pct"] = computed[fill]
    df = guard_growth(df, prev.value, prev.note, "yoy_pct", fill | (same_set & ~rate_like), caps)
    prev = _lookup(df, -1)  # again, now with filled YoY for the two-year average
    df["yoy_2y_avg_pct"] = two_year_average(df.yoy_pct / 100.0, prev.yoy_pct / 100.0) * 100.0
    df["mom_pct"] = np.nan
    months = df[(df.basis == "month") & ~rate_like].copy()
    if not months.empty:
        months["_prev_period"] = [
            f"{p[:4]}-{int(p[5:7]) - 1:02d}" if p[5:7] not in ("02", "03") else ""
            for p in months.period
        ]
        base = months[[*SERIES_KEY, "period", "value", "note"]].rename(
            columns={"period": "_prev_period", "value": "_prev_value", "note": "_prev_note"}
        )
        mm = months.merge(base, on=[*SERIES_KEY, "_prev_period"], how="left")
        df.loc[months.index, "mom_pct"] = growth(mm.value, mm._prev_value) * 100.0
        prev_value = pd.Series(np.nan, index=df.index)
        prev_note = pd.Series("", index=df.index, dtype=object)
        prev_value[months.index] = mm._prev_value.to_numpy()
        prev_note[months.index] = mm._prev_note.fillna("").to_numpy()
        df = guard_growth(df, prev_value, prev_note, "mom_pct", ~rate_like, caps)
    base_2019 = df[[*SERIES_KEY, "period", "value"]].copy()
    base_2019 = base_2019[base_2019.period.str[:4] == "2019"]
    key = df.period.str[4:]
    look = (
        df[SERIES_KEY]
        .assign(_k=key.to_numpy())
        .merge(
            base_2019.assign(_k=base_2019.period.str[4:])[[*SERIES_KEY, "_k", "value"]],
            on=[*SERIES_KEY, "_k"],
            how="left",
        )
    )
    vs = growth(df.value, look.value) * 100.0
    vs[rate_like | (df.period.str[:4] == "2019").to_numpy()] = np.nan
    df["vs_2019_pct"] = vs
    return df


def _period_end(period: str) -> date:
    year = int(period[:4])
    if len(period) == 4:
        return date(year, 12, 31)
    month = int(period[6]) * 3 if period[5] == "Q" else int(period[5:7])
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def provisional_flags(df: pd.DataFrame, vintage: date) -> pd.Series:
    """The provisional rule of the module docstring, as a boolean column."""
    if df.empty:
        return pd.Series([], dtype=bool)
    ends = df.period.map(_period_end)
    latest = ends == ends.groupby([df[k] for k in SERIES_KEY]).transform("max")
    recent = ends.map(lambda e: e + timedelta(days=PROVISIONAL_GRACE_DAYS) > vintage)
    return (latest | recent).astype(bool)
