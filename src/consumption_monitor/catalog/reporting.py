"""The submission calendar (填报日历): which dataset is due from which units, and when.

Data: ``catalog/data/reporting.yaml``. Read by the submission pages (reminders, overdue
escalation) and by the evaluation inputs (on-time submission rate, data staleness), so it lives
below both.

>>> rules = reporting_rules()
>>> rules["task_progress"].frequency, rules["unit_reports"].due_days
('quarterly', 10)
>>> due_date(rules["unit_reports"], "2025-02")
datetime.date(2025, 3, 10)
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict


class ReportingRule(BaseModel):
    """When a dataset is due from which units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frequency: Literal["monthly", "quarterly"]
    due_days: int  # days after the period ends
    remind_days: int  # days before the due date a reminder shows
    escalate_days: int  # days overdue after which the office escalates
    who: Literal["task_units", "report_units"]


@cache
def reporting_rules() -> dict[str, ReportingRule]:
    """The submission calendar, read once from the package (dataset name → rule)."""
    text = resources.files("consumption_monitor.catalog").joinpath("data/reporting.yaml")
    raw = yaml.safe_load(text.read_text("utf-8"))
    return {name: ReportingRule(**spec) for name, spec in raw["datasets"].items()}


def period_end(period: str) -> date:
    """Last day of ``2025``, ``2025-Q1`` or ``2025-03``.

    >>> period_end("2025-02"), period_end("2025-Q4"), period_end("2024")
    (datetime.date(2025, 2, 28), datetime.date(2025, 12, 31), datetime.date(2024, 12, 31))
    """
    year, _, rest = period.partition("-")
    if not rest:
        return date(int(year), 12, 31)
    month = int(rest[1]) * 3 if rest.startswith("Q") else int(rest)
    return date(int(year), month, monthrange(int(year), month)[1])


def due_date(rule: ReportingRule, period: str) -> date:
    """The deadline of one submission period: ``due_days`` after the period ends."""
    return period_end(period) + timedelta(days=rule.due_days)


def sub_periods(period: str, frequency: str) -> list[str]:
    """The months or quarters of ``period`` (a year, quarter or month) at ``frequency``.

    A month under a quarterly rule maps to its quarter (the quarter's report covers it).

    >>> sub_periods("2025", "quarterly")
    ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']
    >>> sub_periods("2025-Q2", "monthly"), sub_periods("2025-05", "quarterly")
    (['2025-04', '2025-05', '2025-06'], ['2025-Q2'])
    """
    year, _, rest = period.partition("-")
    if not rest:
        months = list(range(1, 13))
    elif rest.startswith("Q"):
        q = int(rest[1])
        months = [3 * q - 2, 3 * q - 1, 3 * q]
    else:
        months = [int(rest)]
    if frequency == "quarterly":
        quarters = sorted({(m - 1) // 3 + 1 for m in months})
        return [f"{year}-Q{q}" for q in quarters]
    return [f"{year}-{m:02d}" for m in months]


__all__ = ["ReportingRule", "due_date", "period_end", "reporting_rules", "sub_periods"]
