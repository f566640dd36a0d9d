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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from consumption_monitor.calendar.regressors import (
    HolidayWindow,
    holiday_regressors,
    working_day_regressor,
)
from consumption_monitor.calendar.regressors import to_quarterly as regressors_to_quarterly
from consumption_monitor.errors import DataValidationError, EngineError
from consumption_monitor.seasonal.janfeb import (
    SplitWeights,
    is_janfeb_combined,
    split_janfeb,
)
from consumption_monitor.seasonal.janfeb import to_quarterly as series_to_quarterly
from consumption_monitor.seasonal.spec import SAVED_TABLES, RegressorSpec, SpecOptions, build_spec
from consumption_monitor.seasonal.windows import DEFAULT_WINDOWS, candidate_window_sets, describe
from consumption_monitor.seasonal.x13 import Coefficient, X13Output, run_x13

__all__ = ["AdjustmentResult", "Diagnostics", "adjust", "as_period_series"]

JanFeb = Literal["auto", "quarterly", "split", "monthly"]


@dataclass(slots=True)
class Diagnostics:
    """What X-13 chose and how well it did."""

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

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "transform": self.transform,
            "aicc": self.aicc,
            "windows": self.windows,
            "window_selection": self.window_selection,
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
            "warnings": self.warnings,
            "notes": self.notes,
        }


@dataclass(slots=True)
class AdjustmentResult:
    """``table`` is indexed by period with columns ``observed``, ``adjusted`` (D11),
    ``seasonal`` (D10), ``calendar`` (D18: holiday and working-day factors, 1.0 — or 0.0 when
    additive — if none), ``combined`` (D16), ``trend`` (D12), ``irregular`` (D13), ``mom_pct``
    (环比 of the adjusted series, %; NaN for the first period) and ``estimated`` (True where the
    observed value was split from a Jan–Feb total)."""

    name: str
    table: pd.DataFrame
    diagnostics: Diagnostics

    @property
    def adjusted(self) -> pd.Series:
        return self.table["adjusted"]


def as_period_series(series: pd.Series) -> pd.Series:
    """Float series on a monthly or quarterly PeriodIndex (DatetimeIndex is converted).

    Raises DataValidationError on an index that is neither, duplicates or gaps.
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


def _workday_reg(start: pd.Period, end: pd.Period, horizon: int, quarterly: bool) -> RegressorSpec:
    if quarterly:
        first = pd.Period(year=start.year, month=3 * start.quarter - 2, freq="M")
        last = pd.Period(year=end.year, month=3 * end.quarter, freq="M")
        # ``horizon`` counts quarters here; the monthly builder needs months.
        monthly = working_day_regressor(first, last, forecast_months=3 * horizon)
        frame = pd.DataFrame(regressors_to_quarterly(monthly))
    else:
        frame = working_day_regressor(start, end, forecast_months=horizon).to_frame()
    return RegressorSpec(frame, ("td",))


def _run(
    values: pd.Series,
    regs: Sequence[RegressorSpec],
    options: SpecOptions,
    name: str,
) -> X13Output:
    start = values.index[0]
    assert isinstance(start, pd.Period)
    period = 4 if _is_quarterly(values) else 12
    spec = build_spec(
        values.to_numpy(dtype=float), start, period, regressors=regs, options=options, title=name
    )
    return run_x13(spec, tables=SAVED_TABLES, name=name)


def _select_windows(
    values: pd.Series,
    base_regs: list[RegressorSpec],
    options: SpecOptions,
    name: str,
) -> tuple[tuple[HolidayWindow, ...], dict[str, float], str]:
    start, end = values.index[0], values.index[-1]
    horizon = options.forecast_months
    first = _run(
        values,
        [*base_regs, _windows_reg(DEFAULT_WINDOWS, start, end, horizon)],
        SpecOptions(options.transform, options.arima, False, horizon),
        name,
    )
    model = first.model
    fixed = SpecOptions(options.transform, model, False, horizon)
    scores: dict[str, float] = {}
    best: tuple[float, tuple[HolidayWindow, ...]] | None = None
    for cand in candidate_window_sets():
        regs = [*base_regs, _windows_reg(cand, start, end, horizon)] if cand else base_regs
        try:
            out = _run(values, regs, fixed, name)
        except EngineError:
            continue  # a singular candidate is simply not eligible
        scores[describe(cand)] = out.aicc
        if best is None or out.aicc < best[0]:
            best = (out.aicc, cand)
    if best is None:
        raise EngineError(
            f"no Spring Festival window set could be estimated for {name}",
            f"{name}：所有春节窗口组合均无法估计",
        )
    return best[1], scores, model


def _table(
    observed: pd.Series, out: X13Output, transform: str, estimated: pd.Series
) -> pd.DataFrame:
    n = len(observed)
    neutral = 1.0 if transform == "log" else 0.0

    def col(name: str) -> np.ndarray:
        # Saved tables hold ratios (mult) or differences (add); a missing D18 means no
        # calendar effect was estimated.
        if name not in out.tables:
            return np.full(n, neutral)
        return out.tables[name][:n]

    adjusted = col("d11")
    table = pd.DataFrame(
        {
            "observed": observed.to_numpy(dtype=float),
            "adjusted": adjusted,
            "seasonal": col("d10"),
            "calendar": col("d18"),
            "combined": col("d16"),
            "trend": col("d12"),
            "irregular": col("d13"),
        },
        index=observed.index,
    )
    table["mom_pct"] = table["adjusted"].pct_change() * 100.0
    table["estimated"] = estimated.reindex(observed.index, fill_value=False).to_numpy(dtype=bool)
    return table


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
) -> AdjustmentResult:
    """Seasonally adjust ``series`` with X-13ARIMA-SEATS and Chinese calendar regressors.

    ``series``: monthly or quarterly values on a PeriodIndex (or DatetimeIndex). Jan–Feb
    combined layout (January NaN, total in February) is detected with ``janfeb="auto"`` and
    adjusted quarterly; ``janfeb="split"`` splits it instead (flagged ``estimated``);
    ``"monthly"`` means the months are genuinely separate. Any other missing value raises
    DataValidationError (X-13 would treat it as a missing-value outlier silently).

    ``working_days=True`` needs the official schedule up to 12 months past the data: a year
    the installed chinese-calendar does not know raises CalendarError (pass ``False`` to
    adjust without the working-day regressor; the diagnostics record it).

    ``holiday_usertype="user"`` reproduces the statsmodels ``exog=`` mistake (Trap 1) and exists
    for tests and teaching only.
    """
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
    # Trim leading/trailing missing values; an inner gap is an input problem.
    values = values.loc[values.first_valid_index() : values.last_valid_index()]
    if values.isna().any():
        gaps = ", ".join(str(p) for p in values.index[values.isna().to_numpy()][:6])
        raise DataValidationError(
            f"{label}: missing values inside the series ({gaps})",
            f"{label}：序列中间存在缺失值（{gaps}）",
            hint_en="for NBS Jan–Feb data put the Jan–Feb total in February and leave January "
            "empty; otherwise fill or cut the gap",
            hint_zh="国家统计局 1-2 月合并数据请将合计值放在 2 月、1 月留空；其他缺失请补齐或截断",
        )
    if transform == "log" and (values <= 0).any():
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
    if working_days:
        base_regs.append(_workday_reg(start, end, horizon, quarterly))
    scores: dict[str, float] = {}
    chosen: tuple[HolidayWindow, ...] = ()
    if not quarterly:
        if windows == "auto":
            chosen, scores, _ = _select_windows(values, base_regs, options, label)
        else:
            chosen = tuple(windows)
    regs = list(base_regs)
    if chosen:
        hol = _windows_reg(chosen, start, end, horizon)
        regs.append(RegressorSpec(hol.values, tuple(holiday_usertype for _ in chosen)))
    out = _run(values, regs, options, label)
    diagnostics = Diagnostics(
        model=out.model,
        transform=transform,
        aicc=out.aicc,
        windows=describe(chosen),
        window_selection=scores,
        working_days=working_days,
        frequency="Q" if quarterly else "M",
        janfeb=mode,
        outliers=out.outliers(),
        coefficients=out.coefficients(),
        quality=out.quality(),
        warnings=out.warnings,
        notes=notes,
    )
    return AdjustmentResult(label, _table(values, out, transform, estimated), diagnostics)
