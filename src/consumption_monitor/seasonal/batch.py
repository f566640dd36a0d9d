"""Many series in parallel, and the thin :class:`SeasonalAdjuster` class.

Each X-13 run happens in its own temporary directory (see :mod:`.x13`), so worker processes
never share files. ``workers=1`` runs in-process (no pool), which is also what the tests use.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.seasonal.adjust import AdjustmentResult, adjust

__all__ = ["SeasonalAdjuster", "adjust_many"]


def _one(args: tuple[str, pd.Series, dict[str, Any]]) -> AdjustmentResult:
    name, series, options = args
    return adjust(series, name=name, **options)


def _one_or_error(
    args: tuple[str, pd.Series, dict[str, Any]],
) -> tuple[AdjustmentResult | None, str | None]:
    try:
        return _one(args), None
    except ConsumptionMonitorError as exc:
        return None, exc.render("en")


def adjust_many(
    series: Mapping[str, pd.Series],
    *,
    workers: int = 1,
    failures: dict[str, str] | None = None,
    **options: Any,
) -> dict[str, AdjustmentResult]:
    """Adjust every series of ``series`` (name -> values) with the same ``options`` as
    :func:`~consumption_monitor.seasonal.adjust.adjust`; results keep the input order.

    Without ``failures`` the first failing series raises its error (EngineError or
    DataValidationError naming it). With a ``failures`` dict, a series X-13 cannot adjust (a
    singular ARMA fit, too short a span…) is left out of the result and its message recorded
    there, so one bad series does not stop a run of hundreds.
    """
    jobs = [(name, s, dict(options)) for name, s in series.items()]
    if failures is None:
        if workers <= 1 or len(jobs) <= 1:
            return {name: _one(job) for name, job in zip(series, jobs, strict=True)}
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_one, jobs))
        return dict(zip(series, results, strict=True))
    if workers <= 1 or len(jobs) <= 1:
        outcomes = [_one_or_error(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(_one_or_error, jobs))
    done: dict[str, AdjustmentResult] = {}
    for name, (result, error) in zip(series, outcomes, strict=True):
        if result is not None:
            done[name] = result
        else:
            failures[name] = error or "failed"
    return done


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
