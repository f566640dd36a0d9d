"""The action-plan registry: tasks, targets, safeguards and responsible units of a city's plan.

>>> from consumption_monitor.plan import load_plan
>>> plan = load_plan()
>>> [t.id for t in plan.tasks_for_unit("市体育局")]
[5, 21, 22, 23, 24, 25]
"""

from consumption_monitor.plan.loader import BUNDLED_PLAN, load_plan, validate_plan_file
from consumption_monitor.plan.models import (
    Comparator,
    Group,
    Part,
    PlanInfo,
    SafeguardGroup,
    SafeguardItem,
    Target,
    TargetKind,
    TargetValue,
    Task,
    Unit,
    UnitKind,
    UnitLink,
)
from consumption_monitor.plan.registry import Plan, PlanSummary
from consumption_monitor.plan.units import UnitRegistry

__all__ = [
    "BUNDLED_PLAN",
    "Comparator",
    "Group",
    "Part",
    "Plan",
    "PlanInfo",
    "PlanSummary",
    "SafeguardGroup",
    "SafeguardItem",
    "Target",
    "TargetKind",
    "TargetValue",
    "Task",
    "Unit",
    "UnitKind",
    "UnitLink",
    "UnitRegistry",
    "load_plan",
    "validate_plan_file",
]
