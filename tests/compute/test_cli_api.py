"""`cmon indicator list/show`, `cmon compute` and `consumption_monitor.indicator()`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import consumption_monitor as cm
from consumption_monitor.compute import FrameSource, compute, write_result
from consumption_monitor.config import get_settings, load_settings
from consumption_monitor.engine import connect

from .conftest import V1, lake_frames  # type: ignore[import-not-found]


@pytest.fixture
def stored(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    settings = load_settings(data_dir=tmp_path)
    result = compute(
        settings,
        as_of=V1,
        con=connect(load_settings(duckdb_threads=1)),
        source=FrameSource(lake_frames()),
        codes=["retail_sales", "ent_retail_sales", "tourists"],
    )
    write_result(settings, result)
    yield settings
    get_settings.cache_clear()


def test_python_api(stored) -> None:  # type: ignore[no-untyped-def]
    df = cm.indicator("retail_sales", region="天津", start="2024-02", basis="month")
    assert isinstance(df, pd.DataFrame)
    assert df.period.tolist() == ["2024-02", "2024-03", "2024-04", "2024-05"]
    heping = cm.indicator("ent_retail_sales", region="和平区", start="2024")
    assert set(heping.region) == {"120101"} and (heping.period >= "2024").all()


def test_cli_list_and_show(stored) -> None:  # type: ignore[no-untyped-def]
    from consumption_monitor.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["indicator", "list", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["count"] >= 40
    out = runner.invoke(
        app,
        [
            "indicator",
            "show",
            "retail_sales",
            "--region",
            "120000",
            "--from",
            "2024-03",
            "--to",
            "2024-04",
            "--basis",
            "month",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)["data"]
    assert [(r["period"], r["yoy_pct"]) for r in data][1] == ("2024-04", 1.9)
    out = runner.invoke(app, ["indicator", "show", "retail_sales", "--basis", "ytd", "--csv"])
    assert out.stdout.splitlines()[0].startswith("indicator,region,period,basis")
    out = runner.invoke(
        app, ["indicator", "show", "retail_sales", "--basis", "ytd", "--lang", "zh"]
    )
    assert out.exit_code == 0 and "亿元" in out.stdout
    out = runner.invoke(app, ["indicator", "show", "nope"])
    assert out.exit_code == 4  # NOT_FOUND


def test_cli_compute_on_an_empty_lake(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from consumption_monitor.cli import app

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["compute", "--as-of", "2024-05-20", "--json"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["vintage"] == "2024-05-20"
        assert list((tmp_path / "lake" / "_derived" / "indicators").glob("vintage=2024-05-20/*"))
        # Without --json the command draws its progress bar (on stderr) and prints the table.
        out = CliRunner().invoke(app, ["compute", "--as-of", "2024-05-20", "--lang", "en"])
        assert out.exit_code == 0, out.output
        assert "indicator" in out.stdout and "vintage=2024-05-20" in out.stdout.replace("\n", "")
    finally:
        get_settings.cache_clear()


def test_compute_reports_its_progress(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`progress_to` sees every indicator prepared, then every expression run, in order; the
    card cells are aggregated while the first card indicator is prepared."""
    from consumption_monitor.compute import progress_to

    calls: list[tuple[str, int, int]] = []
    codes = ["retail_sales", "card_spending", "night_spending_share", "tourists"]
    with progress_to(lambda stage, done, total: calls.append((stage, done, total))):
        result = compute(
            load_settings(data_dir=tmp_path),
            as_of=V1,
            con=connect(load_settings(duckdb_threads=1)),
            source=FrameSource(lake_frames()),
            codes=codes,
        )
    assert {"card_spending", "night_spending_share"} <= set(result.table.indicator)
    prepare = [c for c in calls if c[0] == "prepare"]
    run = [c for c in calls if c[0] == "run"]
    assert prepare == [("prepare", i, len(codes)) for i in range(len(codes) + 1)]
    n = len(run) - 1  # expressions run (post-step indicators have none)
    assert run == [("run", i, n) for i in range(n + 1)] and n >= 3
    assert calls == prepare + run
    # Outside the block nothing is reported.
    compute(
        load_settings(data_dir=tmp_path),
        as_of=V1,
        con=connect(load_settings(duckdb_threads=1)),
        source=FrameSource(lake_frames()),
        codes=["tourists"],
    )
    assert len(calls) == len(prepare) + len(run)
