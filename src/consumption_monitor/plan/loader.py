"""Read and validate an action-plan YAML file (and the units file it references).

Every problem becomes a :class:`~consumption_monitor.errors.PlanError` whose location names the
file, the entry (``task-12``, ``T-tourists``, ``S4-2``, ``group-3``…) and the field
(``units``, ``values[0].value``…). Checks, beyond each entry's own model:

- ids are unique (tasks, groups, parts, targets, safeguard groups and items);
- every task's group and every group's part exists;
- every unit named in a 责任单位 cell resolves in the units registry;
- every target links to existing tasks, and only headline targets may link to none;
- every target value's years lie within the plan period;
- every target value's ``source`` appears verbatim in a 工作目标 cell of a linked task (or, for
  headline targets, in ``overall_goal_zh``), and every 工作目标 cell has a target.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import PlanError
from consumption_monitor.plan.models import (
    Group,
    Part,
    PlanInfo,
    SafeguardGroup,
    Target,
    Task,
    plan_error,
)
from consumption_monitor.plan.registry import Plan
from consumption_monitor.plan.units import UnitRegistry, build_units

#: The bundled plan of Tianjin (2025).
BUNDLED_PLAN = Path(__file__).parent / "data" / "tianjin_2025.yaml"

M = TypeVar("M", bound=BaseModel)

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_plan(path: Path | str | None = None, settings: Settings | None = None) -> Plan:
    """Load and validate a plan: ``path``, else ``settings.plan_path``, else the Tianjin plan.

    ``settings`` defaults to the process settings (``CMON_PLAN_PATH``). Results are cached per
    file and modification time, so repeated calls are cheap. Raises :class:`PlanError`.

    >>> plan = load_plan(BUNDLED_PLAN)
    >>> len(plan.tasks), plan.task(21).title_zh
    (50, '优化体育设施布局')
    """
    if path is None:
        chosen = (settings or get_settings()).plan_path
        path = chosen if chosen is not None else BUNDLED_PLAN
    resolved = Path(path).expanduser().resolve()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise plan_error(
            str(path),
            None,
            None,
            f"cannot read the plan file: {exc.strerror}",
            f"无法读取方案文件：{exc.strerror}",
            hint_en="check the path given by --plan or CMON_PLAN_PATH",
            hint_zh="请检查 --plan 或 CMON_PLAN_PATH 指定的路径",
        ) from exc
    return _load_cached(str(resolved), stamp)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, _stamp: int) -> Plan:
    return _PlanReader(Path(path)).read()


def _read_yaml(path: Path, display: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise plan_error(
            display,
            None,
            None,
            f"cannot read file: {exc.strerror}",
            f"无法读取文件：{exc.strerror}",
        ) from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader (C or pure Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise plan_error(
            display,
            None,
            None,
            f"not valid YAML{line}: {getattr(exc, 'problem', exc)}",
            f"YAML 格式错误{line}：{getattr(exc, 'problem', exc)}",
        ) from exc


def _field_path(loc: tuple[int | str, ...]) -> str:
    """``('values', 0, 'value')`` → ``'values[0].value'``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _PlanReader:
    """One read of one plan file; knows the file name for every error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.name if path.parent == BUNDLED_PLAN.parent else str(path)

    def fail(
        self, entry: str | None, field: str | None, en: str, zh: str, value: object = None
    ) -> PlanError:
        return plan_error(self.file, entry, field, en, zh, value=value)

    def model(self, cls: type[M], raw: object, entry: str, *, context: str = "") -> M:
        """Validate one entry; turn the first pydantic error into a located PlanError."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            value = first.get("input")
            raise self.fail(
                entry,
                _field_path(tuple(first["loc"])) or None,
                f"invalid {context or cls.__name__.lower()}: {first['msg']}",
                f"{context or cls.__name__}条目无效：{first['msg']}",
                value=None if isinstance(value, dict | list) else value,
            ) from exc

    def entries(self, doc: dict[str, Any], key: str, *, required: bool = True) -> list[Any]:
        raw = doc.get(key)
        if raw is None and not required:
            return []
        if not isinstance(raw, list) or (required and not raw):
            raise self.fail(None, key, f"{key!r} must be a non-empty list", f"“{key}”须为非空列表")
        return raw

    def read(self) -> Plan:
        doc = _read_yaml(self.path, self.file)
        if not isinstance(doc, dict):
            raise self.fail(None, None, "a plan file must be a mapping", "方案文件须为键值映射")
        info = self.model(PlanInfo, doc.get("plan"), "plan", context="plan header")
        units = self.read_units(info)
        parts = self.collect(self.entries(doc, "parts"), Part, "part")
        groups = self.collect(self.entries(doc, "groups"), Group, "group")
        for group in groups.values():
            if group.part not in parts:
                raise self.fail(
                    f"group-{group.id}", "part", "unknown part", "所属部分不存在", group.part
                )
        tasks = {
            task.id: self.resolve_task(task, units, groups)
            for task in self.collect(self.entries(doc, "tasks"), Task, "task").values()
        }
        safeguards = self.read_safeguards(self.entries(doc, "safeguards", required=False), units)
        targets = self.collect(self.entries(doc, "targets"), Target, "target", prefix="")
        self.check_targets(info, tasks, targets)
        targets = share_merged_goals(tasks, targets)
        return Plan(
            info=info,
            parts=list(parts.values()),
            groups=groups,
            tasks=tasks,
            safeguards=safeguards,
            targets=targets,
            units=units,
            path=self.path,
        )

    def read_units(self, info: PlanInfo) -> UnitRegistry:
        units_path = (self.path.parent / info.units_file).resolve()
        display = info.units_file if self.file == self.path.name else str(units_path)
        if not units_path.is_file():
            raise self.fail(
                "plan",
                "units_file",
                f"units file not found: {units_path}",
                f"找不到单位文件：{units_path}",
                info.units_file,
            )
        return build_units(display, _read_yaml(units_path, display))

    def collect(
        self, raws: list[Any], cls: type[M], label: str, *, prefix: str | None = None
    ) -> dict[Any, M]:
        """Validate a list of entries keyed by ``id``; refuse duplicates."""
        pre = f"{label}-" if prefix is None else prefix
        out: dict[Any, M] = {}
        for index, raw in enumerate(raws):
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            entry = f"{pre}{raw_id}" if raw_id is not None else f"{label}s[{index}]"
            item = self.model(cls, raw, entry, context=label)
            key = item.id  # type: ignore[attr-defined]
            if key in out:
                raise self.fail(
                    entry, "id", f"duplicate {label} id {key!r}", f"{label} 编号重复：{key}", key
                )
            out[key] = item
        return out

    def links(self, entry: str, units: UnitRegistry, names: list[str]) -> Any:
        try:
            return units.resolve(names)
        except KeyError as exc:
            name = exc.args[0]
            raise plan_error(
                self.file,
                entry,
                "units",
                f"unknown unit {name!r}",
                f"未知责任单位“{name}”",
                value=name,
                hint_en="add it (or an alias) to the units file",
                hint_zh="请在单位文件中添加该单位或别名",
            ) from exc

    def resolve_task(self, task: Task, units: UnitRegistry, groups: dict[int, Group]) -> Task:
        entry = f"task-{task.id}"
        if task.group not in groups:
            raise self.fail(entry, "group", "unknown group", "所属任务组不存在", task.group)
        return task.model_copy(update={"links": self.links(entry, units, task.units)})

    def read_safeguards(self, raws: list[Any], units: UnitRegistry) -> list[SafeguardGroup]:
        groups = self.collect(raws, SafeguardGroup, "safeguard group", prefix="")
        seen: set[str] = set()
        out: list[SafeguardGroup] = []
        for group in groups.values():
            items = []
            for item in group.items:
                if item.id in seen or not item.id.startswith(f"{group.id}-"):
                    raise self.fail(
                        item.id,
                        "id",
                        f"safeguard item id must be unique and start with {group.id}-",
                        f"保障措施编号须唯一且以 {group.id}- 开头",
                        item.id,
                    )
                seen.add(item.id)
                items.append(
                    item.model_copy(update={"links": self.links(item.id, units, item.units)})
                )
            out.append(group.model_copy(update={"items": items}))
        return out

    def check_targets(
        self, info: PlanInfo, tasks: dict[int, Task], targets: dict[str, Target]
    ) -> None:
        start, end = info.period
        covered: set[tuple[int, str]] = set()
        for target in targets.values():
            entry = target.id
            if not target.tasks and not target.headline:
                raise self.fail(
                    entry,
                    "tasks",
                    "target links to no task (only headline targets may)",
                    "目标未关联任何任务（仅总体目标 headline 可不关联）",
                )
            for task_id in target.tasks:
                if task_id not in tasks:
                    raise self.fail(entry, "tasks", "unknown task", "关联的任务不存在", task_id)
            for index, value in enumerate(target.values):
                field = "year" if value.span is None else "span"
                if not (start <= value.start and value.end <= end):
                    raise self.fail(
                        entry,
                        f"values[{index}].{field}",
                        f"year outside the plan period {start}-{end}",
                        f"年份超出方案期 {start}-{end}",
                        value.years_label,
                    )
                self.check_source(
                    entry=entry,
                    index=index,
                    target=target,
                    source=value.source,
                    tasks=tasks,
                    info=info,
                    covered=covered,
                )
        for task in tasks.values():
            for key in task.goals_zh:
                if (task.id, key) not in covered:
                    raise self.fail(
                        f"task-{task.id}",
                        f"goals_zh.{key}",
                        "goal cell has no target whose source quotes it",
                        "工作目标未对应任何目标条目",
                    )

    def check_source(
        self,
        *,
        entry: str,
        index: int,
        target: Target,
        source: str,
        tasks: dict[int, Task],
        info: PlanInfo,
        covered: set[tuple[int, str]],
    ) -> None:
        """The source wording must quote a goal cell of a linked task (or the overall goal)."""
        found = False
        for task_id in target.tasks:
            for key, cell in tasks[task_id].goals_zh.items():
                if source in cell:
                    covered.add((task_id, key))
                    found = True
        if not found and target.headline:
            found = not info.overall_goal_zh or source in info.overall_goal_zh
        if not found:
            raise self.fail(
                entry,
                f"values[{index}].source",
                "source wording is not found in the goal cells of the linked tasks",
                "目标原文未出现在所关联任务的工作目标中",
                source,
            )


def merged_goal_owner(tasks: dict[int, Task]) -> dict[int, int]:
    """Tasks whose 工作目标 cell is merged with the row above: task id → the task holding it.

    In the annex a group's goal cell may span several rows; the text sits in the first row of
    the merge and the rows below it are blank. A blank row takes the goal cell of the nearest
    earlier row *of the same group* that has one; a blank row before any goal cell of its group
    has no goal.
    """
    owner: dict[int, int] = {}
    holder: dict[int, int] = {}
    for task_id in sorted(tasks):
        task = tasks[task_id]
        if task.goals_zh:
            holder[task.group] = task_id
        elif task.group in holder:
            owner[task_id] = holder[task.group]
    return owner


def share_merged_goals(tasks: dict[int, Task], targets: dict[str, Target]) -> dict[str, Target]:
    """Link every target to each task that shares (by a merged cell) the goal cell it quotes."""
    owner = merged_goal_owner(tasks)
    out: dict[str, Target] = {}
    for target_id, target in targets.items():
        extra = [
            task_id
            for task_id, held_by in owner.items()
            if held_by in target.tasks
            and task_id not in target.tasks
            and any(
                v.source in cell for v in target.values for cell in tasks[held_by].goals_zh.values()
            )
        ]
        out[target_id] = (
            target.model_copy(update={"tasks": sorted([*target.tasks, *extra])})
            if extra
            else target
        )
    return out


def validate_plan_file(path: Path) -> Plan:
    """Load ``path`` bypassing the cache (for editors checking a file they just wrote)."""
    return _PlanReader(path.expanduser().resolve()).read()


__all__: list[str] = ["BUNDLED_PLAN", "load_plan", "validate_plan_file"]
