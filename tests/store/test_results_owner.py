"""The stored indicator table is filtered in one place: ``store/results.py: select``.

A source scan of the modules that read the table (pages, reports, targets, seasonal adjustment,
evaluation, the CLI's query, revisions): none compares or matches a key column of it
(``indicator``, ``region``, ``basis``, ``dim``, ``dim_value``) itself, so null breakdowns are
handled the same way everywhere.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from consumption_monitor.config import Settings
from consumption_monitor.store.results import (
    cached_result,
    read_result,
    select,
    series,
    write_result,
)

SRC = Path(__file__).parents[2] / "src" / "consumption_monitor"
READERS = (
    "compute/query.py",
    "compute/asof.py",
    "report/data.py",
    "web/indicator_data.py",
    "web/map_data.py",
    "web/analysis_data.py",
    "web/bigscreen_data.py",
    "targets/evidence.py",
    "targets/catalog_evidence.py",
    "seasonal/stored.py",
    "evaluate/inputs.py",
)
KEYS = {"indicator", "region", "basis", "dim", "dim_value"}


def _key_column(node: ast.AST) -> str | None:
    """``t["dim"]`` or ``t.dim`` → ``"dim"``; anything else → None."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value if node.slice.value in KEYS else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.attr in KEYS else None
    return None


def _ad_hoc_filters(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if (col := _key_column(side)) is not None:
                    found.append(f"line {node.lineno}: compares {col}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("isin", "fillna")
            and (col := _key_column(node.func.value)) is not None
        ):
            found.append(f"line {node.lineno}: {node.func.attr} on {col}")
    return found


def test_readers_do_not_filter_the_table_themselves() -> None:
    offenders = {name: _ad_hoc_filters(SRC / name) for name in READERS}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_sees_an_ad_hoc_filter(tmp_path: Path) -> None:
    sample = tmp_path / "reader.py"
    sample.write_text(
        'rows = t[(t["indicator"] == "x") & (t.dim == "")]\nd = t["dim"].fillna("")\n',
        encoding="utf-8",
    )
    assert len(_ad_hoc_filters(sample)) == 3


TABLE = pd.DataFrame(
    {
        "indicator": ["retail_sales"] * 4 + ["gdp"],
        "region": ["120000", "120000", "120101", "120000", "120000"],
        "period": ["2025-01", "2025-02", "2025-02", "2025-02", "2025"],
        "basis": ["ytd", "ytd", "ytd", "ytd", "year"],
        "dim": [None, "", "", "category", ""],
        "dim_value": [None, "", "", "food", ""],
        "value": [1.0, 2.0, 3.0, 4.0, 5.0],
    }
)


def test_select_treats_null_breakdowns_as_totals() -> None:
    totals = select(TABLE, "retail_sales", region="120000")
    assert totals["value"].tolist() == [1.0, 2.0]
    assert select(TABLE, "retail_sales", dim=None)["value"].tolist() == [1.0, 2.0, 3.0, 4.0]
    food = select(TABLE, dim="category", dim_value="food")
    assert food["value"].tolist() == [4.0]
    # bounds compare on their own length: 2025 keeps every period of 2025
    both = select(TABLE, ["retail_sales", "gdp"], region={"120000"}, start="2025")
    assert both["value"].tolist() == [1.0, 2.0, 5.0]
    assert select(TABLE, "retail_sales", end="2025-01")["value"].tolist() == [1.0]
    assert select(TABLE.drop(columns=["dim", "dim_value"]), "gdp")["value"].tolist() == [5.0]
    assert select(None, "gdp").empty


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    from consumption_monitor.compute.steps import ComputeResult
    from consumption_monitor.config import get_settings, load_settings
    from consumption_monitor.store.results import COLUMNS

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    settings = load_settings(data_dir=tmp_path)
    table = TABLE.assign(dim=TABLE["dim"].fillna(""), dim_value=TABLE["dim_value"].fillna(""))
    table = table.reindex(columns=list(COLUMNS)).assign(vintage=date(2025, 3, 1))
    table.loc[table["period"] == "2025-01", "yoy_pct"] = float("inf")  # a zero base
    write_result(settings, ComputeResult(table, date(2025, 3, 1)))
    yield settings
    get_settings.cache_clear()


def test_series_and_the_one_cache(stored: Settings) -> None:
    rows = series(stored, "retail_sales", "120000", "ytd", as_of=date(2025, 3, 1))
    assert rows["period"].tolist() == ["2025-01", "2025-02"]
    first = cached_result(stored)
    assert first is not None
    assert cached_result(stored) is first  # same stored file: the cached frame
    assert len(first) == len(read_result(stored, date(2025, 3, 1)))


def test_an_infinite_cell_is_missing_in_the_json_answer(stored: Settings) -> None:
    from consumption_monitor.cli import app

    out = CliRunner().invoke(app, ["indicator", "show", "retail_sales", "--basis", "ytd", "--json"])
    assert out.exit_code == 0, out.output
    assert "Infinity" not in out.stdout
    rows = {r["period"]: r for r in json.loads(out.stdout)["data"] if r["region"] == "120000"}
    assert rows["2025-01"]["yoy_pct"] is None
    assert rows["2025-01"]["value"] == 1.0
