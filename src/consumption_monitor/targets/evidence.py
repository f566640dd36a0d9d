"""Evidence for the status engine, read from the long indicator table and task progress.

A target names the indicator that measures it (``Target.indicator``). Its city-level rows in the
long indicator table (``region`` = the city code, no breakdown) give:

- ``year`` rows, or the December ``ytd`` row, as the final annual value of each year;
- ``ytd`` rows of a year without December as the current year-to-date value;
- ``ytd`` rows of all years as the cumulative seasonal pattern (11 periods, Jan–Feb first);
- ``month`` rows, when a series has no ``ytd`` basis (counts from registries), summed into
  year-to-date values (January folded into the Jan–Feb period) for a flow, or taken as they are
  (the level at the end of the month) for a stock.

Whether a series is a flow (values over a period add up) or a stock (a level at a date, never
summed) comes from the indicator: :func:`indicator_measure`. A ``year`` row of a year that has
not ended by the as-of date is a partial value, never a final one: the year is projected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from consumption_monitor.plan.models import Target
from consumption_monitor.targets.projection import PERIODS, period_index
from consumption_monitor.targets.status import Evidence

#: Indicator that parity targets compare against (社零 growth in step with GDP growth).
REFERENCE_INDICATORS = {"gdp_growth": "gdp"}


def _rows(table: pd.DataFrame, indicator: str, region: str) -> pd.DataFrame:
    if table.empty:
        return table
    dim = table["dim"].fillna("") if "dim" in table.columns else ""
    mask = (table["indicator"] == indicator) & (table["region"] == region) & (dim == "")
    return table.loc[mask]


def _finite(x: object) -> float | None:
    if x is None:
        return None
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


#: Indicator kinds whose values are counts or sums over a period (flows).
_FLOW_KINDS = frozenset({"registry_count", "card_count", "card_sum", "enterprise_sum"})


def indicator_measure(code: str) -> str:
    """``"flow"`` or ``"stock"`` for an indicator, from its declaration.

    ``params.flow`` decides when the indicator states it (unit reports); registry and card
    counts are flows; shares, ratios and official levels default to ``"flow"`` for levels with a
    year-to-date basis and to ``"stock"`` otherwise (a share is a level at a date).
    """
    from consumption_monitor.indicators import load_indicators

    catalog = load_indicators()
    if code not in catalog.codes:
        return "flow"
    spec = catalog.get(code)
    params = dict(getattr(spec, "params", None) or {})
    if "flow" in params:
        return "flow" if params["flow"] else "stock"
    kind = str(getattr(spec, "kind", ""))
    if kind in _FLOW_KINDS:
        return "flow"
    unit = str(getattr(spec, "unit", ""))
    bases = {str(b) for b in getattr(spec, "bases", ())}
    if unit in ("percent", "fraction", "pp", "rank", "share_of_national") or "ytd" not in bases:
        return "stock"
    return "flow"


def series_evidence(
    table: pd.DataFrame,
    indicator: str,
    region: str,
    *,
    as_of: date | None = None,
    measure: str = "flow",
) -> Evidence:
    """Annual values, the current year-to-date value and the seasonal pattern of one series.

    With ``as_of``, a ``year`` row of a year not over by then (``year >= as_of.year``) is not
    final: the year stays open and is projected from its months.
    """
    ev = Evidence(measure=measure)
    rows = _rows(table, indicator, region)
    if rows.empty:
        return ev
    for _, row in rows[rows["basis"] == "year"].iterrows():
        year = int(str(row["period"])[:4])
        if as_of is not None and year >= as_of.year:
            continue  # a partial year (registry counts emit one for the current year)
        if (value := _finite(row["value"])) is not None:
            ev.annual[year] = value
        if (year_growth := _finite(row.get("yoy_pct"))) is not None:
            ev.growth[year] = year_growth
    # Quarterly cumulative releases: the fourth quarter's YTD value closes the year (GDP).
    for _, row in rows[rows["basis"] == "ytd"].iterrows():
        period = str(row["period"])
        if period.endswith("-Q4") and (as_of is None or int(period[:4]) < as_of.year):
            year = int(period[:4])
            if (value := _finite(row["value"])) is not None:
                ev.annual.setdefault(year, value)
            if (q4_growth := _finite(row.get("yoy_pct"))) is not None:
                ev.growth.setdefault(year, q4_growth)
    cumulative = _cumulative(
        rows[~rows["period"].astype(str).str.contains("Q")], running=measure == "flow"
    )
    for year, (values, growth) in sorted(cumulative.items()):
        ev.cumulative_by_year[year] = values
        ev.ytd_growth_by_year[year] = growth
        closed = as_of is None or year < as_of.year
        if closed and math.isfinite(values[-1]):
            ev.annual.setdefault(year, values[-1])
        if closed and math.isfinite(growth[-1]):
            ev.growth.setdefault(year, growth[-1])
    open_years = []
    for year, (values, growth) in cumulative.items():
        finite = [i for i, x in enumerate(values) if math.isfinite(x)]
        finite_growth = [i for i, x in enumerate(growth) if math.isfinite(x)]
        december = math.isfinite(values[-1]) or math.isfinite(growth[-1])
        closed = as_of is None or year < as_of.year
        if (finite or finite_growth) and not (closed and december):
            open_years.append((year, max(finite or finite_growth), bool(finite)))
    if open_years:
        year, last, has_level = max(open_years)
        month = last + 2  # period 0 closes in February
        if year not in ev.annual:
            # a series published as growth only has no level: the value is nan
            ev.ytd = (year, month, cumulative[year][0][last] if has_level else math.nan)
    return ev


def _cumulative(
    rows: pd.DataFrame, *, running: bool = True
) -> dict[int, tuple[list[float], list[float]]]:
    """Per year: the 11 cumulative values and the 11 YTD growth rates (nan where missing).

    Month rows (no ``ytd`` basis) are summed into year-to-date values for a flow
    (``running``) and kept as end-of-month levels for a stock.
    """
    out: dict[int, tuple[list[float], list[float]]] = {}
    ytd = rows[rows["basis"] == "ytd"]
    source = ytd if not ytd.empty else rows[rows["basis"] == "month"]
    running = ytd.empty and running
    for year_str, group in source.groupby(source["period"].astype(str).str[:4]):
        values = [math.nan] * PERIODS
        growth = [math.nan] * PERIODS
        ordered = group.assign(_m=group["period"].astype(str).str[5:7]).sort_values("_m")
        total = 0.0
        months = ordered["_m"].tolist()
        levels = ordered["value"].tolist()
        rates = ordered["yoy_pct"].tolist() if "yoy_pct" in ordered else [None] * len(months)
        for month, level, rate in zip(months, levels, rates, strict=True):
            month_text = str(month)
            if not month_text.isdigit():
                continue
            value = _finite(level)
            idx = period_index(int(month_text))
            g = _finite(rate) if not ytd.empty else None
            if g is not None:
                growth[idx] = g  # a growth rate may be published without its level
            if value is None:
                continue
            if running:
                total += value
                values[idx] = total
            else:
                values[idx] = value
        out[int(year_str)] = (values, growth)
    return out


def build_evidence(
    target: Target,
    table: pd.DataFrame,
    region: str,
    task_progress: Iterable[float] = (),
    *,
    unit_scale: float = 1.0,
    as_of: date | None = None,
    measure: str | None = None,
    indicator: str | None = None,
) -> Evidence:
    """Evidence for one target: its indicator's series, linked task progress, parity reference.

    ``unit_scale`` converts the indicator's values into the target's unit (growth rates are
    unit-free and left alone). ``measure`` (flow or stock) defaults to the indicator's own.
    ``indicator`` (default the target's) is the one a dated value names for itself.
    """
    code = indicator or target.indicator
    measure = measure or indicator_measure(code)
    ev = series_evidence(table, code, region, as_of=as_of, measure=measure)
    if unit_scale != 1.0:
        ev.annual = {y: v * unit_scale for y, v in ev.annual.items()}
        ev.cumulative_by_year = {
            y: [v * unit_scale for v in row] for y, row in ev.cumulative_by_year.items()
        }
        if ev.ytd is not None:
            ev.ytd = (ev.ytd[0], ev.ytd[1], ev.ytd[2] * unit_scale)
    ev.task_progress = [float(p) for p in task_progress]
    if target.reference:
        ref = series_evidence(
            table, REFERENCE_INDICATORS.get(target.reference, target.reference), region
        )
        ev.reference_growth = dict(ref.growth)
    return ev


def latest_task_progress(progress: pd.DataFrame, task_ids: Iterable[int]) -> list[float]:
    """Latest reported percent of each (task, unit) pair of the given tasks.

    Rows with no percent take 100 when their status is ``completed`` and 0 when
    ``not_started``; other rows without a percent are skipped.
    """
    wanted = {str(t) for t in task_ids}
    if progress.empty or not wanted:
        return []
    rows = progress[progress["task_id"].astype(str).isin(wanted)]
    if rows.empty:
        return []
    latest = rows.sort_values("period").groupby(["task_id", "reporting_unit"]).tail(1)
    out: list[float] = []
    n = len(latest)
    percents = latest["percent"].tolist() if "percent" in latest else [None] * n
    statuses = latest["status"].tolist() if "status" in latest else [None] * n
    for percent, status in zip(percents, statuses, strict=True):
        pct = _finite(percent)
        if pct is None:
            pct = {"completed": 100.0, "not_started": 0.0}.get(str(status))
        if pct is not None:
            out.append(float(np.clip(pct, 0, 100)))
    return out
