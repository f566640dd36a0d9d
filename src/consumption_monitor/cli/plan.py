"""`cmon plan`: browse the action plan — tasks, targets, responsible units, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table
from consumption_monitor.plan import Plan, TargetKind, load_plan
from consumption_monitor.plan.records import (
    describe_value,
    safeguard_record,
    target_record,
    task_record,
    unit_record,
)

plan_app = typer.Typer(
    name="plan",
    help="行动方案：任务、目标、责任单位 / the action plan: tasks, targets, responsible units.",
    no_args_is_help=True,
)
commands = typer.Typer()
commands.add_typer(plan_app, name="plan")

_KINDS = ", ".join(k.value for k in TargetKind)
UnitOpt = Annotated[
    str | None,
    typer.Option("--unit", help="Responsible unit: name, alias or code (e.g. 市体育局, sport)."),
]
KindOpt = Annotated[str | None, typer.Option("--kind", help=f"Target kind: {_KINDS}.")]
YearOpt = Annotated[int | None, typer.Option("--year", help="Keep goals applying to this year.")]


@plan_app.callback()
def _plan_options(
    ctx: typer.Context,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Plan YAML to load instead of the configured/bundled one (CMON_PLAN_PATH).",
        ),
    ] = None,
) -> None:
    """行动方案 / the action plan."""
    ctx.ensure_object(dict)["plan_path"] = plan


def _load(ctx: typer.Context) -> Plan:
    obj = ctx.find_root().obj if ctx.obj is None else ctx.obj
    path = obj.get("plan_path") if isinstance(obj, dict) else None
    return load_plan(path)


def _kind(kind: str | None) -> TargetKind | None:
    if kind is None:
        return None
    try:
        return TargetKind(kind)
    except ValueError:
        raise typer.BadParameter(f"--kind must be one of: {_KINDS}") from None


def _pick(record: dict[str, Any], key: str, lang: str) -> Any:
    return record[f"{key}_{lang}"]


def _units_cell(plan: Plan, entries: list[str], lang: str, limit: int = 6) -> str:
    """责任单位 entries as written (zh) or translated (en), without repeats."""
    names: list[str] = []
    for entry in entries:
        name, and_others = plan.units.split_entry(entry)
        scope = plan.units.collectives.get(name)
        if lang == "zh":
            label = entry
        elif scope is not None:
            label = "all district governments" if scope == "all_districts" else "relevant districts"
        else:
            unit = plan.units.find(name)
            label = (unit.name_en if unit else name) + (" and others" if and_others else "")
        if label not in names:
            names.append(label)
    if len(names) > limit:
        names = [*names[:limit], "…"]
    return "、".join(names) if lang == "zh" else "; ".join(names)


def _target_entries(plan: Plan, target_tasks: list[int]) -> list[str]:
    return [entry for task_id in target_tasks for entry in plan.tasks[task_id].units]


@command(plan_app)
def summary(ctx: typer.Context, *, reply: Reply) -> Answer:
    """方案概览：任务、目标类型、责任单位与“1+N+16”架构 / plan overview."""
    result = _load(ctx).summary()
    if reply.json:
        return result.model_dump(mode="json")
    zh = reply.zh
    s = result.structure
    rows: list[tuple[str, object]] = [
        ("方案" if zh else "plan", result.title_zh if zh else result.title_en),
        ("期限" if zh else "period", f"{result.period[0]}–{result.period[1]}"),
        ("部分 / 任务组" if zh else "parts / groups", f"{result.parts} / {result.groups}"),
        ("任务" if zh else "tasks", result.tasks),
        (
            "保障措施" if zh else "safeguards",
            f"{result.safeguard_groups} / {result.safeguard_items}",
        ),
        (
            "目标（含总体目标）" if zh else "targets (headline)",
            f"{result.targets} ({result.headline_targets})",
        ),
        ("部门单位" if zh else "departments and agencies", result.departments),
        ("区" if zh else "districts", result.districts),
        (
            "工作架构" if zh else "working structure",
            f"{s.label}：{s.office_name_zh}（设在{s.office_host_zh}）、{s.n}个主责部门、{s.districts}个区"
            if zh
            else f"{s.label}: {s.office_name_en} (at {s.office_host}), {s.n} lead departments, "
            f"{s.districts} districts",
        ),
    ]
    print_table("方案概览" if zh else "Plan summary", ["", ""], rows)
    kinds = [
        (k, result.targets_by_kind[k], result.target_values_by_kind[k])
        for k in result.targets_by_kind
        if result.target_values_by_kind[k] or result.targets_by_kind[k]
    ]
    print_table(
        "目标类型" if zh else "Targets by kind",
        [
            "类型" if zh else "kind",
            "目标（按期末）" if zh else "targets (final)",
            "分年目标值" if zh else "year values",
        ],
        kinds,
    )


@command(plan_app)
def tasks(
    ctx: typer.Context,
    *,
    unit: UnitOpt = None,
    district: Annotated[
        str | None, typer.Option("--district", help="District name or admin code (120101…).")
    ] = None,
    kind: KindOpt = None,
    year: YearOpt = None,
    reply: Reply,
) -> Answer:
    """列出任务，可按责任单位、区、目标类型、年份筛选 / list tasks."""
    language = reply.lang
    plan = _load(ctx)
    found = plan.filter_tasks(unit=unit, district=district, kind=_kind(kind), year=year)
    records = [task_record(plan, t) for t in found]
    if reply.json:
        return {"data": records, "count": len(records)}
    zh = reply.zh
    print_table(
        "任务清单" if zh else "Tasks",
        [
            "序号" if zh else "id",
            "任务组" if zh else "group",
            "重点举措" if zh else "task",
            "责任单位" if zh else "units",
            "目标" if zh else "targets",
        ],
        [
            (
                r["id"],
                r["group_numeral"] + (r["group_title_zh"] if zh else r["group_title_en"]),
                _pick(r, "title", language),
                _units_cell(plan, r["units_text"], language),
                ", ".join(r["targets"]),
            )
            for r in records
        ],
        caption=f"{len(records)} 项任务" if zh else f"{len(records)} tasks",
    )


@command(plan_app)
def targets(
    ctx: typer.Context,
    *,
    unit: UnitOpt = None,
    kind: KindOpt = None,
    year: YearOpt = None,
    reply: Reply,
) -> Answer:
    """列出量化目标及关联任务、年份、比较方式、目标值和责任单位 / list targets."""
    language = reply.lang
    plan = _load(ctx)
    found = plan.filter_targets(unit=unit, kind=_kind(kind), year=year)
    records = [target_record(plan, t) for t in found]
    if reply.json:
        return {"data": records, "count": len(records)}
    zh = reply.zh
    rows = []
    for target, record in zip(found, records, strict=True):
        goals = "; ".join(
            f"{v.years_label} {v.kind.value} {describe_value(v, language)}" for v in target.values
        )
        tasks_label = (
            ("总体目标" if zh else "headline")
            if target.headline
            else ", ".join(map(str, target.tasks))
        )
        rows.append(
            (
                target.id,
                _pick(record, "name", language),
                goals,
                tasks_label,
                _units_cell(plan, _target_entries(plan, target.tasks), language, limit=3),
            )
        )
    print_table(
        "量化目标" if zh else "Targets",
        [
            "编号" if zh else "id",
            "指标" if zh else "measure",
            "目标值" if zh else "goals",
            "任务" if zh else "tasks",
            "责任单位" if zh else "units",
        ],
        rows,
        caption=f"{len(rows)} 个目标" if zh else f"{len(rows)} targets",
    )


@command(plan_app)
def units(ctx: typer.Context, *, reply: Reply) -> Answer:
    """列出责任单位（代码、名称、别名、承担任务数）/ list responsible units."""
    language = reply.lang
    plan = _load(ctx)
    counts = plan.unit_task_counts()
    main = {u.code for u in plan.units.main_departments}
    host = plan.units.office_host.code
    records = [
        {
            **unit_record(u),
            "aliases": list(u.aliases),
            "main_department": u.code in main,
            "office_host": u.code == host,
            "tasks": counts[u.code][0],
            "tasks_led": counts[u.code][1],
        }
        for u in plan.units.units.values()
    ]
    if reply.json:
        return {"data": records, "count": len(records)}
    zh = reply.zh
    print_table(
        "责任单位" if zh else "Responsible units",
        [
            "代码" if zh else "code",
            "名称" if zh else "name",
            "类型" if zh else "kind",
            "主责部门" if zh else "N",
            "任务（牵头）" if zh else "tasks (lead)",
            "别名" if zh else "aliases",
        ],
        [
            (
                r["code"],
                _pick(r, "name", language),
                r["kind"],
                ("办公室·" if r["office_host"] else "") + ("✓" if r["main_department"] else ""),
                f"{r['tasks']} ({r['tasks_led']})",
                "、".join(r["aliases"][:3]),
            )
            for r in records
        ],
        caption=f"{len(records)} 个单位" if zh else f"{len(records)} units",
    )


@command(plan_app)
def show(
    ctx: typer.Context,
    task: Annotated[
        str, typer.Argument(help="Task number (1–50), safeguard item (S4-2) or target (T-…).")
    ],
    *,
    reply: Reply,
) -> Answer:
    """显示一项任务（或保障措施、目标）的全部内容 / show one task in full."""
    plan = _load(ctx)
    key = task.strip()
    if key.upper().startswith("S"):
        record = safeguard_record(plan, plan.safeguard_item(key.upper()))
    elif key.startswith("T-"):
        record = target_record(plan, plan.target(key))
    else:
        record = task_record(plan, plan.task(key), full=True)
    if reply.json:
        return record
    _print_record(plan, record, reply.lang)


def _print_record(plan: Plan, record: dict[str, Any], lang: str) -> None:
    zh = lang == "zh"
    title = record.get("title_zh" if zh else "title_en") or record.get(
        "name_zh" if zh else "name_en"
    )
    out = console()
    out.print(f"[bold]{record['id']}．{title}[/]", highlight=False)
    if "group" in record:
        group = record["group_numeral"] + record["group_title_zh" if zh else "group_title_en"]
        out.print(f"{'任务组' if zh else 'group'}: {group}", highlight=False)
    for key in ("measures", "text"):
        text = record.get(f"{key}_{lang}") or record.get(f"{key}_zh")
        if text:
            out.print(text, highlight=False)
    for year, cell in record.get("goals_zh", {}).items():
        out.print(f"[cyan]{'工作目标' if zh else 'goal'} {year}[/]: {cell}", highlight=False)
    entries = record.get("units_text") or _target_entries(plan, record.get("tasks") or [])
    if entries:
        out.print(
            f"{'责任单位' if zh else 'units'}: {_units_cell(plan, entries, lang, limit=99)}",
            highlight=False,
        )
    targets = record.get("target_records") or ([record] if "values" in record else [])
    for target in targets:
        for value in target["values"]:
            out.print(
                f"  {target['id']} {value['years']} {value['kind']} {value['comparator']} "
                f"{value['value_exact'] or value['value_text'] or ''} {value['unit'] or ''}"
                f" — {value['source']}",
                highlight=False,
            )
