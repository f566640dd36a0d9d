"""Fill-in templates: Chinese headers, an example row and drop-down lists.

``write_template("enterprise_monthly", "xlsx")`` writes a workbook whose first sheet has the
dataset's Chinese headers (money headers carry their unit, e.g. ``零售额(万元)``), one example
row that passes validation, and drop-down lists (data validation) for districts, 商圈, commodity
categories, industries and enum labels, read from a hidden ``lists`` sheet. A ``填写说明`` sheet
describes every column. The CSV template (UTF-8 with BOM, so Excel opens it correctly) has the
headers and the example row.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from consumption_monitor.catalog import Catalog, Column, Dataset, load_catalog
from consumption_monitor.catalog.uscc import make_uscc
from consumption_monitor.errors import ConfigError

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


def header_label(col: Column) -> str:
    """The template header of a column: its Chinese name, with the unit for money/percent."""
    return col.zh + _UNIT_SUFFIX.get(col.unit or "", "")


def choices(col: Column, cat: Catalog) -> list[str]:
    """The drop-down values of a column (empty when it takes free input)."""
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
    dataset: str, fmt: TemplateFormat = "xlsx", out: Path | None = None, *, city: str = "tianjin"
) -> Path:
    """Write the template of ``dataset`` to ``out`` (default ``<dataset>_template.<fmt>``)."""
    cat = load_catalog(city)
    ds = cat.dataset(dataset)
    if fmt not in ("xlsx", "csv"):
        raise ConfigError(
            f"template format must be xlsx or csv, not {fmt!r}", "模板格式只能是 xlsx 或 csv"
        )
    path = out or Path(f"{ds.name}_template.{fmt}")
    headers = [header_label(c) for c in ds.columns]
    example = example_row(ds, cat)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerow(example)
        return path
    _write_xlsx(path, ds, cat, headers, example)
    return path


def _write_xlsx(
    path: Path, ds: Dataset, cat: Catalog, headers: list[str], example: list[str]
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
            data.write_string(1, i, example[i], note)
            opts = choices(col, cat)
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
                header_label(col), col.name, col.type, "是" if col.required else "否",
                col.unit or "", "、".join(choices(col, cat)[:20]), col.description,
            ])  # fmt: skip
        guide.write_string(
            len(ds.columns) + 2, 0,
            "第 2 行为示例，请覆盖或删除；请勿使用公式（粘贴为数值）；金额单位以表头为准。",
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
