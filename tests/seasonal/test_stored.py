"""`cmon seasonal CODE` reads the computed indicator table and stores the adjusted series."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from consumption_monitor.config import get_settings, load_settings
from consumption_monitor.seasonal.stored import read_adjusted, stored_series


def _indicator_table() -> pd.DataFrame:
    from consumption_monitor.store.results import COLUMNS

    rng = np.random.default_rng(4)
    rows = []
    for year in range(2015, 2025):
        level = 300 * 1.05 ** (year - 2015)
        for month in range(2, 13):
            value = level * (2.1 if month == 2 else 1.0 + 0.25 * (month == 12))
            rows.append({
                "indicator": "retail_sales", "region": "120000", "period": f"{year}-{month:02d}",
                "basis": "month", "dim": "", "dim_value": "",
                "value": value * (1 + rng.normal(0, 0.01)),
            })  # fmt: skip
    table = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = None
    table["vintage"] = date(2025, 1, 31)
    return table[list(COLUMNS)]


def test_stored_series_and_cli_store_the_adjusted_series(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consumption_monitor.cli import app
    from consumption_monitor.compute.steps import ComputeResult
    from consumption_monitor.store.results import write_result

    settings = load_settings(data_dir=tmp_path)
    write_result(settings, ComputeResult(_indicator_table(), date(2025, 1, 31)))
    series = stored_series(settings, "retail_sales", "120000")
    assert str(series.index[0]) == "2015-01"
    assert np.isnan(series["2016-01"])  # Jan–Feb is one period: the total sits in February
    assert series["2016-02"] > 1.9 * series["2016-03"]

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["seasonal", "retail_sales", "--no-working-days", "--json"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["diagnostics"]["janfeb"] == "quarterly"
    stored = read_adjusted(settings, "retail_sales", "120000")
    assert set(stored["indicator"]) == {"retail_sales_sa"}
    assert stored["period"].iloc[0] == "2015-Q1"
    assert len(stored) == data["count"]
    assert stored["value"].to_numpy() == pytest.approx([r["adjusted"] for r in data["data"]])


def test_missing_series_is_a_clear_error(tmp_path: Path) -> None:
    from consumption_monitor.compute.steps import ComputeResult
    from consumption_monitor.errors import NotFoundError
    from consumption_monitor.store.results import write_result

    settings = load_settings(data_dir=tmp_path)
    write_result(settings, ComputeResult(_indicator_table(), date(2025, 1, 31)))
    with pytest.raises(NotFoundError, match="cmon compute"):
        stored_series(settings, "retail_sales", "120101")
