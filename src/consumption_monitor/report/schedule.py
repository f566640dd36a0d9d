"""Scheduled reports: which reports ``cmon serve`` generates, when, and where they are kept.

The schedule is YAML (bundled ``report/data/schedule.yaml``, or ``<data_dir>/report_schedule.yaml``
when present). Generated files live under ``<data_dir>/reports/<kind>/<period>/`` and are listed
in ``<data_dir>/reports/index.json`` (written to a temp name, then renamed), which is also the
memory of what has already run: a run is due only when the index has no entry for it.

- ``after_refresh``: due when the stored indicator table was computed later than the last run
  of this entry (a data refresh); the period is the latest month with 社零 data.
- ``monthly``: due on or after ``day`` of the month (only in ``months`` when given), once a
  month; a monthly report covers the latest month with data, a quarterly one the latest
  complete quarter with data.
- ``after_holiday``: due ``days_after`` days after an official holiday block ended (looking
  back 30 days), once per block; the comparison comes from ``holiday_provider`` (default: the
  monitor's ``holiday_report`` on the lake); a block without data is skipped and retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from consumption_monitor import clock
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConfigError, ConsumptionMonitorError, NotFoundError
from consumption_monitor.report.build import build_report
from consumption_monitor.report.data import HolidayInput, ReportData, load_report_data
from consumption_monitor.report.definitions import ReportKind
from consumption_monitor.report.render import FORMATS, write_report

SCHEDULE_FILE = "report_schedule.yaml"
REPORTS_DIR = "reports"
INDEX_FILE = "index.json"
HOLIDAY_LOOKBACK_DAYS = 30

HolidayProvider = Callable[[Settings, str], HolidayInput | None]


FormatName = Literal["docx", "xlsx", "pdf", "html"]
LangName = Literal["zh", "en"]


def _all_formats() -> list[FormatName]:
    return ["docx", "xlsx", "pdf", "html"]


def _chinese() -> list[LangName]:
    return ["zh"]


class ScheduleEntry(BaseModel):
    """One scheduled report."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: ReportKind
    when: Literal["after_refresh", "monthly", "after_holiday"]
    day: int = Field(1, ge=1, le=28, description="Day of the month (when: monthly).")
    months: list[int] | None = Field(None, description="Months to run in (when: monthly).")
    days_after: int = Field(1, ge=0, description="Days after a holiday ends (after_holiday).")
    formats: list[FormatName] = Field(default_factory=_all_formats)
    langs: list[LangName] = Field(default_factory=_chinese)


class Schedule(BaseModel):
    """The list of scheduled reports."""

    model_config = ConfigDict(extra="forbid")

    reports: list[ScheduleEntry] = Field(default_factory=list)


class StoredReport(BaseModel):
    """One generated file in the report store (index row; also the web download listing)."""

    id: str
    schedule: str
    kind: str
    period: str
    lang: str
    format: str
    path: str  # relative to <data_dir>/reports
    created_at: datetime
    source_stamp: str = ""


class RunResult(BaseModel):
    """What :func:`run_due_reports` did: files generated, entries skipped and why."""

    generated: list[StoredReport] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)


_INDEX = TypeAdapter(list[StoredReport])


def schedule_path(settings: Settings) -> Path:
    """The schedule in force: ``<data_dir>/report_schedule.yaml`` or the bundled default."""
    own = settings.data_dir / SCHEDULE_FILE
    return own if own.is_file() else Path(__file__).parent / "data" / "schedule.yaml"


def load_schedule(path: Path) -> Schedule:
    """Read and validate a schedule file (:class:`ConfigError` names the problem)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Schedule(**raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(
            f"report schedule {path} is invalid: {exc}",
            f"报告计划文件 {path} 无效：{exc}",
            hint_en="see docs/reports.md for the format",
            hint_zh="格式见 docs/reports.md",
        ) from exc


def reports_dir(settings: Settings) -> Path:
    """Root of the report store."""
    return settings.data_dir / REPORTS_DIR


def list_reports(settings: Settings) -> list[StoredReport]:
    """Every stored report file, newest first (empty when nothing was generated)."""
    index = reports_dir(settings) / INDEX_FILE
    if not index.is_file():
        return []
    rows = _INDEX.validate_json(index.read_bytes())
    return sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)


def report_file(settings: Settings, report_id: str) -> Path:
    """The file of a stored report by id (for downloads); :class:`NotFoundError` if unknown."""
    for row in list_reports(settings):
        if row.id == report_id:
            path = reports_dir(settings) / row.path
            if path.is_file():
                return path
    raise NotFoundError(f"no stored report {report_id!r}", f"没有编号为 {report_id!r} 的报告")


def _save_index(settings: Settings, rows: list[StoredReport]) -> None:
    root = reports_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex}.json"
    tmp.write_bytes(_INDEX.dump_json(rows, indent=1))
    tmp.replace(root / INDEX_FILE)


def store_report(
    settings: Settings,
    data: ReportData,
    kind: str,
    period: str,
    *,
    formats: list[str],
    langs: list[str],
    schedule: str = "manual",
    source_stamp: str = "",
    now: datetime | None = None,
) -> list[StoredReport]:
    """Build ``kind``/``period`` in each language, write each format into the store, index it."""
    now = now or clock.now()
    rows = list_reports(settings)
    added = []
    for lang in langs:
        report = build_report(kind, data, period, lang, now=now)
        folder = reports_dir(settings) / kind / report.period
        for path in write_report(report, folder, formats):
            rel = path.relative_to(reports_dir(settings)).as_posix()
            rows = [r for r in rows if r.path != rel]
            added.append(
                StoredReport(
                    id=uuid.uuid4().hex[:12],
                    schedule=schedule,
                    kind=kind,
                    period=report.period,
                    lang=lang,
                    format=path.suffix[1:],
                    path=rel,
                    created_at=now,
                    source_stamp=source_stamp,
                )
            )
    _save_index(settings, rows + added)
    return added


def latest_period(data: ReportData, kind: str) -> str | None:
    """Latest month (monthly) or complete quarter (quarterly) with 社零 YTD data for the city."""
    periods = sorted(
        p for p in data.rows("retail_sales", "ytd")["period"] if isinstance(p, str) and len(p) == 7
    )
    if kind == "quarterly":
        periods = [p for p in periods if int(p[5:7]) % 3 == 0]
        return f"{periods[-1][:4]}-Q{int(periods[-1][5:7]) // 3}" if periods else None
    return periods[-1] if periods else None


def _stamp(data: ReportData) -> str:
    if "computed_at" not in data.table or data.table.empty:
        return ""
    return str(pd.Timestamp(data.table["computed_at"].max()).isoformat())


def _holiday_keys(now: date, days_after: int) -> list[str]:
    from consumption_monitor.calendar.holidays import holiday_blocks

    keys = []
    for year in (now.year - 1, now.year):
        try:
            blocks = holiday_blocks(year)
        except ConsumptionMonitorError:
            continue
        for b in blocks:
            due = b.end + timedelta(days=days_after)
            if due <= now and b.end >= now - timedelta(days=HOLIDAY_LOOKBACK_DAYS):
                keys.append(b.key)
    return keys


def run_due_reports(
    settings: Settings,
    now: datetime,
    *,
    data: ReportData | None = None,
    holiday_provider: HolidayProvider | None = None,
) -> RunResult:
    """Generate every scheduled report that is due at ``now`` and store it (see module doc).

    ``data`` defaults to :func:`load_report_data` (the latest computation); with nothing
    computed yet every entry is skipped with the reason, never raised.
    """
    result = RunResult()
    schedule = load_schedule(schedule_path(settings))
    done = list_reports(settings)
    if data is None:
        try:
            data = load_report_data(settings)
        except NotFoundError as exc:
            result.skipped = {e.name: exc.render("en") for e in schedule.reports}
            return result
    stamp = _stamp(data)
    for entry in schedule.reports:
        ran = [r for r in done if r.schedule == entry.name]
        if entry.when == "after_holiday":
            _run_holidays(settings, entry, now, data, holiday_provider, ran, result)
            continue
        period = latest_period(data, entry.kind)
        if period is None:
            result.skipped[entry.name] = "no retail sales data"
            continue
        if entry.when == "after_refresh":
            if any(r.source_stamp == stamp for r in ran):
                result.skipped[entry.name] = "no new data since the last run"
                continue
        else:
            if now.day < entry.day or (entry.months and now.month not in entry.months):
                result.skipped[entry.name] = "not due today"
                continue
            if any(r.created_at.strftime("%Y-%m") == now.strftime("%Y-%m") for r in ran):
                result.skipped[entry.name] = "already ran this month"
                continue
        result.generated += store_report(
            settings,
            data,
            entry.kind,
            period,
            formats=list(entry.formats) or list(FORMATS),
            langs=list(entry.langs),
            schedule=entry.name,
            source_stamp=stamp,
            now=now,
        )
    return result


def _run_holidays(
    settings: Settings,
    entry: ScheduleEntry,
    now: datetime,
    data: ReportData,
    provider: HolidayProvider | None,
    ran: list[StoredReport],
    result: RunResult,
) -> None:
    keys = [
        k for k in _holiday_keys(now.date(), entry.days_after) if k not in {r.period for r in ran}
    ]
    if not keys:
        result.skipped[entry.name] = "no holiday block due"
        return
    if provider is None:
        from consumption_monitor.report.data import monitor_holiday

        provider = monitor_holiday
    for key in keys:
        comparison = provider(settings, key)
        if comparison is None:
            result.skipped[f"{entry.name}:{key}"] = "no holiday monitoring data"
            continue
        data.holiday = comparison
        result.generated += store_report(
            settings,
            data,
            "holiday",
            key,
            formats=list(entry.formats),
            langs=list(entry.langs),
            schedule=entry.name,
            now=now,
        )
