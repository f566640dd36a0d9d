"""The ingest fast paths agree with the slow ones they short-cut."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest, spill
from consumption_monitor.ingest.checks import canonical_codes, check_for


def _cards(n: int, *, duplicate: bool = False, bad_row: int | None = None) -> pa.Table:
    ids = [f"T{i}" for i in range(n)]
    if duplicate:
        ids[-1] = ids[0]
    amounts = [10.0 + i % 7 for i in range(n)]
    if bad_row is not None:
        amounts[bad_row] = -1.0
    return pa.table({
        "txn_id": ids,
        "txn_ts": ["2024-10-01 12:00:00"] * n,
        "merchant_id": [f"M{i % 50}" for i in range(n)],
        "mcc": ["5411"] * n,
        "amount": amounts,
        "channel": ["offline"] * n,
        "card_origin": ["local"] * n,
        "card_hash": [f"h{i}" for i in range(n)],
        "district_code": ["120101"] * n,
        "business_district_id": ["BD001"] * n,
    })  # fmt: skip


def _write(path: Path, table: pa.Table) -> Path:
    pacsv.write_csv(table, path)
    return path


def test_canonical_codes_are_exactly_the_codes_the_lookup_keeps() -> None:
    cat = load_catalog()
    checked = 0
    for ds in cat.datasets:
        for col in ds.columns:
            codes = canonical_codes(col, cat)
            if codes is None:
                continue
            check = check_for(col, cat)
            assert check is not None
            for code in codes:
                assert check(code) == code
            checked += 1
    assert checked >= 5
    mcc = cat.dataset("card_transactions").column("mcc")
    assert set(canonical_codes(mcc, cat) or []) == set(cat.mcc_codes)


@pytest.mark.parametrize("distinct_hashes", [True, False])
def test_duplicate_search_with_and_without_the_hash_shortcut(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, distinct_hashes: bool
) -> None:
    # Forcing the hash pass to report a repeat exercises the exact key comparison that runs
    # after a (rare) hash collision: it must neither invent nor miss duplicates.
    if not distinct_hashes:
        monkeypatch.setattr(spill, "_all_hashes_distinct", lambda *a, **k: False)
    clean = ingest(
        [_write(tmp_path / "a.csv", _cards(500))], "card_transactions", settings=settings
    )
    assert clean.rows_loaded == 500
    with pytest.raises(DataValidationError) as info:
        ingest(
            [_write(tmp_path / "b.csv", _cards(400, duplicate=True))],
            "card_transactions",
            settings=settings,
        )
    [problem] = info.value.problems
    assert "duplicate" in problem.render("en")
    assert problem.where is not None
    assert problem.where.row == 401  # the last data row repeats the first one's key


def test_a_refused_load_stops_its_pipeline_threads(settings: Settings, tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    path = _write(tmp_path / "bad.csv", _cards(20_000, bad_row=3))
    with pytest.raises(DataValidationError):
        ingest([path], "card_transactions", settings=settings)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
        if not extra:
            break
        time.sleep(0.05)
    assert extra == []
