"""The background scheduler `cmon serve` runs: it generates due reports and stops cleanly."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from consumption_monitor.config import Settings, load_settings
from consumption_monitor.report import list_reports
from consumption_monitor.report.schedule import RunResult
from consumption_monitor.report.scheduler import ReportScheduler, start_scheduler


def test_ticks_generate_due_reports_once_and_stop(stored_settings: Settings) -> None:
    runs: list[RunResult | None] = []
    ticked = threading.Event()

    def record(result: RunResult | None) -> None:
        runs.append(result)
        if len(runs) >= 2:
            ticked.set()

    scheduler = ReportScheduler(
        stored_settings, interval_seconds=0.05,
        clock=lambda: datetime(2025, 11, 20, 9, 0), on_run=record,
    )  # fmt: skip
    scheduler.start()
    assert ticked.wait(120), "the scheduler did not tick twice"
    scheduler.stop()
    first, second = runs[0], runs[1]
    assert first is not None and first.generated, first
    # The second tick finds the same computation already reported: nothing new.
    assert second is not None and not second.generated
    stored = list_reports(stored_settings)
    assert {r.id for r in stored} == {r.id for r in first.generated}
    assert all(not t.name.startswith("cmon-reports") for t in threading.enumerate())


def test_nothing_computed_is_logged_not_raised(tmp_path: Path) -> None:
    scheduler = ReportScheduler(load_settings(data_dir=tmp_path), interval_seconds=60)
    result = scheduler.run_once()
    assert result is not None
    assert result.generated == []
    assert result.skipped


def test_interval_zero_disables_the_scheduler(tmp_path: Path) -> None:
    assert start_scheduler(load_settings(data_dir=tmp_path, report_interval_minutes=0)) is None
