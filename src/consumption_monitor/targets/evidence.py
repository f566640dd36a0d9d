"""Evidence for the status engine, read from the long indicator table and task progress.

A target names the indicator that measures it (``Target.indicator``). Its city-level rows in the
long indicator table (``region`` = the city code, no breakdown) give:

- ``year`` rows, or the December ``ytd`` row, as the final annual value of each year;
- ``ytd`` rows of a year without December as the current year-to-date value;
- ``ytd`` rows of all years as the cumulative seasonal pattern (11 periods, Jan–Feb first);
- ``month`` rows, when a series has no ``ytd`` basis (counts from registries), summed into
  year-to-date values (January folded into the Jan–Feb period).

Growth-only series (local releases that publish ``yoy_pct`` but no level) keep their growth:
the December growth is the year's growth, the YTD growth of an open year stays in
``ytd_growth_by_year``, and no ``ytd`` level is invented (``Evidence.ytd`` stays None).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

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


def series_evidence(table: pd.DataFrame, indicator: str, region: str) -> Evidence:
    """Annual values, the current year-to-date value and the seasonal pattern of one series."""
    ev = Evidence()
    rows = _rows(table, indicator, region)
    if rows.empty:
        return ev
    for _, row in rows[rows["basis"] == "year"].iterrows():
        year = int(str(row["period"])[:4])
        if (value := _finite(row["value"])) is not None:
            ev.annual[year] = value
        if (year_growth := _finite(row.get("yoy_pct"))) is not None:
            ev.growth[year] = year_growth
    # Quarterly cumulative releases: the fourth quarter's YTD value closes the year (GDP).
    for _, row in rows[rows["basis"] == "ytd"].iterrows():
        period = str(row["period"])
        if period.endswith("-Q4"):
            year = int(period[:4])
            if (value := _finite(row["value"])) is not None:
                ev.annual.setdefault(year, value)
            if (q4_growth := _finite(row.get("yoy_pct"))) is not None:
                ev.growth.setdefault(year, q4_growth)
    cumulative = _cumulative(rows[~rows["period"].astype(str).str.contains("Q")])
    for year, (values, growth) in sorted(cumulative.items()):
        ev.cumulative_by_year[year] = values
        ev.ytd_growth_by_year[year] = growth
        if math.isfinite(values[-1]):
            ev.annual.setdefault(year, values[-1])
        if math.isfinite(growth[-1]):
            ev.growth.setdefault(year, growth[-1])
    open_years = [
        y for y, (v, g) in cumulative.items() if not (math.isfinite(v[-1]) or math.isfinite(g[-1]))
    ]
    if open_years:
        year = max(open_years)
        values = cumulative[year][0]
        known = [i for i, v in enumerate(values) if math.isfinite(v)]
        if known and year not in ev.annual:  # growth-only: no level to report
            last = known[-1]
            ev.ytd = (year, last + 2, values[last])  # period 0 closes in February
    return ev


def _cumulative(rows: pd.DataFrame) -> dict[int, tuple[list[float], list[float]]]:
    """Per year: the 11 cumulative values and the 11 YTD growth rates (nan where missing)."""
    out: dict[int, tuple[list[float], list[float]]] = {}
    ytd = rows[rows["basis"] == "ytd"]
    source = ytd if not ytd.empty else rows[rows["basis"] == "month"]
    running = ytd.empty  # month rows are summed into year-to-date values
    for year_str, group in source.groupby(source["period"].astype(str).str[:4]):
        values = [math.nan] * PERIODS
        growth = [math.nan] * PERIODS
        ordered = group.assign(_m=group["period"].astype(str).str[5:7]).sort_values("_m")
        total = 0.0
        for _, row in ordered.iterrows():
            month_text = str(row["_m"])
            if not month_text.isdigit():
                continue
            value = _finite(row["value"])
            idx = period_index(int(month_text))
            if running:
                if value is None:
                    continue
                total += value
                values[idx] = total
            else:
                values[idx] = math.nan if value is None else value
                g = _finite(row.get("yoy_pct"))
                growth[idx] = math.nan if g is None else g
        out[int(year_str)] = (values, growth)
    return out


def build_evidence(
    target: Target,
    table: pd.DataFrame,
    region: str,
    task_progress: Iterable[float] = (),
    *,
    unit_scale: float = 1.0,
) -> Evidence:
    """Evidence for one target: its indicator's series, linked task progress, parity reference.

    ``unit_scale`` converts the indicator's values into the target's unit (growth rates are
    unit-free and left alone).
    """
    ev = series_evidence(table, target.indicator, region)
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
    for _, row in latest.iterrows():
        pct = _finite(row.get("percent"))
        if pct is None:
            status = row.get("status")
            pct = {"completed": 100.0, "not_started": 0.0}.get(str(status))
        if pct is not None:
            out.append(float(np.clip(pct, 0, 100)))
    return out
