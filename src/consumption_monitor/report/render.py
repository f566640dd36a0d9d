"""Write a built report to files: ``.docx``, ``.xlsx``, ``.pdf`` and ``.html``.

Charts are drawn once and shared by every format. Files are written to a temporary name in the
output folder and renamed into place, so a reader never sees half a report.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from consumption_monitor.errors import ConfigError
from consumption_monitor.report.charts import render_chart
from consumption_monitor.report.docx_writer import write_docx
from consumption_monitor.report.html_writer import write_html
from consumption_monitor.report.model import Report
from consumption_monitor.report.pdf_writer import write_pdf
from consumption_monitor.report.xlsx_writer import write_xlsx

Writer = Callable[[Report, dict[str, bytes], Path], Path]
WRITERS: dict[str, Writer] = {
    "docx": write_docx,
    "xlsx": write_xlsx,
    "pdf": write_pdf,
    "html": write_html,
}
FORMATS: tuple[str, ...] = tuple(WRITERS)


def parse_formats(text: str | Iterable[str]) -> list[str]:
    """``"docx,pdf"`` → ``["docx", "pdf"]``; unknown names raise :class:`ConfigError`.

    >>> parse_formats("DOCX, html")
    ['docx', 'html']
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = [f.strip().lower().lstrip(".") for f in items if f.strip()]
    bad = [f for f in formats if f not in WRITERS]
    if bad or not formats:
        raise ConfigError(
            f"unknown report format(s) {bad}; choose from {', '.join(FORMATS)}",
            f"未知的报告格式 {bad}，可选 {'、'.join(FORMATS)}",
        )
    return list(dict.fromkeys(formats))


def render_charts(report: Report) -> dict[str, bytes]:
    """PNG bytes of every chart of ``report``, by chart key."""
    return {c.key: render_chart(c) for s in report.sections for c in s.charts}


def write_report(report: Report, out_dir: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write ``report`` in each format to ``out_dir/<kind>-<period>-<lang>.<ext>``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = parse_formats(list(formats))
    charts = render_charts(report)
    paths = []
    for fmt in wanted:
        final = out_dir / f"{report.slug}.{fmt}"
        tmp = out_dir / f".tmp-{uuid.uuid4().hex}.{fmt}"
        try:
            WRITERS[fmt](report, charts, tmp)
            tmp.replace(final)
        finally:
            tmp.unlink(missing_ok=True)
        paths.append(final)
    return paths
