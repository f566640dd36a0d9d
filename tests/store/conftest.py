"""Fixtures of the storage tests: a metadata DB on SQLite or PostgreSQL, a Store, sample data."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from consumption_monitor.config import Settings, load_settings
from consumption_monitor.store import Store

# DuckDB 2.0 deprecates fetch_arrow_table(), which ibis 12 still calls on every table access.
DUCKDB_DEPRECATION = "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"


def _fresh_pg_database(server_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    base, _, _ = server_url.rpartition("/")
    name = f"cmon_{uuid.uuid4().hex[:12]}"
    conninfo = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return f"{base}/{name}", drop


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def metadata_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A metadata DB URL with an empty database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'meta.db'}"
        return
    url, drop = _fresh_pg_database(request.getfixturevalue("pg_url"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def settings(tmp_path: Path, metadata_url: str) -> Settings:
    """Settings with the lake in ``tmp_path`` and the parametrised metadata DB."""
    return load_settings(data_dir=tmp_path / "data", database_url=metadata_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """A Store on the test settings, closed afterwards."""
    with Store(settings) as s:
        yield s


def official(rows: list[tuple[str, str, float | None]]) -> pa.Table:
    """An official_stats table of (region, period, value), indicator retail, basis month."""
    return pa.table(
        {
            "region": [r[0] for r in rows],
            "indicator": ["retail_sales"] * len(rows),
            "period": [r[1] for r in rows],
            "value": pa.array([r[2] for r in rows], pa.float64()),
            "basis": ["month"] * len(rows),
        }
    )


def card_chunk(start: int, n: int) -> pa.Table:
    """``n`` card transactions with ids start..start+n-1 spread over three months of 2024."""
    ids = range(start, start + n)
    base = datetime(2024, 1, 1, 10, 0)
    return pa.table(
        {
            "txn_id": [f"t{i:08d}" for i in ids],
            "txn_ts": pa.array(
                [base + timedelta(days=(i * 7) % 90) for i in ids], pa.timestamp("us")
            ),
            "merchant_id": [f"m{i % 50}" for i in ids],
            "mcc": ["5411"] * n,
            "amount": pa.array([float(i % 1000) + 0.5 for i in ids]),
            "channel": ["online" if i % 3 else "offline" for i in ids],
            "card_origin": ["local"] * n,
            "card_hash": [f"c{i % 400}" for i in ids],
            "district_code": ["120101"] * n,
        }
    )


@pytest.fixture
def make_official() -> Callable[[list[tuple[str, str, float | None]]], pa.Table]:
    """Factory of small official_stats tables."""
    return official


@pytest.fixture
def make_cards() -> Callable[[int, int], pa.Table]:
    """Factory of card_transactions tables."""
    return card_chunk
