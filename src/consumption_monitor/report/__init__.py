"""Analysis reports: monthly, quarterly and holiday, as .docx, .xlsx, .pdf and .html.

The narrative (Chinese and English) is written from the numbers: each section builds its tables
first and its sentences from those cells, and :func:`build_report` refuses a text number that
no table holds. See ``docs/reports.md``.
"""

from consumption_monitor.report.build import build_report, parse_period
from consumption_monitor.report.data import (
    AlertLine,
    HolidayFigure,
    HolidayInput,
    RankingLine,
    ReportData,
    TargetLine,
    TaskLine,
    alert_lines,
    load_report_data,
    make_report_data,
    ranking_lines,
    target_lines,
    task_lines,
)
from consumption_monitor.report.model import Cell, Chart, Report, Section, Table
from consumption_monitor.report.render import write_report
from consumption_monitor.report.schedule import (
    list_reports,
    report_file,
    run_due_reports,
    store_report,
)

__all__ = [
    "AlertLine",
    "Cell",
    "Chart",
    "HolidayFigure",
    "HolidayInput",
    "RankingLine",
    "Report",
    "ReportData",
    "Section",
    "Table",
    "TargetLine",
    "TaskLine",
    "alert_lines",
    "build_report",
    "list_reports",
    "load_report_data",
    "make_report_data",
    "parse_period",
    "ranking_lines",
    "report_file",
    "run_due_reports",
    "store_report",
    "target_lines",
    "task_lines",
    "write_report",
]
