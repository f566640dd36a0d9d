"""The report as a Word document (python-docx): headings, narrative, charts as PNG, tables."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from consumption_monitor.report.model import Report, Table

#: East Asian font named in the document (rendered by Word/WPS with what the reader has).
EAST_ASIAN_FONT = "SimSun"


def _style_fonts(doc: object) -> None:
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = doc.styles[name]  # type: ignore[attr-defined]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    doc.styles["Normal"].font.size = Pt(10.5)  # type: ignore[attr-defined]


def _table(doc: object, table: Table) -> None:
    title = doc.add_paragraph()  # type: ignore[attr-defined]
    run = title.add_run(table.title)
    run.bold = True
    grid = doc.add_table(rows=1, cols=len(table.columns))  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = ""
        head = cell.paragraphs[0].add_run(text)
        head.bold = True
        shading = cell._tc.get_or_add_tcPr()
        fill = shading.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:fill"): "D9E2F3"})
        shading.append(fill)
    for row in table.rows:
        cells = grid.add_row().cells
        for i, value in enumerate(row):
            cells[i].text = value.text
            if value.value is not None:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.note:
        _note(doc, table.note)


def _note(doc: object, text: str) -> None:
    para = doc.add_paragraph()  # type: ignore[attr-defined]
    run = para.add_run(text)
    run.italic = True
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def write_docx(report: Report, charts: dict[str, bytes], path: Path) -> Path:
    """Write ``report`` to ``path`` (.docx); ``charts`` maps chart keys to PNG bytes."""
    doc = Document()
    _style_fonts(doc)
    doc.core_properties.title = report.title
    doc.add_heading(report.title, level=0)
    sub = doc.add_paragraph(report.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in report.sections:
        doc.add_heading(section.title, level=1)
        for text in section.paragraphs:
            doc.add_paragraph(text)
        for chart in section.charts:
            if chart.key in charts:
                doc.add_picture(io.BytesIO(charts[chart.key]), width=Inches(6.0))
        for table in section.tables:
            _table(doc, table)
        for note in section.notes:
            _note(doc, note)
    doc.save(str(path))
    return path
