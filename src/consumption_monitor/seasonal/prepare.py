"""One series made ready for X-13: Jan–Feb handling, gaps, regressors and window options.

See :mod:`consumption_monitor.seasonal.adjust` for the pipeline; :func:`prepare` raises
DataValidationError for what X-13 cannot fit (fewer than three years of observations, zero or
negative values under the log transform).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from consumption_monitor.calendar.regressors import (
    HolidayWindow,
    holiday_regressors,
    unscheduled_months,
    working_day_regressor,
)
from consumption_monitor.calendar.regressors import to_quarterly as regressors_to_quarterly
from consumption_monitor.errors import DataValidationError
from consumption_monitor.seasonal.choice import WindowChoice, fingerprint, windows_from_label
from consumption_monitor.seasonal.janfeb import SplitWeights, is_janfeb_combined, split_janfeb
from consumption_monitor.seasonal.janfeb import to_quarterly as series_to_quarterly
from consumption_monitor.seasonal.spec import RegressorSpec, SpecOptions, build_spec

__all__ = ["JanFeb", "Job", "as_period_series", "prepare"]

JanFeb = Literal["auto", "quarterly", "split", "monthly"]


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
class Job:
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


def prepare(
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
) -> Job:
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
    return Job(
        label, values, quarterly, str(mode), options, base_regs, chosen, holiday_usertype,
        working_days, estimated, filled, notes, unscheduled, fp, reused,
    )  # fmt: skip
