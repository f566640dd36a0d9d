"""`cmon demo` builds the whole demo city, and running it again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from consumption_monitor.config import load_settings
from consumption_monitor.demo import DEMO_USERS, build_demo
from consumption_monitor.store import Store


def test_demo_builds_everything_once(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, mode="demo")
    first = build_demo(settings, scale="tiny", seed=3, end="2025-10")
    manifest = json.loads((first.simulated / "files.json").read_text(encoding="utf-8"))
    files = sum(len(entries) for entries in manifest["datasets"].values())
    assert first.batches_loaded == files
    assert first.batches_skipped == 0
    assert first.indicator_rows > 1000
    assert first.users_created == [u for u, *_ in DEMO_USERS]
    with Store(settings) as store:
        loaded = {b.dataset for b in store.list_batches()}
    assert loaded == set(manifest["datasets"])

    again = build_demo(settings, scale="tiny", seed=3, end="2025-10")
    assert again.batches_loaded == 0
    assert again.batches_skipped == files
    assert again.users_created == []
