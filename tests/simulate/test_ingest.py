"""Every simulated file passes the normal ingest path without a refused row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consumption_monitor.config import load_settings
from consumption_monitor.simulate import SimulationResult

ingest_mod = pytest.importorskip("consumption_monitor.ingest")


def test_every_file_ingests(sim: SimulationResult, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    root = sim.truth_path.parent
    man = json.loads(sim.manifest_path.read_text(encoding="utf-8"))
    loaded = 0
    for dataset, entries in man["datasets"].items():
        for entry in entries:
            res = ingest_mod.ingest(
                [root / entry["path"]], dataset, vintage=entry["vintage"], settings=settings
            )
            assert res.rows_rejected == 0, (entry["path"], res.problems[:3])
            assert res.problems_total == 0, (entry["path"], res.problems[:3])
            assert res.rows_loaded == entry["rows"], entry["path"]
            loaded += 1
    assert loaded == sum(len(v) for v in man["datasets"].values())
