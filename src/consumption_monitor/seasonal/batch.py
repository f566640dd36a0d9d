"""Many series in parallel, and the thin :class:`SeasonalAdjuster` class.

Each batch of X-13 runs happens in its own temporary directory (see :mod:`.x13`), so worker
processes never share files. ``workers=1`` runs in-process (no pool), which is also what the
tests use.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.seasonal.adjust import AdjustmentResult, adjust, adjust_batch
from consumption_monitor.seasonal.choice import WindowChoice
from consumption_monitor.seasonal.prepare import Job, prepare

__all__ = ["SeasonalAdjuster", "adjust_many"]


def _chunks(jobs: list[Job], n: int) -> list[list[Job]]:
    size = -(-len(jobs) // n)
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def adjust_many(
    series: Mapping[str, pd.Series],
    *,
    workers: int = 1,
    failures: dict[str, str] | None = None,
    choices: Mapping[str, WindowChoice] | None = None,
    **options: Any,
) -> dict[str, AdjustmentResult]:
    """Adjust every series of ``series`` (name -> values) with the same ``options`` as
    :func:`~consumption_monitor.seasonal.adjust.adjust`; results keep the input order.

    The series go through X-13 together: each stage (identification, the candidate window
    fits, the final runs) of all series is one ``x13as -m`` process per worker, with the same
    results as one adjustment at a time. ``choices`` (name -> stored WindowChoice) skips the
    window selection of a series whose fingerprint is unchanged.

    Without ``failures`` the first failing series raises its error (EngineError or
    DataValidationError naming it). With a ``failures`` dict, a series X-13 cannot adjust (a
    singular ARMA fit, too short a span…) is left out of the result and its message recorded
    there, so one bad series does not stop a run of hundreds.
    """
    outcome: dict[str, AdjustmentResult | ConsumptionMonitorError] = {}
    jobs: list[Job] = []
    for name, values in series.items():
        try:
            reuse = choices.get(name) if choices else None
            jobs.append(prepare(values, name=name, reuse=reuse, **options))
        except ConsumptionMonitorError as exc:
            outcome[name] = exc
    if workers <= 1 or len(jobs) <= 1:
        done = adjust_batch(jobs)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = [r for part in pool.map(adjust_batch, _chunks(jobs, workers)) for r in part]
    for job, result in zip(jobs, done, strict=True):
        outcome[job.label] = result
    results: dict[str, AdjustmentResult] = {}
    for name in series:
        got = outcome[name]
        if isinstance(got, AdjustmentResult):
            results[name] = got
        elif failures is None:
            raise got
        else:
            failures[name] = got.render("en")
    return results


class SeasonalAdjuster:
    """Fit/transform wrapper: options once, then ``fit`` one series or ``fit_many``.

    >>> SeasonalAdjuster(working_days=False).options["working_days"]
    False
    """

    def __init__(self, **options: Any) -> None:
        self.options: dict[str, Any] = options
        self.result_: AdjustmentResult | None = None

    def fit(self, series: pd.Series, name: str | None = None) -> SeasonalAdjuster:
        self.result_ = adjust(series, name=name, **self.options)
        return self

    def transform(self) -> pd.Series:
        """The adjusted series of the last ``fit``."""
        if self.result_ is None:
            from consumption_monitor.errors import ConsumptionMonitorError

            raise ConsumptionMonitorError("call fit() first", "请先调用 fit()")
        return self.result_.adjusted

    def fit_many(
        self, series: Mapping[str, pd.Series], *, workers: int = 1
    ) -> dict[str, AdjustmentResult]:
        return adjust_many(series, workers=workers, **self.options)
