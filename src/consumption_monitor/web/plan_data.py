"""Plan progress as the pages see it: target statuses, task progress by unit, and who owes
which submission by when (reminders and overdue escalation).

Target judgements come from :func:`consumption_monitor.targets.service.target_statuses`; task
progress is the ``task_progress`` dataset of the lake (``reporting_unit`` is stored as written,
a unit name or code, and resolved through the plan's unit registry). The submission calendar is
data: ``catalog/data/reporting.yaml`` (:mod:`consumption_monitor.catalog.reporting`).
"""

from __future__ import annotations

import time
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from consumption_monitor.catalog.reporting import reporting_rules
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.plan import Plan
from consumption_monitor.store import Store
from consumption_monitor.targets.service import TargetReport, target_statuses

#: Reporting status of a task, in display order (``task_progress.status`` plus "not reported").
TASK_STATUSES = ("not_reported", "not_started", "in_progress", "delayed", "completed")
#: Task status from its units' latest rows: the first of these that any unit reports wins,
#: so one delayed unit makes the task delayed; a task is completed only when all units are.
_TASK_PRECEDENCE = ("delayed", "not_started", "in_progress", "completed")


def task_progress_table(settings: Settings) -> pd.DataFrame:
    """Rows of the ``task_progress`` dataset (empty frame when nothing was submitted)."""
    with Store(settings) as store:
        try:
            frame: pd.DataFrame = store.read_arrow("task_progress").to_pandas()
        except NotFoundError:
            return pd.DataFrame(
                columns=["task_id", "period", "reporting_unit", "status", "percent", "narrative"]
            )
    return frame


def unit_code(plan: Plan, written: object) -> str | None:
    """The plan unit code of a unit as written in a file (name, alias or code)."""
    text = str(written or "").strip()
    if not text:
        return None
    found = plan.units.find(text)
    return found.code if found is not None else None


def latest_by_unit(plan: Plan, progress: pd.DataFrame, task_id: int) -> pd.DataFrame:
    """For one task: each unit's latest row (columns of the dataset plus ``unit``)."""
    rows = progress[progress["task_id"].astype(str) == str(task_id)].copy()
    if rows.empty:
        return rows.assign(unit=pd.Series(dtype=str))
    rows["unit"] = [unit_code(plan, u) or str(u) for u in rows["reporting_unit"]]
    rows = rows.sort_values(["unit", "period"], kind="stable")
    return rows.groupby("unit", sort=False).tail(1).reset_index(drop=True)


def task_status_from(latest: pd.DataFrame) -> str:
    """Status of a task from its units' latest rows (see :data:`_TASK_PRECEDENCE`)."""
    if latest.empty:
        return "not_reported"
    statuses = set(latest["status"].astype(str))
    if statuses == {"completed"}:
        return "completed"
    for status in _TASK_PRECEDENCE:
        if status in statuses:
            return status
    return "not_reported"


def task_statuses(plan: Plan, progress: pd.DataFrame) -> dict[int, str]:
    """Status of every task of ``plan``."""
    return {t: task_status_from(latest_by_unit(plan, progress, t)) for t in plan.tasks}


#: Seconds a set of target judgements is reused (judging every target reads the lake).
TARGET_TTL = 60.0
_TARGETS: dict[str, tuple[float, list[TargetReport]]] = {}


def target_reports_or_none(settings: Settings, plan: Plan) -> list[TargetReport] | None:
    """Every target's judgement (reused for :data:`TARGET_TTL` seconds), or ``None`` when the
    service cannot run (pages say so)."""
    key = str(settings.data_dir)
    hit = _TARGETS.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TARGET_TTL:
        return hit[1]
    try:
        reports = target_statuses(settings, plan=plan)
    except ConsumptionMonitorError:
        return None
    _TARGETS[key] = (now, reports)
    return reports


# --------------------------------------------------------------------------- submissions due


def _period_end(period: str) -> date:
    """Last day of ``2025-03`` or ``2025-Q1``.

    >>> _period_end("2025-02"), _period_end("2025-Q4")
    (datetime.date(2025, 2, 28), datetime.date(2025, 12, 31))
    """
    year, _, rest = period.partition("-")
    month = int(rest[1]) * 3 if rest.startswith("Q") else int(rest)
    return date(int(year), month, monthrange(int(year), month)[1])


def _previous(period: str) -> str:
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        q = int(rest[1])
        return f"{int(year) - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    m = int(rest)
    return f"{int(year) - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def _current_period(day: date, frequency: str) -> str:
    if frequency == "quarterly":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


@dataclass(frozen=True)
class Obligation:
    """One unit's submission of one dataset for one period."""

    dataset: str
    unit: str
    period: str
    due: date
    submitted: bool
    state: Literal["submitted", "upcoming", "due_soon", "overdue", "escalated"]
    days_late: int = 0


def expected_units(plan: Plan, who: str) -> list[str]:
    """Unit codes a rule applies to: units linked to any task, or units responsible for an
    indicator reported through ``unit_reports``."""
    if who == "task_units":
        codes = {link.unit for task in plan.tasks.values() for link in task.links}
    else:
        codes = {u for i in load_indicators() if i.kind == "unit_report" for u in i.units}
    return sorted(c for c in codes if c in plan.units.units)


def _as_frequency(period: str, frequency: str) -> str:
    """A monthly label counts for its quarter under a quarterly rule.

    >>> _as_frequency("2025-08", "quarterly"), _as_frequency("2025-Q3", "quarterly")
    ('2025-Q3', '2025-Q3')
    """
    year, _, rest = period.partition("-")
    if frequency == "quarterly" and rest.isdigit():
        return f"{year}-Q{(int(rest) - 1) // 3 + 1}"
    return period


def _submitted(
    plan: Plan, settings: Settings, dataset: str, frequency: str
) -> set[tuple[str, str]]:
    with Store(settings) as store:
        try:
            rows = store.read_arrow(dataset, columns=["reporting_unit", "period"]).to_pandas()
        except NotFoundError:
            return set()
    return {
        (code, _as_frequency(str(p), frequency))
        for u, p in zip(rows["reporting_unit"], rows["period"], strict=True)
        if (code := unit_code(plan, u)) is not None
    }


def obligations(
    plan: Plan, settings: Settings, *, today: date | None = None, unit: str | None = None
) -> list[Obligation]:
    """For each dataset of the calendar and each expected unit (or only ``unit``): the last
    period that fell due and the next one, with their state on ``today``.

    ``overdue`` once the due date passed without rows for that unit and period, ``escalated``
    after ``escalate_days`` more; the next period is ``due_soon`` within ``remind_days``.
    """
    today = today or date.today()
    out: list[Obligation] = []
    for dataset, rule in reporting_rules().items():
        done = _submitted(plan, settings, dataset, rule.frequency)
        current = _current_period(today, rule.frequency)
        last = _previous(current)
        for code in expected_units(plan, rule.who):
            if unit is not None and code != unit:
                continue
            for period in (last, current):
                due = _period_end(period) + timedelta(days=rule.due_days)
                submitted = (code, period) in done
                late = (today - due).days
                state: Literal["submitted", "upcoming", "due_soon", "overdue", "escalated"]
                if submitted:
                    state = "submitted"
                elif late > rule.escalate_days:
                    state = "escalated"
                elif late > 0:
                    state = "overdue"
                elif -late <= rule.remind_days:
                    state = "due_soon"
                else:
                    state = "upcoming"
                out.append(Obligation(dataset, code, period, due, submitted, state, max(late, 0)))
    return out
