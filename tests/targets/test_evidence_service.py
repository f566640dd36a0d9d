"""Evidence read from the long indicator table, and `cmon targets` end to end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from consumption_monitor.plan import load_plan
from consumption_monitor.targets.evidence import latest_task_progress, series_evidence
from consumption_monitor.targets.service import target_reports
from consumption_monitor.targets.status import Status
from consumption_monitor.targets.units import scale

CITY = "120000"
PATTERN = np.array([0.150, 0.075, 0.076, 0.080, 0.079, 0.078, 0.079, 0.081, 0.088, 0.092, 0.122])
MONTHS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]


def _ytd_rows(indicator: str, annual: dict[int, float], last_month: dict[int, int]) -> list[dict]:
    rows = []
    for year, level in annual.items():
        cum = np.cumsum(PATTERN) * level
        for i, month in enumerate(MONTHS):
            if month > last_month.get(year, 12):
                break
            rows.append({
                "indicator": indicator, "region": CITY, "period": f"{year}-{month:02d}",
                "basis": "ytd", "dim": "", "dim_value": "", "value": float(cum[i]),
                "yoy_pct": 5.0,
            })  # fmt: skip
    return rows


def test_series_evidence_reads_annual_ytd_and_pattern() -> None:
    table = pd.DataFrame(_ytd_rows("tourists", {2023: 20000, 2024: 22000, 2025: 24000}, {2025: 9}))
    ev = series_evidence(table, "tourists", CITY)
    assert ev.annual == pytest.approx({2023: 20000, 2024: 22000})
    assert ev.ytd is not None
    year, month, value = ev.ytd
    assert (year, month) == (2025, 9)
    assert value == pytest.approx(24000 * PATTERN[:8].sum())
    assert ev.cumulative_by_year[2024][-1] == pytest.approx(22000)
    assert ev.growth == {2023: 5.0, 2024: 5.0}


def test_month_rows_are_summed_and_january_folds_into_jan_feb() -> None:
    rows = [
        {"indicator": "first_stores_new", "region": CITY, "period": p, "basis": "month",
         "dim": "", "dim_value": "", "value": v, "yoy_pct": None}
        for p, v in [("2025-01", 10.0), ("2025-02", 15.0), ("2025-03", 30.0), ("2025-04", 20.0)]
    ]  # fmt: skip
    ev = series_evidence(pd.DataFrame(rows), "first_stores_new", CITY)
    assert ev.ytd == (2025, 4, 75.0)
    assert ev.cumulative_by_year[2025][:3] == [25.0, 55.0, 75.0]


def test_other_regions_and_breakdowns_are_ignored() -> None:
    rows = _ytd_rows("tourists", {2024: 100.0}, {})
    rows.append({**rows[-1], "region": "120101", "value": 1e9})
    rows.append({**rows[-1], "region": CITY, "dim": "category", "dim_value": "x", "value": 1e9})
    ev = series_evidence(pd.DataFrame(rows), "tourists", CITY)
    assert ev.annual == pytest.approx({2024: 100.0})


def test_unit_conversion_between_indicator_and_target() -> None:
    assert scale("wan_persons", "亿人次") == pytest.approx(1e-4)
    assert scale("count", "家") == 1.0
    assert scale("percent", "fraction") == 1.0
    with pytest.raises(ValueError, match="cannot convert"):
        scale("yi_yuan", "亿人次")


def test_latest_task_progress_takes_each_units_latest_report() -> None:
    columns = ["task_id", "period", "reporting_unit", "status", "percent"]
    progress = pd.DataFrame(
        [
            ["5", "2025-06", "commerce", "in_progress", 40.0],
            ["5", "2025-09", "commerce", "in_progress", 70.0],
            ["5", "2025-09", "120101", "completed", None],
            ["6", "2025-09", "commerce", "in_progress", 10.0],
        ],
        columns=columns,
    )
    assert sorted(latest_task_progress(progress, [5])) == [70.0, 100.0]


def test_reports_for_the_whole_plan_from_a_small_table() -> None:
    plan = load_plan()
    # Tourists (万人次 in the catalog) against 2.5 亿人次 in 2025: 26,000 万 = 2.6 亿 → achieved.
    table = pd.DataFrame(_ytd_rows("tourists", {2023: 22000, 2024: 23500, 2025: 26000}, {}))
    reports = {
        r.target.id: r
        for r in target_reports(table, pd.DataFrame(), plan, date(2026, 2, 1), region=CITY)
    }
    assert len(reports) == len(plan.targets)
    tourists = reports["T-tourists"]
    assert tourists.values[0].status is Status.ACHIEVED
    assert tourists.values[0].current == pytest.approx(2.6)
    assert "commerce" not in tourists.units or tourists.units[0] != "commerce"
    assert reports["T-upgrade-share"].values[0].status is Status.NO_DATA


def test_cli_targets_json_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from consumption_monitor.cli import app
    from consumption_monitor.compute.runner import ComputeResult, write_result
    from consumption_monitor.config import get_settings, load_settings

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    table = pd.DataFrame(
        _ytd_rows("tourists", {2022: 20000, 2023: 22000, 2024: 23500, 2025: 26000}, {2025: 10})
    )
    from consumption_monitor.compute.runner import COLUMNS

    for column in COLUMNS:
        if column not in table.columns:
            table[column] = None
    table["vintage"] = date(2025, 11, 15)
    result = ComputeResult(table[list(COLUMNS)], date(2025, 11, 15))
    write_result(load_settings(data_dir=tmp_path), result)
    runner = CliRunner()
    out = runner.invoke(app, ["targets", "--json", "--as-of", "2025-11-20"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["count"] == len(load_plan().targets)
    tourists = next(t for t in data["data"] if t["id"] == "T-tourists")
    assert tourists["values"][0]["status"] in {"achieved", "on_track"}
    shown = runner.invoke(app, ["target", "show", "T-tourists", "--json", "--as-of", "2025-11-20"])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.output)
    assert detail["history"]["2024"] == pytest.approx(2.35)
    assert set(detail["backtest"]) == {"seasonal_share", "run_rate", "growth_by_month"}
    # derived growth: 2024 and 2025 have an earlier year; 2025's calls need two earlier years
    assert all(row["calls"] > 0 for row in detail["backtest"]["growth_by_month"].values())
    missing = runner.invoke(app, ["target", "show", "T-nope"])
    assert missing.exit_code == 4
    only_risky = runner.invoke(
        app, ["targets", "--json", "--status", "off_track", "--as-of", "2025-11-20"]
    )
    assert all(
        any(v["status"] == "off_track" for v in t["values"])
        for t in json.loads(only_risky.output)["data"]
    )
    get_settings.cache_clear()


def test_parity_reads_gdp_fourth_quarter_releases_over_the_plan_years() -> None:
    plan = load_plan()
    rows = [
        {"indicator": "retail_sales", "region": CITY, "period": str(y), "basis": "year",
         "dim": "", "dim_value": "", "value": 4000.0, "yoy_pct": g}
        for y, g in ((2024, 9.0), (2025, 4.0), (2026, 4.4))
    ] + [
        {"indicator": "gdp", "region": CITY, "period": f"{y}-Q4", "basis": "ytd",
         "dim": "", "dim_value": "", "value": 18000.0, "yoy_pct": g}
        for y, g in ((2024, 5.0), (2025, 5.0), (2026, 5.0))
    ]  # fmt: skip
    reports = target_reports(
        pd.DataFrame(rows), pd.DataFrame(), plan, date(2027, 3, 1), region=CITY
    )
    parity = next(r for r in reports if r.target.id == "T-retail-sales-growth-parity")
    # 2024 lies before the plan (2025–2027) and is left out: gaps −1.0 and −0.6 → −0.8 pp.
    assert parity.values[0].current == pytest.approx(-0.8)
    assert parity.values[0].status is Status.AT_RISK
    assert "个百分点" in parity.values[0].explanation_zh
