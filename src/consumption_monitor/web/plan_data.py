"""Plan progress as the pages see it: target statuses, task progress by unit, and who owes
which submission by when (reminders and overdue escalation).

Target judgements come from :func:`consumption_monitor.targets.service.target_statuses`; task
progress is the ``task_progress`` dataset of the lake (``reporting_unit`` is stored as written,
a unit name or code, and resolved through the plan's unit registry). The submission calendar is
data: ``catalog/data/reporting.yaml`` (:mod:`consumption_monitor.catalog.reporting`).
"""

from __future__ import annotations

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
from consumption_monitor.web.indicator_data import result_key
from consumption_monitor.web.memo import memo

#: Reporting status of a task, in display order (``task_progress.status`` plus "not reported").
TASK_STATUSES = ("not_reported", "not_started", "in_progress", "delayed", "completed")
#: Task status from its units' latest rows: the first of these that any unit reports wins,
#: so one delayed unit makes the task delayed; a task is completed only when all units are.
_TASK_PRECEDENCE = ("delayed", "not_started", "in_progress", "completed")


def task_progress_table(settings: Settings, viewer: Viewer = PUBLISHED_ONLY) -> pd.DataFrame:
    """Rows of the ``task_progress`` dataset that ``viewer`` may read (empty frame when nothing
    was submitted): a unit's unpublished narrative only for that unit and the office.

    The read is memoised by the exact list of files ``viewer`` reads (batch files are never
    rewritten, and a new, published, reverted or not-yet-due batch changes the list), so a page
    re-reads the lake only after the dataset changed, and two viewers share an entry only when
    they read the same files. Callers get a copy.
    """
    with Store(settings, viewer=viewer) as store:
        try:
            files = tuple(str(f) for f in store.files("task_progress"))
            key = ("task_progress", settings.lake_url or str(settings.lake_dir), files)
            frame: pd.DataFrame = memo(key, lambda: store.read_arrow("task_progress").to_pandas())
        except NotFoundError:
            return pd.DataFrame(
                columns=["task_id", "period", "reporting_unit", "status", "percent", "narrative"]
            )
    return frame.copy()


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
    return _status_of(set(latest["status"].astype(str)))


def task_statuses(plan: Plan, progress: pd.DataFrame) -> dict[int, str]:
    """Status of every task of ``plan``, in one pass over ``progress``.

    The same rule as :func:`task_status_from` over :func:`latest_by_unit` per task (each unit's
    row of the latest period; of two rows of one period the later one), without filtering the
    table once per task.
    """
    codes: dict[object, str] = {}
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    columns = [progress[c].tolist() for c in ("task_id", "reporting_unit", "period", "status")]
    for task_id, reporter, period, status in zip(*columns, strict=True):
        unit = codes.get(reporter)
        if unit is None:
            unit = codes[reporter] = unit_code(plan, reporter) or str(reporter)
        key = (str(task_id), unit)
        kept = latest.get(key)
        if kept is None or str(period) >= kept[0]:
            latest[key] = (str(period), str(status))
    by_task: dict[str, set[str]] = {}
    for (task_id, _), (_, status) in latest.items():
        by_task.setdefault(task_id, set()).add(status)
    return {t: _status_of(by_task.get(str(t), set())) for t in plan.tasks}


def _status_of(statuses: set[str]) -> str:
    if not statuses:
        return "not_reported"
    if statuses == {"completed"}:
        return "completed"
    for status in _TASK_PRECEDENCE:
        if status in statuses:
            return status
    return "not_reported"


#: Seconds a set of target judgements is reused (judging every target reads the lake).
TARGET_TTL = 60.0


def target_reports_or_none(settings: Settings, plan: Plan) -> list[TargetReport] | None:
    """Every target's judgement, or ``None`` when the service cannot run (pages say so).

    Computed once per stored computation even when many requests ask at the same time; after
    :data:`TARGET_TTL` seconds the last judgement is served while the next one is computed in
    the background (submissions reach the targets within about a minute)."""
    try:
        return memo(
            ("targets", str(settings.data_dir), result_key(settings)),
            lambda: target_statuses(settings, plan=plan),
            ttl=TARGET_TTL,
            stale=True,
        )
    except ConsumptionMonitorError:
        return None
