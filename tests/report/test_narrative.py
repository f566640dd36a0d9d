"""The narrative of a fixed dataset: snapshot, and every number traced back to the data.

Snapshots live in ``tests/report/snapshots/``. When a wording change is intended, regenerate
them deliberately with ``CMON_UPDATE_SNAPSHOTS=1 pytest tests/report/test_narrative.py`` and
review the diff in git before committing.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.report import ReportData, build_report
from consumption_monitor.report.model import Report
from consumption_monitor.report.narrative import check_numbers

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
CASES = [
    ("monthly", "2025-10", "zh"),
    ("monthly", "2025-10", "en"),
    ("monthly", "2025-02", "zh"),
    ("quarterly", "2025-Q3", "zh"),
    ("holiday", "2025-spring-festival", "zh"),
    ("holiday", "2025-spring-festival", "en"),
]


def narrative_text(report: Report) -> str:
    lines = [f"# {report.title} / {report.subtitle}"]
    for s in report.sections:
        lines.append(f"## {s.title}")
        lines.extend(s.paragraphs)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("kind", "period", "lang"), CASES)
def test_narrative_snapshot(kind: str, period: str, lang: str, data: ReportData) -> None:
    text = narrative_text(build_report(kind, data, period, lang, now=NOW))
    path = SNAPSHOTS / f"{kind}-{period}-{lang}.txt"
    if os.environ.get("CMON_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"snapshot {path.name} missing: run with CMON_UPDATE_SNAPSHOTS=1 to create it")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                f"snapshot/{path.name}",
                "generated",
            )
        )
        pytest.fail(
            f"narrative changed (if intended: CMON_UPDATE_SNAPSHOTS=1 pytest {__file__}):\n{diff}"
        )


@pytest.mark.parametrize(("kind", "period", "lang"), CASES)
def test_every_text_number_is_in_a_table(
    kind: str, period: str, lang: str, data: ReportData
) -> None:
    report = build_report(kind, data, period, lang, now=NOW)
    assert [p for s in report.sections for p in check_numbers(s)] == []
    assert sum(len(s.paragraphs) for s in report.sections) >= 3


def _half_up(x: float, digits: int) -> str:
    step = Decimal(1).scaleb(-digits)
    return str(abs(Decimal(repr(float(x))).quantize(step, rounding=ROUND_HALF_UP)))


def test_numbers_match_the_indicator_table(data: ReportData, table: pd.DataFrame) -> None:
    """Independent oracle: parse 亿元 amounts, growth rates and 个百分点 from the Chinese text
    and find each among the long table's values at the displayed rounding."""
    report = build_report("monthly", data, "2025-10", "zh", now=NOW)
    text = "".join(p for s in report.sections[:6] for p in s.paragraphs)
    yi = {
        "retail_sales": 1.0,
        "retail_sales_above_size": 1.0,
        "catering_revenue": 1.0,
        "ent_retail_sales": 1e-4,
        "card_spending": 1e-8,
    }
    amounts = {
        _half_up(v * yi[i], 2) for i, v in zip(table.indicator, table.value, strict=True) if i in yi
    }
    rates = {_half_up(v, 1) for v in table.yoy_pct.dropna()}
    shares = {_half_up(v, 1) for v in table.value[table.indicator.str.endswith("share")]}
    ytd = table[(table.indicator == "retail_sales") & (table.basis == "ytd")].set_index("period")
    cur, prev = ytd.loc["2025-10", "yoy_pct"], ytd.loc["2025-09", "yoy_pct"]
    deltas = {_half_up(float(_half_up(cur, 1)) - float(_half_up(prev, 1)), 1)}
    contributions = {
        _half_up(v, 1) for v in table.value[table.indicator == "category_contribution"]
    }
    share_deltas = {"0.8", "0.0"}  # 28.3 - 27.5, 21.1 - 21.1
    found = re.findall(r"([\d,]+\.\d+)亿元", text)
    assert len(found) >= 15
    for amount in found:
        assert amount.replace(",", "") in {a.replace(",", "") for a in amounts}, amount
    for rate in re.findall(r"(?:增长|下降)([\d.]+)%", text):
        assert rate in rates, rate
    for share in re.findall(r"为([\d.]+)%", text):
        assert share in shares, share
    for pp in re.findall(r"([\d.]+)个百分点", text):
        assert pp in deltas | contributions | share_deltas, pp
    assert "增长-" not in text and "下降-" not in text


def test_jan_feb_report_compares_with_last_year(data: ReportData) -> None:
    report = build_report("monthly", data, "2025-01", "zh", now=NOW)
    first = report.sections[0].paragraphs[0]
    assert first.startswith("1—2月，")
    assert "增速比上年全年回落3.4个百分点" in first  # -1.3 vs 2.1
    assert report.period == "2025-02"


def test_missing_data_says_so_instead_of_failing(table: pd.DataFrame) -> None:
    report = build_report("monthly", ReportData(table=table.iloc[0:0]), "2025-10", "zh", now=NOW)
    texts = [s.paragraphs[0] for s in report.sections]
    assert texts[0] == "本期尚无社会消费品零售总额数据。"
    assert texts[-1] == "预警数据暂不可用。"


def test_unknown_kind_and_bad_period_are_refused(data: ReportData) -> None:
    with pytest.raises(ConsumptionMonitorError, match="unknown report kind"):
        build_report("weekly", data, "2025-10")
    with pytest.raises(ConsumptionMonitorError, match="invalid period"):
        build_report("quarterly", data, "2025-10")
    with pytest.raises(ConsumptionMonitorError, match="invalid period"):
        build_report("monthly", data, "2025-13")


def test_upgrade_set_is_printed(data: ReportData) -> None:
    report = build_report("monthly", data, "2025-10", "zh", now=NOW)
    section = next(s for s in report.sections if s.key == "online_upgrade")
    assert any("化妆品类" in n and "金银珠宝类" in n for n in section.notes)
    assert "化妆品类" in section.tables[0].note


def _gdp_section(data: ReportData) -> object:
    report = build_report("quarterly", data, "2025-Q3", "zh", now=NOW)
    return next(s for s in report.sections if s.key == "gdp_share")


def test_quarterly_gdp_share_shows_the_quarter_and_the_year_to_date(data: ReportData) -> None:
    sec = _gdp_section(data)
    table = sec.tables[0]
    labels = [row[0].text for row in table.rows]
    assert labels == ["2025年三季度（当季）", "2025年前三季度（累计）"]
    assert [row[1].text for row in table.rows] == ["12.8", "12.4"]
    assert "前三季度累计占比12.4%，比上年同期提高0.2个百分点。" in sec.paragraphs


def test_quarterly_gdp_share_reads_cumulative_rows_alone(table, data_from_table) -> None:  # type: ignore[no-untyped-def]
    """The engine's cumulative rows reach the report even with no quarter row (the old report
    asked for basis ``quarter`` only and said 本季度尚无分行业增加值数据)."""
    table = table[~((table.indicator == "consumer_industries_va_share_q")
                    & (table.basis == "quarter"))]  # fmt: skip
    sec = _gdp_section(data_from_table(table))
    assert [row[0].text for row in sec.tables[0].rows] == ["2025年前三季度（累计）"]
    assert not any("尚无" in p for p in sec.paragraphs)
