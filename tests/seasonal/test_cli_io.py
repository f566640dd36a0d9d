"""`cmon seasonal --input` and the period CSV reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.errors import DataValidationError
from consumption_monitor.seasonal.io import read_period_csv

from .test_adjust import janfeb_layout, synthetic


def write_csv(path: Path, monthly: bool = True) -> Path:
    series, _, _ = synthetic()
    if not monthly:
        series = janfeb_layout(series)
    lines = ["period,value"]
    for period, value in series.items():
        if np.isnan(value):
            continue
        text = f"{period.year}-01..02" if (not monthly and period.month == 2) else str(period)
        lines.append(f"{text},{value:.6f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reader_puts_janfeb_total_in_february(tmp_path: Path) -> None:
    series = read_period_csv(write_csv(tmp_path / "s.csv", monthly=False))
    assert np.isnan(series["2013-01"])
    original, _, _ = synthetic()
    assert series["2013-02"] == pytest.approx(original["2013-01"] + original["2013-02"], rel=1e-6)


def test_reader_reports_every_bad_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("period,value\n2024-03,1\nMarch,2\n2024-05,abc\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_period_csv(bad)
    rows = sorted(p.where.row for p in info.value.problems if p.where)
    assert rows == [3, 4]


def test_cli_json_output(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "retail.csv")
    result = CliRunner().invoke(
        app, ["seasonal", "retail_sales", "--input", str(path), "--no-working-days", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["count"] == 156
    assert payload["diagnostics"]["model"].startswith("(")
    assert "spring[" in payload["diagnostics"]["windows"]


def test_cli_table_and_missing_input(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "retail.csv", monthly=False)
    result = CliRunner().invoke(
        app, ["seasonal", "retail_sales", "--input", str(path), "--no-working-days", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "2013Q1" in result.output
    missing = CliRunner().invoke(app, ["seasonal", "retail_sales", "--lang", "en"])
    assert missing.exit_code == 4
