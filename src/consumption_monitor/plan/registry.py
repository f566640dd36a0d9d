"""The loaded action plan and its queries (tasks of a unit, targets of a task, summary)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from consumption_monitor.errors import NotFoundError
from consumption_monitor.plan.models import (
    Group,
    Part,
    PlanInfo,
    SafeguardGroup,
    SafeguardItem,
    Target,
    TargetKind,
    Task,
    Unit,
)
from consumption_monitor.plan.units import UnitRegistry


class StructureSummary(BaseModel):
    """The "1+N+16" working structure as counted from the units file."""

    model_config = ConfigDict(frozen=True)

    office_name_zh: str
    office_name_en: str
    office_host: str
    office_host_zh: str
    main_departments: list[str]
    n: int
    districts: int
    label: str


class PlanSummary(BaseModel):
    """Counts that `cmon plan summary` prints."""

    model_config = ConfigDict(frozen=True)

    plan_id: str
    title_zh: str
    title_en: str
    period: tuple[int, int]
    parts: int
    groups: int
    tasks: int
    safeguard_groups: int
    safeguard_items: int
    targets: int
    headline_targets: int
    targets_by_kind: dict[str, int]
    target_values_by_kind: dict[str, int]
    units: int
    departments: int
    districts: int
    structure: StructureSummary


@dataclass
class Plan:
    """A validated action plan. Build it with :func:`consumption_monitor.plan.load_plan`.

    Tasks are keyed by their number, targets by id; both keep file order.
    """

    info: PlanInfo
    parts: list[Part]
    groups: dict[int, Group]
    tasks: dict[int, Task]
    safeguards: list[SafeguardGroup]
    targets: dict[str, Target]
    units: UnitRegistry
    path: Path
    _targets_by_task: dict[int, list[Target]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for target in self.targets.values():
            for task_id in target.tasks:
                self._targets_by_task.setdefault(task_id, []).append(target)

    # --- lookups -------------------------------------------------------------------------

    def unit(self, name: str) -> Unit:
        """The unit with this code, Chinese name or alias (:class:`NotFoundError` if none)."""
        return self.units.get(name)

    def task(self, task_id: int | str) -> Task:
        """Task by number (``12`` or ``"12"``); :class:`NotFoundError` if none."""
        key = int(task_id) if str(task_id).strip().isdigit() else None
        if key is None or key not in self.tasks:
            raise NotFoundError(
                f"no task {task_id!r} in plan {self.info.id}",
                f"方案 {self.info.id} 中没有任务“{task_id}”",
                hint_en=f"task numbers run 1..{max(self.tasks, default=0)}",
                hint_zh=f"任务序号为 1..{max(self.tasks, default=0)}",
            )
        return self.tasks[key]

    def target(self, target_id: str) -> Target:
        """Target by id (``T-tourists``); :class:`NotFoundError` if none."""
        if target_id not in self.targets:
            raise NotFoundError(
                f"no target {target_id!r}",
                f"没有目标“{target_id}”",
                hint_en="run `cmon plan targets` to list target ids",
                hint_zh="运行 `cmon plan targets` 查看目标编号",
            )
        return self.targets[target_id]

    def safeguard_item(self, item_id: str) -> SafeguardItem:
        """Safeguard item by id (``S4-2``); :class:`NotFoundError` if none."""
        for group in self.safeguards:
            for item in group.items:
                if item.id == item_id:
                    return item
        raise NotFoundError(f"no safeguard item {item_id!r}", f"没有保障措施“{item_id}”")

    def group_of(self, task: Task) -> Group:
        """The group (（一）…) a task belongs to."""
        return self.groups[task.group]

    # --- queries -------------------------------------------------------------------------

    def tasks_for_unit(self, name: str) -> list[Task]:
        """Tasks whose 责任单位 include the unit (name, alias or code).

        A district counts when a task names it or lists 各区/有关区人民政府.
        """
        code = self.unit(name).code
        return [t for t in self.tasks.values() if any(link.unit == code for link in t.links)]

    def tasks_led_by(self, name: str) -> list[Task]:
        """Tasks whose first listed unit is this unit."""
        code = self.unit(name).code
        return [t for t in self.tasks.values() if t.lead_unit == code]

    def targets_for_task(self, task_id: int | str) -> list[Target]:
        """Targets linked to a task, in file order (empty when the task has none)."""
        return list(self._targets_by_task.get(self.task(task_id).id, []))

    def units_for_target(self, target: Target) -> list[Unit]:
        """Units responsible for a target: the units of its tasks, in order, without repeats.

        Headline targets have no task and hence no units.
        """
        codes: dict[str, None] = {}
        for task_id in target.tasks:
            for link in self.tasks[task_id].links:
                codes.setdefault(link.unit, None)
        return [self.units.units[c] for c in codes]

    def filter_tasks(
        self,
        *,
        unit: str | None = None,
        district: str | None = None,
        kind: TargetKind | str | None = None,
        year: int | None = None,
    ) -> list[Task]:
        """Tasks matching every given filter.

        ``kind`` and ``year`` keep tasks with at least one linked target value of that kind /
        applying to that year; tasks without targets drop out when either is given.
        """
        tasks = list(self.tasks.values())
        for name in (unit, district):
            if name is not None:
                code = self.unit(name).code
                tasks = [t for t in tasks if any(link.unit == code for link in t.links)]
        if kind is not None or year is not None:
            wanted = TargetKind(kind) if kind is not None else None
            tasks = [
                t
                for t in tasks
                if any(
                    _value_matches(target, wanted, year) for target in self.targets_for_task(t.id)
                )
            ]
        return tasks

    def filter_targets(
        self,
        *,
        unit: str | None = None,
        kind: TargetKind | str | None = None,
        year: int | None = None,
        headline: bool | None = None,
    ) -> list[Target]:
        """Targets matching every given filter (``unit`` via the target's tasks)."""
        targets = list(self.targets.values())
        if unit is not None:
            code = self.unit(unit).code
            targets = [t for t in targets if any(u.code == code for u in self.units_for_target(t))]
        wanted = TargetKind(kind) if kind is not None else None
        if wanted is not None or year is not None:
            targets = [t for t in targets if _value_matches(t, wanted, year)]
        if headline is not None:
            targets = [t for t in targets if t.headline == headline]
        return targets

    def summary(self) -> PlanSummary:
        """Counts of tasks, targets by kind, units and the 1+N+districts structure."""
        structure = self.units.structure
        main = self.units.main_departments
        host = self.units.office_host
        n_districts = len(self.units.districts)
        by_kind = Counter(t.kind.value for t in self.targets.values())
        by_value_kind = Counter(v.kind.value for t in self.targets.values() for v in t.values)
        return PlanSummary(
            plan_id=self.info.id,
            title_zh=self.info.title_zh,
            title_en=self.info.title_en,
            period=self.info.period,
            parts=len(self.parts),
            groups=len(self.groups),
            tasks=len(self.tasks),
            safeguard_groups=len(self.safeguards),
            safeguard_items=sum(len(g.items) for g in self.safeguards),
            targets=len(self.targets),
            headline_targets=sum(1 for t in self.targets.values() if t.headline),
            targets_by_kind={k.value: by_kind.get(k.value, 0) for k in TargetKind},
            target_values_by_kind={k.value: by_value_kind.get(k.value, 0) for k in TargetKind},
            units=len(self.units.units),
            departments=len(self.units.departments),
            districts=n_districts,
            structure=StructureSummary(
                office_name_zh=structure.office_name_zh,
                office_name_en=structure.office_name_en,
                office_host=host.code,
                office_host_zh=host.name_zh,
                main_departments=[u.code for u in main],
                n=len(main),
                districts=n_districts,
                label=f"1+{len(main)}+{n_districts}",
            ),
        )

    def unit_task_counts(self) -> dict[str, tuple[int, int]]:
        """Per unit code: (tasks involved in, tasks led)."""
        counts: dict[str, tuple[int, int]] = dict.fromkeys(self.units.units, (0, 0))
        for task in self.tasks.values():
            for link in task.links:
                involved, led = counts[link.unit]
                counts[link.unit] = (involved + 1, led + (1 if link.is_lead else 0))
        return counts


def _value_matches(target: Target, kind: TargetKind | None, year: int | None) -> bool:
    """True when one value of ``target`` has ``kind`` (if given) and covers ``year`` (if given)."""
    return any(
        (kind is None or v.kind is kind) and (year is None or v.covers(year)) for v in target.values
    )


def unit_names(units: Sequence[Unit], lang: str) -> list[str]:
    """Display names in the chosen language."""
    return [u.name_zh if lang == "zh" else u.name_en for u in units]
