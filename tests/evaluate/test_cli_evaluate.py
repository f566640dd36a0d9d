"""`cmon evaluate` through typer's CliRunner on a small CSV."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from consumption_monitor.cli.evaluate import commands

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """Test shell with the evaluate command only."""

    application.add_typer(commands)
    return application


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    # three districts, two periods; in 2025 和平区 leads on both indicators
    rows = [
        ("和平区", 2024, "a", 1.0),
        ("和平区", 2024, "b", 1.0),
        ("河西区", 2024, "a", 3.0),
        ("河西区", 2024, "b", 3.0),
        ("南开区", 2024, "a", 2.0),
        ("南开区", 2024, "b", 2.0),
        ("和平区", 2025, "a", 3.0),
        ("和平区", 2025, "b", 5.0),
        ("河西区", 2025, "a", 1.0),
        ("河西区", 2025, "b", 2.0),
        ("南开区", 2025, "a", 2.0),
        ("南开区", 2025, "b", 4.0),
    ]
    path = tmp_path / "in.csv"
    pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"]).to_csv(path, index=False)
    return path


@pytest.fixture
def scheme(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(
        """
name: small
title_zh: 小方案
title_en: small scheme
groups: [{code: g, name_zh: 组, name_en: group}]
indicators:
  - {code: a, name_zh: 指标甲, name_en: alpha, group: g, weight: 3}
  - {code: b, name_zh: 指标乙, name_en: beta, group: g, weight: 1}
weights: {method: expert}
""",
        encoding="utf-8",
    )
    return path


def test_table_output(app: typer.Typer, csv: Path, scheme: Path) -> None:
    result = runner.invoke(
        app, ["evaluate", "--scheme", str(scheme), "--period", "2025", "--input", str(csv)]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "和平区" in out and "100.00" in out  # best on both indicators → full marks
    assert "↑2" in out  # 和平区 was last in 2024
    assert "指标甲" in out  # weights table and explanation use indicator names


def test_json_output_with_sensitivity(app: typer.Typer, csv: Path, scheme: Path) -> None:
    args = ["evaluate", "--scheme", str(scheme), "--input", str(csv), "--json", "--lang", "en"]
    result = runner.invoke(app, [*args, "--sensitivity", "50", "--seed", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["method"]["period"] == "2025"
    top = data["scores"][0]
    assert top["unit"] == "和平区" and top["rank"] == 1 and top["rank_change"] == 2
    assert top["score"] == pytest.approx(100.0)
    assert [w["weight"] for w in data["weights"]] == pytest.approx([0.75, 0.25])
    shares = [u["rank_kept_share"] for u in data["sensitivity"]["units"]]
    assert all(0 <= s <= 1 for s in shares)
    again = runner.invoke(app, [*args, "--sensitivity", "50", "--seed", "3"])
    assert json.loads(again.stdout) == data


def test_xlsx_workbook(app: typer.Typer, csv: Path, scheme: Path, tmp_path: Path) -> None:
    book = tmp_path / "out.xlsx"
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--scheme",
            str(scheme),
            "--input",
            str(csv),
            "--xlsx",
            str(book),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["scores", "explanation", "weights", "method"]
    scores = list(wb["scores"].iter_rows(values_only=True))
    assert scores[0][:3] == ("rank", "unit", "score") and scores[1][1] == "和平区"
    assert len(list(wb["explanation"].iter_rows())) == 1 + 3 * 2


def test_errors_exit_with_meaningful_codes(app: typer.Typer, csv: Path, scheme: Path) -> None:
    missing = runner.invoke(app, ["evaluate", "--scheme", "nope", "--input", str(csv)])
    assert missing.exit_code == 4
    assert "nope" in missing.stderr
    no_input = runner.invoke(app, ["evaluate", "--scheme", str(scheme), "--json"])
    assert no_input.exit_code == 1
    assert json.loads(no_input.stdout)["error"]["code"] == "evaluation"
    bad_period = runner.invoke(
        app, ["evaluate", "--scheme", str(scheme), "--input", str(csv), "--period", "1999"]
    )
    assert bad_period.exit_code == 4


def test_refused_data_exit_code(app: typer.Typer, scheme: Path, tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text(
        "unit,period,indicator,value\nX,2025,a,1\nY,2025,a,2\nY,2025,b,3\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["evaluate", "--scheme", str(scheme), "--input", str(path)])
    assert result.exit_code == 3
    assert "X / 2025" in result.stderr and "'b'" in result.stderr
