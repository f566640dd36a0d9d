"""The key property: holiday regressors declared as holiday are removed from the adjusted
series; declared as plain user regressors (statsmodels ``exog=``) they are not (Trap 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.calendar import holiday_regressors
from consumption_monitor.errors import DataValidationError, EngineError
from consumption_monitor.seasonal import SeasonalAdjuster, SplitWeights, adjust, adjust_many
from consumption_monitor.seasonal.janfeb import january_share
from consumption_monitor.seasonal.spec import RegressorSpec, SpecOptions, build_spec
from consumption_monitor.seasonal.windows import SF_HOLIDAY, SF_PRE10
from consumption_monitor.seasonal.x13 import run_x13

WINDOWS = (SF_PRE10, SF_HOLIDAY)
PLANTED = np.array([0.12, -0.18])  # log effect of a full window month: pre-holiday +, week -


def synthetic() -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Monthly 2012–2024: trend + seasonal + planted Spring Festival effect + noise (logs)."""
    n = 156
    t = np.arange(n)
    rng = np.random.default_rng(20240210)
    noise = rng.normal(0.0, 0.01, n)
    trend = 5 + 0.006 * t + 0.02 * np.sin(2 * np.pi * t / 50)
    seasonal = 0.12 * np.sin(2 * np.pi * t / 12) + 0.05 * np.cos(4 * np.pi * t / 12)
    x = holiday_regressors(WINDOWS, "2012-01", "2024-12", forecast_months=0).to_numpy()
    holiday = x @ PLANTED
    index = pd.period_range("2012-01", periods=n, freq="M")
    series = pd.Series(np.exp(trend + seasonal + holiday + noise), index=index, name="synthetic")
    return series, trend + noise, holiday


def close_to_truth(
    adjusted: pd.Series, truth_log: np.ndarray, holiday: np.ndarray
) -> tuple[float, float]:
    """(RMSE of log(adjusted/truth) after removing the level, |t| of the regression of the
    adjusted series' monthly log changes on the planted holiday effect's changes)."""
    log_adj = np.log(adjusted.to_numpy())
    err = log_adj - truth_log
    rmse = float(np.sqrt(np.mean((err - err.mean()) ** 2)))
    d, dh = np.diff(log_adj), np.diff(holiday)
    a = np.column_stack([np.ones_like(dh), dh])
    coef, *_ = np.linalg.lstsq(a, d, rcond=None)
    resid = d - a @ coef
    s2 = resid @ resid / (len(d) - 2)
    se = np.sqrt(s2 * np.linalg.inv(a.T @ a)[1, 1])
    return rmse, abs(float(coef[1] / se))


def passes(rmse: float, t_value: float) -> bool:
    return rmse < 0.01 and t_value < 3.0


def test_holiday_usertype_removes_planted_effect_and_user_does_not() -> None:
    series, truth, holiday = synthetic()
    right = adjust(series, windows=WINDOWS, working_days=False, holiday_usertype="holiday")
    wrong = adjust(series, windows=WINDOWS, working_days=False, holiday_usertype="user")
    rmse_r, t_r = close_to_truth(right.adjusted, truth, holiday)
    rmse_w, t_w = close_to_truth(wrong.adjusted, truth, holiday)
    assert passes(rmse_r, t_r), (rmse_r, t_r)
    assert not passes(rmse_w, t_w), (rmse_w, t_w)
    assert t_w > 10  # the holiday effect is plainly left in the "adjusted" series
    # Both runs estimate the planted coefficients; only the declaration differs.
    est = {c.name: c.estimate for c in right.diagnostics.coefficients}
    assert est["sf_pre10"] == pytest.approx(PLANTED[0], abs=0.03)
    assert est["sf_hol"] == pytest.approx(PLANTED[1], abs=0.03)
    # The removed effect shows up as calendar factors (D18) ≈ exp(planted effect).
    log_cal = np.log(right.table["calendar"].to_numpy())
    assert np.corrcoef(log_cal, holiday)[0, 1] > 0.99
    assert np.allclose(wrong.table["calendar"].to_numpy(), 1.0)


def test_window_selection_finds_planted_windows() -> None:
    series, _, _ = synthetic()
    result = adjust(series, working_days=False)
    diag = result.diagnostics
    assert len(diag.window_selection) == 12
    assert diag.window_selection[diag.windows] == min(diag.window_selection.values())
    assert "spring[-10,-1]" in diag.windows and "spring[+0,+6]" in diag.windows
    assert diag.window_selection[diag.windows] < diag.window_selection["none"] - 50
    assert diag.model.startswith("(")
    assert {"M1", "M7", "Q"} <= diag.quality.keys()
    table = result.table
    assert table.index.equals(series.index)
    expected_mom = table["adjusted"].iloc[1] / table["adjusted"].iloc[0] * 100 - 100
    assert table["mom_pct"].iloc[1] == pytest.approx(expected_mom)


def janfeb_layout(series: pd.Series) -> pd.Series:
    """NBS layout: January empty, Jan–Feb total in February."""
    out = series.copy()
    months = np.asarray(out.index.month)
    feb = out.index[months == 2]
    jan = out.index[months == 1]
    out[feb] = out[feb].to_numpy() + out[jan].to_numpy()
    out[jan] = np.nan
    return out


def test_janfeb_combined_goes_quarterly_by_default() -> None:
    series, _, _ = synthetic()
    combined = janfeb_layout(series)
    result = adjust(combined)  # quarterly working-day regressor included
    assert result.diagnostics.working_days
    assert any(c.name == "workdays" for c in result.diagnostics.coefficients)
    assert result.diagnostics.frequency == "Q"
    assert result.diagnostics.janfeb == "quarterly"
    assert result.diagnostics.windows == "none"
    q1_2013 = result.table.loc[pd.Period("2013Q1", freq="Q"), "observed"]
    assert q1_2013 == pytest.approx(series["2013-01":"2013-03"].sum())


def test_janfeb_split_is_flagged_estimated() -> None:
    series, _, _ = synthetic()
    weights = SplitWeights(pre_uplift=0.25)
    result = adjust(
        janfeb_layout(series),
        janfeb="split",
        split_weights=weights,
        windows=WINDOWS,
        working_days=False,
    )
    table = result.table
    months = np.asarray(table.index.month)
    assert table["estimated"].to_numpy()[months <= 2].all()
    assert not table["estimated"].to_numpy()[months > 2].any()
    jan = table.loc[pd.Period("2023-01", freq="M"), "observed"]
    feb = table.loc[pd.Period("2023-02", freq="M"), "observed"]
    total = series["2023-01"] + series["2023-02"]
    assert jan + feb == pytest.approx(total)
    assert jan / total == pytest.approx(january_share(2023, weights))


def test_inner_gap_is_estimated_by_x13_and_nonpositive_values_are_refused() -> None:
    """Old code refused any inner gap; X-13 now estimates it (missingcode) and the adjusted
    value there stays close to the one from the complete series."""
    series, _, _ = synthetic()
    gap = series.copy()
    gap.iloc[40] = np.nan
    full = adjust(series, windows=WINDOWS, working_days=False)
    out = adjust(gap, windows=WINDOWS, working_days=False)
    assert out.diagnostics.missing == [str(series.index[40])]
    assert out.table["imputed"].sum() == 1 and bool(out.table["imputed"].iloc[40])
    assert np.isnan(out.table["observed"].iloc[40])
    assert np.isfinite(out.adjusted).all()
    assert out.adjusted.iloc[40] == pytest.approx(full.adjusted.iloc[40], rel=0.03)
    assert any("estimated by X-13" in n for n in out.diagnostics.notes)
    short = series.iloc[:30].copy()
    with pytest.raises(DataValidationError, match="three years"):
        adjust(short, windows=WINDOWS, working_days=False)
    neg = series.copy()
    neg.iloc[3] = -1.0
    with pytest.raises(DataValidationError):
        adjust(neg, windows=WINDOWS, working_days=False)


def test_binary_error_becomes_engine_error_with_message() -> None:
    spec = build_spec(
        np.ones(12) * 5.0,
        pd.Period("2020-01", freq="M"),
        12,
        options=SpecOptions(arima="(0 1 1)(0 1 1)"),
    )
    with pytest.raises(EngineError) as info:
        run_x13(spec, tables=("d11",), name="too-short")
    assert "too-short" in str(info.value)
    assert "ERROR" in str(info.value)


def test_adjust_many_in_parallel_matches_serial() -> None:
    series, _, _ = synthetic()
    inputs = {"a": series, "b": series * 2.0}
    parallel = adjust_many(inputs, workers=2, windows=WINDOWS, working_days=False)
    assert list(parallel) == ["a", "b"]
    single = SeasonalAdjuster(windows=WINDOWS, working_days=False).fit(series, name="a")
    np.testing.assert_allclose(parallel["a"].adjusted.to_numpy(), single.transform().to_numpy())
    np.testing.assert_allclose(
        parallel["b"].adjusted.to_numpy(), 2.0 * parallel["a"].adjusted.to_numpy(), rtol=1e-6
    )


def test_statsmodels_exog_declares_a_plain_user_regressor() -> None:
    """Trap 1 at its source: statsmodels' ``exog=`` writes ``user=(...)`` with no usertype,
    i.e. X-13's default ``usertype=user`` whose effect stays in the adjusted series."""
    from statsmodels.tsa.x13 import x13_arima_analysis

    from consumption_monitor.seasonal.x13 import binary_path

    series, _, _ = synthetic()
    exog = holiday_regressors(WINDOWS, "2012-01", "2024-12", forecast_months=0)
    endog = series.copy()
    endog.index = endog.index.to_timestamp()
    exog.index = endog.index
    spec = x13_arima_analysis(endog, exog=exog, speconly=True, x12path=str(binary_path()))
    assert "user = (sf_pre10 sf_hol)" in spec
    assert "usertype" not in spec
    ours = build_spec(
        series.to_numpy(),
        series.index[0],
        12,
        regressors=[RegressorSpec(exog.set_axis(series.index), ("holiday", "holiday"))],
    )
    assert "usertype=(holiday holiday)" in ours


def test_adjust_many_records_a_failing_series_and_keeps_the_rest() -> None:
    import numpy as np
    import pandas as pd

    from consumption_monitor.errors import ConsumptionMonitorError
    from consumption_monitor.seasonal import adjust_many

    idx = pd.period_range("2016-01", "2023-12", freq="M")
    rng = np.random.default_rng(1)
    good = pd.Series(100 * np.exp(np.linspace(0, 0.4, len(idx)) + rng.normal(0, 0.01, len(idx))),
                     index=idx)  # fmt: skip
    short = good.iloc[:20]  # under three years: X-13 refuses it
    series = {"good": good, "short": short}
    with pytest.raises(ConsumptionMonitorError):
        adjust_many(series, working_days=False, windows=[], janfeb="monthly")
    failures: dict[str, str] = {}
    done = adjust_many(series, working_days=False, windows=[], janfeb="monthly", failures=failures)
    assert list(done) == ["good"]
    assert set(failures) == {"short"}
    assert failures["short"]
