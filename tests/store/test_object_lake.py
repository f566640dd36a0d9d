"""The lake on an object store: a real S3 server on loopback (moto), s3fs, DuckDB.

Every test points ``CMON_LAKE_URL`` at ``s3://<fresh bucket>/lake`` and
``CMON_LAKE_STORAGE_OPTIONS`` at the server, then goes through the public API: ``cmon``'s
ingest, ``Store.read_table`` on DuckDB (the fsspec filesystem registered on the connection, no
``httpfs``), the indicator computation and its stored result. The oracle is the same work on a
local lake: the results must be equal. A killed load and a failed load leave nothing visible,
and gc removes their orphans.
"""

from __future__ import annotations

import csv
import json
import logging
import signal
import socket
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import s3fs
import typer
from moto.server import ThreadedMotoServer
from tests.store.crash_loader import run_loader
from typer.testing import CliRunner

import consumption_monitor
import consumption_monitor as cm
from consumption_monitor.cli.batches import commands as batch_commands
from consumption_monitor.compute import compute, read_result, write_result
from consumption_monitor.config import Settings, load_settings
from consumption_monitor.engine import connect
from consumption_monitor.errors import (
    ConfigError,
    DataValidationError,
    EngineError,
    NotFoundError,
)
from consumption_monitor.store import Store
from consumption_monitor.store.fs import lake_root

pytestmark = pytest.mark.filterwarnings(
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
)

OFFICIAL = Path(__file__).parents[1] / "compute" / "data" / "nbs_retail_sales.csv"
CARD_HEADER = ["txn_id", "txn_ts", "merchant_id", "mcc", "amount", "channel", "card_origin",
               "card_hash", "district_code"]  # fmt: skip
SORT = ["indicator", "region", "dim", "dim_value", "basis", "period"]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """An S3 API (moto) on 127.0.0.1 at a free port, for this module."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _options(endpoint: str) -> dict[str, Any]:
    return {"endpoint_url": endpoint, "key": "cmon-test", "secret": "cmon-test-secret"}


@pytest.fixture
def bucket(endpoint: str) -> str:
    name = f"cmon-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**_options(endpoint)).mkdir(name)
    return name


@pytest.fixture
def s3_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str, bucket: str
) -> Settings:
    """Settings as an operator sets them: the lake by CMON_* variables, metadata in SQLite."""
    monkeypatch.chdir(tmp_path)  # no stray .env file
    monkeypatch.setenv("CMON_LAKE_URL", f"s3://{bucket}/lake")
    monkeypatch.setenv("CMON_LAKE_STORAGE_OPTIONS", json.dumps(_options(endpoint)))
    return load_settings(data_dir=tmp_path / "s3-data")


def _objects(endpoint: str, bucket: str, prefix: str = "lake") -> list[str]:
    fs = s3fs.S3FileSystem(**_options(endpoint))
    fs.invalidate_cache()
    return sorted(p.removeprefix(f"{bucket}/lake/") for p in fs.find(f"{bucket}/{prefix}"))


def _cards(path: Path, months: list[str], start: int = 0) -> Path:
    """Card payments: 40 a month over 5 merchants and 15 cards in two districts (above the
    privacy thresholds), one of them at 01:30 on the 1st (the month before's business day)."""
    rows = []
    n = start
    for month in months:
        first = datetime.fromisoformat(f"{month}-01")
        for i in range(40):
            ts = first + (
                timedelta(hours=1, minutes=30)
                if i == 0
                else timedelta(days=i % 27, hours=10 + i % 9)
            )
            rows.append([f"t{n:07d}", ts.isoformat(sep=" "), f"m{i % 5}", "5411",
                         f"{10 + (n * 37) % 500}.5", "online" if i % 3 else "offline", "local",
                         f"c{i % 15}", "120101" if i % 2 else "120104"])  # fmt: skip
            n += 1
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CARD_HEADER)
        writer.writerows(rows)
    return path


def _months(first: str, last: str) -> list[str]:
    out, (y, m) = [], (int(first[:4]), int(first[5:]))
    while f"{y}-{m:02d}" <= last:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["computed_at"]).sort_values(SORT).reset_index(drop=True)


def _load_compute_refresh(settings: Settings, tmp: Path) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Ingest, compute and store; ingest one more month; refresh incrementally and store."""
    cm.ingest(OFFICIAL, "official_stats", vintage=date(2026, 1, 31), settings=settings)
    cm.ingest(_cards(tmp / "cards.csv", _months("2024-01", "2025-02")), "card_transactions",
              vintage=date(2025, 3, 5), settings=settings)  # fmt: skip
    con = connect(settings)
    first = compute(settings, con=con)
    write_result(settings, first)
    stored = read_result(settings)
    more = _cards(tmp / "cards-2025-03.csv", ["2025-03"], start=10_000)
    cm.ingest(more, "card_transactions", vintage=date(2025, 4, 5), settings=settings)
    refreshed = compute(settings, con=connect(settings), incremental=True)
    write_result(settings, refreshed)
    return stored, read_result(settings), refreshed.refresh


def test_ingest_read_compute_on_s3_equal_the_local_lake(
    s3_settings: Settings, endpoint: str, bucket: str, tmp_path: Path
) -> None:
    (tmp_path / "s3").mkdir()
    (tmp_path / "local").mkdir()
    remote = _load_compute_refresh(s3_settings, tmp_path / "s3")
    local_settings = s3_settings.model_copy(
        update={"lake_url": None, "lake_storage_options": {}, "data_dir": tmp_path / "local-data"}
    )
    local = _load_compute_refresh(local_settings, tmp_path / "local")

    # The data went to the bucket, and nothing of it to the local data folder.
    objects = _objects(endpoint, bucket)
    assert any(o.startswith("card_transactions/period=2025-03/b") for o in objects)
    assert any(o.startswith("official_stats/period=") for o in objects)
    assert any(o.startswith("_derived/indicators/vintage=") for o in objects)
    assert not (s3_settings.data_dir / "lake" / "card_transactions").exists()
    assert not any(o.startswith("_staging") for o in objects)

    # Read back through the manifest on DuckDB: the same rows as the local lake.
    with Store(s3_settings) as store, Store(local_settings) as oracle:
        assert all(
            u.startswith(f"s3://{bucket}/lake/") for u in store.file_urls("card_transactions")
        )
        con = connect(s3_settings)
        cards = store.read_table(con, "card_transactions").to_pyarrow().sort_by("txn_id")
        expected = oracle.read_arrow("card_transactions").sort_by("txn_id")
        assert cards.num_rows == 15 * 40 == expected.num_rows
        assert cards.select(expected.column_names).equals(expected)
        # The files() contract other modules use: paths plus the lake's pyarrow filesystem.
        fs = store.arrow_filesystem
        direct = pa.concat_tables(
            [pq.read_table(str(p), filesystem=fs) for p in store.files("card_transactions")]
        )
        assert direct.num_rows == cards.num_rows
        march = store.files("card_transactions", periods=["2025-03"])
        assert len(march) == 1 and march[0].parent.name == "period=2025-03"

    first_s3, refreshed_s3, info_s3 = remote
    first_local, refreshed_local, info_local = local
    assert {"retail_sales", "card_spending"} <= set(first_s3.indicator)
    pd.testing.assert_frame_equal(_comparable(first_s3), _comparable(first_local))
    # The incremental refresh ran incrementally on both (footers read from S3) and agrees.
    assert info_s3.mode == info_local.mode == "incremental", (info_s3.reason, info_local.reason)
    assert info_s3.changed == info_local.changed == {"card_transactions": ["2025-03"]}
    pd.testing.assert_frame_equal(_comparable(refreshed_s3), _comparable(refreshed_local))
    assert (refreshed_s3.period == "2025-03").any()
    # The web tier reads the stored table from the bucket too, and sees a newer computation.
    from consumption_monitor.web.indicator_data import indicator_table

    shown = indicator_table(s3_settings)
    assert shown is not None
    pd.testing.assert_frame_equal(_comparable(shown), _comparable(refreshed_s3))
    write_result(
        s3_settings, compute(s3_settings, con=connect(s3_settings), codes=["card_spending"])
    )
    newer = indicator_table(s3_settings)
    assert newer is not None and set(newer.indicator) == {"card_spending"}


def test_killed_load_is_invisible_and_gc_removes_its_objects(
    s3_settings: Settings, endpoint: str, bucket: str
) -> None:
    with Store(s3_settings):  # migrate first so the child only loads
        pass
    crashed = run_loader(s3_settings, "before_commit", rows=1200, chunk=300, roll_rows=250)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    with Store(s3_settings) as store:
        # Every file was uploaded under its final name, but no batch names it: invisible.
        orphans = [o for o in _objects(endpoint, bucket) if o.startswith("card_transactions/")]
        assert len(orphans) >= 4
        assert store.read_arrow("card_transactions").num_rows == 0
        assert store.list_batches() == [] and store.files("card_transactions") == []
        assert len(store.manifest.pending()) == 1
        # A pending load this young may still be running elsewhere: gc spares it.
        spared = store.gc()
        assert spared.removed_files == [] and spared.dropped_pending == []
        assert _objects(endpoint, bucket) == orphans
        # Past the grace period it is dead: its row and every one of its objects go.
        dry = store.gc(dry_run=True, pending_grace=timedelta(0))
        assert sorted(dry.removed_files) == orphans and _objects(endpoint, bucket) == orphans
    # The operator's way: `cmon batches gc --pending-grace-hours 0` (no load runs anywhere).
    app = typer.Typer()
    app.add_typer(batch_commands)
    out = CliRunner().invoke(
        app,
        ["batches", "gc", "--pending-grace-hours", "0", "--json"],
        env={"CMON_DATA_DIR": str(s3_settings.data_dir)},
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert sorted(report["removed_files"]) == orphans and len(report["dropped_pending"]) == 1
    with Store(s3_settings) as store:
        assert _objects(endpoint, bucket) == [] and store.manifest.pending() == []

    retry = run_loader(s3_settings, None, rows=1200, chunk=300, roll_rows=250)
    assert retry.returncode == 0, retry.stderr
    batch_id, rows = map(int, retry.stdout.split()[:2])
    with Store(s3_settings) as store:
        assert rows == 1200 and store.read_arrow("card_transactions").num_rows == 1200
        assert store.gc(pending_grace=timedelta(0)).removed_files == []
        listed = set(store.get_batch(batch_id).files)
        assert set(_objects(endpoint, bucket)) == listed and len(listed) > 1


def _batch(start: int, n: int, month: int) -> pa.Table:
    ids = range(start, start + n)
    return pa.table({
        "txn_id": [f"t{i:06d}" for i in ids],
        "txn_ts": pa.array([datetime(2024, month, 2, 9) + timedelta(hours=i % 300) for i in ids],
                           pa.timestamp("us")),
        "merchant_id": ["m1"] * n, "mcc": ["5411"] * n, "amount": [float(i) for i in ids],
        "channel": ["offline"] * n, "card_origin": ["local"] * n, "card_hash": ["c"] * n,
        "district_code": ["120101"] * n,
    })  # fmt: skip


def test_failed_load_deletes_what_it_uploaded(
    s3_settings: Settings, endpoint: str, bucket: str
) -> None:
    seen_mid_load: list[list[str]] = []

    def chunks() -> Iterator[pa.Table]:
        yield _batch(0, 300, 1)
        yield _batch(300, 300, 1)
        yield _batch(600, 300, 1)
        # The store has waited for the first two chunks' files (each closed at 100 rows).
        seen_mid_load.append(_objects(endpoint, bucket))
        yield _batch(900, 10, 1).append_column("bogus", pa.array(["x"] * 10))

    with Store(s3_settings, roll_rows=100) as store:
        with pytest.raises(DataValidationError):
            store.write_batch("card_transactions", chunks(), vintage=date(2024, 2, 1),
                              content_hash="fails", source="bad.csv")  # fmt: skip
        assert len(seen_mid_load[0]) >= 6  # objects were really uploaded before the failure
        assert _objects(endpoint, bucket) == []
        assert store.manifest.pending() == [] and store.list_batches() == []
        assert store.gc(pending_grace=timedelta(0)).removed_files == []


def test_unreachable_store_is_a_located_error_and_leaves_no_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens on the endpoint: the client's own exception type (botocore's) becomes a
    bilingual EngineError naming the lake, and neither a batch nor a pending row is left."""
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = {
        **_options(f"http://127.0.0.1:{port}"),
        "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 1},
    }
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CMON_LAKE_URL", "s3://unreachable/lake")
    monkeypatch.setenv("CMON_LAKE_STORAGE_OPTIONS", json.dumps(options))
    settings = load_settings(data_dir=tmp_path / "data")
    with Store(settings) as store:
        with pytest.raises(EngineError) as err:
            store.write_batch(
                "card_transactions", iter([_batch(0, 50, 1)]), vintage=date(2024, 2, 1),
                content_hash="x", source="x.csv",
            )  # fmt: skip
        assert "s3://unreachable/lake" in err.value.en and "数据湖" in err.value.zh
        assert "CMON_LAKE_URL" in (err.value.hint_en or "")
        assert store.manifest.pending() == [] and store.list_batches() == []


def test_revert_hides_a_batch_keeps_its_objects_and_allows_a_reload(
    s3_settings: Settings, endpoint: str, bucket: str
) -> None:
    with Store(s3_settings) as store:
        quarantine = pa.table({"row": [7], "problem": ["amount < 0"]})
        first = store.write_batch("card_transactions", _batch(0, 50, 3), vintage=date(2024, 4, 1),
                                  content_hash="h1", source="a.csv",
                                  quarantine=quarantine)  # fmt: skip
        second = store.write_batch("card_transactions", _batch(50, 30, 4), vintage=date(2024, 5, 1),
                                   content_hash="h2", source="b.csv")  # fmt: skip
        assert first.quarantine_file == "_quarantine/card_transactions/b1.parquet"
        assert store.read_arrow("card_transactions").num_rows == 80
        store.revert(first.id, by="tester", reason="wrong file")
        ids = store.read_arrow("card_transactions", columns=["txn_id"]).column("txn_id")
        assert sorted(ids.to_pylist()) == [f"t{i:06d}" for i in range(50, 80)]
        # Reverted files stay for audit; gc keeps them and the quarantine file.
        kept = set(first.files) | {first.quarantine_file} | set(second.files)
        assert set(_objects(endpoint, bucket)) == kept
        assert store.gc(pending_grace=timedelta(0)).removed_files == []
        with store.root.open_input(first.quarantine_file) as fh:
            assert pq.read_table(fh).equals(quarantine)
        again = store.write_batch("card_transactions", _batch(0, 50, 3), vintage=date(2024, 4, 1),
                                  content_hash="h1", source="a.csv")  # fmt: skip
        assert not again.duplicate and again.id == 3
        assert store.read_arrow("card_transactions").num_rows == 80
        # as_of before the second vintage sees the reloaded first file only.
        assert store.read_arrow("card_transactions", as_of=date(2024, 4, 30)).num_rows == 50


def test_no_result_yet_and_missing_files_are_reported(
    s3_settings: Settings, endpoint: str, bucket: str
) -> None:
    with pytest.raises(NotFoundError):
        read_result(s3_settings)
    with Store(s3_settings) as store:
        info = store.write_batch("card_transactions", _batch(0, 20, 6), vintage=date(2024, 7, 1),
                                 content_hash="h", source="c.csv")  # fmt: skip
        s3fs.S3FileSystem(**_options(endpoint)).rm(f"{bucket}/lake/{info.files[0]}")
        with pytest.raises(consumption_monitor.errors.EngineError) as err:
            store.read_arrow("card_transactions")
        assert info.files[0] in err.value.en and "缺失" in err.value.zh


def test_bad_storage_options_json_is_a_bilingual_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CMON_LAKE_URL", "s3://bucket/lake")
    monkeypatch.setenv("CMON_LAKE_STORAGE_OPTIONS", '{"endpoint_url": "http://127.0.0.1:9000",')
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "CMON_LAKE_STORAGE_OPTIONS" in err.value.en and "JSON" in err.value.en
    assert "CMON_LAKE_STORAGE_OPTIONS" in err.value.zh and "无效" in err.value.zh
    assert "JSON" in (err.value.hint_en or "") and "JSON" in (err.value.hint_zh or "")
    monkeypatch.setenv("CMON_LAKE_STORAGE_OPTIONS", '["not", "an", "object"]')
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "lake_storage_options" in err.value.en


def test_lake_url_forms(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        lake_root(load_settings(data_dir=tmp_path, lake_url="nosuchfs://bucket/lake"))
    assert "nosuchfs" in err.value.en and "数据湖" in err.value.zh
    with pytest.raises(ConfigError):
        lake_root(load_settings(data_dir=tmp_path, lake_url="bucket/lake"))
    # file:// is a local lake at that folder, with the POSIX protocol (staging, rename).
    folder = tmp_path / "elsewhere" / "lake"
    settings = load_settings(data_dir=tmp_path / "d", lake_url=f"file://{folder}")
    assert settings.lake_dir == folder and lake_root(settings).is_local
    with Store(settings) as store:
        info = store.write_batch("card_transactions", _batch(0, 5, 1), vintage=date(2024, 2, 1),
                                 content_hash="f", source="f.csv")  # fmt: skip
        assert all((folder / f).is_file() for f in info.files)
        assert store.file_urls("card_transactions") == [str(folder / f) for f in info.files]
