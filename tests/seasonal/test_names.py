"""`cmon seasonal` takes the catalog's names, and the stored SA series reads back (#18).

Before: `cmon seasonal 社会消费品零售总额` looked for rows whose code is the Chinese name, found
none and advised running `cmon compute` (wrong: the values were there under `retail_sales`);
`cmon indicator show retail_sales_sa` said "unknown indicator" although `cmon seasonal` had
stored it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from consumption_monitor.config import get_settings, load_settings


def _table() -> pd.DataFrame:
    from consumption_monitor.compute.runner import COLUMNS

    rng = np.random.default_rng(7)
    rows = []
    for year in range(2016, 2025):
        level = 300 * 1.05 ** (year - 2016)
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


def test_seasonal_by_chinese_name_and_sa_series_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consumption_monitor.cli import app
    from consumption_monitor.compute.runner import ComputeResult, write_result

    write_result(load_settings(data_dir=tmp_path), ComputeResult(_table(), date(2025, 1, 31)))
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        out = runner.invoke(app, ["seasonal", "社会消费品零售总额", "--no-working-days", "--json"])
        assert out.exit_code == 0, out.output
        adjusted = json.loads(out.stdout)
        assert adjusted["code"] == "retail_sales"
        shown = runner.invoke(app, ["indicator", "show", "retail_sales_sa", "--json"])
        assert shown.exit_code == 0, shown.output
        data = json.loads(shown.stdout)
        assert data["indicator"]["code"] == "retail_sales_sa"
        assert data["indicator"]["name_zh"] == "社会消费品零售总额（季节调整）"
        assert data["data"][0]["period"] == "2016-Q1"
        assert [r["value"] for r in data["data"]] == pytest.approx(
            [r["adjusted"] for r in adjusted["data"]]
        )
        text = runner.invoke(app, ["indicator", "show", "retail_sales_sa", "--lang", "zh"])
        assert text.exit_code == 0 and "季节调整" in text.stdout
        unknown = runner.invoke(app, ["seasonal", "不存在的指标", "--json"])
        assert unknown.exit_code == 4 and "cmon compute" not in unknown.output
    finally:
        get_settings.cache_clear()
