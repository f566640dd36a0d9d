"""The report as a workbook (xlsxwriter): a contents sheet, then one sheet per section with
its narrative, tables (numbers as numbers where the cell is a plain number) and charts."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import xlsxwriter

from consumption_monitor.cellsafe import XLSX_OPTIONS
from consumption_monitor.report.model import Report

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, no ``[]:*?/\\``).

    >>> sheet_name("主要消费行业增加值占GDP比重（季度口径）", set())
    '主要消费行业增加值占GDP比重（季度口径）'
    """
    base = _BAD_SHEET_CHARS.sub("_", title)[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f"_{i}"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name)
    return name


def _write_cell(ws: Any, row: int, col: int, text: str, fmt: Any, formats: dict[int, Any]) -> None:
    """Plain numbers (rates, counts, signed changes) as numbers with the printed decimals."""
    if _PLAIN_NUMBER.match(text):
        decimals = len(text.partition(".")[2])
        ws.write_number(row, col, float(text), formats.get(decimals, formats[0]))
    else:
        ws.write_string(row, col, text, fmt)


def write_xlsx(report: Report, charts: dict[str, bytes], path: Path) -> Path:
    """Write ``report`` to ``path`` (.xlsx)."""
    wb = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)  # text stays text, never a formula
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    head_fmt = wb.add_format({"bold": True, "bg_color": "#D9E2F3", "border": 1, "text_wrap": True})
    cell_fmt = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    num_fmts = {
        0: wb.add_format({"border": 1, "num_format": "0"}),
        1: wb.add_format({"border": 1, "num_format": "0.0"}),
        2: wb.add_format({"border": 1, "num_format": "0.00"}),
    }
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    note_fmt = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True})
    used: set[str] = set()
    contents = wb.add_worksheet(sheet_name("目录" if report.lang == "zh" else "Contents", used))
    contents.write_string(0, 0, report.title, title_fmt)
    contents.write_string(1, 0, report.subtitle)
    contents.set_column(0, 0, 60)
    for i, section in enumerate(report.sections):
        name = sheet_name(section.title, used)
        contents.write_url(3 + i, 0, f"internal:'{name}'!A1", string=section.title)
        ws = wb.add_worksheet(name)
        ws.set_column(0, 0, 34)
        ws.set_column(1, 8, 18)
        ws.write_string(0, 0, section.title, title_fmt)
        r = 2
        for text in section.paragraphs:
            ws.merge_range(r, 0, r, 5, text, wrap)
            ws.set_row(r, 15 * (1 + len(text) // 70))
            r += 1
        r += 1
        for table in section.tables:
            ws.write_string(r, 0, table.title, bold)
            r += 1
            for c, col in enumerate(table.columns):
                ws.write_string(r, c, col, head_fmt)
            r += 1
            for row in table.rows:
                for c, cell in enumerate(row):
                    _write_cell(ws, r, c, cell.text, cell_fmt, num_fmts)
                r += 1
            if table.note:
                ws.write_string(r, 0, table.note, note_fmt)
                r += 1
            r += 1
        for note in section.notes:
            ws.write_string(r, 0, note, note_fmt)
            r += 1
        for chart in section.charts:
            if chart.key in charts:
                ws.insert_image(
                    r + 1,
                    0,
                    f"{chart.key}.png",
                    {"image_data": io.BytesIO(charts[chart.key]), "x_scale": 0.8, "y_scale": 0.8},
                )
                r += 22
    wb.close()
    return path
