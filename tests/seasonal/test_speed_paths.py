"""The faster X-13 paths give the same numbers as one run per spec (real x13as binary)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.calendar import holiday_regressors
from consumption_monitor.calendar.holidays import supported_years, working_days
from consumption_monitor.calendar.regressors import (
    HolidayWindow,
    moving_holiday_regressor,
    unscheduled_months,
    working_day_regressor,
)
from consumption_monitor.errors import CalendarError, EngineError
from consumption_monitor.seasonal import adjust, adjust_many
from consumption_monitor.seasonal.choice import WindowChoice
from consumption_monitor.seasonal.spec import SAVED_TABLES, SpecOptions, build_spec
from consumption_monitor.seasonal.x13 import run_x13, run_x13_many


def _series(seed: int, start: str = "2014-01", end: str = "2023-12") -> pd.Series:
    idx = pd.period_range(start, end, freq="M")
    rng = np.random.default_rng(seed)
    x = holiday_regressors(
        (HolidayWindow("p", "spring", -10, -1),), idx[0], idx[-1], forecast_months=0
    ).to_numpy()[:, 0]
    t = np.arange(len(idx))
    log = 6 + 0.004 * t + 0.1 * np.sin(2 * np.pi * t / 12) + 0.1 * x + rng.normal(0, 0.01, len(t))
    return pd.Series(np.exp(log), index=idx, name=f"s{seed}")


def test_metafile_batch_equals_one_run_per_spec_and_isolates_a_failing_spec() -> None:
    specs = [
        (f"s{i}", build_spec(_series(i).to_numpy(), pd.Period("2014-01", freq="M"), 12))
        for i in range(3)
    ]
    bad = build_spec(np.ones(12) * 5.0, pd.Period("2020-01", freq="M"), 12,
                     options=SpecOptions(arima="(0 1 1)(0 1 1)"))  # fmt: skip
    batch = run_x13_many([*specs[:2], ("bad", bad), specs[2]], tables=SAVED_TABLES)
    assert isinstance(batch[2], EngineError) and "bad" in str(batch[2])
    for (name, text), out in zip(specs, [batch[0], batch[1], batch[3]], strict=True):
        one = run_x13(text, tables=SAVED_TABLES, name=name)
        assert not isinstance(out, EngineError)
        for table in SAVED_TABLES:
            if table in one.tables:
                np.testing.assert_array_equal(out.tables[table], one.tables[table])
        assert out.aicc == one.aicc


def test_estimate_only_spec_gives_the_same_aicc_as_the_full_spec() -> None:
    values = _series(7).to_numpy()
    opts = SpecOptions(arima="(0 1 1)(0 1 1)", outliers=False)
    start = pd.Period("2014-01", freq="M")
    full = run_x13(build_spec(values, start, 12, options=opts), tables=("d11",))
    lean = run_x13_many([("x", build_spec(values, start, 12, options=opts, estimate_only=True))],
                        tables=(), brief=True)[0]  # fmt: skip
    assert not isinstance(lean, EngineError)
    assert lean.aicc == full.aicc


def test_adjust_many_batches_equal_single_adjustments() -> None:
    series = {f"s{i}": _series(i) for i in range(3)}
    many = adjust_many(series, working_days=False)
    for name, s in series.items():
        one = adjust(s, name=name, working_days=False)
        assert many[name].diagnostics.windows == one.diagnostics.windows
        assert many[name].diagnostics.window_selection == one.diagnostics.window_selection
        np.testing.assert_array_equal(many[name].adjusted.to_numpy(), one.adjusted.to_numpy())


def test_stored_window_choice_is_reused_only_for_the_same_series() -> None:
    s = _series(3)
    first = adjust(s, working_days=False)
    assert not first.diagnostics.windows_reused and len(first.diagnostics.window_selection) == 12
    choice = WindowChoice(first.diagnostics.fingerprint, first.diagnostics.windows)
    again = adjust(s, working_days=False, reuse=choice)
    assert again.diagnostics.windows_reused and again.diagnostics.window_selection == {}
    assert again.diagnostics.windows == first.diagnostics.windows
    np.testing.assert_array_equal(again.adjusted.to_numpy(), first.adjusted.to_numpy())
    changed = s.copy()
    changed.iloc[-1] *= 1.01  # a revision: the stored choice no longer applies
    refit = adjust(changed, working_days=False, reuse=choice)
    assert not refit.diagnostics.windows_reused and len(refit.diagnostics.window_selection) == 12


def test_cached_regressors_equal_uncached_and_are_fresh_objects() -> None:
    w = HolidayWindow("h", "spring", -20, -1)
    a = moving_holiday_regressor(w, "2015-01", "2020-12")
    a.iloc[:] = 99.0  # callers may modify what they get
    b = moving_holiday_regressor(w, "2015-01", "2020-12")
    assert (b != 99.0).all()
    wd = working_day_regressor("2015-01", "2020-12")
    raw = np.array([[working_days(y, m) for m in range(1, 13)] for y in range(2015, 2022)], float)
    naive = (raw - raw.mean(axis=0)).ravel()[: len(wd)]
    np.testing.assert_allclose(wd.to_numpy(), naive)


def test_unknown_calendar_years_carry_no_working_day_adjustment() -> None:
    _, last = supported_years()
    start, end = f"{last - 3}-01", f"{last}-12"  # forecast horizon = the year after `last`
    with pytest.raises(CalendarError):
        working_day_regressor(start, end)
    wd = working_day_regressor(start, end, unknown_years="mean")
    assert (wd[f"{last + 1}-01" :] == 0.0).all()
    known = range(last - 3, last + 1)
    raw = np.array([[working_days(y, m) for m in range(1, 13)] for y in known], float)
    np.testing.assert_allclose(wd[: f"{last}-12"].to_numpy(), (raw - raw.mean(axis=0)).ravel())
    gaps = unscheduled_months(wd.index)
    assert [str(p) for p in gaps] == [f"{last + 1}-{m:02d}" for m in range(1, 13)]
    out = adjust(_series(5, f"{last - 8}-01", f"{last}-12"), windows=())
    assert out.diagnostics.unscheduled == [str(p) for p in gaps]
    assert any("调休" in n and f"{last + 1}-01..{last + 1}-12" in n for n in out.diagnostics.notes)
