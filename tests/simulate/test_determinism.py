"""Same seed → byte-identical files; another seed → different files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from consumption_monitor.simulate import SimulationResult, simulate

END = "2026-10"  # the same range as the shared fixture in conftest.py


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes(sim: SimulationResult, tmp_path: Path) -> None:
    again = simulate(tmp_path / "again", "tiny", seed=0, end=END)
    first, second = _digests(sim.truth_path.parent), _digests(again.truth_path.parent)
    assert first.keys() == second.keys()
    assert len(first) > 50
    assert first == second
    kinds = {Path(k).suffix for k in first}
    assert {".csv", ".parquet", ".xlsx", ".json"} <= kinds


def test_other_seed_differs(sim: SimulationResult, tmp_path: Path) -> None:
    other = simulate(tmp_path / "other", "tiny", seed=1, end=END)
    first, second = _digests(sim.truth_path.parent), _digests(other.truth_path.parent)
    # A file missing from the other run counts as changed: submission files are named by the
    # day they arrived, which the seed draws.
    changed = [k for k in first if first[k] != second.get(k)]
    # Every data file depends on the seed.
    assert len(changed) >= len(first) - 2


def test_manifest_lists_every_file_with_dataset(sim: SimulationResult) -> None:
    import json

    man = json.loads(sim.manifest_path.read_text(encoding="utf-8"))
    listed = {e["path"] for entries in man["datasets"].values() for e in entries}
    on_disk = {
        p.relative_to(sim.truth_path.parent).as_posix()
        for p in sim.truth_path.parent.rglob("*")
        if p.is_file() and p.suffix != ".json"
    }
    assert listed == on_disk
    assert set(man["datasets"]) == {
        "official_stats",
        "enterprise_monthly",
        "card_transactions",
        "key_enterprise_daily",
        "unit_reports",
        "first_stores",
        "events",
        "trade_in",
        "inbound_spending",
        "task_progress",
        "projects",
    }
    assert all(e["vintage"] for entries in man["datasets"].values() for e in entries)
