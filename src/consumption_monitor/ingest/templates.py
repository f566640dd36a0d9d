"""Fill-in templates: Chinese headers, an example row and drop-down lists.

``write_template("enterprise_monthly", "xlsx")`` writes a workbook whose first sheet has the
dataset's Chinese headers (money headers carry their unit, e.g. ``零售额(万元)``), one example
row that passes validation, and drop-down lists (data validation) for districts, 商圈, commodity
categories, industries and enum labels, read from a hidden ``lists`` sheet. A ``填写说明`` sheet
describes every column. The CSV template (UTF-8 with BOM, so Excel opens it correctly) has the
headers and the example row.

A unit's own template (``write_template(..., unit="和平区")``): for ``task_progress`` one row per
plan task the unit is responsible for, for ``unit_reports`` one row per indicator it reports,
each pre-filled with the unit, the task or indicator and the period that falls due next; the
drop-downs offer only the unit's own tasks, indicators and name. Other datasets keep the example
row, with the unit's name where the dataset has a reporting unit.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Literal

from consumption_monitor import clock
from consumption_monitor.catalog import Catalog, Column, Dataset, load_catalog
from consumption_monitor.catalog.reporting import reporting_rules
from consumption_monitor.catalog.uscc import make_uscc
from consumption_monitor.cellsafe import csv_text
from consumption_monitor.errors import ConfigError, NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.indicators.format import UNIT_LABELS_ZH
from consumption_monitor.plan import Plan, load_plan

TemplateFormat = Literal["xlsx", "csv"]
#: Rows of the data sheet that carry the drop-down lists.
VALIDATED_ROWS = 5000
_UNIT_SUFFIX = {"wan_yuan": "(万元)", "yi_yuan": "(亿元)", "yuan": "(元)", "percent": "(%)"}
_EXAMPLE_BY_NAME: dict[str, dict[str, str]] = {
    "official_stats": {
        "region": "天津", "indicator": "社会消费品零售总额", "period": "2024年1-10月",
        "value": "3123.5", "unit": "亿元", "basis": "ytd", "yoy_pct": "3.2",
        "source": "天津市统计局", "note": "",
    },
}  # fmt: skip


#: Column types as the 填写说明 sheet names them.
TYPE_ZH = {
    "string": "文本", "int": "整数", "float": "数值", "date": "日期（如2025-10-01）",
    "timestamp": "日期时间（如2025-10-01 12:30:00）",
    "period": "时期（如2025年10月、2025年1-2月、2025年3季度、2025年）",
}  # fmt: skip


class UnitScope:
    """What one unit fills in: its name, tasks and reported indicators (Chinese names)."""

    def __init__(self, plan: Plan, written: str) -> None:
        unit = plan.units.find(written)
        if unit is None:
            raise NotFoundError(
                f"unknown unit {written!r}", f"未知单位“{written}”",
                hint_en="use a unit name, alias or code from `cmon plan units`",
                hint_zh="请使用 `cmon plan units` 列出的单位名称、别名或代码",
            )  # fmt: skip
        self.code = unit.code
        self.name = unit.name_zh
        self.tasks = [
            t.id for t in plan.tasks.values() if any(k.unit == unit.code for k in t.links)
        ]
        self.indicators = [
            i.name_zh for i in load_indicators() if i.kind == "unit_report" and unit.code in i.units
        ]


def _due_period(dataset: str, today: date) -> str:
    """The period a unit reports next for ``dataset`` (the last complete one), as written."""
    rule = reporting_rules().get(dataset)
    month = today.month - 1 or 12
    year = today.year if today.month > 1 else today.year - 1
    if rule is not None and rule.frequency == "quarterly":
        quarter = (today.month - 1) // 3 or 4
        qyear = today.year if today.month > 3 else today.year - 1
        return f"{qyear}年{quarter}季度"
    return f"{year}年{month}月"


def unit_rows(ds: Dataset, cat: Catalog, scope: UnitScope, today: date) -> list[list[str]]:
    """The pre-filled rows of a unit's template (the example row for other datasets)."""
    names = [c.name for c in ds.columns]
    period = _due_period(ds.name, today)

    def row(**values: str) -> list[str]:
        return [values.get(n, "") for n in names]

    if ds.name == "task_progress":
        return [row(task_id=str(t), period=period, reporting_unit=scope.name) for t in scope.tasks]
    if ds.name == "unit_reports":
        return [row(reporting_unit=scope.name, indicator=i, period=period)
                for i in scope.indicators]  # fmt: skip
    example = example_row(ds, cat)
    return [
        [scope.name if c.check == "unit" else v for c, v in zip(ds.columns, example, strict=True)]
    ]


def header_label(col: Column) -> str:
    """The template header of a column: its Chinese name, with the unit for money/percent."""
    return col.zh + _UNIT_SUFFIX.get(col.unit or "", "")


def choices(col: Column, cat: Catalog, scope: UnitScope | None = None) -> list[str]:
    """The drop-down values of a column (empty when it takes free input); a unit's template
    offers only its own name, tasks and indicators."""
    if scope is not None and col.check == "unit":
        return [scope.name]
    if scope is not None and col.check == "task":
        return [str(t) for t in scope.tasks]
    if scope is not None and col.check == "indicator" and scope.indicators:
        return scope.indicators
    if col.check == "enum":
        return [(col.labels_zh or {}).get(v, v) for v in col.values or []]
    if col.check == "district":
        return [d.name_zh for d in cat.districts]
    if col.check == "region":
        return ["全国", cat.city.name_zh.removesuffix("市"), *[d.name_zh for d in cat.districts]]
    if col.check == "category":
        return [c.name_zh for c in cat.categories]
    if col.check == "business_district":
        return [f"{b.id}" for b in cat.business_districts]
    if col.check == "industry":
        return [i.code for i in cat.industries]
    if col.check == "indicator":
        return [i.name_zh for i in cat.indicators]
    return []


def example_row(ds: Dataset, cat: Catalog) -> list[str]:
    """One row of plausible values that passes validation."""
    fixed = _EXAMPLE_BY_NAME.get(ds.name, {})
    row: list[str] = []
    for col in ds.columns:
        if col.name in fixed:
            row.append(fixed[col.name])
            continue
        opts = choices(col, cat)
        if col.check == "uscc":
            row.append(make_uscc("9", "1", cat.districts[0].code, "MA05JYLX"))
        elif col.check == "mcc":
            row.append("5411")
        elif col.check == "industry":
            row.append("F52")
        elif opts:
            row.append(opts[0])
        elif col.type == "period":
            row.append("2024年1-2月" if ds.jan_feb_combined else "2024年10月")
        elif col.type == "date":
            row.append("2024-10-01")
        elif col.type == "timestamp":
            row.append("2024-10-01 12:30:00")
        elif col.type in ("int", "float"):
            row.append("80" if col.unit == "percent" else "100")
        elif col.check in ("unit", "task"):
            row.append("1" if col.check == "task" else "市商务局")
        else:
            row.append(f"示例{col.zh}" if col.required else "")
    return row


def write_template(
    dataset: str,
    fmt: TemplateFormat = "xlsx",
    out: Path | None = None,
    *,
    city: str = "tianjin",
    unit: str | None = None,
    plan: Plan | None = None,
    today: date | None = None,
) -> Path:
    """Write the template of ``dataset`` to ``out`` (default ``<dataset>_template.<fmt>``);
    ``unit`` (name, alias or code) makes it that unit's own template (module docstring)."""
    cat = load_catalog(city)
    ds = cat.dataset(dataset)
    if fmt not in ("xlsx", "csv"):
        raise ConfigError(
            f"template format must be xlsx or csv, not {fmt!r}", "模板格式只能是 xlsx 或 csv"
        )
    scope = UnitScope(plan or load_plan(), unit) if unit else None
    path = out or Path(f"{ds.name}_template.{fmt}")
    headers = [header_label(c) for c in ds.columns]
    rows = unit_rows(ds, cat, scope, today or clock.today()) if scope else [example_row(ds, cat)]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows([[csv_text(v) for v in r] for r in rows])
        return path
    _write_xlsx(path, ds, cat, headers, rows, scope)
    return path


def _write_xlsx(
    path: Path,
    ds: Dataset,
    cat: Catalog,
    headers: list[str],
    rows: list[list[str]],
    scope: UnitScope | None,
) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    try:
        data = wb.add_worksheet(ds.name_zh[:31])
        guide = wb.add_worksheet("填写说明")
        lists = wb.add_worksheet("lists")
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
        text = wb.add_format({"num_format": "@"})
        note = wb.add_format({"italic": True, "font_color": "#808080", "num_format": "@"})
        list_col = 0
        for i, (col, label) in enumerate(zip(ds.columns, headers, strict=True)):
            data.write_string(0, i, label, req if col.required else head)
            data.set_column(i, i, max(12, len(label) * 2), text)
            for r, values in enumerate(rows, start=1):
                data.write_string(r, i, values[i], note if scope is None else text)
            opts = choices(col, cat, scope)
            if opts:
                lists.write_string(0, list_col, col.name)
                for r, value in enumerate(opts, start=1):
                    lists.write_string(r, list_col, value)
                letter = _letter(list_col)
                data.data_validation(
                    1, i, VALIDATED_ROWS, i,
                    {
                        "validate": "list",
                        "source": f"=lists!${letter}$2:${letter}${len(opts) + 1}",
                        "error_title": "取值无效",
                        "error_message": f"请从下拉列表中选择{col.zh}",
                    },
                )  # fmt: skip
                list_col += 1
        data.freeze_panes(1, 0)
        lists.hide()
        guide.write_row(0, 0, ["表头", "字段", "类型", "必填", "单位", "可选值", "说明"], head)
        for r, col in enumerate(ds.columns, start=1):
            guide.write_row(r, 0, [
                header_label(col), col.name, TYPE_ZH.get(col.type, col.type),
                "是" if col.required else "否", UNIT_LABELS_ZH.get(col.unit or "", col.unit or ""),
                "、".join(choices(col, cat, scope)[:20]), col.description_zh,
            ])  # fmt: skip
        guide.write_string(
            len(ds.columns) + 2, 0,
            (
                f"本表为{scope.name}的填报模板：已预填本单位的任务或指标及报告期，请补全其余各列。"
                if scope is not None
                else "第 2 行为示例，请覆盖或删除。"
            )
            + "请勿使用公式（粘贴为数值）；金额单位以表头为准。",
        )  # fmt: skip
    finally:
        wb.close()


def _letter(index: int) -> str:
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
