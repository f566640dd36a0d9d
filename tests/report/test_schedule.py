"""Scheduled reports: due rules, the store and its index, and the download listing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from consumption_monitor.config import Settings, load_settings
from consumption_monitor.errors import ConsumptionMonitorError, NotFoundError
from consumption_monitor.report import HolidayInput, ReportData
from consumption_monitor.report.schedule import (
    list_reports,
    load_schedule,
    report_file,
    run_due_reports,
    schedule_path,
)

SCHEDULE = """
reports:
  - {name: after-refresh, kind: monthly, when: after_refresh, formats: [html], langs: [zh, en]}
  - {name: quarterly, kind: quarterly, when: monthly, day: 20, months: [1, 4, 7, 10],
     formats: [html], langs: [zh]}
  - {name: holiday, kind: holiday, when: after_holiday, days_after: 1, formats: [html]}
"""


@pytest.fixture
def settings(stored_settings: Settings) -> Settings:
    (stored_settings.data_dir / "report_schedule.yaml").write_text(SCHEDULE, encoding="utf-8")
    return stored_settings


def test_bundled_schedule_is_valid(tmp_path: Path) -> None:
    path = schedule_path(load_settings(data_dir=tmp_path))
    assert path.name == "schedule.yaml"
    names = [e.name for e in load_schedule(path).reports]
    assert names == ["monthly-after-refresh", "quarterly", "holiday-flash"]


def test_invalid_schedule_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("reports:\n  - {name: x, kind: weekly, when: monthly}\n", encoding="utf-8")
    with pytest.raises(ConsumptionMonitorError, match="schedule"):
        load_schedule(bad)


def test_after_refresh_runs_once_per_computation(settings: Settings) -> None:
    now = datetime(2025, 11, 18, 7, 0, tzinfo=UTC)
    first = run_due_reports(settings, now)
    assert sorted((g.kind, g.period, g.lang, g.format) for g in first.generated) == [
        ("monthly", "2025-10", "en", "html"),
        ("monthly", "2025-10", "zh", "html"),
    ]
    assert first.skipped["quarterly"] == "not due today"
    assert first.skipped["holiday"] == "no holiday block due"
    again = run_due_reports(settings, now)
    assert again.generated == []
    assert again.skipped["after-refresh"] == "no new data since the last run"
    listed = list_reports(settings)
    assert len(listed) == 2
    zh = next(r for r in listed if r.lang == "zh")
    path = report_file(settings, zh.id)
    assert path.is_file()
    assert path.relative_to(settings.data_dir / "reports").as_posix() == zh.path
    assert "1—10月，天津市社会消费品零售总额" in path.read_text(encoding="utf-8")


def test_monthly_rule_with_day_and_months(settings: Settings) -> None:
    run_due_reports(settings, datetime(2025, 10, 19, tzinfo=UTC))
    before = {r.schedule for r in list_reports(settings)}
    assert "quarterly" not in before  # day 19 < 20
    result = run_due_reports(settings, datetime(2025, 10, 21, tzinfo=UTC))
    assert [(g.kind, g.period) for g in result.generated] == [("quarterly", "2025-Q3")]
    result = run_due_reports(settings, datetime(2025, 10, 28, tzinfo=UTC))
    assert result.skipped["quarterly"] == "already ran this month"


def test_holiday_needs_a_provider_and_uses_it(settings: Settings) -> None:
    # 2025 National Day block: 2025-10-01..08; due on 10-09
    now = datetime(2025, 10, 10, tzinfo=UTC)
    # default provider: the monitor's comparison on the lake, which has no key-enterprise data
    assert run_due_reports(settings, now).skipped["holiday:2025-national-day"] == (
        "no holiday monitoring data"
    )
    seen: list[str] = []

    def provider(_: Settings, key: str) -> HolidayInput | None:
        seen.append(key)
        return None

    result = run_due_reports(settings, now, holiday_provider=provider)
    assert "2025-national-day" in seen
    assert result.skipped["holiday:2025-national-day"] == "no holiday monitoring data"


def test_nothing_computed_skips_everything(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    result = run_due_reports(settings, datetime(2025, 11, 1, tzinfo=UTC))
    assert result.generated == []
    assert set(result.skipped) == {"monthly-after-refresh", "quarterly", "holiday-flash"}
    assert list_reports(settings) == []
    with pytest.raises(NotFoundError):
        report_file(settings, "nope")


def test_given_data_is_used(settings: Settings, make_data: object) -> None:
    data: ReportData = make_data()  # type: ignore[operator]
    result = run_due_reports(settings, datetime(2025, 11, 18, tzinfo=UTC), data=data)
    assert {g.period for g in result.generated} == {"2025-10"}
