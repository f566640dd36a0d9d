"""Incremental refresh (W2): the oracle is a full recomputation of the same lake.

One simulated lake (seed 0, 2019-01..2024-03, the last card file held back) goes through three
refreshes, each checked against a full ``compute`` of the lake at that moment: a new card batch;
revisions of official statistics (a 2019 figure, so vs-2019 moves in later years), of one
enterprise month (next year's same-panel YoY moves) and of a unit report; then two reverts.
A subset of the suite covering every indicator kind keeps the full runs short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from ibis.backends import BaseBackend

from consumption_monitor.compute import ComputeResult, compute, write_result
from consumption_monitor.compute.incremental import RefreshInfo, refresh
from consumption_monitor.config import Settings, load_settings
from consumption_monitor.engine import connect
from consumption_monitor.store import Store
from consumption_monitor.store.results import COLUMNS, read_record, result_path

ingest_mod = pytest.importorskip("consumption_monitor.ingest")

#: One or more indicators of every kind, plus the components of both contributions.
CODES = [
    "card_spending",
    "card_transactions",
    "night_spending_share",
    "retail_sales",
    "catering_revenue",
    "gdp",
    "consumption_rate",
    "consumer_industries_va_share_q",
    "ent_retail_sales",
    "online_retail_share",
    "key_enterprise_sales",
    "tourists",
    "events_by_kind",
    "first_stores_new",
]
CARD = {"card_spending", "card_transactions", "night_spending_share"}
KEY = ["indicator", "region", "period", "basis", "dim", "dim_value"]
REVISION = date(2024, 5, 1)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    out = df[[c for c in COLUMNS if c != "computed_at"]].copy()
    for col in out.columns:
        if out[col].dtype.kind not in "fb":
            out[col] = out[col].astype(object).where(out[col].notna(), None).astype(str)
    return out.sort_values(KEY).reset_index(drop=True)


def assert_same_table(incremental: pd.DataFrame, full: pd.DataFrame) -> None:
    """Equal row sets and values (floats to 1e-9: sums over other file sets may round apart)."""
    a, b = _normalise(incremental), _normalise(full)
    assert not b.duplicated(KEY).any()  # the key identifies a row, so sorting by it aligns
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)


@pytest.fixture(scope="module")
def con() -> BaseBackend:
    return connect(load_settings(engine="duckdb", duckdb_threads=1))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from consumption_monitor.simulate import simulate

    work = tmp_path_factory.mktemp("incremental")
    sim = simulate(work / "sim", "tiny", 0, "2019-01", "2024-03")
    manifest = json.loads(sim.manifest_path.read_text(encoding="utf-8"))["datasets"]
    cards = sorted(manifest["card_transactions"], key=lambda e: (e["vintage"], e["path"]))
    held = cards[-1]
    settings = load_settings(data_dir=work / "data", duckdb_threads=1)
    for dataset, entries in manifest.items():
        for entry in entries:
            if entry is not held:
                ingest_mod.ingest(
                    [work / "sim" / entry["path"]],
                    dataset,
                    vintage=entry["vintage"],
                    settings=settings,
                )
    return {"settings": settings, "held": work / "sim" / held["path"], "vintage": held["vintage"]}


def _revise(store: Store, dataset: str, where: pc.Expression, column: str, factor: float) -> int:
    """Store a later vintage of the rows matching ``where`` with ``column`` scaled."""
    rows = store.read_arrow(dataset).filter(where).drop_columns(["_batch_id", "_vintage"])
    assert rows.num_rows > 0
    scaled = pc.multiply(rows.column(column), pa.scalar(factor))
    rows = rows.set_column(rows.schema.get_field_index(column), column, scaled)
    info = store.write_batch(
        dataset, rows, vintage=REVISION, content_hash=f"revise-{dataset}", source="test"
    )
    return info.id


def _tourists(store: Store, periods: list[str], tag: str) -> None:
    rows = pa.table(
        {
            "reporting_unit": ["culture_tourism"] * len(periods),
            "indicator": ["tourists"] * len(periods),
            "period": periods,
            "value": [5000.0 + i for i in range(len(periods))],
        }
    )
    store.write_batch("unit_reports", rows, vintage=REVISION, content_hash=tag, source="test")


def _early_card(store: Store) -> None:
    """One payment at 01:30 on 1 March: stored under March, counted in Jan–Feb."""
    row = store.read_arrow("card_transactions").slice(0, 1).drop_columns(["_batch_id", "_vintage"])
    row = row.set_column(row.schema.get_field_index("txn_id"), "txn_id", pa.array(["EARLY-1"]))
    ts = pa.array([datetime(2024, 3, 1, 1, 30)], row.schema.field("txn_ts").type)
    row = row.set_column(row.schema.get_field_index("txn_ts"), "txn_ts", ts)
    store.write_batch(
        "card_transactions", row, vintage=REVISION, content_hash="early", source="test"
    )


def _refresh_and_check(settings: Settings, con: BaseBackend) -> tuple[ComputeResult, RefreshInfo]:
    result = refresh(settings, con=con, codes=CODES)
    full = compute(settings, con=con, codes=CODES)
    assert_same_table(result.table, full.table)
    assert result.batches == full.batches
    write_result(settings, result)
    assert result.refresh is not None
    return result, result.refresh


def test_incremental_refresh_equals_full_recompute(lake: dict[str, Any], con: BaseBackend) -> None:
    settings: Settings = lake["settings"]
    first = compute(settings, con=con, codes=CODES)
    write_result(settings, first)
    record = read_record(result_path(settings))
    assert record is not None and record["as_of"] is None
    assert all(isinstance(v, list) for v in record["batches"].values())

    # 1. One new daily card file: the card indicators of March only, from few files.
    loaded = ingest_mod.ingest(
        [lake["held"]], "card_transactions", vintage=lake["vintage"], settings=settings
    )
    _, info = _refresh_and_check(settings, con)
    assert info.mode == "incremental", info.reason
    assert info.changed == {"card_transactions": ["2024-03"]}
    assert set(info.indicators) == CARD
    assert info.periods == ["2024-03"]
    assert 0 < info.files_read < info.full_files / 4
    assert 0 < info.rows_read < info.full_rows / 2

    # 2. Revisions: a 2019 official figure, one enterprise month of 2023, a unit report.
    with Store(settings) as store:
        before = pd.read_parquet(result_path(settings))
        _revise(
            store,
            "official_stats",
            (pc.field("indicator") == "retail_sales") & (pc.field("period") == "2019-03"),
            "value",
            1.25,
        )
        _revise(store, "enterprise_monthly", pc.field("period") == "2023-03", "retail_sales", 2.0)
        _tourists(store, ["2023-03"], "tourists-2023")
    result, info = _refresh_and_check(settings, con)
    assert info.mode == "incremental", info.reason
    assert set(info.changed) == {"official_stats", "enterprise_monthly", "unit_reports"}
    assert not CARD & set(info.indicators)
    assert {"retail_sales", "ent_retail_sales", "tourists"} <= set(info.indicators)
    # The revisions moved rows outside their own year: vs-2019 of 2024 (a post step) and the
    # same-panel YoY of 2024 enterprise sales (the next year's window).
    moved = before.merge(result.table, on=KEY, suffixes=("", "_new"))
    march = moved[moved.period == "2024-03"]
    official = march[march.indicator == "retail_sales"]
    assert (official.vs_2019_pct - official.vs_2019_pct_new).abs().max() > 0.1
    ent = march[(march.indicator == "ent_retail_sales") & (march.dim == "")]
    assert (ent.yoy_pct - ent.yoy_pct_new).abs().max() > 0.1
    assert info.changed["unit_reports"] == ["2023-03"]

    # 3. Reverts: the card batch of step 1 and one year of key-enterprise data; a revised
    # 2023 unit report (the 2024 row keeps its expression value, its filled YoY moves).
    with Store(settings) as store:
        _revise(store, "unit_reports", pc.field("period") == "2023-03", "value", 1.5)
        _early_card(store)
        store.revert(loaded.batch_id, by="test", reason="wrong file")
        key_batch = next(
            b for b in store.list_batches("key_enterprise_daily") if b.status == "committed"
        )
        store.revert(key_batch.id, by="test", reason="wrong file")
    _, info = _refresh_and_check(settings, con)
    assert info.mode == "incremental", info.reason
    assert set(info.changed) == {"card_transactions", "key_enterprise_daily", "unit_reports"}
    assert set(info.indicators) == CARD | {"key_enterprise_sales", "tourists"}
    assert {"2024-02", "2024-03"} <= set(info.periods)  # the 01:30 payment is February's
    assert info.files_read < info.full_files

    # Four results were written into today's vintage folder: the newest three are kept.
    folder = result_path(settings).parent
    assert len(list(folder.glob("computed-*.parquet"))) == 3


@pytest.fixture
def empty_lake(tmp_path: Path) -> Iterator[Settings]:
    yield load_settings(data_dir=tmp_path, duckdb_threads=1)


def test_fallbacks_to_a_full_refresh(empty_lake: Settings, con: BaseBackend) -> None:
    settings, codes = empty_lake, ["tourists", "retail_sales"]
    with Store(settings) as store:
        _tourists(store, ["2023-03", "2023-06", "2024-02"], "a")
    first = refresh(settings, con=con, codes=codes)
    assert first.refresh is not None and first.refresh.mode == "full"
    assert first.refresh.reason == "no previous result"
    write_result(settings, first)
    other = refresh(settings, con=con, codes=codes, as_of=first.vintage)
    assert other.refresh is not None and other.refresh.mode == "full"
    assert "as of" in other.refresh.reason
    changed = refresh(settings, con=con, codes=["tourists"])
    assert changed.refresh is not None and "codes changed" in changed.refresh.reason
    with Store(settings) as store:
        _tourists(store, ["2024-03"], "b")
    broad = refresh(settings, con=con, codes=codes, max_fraction=0.0)
    assert broad.refresh is not None and "too broad" in broad.refresh.reason
    small = refresh(settings, con=con, codes=codes)
    assert small.refresh is not None and small.refresh.mode == "incremental"
    assert small.refresh.indicators == ["tourists"] and small.refresh.periods == ["2024-03"]
    assert (small.refresh.files_read, small.refresh.full_files) == (1, 4)
    assert_same_table(small.table, broad.table)
    assert len(small.table[small.table.indicator == "tourists"]) == 4


def test_write_result_keeps_the_newest_computations(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    table = pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    result = ComputeResult(table=table, vintage=date(2024, 3, 1))
    written = [write_result(settings, result, keep=2) for _ in range(4)]
    left = sorted(written[-1].parent.glob("computed-*.parquet"))
    assert left == written[-2:]
    assert read_record(written[-1]) is None  # no batch record without a lake source


def test_cli_compute_incremental(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from consumption_monitor.cli import app
    from consumption_monitor.config import get_settings

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CMON_DUCKDB_THREADS", "1")
    get_settings.cache_clear()
    try:
        with Store(get_settings()) as store:
            _tourists(store, ["2023-03", "2023-06", "2024-02"], "cli-a")
        args = ["compute", "--as-of", "2024-05-20", "--incremental", "--json"]
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout)["refresh"]["reason"] == "no previous result"
        with Store(get_settings()) as store:
            _tourists(store, ["2024-03"], "cli-b")
        again = CliRunner().invoke(app, args[:-1])
        assert again.exit_code == 0, again.output
        assert "incremental" in again.stdout and "1/4" in again.stdout
    finally:
        get_settings.cache_clear()
