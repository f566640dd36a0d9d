"""Round trips, idempotency, vintages, revert and validation of the Store (SQLite + PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from consumption_monitor.errors import (
    ConflictError,
    DataValidationError,
    EngineError,
    NotFoundError,
)
from consumption_monitor.store import Store

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)

Official = Callable[[list[tuple[str, str, float | None]]], pa.Table]
Cards = Callable[[int, int], pa.Table]


def _values(store: Store, as_of: date | None = None) -> dict[tuple[str, str], float | None]:
    t = store.read_arrow("official_stats", as_of=as_of).to_pylist()
    return {(r["region"], r["period"]): r["value"] for r in t}


def test_round_trip_keeps_every_value_and_adds_batch_columns(
    store: Store, make_cards: Cards
) -> None:
    data = make_cards(0, 500)
    info = store.write_batch(
        "card_transactions", data, vintage=date(2024, 4, 1), content_hash="h-cards", source="a.csv"
    )
    assert info.status == "committed" and info.rows_loaded == 500 and not info.duplicate
    back = store.read_arrow("card_transactions").sort_by("txn_id")
    assert back.column("txn_id").to_pylist() == data.column("txn_id").to_pylist()
    assert back.column("amount").to_pylist() == data.column("amount").to_pylist()
    assert back.column("txn_ts").to_pylist() == data.column("txn_ts").to_pylist()
    assert set(back.column("_batch_id").to_pylist()) == {info.id}
    assert set(back.column("_vintage").to_pylist()) == {date(2024, 4, 1)}
    # Partitioned by the month of txn_ts, files named b<id>-<n>.parquet.
    assert sorted({f.split("/")[1] for f in info.files}) == [
        "period=2024-01",
        "period=2024-02",
        "period=2024-03",
    ]
    assert all(Path(f).name.startswith(f"b{info.id}-") for f in info.files)
    assert [p.relative_to(store.lake).as_posix() for p in store.files("card_transactions")] == (
        info.files
    )


def test_same_content_twice_is_a_no_op(store: Store, make_cards: Cards) -> None:
    data = make_cards(0, 200)
    first = store.write_batch(
        "card_transactions", data, vintage=date(2024, 4, 1), content_hash="same", source="a.csv"
    )
    files_before = sorted(p for p in store.lake.rglob("*.parquet"))
    again = store.write_batch(
        "card_transactions", data, vintage=date(2024, 4, 2), content_hash="same", source="a.csv"
    )
    assert again.duplicate and again.id == first.id
    assert [b.id for b in store.list_batches()] == [first.id]
    assert store.read_arrow("card_transactions").num_rows == 200
    assert sorted(p for p in store.lake.rglob("*.parquet")) == files_before
    assert store.find_batch_by_hash("card_transactions", "same") == first


def test_concurrent_duplicate_is_refused_inside_the_commit_transaction(
    store: Store, make_cards: Cards, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-check can miss a load that commits meanwhile; the unique constraint cannot."""
    data = make_cards(0, 100)
    first = store.write_batch(
        "card_transactions", data, vintage=date(2024, 4, 1), content_hash="race", source="a"
    )
    real = store.find_batch_by_hash
    calls: list[str] = []

    def blind_first_check(dataset: str, content_hash: str) -> object:
        calls.append(content_hash)  # the pre-check runs before the other load committed
        return None if len(calls) == 1 else real(dataset, content_hash)

    monkeypatch.setattr(store, "find_batch_by_hash", blind_first_check)
    loser = store.write_batch(
        "card_transactions", data, vintage=date(2024, 4, 1), content_hash="race", source="b"
    )
    monkeypatch.undo()
    assert len(calls) == 2  # the load went all the way to the commit and lost there
    assert loser.duplicate and loser.id == first.id
    assert len(store.list_batches()) == 1
    assert store.read_arrow("card_transactions").num_rows == 100
    assert store.manifest.pending() == []
    assert {p.relative_to(store.lake).as_posix() for p in store.lake.rglob("*.parquet")} == set(
        first.files
    )


def test_new_vintage_supersedes_and_as_of_sees_the_old_value(
    store: Store, make_official: Official
) -> None:
    store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 100.0), ("120000", "2024-02", 210.0)]),
        vintage=date(2024, 3, 15),
        content_hash="release-1",
        source="march.xlsx",
    )
    store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 101.5)]),  # revision of January only
        vintage=date(2024, 4, 15),
        content_hash="release-2",
        source="april.xlsx",
    )
    assert _values(store) == {("120000", "2024-01"): 101.5, ("120000", "2024-02"): 210.0}
    assert _values(store, as_of=date(2024, 3, 31)) == {
        ("120000", "2024-01"): 100.0,
        ("120000", "2024-02"): 210.0,
    }
    assert _values(store, as_of=date(2024, 3, 1)) == {}
    # Same vintage twice: the later batch wins the tie.
    store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 102.0)]),
        vintage=date(2024, 4, 15),
        content_hash="release-2b",
        source="april-fix.xlsx",
    )
    assert _values(store)[("120000", "2024-01")] == 102.0


def test_append_only_dataset_keeps_rows_of_every_batch(store: Store, make_cards: Cards) -> None:
    store.write_batch(
        "card_transactions",
        make_cards(0, 50),
        vintage=date(2024, 4, 1),
        content_hash="a",
        source="",
    )
    store.write_batch(
        "card_transactions",
        make_cards(0, 50),
        vintage=date(2024, 4, 2),
        content_hash="b",
        source="",
    )
    assert store.read_arrow("card_transactions").num_rows == 100
    assert store.read_arrow("card_transactions", as_of=date(2024, 4, 1)).num_rows == 50


def test_revert_hides_the_batch_but_keeps_its_files(store: Store, make_official: Official) -> None:
    old = store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 100.0)]),
        vintage=date(2024, 3, 15),
        content_hash="r1",
        source="a",
    )
    bad = store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 999.0)]),
        vintage=date(2024, 4, 15),
        content_hash="r2",
        source="b",
    )
    reverted = store.revert(bad.id, by="alice", reason="wrong unit")
    assert reverted.status == "reverted" and reverted.reverted_by == "alice"
    assert reverted.revert_reason == "wrong unit"
    assert _values(store) == {("120000", "2024-01"): 100.0}
    assert all((store.lake / f).is_file() for f in bad.files)
    assert [p.relative_to(store.lake).as_posix() for p in store.files("official_stats")] == (
        old.files
    )
    assert [b.status for b in store.list_batches("official_stats")] == ["committed", "reverted"]
    assert store.gc().removed_files == []  # reverted files are listed, never collected
    with pytest.raises(ConflictError):
        store.revert(bad.id, by="alice", reason="again")
    # The reverted content may be loaded again as a new batch.
    again = store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 999.0)]),
        vintage=date(2024, 4, 15),
        content_hash="r2",
        source="b",
    )
    assert not again.duplicate and again.id != bad.id
    assert _values(store) == {("120000", "2024-01"): 999.0}


def test_unknown_batch_and_dataset_are_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.get_batch(12345)
    with pytest.raises(NotFoundError):
        store.revert(12345, by="x", reason="y")
    with pytest.raises(NotFoundError):
        store.files("no_such_dataset")


def test_invalid_data_stores_nothing(store: Store, make_official: Official) -> None:
    bad_column = make_official([("120000", "2024-01", 1.0)]).append_column("extra", pa.array([1]))
    with pytest.raises(DataValidationError):
        store.write_batch(
            "official_stats", bad_column, vintage=date(2024, 1, 1), content_hash="x", source=""
        )
    bad_period = make_official([("120000", "Jan 2024", 1.0)])
    with pytest.raises(DataValidationError):
        store.write_batch(
            "official_stats", bad_period, vintage=date(2024, 1, 1), content_hash="y", source=""
        )

    def failing() -> object:
        yield make_official([("120000", "2024-01", 1.0)]).to_batches()[0]
        raise DataValidationError("boom in the reader")

    with pytest.raises(DataValidationError):
        store.write_batch(
            "official_stats", failing(), vintage=date(2024, 1, 1), content_hash="z", source=""
        )  # type: ignore[arg-type]
    assert store.list_batches() == []
    assert store.manifest.pending() == []
    assert list(store.lake.rglob("*.parquet")) == []
    assert list((store.lake / "_staging").iterdir()) == []


def test_missing_optional_columns_are_null_and_quarantine_is_kept(
    store: Store, make_official: Official
) -> None:
    refused = pa.table({"row": [7], "problem": ["region unknown"]})
    info = store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", None)]),
        vintage=date(2024, 1, 20),
        content_hash="q",
        source="a.xlsx",
        quarantine=refused,
        rows_rejected=1,
        note="growth-only",
    )
    row = store.read_arrow("official_stats").to_pylist()[0]
    assert row["value"] is None and row["yoy_pct"] is None and row["source"] is None
    assert info.rows_rejected == 1 and info.note == "growth-only"
    assert info.quarantine_file is not None
    assert pa.parquet.read_table(store.lake / info.quarantine_file).equals(refused)
    assert store.gc().removed_files == []


def test_read_table_on_empty_dataset_has_the_catalog_schema(store: Store) -> None:
    con = ibis.duckdb.connect()
    t = store.read_table(con, "events")
    assert t.count().to_pyarrow().as_py() == 0
    assert {"event_id", "start_date", "_batch_id", "_vintage"} <= set(t.columns)
    con.disconnect()


def test_read_table_composes_with_ibis_on_duckdb(store: Store, make_cards: Cards) -> None:
    data = make_cards(0, 300)
    store.write_batch(
        "card_transactions", data, vintage=date(2024, 4, 1), content_hash="c", source=""
    )
    con = ibis.duckdb.connect()
    t = store.read_table(con, "card_transactions")
    total = t.filter(t.channel == "online").amount.sum().to_pyarrow().as_py()
    expected = sum(
        a
        for a, c in zip(data["amount"].to_pylist(), data["channel"].to_pylist(), strict=True)
        if c == "online"
    )
    assert total == pytest.approx(expected)
    con.disconnect()


def test_a_second_store_sees_the_same_manifest(store: Store, make_official: Official) -> None:
    info = store.write_batch(
        "official_stats",
        make_official([("120101", "2024-Q1", 5.0)]),
        vintage=date(2024, 4, 20),
        content_hash="s",
        source="",
    )
    with Store(store.settings) as other:
        assert other.get_batch(info.id) == info
        assert other.read_arrow("official_stats").column("period").to_pylist() == ["2024-Q1"]
    assert info.files == [f"official_stats/period=2024-Q1/b{info.id}-0.parquet"]


def test_a_missing_listed_file_is_an_engine_error_not_silence(
    store: Store, make_official: Official
) -> None:
    info = store.write_batch(
        "official_stats",
        make_official([("120000", "2024-01", 1.0), ("120000", "2024-02", 2.0)]),
        vintage=date(2024, 3, 1),
        content_hash="m",
        source="",
    )
    (store.lake / info.files[0]).unlink()
    with pytest.raises(EngineError, match="missing"):
        store.read_arrow("official_stats")
