"""Run the report schedule in the background while `cmon serve` runs.

Every ``interval`` seconds (``CMON_REPORT_INTERVAL_MINUTES``; 0 turns it off) the scheduler calls
:func:`~consumption_monitor.report.schedule.run_due_reports`, which generates the reports that
are due after the latest data refresh and stores them for download. A failing run (any exception:
a platform error, a corrupt file, a bug) is logged and retried at the next tick; it never stops
the thread or the web server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.report.schedule import RunResult, run_due_reports

log = logging.getLogger("cmon.reports")


class ReportScheduler:
    """A daemon thread ticking :func:`run_due_reports` until :meth:`stop`."""

    def __init__(
        self,
        settings: Settings,
        *,
        interval_seconds: float,
        clock: Callable[[], datetime] = datetime.now,
        on_run: Callable[[RunResult | None], None] | None = None,
    ) -> None:
        self.settings = settings
        self.interval = interval_seconds
        self.clock = clock
        self.on_run = on_run
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> RunResult | None:
        """One tick; platform errors are logged and give None (the next tick retries)."""
        result: RunResult | None
        try:
            result = run_due_reports(self.settings, self.clock())
        except ConsumptionMonitorError as exc:
            log.warning("scheduled reports failed: %s", exc.render("en"))
            result = None
        except Exception:  # any other fault (a corrupt file, a bug): logged, the thread lives on
            log.exception("scheduled reports failed with an unexpected error")
            result = None
        else:
            for report in result.generated:
                log.info("report generated: %s", report.id)
        if self.on_run is not None:
            self.on_run(result)
        return result

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # e.g. from on_run: never let the thread die
                log.exception("report scheduler tick failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        """Run a first tick now and then every interval, in a daemon thread."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="cmon-reports", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def start_scheduler(settings: Settings) -> ReportScheduler | None:
    """The scheduler `cmon serve` runs, or None when the interval setting is 0."""
    if settings.report_interval_minutes <= 0:
        return None
    scheduler = ReportScheduler(settings, interval_seconds=settings.report_interval_minutes * 60)
    scheduler.start()
    return scheduler
