"""The consumption scheme nested in a 高质量发展综合绩效 scheme: the worked example of
docs/evaluation.md, checked by hand-computed figures and by a naive fine grid."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from consumption_monitor.cli.composite import commands, parse_weights
from consumption_monitor.errors import DataValidationError
from consumption_monitor.evaluate import evaluate, load_scheme
from consumption_monitor.evaluate.composite import (
    CompositeScheme,
    crossovers,
    evaluate_composite,
    load_composite,
    sweep,
)

#: The worked example: consumption block weight 0.2 in the file, the other blocks 0.32/0.24/0.24
#: (relative 0.4/0.3/0.3).
EXAMPLE = {
    "name": "example",
    "title_zh": "示例",
    "title_en": "example",
    "blocks": [
        {"code": "economy", "name_zh": "经济发展", "name_en": "Economy", "weight": 0.32},
        {"code": "innovation", "name_zh": "创新驱动", "name_en": "Innovation", "weight": 0.24},
        {"code": "livelihood", "name_zh": "民生保障", "name_en": "Livelihoods", "weight": 0.24},
        {
            "code": "consumption",
            "name_zh": "促消费工作",
            "name_en": "Consumption",
            "weight": 0.20,
            "scheme": "district_default",
        },
    ],
    "consumption_block": "consumption",
    "sweep": [0.1, 0.2, 0.3],
}
#: unit: (consumption, economy, innovation, livelihood)
SCORES = {
    "和平区": (90, 70, 60, 80),
    "河西区": (60, 85, 80, 75),
    "南开区": (75, 80, 70, 70),
    "河东区": (40, 65, 75, 85),
}


def _table() -> pd.DataFrame:
    rows = []
    for unit, values in SCORES.items():
        for code, v in zip(
            ("consumption", "economy", "innovation", "livelihood"), values, strict=True
        ):
            rows.append((unit, "2025", code, float(v)))
    return pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"])


@pytest.fixture
def scheme() -> CompositeScheme:
    return CompositeScheme.model_validate(EXAMPLE)


def test_worked_example_scores_and_ranks(scheme: CompositeScheme) -> None:
    result = evaluate_composite(scheme, _table(), "2025")
    assert result.weight == pytest.approx(0.2)
    # by hand: 和平区 0.2·90 + 0.8·(0.4·70 + 0.3·60 + 0.3·80) = 18 + 0.8·70 = 74.0
    got = dict(zip(result.units, result.scores.tolist(), strict=True))
    assert got == pytest.approx({"和平区": 74.0, "河西区": 76.4, "南开区": 74.2, "河东区": 67.2})
    ranks = dict(zip(result.units, result.ranks.tolist(), strict=True))
    assert ranks == {"河西区": 1, "南开区": 2, "和平区": 3, "河东区": 4}
    assert result.weights == pytest.approx(
        {"consumption": 0.2, "economy": 0.32, "innovation": 0.24, "livelihood": 0.24}
    )


def test_sweep_moves_the_ranking(scheme: CompositeScheme) -> None:
    result = evaluate_composite(scheme, _table(), "2025")
    grid = sweep(result)
    at = {w: dict(zip(g["unit"], g["rank"], strict=True)) for w, g in grid.groupby("weight")}
    assert at[0.1] == {"河西区": 1, "南开区": 2, "和平区": 3, "河东区": 4}
    # at 30 %: 和平区 27 + 0.7·70 = 76.0 leads, 河西区 74.35, 南开区 74.3
    assert at[0.3] == {"和平区": 1, "河西区": 2, "南开区": 3, "河东区": 4}


def test_crossovers_by_hand_and_by_a_fine_grid(scheme: CompositeScheme) -> None:
    result = evaluate_composite(scheme, _table(), "2025")
    swaps = crossovers(result)
    pairs = {(r.gains, r.loses): r.weight for r in swaps.itertuples()}
    # C(w) = O + w(S − O): 和平区 70 + 20w, 河西区 80.5 − 20.5w, 南开区 74 + w, 河东区 74 − 34w
    assert pairs == pytest.approx(
        {
            ("和平区", "河东区"): 4 / 54,
            ("和平区", "南开区"): 4 / 19,
            ("和平区", "河西区"): 10.5 / 40.5,
            ("南开区", "河西区"): 6.5 / 21.5,
        }
    )
    # naive oracle: the order of every pair on a 1e-4 grid changes exactly at those weights
    grid = np.linspace(0.0001, 0.9999, 9999)
    units = list(result.units)
    for (gains, loses), w in pairs.items():
        i, j = units.index(gains), units.index(loses)
        ahead = [result.at(float(x))[0][i] > result.at(float(x))[0][j] for x in grid[::50]]
        flips = [float(grid[::50][k]) for k in range(1, len(ahead)) if ahead[k] != ahead[k - 1]]
        assert len(flips) == 1 and abs(flips[0] - w) < 0.006


def test_consumption_block_from_its_scheme() -> None:
    """The consumption block is scored by district_default, and the composite uses that score."""
    scheme = load_composite("hq_development_default")
    sub = load_scheme("district_default")
    rng = np.random.default_rng(7)
    units = ["120101", "120102", "120103", "120104"]
    rows = [(u, "2025", i.code, float(rng.uniform(1, 50))) for u in units for i in sub.indicators]
    rows += [(u, "2025", b.code, float(rng.uniform(50, 95))) for u in units for b in scheme.others]
    data = pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"])
    consumption = evaluate(sub, data, "2025")
    result = evaluate_composite(scheme, data, "2025", consumption=consumption, weight=0.25)
    mine = dict(zip(consumption.units, consumption.scores.tolist(), strict=True))
    other_total = sum(b.weight for b in scheme.others)
    for u, score in zip(result.units, result.scores.tolist(), strict=True):
        part = data[(data["unit"] == u) & data["indicator"].isin([b.code for b in scheme.others])]
        others = sum(
            float(part[part["indicator"] == b.code]["value"].iloc[0]) * b.weight / other_total
            for b in scheme.others
        )
        assert score == pytest.approx(0.25 * mine[u] + 0.75 * others)


def test_missing_and_out_of_range_block_scores_are_refused(scheme: CompositeScheme) -> None:
    table = _table()
    gap = table[~((table["unit"] == "河东区") & (table["indicator"] == "innovation"))]
    with pytest.raises(DataValidationError) as exc:
        evaluate_composite(scheme, gap, "2025")
    assert "河东区" in exc.value.zh and "创新驱动" in exc.value.zh
    high = table.copy()
    high.loc[0, "value"] = 120.0
    with pytest.raises(DataValidationError, match="outside 0–100"):
        evaluate_composite(scheme, high, "2025")
    with pytest.raises(DataValidationError, match="between 0 and 1"):
        evaluate_composite(scheme, table, "2025", weight=1.5)


def test_scheme_file_checks() -> None:
    bad = dict(EXAMPLE, consumption_block="nope")
    with pytest.raises(ValueError, match="consumption_block"):
        CompositeScheme.model_validate(bad)
    assert load_composite("hq_development_default").base_weight == pytest.approx(0.15)


def test_parse_weights_accepts_percent_and_chinese_comma() -> None:
    assert parse_weights("10%，0.2, 30%") == pytest.approx((0.1, 0.2, 0.3))
    with pytest.raises(DataValidationError):
        parse_weights("0.1,abc")


def test_cli_json_and_table(tmp_path: Path, scheme: CompositeScheme) -> None:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test shell."""

    app.add_typer(commands)
    path = tmp_path / "blocks.csv"
    _table().to_csv(path, index=False)
    file = tmp_path / "example.yaml"
    file.write_text(yaml.safe_dump(EXAMPLE, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(
        app,
        ["evaluate-composite", "--scheme", str(file), "--input", str(path), "--json"],
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    top = min(payload["scores"], key=lambda r: r["rank"])
    assert top["name"] == "河西区" and top["score"] == pytest.approx(76.4)
    assert {(c["gains"], c["loses"]) for c in payload["crossovers"]} >= {("120101", "120104")}
    table = runner.invoke(
        app,
        ["evaluate-composite", "--scheme", str(file), "--input", str(path), "--lang", "zh"],
    )
    assert table.exit_code == 0, table.output
    assert "名次交换点" in table.output and "和平区" in table.output
