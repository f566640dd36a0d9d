"""The four file formats open and hold the expected headings, tables, text and charts."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.report import ReportData, build_report
from consumption_monitor.report.fonts import cjk_font_path
from consumption_monitor.report.render import parse_formats, write_report

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
SECTION_TITLES = [
    "社会消费品零售总额",
    "商品类别",
    "各区情况",
    "网络零售与升级类商品",
    "银行卡消费（消费端）",
    "重点商圈",
    "消费品以旧换新",
    "入境消费（离境退税、免税和境外卡）",
    "服务消费（本市估算）",
    "目标完成情况",
    "未处理预警",
]
HEADLINE = (
    "1—10月，天津市社会消费品零售总额3,377.01亿元，同比增长3.6%，增速比1—9月加快0.2个百分点。"
)


@pytest.fixture(scope="module")
def written(
    tmp_path_factory: pytest.TempPathFactory, make_data: Callable[..., ReportData]
) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    report = build_report("monthly", make_data(), "2025-10", "zh", now=NOW)
    paths = write_report(report, out)
    return {p.suffix[1:]: p for p in paths}


def test_all_formats_written_atomically(written: dict[str, Path]) -> None:
    assert sorted(written) == ["docx", "html", "pdf", "xlsx"]
    assert {p.name for p in written.values()} == {
        f"monthly-2025-10-zh.{ext}" for ext in ("docx", "xlsx", "pdf", "html")
    }
    assert not list(written["pdf"].parent.glob(".tmp-*"))


def test_docx_headings_tables_and_charts(written: dict[str, Path]) -> None:
    doc = Document(str(written["docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == SECTION_TITLES
    assert doc.paragraphs[0].text == "天津市消费市场运行月度分析"
    assert HEADLINE in [p.text for p in doc.paragraphs]
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells][:3] == ["指标", "期间", "数值"]
    assert [c.text for c in first.rows[1].cells][:4] == [
        "社会消费品零售总额",
        "2025年1—10月",
        "3,377.01亿元",
        "3.6",
    ]
    assert len(doc.inline_shapes) >= 4  # headline, category, district, 商圈 charts


def test_xlsx_one_sheet_per_section(written: dict[str, Path]) -> None:
    wb = load_workbook(written["xlsx"], read_only=True)
    assert wb.sheetnames == ["目录", *SECTION_TITLES]
    ws = wb["社会消费品零售总额"]
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert HEADLINE in values
    assert "3,377.01亿元" in values
    assert 3.6 in values  # rates are numbers, not text
    wb.close()
    wb = load_workbook(written["xlsx"])
    assert len(wb["社会消费品零售总额"]._images) == 1


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"`{tool}` not found: install the Debian package poppler-utils "
            "(apt-get install -y poppler-utils) to check the PDF",
            pytrace=False,
        )
    return path


def test_pdf_has_real_chinese_text(written: dict[str, Path]) -> None:
    out = subprocess.run(
        [_poppler("pdftotext"), "-enc", "UTF-8", str(written["pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = re.sub(r"\s+", "", out.stdout)
    assert "天津市消费市场运行月度分析" in text
    assert HEADLINE in text
    for title in SECTION_TITLES:
        assert title in text


def test_pdf_renders_pages(written: dict[str, Path], tmp_path: Path) -> None:
    subprocess.run(
        [_poppler("pdftoppm"), "-r", "30", "-png", str(written["pdf"]), str(tmp_path / "page")],
        capture_output=True,
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)


def test_html_is_self_contained(written: dict[str, Path]) -> None:
    html = written["html"].read_text(encoding="utf-8")
    assert re.search(r"https?://", html) is None
    assert re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html) is None
    assert "<script" not in html
    assert html.count('src="data:image/png;base64,') >= 4
    assert HEADLINE in html
    assert "<h2>商品类别</h2>" in html


def test_font_missing_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(ConsumptionMonitorError, match="fonts-wqy-microhei"):
        cjk_font_path((tmp_path / "none.ttc",))


def test_unknown_format_refused() -> None:
    with pytest.raises(ConsumptionMonitorError, match="unknown report format"):
        parse_formats("docx,odt")
