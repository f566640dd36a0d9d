"""The CLI's consoles measure the environment they print in, not the one that imported them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.cli.common import _LiveConsole


def test_width_follows_columns_after_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    console = _LiveConsole()
    monkeypatch.setenv("COLUMNS", "240")
    assert console.width == 240


def test_table_width_follows_each_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    # A narrow runner first, then a wide one: the wide table must not wrap the task name.
    monkeypatch.setenv("COLUMNS", "60")
    narrow = CliRunner(env={"COLUMNS": "60"}).invoke(app, ["plan", "tasks", "--unit", "市体育局"])
    assert narrow.exit_code == 0
    wide = CliRunner(env={"COLUMNS": "240"}).invoke(app, ["plan", "tasks", "--unit", "市体育局"])
    assert wide.exit_code == 0
    assert "优化体育设施布局" in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) > 60
