"""Adapters from the targets, monitor and evaluation outputs to the report's plain rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from consumption_monitor.evaluate import evaluate, load_scheme
from consumption_monitor.plan import load_plan
from consumption_monitor.report import (
    build_report,
    make_report_data,
    ranking_lines,
    target_lines,
    task_lines,
)
from consumption_monitor.report.data import alert_lines
from consumption_monitor.targets.service import TargetReport
from consumption_monitor.targets.status import Escalation, Status, ValueStatus


def test_target_lines_from_value_statuses() -> None:
    target = load_plan().target("T-first-stores")
    value = target.values[0]
    vs = ValueStatus(
        target.id,
        value.years_label,
        value.kind,
        Status.AT_RISK,
        Escalation.YELLOW,
        current=40.0,
        goal=120.0,
        probability=0.25,
    )
    lines = target_lines([TargetReport(target, [vs])])
    assert len(lines) == 1
    line = lines[0]
    assert (line.target_id, line.status, line.current, line.goal) == (
        "T-first-stores",
        "at_risk",
        40.0,
        120.0,
    )
    assert line.name_zh == target.name_zh
    report = build_report(
        "monthly",
        make_report_data(
            pd.DataFrame(
                columns=[
                    "indicator",
                    "region",
                    "period",
                    "basis",
                    "dim",
                    "dim_value",
                    "value",
                    "yoy_pct",
                ]
            ),
            targets=lines,
        ),
        "2025-10",
        "zh",
    )
    section = next(s for s in report.sections if s.key == "targets")
    assert section.paragraphs == [
        "对照行动方案，1项目标值中，预警1项。",
        f"需重点关注：{target.name_zh}。",
    ]
    assert section.tables[1].rows[0][6].text == "25.0"


@dataclass
class _Alert:
    severity: str
    indicator: str
    region: str
    message_zh: str
    message_en: str
    first_date: date
    status: str = "open"


def test_alert_lines_drop_resolved_and_name_subjects() -> None:
    names = {"120101": ("和平区", "Heping")}
    lines = alert_lines(
        [
            _Alert("red", "retail_sales", "120101", "连续下降", "falling", date(2025, 9, 1)),
            _Alert("blue", "retail_sales", "120101", "x", "x", date(2025, 9, 1), "resolved"),
        ],
        names,
    )
    assert [(a.severity, a.subject_zh, a.subject_en) for a in lines] == [
        ("red", "和平区社会消费品零售总额", "Total retail sales of consumer goods, Heping")
    ]


def test_ranking_lines_from_an_evaluation() -> None:
    scheme = load_scheme("district_default")
    rows = []
    for i, unit in enumerate(["120101", "120102", "120103"]):
        for ind in scheme.indicators:
            rows.append({"unit": unit, "period": "2025", "indicator": ind.code, "value": 10.0 + i})
    result = evaluate(scheme, pd.DataFrame(rows))
    lines = ranking_lines(result)
    assert [r.rank for r in lines] == sorted(r.rank for r in lines)
    assert {r.unit for r in lines} == {"120101", "120102", "120103"}
    assert [r.score for r in lines] == sorted((r.score for r in lines), reverse=True)


def test_task_lines_take_the_latest_report_per_task() -> None:
    progress = pd.DataFrame(
        {
            "task_id": ["1", "1", "2", "3", "4"],
            "period": ["2025-06", "2025-09", "2025-09", "2025-09", "2025-09"],
            "reporting_unit": ["市商务局", "市商务局", "市商务局", "市体育局", "市体育局"],
            "status": ["delayed", "in_progress", "completed", "delayed", "not_started"],
            "percent": [20.0, 60.0, None, 30.0, None],
        }
    )
    lines = {t.unit: t for t in task_lines(progress)}
    assert lines["市商务局"].tasks == 2
    assert lines["市商务局"].mean_percent == 80.0  # latest 60 and completed 100
    assert lines["市商务局"].behind == 0  # task 1's delay was superseded
    assert (lines["市体育局"].mean_percent, lines["市体育局"].behind) == (15.0, 1)
    assert task_lines(progress.iloc[0:0]) == []


def test_holiday_input_from_the_monitor_comparison(make_data: object) -> None:
    from consumption_monitor.calendar import holiday_block
    from consumption_monitor.config import load_settings
    from consumption_monitor.monitor.holiday import holiday_report
    from consumption_monitor.report.data import holiday_input

    rows = []
    for key, sales in (("2025-national-day", 120.0), ("2024-national-day", 100.0)):
        for day in holiday_block(key).dates():
            for ent in ("E1", "E2", "E3"):
                rows.append(
                    {"enterprise_id": ent, "date": day, "format": "supermarket",
                     "business_district_id": "BD001", "sales": sales}
                )  # fmt: skip
    comparison = holiday_report(
        "2025-national-day", load_settings(), reports=pd.DataFrame(rows), with_2019=False
    )
    h = holiday_input(comparison)
    assert (h.days, h.previous_days, h.daily_average, h.matched_panel) == (8, 7, True, 3)
    assert h.figures[0].current == 120.0 * 8 * 3
    assert round(h.figures[0].growth_pct or 0, 6) == 20.0  # daily averages 360 vs 300
    report = build_report(
        "holiday",
        make_data(holiday=h),  # type: ignore[operator]
        "2025-national-day",
        "zh",
    )
    assert report.sections[0].paragraphs[0] == (
        "国庆节假期（2025年10月1日—10月8日，共8天），全市重点监测零售和餐饮企业销售额"
        "2,880.00元，按日均计算，比上年国庆节假期（7天）增长20.0%。"
    )
