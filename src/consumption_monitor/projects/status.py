"""Schedule status of major projects, judged with the same scale and escalation as plan targets.

For each project the *pending milestone* is the first of start → operation → full capacity
without an actual date (a negotiating project is judged on its planned start: it cannot start
before signing). Its delay is ``(as_of − planned date)`` in months of 30.4375 days (the mean
Gregorian month). The status uses :class:`consumption_monitor.targets.status.Status`:

===========================================  ==================
delay d (months) of the pending milestone     status
===========================================  ==================
every milestone reached (达产 with a date)     achieved 已达成
no planned date for the pending milestone     no_data 无数据
d ≤ −due_soon_months (not due yet)            on_track 正常
−due_soon_months < d ≤ 0 (due soon)           watch 关注
0 < d ≤ watch_months                           watch 关注
watch_months < d ≤ at_risk_months             at_risk 预警
d > at_risk_months                            off_track 滞后
===========================================  ==================

Defaults (practice, configurable in :class:`ProjectRules`): due soon = 1 month, watch up to 1
month late, at risk up to 3 months late, off track beyond. The escalation colour is
:func:`consumption_monitor.targets.status.escalation` with *months left* = whole months from the
as-of date to the project's final planned date (计划达产; the pending milestone's date when that
is missing), exactly as a target's deadline: lateness within ``Thresholds.red_months`` of the
deadline is red. RAG for pages: red ← red, yellow ← yellow, green ← blue (with a note) or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from consumption_monitor.projects.pipeline import MILESTONES, Stage, parse_stage
from consumption_monitor.targets.status import Escalation, Status, Thresholds, escalation

#: Mean Gregorian month in days (365.2425 / 12).
MONTH_DAYS = 30.4375

_RAG = {
    Escalation.RED: "red",
    Escalation.YELLOW: "yellow",
    Escalation.BLUE: "green",
    Escalation.NONE: "green",
}


@dataclass(frozen=True, slots=True)
class ProjectRules:
    """Delay cut-offs in months (practice) and the target thresholds used for escalation."""

    due_soon_months: float = 1.0
    watch_months: float = 1.0
    at_risk_months: float = 3.0
    thresholds: Thresholds = field(default_factory=Thresholds)


def months_between(start: date, end: date) -> float:
    """``end − start`` in mean months (negative when ``end`` is earlier).

    >>> months_between(date(2025, 1, 1), date(2025, 4, 1))
    2.96
    """
    return round((end - start).days / MONTH_DAYS, 2)


def whole_months(start: date, end: date) -> int:
    """Calendar months from ``start`` to ``end``, counting a month only once its day is reached.

    >>> whole_months(date(2025, 6, 30), date(2027, 6, 30)), whole_months(date(2025, 6, 30),
    ...     date(2025, 4, 30)), whole_months(date(2025, 1, 31), date(2025, 2, 28))
    (24, -2, 0)
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return months


def status_from_delay(delay: float, rules: ProjectRules) -> Status:
    """Status for a pending milestone ``delay`` months late (negative: not yet due).

    >>> r = ProjectRules()
    >>> [status_from_delay(d, r).value for d in (-2.0, -0.5, 0.5, 2.0, 4.0)]
    ['on_track', 'watch', 'watch', 'at_risk', 'off_track']
    """
    if delay <= -rules.due_soon_months:
        return Status.ON_TRACK
    if delay <= rules.watch_months:
        return Status.WATCH
    if delay <= rules.at_risk_months:
        return Status.AT_RISK
    return Status.OFF_TRACK


@dataclass(slots=True)
class ProjectStatus:
    """The schedule judgement of one project."""

    project_id: str
    name: str
    stage: Stage
    status: Status
    escalation: Escalation
    pending: str | None = None
    planned_date: date | None = None
    delay_months: float | None = None
    months_left: int | None = None
    past_delays: dict[str, float] = field(default_factory=dict)
    explanation_zh: str = ""
    explanation_en: str = ""

    @property
    def rag(self) -> str:
        """red / yellow / green for pages."""
        return _RAG[self.escalation]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        out = asdict(self)
        out.update(
            stage=self.stage.value, stage_zh=self.stage.zh, status=self.status.value,
            status_zh=self.status.zh, escalation=self.escalation.value, rag=self.rag,
            pending_zh=Stage(self.pending).zh if self.pending else None,
            planned_date=self.planned_date.isoformat() if self.planned_date else None,
        )  # fmt: skip
        return out


def project_status(
    row: Mapping[Any, Any], as_of: date, rules: ProjectRules | None = None
) -> ProjectStatus:
    """Judge one normalised project record as of ``as_of``."""
    rules = rules or ProjectRules()
    stage = parse_stage(row["stage"])
    pid, name = str(row["project_id"]), str(row.get("name") or "")
    past = {}
    for m in MILESTONES[1:]:
        planned, actual = row.get(m.planned or ""), row.get(m.actual)
        if planned is not None and actual is not None and actual > planned:
            past[m.stage.value] = months_between(planned, actual)
    pending = next((m for m in MILESTONES[1:] if row.get(m.actual) is None), None)
    if pending is None or stage is Stage.FULL_CAPACITY:
        res = ProjectStatus(pid, name, stage, Status.ACHIEVED, Escalation.NONE, past_delays=past)
        _explain(res)
        return res
    planned = row.get(pending.planned or "")
    final = row.get("planned_full") or planned
    months_left = whole_months(as_of, final) if final is not None else None
    if planned is None:
        status = Status.NO_DATA
        delay = None
    else:
        delay = months_between(planned, as_of)
        status = status_from_delay(delay, rules)
    # Unknown deadline: treat as far away (blue/none), the same as a target with no deadline.
    left = months_left if months_left is not None else rules.thresholds.red_months + 1
    res = ProjectStatus(
        pid, name, stage, status, escalation(status, left, rules.thresholds),
        pending.stage.value, planned, delay, months_left, past,
    )  # fmt: skip
    _explain(res)
    return res


def _explain(res: ProjectStatus) -> None:
    ms = {m.stage.value: m for m in MILESTONES}
    zh = [f"{res.project_id} {res.name}：当前阶段“{res.stage.zh}”，状态{res.status.zh}。"]
    en = [f"{res.project_id}: stage {res.stage.value}, status {res.status.value}."]
    if res.pending and res.planned_date and res.delay_months is not None:
        m = ms[res.pending]
        if res.delay_months > 0:
            zh.append(
                f"计划{m.name_zh}日期 {res.planned_date}，已滞后约 {res.delay_months:.1f} 个月。"
            )
            en.append(
                f"Planned {m.name_en} {res.planned_date}: about {res.delay_months:.1f} months late."
            )
        else:
            zh.append(
                f"计划{m.name_zh}日期 {res.planned_date}，距今约 {-res.delay_months:.1f} 个月。"
            )
            en.append(
                f"Planned {m.name_en} {res.planned_date}, in about {-res.delay_months:.1f} months."
            )
    elif res.status is Status.NO_DATA and res.pending:
        m = ms[res.pending]
        zh.append(f"缺少计划{m.name_zh}日期，请牵头单位补报。")
        en.append(f"No planned {m.name_en} date: the lead unit should report it.")
    if res.escalation is Escalation.RED:
        zh.append("临近或超过计划达产期限，需督办。")
        en.append("Late close to or past the final deadline: escalate.")
    res.explanation_zh = "".join(zh)
    res.explanation_en = " ".join(en)


def project_statuses(
    projects: pd.DataFrame, as_of: date, rules: ProjectRules | None = None
) -> list[ProjectStatus]:
    """Judge every project of a normalised table, worst first (then by id)."""
    out = [project_status(r, as_of, rules) for r in projects.to_dict("records")]
    return sorted(out, key=lambda s: (_WORST_FIRST.index(s.status), s.project_id))


_WORST_FIRST = [
    Status.OFF_TRACK, Status.AT_RISK, Status.WATCH, Status.NO_DATA, Status.ON_TRACK,
    Status.ACHIEVED,
]  # fmt: skip
