"""Crash safety: SIGKILL a load at each stage; a fresh Store never shows a partial batch.

The loader runs in a subprocess with the TEST-ONLY hook ``CMON_TEST_CRASH_POINT`` (see
``consumption_monitor.store.lake.crash_point``), which makes it kill itself with SIGKILL:
``files`` while writing files, ``before_commit`` with every file renamed into place but the
manifest not committed, ``after_commit`` once the manifest row is committed.
"""

from __future__ import annotations

import signal
import subprocess
from datetime import date
from pathlib import Path

import pytest
from tests.store.crash_loader import loader_command, run_loader

from consumption_monitor.config import Settings
from consumption_monitor.store import Store
from consumption_monitor.store.lake import StagedWrite, arrow_schema

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)

ROWS = 3_000


def _data_files(lake: Path) -> set[str]:
    return {
        p.relative_to(lake).as_posix()
        for p in lake.rglob("*")
        if p.is_file() and not p.relative_to(lake).as_posix().startswith("_staging")
    }


@pytest.mark.parametrize("point", ["files", "before_commit", "after_commit"])
def test_sigkill_never_leaves_a_partial_batch(settings: Settings, point: str) -> None:
    with Store(settings):  # migrate first so the child only loads
        pass
    crashed = run_loader(settings, point, rows=ROWS)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    with Store(settings) as store:
        visible = store.read_arrow("card_transactions")
        batches = store.list_batches()
        lake = store.lake
        if point == "after_commit":
            # Committed: exactly the whole batch, nothing more.
            assert len(batches) == 1 and batches[0].rows_loaded == ROWS
            assert visible.num_rows == ROWS
            assert sorted(visible.column("txn_id").to_pylist()) == [
                f"t{i:06d}" for i in range(ROWS)
            ]
        else:
            assert batches == [] and visible.num_rows == 0
            assert store.files("card_transactions") == []
        if point == "before_commit":
            # Files were renamed into place but are unlisted, hence invisible.
            assert any(f.startswith("card_transactions/") for f in _data_files(lake))
            assert len(store.manifest.pending()) == 1

        report = store.gc()
        listed = {f for b in store.list_batches() for f in b.files}
        assert _data_files(lake) == listed
        assert store.manifest.pending() == []
        assert not any((lake / "_staging").iterdir())
        if point == "before_commit":
            assert report.removed_files and len(report.dropped_pending) == 1

    retry = run_loader(settings, None, rows=ROWS)
    assert retry.returncode == 0, retry.stderr
    batch_id, _, duplicate = retry.stdout.split()
    assert duplicate == ("True" if point == "after_commit" else "False")
    with Store(settings) as store:
        assert store.read_arrow("card_transactions").num_rows == ROWS
        assert [b.id for b in store.list_batches()] == [int(batch_id)]
        assert store.gc().removed_files == []
        assert len(store.get_batch(int(batch_id)).files) > 1


def test_gc_spares_a_live_load(settings: Settings) -> None:
    """A staging folder whose lock is held belongs to a running load and is not removed."""
    with Store(settings) as store:
        live = StagedWrite(store.lake, "events", arrow_schema(store.dataset("events")))
        batch_id = store.manifest.open_pending(
            "events",
            vintage=date(2024, 1, 1),
            content_hash="live",
            source="",
            loaded_by="t",
            note="",
            staging_id=live.staging_id,
        )
        report = store.gc()
        assert report.removed_staging == [] and report.dropped_pending == []
        assert live.dir.is_dir()
        assert store.manifest.pending() == [(batch_id, live.staging_id)]
        live.discard()
        assert store.gc().dropped_pending == [batch_id]


def test_two_processes_loading_the_same_file_commit_once(settings: Settings) -> None:
    """However the two loads interleave, exactly one commits and the other reports a duplicate."""
    with Store(settings):
        pass
    argv, env = loader_command(settings, rows=ROWS)
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    results = sorted(out.split()[2] for out, _ in outputs)
    ids = {out.split()[0] for out, _ in outputs}
    assert results == ["False", "True"] and len(ids) == 1  # one committed, one duplicate
    with Store(settings) as store:
        assert len(store.list_batches()) == 1
        assert store.read_arrow("card_transactions").num_rows == ROWS
        assert store.gc().removed_files == []
