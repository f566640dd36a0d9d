"""Plan progress as the pages see it: target statuses, task progress by unit, and who owes
which submission by when (reminders and overdue escalation).

Target judgements come from :func:`consumption_monitor.targets.service.target_statuses`; task
progress is the ``task_progress`` dataset of the lake (``reporting_unit`` is stored as written,
a unit name or code, and resolved through the plan's unit registry). The submission calendar is
data: ``catalog/data/reporting.yaml`` (:mod:`consumption_monitor.catalog.reporting`).
"""

from __future__ import annotations

import time

import pandas as pd

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, NotFoundError
from consumption_monitor.monitor.submissions import (  # noqa: F401  (re-exported for pages)
    Obligation,
    expected_units,
    obligations,
    unit_code,
)
from consumption_monitor.plan import Plan
from consumption_monitor.store import PUBLISHED_ONLY, Store, Viewer
from consumption_monitor.targets.service import TargetReport, target_statuses

#: Reporting status of a task, in display order (``task_progress.status`` plus "not reported").
TASK_STATUSES = ("not_reported", "not_started", "in_progress", "delayed", "completed")
#: Task status from its units' latest rows: the first of these that any unit reports wins,
#: so one delayed unit makes the task delayed; a task is completed only when all units are.
_TASK_PRECEDENCE = ("delayed", "not_started", "in_progress", "completed")


def task_progress_table(settings: Settings, viewer: Viewer = PUBLISHED_ONLY) -> pd.DataFrame:
    """Rows of the ``task_progress`` dataset that ``viewer`` may read (empty frame when nothing
    was submitted): a unit's unpublished narrative only for that unit and the office."""
    with Store(settings, viewer=viewer) as store:
        try:
            frame: pd.DataFrame = store.read_arrow("task_progress").to_pandas()
        except NotFoundError:
            return pd.DataFrame(
                columns=["task_id", "period", "reporting_unit", "status", "percent", "narrative"]
            )
    return frame


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
