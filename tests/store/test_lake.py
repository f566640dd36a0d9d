"""Lake mechanics: partition labels, streaming writes with rolled files, schema conformance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import DataValidationError
from consumption_monitor.store import Store, lake
from consumption_monitor.store.lake import arrow_schema, conform, partition_values

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)


def test_partition_labels_follow_the_period_column() -> None:
    periods = pa.table({"p": ["2024-03", "2024-Q1", "2024", None]})
    assert partition_values(periods, "p").to_pylist() == ["2024-03", "2024-Q1", "2024", "none"]
    stamps = pa.table({"t": pa.array([datetime(2024, 12, 31, 23, 59)], pa.timestamp("us"))})
    assert partition_values(stamps, "t").to_pylist() == ["2024-12"]
    days = pa.table({"d": pa.array([date(2025, 2, 1)], pa.date32())})
    assert partition_values(days, "d").to_pylist() == ["2025-02"]
    with pytest.raises(DataValidationError):
        partition_values(pa.table({"p": ["2024/03"]}), "p")
    with pytest.raises(DataValidationError):
        partition_values(pa.table({"p": ["2024-13"]}), "p")


def test_conform_casts_orders_and_fills_nulls() -> None:
    schema = arrow_schema(load_catalog().dataset("events"))
    raw = pa.table(
        {
            "attendance": pa.array([12000], pa.int32()),
            "start_date": pa.array([date(2024, 5, 1)]),
            "name": ["Concert"],
            "kind": ["concert"],
            "event_id": ["e1"],
            "district_code": ["120101"],
        }
    )
    out = conform(raw, schema, "events")
    assert out.schema == schema
    assert out.column("attendance").to_pylist() == [12000]
    assert out.column("venue").to_pylist() == [None]
    with pytest.raises(DataValidationError):
        conform(raw.drop_columns(["event_id"]), schema, "events")  # required column missing
    with pytest.raises(DataValidationError):
        conform(raw.set_column(0, "attendance", pa.array(["many"])), schema, "events")


def test_streaming_write_rolls_files_and_does_not_materialise_the_input(
    store: Store, make_cards: Callable[[int, int], pa.Table]
) -> None:
    """An iterator of record batches is written as it is consumed, in files of ``roll_rows``."""
    n_chunks, chunk_rows, roll = 12, 1_000, 1_500
    consumed: list[int] = []
    staged_files_seen: list[int] = []

    def chunks() -> Iterator[pa.RecordBatch]:
        for k in range(n_chunks):
            # Files already on disk in staging before this chunk is even produced.
            staged_files_seen.append(len(list((store.lake / "_staging").rglob("*.parquet.tmp"))))
            consumed.append(k)
            yield make_cards(k * chunk_rows, chunk_rows).to_batches()[0]

    info = store.write_batch(
        "card_transactions",
        chunks(),
        vintage=date(2024, 4, 1),
        content_hash="stream",
        source="stream",
        roll_rows=roll,
    )
    assert consumed == list(range(n_chunks))
    # Writing happened while the input was still being produced: by the last chunk, several
    # rolled files (3 months x at least one full file of 1,500 rows) were already staged.
    assert staged_files_seen[0] == 0
    assert staged_files_seen[-1] >= 3
    assert staged_files_seen == sorted(staged_files_seen)
    assert info.rows_loaded == n_chunks * chunk_rows
    assert len(info.files) > 3
    sizes = [pq.ParquetFile(store.lake / f).metadata.num_rows for f in info.files]
    assert sum(sizes) == n_chunks * chunk_rows
    assert max(sizes) <= roll
    back = store.read_arrow("card_transactions", columns=["txn_id"])
    assert sorted(back.column("txn_id").to_pylist()) == [
        f"t{i:08d}" for i in range(n_chunks * chunk_rows)
    ]


def test_empty_batch_is_recorded_with_no_files(store: Store) -> None:
    empty = arrow_schema(store.dataset("events")).empty_table()
    info = store.write_batch(
        "events", empty, vintage=date(2024, 1, 1), content_hash="empty", source="none.xlsx"
    )
    assert info.rows_loaded == 0 and info.files == []
    assert store.read_arrow("events").num_rows == 0


def test_row_groups_encoded_in_the_pool_keep_their_order_and_a_failure_stores_nothing(
    store: Store, make_cards: Callable[[int, int], pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups of one partition are encoded in order; an encoding error discards the batch."""
    monkeypatch.setattr(lake, "ROW_GROUP_ROWS", 300)  # many row groups in flight per partition
    chunks = [make_cards(k * 700, 700) for k in range(10)]
    info = store.write_batch(
        "card_transactions", iter(chunks), vintage=date(2024, 4, 1), content_hash="ordered",
        source="ordered", roll_rows=10_000,
    )  # fmt: skip
    expected = pa.concat_tables(chunks)
    months = pa.compute.strftime(expected.column("txn_ts"), "%Y-%m").to_pylist()
    for rel in info.files:
        month = rel.split("period=")[1][:7]
        ids = pq.read_table(store.lake / rel, columns=["txn_id"]).column("txn_id").to_pylist()
        wanted = [
            t
            for t, m in zip(expected.column("txn_id").to_pylist(), months, strict=True)
            if m == month
        ]
        assert ids == wanted  # input order within the partition file
        assert pq.ParquetFile(store.lake / rel).metadata.num_row_groups > 3

    calls = {"n": 0}
    real = pq.ParquetWriter.write_table

    def failing(self: pq.ParquetWriter, table: pa.Table, *args: object, **kw: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real(self, table, *args, **kw)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        store.write_batch(
            "card_transactions", iter([make_cards(50_000 + k * 700, 700) for k in range(10)]),
            vintage=date(2024, 5, 1), content_hash="fails", source="fails", roll_rows=10_000,
        )  # fmt: skip
    assert [b.content_hash for b in store.list_batches("card_transactions")] == ["ordered"]
    assert not list((store.lake / "_staging").rglob("*.parquet*"))
    assert store.read_arrow("card_transactions").num_rows == 7_000
