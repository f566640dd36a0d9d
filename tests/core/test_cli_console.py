"""The CLI's consoles measure the environment they print in, not the one that imported them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from consumption_monitor.cli import app, common


def test_width_and_colour_are_read_when_the_console_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A console built at import keeps the width and NO_COLOR of that moment.
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert common.console().width == 50
    monkeypatch.setenv("COLUMNS", "240")
    monkeypatch.setenv("NO_COLOR", "1")
    assert common.console().width == 240
    assert common.console().no_color
    assert common.err_console().width == 240
    assert common.err_console().stderr


def test_table_width_follows_each_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    # A narrow runner first, then a wide one: the wide table must not wrap the task name.
    monkeypatch.setenv("COLUMNS", "60")
    narrow = CliRunner(env={"COLUMNS": "60"}).invoke(app, ["plan", "tasks", "--unit", "市体育局"])
    assert narrow.exit_code == 0
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    wide = CliRunner(env={"COLUMNS": "240"}).invoke(app, ["plan", "tasks", "--unit", "市体育局"])
    assert wide.exit_code == 0
    assert "优化体育设施布局" in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) > 60
