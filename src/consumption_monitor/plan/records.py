"""JSON-ready records of plan entries (output schemas shared by the CLI, API and pages)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from consumption_monitor.plan.models import SafeguardItem, Target, TargetValue, Task, Unit, UnitLink
from consumption_monitor.plan.registry import Plan

_COMPARATOR_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}
_WORDS = {
    "zh": {"maintain": "保持", "rank": "位次", "trend": "趋势"},
    "en": {"maintain": "maintain", "rank": "rank", "trend": "trend"},
}


def number(value: Fraction | None) -> int | float | None:
    """A fraction as a JSON number: an int when whole, else a float (``1/3`` → 0.333…)."""
    if value is None:
        return None
    return value.numerator if value.denominator == 1 else float(value)


def exact(value: Fraction | None) -> str | None:
    """The exact value as text: ``"20"``, ``"2.5"``, ``"1/3"``."""
    if value is None:
        return None
    if value.denominator == 1:
        return str(value.numerator)
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return repr(as_float)
    return f"{value.numerator}/{value.denominator}"


def describe_value(value: TargetValue, lang: str = "zh") -> str:
    """Short display of one goal, e.g. ``≥ 20%``, ``> 1/3``, ``rank 全国领先``.

    >>> from consumption_monitor.plan.models import TargetValue
    >>> describe_value(TargetValue(year=2025, kind="share", comparator=">", value="1/3",
    ...     unit="fraction", source="超过三分之一"))
    '> 1/3'
    >>> describe_value(TargetValue(year=2025, kind="level", comparator=">=", value=2.5,
    ...     unit="亿人次", unit_en="100 million visits", source="达到2.5亿人次"), "en")
    '≥ 2.5 100 million visits'
    """
    sign = _COMPARATOR_SIGNS.get(value.comparator) or _WORDS[lang][value.comparator]
    if value.value is None:
        return f"{sign} {value.value_text or ''}".strip()
    unit = value.unit if lang == "zh" else value.unit_en
    text = f"{sign} {exact(value.value)}"
    if value.unit == "%":
        return text + "%"
    if value.unit == "share_of_national":
        return text + (" 占全国比重" if lang == "zh" else " of national total")
    if value.unit == "fraction" or not unit:
        return text
    return f"{text} {unit}"


def unit_record(unit: Unit) -> dict[str, Any]:
    """A unit's code, names and kind."""
    return {
        "code": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "kind": unit.kind.value,
    }


def link_record(plan: Plan, link: UnitLink) -> dict[str, Any]:
    """A task–unit link with the unit's names and how it was assigned."""
    return {
        **unit_record(plan.units.units[link.unit]),
        "position": link.position,
        "lead": link.is_lead,
        "via": link.via,
        "phrase": link.phrase,
        "and_others": link.and_others,
    }


def value_record(value: TargetValue) -> dict[str, Any]:
    """One dated goal: years, kind, comparator, value (number and exact text), unit, source."""
    return {
        "year": value.year,
        "span": list(value.span) if value.span else None,
        "years": value.years_label,
        "kind": value.kind.value,
        "comparator": value.comparator,
        "value": number(value.value),
        "value_exact": exact(value.value),
        "value_text": value.value_text,
        "unit": value.unit,
        "unit_en": value.unit_en,
        "source": value.source,
    }


def target_record(plan: Plan, target: Target) -> dict[str, Any]:
    """A target with its values, linked tasks and responsible units."""
    units = plan.units_for_target(target)
    lead_codes: dict[str, None] = {}
    for task_id in target.tasks:
        lead = plan.tasks[task_id].lead_unit
        if lead is not None:
            lead_codes.setdefault(lead, None)
    return {
        "id": target.id,
        "name_zh": target.name_zh,
        "name_en": target.name_en,
        "indicator": target.indicator,
        "kind": target.kind.value,
        "kinds": sorted(k.value for k in target.kinds),
        "headline": target.headline,
        "reference": target.reference,
        "tasks": list(target.tasks),
        "values": [value_record(v) for v in target.values],
        "lead_units": list(lead_codes),
        "units": [u.code for u in units],
        "units_zh": [u.name_zh for u in units],
        "note_zh": target.note_zh,
        "note_en": target.note_en,
    }


def task_record(plan: Plan, task: Task, *, full: bool = False) -> dict[str, Any]:
    """A task with its group, units and target ids (``full`` adds links and target records)."""
    group = plan.group_of(task)
    record: dict[str, Any] = {
        "id": task.id,
        "part": group.part,
        "group": group.id,
        "group_numeral": group.numeral,
        "group_title_zh": group.title_zh,
        "group_title_en": group.title_en,
        "title_zh": task.title_zh,
        "title_en": task.title_en,
        "measures_zh": task.measures_zh,
        "measures_en": task.measures_en,
        "goals_zh": dict(task.goals_zh),
        "units_text": list(task.units),
        "lead_unit": task.lead_unit,
        "units": list(dict.fromkeys(link.unit for link in task.links)),
        "targets": [t.id for t in plan.targets_for_task(task.id)],
    }
    if full:
        record["links"] = [link_record(plan, link) for link in task.links]
        record["target_records"] = [target_record(plan, t) for t in plan.targets_for_task(task.id)]
    return record


def safeguard_record(plan: Plan, item: SafeguardItem) -> dict[str, Any]:
    """A safeguard item with its resolved units."""
    return {
        "id": item.id,
        "title_zh": item.title_zh,
        "title_en": item.title_en,
        "text_zh": item.text_zh,
        "text_en": item.text_en,
        "units_text": list(item.units),
        "units": list(dict.fromkeys(link.unit for link in item.links)),
        "links": [link_record(plan, link) for link in item.links],
    }
