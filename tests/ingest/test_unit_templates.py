"""Each unit downloads its own template (#22): only its tasks or indicators, pre-filled with its
name and the period due; 填写说明 names the types in Chinese; a filled-in template loads."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl

from consumption_monitor.config import Settings
from consumption_monitor.indicators import load_indicators
from consumption_monitor.ingest import ingest
from consumption_monitor.ingest.templates import write_template
from consumption_monitor.plan import load_plan

TODAY = date(2025, 11, 20)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_a_district_gets_only_its_own_tasks(tmp_path: Path) -> None:
    plan = load_plan()
    heping = plan.units.find("和平区")
    assert heping is not None
    mine = [t.id for t in plan.tasks.values() if any(k.unit == heping.code for k in t.links)]
    path = write_template("task_progress", "csv", tmp_path / "t.csv", unit="和平区", today=TODAY)
    _head, *rows = _rows(path)
    assert [int(r[0]) for r in rows] == mine and 0 < len(mine) < len(plan.tasks)
    assert {r[2] for r in rows} == {"和平区"} and {r[1] for r in rows} == {"2025年3季度"}
    assert "市商务局" not in path.read_text(encoding="utf-8-sig")


def test_a_department_gets_only_the_indicators_it_reports(tmp_path: Path) -> None:
    expected = [i.name_zh for i in load_indicators()
                if i.kind == "unit_report" and "culture_tourism" in i.units]  # fmt: skip
    path = write_template("unit_reports", "xlsx", tmp_path / "u.xlsx", unit="市文化和旅游局",
                          today=TODAY)  # fmt: skip
    wb = openpyxl.load_workbook(path)
    data, guide, lists = wb.worksheets[0], wb["填写说明"], wb["lists"]
    rows = [[c.value for c in r] for r in data.iter_rows(min_row=2) if any(c.value for c in r)]
    assert [r[1] for r in rows] == expected and expected
    assert {r[0] for r in rows} == {"市文化和旅游局"} and {r[2] for r in rows} == {"2025年10月"}
    types = [r[2].value for r in guide.iter_rows(min_row=2, max_row=8)]
    assert "数值" in types and not {"string", "float", "int"} & set(types)
    offered = {c.value for col in lists.iter_cols() for c in col[1:] if c.value}
    assert "市商务局" not in offered and "市文化和旅游局" in offered


def test_a_filled_in_unit_template_loads(tmp_path: Path, settings: Settings) -> None:
    path = write_template("task_progress", "csv", tmp_path / "t.csv", unit="和平区", today=TODAY)
    head, *rows = _rows(path)
    for r in rows:
        r[3], r[4], r[5] = "推进中", "50", "按计划推进"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([head, *rows])
    result = ingest([path], "task_progress", settings=settings, vintage="2025-11-20")
    assert result.rows_loaded == len(rows) and result.rows_rejected == 0


def test_every_guide_is_plain_chinese(tmp_path: Path) -> None:
    """填写说明 of every dataset: types, units and notes in Chinese (万元, not wan_yuan; no English
    note such as "National programme categories")."""
    import re

    from consumption_monitor.catalog import load_catalog
    from consumption_monitor.indicators.format import UNIT_LABELS_ZH

    seen_units: set[str] = set()
    for ds in load_catalog().datasets:
        path = write_template(ds.name, "xlsx", tmp_path / f"{ds.name}.xlsx", today=TODAY)
        guide = openpyxl.load_workbook(path)["填写说明"]
        assert [c.value for c in guide[1]] == ["表头", "字段", "类型", "必填", "单位", "可选值",
                                               "说明"]  # fmt: skip
        for row in guide.iter_rows(min_row=2, max_row=len(ds.columns) + 1, values_only=True):
            _head, _field, kind, _req, unit, _values, note = row
            assert kind and not re.search(r"[a-z]", str(kind)), (ds.name, row)
            assert unit in (None, "", *UNIT_LABELS_ZH.values()), (ds.name, row)
            assert not re.search(r"[A-Za-z_]{4,}", str(note or "")), (ds.name, row)
            seen_units.add(str(unit or ""))
    assert {"万元", "元", "%"} <= seen_units
    trade = openpyxl.load_workbook(tmp_path / "trade_in.xlsx")["填写说明"]
    notes = [r[6] for r in trade.iter_rows(min_row=2, values_only=True) if r[1] == "category"]
    assert notes and "汽车报废更新" in notes[0]
