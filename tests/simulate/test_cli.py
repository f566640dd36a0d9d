"""`cmon simulate` writes the files and reports them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from consumption_monitor.cli import app


def test_cli_simulate_json(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            "--scale",
            "tiny",
            "--seed",
            "2",
            "--out",
            str(out),
            "--start",
            "2026-01",
            "--end",
            "2026-03",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert Path(data["truth"]).is_file() and Path(data["manifest"]).is_file()
    assert set(data["files"]) >= {"official_stats", "card_transactions", "key_enterprise_daily"}


def test_cli_rejects_unknown_scale(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["simulate", "--scale", "huge", "--out", str(tmp_path)])
    assert res.exit_code == 1
