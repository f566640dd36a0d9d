"""`cmon batches list | show | revert | gc` through typer's CliRunner (SQLite, tmp data dir)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from consumption_monitor.cli.batches import commands
from consumption_monitor.config import get_settings, load_settings
from consumption_monitor.store import Store

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[typer.Typer, Store]]:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    monkeypatch.setenv("CMON_LANG", "en")
    get_settings.cache_clear()
    app = typer.Typer()
    app.add_typer(commands)
    store = Store(load_settings())
    table = pa.table(
        {
            "region": ["120000"],
            "indicator": ["retail_sales"],
            "period": ["2024-01"],
            "value": [100.0],
            "basis": ["month"],
        }
    )
    store.write_batch(
        "official_stats", table, vintage=date(2024, 2, 15), content_hash="h1", source="jan.xlsx"
    )
    store.write_batch(
        "official_stats",
        table.set_column(3, "value", pa.array([101.0])),
        vintage=date(2024, 3, 15),
        content_hash="h2",
        source="feb.xlsx",
    )
    yield app, store
    store.close()
    get_settings.cache_clear()


def test_list_and_show_as_json(cli: tuple[typer.Typer, Store]) -> None:
    app, _ = cli
    runner = CliRunner()
    out = runner.invoke(app, ["batches", "list", "--json"])
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    assert listed["count"] == 2
    assert [b["source"] for b in listed["data"]] == ["jan.xlsx", "feb.xlsx"]
    out = runner.invoke(app, ["batches", "list", "--dataset", "events", "--json"])
    assert json.loads(out.stdout)["count"] == 0
    out = runner.invoke(app, ["batches", "show", str(listed["data"][1]["id"]), "--json"])
    shown = json.loads(out.stdout)
    assert shown["vintage"] == "2024-03-15" and shown["status"] == "committed"
    assert shown["files"][0].startswith("official_stats/period=2024-01/")
    table_out = runner.invoke(app, ["batches", "list"])
    assert table_out.exit_code == 0 and "2 batches" in table_out.stdout


def test_show_unknown_batch_exits_not_found(cli: tuple[typer.Typer, Store]) -> None:
    app, _ = cli
    out = CliRunner().invoke(app, ["batches", "show", "999", "--json"])
    assert out.exit_code == 4
    assert json.loads(out.stdout)["error"]["code"] == "not_found"
    out = CliRunner().invoke(app, ["batches", "list", "--dataset", "nope"])
    assert out.exit_code == 4


def test_revert_hides_the_batch_and_requires_a_reason(cli: tuple[typer.Typer, Store]) -> None:
    app, store = cli
    runner = CliRunner()
    second = store.list_batches()[1]
    assert runner.invoke(app, ["batches", "revert", str(second.id)]).exit_code == 2
    out = runner.invoke(
        app, ["batches", "revert", str(second.id), "--reason", "wrong unit", "--by", "bob"]
    )
    assert out.exit_code == 0, out.output
    assert f"reverted batch {second.id}" in out.stdout
    batch = store.get_batch(second.id)
    assert batch.status == "reverted" and batch.reverted_by == "bob"
    assert store.read_arrow("official_stats").column("value").to_pylist() == [100.0]
    again = runner.invoke(app, ["batches", "revert", str(second.id), "--reason", "x"])
    assert again.exit_code == 1  # conflict: already reverted


def test_gc_removes_orphans_only(cli: tuple[typer.Typer, Store]) -> None:
    app, store = cli
    orphan = store.lake / "official_stats" / "period=2024-01" / "b77-0.parquet"
    orphan.write_bytes(b"left by a crash")
    listed = [store.lake / f for b in store.list_batches() for f in b.files]
    runner = CliRunner()
    dry = json.loads(runner.invoke(app, ["batches", "gc", "--dry-run", "--json"]).stdout)
    assert dry["removed_files"] == ["official_stats/period=2024-01/b77-0.parquet"]
    assert orphan.exists()
    out = runner.invoke(app, ["batches", "gc"])
    assert out.exit_code == 0 and "removed 1 files" in out.stdout
    assert not orphan.exists()
    assert all(p.exists() for p in listed)
