"""W4 baseline: the seasonal-adjustment code as it was before issue #17 (commit 3d21ead).

Vendored verbatim (names prefixed where they would clash) so the benchmark measures the old
path and the new one side by side in the same run: one x13as process and temporary folder per
spec (14 per monthly series), full X-11 specs for every window candidate, and calendar
regressors rebuilt (``working_days()`` walking chinese-calendar) for every run. Only the
imports differ. Not part of the package; do not use it for anything but the comparison.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from consumption_monitor.calendar.holidays import working_days
from consumption_monitor.calendar.regressors import FESTIVAL_DATES, HolidayWindow
from consumption_monitor.errors import DataValidationError, EngineError
from consumption_monitor.seasonal.janfeb import SplitWeights, is_janfeb_combined, split_janfeb
from consumption_monitor.seasonal.result import AdjustmentResult, Diagnostics
from consumption_monitor.seasonal.spec import SAVED_TABLES, RegressorSpec, SpecOptions
from consumption_monitor.seasonal.windows import DEFAULT_WINDOWS, candidate_window_sets, describe
from consumption_monitor.seasonal.x13 import X13Output, run_x13
from consumption_monitor.seasonal.prepare import as_period_series

JanFeb = Literal["auto", "quarterly", "split", "monthly"]


def monthly_window_fractions(
    anchor: dt.date, first: int, last: int
) -> dict[tuple[int, int], float]:
    """Share of the window ``[anchor+first, anchor+last]`` falling in each (year, month).

    >>> monthly_window_fractions(dt.date(2025, 1, 29), -5, 4)
    {(2025, 1): 0.8, (2025, 2): 0.2}
    """
    length = last - first + 1
    start = anchor + dt.timedelta(days=first)
    out: dict[tuple[int, int], float] = {}
    # Count whole months at a time: days from `day` to the month end, capped by the window end.
    day, remaining = start, length
    while remaining > 0:
        next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        take = min(remaining, (next_month - day).days)
        key = (day.year, day.month)
        out[key] = out.get(key, 0.0) + take / length
        remaining -= take
        day = next_month
    return out


def _month_range(
    start: str | pd.Period, end: str | pd.Period, forecast_months: int
) -> pd.PeriodIndex:
    first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    if last < first:
        raise DataValidationError(
            f"regressor span ends ({last}) before it starts ({first})",
            f"回归变量区间结束 ({last}) 早于开始 ({first})",
        )
    if forecast_months < 0:
        raise DataValidationError("forecast_months must be >= 0", "forecast_months 不能为负数")
    return pd.period_range(first, last + forecast_months, freq="M")


def _centre_and_select(
    raw: np.ndarray, years: range, index: pd.PeriodIndex, name: str
) -> pd.Series:
    """``raw`` is (len(years), 12); subtract each column's mean and pick the index months."""
    centred = raw - raw.mean(axis=0, keepdims=True)
    values = [centred[p.year - years.start, p.month - 1] for p in index]
    return pd.Series(values, index=index, name=name, dtype=float)


def moving_holiday_regressor(
    window: HolidayWindow,
    start: str | pd.Period,
    end: str | pd.Period,
    *,
    forecast_months: int = 12,
) -> pd.Series:
    """Centred genhol-style regressor for ``window``, monthly from ``start`` to ``end`` plus
    ``forecast_months``.

    Windows may cross year ends (a long pre-holiday window can start in December), so the
    festival of the following and previous years is counted too. Centring uses complete years
    ``start.year .. last.year`` (module docstring).

    >>> r = moving_holiday_regressor(HolidayWindow("h", "spring", 0, 6), "2020-01", "2020-12",
    ...                              forecast_months=0)
    >>> round(float(r["2020-01"]), 3)  # 春节 2020-01-25: all 7 days in January, single year
    0.0
    """
    index = _month_range(start, end, forecast_months)
    years = range(index[0].year, index[-1].year + 1)
    raw = np.zeros((len(years), 12))
    festival_date = FESTIVAL_DATES[window.festival]
    for festival_year in range(years.start - 1, years.stop + 1):
        anchor = festival_date(festival_year)
        for (year, month), share in monthly_window_fractions(
            anchor, window.first, window.last
        ).items():
            if year in years:
                raw[year - years.start, month - 1] += share
    return _centre_and_select(raw, years, index, window.name)


def holiday_regressors(
    windows: Sequence[HolidayWindow],
    start: str | pd.Period,
    end: str | pd.Period,
    *,
    forecast_months: int = 12,
) -> pd.DataFrame:
    """One column per window (named ``window.name``), monthly PeriodIndex."""
    cols = [
        moving_holiday_regressor(w, start, end, forecast_months=forecast_months) for w in windows
    ]
    if not cols:
        return pd.DataFrame(index=_month_range(start, end, forecast_months))
    return pd.concat(cols, axis=1)


def working_day_regressor(
    start: str | pd.Period,
    end: str | pd.Period,
    *,
    forecast_months: int = 12,
    name: str = "workdays",
) -> pd.Series:
    """Official working days per month minus that calendar month's mean over the span years.

    Needs the official schedule for every year up to the last forecast month: a year the
    installed chinese-calendar does not know raises CalendarError (never guessed).
    """
    index = _month_range(start, end, forecast_months)
    years = range(index[0].year, index[-1].year + 1)
    raw = np.array([[working_days(y, m) for m in range(1, 13)] for y in years], dtype=float)
    return _centre_and_select(raw, years, index, name)




def regressors_to_quarterly(regressors: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Quarterly sums of monthly regressors (a window's share of a quarter; working days per
    quarter). Centred monthly inputs stay centred: means add up over the months of a quarter.
    Partial quarters at the edges are dropped.
    """
    idx = regressors.index
    assert isinstance(idx, pd.PeriodIndex)
    quarters = idx.asfreq("Q")
    grouped = regressors.groupby(quarters)
    counts = grouped.size()
    full = counts[counts == 3].index
    out = grouped.sum().loc[full]
    out.index = pd.PeriodIndex(out.index, freq="Q")
    return out


def _period_code(period: pd.Period) -> str:
    sub = period.month if period.freqstr.startswith("M") else period.quarter
    return f"{period.year}.{sub}"


def _format_block(rows: np.ndarray) -> str:
    # One observation per line: X-13 rejects input lines longer than 132 characters.
    if rows.ndim == 1:
        return "\n".join(f"{v:.10g}" for v in rows)
    return "\n".join(" ".join(f"{v:.10g}" for v in row) for row in rows)


def build_spec(
    values: np.ndarray,
    start: pd.Period,
    period: int,
    *,
    regressors: Sequence[RegressorSpec] = (),
    options: SpecOptions = SpecOptions(),
    title: str = "series",
) -> str:
    """Spec text for one series. ``values`` must have no NaN (the caller handles Jan–Feb)."""
    safe_title = "".join(ch for ch in title if ch.isascii() and ch not in '"{}')[:60] or "series"
    parts = [
        f'series{{ title="{safe_title}" start={_period_code(start)} period={period}\n'
        f"  data=(\n{_format_block(np.asarray(values, dtype=float))}\n  ) }}",
        f"transform{{ function={options.transform} }}",
    ]
    frames = [r.values for r in regressors if r.values.shape[1] > 0]
    if frames:
        data = pd.concat(frames, axis=1)
        names = " ".join(str(c) for c in data.columns)
        types = " ".join(t for r in regressors for t in r.usertypes if r.values.shape[1] > 0)
        first = data.index[0]
        assert isinstance(first, pd.Period)
        parts.append(
            f"regression{{ user=({names}) usertype=({types}) start={_period_code(first)}\n"
            f"  data=(\n{_format_block(data.to_numpy(dtype=float))}\n  ) }}"
        )
    if options.arima is None:
        parts.append("automdl{ }")
    else:
        parts.append(f"arima{{ model={options.arima} }}")
    if options.outliers:
        parts.append("outlier{ }")
    parts.append(f"forecast{{ maxlead={options.forecast_months} }}")
    parts.append("estimate{ }")
    mode = "mult" if options.transform == "log" else "add"
    parts.append(f"x11{{ mode={mode} save=({' '.join(SAVED_TABLES)}) }}")
    return "\n".join(parts) + "\n"


def series_to_quarterly(series: pd.Series) -> pd.Series:
    """Quarterly totals; Q1 = Jan–Feb (held in February) + March.

    Quarters with a missing month are dropped at the ends; a gap inside raises
    DataValidationError.

    >>> months = pd.period_range("2024-01", periods=3, freq="M")
    >>> to_quarterly(pd.Series([float("nan"), 10.0, 5.0], index=months)).tolist()
    [15.0]
    """
    idx = series.index
    assert isinstance(idx, pd.PeriodIndex)
    quarters = idx.asfreq("Q")
    months = np.asarray(idx.month)
    present = series.notna() | pd.Series(months == 1, index=idx)
    complete = present.groupby(quarters).all() & (
        pd.Series(1, index=idx).groupby(quarters).sum() == 3
    )
    totals = series.groupby(quarters).sum(min_count=1)[complete]
    if totals.empty:
        raise DataValidationError("no complete quarter in the series", "序列中没有完整的季度")
    full_range = pd.period_range(totals.index[0], totals.index[-1], freq="Q")
    missing = full_range.difference(pd.PeriodIndex(totals.index))
    if len(missing):
        raise DataValidationError(
            f"incomplete quarters inside the series: {', '.join(str(q) for q in missing)}",
            f"序列中间存在不完整的季度：{', '.join(str(q) for q in missing)}",
            hint_en="fill the missing months or cut the series",
            hint_zh="补齐缺失月份或截断序列",
        )
    return pd.Series(totals.to_numpy(dtype=float), index=full_range, name=series.name)


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


def legacy_adjust(
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
