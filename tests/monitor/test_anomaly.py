"""Anomaly detection on synthetic daily series with known breaks, and feed gaps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.calendar import holiday_block
from consumption_monitor.monitor.anomaly import (
    day_kinds,
    detect,
    detect_series,
    feed_gaps,
    score_series,
    series_metrics,
)

START, END = dt.date(2024, 1, 1), dt.date(2025, 10, 31)
DATES = [START + dt.timedelta(days=i) for i in range((END - START).days + 1)]
WEEKDAY = np.array([0.95, 0.93, 0.94, 0.96, 1.02, 1.15, 1.10])


def _series(seed: int = 0, holiday_lift: dict[int, float] | None = None) -> np.ndarray:
    """Weekday pattern × noise (2 %); days of National Day blocks × lift per year.

    A weekend day worked in lieu (调休) behaves like a midweek working day."""
    rng = np.random.default_rng(seed)
    adjusted = {d for d, k in zip(DATES, day_kinds(DATES).kind, strict=True) if k == "adjusted"}
    v = np.array([1000.0 * WEEKDAY[2 if d in adjusted else d.weekday()] for d in DATES])
    v *= rng.normal(1.0, 0.02, len(v))
    for year, lift in (holiday_lift or {}).items():
        for d in holiday_block(f"{year}-national-day").dates():
            v[DATES.index(d)] *= lift
    return v


def _scored(found: list[dict[str, object]], since: dt.date) -> list[dict[str, object]]:
    return [f for f in found if f["end"] >= since]  # type: ignore[operator]


def test_clean_series_gives_no_alarm_and_spike_and_dip_are_found() -> None:
    lift = {2024: 1.5, 2025: 1.5}
    clean = _series(1, lift)
    assert _scored(detect_series(DATES, clean), dt.date(2024, 3, 1)) == []
    broken = clean.copy()
    spike, dip = DATES.index(dt.date(2025, 6, 11)), DATES.index(dt.date(2025, 8, 20))
    broken[spike] *= 5
    broken[dip] *= 0.05
    found = _scored(detect_series(DATES, broken), dt.date(2024, 3, 1))
    kinds = {(f["kind"], f["start"]) for f in found}
    assert kinds == {("spike", dt.date(2025, 6, 11)), ("dip", dt.date(2025, 8, 20))}


def test_holiday_days_are_compared_with_last_years_holiday() -> None:
    lifted = _series(2, {2024: 1.6, 2025: 1.6})
    z = score_series(lifted, day_kinds(DATES)).z
    nd = [DATES.index(d) for d in holiday_block("2025-national-day").dates()]
    assert np.all(np.abs(z[nd]) < 4)  # a normal golden week is not an anomaly
    # compared with ordinary weeks the same days would all look like spikes:
    ordinary = np.array([np.median(lifted[i - 28 : i : 7]) for i in nd])
    assert np.all(lifted[nd] / ordinary > 1.4)
    weak = _series(2, {2024: 1.6, 2025: 0.8})  # 2025's golden week collapses
    found = detect_series(DATES, weak)
    assert any(
        f["start"] in holiday_block("2025-national-day").dates() and f["score"] < -4 for f in found
    )


def test_level_shift_is_found() -> None:
    v = _series(3)
    cut = DATES.index(dt.date(2025, 9, 1))
    v[cut:] *= 0.7
    found = [f for f in detect_series(DATES, v) if f["kind"] == "level_shift"]
    assert found and dt.date(2025, 9, 1) <= found[0]["start"] <= dt.date(2025, 9, 20)
    assert found[0]["score"] < 0


def test_detect_reads_missing_days_as_zero_when_the_side_has_data() -> None:
    v = _series(4)
    frame = pd.DataFrame({"date": DATES, "value": v}).assign(
        side="card", indicator="card_txns", region="120101", dim="", dim_value=""
    )
    other = frame.assign(region="120102")
    outage = dt.date(2025, 7, 8)
    frame = frame[frame.date != outage]  # 120101 sends nothing that day; 120102 does
    found = detect(pd.concat([frame, other]), since=dt.date(2025, 1, 1))
    assert [(d.kind, d.series["region"], d.start) for d in found] == [("dip", "120101", outage)]


def test_feed_gaps() -> None:
    days = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(30)]
    rows = [("A", d) for d in days]
    rows += [("B", d) for d in days if d != dt.date(2025, 3, 10)]  # one day: no gap
    rows += [("C", d) for d in days if not dt.date(2025, 3, 10) <= d <= dt.date(2025, 3, 12)]
    rows += [("D", d) for d in days if d < dt.date(2025, 3, 25)]  # stopped
    reports = pd.DataFrame(rows, columns=["enterprise_id", "date"])
    gaps = feed_gaps(reports, unit="enterprise_id", as_of=days[-1], min_days=2)
    got = {(g.series["dim_value"], g.start, g.end, g.extra["open"]) for g in gaps}
    assert got == {
        ("C", dt.date(2025, 3, 10), dt.date(2025, 3, 12), False),
        ("D", dt.date(2025, 3, 25), dt.date(2025, 3, 30), True),
    }


def test_series_metrics_yoy_is_same_weekday_last_year() -> None:
    v = np.full(len(DATES), 100.0)
    v[DATES.index(dt.date(2025, 5, 14))] = 130.0
    frame = pd.DataFrame({"date": DATES, "value": v}).assign(
        side="key_enterprise", indicator="ke_sales", region="120000", dim="", dim_value=""
    )
    m = series_metrics(frame).set_index("date")
    assert m.loc[dt.date(2025, 5, 14), "yoy_pct"] == pytest.approx(30.0)
    assert m.loc[dt.date(2025, 5, 15), "yoy_pct"] == pytest.approx(0.0)
    assert np.isnan(m.loc[dt.date(2024, 5, 14), "yoy_pct"])  # no data a year before
