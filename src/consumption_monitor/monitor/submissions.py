"""Who owes which submission (填报) by when: the submission calendar applied to the lake.

The calendar is data (``catalog/data/reporting.yaml``, read by
:mod:`consumption_monitor.catalog.reporting`): per dataset a frequency, the days after the
period end a submission is due, when a reminder shows and when the office escalates. A unit has
submitted a period when the lake holds a row of that dataset with its ``reporting_unit``
(written as a name, alias or code) and that period; a monthly label counts for its quarter
under a quarterly rule. The pages show these states and
:mod:`consumption_monitor.monitor.reminders` pushes them to people.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from consumption_monitor import clock
from consumption_monitor.catalog.reporting import reporting_rules
from consumption_monitor.config import Settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.plan import Plan
from consumption_monitor.store import EVERY_BATCH, Store


def unit_code(plan: Plan, written: object) -> str | None:
    """The plan unit code of a unit as written in a file (name, alias or code)."""
    text = str(written or "").strip()
    if not text:
        return None
    found = plan.units.find(text)
    return found.code if found is not None else None


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
    # Whether a unit has submitted counts its unpublished batches too (only unit and period
    # are read here; the rows' content stays with the readers that may see it).
    with Store(settings, viewer=EVERY_BATCH) as store:
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
    today = today or clock.today()
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
