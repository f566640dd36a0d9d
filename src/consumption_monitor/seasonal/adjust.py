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
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from consumption_monitor.calendar.regressors import (
    HolidayWindow,
    holiday_regressors,
    unscheduled_months,
    working_day_regressor,
)
from consumption_monitor.calendar.regressors import to_quarterly as regressors_to_quarterly
from consumption_monitor.errors import ConsumptionMonitorError, DataValidationError, EngineError
from consumption_monitor.seasonal.choice import WindowChoice, fingerprint, windows_from_label
from consumption_monitor.seasonal.janfeb import (
    SplitWeights,
    is_janfeb_combined,
    split_janfeb,
)
from consumption_monitor.seasonal.janfeb import to_quarterly as series_to_quarterly
from consumption_monitor.seasonal.spec import SAVED_TABLES, RegressorSpec, SpecOptions, build_spec
from consumption_monitor.seasonal.windows import DEFAULT_WINDOWS, candidate_window_sets, describe
from consumption_monitor.seasonal.x13 import Coefficient, X13Output, run_x13_many

__all__ = ["AdjustmentResult", "Diagnostics", "adjust", "adjust_batch", "as_period_series"]

JanFeb = Literal["auto", "quarterly", "split", "monthly"]
#: Runs ``(name, spec)`` pairs; returns one X13Output or EngineError per spec.
Runner = Callable[[list[tuple[str, str]], tuple[str, ...], bool], list["X13Output | EngineError"]]


def _batch_runner(
    specs: list[tuple[str, str]], tables: tuple[str, ...], brief: bool
) -> list[X13Output | EngineError]:
    return run_x13_many(specs, tables=tables, brief=brief)


@dataclass(slots=True)
class Diagnostics:
    """What X-13 chose and how well it did.

    ``filled``: periods filled from the engine's derived values; ``missing``: periods X-13
    estimated; ``unscheduled``: months (data or forecast horizon) in years chinese-calendar
    does not know, which carry no 调休 working-day adjustment; ``fingerprint`` identifies the
    input for :class:`~.choice.WindowChoice`; ``windows_reused`` is True when the stored choice
    was used instead of a new selection.
    """

    model: str
    transform: str
    aicc: float
    windows: str
    window_selection: dict[str, float]
    working_days: bool
    frequency: str
    janfeb: str
    outliers: list[str]
    coefficients: list[Coefficient]
    quality: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unscheduled: list[str] = field(default_factory=list)
    fingerprint: str = ""
    windows_reused: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "transform": self.transform,
            "aicc": self.aicc,
            "windows": self.windows,
            "window_selection": self.window_selection,
            "windows_reused": self.windows_reused,
            "working_days": self.working_days,
            "frequency": self.frequency,
            "janfeb": self.janfeb,
            "outliers": self.outliers,
            "coefficients": [
                {
                    "group": c.group,
                    "name": c.name,
                    "estimate": c.estimate,
                    "std_error": c.std_error,
                    "t_value": c.t_value,
                }
                for c in self.coefficients
            ],
            "quality": self.quality,
            "filled": self.filled,
            "missing": self.missing,
            "unscheduled": self.unscheduled,
            "fingerprint": self.fingerprint,
            "warnings": self.warnings,
            "notes": self.notes,
        }


@dataclass(slots=True)
class AdjustmentResult:
    """``table`` is indexed by period with columns ``observed`` (NaN where X-13 estimated the
    value), ``adjusted`` (D11), ``seasonal`` (D10), ``calendar`` (D18: holiday and working-day
    factors, 1.0 — or 0.0 when additive — if none), ``combined`` (D16), ``trend`` (D12),
    ``irregular`` (D13), ``mom_pct`` (环比 of the adjusted series, %; NaN for the first
    period), ``estimated`` (True where the observed value was split from a Jan–Feb total),
    ``filled`` (taken from the engine's derived values) and ``imputed`` (missing, estimated by
    X-13)."""

    name: str
    table: pd.DataFrame
    diagnostics: Diagnostics

    @property
    def adjusted(self) -> pd.Series:
        return self.table["adjusted"]


def as_period_series(series: pd.Series) -> pd.Series:
    """Float series on a monthly or quarterly PeriodIndex (DatetimeIndex is converted); a gap
    in the index becomes NaN.

    Raises DataValidationError on an index that is neither, or on duplicates.
    """
    idx = series.index
    if isinstance(idx, pd.DatetimeIndex):
        freq = pd.infer_freq(idx) or "M"
        idx = idx.to_period("Q" if freq.startswith("Q") else "M")
    if not isinstance(idx, pd.PeriodIndex) or idx.freqstr[0] not in "MQ":
        raise DataValidationError(
            "the series needs a monthly or quarterly period index",
            "序列需要按月或按季的期间索引",
        )
    out = pd.Series(series.to_numpy(dtype=float), index=idx, name=series.name)
    out = out.sort_index()
    if out.index.has_duplicates:
        raise DataValidationError("duplicate periods in the series", "序列中有重复期间")
    full = pd.period_range(out.index[0], out.index[-1], freq=idx.freqstr[0])
    if len(full) != len(out):
        out = out.reindex(full)
    return out


def _is_quarterly(series: pd.Series) -> bool:
    idx = series.index
    return isinstance(idx, pd.PeriodIndex) and idx.freqstr.startswith("Q")


def _windows_reg(
    windows: Sequence[HolidayWindow], start: pd.Period, end: pd.Period, horizon: int
) -> RegressorSpec:
    frame = holiday_regressors(windows, start, end, forecast_months=horizon)
    return RegressorSpec(frame, tuple("holiday" for _ in windows))


def _month_span(start: pd.Period, end: pd.Period, horizon: int, quarterly: bool) -> pd.PeriodIndex:
    if quarterly:
        first = pd.Period(year=start.year, month=3 * start.quarter - 2, freq="M")
        last = pd.Period(year=end.year, month=3 * end.quarter, freq="M") + 3 * horizon
        return pd.period_range(first, last, freq="M")
    return pd.period_range(start, end + horizon, freq="M")


def _workday_reg(start: pd.Period, end: pd.Period, horizon: int, quarterly: bool) -> RegressorSpec:
    if quarterly:
        first = pd.Period(year=start.year, month=3 * start.quarter - 2, freq="M")
        last = pd.Period(year=end.year, month=3 * end.quarter, freq="M")
        # ``horizon`` counts quarters here; the monthly builder needs months.
        monthly = working_day_regressor(
            first, last, forecast_months=3 * horizon, unknown_years="mean"
        )
        frame = pd.DataFrame(regressors_to_quarterly(monthly))
    else:
        frame = working_day_regressor(
            start, end, forecast_months=horizon, unknown_years="mean"
        ).to_frame()
    return RegressorSpec(frame, ("td",))


def _ranges(periods: Sequence[pd.Period]) -> str:
    """``2027-01..2027-12, 2029-03`` for a sorted list of consecutive runs."""
    runs: list[list[pd.Period]] = []
    for p in periods:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(f"{r[0]}..{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


@dataclass(slots=True)
class _Job:
    """One series, prepared: values to adjust (NaN = for X-13 to estimate) and its options."""

    label: str
    values: pd.Series
    quarterly: bool
    mode: str
    options: SpecOptions
    base_regs: list[RegressorSpec]
    windows: tuple[HolidayWindow, ...] | None  # None: select by AICc
    holiday_usertype: Literal["holiday", "user"]
    working_days: bool
    estimated: pd.Series
    filled: pd.Series
    notes: list[str]
    unscheduled: list[str]
    fingerprint: str
    reused: bool = False

    def spec(
        self, regs: list[RegressorSpec], options: SpecOptions, *, estimate_only: bool
    ) -> tuple[str, str]:
        start = self.values.index[0]
        assert isinstance(start, pd.Period)
        text = build_spec(
            self.values.to_numpy(dtype=float),
            start,
            4 if self.quarterly else 12,
            regressors=regs,
            options=options,
            title=self.label,
            estimate_only=estimate_only,
        )
        return self.label, text

    def hol(self, windows: Sequence[HolidayWindow]) -> RegressorSpec:
        start, end = self.values.index[0], self.values.index[-1]
        return _windows_reg(windows, start, end, self.options.forecast_months)


def _prepare(
    series: pd.Series,
    *,
    name: str | None,
    windows: Sequence[HolidayWindow] | Literal["auto"],
    working_days: bool,
    janfeb: JanFeb,
    split_weights: SplitWeights | None,
    transform: Literal["log", "none"],
    arima: str | None,
    outliers: bool,
    holiday_usertype: Literal["holiday", "user"],
    fill: pd.Series | None,
    reuse: WindowChoice | None,
) -> _Job:
    label = name or str(series.name or "series")
    values = as_period_series(series)
    notes: list[str] = []
    estimated = pd.Series(False, index=values.index)
    quarterly = _is_quarterly(values)
    mode = "monthly" if quarterly else janfeb
    if janfeb == "auto" and not quarterly:
        mode = "quarterly" if is_janfeb_combined(values) else "monthly"
    if mode == "quarterly" and not quarterly:
        values = series_to_quarterly(values)
        quarterly = True
        notes.append(
            "Jan–Feb published together: adjusted quarterly (Q1 = Jan–Feb + Mar); Spring "
            "Festival windows fall wholly inside Q1, so no moving-holiday regressor is needed."
        )
    elif mode == "split":
        split_weights = split_weights or SplitWeights()
        values, estimated = split_janfeb(values, split_weights)
        notes.append(
            f"Jan–Feb split by a Spring-Festival-dated day weighting (pre-holiday uplift "
            f"{split_weights.pre_uplift}, holiday-week uplift {split_weights.holiday_uplift}); "
            "January and February values are estimated."
        )
    filled = pd.Series(False, index=values.index)
    if fill is not None and len(fill):
        fill_idx, own_idx = fill.index, values.index
        assert isinstance(own_idx, pd.PeriodIndex)
        if isinstance(fill_idx, pd.PeriodIndex) and fill_idx.freqstr[0] == own_idx.freqstr[0]:
            take = values.isna() & fill.reindex(values.index).notna()
            values = values.where(~take, fill.reindex(values.index))
            filled = take
            if take.any():
                notes.append(
                    "filled from values derived from YTD releases: "
                    + _ranges(list(values.index[take.to_numpy()]))
                )
    # Leading/trailing missing values are not part of the series.
    first, last = values.first_valid_index(), values.last_valid_index()
    if first is None or last is None:
        raise DataValidationError(f"{label}: no values", f"{label}：没有数值")
    values = values.loc[first:last]
    period = 4 if quarterly else 12
    observed = int(values.notna().sum())
    if observed < 3 * period:
        unit_en, unit_zh = ("quarters", "个季度") if quarterly else ("months", "个月")
        raise DataValidationError(
            f"{label}: {observed} observed {unit_en} from {values.index[0]} to "
            f"{values.index[-1]}; X-13 needs at least three years ({3 * period})",
            f"{label}：{values.index[0]} 至 {values.index[-1]} 仅有 {observed} {unit_zh}观测值，"
            f"X-13 至少需要三年（{3 * period}）",
            hint_en="load more releases or widen --from/--to",
            hint_zh="补充发布数据或放宽 --from/--to 区间",
        )
    missing = list(values.index[values.isna().to_numpy()])
    if missing:
        notes.append(
            f"{len(missing)} missing observation(s) estimated by X-13 (regARIMA, missingcode): "
            + _ranges(missing)
        )
    if transform == "log" and (values.dropna() <= 0).any():
        raise DataValidationError(
            f"{label}: zero or negative values cannot be log-transformed",
            f"{label}：存在零值或负值，无法取对数",
            hint_en="use transform='none' (additive adjustment)",
            hint_zh="改用 transform='none'（加法模型）",
        )
    horizon = 4 if quarterly else 12
    options = SpecOptions(transform, arima, outliers, horizon)
    start, end = values.index[0], values.index[-1]
    base_regs: list[RegressorSpec] = []
    unscheduled: list[str] = []
    if working_days:
        base_regs.append(_workday_reg(start, end, horizon, quarterly))
        gaps = unscheduled_months(_month_span(start, end, horizon, quarterly))
        if gaps:
            unscheduled = [str(p) for p in gaps]
            notes.append(
                "chinese-calendar has no official schedule for these months, which carry no "
                "调休 working-day adjustment (regressor at its calendar-month mean): "
                + _ranges(gaps)
            )
    fp = fingerprint(values, (mode, transform, arima, outliers, working_days, holiday_usertype))
    chosen: tuple[HolidayWindow, ...] | None
    reused = False
    if quarterly:
        chosen = ()
    elif windows != "auto":
        chosen = tuple(windows)
    elif reuse is not None and reuse.fingerprint == fp:
        chosen = windows_from_label(reuse.label)
        reused = chosen is not None
    else:
        chosen = None
    if reused:
        notes.append(f"Spring Festival windows reused from the stored choice ({reuse.label})")  # type: ignore[union-attr]
    return _Job(
        label, values, quarterly, str(mode), options, base_regs, chosen, holiday_usertype,
        working_days, estimated, filled, notes, unscheduled, fp, reused,
    )  # fmt: skip


def _table(job: _Job, out: X13Output) -> pd.DataFrame:
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
    jobs: list[_Job], run: Runner
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
    jobs: list[_Job], run: Runner = _batch_runner
) -> list[AdjustmentResult | ConsumptionMonitorError]:
    """Adjust prepared jobs stage by stage (selection, then final runs), one runner call per
    stage for all of them; a failed series gives its error in its place."""
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


prepare = _prepare
