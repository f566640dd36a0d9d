"""The report as PDF (reportlab platypus) with the embedded CJK font: text stays real text
(``pdftotext`` extracts the Chinese), charts are PNG images, tables wrap long cells."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.units import cm  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,  # type: ignore[import-untyped, unused-ignore]
)
from reportlab.platypus import Table as RLTable  # type: ignore[import-untyped, unused-ignore]

from consumption_monitor.report.fonts import reportlab_font
from consumption_monitor.report.model import Report, Table

_WIDTH = A4[0] - 4 * cm


def _styles(font: str) -> dict[str, Any]:
    base = {"fontName": font, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("t", fontSize=18, leading=24, alignment=1, **base),
        "subtitle": ParagraphStyle("s", fontSize=11, leading=16, alignment=1, **base),
        "h1": ParagraphStyle("h", fontSize=14, leading=20, spaceBefore=10, spaceAfter=6, **base),
        "body": ParagraphStyle("b", fontSize=10.5, leading=17, firstLineIndent=21, **base),
        "caption": ParagraphStyle("c", fontSize=10, leading=14, spaceBefore=6, **base),
        "cell": ParagraphStyle("x", fontSize=8.5, leading=11, **base),
        "note": ParagraphStyle("n", fontSize=8, leading=11, textColor=colors.grey, **base),
    }


def _table(table: Table, st: dict[str, Any], font: str) -> list[Any]:
    data = [[Paragraph(escape(c), st["cell"]) for c in table.columns]]
    data += [[Paragraph(escape(c.text), st["cell"]) for c in row] for row in table.rows]
    n = len(table.columns)
    first = min(0.34, 1.6 / n) * _WIDTH if n > 1 else _WIDTH
    widths = [first] + [(_WIDTH - first) / (n - 1)] * (n - 1) if n > 1 else [first]
    grid = RLTable(data, colWidths=widths, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8c8c8c")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2F3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    caption = Paragraph(escape(table.title), st["caption"])
    # Keep a short table with its caption; long ones may break (the header row repeats).
    out: list[Any] = [KeepTogether([caption, grid])] if len(table.rows) <= 20 else [caption, grid]
    if table.note:
        out.append(Paragraph(escape(table.note), st["note"]))
    return out


def write_pdf(report: Report, charts: dict[str, bytes], path: Path) -> Path:
    """Write ``report`` to ``path`` (.pdf)."""
    font = reportlab_font()
    st = _styles(font)
    story: list[Any] = [
        Paragraph(escape(report.title), st["title"]),
        Paragraph(escape(report.subtitle), st["subtitle"]),
        Spacer(1, 0.4 * cm),
    ]
    for section in report.sections:
        story.append(Paragraph(escape(section.title), st["h1"]))
        story.extend(Paragraph(escape(p), st["body"]) for p in section.paragraphs)
        for chart in section.charts:
            if chart.key in charts:
                img = Image(io.BytesIO(charts[chart.key]))
                scale = _WIDTH / img.drawWidth
                img.drawWidth, img.drawHeight = _WIDTH, img.drawHeight * scale
                story.append(img)
        for table in section.tables:
            story.extend(_table(table, st, font))
        story.extend(Paragraph(escape(n), st["note"]) for n in section.notes)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=report.title,
        author="cmon",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    doc.build(story)
    return path
