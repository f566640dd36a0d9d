"""Issue 19: reads never see a vintage after their as-of date; `--as-of` works from stored
vintages without a manual recompute; `cmon indicator revisions` lists old → new values."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import consumption_monitor as cm
from consumption_monitor.compute import compute, read_result, write_result
from consumption_monitor.compute.asof import read_as_of, revisions
from consumption_monitor.config import get_settings, load_settings
from consumption_monitor.errors import NotFoundError

DATA = Path(__file__).parents[1] / "compute" / "data" / "nbs_retail_sales.csv"
V1, V2 = date(2026, 1, 31), date(2026, 2, 28)


def _revised(tmp_path: Path) -> Path:
    """The same release with 2025年1-11月 revised from 456067 to 456100 亿元."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if ",retail_sales,2025-11," in ln and ",ytd," in ln]
    assert len(keep) == 2, keep
    keep[1] = keep[1].replace(",456067,", ",456100,")
    out = tmp_path / "revised.csv"
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def _ytd_nov(frame) -> float:  # type: ignore[no-untyped-def]
    rows = frame[(frame.indicator == "retail_sales") & (frame.period == "2025-11")]
    return float(rows[rows.basis == "ytd"].value.iloc[0])


def test_a_future_vintage_is_not_what_a_plain_read_sees(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    cm.ingest(DATA, "official_stats", vintage=V1, settings=settings)
    write_result(settings, compute(settings, as_of=V1, codes=["retail_sales"]))
    future = date.today() + timedelta(days=400)
    write_result(settings, compute(settings, as_of=future, codes=["retail_sales"]))
    assert set(read_result(settings).vintage) == {V1}  # old code: the future folder
    assert set(read_result(settings, as_of=future).vintage) == {future}


def test_as_of_reads_from_the_lake_without_a_manual_recompute(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    cm.ingest(DATA, "official_stats", vintage=V1, settings=settings)
    # nothing computed yet: the old read raised "no computed indicators" (targets: all no-data)
    table = read_as_of(settings, date(2026, 2, 15))
    assert _ytd_nov(table) == 456067.0
    assert set(read_result(settings, as_of=date(2026, 2, 15)).vintage) == {date(2026, 2, 15)}
    with pytest.raises(NotFoundError):
        read_as_of(settings, date(2025, 12, 31))  # nothing was known then
    # a stored vintage that saw other batches than the date's is not reused
    cm.ingest(_revised(tmp_path), "official_stats", vintage=V2, settings=settings)
    assert _ytd_nov(read_as_of(settings, date(2026, 3, 1))) == 456100.0
    assert _ytd_nov(read_as_of(settings, date(2026, 2, 15))) == 456067.0


def test_cli_indicator_show_as_of_and_revisions(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from consumption_monitor.cli import app

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    settings = load_settings(data_dir=tmp_path)
    cm.ingest(DATA, "official_stats", vintage=V1, settings=settings)
    runner = CliRunner(env={"COLUMNS": "200"})
    args = ["indicator", "show", "retail_sales", "--region", "全国", "--basis", "ytd", "--json"]
    shown = runner.invoke(app, [*args, "--as-of", "2026-02-10"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["count"] > 0
    cm.ingest(_revised(tmp_path), "official_stats", vintage=V2, settings=settings)
    assert runner.invoke(app, [*args, "--as-of", "2026-03-05"]).exit_code == 0
    found = revisions(settings, "retail_sales", "100000")
    nov = [r for r in found if (r.period, r.basis) == ("2025-11", "ytd")]
    assert len(nov) == 1
    assert (nov[0].old_vintage, nov[0].old_value) == (date(2026, 2, 10), 456067.0)
    assert (nov[0].new_vintage, nov[0].new_value) == (date(2026, 3, 5), 456100.0)
    out = runner.invoke(
        app, ["indicator", "revisions", "retail_sales", "--region", "全国", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    rows = [r for r in data["data"] if (r["period"], r["basis"]) == ("2025-11", "ytd")]
    assert rows == [{
        "region": "100000", "period": "2025-11", "basis": "ytd",
        "old_vintage": "2026-02-10", "old_value": 456067.0,
        "new_vintage": "2026-03-05", "new_value": 456100.0,
    }]  # fmt: skip
    table = runner.invoke(app, ["indicator", "revisions", "retail_sales", "--lang", "zh"])
    assert table.exit_code == 0 and "原版本" in table.output
    get_settings.cache_clear()
