"""Seasonal adjustment of one series with Chinese moving holidays (METHODOLOGY §3).

Pipeline for a monthly series with separate months:

1. Build Spring Festival window regressors (genhol logic, centred) and, if asked, the official
   working-day regressor, all extended 12 months past the data (Trap 2).
2. Window selection (``windows="auto"``): identify the ARIMA model once with ``automdl`` and the
   default windows, then refit that fixed model, without outlier search, for each of the 12
   candidate window sets and keep the lowest AICc (fixing the model and the outlier set makes
   the AICc values comparable, as X-13's own ``aictest`` does).
3. Final run with the chosen windows, ``automdl`` and automatic outliers. Holiday regressors are
   declared ``usertype=holiday`` and working days ``usertype=td`` (Trap 1), so their effects are
   removed from the adjusted series (D11) and reported as calendar factors (D18).

Jan–Feb combined input (January NaN, Jan–Feb total in February) goes through
:mod:`consumption_monitor.seasonal.janfeb`: quarterly by default, or a flagged split.

Gaps: a missing observation inside the series is first filled from ``fill`` (the indicator
engine's own values derived from YTD releases, e.g. a quarter from two cumulative figures when
a month of it was never published), then left to X-13, which estimates it with the regARIMA
model (``missingcode``). Only what X-13 cannot fit is refused: fewer than three years of
observations, or an error the binary reports (its message is carried).

Speed: the identification and candidate fits are estimation-only specs (no outlier search,
forecast or X-11 step; the same AICc), each stage of a batch of series runs through one
``x13as -m`` process, and a stored :class:`~.choice.WindowChoice` with the same fingerprint
skips the selection. The final run is the same spec as before, so the adjusted values are
identical when the window choice is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from consumption_monitor.calendar.regressors import HolidayWindow
from consumption_monitor.errors import ConsumptionMonitorError, EngineError
from consumption_monitor.seasonal.choice import WindowChoice
from consumption_monitor.seasonal.janfeb import SplitWeights
from consumption_monitor.seasonal.prepare import JanFeb, Job, as_period_series, prepare
from consumption_monitor.seasonal.result import AdjustmentResult, Diagnostics
from consumption_monitor.seasonal.spec import SAVED_TABLES, RegressorSpec, SpecOptions
from consumption_monitor.seasonal.windows import DEFAULT_WINDOWS, candidate_window_sets, describe
from consumption_monitor.seasonal.x13 import X13Output, run_x13_many

__all__ = ["AdjustmentResult", "Diagnostics", "adjust", "adjust_batch", "as_period_series"]

#: Runs ``(name, spec)`` pairs; returns one X13Output or EngineError per spec.
Runner = Callable[[list[tuple[str, str]], tuple[str, ...], bool], list["X13Output | EngineError"]]


def _batch_runner(
    specs: list[tuple[str, str]], tables: tuple[str, ...], brief: bool
) -> list[X13Output | EngineError]:
    return run_x13_many(specs, tables=tables, brief=brief)


def _table(job: Job, out: X13Output) -> pd.DataFrame:
    observed = job.values
    n = len(observed)
    neutral = 1.0 if job.options.transform == "log" else 0.0

    def col(name: str) -> np.ndarray:
        # Saved tables hold ratios (mult) or differences (add); a missing D18 means no
        # calendar effect was estimated.
        if name not in out.tables:
            return np.full(n, neutral)
        return out.tables[name][:n]

    table = pd.DataFrame(
        {
            "observed": observed.to_numpy(dtype=float),
            "adjusted": col("d11"),
            "seasonal": col("d10"),
            "calendar": col("d18"),
            "combined": col("d16"),
            "trend": col("d12"),
            "irregular": col("d13"),
        },
        index=observed.index,
    )
    table["mom_pct"] = table["adjusted"].pct_change() * 100.0
    idx = observed.index
    table["estimated"] = job.estimated.reindex(idx, fill_value=False).to_numpy(dtype=bool)
    table["filled"] = job.filled.reindex(idx, fill_value=False).to_numpy(dtype=bool)
    table["imputed"] = observed.isna().to_numpy()
    return table


def _select(
    jobs: list[Job], run: Runner
) -> dict[int, tuple[tuple[HolidayWindow, ...], dict[str, float]] | EngineError]:
    """Window selection for every job without windows: identify once, then 12 fixed-model
    candidate fits; each stage of all jobs in one runner call."""
    todo = [i for i, j in enumerate(jobs) if j.windows is None]
    out: dict[int, tuple[tuple[HolidayWindow, ...], dict[str, float]] | EngineError] = {}
    if not todo:
        return out
    ident_specs = []
    for i in todo:
        j = jobs[i]
        opts = SpecOptions(j.options.transform, j.options.arima, False, j.options.forecast_months)
        ident_specs.append(j.spec([*j.base_regs, j.hol(DEFAULT_WINDOWS)], opts, estimate_only=True))
    ident = run(ident_specs, (), True)
    cands = candidate_window_sets()
    cand_specs: list[tuple[str, str]] = []
    owners: list[tuple[int, tuple[HolidayWindow, ...]]] = []
    for i, res in zip(todo, ident, strict=True):
        if isinstance(res, EngineError):
            out[i] = res
            continue
        j = jobs[i]
        fixed = SpecOptions(j.options.transform, res.model, False, j.options.forecast_months)
        for cand in cands:
            regs = [*j.base_regs, j.hol(cand)] if cand else list(j.base_regs)
            cand_specs.append(j.spec(regs, fixed, estimate_only=True))
            owners.append((i, cand))
    scores: dict[int, dict[str, float]] = {}
    best: dict[int, tuple[float, tuple[HolidayWindow, ...]]] = {}
    for (i, cand), res in zip(owners, run(cand_specs, (), True), strict=True):
        scores.setdefault(i, {})
        if isinstance(res, EngineError) or "aicc" not in res.udg:
            continue  # a singular candidate is simply not eligible
        scores[i][describe(cand)] = res.aicc
        if i not in best or res.aicc < best[i][0]:
            best[i] = (res.aicc, cand)
    for i in todo:
        if i in out:
            continue
        if i not in best:
            name = jobs[i].label
            out[i] = EngineError(
                f"no Spring Festival window set could be estimated for {name}",
                f"{name}：所有春节窗口组合均无法估计",
            )
        else:
            out[i] = (best[i][1], scores[i])
    return out


def adjust_batch(
    jobs: list[Job], run: Runner | None = None
) -> list[AdjustmentResult | ConsumptionMonitorError]:
    """Adjust prepared jobs stage by stage (selection, then final runs), one runner call per
    stage for all of them; a failed series gives its error in its place."""
    run = run or _batch_runner
    selected = _select(jobs, run)
    results: list[AdjustmentResult | ConsumptionMonitorError | None] = [None] * len(jobs)
    finals: list[tuple[str, str]] = []
    final_of: list[tuple[int, tuple[HolidayWindow, ...], dict[str, float]]] = []
    for i, job in enumerate(jobs):
        chosen: tuple[HolidayWindow, ...]
        scores: dict[str, float] = {}
        sel = selected.get(i)
        if isinstance(sel, EngineError):
            results[i] = sel
            continue
        if sel is not None:
            chosen, scores = sel
        else:
            assert job.windows is not None
            chosen = job.windows
        regs = list(job.base_regs)
        if chosen:
            hol = job.hol(chosen)
            regs.append(RegressorSpec(hol.values, tuple(job.holiday_usertype for _ in chosen)))
        finals.append(job.spec(regs, job.options, estimate_only=False))
        final_of.append((i, chosen, scores))
    for (i, chosen, scores), out in zip(final_of, run(finals, SAVED_TABLES, False), strict=True):
        if isinstance(out, EngineError):
            results[i] = out
            continue
        job = jobs[i]
        diagnostics = Diagnostics(
            model=out.model,
            transform=job.options.transform,
            aicc=out.aicc,
            windows=describe(chosen),
            window_selection=scores,
            working_days=job.working_days,
            frequency="Q" if job.quarterly else "M",
            janfeb=job.mode,
            outliers=out.outliers(),
            coefficients=out.coefficients(),
            quality=out.quality(),
            warnings=out.warnings,
            notes=job.notes,
            filled=[
                str(p)
                for p in job.values.index[
                    job.filled.reindex(job.values.index, fill_value=False).to_numpy(dtype=bool)
                ]
            ],
            missing=[str(p) for p in job.values.index[job.values.isna().to_numpy()]],
            unscheduled=job.unscheduled,
            fingerprint=job.fingerprint,
            windows_reused=job.reused,
        )
        results[i] = AdjustmentResult(job.label, _table(job, out), diagnostics)
    return [r for r in results if r is not None]


def adjust(
    series: pd.Series,
    *,
    name: str | None = None,
    windows: Sequence[HolidayWindow] | Literal["auto"] = "auto",
    working_days: bool = True,
    janfeb: JanFeb = "auto",
    split_weights: SplitWeights | None = None,
    transform: Literal["log", "none"] = "log",
    arima: str | None = None,
    outliers: bool = True,
    holiday_usertype: Literal["holiday", "user"] = "holiday",
    fill: pd.Series | None = None,
    reuse: WindowChoice | None = None,
) -> AdjustmentResult:
    """Seasonally adjust ``series`` with X-13ARIMA-SEATS and Chinese calendar regressors.

    ``series``: monthly or quarterly values on a PeriodIndex (or DatetimeIndex). Jan–Feb
    combined layout (January NaN, total in February) is detected with ``janfeb="auto"`` and
    adjusted quarterly (a quarter with a missing month is a missing quarter); ``"split"``
    splits it instead (flagged ``estimated``); ``"monthly"`` means the months are genuinely
    separate. A missing value inside the series is taken from ``fill`` (same frequency as the
    adjusted series, e.g. quarters derived from YTD releases) where it has one, else
    estimated by X-13 (flagged ``imputed``). Fewer than three years of observations raise
    DataValidationError; what the binary cannot fit raises EngineError with its message.

    ``working_days=True`` uses the official schedule; months in years the installed
    chinese-calendar does not know (data or the 12-month forecast horizon) carry no 调休
    adjustment, are listed in ``diagnostics.unscheduled`` and noted — never guessed.

    ``reuse``: a stored :class:`~.choice.WindowChoice`; when its fingerprint matches this
    input the window selection is skipped (``diagnostics.windows_reused``).

    ``holiday_usertype="user"`` reproduces the statsmodels ``exog=`` mistake (Trap 1) and exists
    for tests and teaching only.
    """
    job = prepare(
        series, name=name, windows=windows, working_days=working_days, janfeb=janfeb,
        split_weights=split_weights, transform=transform, arima=arima, outliers=outliers,
        holiday_usertype=holiday_usertype, fill=fill, reuse=reuse,
    )  # fmt: skip
    (result,) = adjust_batch([job])
    if isinstance(result, ConsumptionMonitorError):
        raise result
    return result
