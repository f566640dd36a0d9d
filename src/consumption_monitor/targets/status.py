"""Status of every plan target: achieved, on track, watch, at risk, off track, or no data.

One function per target kind turns the evidence (annual values, the current year-to-date value,
past seasonal patterns, task progress) into a :class:`ValueStatus` with the current value, the
path the plan implies, a projection and the probability of meeting the value where one can be
computed, and a plain-language explanation in Chinese and English.

Thresholds are data (:class:`Thresholds`); the defaults are practice, not an official rule, and
are printed with every status page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np

from consumption_monitor.indicators.format import english_quantity
from consumption_monitor.plan.models import Target, TargetKind, TargetValue
from consumption_monitor.targets.projection import (
    PERIODS,
    period_index,
    probability_met,
    project_seasonal_share,
    required_growth,
    seasonal_share_benchmark,
    simulate_remaining,
    single_periods,
)


class Status(StrEnum):
    """Target status, ordered from best to worst (no data last)."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    WATCH = "watch"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"

    @property
    def zh(self) -> str:
        """Chinese label as used in the office's tables."""
        return _STATUS_ZH[self]


_STATUS_ZH = {
    Status.ACHIEVED: "已达成",
    Status.ON_TRACK: "正常",
    Status.WATCH: "关注",
    Status.AT_RISK: "预警",
    Status.OFF_TRACK: "滞后",
    Status.NO_DATA: "无数据",
}


class Escalation(StrEnum):
    """Escalation colour by deadline and pace: blue (note), yellow (warn), red (act now)."""

    NONE = "none"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Cut-offs (practice; configurable). Probabilities are P(target met)."""

    p_on_track: float = 0.8
    p_watch: float = 0.5
    p_at_risk: float = 0.2
    # observed / path value, for targets judged against the plan's path
    ratio_watch: float = 1.0
    ratio_at_risk: float = 0.97
    ratio_off_track: float = 0.90
    # months to the deadline under which a warning turns red
    red_months: int = 6
    # rank that counts as 全国领先 (national lead); 首位 is rank 1
    leading_rank: int = 3
    # flat band for trend targets, percent change
    trend_flat_pct: float = 0.5


@dataclass(slots=True)
class Evidence:
    """What is known about one target's indicator, city level.

    ``annual`` maps a year to its final value (a level, share in the target's unit, or a count
    for that year). ``ytd`` is the latest cumulative value of an unfinished year as
    ``(year, month, value)``. ``cumulative_by_year`` holds past years' 11 cumulative values
    (Jan–Feb … December) for the seasonal pattern. ``task_progress`` holds the linked tasks'
    percent complete (0–100). ``reference_growth`` maps years to the reference indicator's growth
    (GDP growth for parity targets), ``growth`` the target indicator's own annual growth.
    """

    annual: dict[int, float] = field(default_factory=dict)
    ytd: tuple[int, int, float] | None = None
    cumulative_by_year: dict[int, list[float]] = field(default_factory=dict)
    ytd_growth_by_year: dict[int, list[float]] = field(default_factory=dict)
    task_progress: list[float] = field(default_factory=list)
    growth: dict[int, float] = field(default_factory=dict)
    reference_growth: dict[int, float] = field(default_factory=dict)
    #: First year of the plan (2025 for a 2025–2027 plan): baseline and parity span start here.
    plan_start: int | None = None
    #: ``"flow"`` (values over a period add up) or ``"stock"`` (a level at a date), from the
    #: indicator: stocks are never summed, and what is "new" in a year is the stock's change.
    measure: str = "flow"


@dataclass(slots=True)
class ValueStatus:
    """The judgement on one dated value of a target."""

    target_id: str
    years: str
    kind: TargetKind
    status: Status
    escalation: Escalation
    current: float | None = None
    goal: float | None = None
    path_value: float | None = None
    projection: float | None = None
    probability: float | None = None
    fan: tuple[float, float, float] | None = None  # P10, P50, P90 of the simulated year total
    required_growth_pct: float | None = None  # growth the rest of the year needs (METHODOLOGY §6)
    progress_pct: float | None = None  # 序时进度: C_m / goal, percent
    benchmark_pct: float | None = None  # share of the year usually done by this period, percent
    explanation_zh: str = ""
    explanation_en: str = ""
    #: How the probability was computed (growth_momentum, yearly_drift, span_sum, ets, final).
    probability_method: str | None = None
    #: Why an open value has no probability, in words (empty when it has one).
    probability_note_zh: str = ""
    probability_note_en: str = ""


#: Target units written as a fraction (四分之一 = 1/4) of an indicator kept in percent.
FRACTION_UNITS = frozenset({"fraction", "share_of_national"})


def _goal(value: TargetValue) -> float | None:
    """The goal in the indicator's unit: a fraction (1/4 of the national total) as a percent."""
    if value.value is None:
        return None
    goal = float(value.value)
    return goal * 100.0 if value.unit in FRACTION_UNITS else goal


def _meets(observed: float, comparator: str, goal: float) -> bool:
    checks = {
        ">=": observed >= goal, ">": observed > goal, "<=": observed <= goal,
        "<": observed < goal, "=": math.isclose(observed, goal), "maintain": observed >= goal,
    }  # fmt: skip
    return checks.get(comparator, observed >= goal)


def _months_left(deadline_year: int, as_of: date) -> int:
    return (deadline_year - as_of.year) * 12 + (12 - as_of.month)


def escalation(status: Status, months_left: int, th: Thresholds) -> Escalation:
    """Colour by status and time left: lateness near the deadline is red.

    >>> escalation(Status.AT_RISK, 3, Thresholds()), escalation(Status.AT_RISK, 20, Thresholds())
    (<Escalation.RED: 'red'>, <Escalation.YELLOW: 'yellow'>)
    """
    near = months_left <= th.red_months
    if status is Status.OFF_TRACK:
        return Escalation.RED
    if status is Status.AT_RISK:
        return Escalation.RED if near else Escalation.YELLOW
    if status is Status.WATCH:
        return Escalation.YELLOW if near else Escalation.BLUE
    if status is Status.NO_DATA:
        return Escalation.YELLOW if near else Escalation.BLUE
    return Escalation.NONE


def status_from_probability(p: float, th: Thresholds) -> Status:
    """Map P(target met) to a status."""
    if p >= th.p_on_track:
        return Status.ON_TRACK
    if p >= th.p_watch:
        return Status.WATCH
    if p >= th.p_at_risk:
        return Status.AT_RISK
    return Status.OFF_TRACK


def status_from_ratio(ratio: float, th: Thresholds) -> Status:
    """Map observed/path (≥ 1 means at or ahead of the plan's path) to a status."""
    if ratio >= th.ratio_watch:
        return Status.ON_TRACK
    if ratio >= th.ratio_at_risk:
        return Status.WATCH
    if ratio >= th.ratio_off_track:
        return Status.AT_RISK
    return Status.OFF_TRACK


def plan_path(
    baseline: float, goal: float, start: int, end: int, year: int, kind: TargetKind
) -> float:
    """Value the plan implies for ``year`` on the way from ``baseline`` (year ``start - 1``).

    Levels grow geometrically (a constant growth rate); shares, stocks and counts move linearly.

    >>> round(plan_path(100.0, 121.0, 2025, 2026, 2025, TargetKind.LEVEL), 6)
    110.0
    >>> plan_path(0.0, 9.0, 2025, 2027, 2025, TargetKind.CUMULATIVE)
    3.0
    """
    steps = end - start + 1
    done = min(max(year - start + 1, 0), steps)
    if kind is TargetKind.LEVEL and baseline > 0 and goal > 0:
        return float(baseline * (goal / baseline) ** (done / steps))
    return baseline + (goal - baseline) * done / steps


def _pattern_share(ev: Evidence, month: int) -> float | None:
    if not ev.cumulative_by_year:
        return None
    rows = np.array([ev.cumulative_by_year[y] for y in sorted(ev.cumulative_by_year)], dtype=float)
    share = float(seasonal_share_benchmark(rows)[period_index(month)])
    return share if math.isfinite(share) and share > 0 else None


def _probability(
    ev: Evidence, year: int, month: int, ytd: float, goal: float
) -> tuple[float, tuple[float, float, float]] | None:
    """P(annual ≥ goal) and the P10/P50/P90 fan of the annual total, from simulated paths.

    Needs two full past years of monthly history; returns None otherwise.
    """
    past = [ev.cumulative_by_year[y] for y in sorted(ev.cumulative_by_year) if y < year]
    current = ev.cumulative_by_year.get(year)
    if len(past) < 2 or current is None:
        return None
    done = period_index(month) + 1
    singles = [single_periods(np.array(row, dtype=float)) for row in past]
    this_year = single_periods(np.array(current[:done], dtype=float))
    history = np.concatenate([*singles, this_year])
    if np.any(~np.isfinite(history)) or np.any(history <= 0):
        return None
    paths = simulate_remaining(history, PERIODS - done, repetitions=1000, seed=year)
    totals = ytd + paths.sum(axis=1)
    p10, p50, p90 = (float(q) for q in np.percentile(totals, [10, 50, 90]))
    return probability_met(ytd, paths, goal), (p10, p50, p90)


@dataclass(slots=True)
class _Judgement:
    status: Status
    current: float | None = None
    projection: float | None = None
    probability: float | None = None
    fan: tuple[float, float, float] | None = None
    path_value: float | None = None
    pace: tuple[float | None, float | None, float | None] = (None, None, None)
    final: bool = False


def _judge_year(
    target: Target,
    value: TargetValue,
    ev: Evidence,
    year: int,
    goal: float,
    th: Thresholds,
    kind: TargetKind,
) -> _Judgement:
    """A one-year value (level, share, stock, count) judged on the data for ``year``.

    A year the data has closed is final; a year the data is still in (even when ``as_of`` has
    moved past it and the data are late) is projected; a year after the data is judged on the
    way there (:func:`_judge_future`).
    """
    in_progress = ev.ytd is not None and ev.ytd[0] == year
    if year in ev.annual and not in_progress:
        final = ev.annual[year]
        met = _meets(final, value.comparator, goal)
        return _Judgement(Status.ACHIEVED if met else Status.OFF_TRACK, final, final=True)
    if ev.ytd is None or not in_progress:
        if value.kind is TargetKind.ANNUAL:
            return _judge_missed_years(value, ev, year, goal)
        latest = max([*ev.annual, *([ev.ytd[0]] if ev.ytd else [])], default=None)
        if latest is not None and latest < year:
            return _judge_future(target, value, ev, goal, th)
        return _Judgement(Status.NO_DATA)
    _, month, current = ev.ytd
    if kind in (TargetKind.SHARE, TargetKind.STOCK):
        # A share or a stock to hold is judged on its current value: it is not summed.
        met = _meets(current, value.comparator, goal)
        gap = current / goal if goal else 1.0
        return _Judgement(Status.ON_TRACK if met else status_from_ratio(gap, th), current, current)
    if kind is TargetKind.LEVEL and _meets(current, value.comparator, goal):
        return _Judgement(Status.ACHIEVED, current, current, 1.0)
    share = _pattern_share(ev, month)
    projection = project_seasonal_share(current, share) if share else None
    simulated = _probability(ev, year, month, current, goal)
    probability, fan = simulated if simulated else (None, None)
    if probability is not None:
        status = status_from_probability(probability, th)
    elif projection is not None:
        status = status_from_ratio(projection / goal, th)
    else:
        elapsed = month / 12  # no seasonal history: fall back to calendar pace, labelled as such
        status = status_from_ratio(current / (goal * elapsed), th)
    judgement = _Judgement(status, current, projection, probability, fan)
    judgement.pace = _pace(ev, year, month, current, goal, share)
    return judgement


def _pace(
    ev: Evidence, year: int, month: int, current: float, goal: float, share: float | None
) -> tuple[float | None, float | None, float | None]:
    """(required growth %, 序时进度 %, seasonal benchmark %) for a year in progress.

    ``A`` is last year's final value (the comparable base the statistics bureau revises is not
    in the data: practice, documented). ``B_m`` is the year-to-date value deflated by its
    published growth, or ``A × s̄_m`` when no growth is published.
    """
    base = ev.annual.get(year - 1)
    progress = current / goal * 100 if goal else None
    benchmark = share * 100 if share else None
    if not base:
        return None, progress, benchmark
    growth = ev.ytd_growth_by_year.get(year, [])
    g_m = growth[period_index(month)] if len(growth) > period_index(month) else math.nan
    if math.isfinite(g_m):
        needed = required_growth(base, goal / base - 1, current, g_m / 100)
    elif share:
        remaining = base - base * share
        needed = (goal - current) / remaining - 1 if remaining > 0 else math.nan
    else:
        needed = math.nan
    return (needed * 100 if math.isfinite(needed) else None), progress, benchmark


def _judge_missed_years(value: TargetValue, ev: Evidence, year: int, goal: float) -> _Judgement:
    """每年 targets with no data for ``year`` yet: a missed earlier year of the span cannot be
    made up later, so it is reported; otherwise there is no data."""
    missed = [
        y for y in sorted(ev.annual)
        if value.start <= y < year and not _meets(ev.annual[y], value.comparator, goal)
    ]  # fmt: skip
    if missed:
        return _Judgement(Status.OFF_TRACK, ev.annual[missed[-1]])
    return _Judgement(Status.NO_DATA)


def _latest_observation(ev: Evidence, kind: TargetKind) -> tuple[int, float] | None:
    """(year, value) of the freshest evidence: the current year's value where it can stand for
    the year (a share or stock as it is; a level projected by its seasonal share), else the
    latest annual value."""
    if ev.ytd is not None:
        year, month, value = ev.ytd
        if kind in (TargetKind.SHARE, TargetKind.STOCK) or ev.measure == "stock":
            return year, value
        share = _pattern_share(ev, month)
        if share:
            return year, project_seasonal_share(value, share)
    if not ev.annual:
        return None
    year = max(ev.annual)
    return year, ev.annual[year]


def _judge_future(
    target: Target, value: TargetValue, ev: Evidence, goal: float, th: Thresholds
) -> _Judgement:
    """A deadline after the data: compare the freshest evidence with the plan's path.

    The path starts from the year before the target's first value (the plan's baseline year,
    2024 for a 2025–2027 plan), so a 2027 value is judged on the whole way there. Evidence no
    newer than the baseline says nothing about the way: no data.
    """
    observed = _latest_observation(ev, value.kind)
    if observed is None:
        return _Judgement(Status.NO_DATA)
    year, current = observed
    start = min(v.start for v in target.values)
    if ev.plan_start is not None:
        start = min(start, ev.plan_start)
    baseline = ev.annual.get(start - 1, ev.annual[min(ev.annual)] if ev.annual else None)
    if baseline is None or year < start:
        return _Judgement(Status.NO_DATA, current)
    path = plan_path(baseline, goal, start, value.end, year, value.kind)
    status = Status.ON_TRACK if path == 0 else status_from_ratio(current / path, th)
    return _Judgement(status, current, path_value=path)


def evaluate_value(
    target: Target, value: TargetValue, ev: Evidence, as_of: date, th: Thresholds | None = None
) -> ValueStatus:
    """Judge one dated value of a target as of ``as_of``.

    How the evidence is counted depends on the indicator (flow or stock, see
    :mod:`consumption_monitor.targets.odds`); every open numeric value gets P(met) and a fan
    where the history allows, and says in words why not where it does not.
    """
    from consumption_monitor.targets import odds

    th = th or Thresholds()
    goal = _goal(value)
    kind = value.kind
    j = _Judgement(Status.NO_DATA)
    year = min(max(as_of.year, value.start), value.end) if value.span else value.end
    if kind is TargetKind.MILESTONE:
        j.status, j.current = _judge_milestone(value, ev, as_of)
    elif kind is TargetKind.TREND:
        j.status, j.current = _judge_trend(ev, as_of, th)
    elif kind is TargetKind.RANK:
        j.status, j.current = _judge_rank(value, ev, th)
    elif kind is TargetKind.PARITY:
        j.status, j.current = _judge_parity(value, ev, th)
    elif goal is None:
        pass
    elif kind is TargetKind.GROWTH:
        g = odds.judge_growth(value, ev, value.end, goal)
        j = _Judgement(Status(g.status), g.current, final=g.final)
        if g.forecast is not None:
            j.projection, j.probability, j.fan = (
                g.forecast.median,
                g.forecast.probability,
                (g.forecast.fan),
            )
    elif kind is TargetKind.CUMULATIVE:
        j.status, j.current, j.path_value = _judge_cumulative(value, ev, goal, as_of, th)
        j.final = as_of.year > value.end
    else:
        as_kind = TargetKind.NEW_IN_YEAR if kind is TargetKind.ANNUAL else kind
        if ev.measure == "stock" and kind is TargetKind.LEVEL:
            as_kind = TargetKind.STOCK  # a stock's level is its current value, never a sum
        j = _judge_year(target, value, odds.as_counted(ev, kind), year, goal, th, as_kind)
    result = ValueStatus(
        target.id, value.years_label, kind, j.status,
        escalation(j.status, _months_left(value.end, as_of), th),
        j.current, goal, j.path_value, j.projection, j.probability, j.fan, *j.pace,
    )  # fmt: skip
    if j.probability is not None:
        result.probability_method = "growth_momentum" if kind is TargetKind.GROWTH else "ets"
    _attach_probability(result, value, odds.as_counted(ev, kind), goal, year, as_of, j, th)
    _explain(target, value, result)
    return result


#: Why a value that is not a number to reach has no probability, in words (zh, en).
NO_PROBABILITY: dict[TargetKind, tuple[str, str]] = {
    TargetKind.MILESTONE: (
        "定性目标，按相关任务推进情况判断，不计算达标概率。",
        "A qualitative milestone, judged from its tasks' progress: no probability is computed.",
    ),
    TargetKind.TREND: (
        "趋势目标（看方向而非具体数值），按近期走势判断，不计算达标概率。",
        "A direction, not a number: judged from the recent trend, no probability is computed.",
    ),
    TargetKind.PARITY: (
        "同步目标（两项增速之差），按增速差判断，不计算达标概率。",
        "A parity of two growth rates: judged from their gap, no probability is computed.",
    ),
    TargetKind.RANK: (
        "排名目标需其他省份数据，按监管部门报送的全国排名判断，不计算达标概率。",
        "A national rank needs other provinces' data: judged from the rank the regulator "
        "reports, no probability is computed.",
    ),
}


def _attach_probability(
    res: ValueStatus,
    value: TargetValue,
    ev: Evidence,
    goal: float | None,
    year: int,
    as_of: date,
    j: _Judgement,
    th: Thresholds,
) -> None:
    """P(met) and the fan for an open numeric value (status from P), or the reason in words."""
    from consumption_monitor.targets import odds

    # A rank value judged on a number (a share of the national total above a quarter) is
    # forecast like a share; a bare rank (全国领先), a trend, a parity or a milestone is not.
    numeric = goal is not None and (
        value.kind
        not in (TargetKind.MILESTONE, TargetKind.TREND, TargetKind.RANK, TargetKind.PARITY)
        or (value.kind is TargetKind.RANK and value.comparator not in ("rank", None))
    )
    if j.final or res.status is Status.ACHIEVED:
        return
    if res.status is Status.NO_DATA:
        res.probability_note_zh = "尚无数据，无法给出达标概率。"
        res.probability_note_en = "No data yet: no probability of meeting the target."
        return
    if not numeric or goal is None:
        res.probability_note_zh, res.probability_note_en = NO_PROBABILITY.get(
            value.kind,
            ("目标没有具体数值，不计算达标概率。", "The goal has no number: no probability."),
        )
        return
    if value.kind is not TargetKind.GROWTH:
        forecast, reason = odds.probability_for(value, ev, goal, year, as_of)
        if forecast is not None:
            res.probability, res.fan = forecast.probability, forecast.fan
            res.probability_method = forecast.method
            if forecast.method != "final":
                res.status = status_from_probability(forecast.probability, th)
                res.escalation = escalation(res.status, _months_left(value.end, as_of), th)
            return
    else:
        reason = "growth"
    if res.probability is None:
        res.probability_note_zh, res.probability_note_en = odds.too_short_note(reason)


def _judge_cumulative(
    value: TargetValue, ev: Evidence, goal: float, as_of: date, th: Thresholds
) -> tuple[Status, float | None, float | None]:
    """Counts added over a span: the sum so far against a straight-line path from zero.

    A flow's yearly values are summed; a stock's are not: what the span added is the stock now
    minus the stock before the span (the stock itself when the count starts with the plan).
    """
    from consumption_monitor.targets.odds import stock_added

    start, end = value.start, value.end
    if not ev.annual and ev.ytd is None:
        return Status.NO_DATA, None, None
    if ev.measure == "stock":
        added = stock_added(ev, start, end)
        if added is None:
            return Status.NO_DATA, None, None
        so_far = added[0]
    else:
        so_far = sum(v for y, v in ev.annual.items() if start <= y <= end and y < as_of.year)
        if ev.ytd is not None and start <= ev.ytd[0] <= end:
            so_far += ev.ytd[2]
        elif as_of.year in ev.annual and start <= as_of.year <= end:
            so_far += ev.annual[as_of.year]
    if _meets(so_far, value.comparator, goal):
        return Status.ACHIEVED, so_far, goal
    if as_of.year > end:
        return Status.OFF_TRACK, so_far, goal
    elapsed_years = as_of.year - start + as_of.month / 12
    path = goal * min(max(elapsed_years / (end - start + 1), 0.0), 1.0)
    ratio = so_far / path if path > 0 else 1.0
    return status_from_ratio(ratio, th), so_far, path


def _judge_milestone(value: TargetValue, ev: Evidence, as_of: date) -> tuple[Status, float | None]:
    """Qualitative milestones take their status from the linked tasks' progress."""
    if not ev.task_progress:
        return Status.NO_DATA, None
    progress = float(np.mean(ev.task_progress))
    if progress >= 100:
        return Status.ACHIEVED, progress
    total_months = (value.end - value.start + 1) * 12
    elapsed = min(max((as_of.year - value.start) * 12 + as_of.month, 0), total_months)
    expected = 100.0 * elapsed / total_months
    return status_from_ratio(progress / expected if expected else 1.0, Thresholds()), progress


def _judge_trend(ev: Evidence, as_of: date, th: Thresholds) -> tuple[Status, float | None]:
    """稳步提升: the latest annual value against the one before."""
    years = sorted(y for y in ev.annual if y <= as_of.year)
    if len(years) < 2:
        return Status.NO_DATA, ev.annual[years[-1]] if years else None
    last, prev = ev.annual[years[-1]], ev.annual[years[-2]]
    change = (last / prev - 1) * 100 if prev else 0.0
    if change > th.trend_flat_pct:
        return Status.ON_TRACK, last
    if change >= -th.trend_flat_pct:
        return Status.WATCH, last
    return Status.AT_RISK, last


def _judge_rank(value: TargetValue, ev: Evidence, th: Thresholds) -> tuple[Status, float | None]:
    """National rank (1 = first) or share of the national total, latest year."""
    if not ev.annual:
        return Status.NO_DATA, None
    latest = ev.annual[max(ev.annual)]
    if value.value is not None and value.comparator != "rank":
        goal = _goal(value) or 0.0
        met = _meets(latest, value.comparator, goal)
        return (Status.ON_TRACK if met else status_from_ratio(latest / goal, th)), latest
    needed = 1 if value.value_text and "首" in value.value_text else th.leading_rank
    if value.value is not None:
        needed = int(value.value)
    return (Status.ON_TRACK if latest <= needed else Status.AT_RISK), latest


def _judge_parity(value: TargetValue, ev: Evidence, th: Thresholds) -> tuple[Status, float | None]:
    """Growth in step with the reference (社零 vs GDP): average gap over the plan years, pp."""
    years = sorted(set(ev.growth) & set(ev.reference_growth))
    first = ev.plan_start if ev.plan_start is not None else value.start
    years = [y for y in years if first <= y <= value.end]
    if not years:
        return Status.NO_DATA, None
    gap = float(np.mean([ev.growth[y] - ev.reference_growth[y] for y in years]))
    if gap >= 0:
        return Status.ON_TRACK, gap
    if gap >= -0.5:
        return Status.WATCH, gap
    return (Status.AT_RISK if gap >= -1.5 else Status.OFF_TRACK), gap


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _explain(target: Target, value: TargetValue, res: ValueStatus) -> None:
    """Fill the plain-language explanation from the numbers already on ``res``."""
    unit_zh, unit_en = value.unit or "", value.unit_en or value.unit or ""
    if value.unit in FRACTION_UNITS:
        unit_zh = unit_en = "%"

    def q(x: float | None) -> str:  # an English amount: 256 million visits, not 2.56 100 million
        if x is None or not math.isfinite(x) or unit_en == "%":
            return f"{_fmt(x)} {unit_en}".strip()
        return english_quantity(x, unit_en)

    zh = [f"{target.name_zh}（{res.years}）：目标“{value.source}”，状态{res.status.zh}。"]
    en = [f"{target.name_en} ({res.years}): status {res.status.value.replace('_', ' ')}."]
    if res.current is not None and res.kind is TargetKind.GROWTH:
        zh.append(f"目前累计增速{_fmt(res.current)}%。")
        en.append(f"Growth so far {_fmt(res.current)} %.")
    elif res.current is not None and res.kind is TargetKind.PARITY:
        zh.append(f"规划期内增速与参照指标平均相差{_fmt(res.current)}个百分点。")
        en.append(f"Average growth gap to the reference: {_fmt(res.current)} percentage points.")
    elif res.current is not None:
        zh.append(f"当前值{_fmt(res.current)}{unit_zh}。")
        en.append(f"Current value {q(res.current)}.")
    if res.path_value is not None:
        zh.append(f"按计划路径此时应为{_fmt(res.path_value)}{unit_zh}。")
        en.append(f"The plan's path implies {q(res.path_value)} by now.")
    if res.projection is not None and res.kind not in (TargetKind.SHARE, TargetKind.STOCK):
        zh.append(f"按季节规律预计全年{_fmt(res.projection)}{unit_zh}。")
        en.append(f"Projected full year (seasonal share): {q(res.projection)}.")
    if res.required_growth_pct is not None:
        zh.append(f"全年达标需余下时段增长{_fmt(res.required_growth_pct)}%。")
        en.append(f"The rest of the year must grow {_fmt(res.required_growth_pct)} %.")
    if res.progress_pct is not None and res.benchmark_pct is not None:
        zh.append(
            f"序时进度{_fmt(res.progress_pct)}%，往年同期一般完成{_fmt(res.benchmark_pct)}%。"
        )
        en.append(
            f"Progress {_fmt(res.progress_pct)} % of the goal against a usual "
            f"{_fmt(res.benchmark_pct)} % by this point of the year."
        )
    if res.probability is not None:
        zh.append(f"达标概率{res.probability:.0%}。")
        en.append(f"Probability of meeting the target: {res.probability:.0%}.")
    if res.fan is not None and res.probability_method not in (None, "final"):
        lo, mid, hi = res.fan
        zh.append(f"预计区间（P10–P90）{_fmt(lo)}～{_fmt(hi)}{unit_zh}，中位{_fmt(mid)}{unit_zh}。")
        en.append(f"Expected range (P10–P90) {q(lo)} to {q(hi)}, median {q(mid)}.")
    if res.probability_note_zh:
        zh.append(res.probability_note_zh)
        en.append(res.probability_note_en)
    if res.status is Status.NO_DATA and res.current is not None:
        zh.append("缺少基期或本年数据，暂无法对照计划路径判断，请补报。")
        en.append(
            "The baseline year or this year's data are missing, so the plan's path "
            "cannot be judged yet."
        )
    elif res.status is Status.NO_DATA:
        zh.append("尚无可用数据，请责任单位按期报送。")
        en.append("No data yet: the responsible units should submit it.")
    res.explanation_zh = "".join(zh)
    res.explanation_en = " ".join(en)


def evaluate_target(
    target: Target, ev: Evidence, as_of: date, th: Thresholds | None = None
) -> list[ValueStatus]:
    """Judge every dated value of ``target``."""
    return [evaluate_value(target, v, ev, as_of, th) for v in target.values]
