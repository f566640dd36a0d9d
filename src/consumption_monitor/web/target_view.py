"""Targets as the pages show them: 目标 · 完成% · 差距 on a card, a red/yellow/green band, the
目标进展 table sorted worst-first and the status counts in a fixed order.

Everything is read from the status engine's judgements (:class:`~consumption_monitor.targets.
service.TargetReport`); this module only picks the value that decides a target's status and
does the arithmetic a reader would do with its numbers:

* **完成%** is ``current / goal`` (``goal / current`` when lower is better), in percent;
* **差距** is the distance still to go (``goal − current``, or ``current − goal`` when lower is
  better): positive means behind (差), negative ahead (超). Shares, growth rates and parity
  gaps are in 个百分点; levels and counts in the target's own unit (亿元, 万元, 家…).

Which way is good comes from the indicator's ``direction`` in the catalog; a target written
with ``<``/``<=`` (a ceiling) is lower-is-better whatever the indicator says.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from consumption_monitor.plan import Plan
from consumption_monitor.plan.models import TargetKind, TargetValue
from consumption_monitor.targets.service import TargetReport
from consumption_monitor.targets.status import (
    FRACTION_UNITS,
    Escalation,
    Status,
    ValueStatus,
)

#: Statuses worst first, no data last: the order of the chips, the ring and the table.
STATUS_ORDER: tuple[Status, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.WATCH,
    Status.ON_TRACK,
    Status.ACHIEVED,
    Status.NO_DATA,
)
#: Bands worst first (红灯 / 黄灯 / 绿灯 / 无数据).
BANDS: tuple[str, ...] = ("red", "yellow", "green", "grey")
#: Target units read as percent: their gaps are in 个百分点.
_PERCENT_UNITS = frozenset({"%", "percent", "pp", *FRACTION_UNITS})
#: Kinds whose value is a rate in percent (gap in 个百分点 whatever the unit field says).
_RATE_KINDS = frozenset({TargetKind.SHARE, TargetKind.GROWTH, TargetKind.PARITY})
_COMPARATOR_SIGN = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "", "maintain": "≥"}


def band(status: Status, escalation: Escalation) -> str:
    """The card's colour: red for 滞后 or a red escalation (预警 near its deadline), yellow for
    预警/关注, green for 正常/已达成, grey without data.

    >>> band(Status.AT_RISK, Escalation.YELLOW), band(Status.AT_RISK, Escalation.RED)
    ('yellow', 'red')
    >>> band(Status.ACHIEVED, Escalation.NONE), band(Status.NO_DATA, Escalation.RED)
    ('green', 'grey')
    """
    if status is Status.NO_DATA:
        return "grey"
    if status is Status.OFF_TRACK or escalation is Escalation.RED:
        return "red"
    if status in (Status.AT_RISK, Status.WATCH):
        return "yellow"
    return "green"


def deciding_value(report: TargetReport) -> tuple[TargetValue, ValueStatus]:
    """The dated value behind the target's status (its worst open value; of equals, the nearest
    deadline), with the plan's wording of it."""
    pairs = list(zip(report.target.values, report.values, strict=True))
    wanted = report.status
    same = [p for p in pairs if p[1].status is wanted]
    return min(same or pairs, key=lambda p: p[0].end)


def lower_is_better(value: TargetValue, direction: str) -> bool:
    """A ceiling (``<``, ``<=``) or an indicator whose ``direction`` is ``down``."""
    if value.comparator in ("<", "<="):
        return True
    if value.comparator in (">", ">="):
        return False
    return direction == "down"


def completion_pct(value: TargetValue, status: ValueStatus, direction: str = "up") -> float | None:
    """完成%: how much of the goal the current value is, in percent (None without both numbers,
    for a zero goal, and for kinds that have no number to reach: parity, trend, worded rank).

    A milestone's current value is already its tasks' percent done.

    >>> from consumption_monitor.plan.models import TargetValue, TargetKind
    >>> v = TargetValue(year=2025, kind=TargetKind.SHARE, comparator=">=", value=20, source="x")
    >>> s = ValueStatus("T-x", "2025", v.kind, Status.WATCH, Escalation.BLUE, current=19.0,
    ...                 goal=20.0)
    >>> completion_pct(v, s)
    95.0
    """
    current, goal = status.current, status.goal
    if status.kind is TargetKind.MILESTONE:
        return current
    if current is None or goal is None or status.kind in (TargetKind.PARITY, TargetKind.TREND):
        return None
    if status.kind is TargetKind.RANK and value.comparator in ("rank", None):
        return None
    if lower_is_better(value, direction):
        return goal / current * 100 if current > 0 else None
    return current / goal * 100 if goal != 0 else None


def shortfall(value: TargetValue, status: ValueStatus, direction: str = "up") -> float | None:
    """差距 still to go, in the target's unit (个百分点 for rates): positive = behind, negative
    = ahead. A parity target's goal is a zero growth gap (in step with the reference)."""
    current, goal = status.current, status.goal
    if status.kind is TargetKind.PARITY and current is not None:
        return -current
    if current is None or goal is None or status.kind in (TargetKind.MILESTONE, TargetKind.TREND):
        return None
    if status.kind is TargetKind.RANK and value.comparator in ("rank", None):
        return None
    return current - goal if lower_is_better(value, direction) else goal - current


def gap_unit(value: TargetValue, kind: TargetKind, lang: str) -> str:
    """个百分点 / pp for shares, growth and parity; the target's unit for levels and counts."""
    if kind in _RATE_KINDS or (value.unit or "") in _PERCENT_UNITS:
        return "个百分点" if lang == "zh" else " pp"
    if lang == "zh":
        return value.unit or ""
    return f" {value.unit_en}" if value.unit_en else ""


def _unit_of_goal(value: TargetValue, lang: str) -> str:
    if (value.unit or "") in _PERCENT_UNITS or value.kind is TargetKind.GROWTH:
        return "%"
    if lang == "zh":
        return value.unit or ""
    return f" {value.unit_en}" if value.unit_en else ""


def fmt_number(x: float | None) -> str:
    """``1,234.5``, ``33.33``, ``—`` for a missing number.

    >>> fmt_number(1234.5), fmt_number(100 / 3), fmt_number(None), fmt_number(2.0)
    ('1,234.5', '33.33', '—', '2')
    """
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class TargetLine:
    """One target as a card line and a table row: its deciding value, formatted."""

    target_id: str
    name: str
    years: str
    status: Status
    escalation: Escalation
    band: str
    goal: str
    current: str
    path_value: str
    completion: str | None
    gap: str | None
    #: The gap with its sign: True when behind (差), False when ahead or met (超/达标).
    behind: bool | None
    probability: str | None
    probability_note: str
    units: tuple[str, ...]
    #: Sort key: status worst first, then escalation, then the relative shortfall.
    rank: tuple[int, int, float]


def _goal_text(value: TargetValue, status: ValueStatus, lang: str) -> str:
    if status.kind is TargetKind.PARITY and lang != "zh":
        return "in step"  # the plan words it 保持同步 only in Chinese
    if status.goal is None or status.kind is TargetKind.PARITY:
        return value.value_text or value.source
    sign = _COMPARATOR_SIGN.get(value.comparator, "")
    return f"{sign}{fmt_number(status.goal)}{_unit_of_goal(value, lang)}"


def target_line(
    report: TargetReport, plan: Plan | None, lang: str, direction: str = "up"
) -> TargetLine:
    """The card line / table row of one target."""
    value, status = deciding_value(report)
    pct = completion_pct(value, status, direction)
    gap = shortfall(value, status, direction)
    unit = gap_unit(value, status.kind, lang)
    gap_text = None
    if gap is not None:
        words = ("差", "超") if lang == "zh" else ("short by ", "ahead by ")
        word = words[0] if gap > 0 else words[1]
        gap_text = (
            f"{word}{fmt_number(abs(gap))}{unit}" if gap else ("持平" if lang == "zh" else "met")
        )
    units = plan.units.units if plan is not None else {}
    names = tuple(
        (units[c].name_zh if lang == "zh" else units[c].name_en) if c in units else c
        for c in report.units
    )
    current_unit = "个百分点" if lang == "zh" else " pp"
    escalation_order = [Escalation.RED, Escalation.YELLOW, Escalation.BLUE, Escalation.NONE]
    relative = pct if pct is not None else math.inf
    value_unit = _unit_of_goal(value, lang)
    return TargetLine(
        target_id=report.target.id,
        name=report.target.name_zh if lang == "zh" else report.target.name_en,
        years=status.years,
        status=status.status,
        escalation=status.escalation,
        band=band(status.status, status.escalation),
        goal=_goal_text(value, status, lang),
        current=_with_unit(
            status.current,
            current_unit if status.kind is TargetKind.PARITY else value_unit,
            status.kind,
        ),
        path_value=_with_unit(status.path_value, value_unit, status.kind),
        completion=None if pct is None else f"{pct:.1f}%",
        gap=gap_text,
        behind=None if gap is None else gap > 0,
        probability=None if status.probability is None else f"{status.probability:.0%}",
        probability_note=status.probability_note_zh if lang == "zh" else status.probability_note_en,
        units=names,
        rank=(
            STATUS_ORDER.index(status.status),
            escalation_order.index(status.escalation),
            relative,
        ),
    )


def _with_unit(x: float | None, unit: str, kind: TargetKind) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    if kind is TargetKind.PARITY:
        return f"{x:+.2f}".rstrip("0").rstrip(".") + unit
    if kind in (TargetKind.MILESTONE,):
        return f"{fmt_number(x)}%"
    return f"{fmt_number(x)}{unit}"


def worst_first(lines: Iterable[TargetLine]) -> list[TargetLine]:
    """Off track first, then 存在风险, 关注, 正常, 已达成, no data; within a status red
    escalation first, then the lowest 完成% (largest relative gap)."""
    return sorted(lines, key=lambda line: (line.rank, line.target_id))


def target_lines(reports: Sequence[TargetReport], plan: Plan | None, lang: str) -> list[TargetLine]:
    """Every target's line, worst first (direction from each target's indicator)."""
    return worst_first(
        target_line(r, plan, lang, direction_of(r.target.indicator)) for r in reports
    )


def direction_of(indicator: str) -> str:
    """The indicator's ``direction`` in the catalog (``up`` when it is not catalogued)."""
    from consumption_monitor.indicators import load_indicators

    catalog = load_indicators()
    return str(catalog.get(indicator).direction) if indicator in catalog.codes else "up"


def card_targets(
    reports: Sequence[TargetReport], plan: Plan | None, indicators: Iterable[str], lang: str
) -> dict[str, TargetLine]:
    """For each card's indicator, the line of its target (the worst when it has several): the
    targets the catalog lists for the indicator (``targets:``), else the city-level targets
    measured on it. Indicators without a target are absent."""
    from consumption_monitor.indicators import load_indicators

    catalog = load_indicators()
    by_id = {r.target.id: r for r in reports}
    out: dict[str, TargetLine] = {}
    for code in indicators:
        listed = list(catalog.get(code).targets) if code in catalog.codes else []
        chosen = [by_id[t] for t in listed if t in by_id] or [
            r for r in reports if r.target.indicator == code and r.target.region is None
        ]
        if chosen:
            out[code] = worst_first(target_line(r, plan, lang, direction_of(code)) for r in chosen)[
                0
            ]
    return out


def status_counts(reports: Sequence[TargetReport]) -> dict[str, int]:
    """Targets per status in :data:`STATUS_ORDER` (statuses with no target left out)."""
    counts = {s.value: 0 for s in STATUS_ORDER}
    for r in reports:
        counts[r.status.value] += 1
    return {s: n for s, n in counts.items() if n}


def band_counts(reports: Sequence[TargetReport]) -> dict[str, int]:
    """Targets per band (红 / 黄 / 绿 / 无数据), all four keys in :data:`BANDS` order."""
    counts = dict.fromkeys(BANDS, 0)
    for r in reports:
        _, status = deciding_value(r)
        counts[band(status.status, status.escalation)] += 1
    return counts


def ordered(counts: Mapping[str, int]) -> dict[str, int]:
    """Status counts in :data:`STATUS_ORDER` (unknown keys last)."""
    keys = [s.value for s in STATUS_ORDER]
    return dict(sorted(counts.items(), key=lambda kv: keys.index(kv[0]) if kv[0] in keys else 99))
