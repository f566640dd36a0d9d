"""Counting rules per target kind, the growth kind, and the probability of every open value.

- **Flow or stock** (from the indicator, :func:`~consumption_monitor.targets.evidence.
  indicator_measure`). A stock is never summed over years: what a year *adds* is the change of
  the stock since the end of the year before (:func:`as_counted`), and a count accumulated over a
  span is the stock now minus the stock before the span (:func:`stock_added`).
- **Growth** (``kind: growth``, 增长/不低于/高于 X%): judged on the year-to-date growth and its
  calibrated year-end forecast (:func:`judge_growth`).
- **P(met) and the fan** for every open numeric value (:func:`probability_for`), from the data
  history the platform has; where it is too short the value says so in words.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from consumption_monitor.plan.models import TargetKind, TargetValue
from consumption_monitor.targets.forecast import (
    TOO_SHORT,
    Forecast,
    drift_forecast,
    growth_forecast,
    growth_history_from_levels,
    sum_forecast,
)
from consumption_monitor.targets.projection import PERIOD_MONTHS, period_index, single_periods

if TYPE_CHECKING:
    from consumption_monitor.targets.status import Evidence

#: Kinds that count what is added (a stock's change, a flow's total).
ADDED_KINDS = (TargetKind.NEW_IN_YEAR, TargetKind.ANNUAL)


def as_counted(ev: Evidence, kind: TargetKind) -> Evidence:
    """Evidence in the terms the kind counts: for a stock and a new-in-year or annual goal, the
    increase over the previous year-end (a year without the previous year-end has no value)."""
    if ev.measure != "stock" or kind not in ADDED_KINDS:
        return ev
    annual = {y: v - ev.annual[y - 1] for y, v in ev.annual.items() if y - 1 in ev.annual}
    ytd = None
    if ev.ytd is not None and ev.ytd[0] - 1 in ev.annual:
        year, month, value = ev.ytd
        ytd = (year, month, value - ev.annual[year - 1])
    cumulative = {
        y: [v - ev.annual[y - 1] for v in row]
        for y, row in ev.cumulative_by_year.items()
        if y - 1 in ev.annual
    }
    return dataclasses.replace(
        ev, annual=annual, ytd=ytd, cumulative_by_year=cumulative, ytd_growth_by_year={}
    )


def stock_added(ev: Evidence, start: int, end: int) -> tuple[float, bool] | None:
    """(added over ``start``..``end``, baseline known) for a stock: latest value in the span
    minus the value at the end of ``start - 1`` (zero when the plan starts the count)."""
    latest: float | None = None
    if ev.ytd is not None and start <= ev.ytd[0] <= end:
        latest = ev.ytd[2]
    else:
        years = [y for y in ev.annual if start <= y <= end]
        if years:
            latest = ev.annual[max(years)]
    if latest is None:
        return None
    base = ev.annual.get(start - 1)
    return (latest - base, True) if base is not None else (latest, False)


def _by_month(rows: dict[int, list[float]]) -> dict[int, dict[int, float]]:
    return {
        y: {PERIOD_MONTHS[i]: v for i, v in enumerate(row) if math.isfinite(v)}
        for y, row in rows.items()
    }


def growth_history(
    ev: Evidence, *, published_first: bool = True
) -> tuple[dict[int, dict[int, float]], dict[int, dict[int, float]]]:
    """(year-to-date growth, single-month growth) by year and calendar month, in percent.

    For a growth goal the published year-to-date growth wins (it is what the goal is judged
    on); for a level goal (``published_first=False``) the growth of the published levels is used,
    since the level outcome is last year's level times that growth. Single-month growth is
    always derived from the levels (single periods)."""
    published = _by_month(ev.ytd_growth_by_year) if published_first else {}
    derived = growth_history_from_levels(ev.cumulative_by_year, PERIOD_MONTHS)
    ytd: dict[int, dict[int, float]] = {}
    for year in set(published) | set(derived):
        ytd[year] = {**derived.get(year, {}), **published.get(year, {})}
    singles = {
        y: [float(x) for x in single_periods(np.array(r, dtype=float))]
        for y, r in ev.cumulative_by_year.items()
    }
    month = growth_history_from_levels(singles, PERIOD_MONTHS)
    return ytd, month


def _gap_status(gap_pp: float) -> str:
    if gap_pp >= 0:
        return "on_track"
    if gap_pp >= -0.5:
        return "watch"
    return "at_risk" if gap_pp >= -1.5 else "off_track"


@dataclasses.dataclass(slots=True)
class GrowthJudgement:
    """What :func:`judge_growth` found."""

    status: str
    current: float | None = None
    forecast: Forecast | None = None
    final: bool = False


def judge_growth(value: TargetValue, ev: Evidence, year: int, goal: float) -> GrowthJudgement:
    """A growth goal for ``year`` (percent): final when the year's growth is known, else the
    year-to-date growth with its calibrated forecast, else the latest known growth."""
    if year in ev.growth and (ev.ytd is None or ev.ytd[0] != year):
        final = ev.growth[year]
        met = _meets(final, value.comparator, goal)
        return GrowthJudgement("achieved" if met else "off_track", final, final=True)
    ytd, month = growth_history(ev)
    if ev.ytd is not None and ev.ytd[0] == year:
        m = PERIOD_MONTHS[period_index(ev.ytd[1])]
        current = ytd.get(year, {}).get(m)
        if current is None:
            return GrowthJudgement("no_data")
        f = growth_forecast(ytd, year, m, goal, _cmp(value.comparator), month_growth=month)
        if f is None:
            return GrowthJudgement(_gap_status(current - goal), current)
        return GrowthJudgement(_status_from_p(f.probability), current, f)
    known = sorted(y for y in ev.growth if y < year)
    if not known:
        return GrowthJudgement("no_data")
    latest = ev.growth[known[-1]]
    return GrowthJudgement(_gap_status(latest - goal), latest)


def _status_from_p(p: float) -> str:
    if p >= 0.8:
        return "on_track"
    if p >= 0.5:
        return "watch"
    return "at_risk" if p >= 0.2 else "off_track"


def _cmp(comparator: str) -> str:
    return comparator if comparator in (">", ">=", "<", "<=") else ">="


def _meets(observed: float, comparator: str, goal: float) -> bool:
    return {
        ">": observed > goal, "<": observed < goal, "<=": observed <= goal,
    }.get(comparator, observed >= goal)  # fmt: skip


def probability_for(
    value: TargetValue, ev: Evidence, goal: float, year: int, as_of: date
) -> tuple[Forecast | None, str]:
    """P(met) and the fan for an open numeric value, or ``(None, reason)``.

    ``reason`` is ``"growth"`` or ``"yearly"`` (a key of :data:`TOO_SHORT`). The year in progress
    of a flow is forecast through its growth (:func:`growth_forecast` on the growth the goal
    needs over last year), or, with too little monthly history, from the completed years'
    drift; a stock, a share, an annual level due later, and a count over a span
    through the yearly values (:func:`drift_forecast`).
    """
    comparator = _cmp(value.comparator)
    kind = value.kind
    in_progress = ev.ytd is not None and ev.ytd[0] == year
    if kind is TargetKind.CUMULATIVE:
        return _span_forecast(value, ev, goal, as_of)
    if in_progress and ev.measure == "flow" and kind in (TargetKind.LEVEL, *ADDED_KINDS):
        base = ev.annual.get(year - 1)
        assert ev.ytd is not None
        if base and base > 0:
            ytd, month = growth_history(ev, published_first=False)
            m = PERIOD_MONTHS[period_index(ev.ytd[1])]
            needed = (goal / base - 1) * 100
            f = growth_forecast(ytd, year, m, needed, comparator, month_growth=month)
            if f is not None:
                scale = base / 100
                return (
                    dataclasses.replace(
                        f,
                        median=base + f.median * scale,
                        p10=base + f.p10 * scale,
                        p90=base + f.p90 * scale,
                    ),
                    "",
                )
        # Too little month-by-month history for the growth path: the completed years' drift
        # still gives a (wider) forecast of the year when three of them are known.
        done = {y: v for y, v in ev.annual.items() if y < year}
        if done:
            f = drift_forecast(done, max(done), done[max(done)], year, goal, comparator)
            if f is not None:
                return f, ""
        return None, "growth"
    latest = _latest(ev)
    if latest is None:
        return None, "yearly"
    last_year, last_value = latest
    history = {y: v for y, v in ev.annual.items() if y < last_year or ev.ytd is None}
    f = drift_forecast(history, max(history, default=last_year), last_value, year, goal, comparator)
    return (f, "") if f is not None else (None, "yearly")


def _latest(ev: Evidence) -> tuple[int, float] | None:
    if ev.ytd is not None and ev.measure == "stock":
        return ev.ytd[0], ev.ytd[2]
    if not ev.annual:
        return None
    year = max(ev.annual)
    return year, ev.annual[year]


def _span_forecast(
    value: TargetValue, ev: Evidence, goal: float, as_of: date
) -> tuple[Forecast | None, str]:
    """A count over a span: what is done plus the yearly flow (or stock change) still to come."""
    counted = as_counted(ev, TargetKind.NEW_IN_YEAR) if ev.measure == "stock" else ev
    flows = [v for y, v in sorted(counted.annual.items()) if y < as_of.year]
    if ev.measure == "stock":
        added = stock_added(ev, value.start, value.end)
        done = added[0] if added else 0.0
    else:
        done = sum(v for y, v in counted.annual.items() if value.start <= y <= value.end)
        if counted.ytd is not None and value.start <= counted.ytd[0] <= value.end:
            done += counted.ytd[2]
    in_year = counted.ytd is not None and counted.ytd[0] == as_of.year
    left = max(value.end - as_of.year + (1 - as_of.month / 12 if in_year else 0.0), 0.0)
    f = sum_forecast(flows, done, left, goal, _cmp(value.comparator))
    return (f, "") if f is not None else (None, "yearly")


def too_short_note(reason: str) -> tuple[str, str]:
    """(zh, en) words for a value without a probability."""
    return TOO_SHORT.get(reason, TOO_SHORT["yearly"])
