"""Fixtures of the monitor tests: settings on a temp SQLite metadata DB and small frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from consumption_monitor.config import Settings, load_settings

# DuckDB 2.0 deprecates fetch_arrow_table(), which ibis 12 still calls on every table access.
DUCKDB_DEPRECATION = "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the lake and the SQLite metadata DB in ``tmp_path``."""
    return load_settings(data_dir=tmp_path / "data", database_url=None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def meta_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings whose metadata DB is SQLite, then a fresh PostgreSQL database (loopback)."""
    if request.param == "sqlite":
        yield load_settings(data_dir=tmp_path / "data", database_url=None)
        return
    from tests.store.conftest import _fresh_pg_database

    url, drop = _fresh_pg_database(request.getfixturevalue("pg_url"))
    try:
        yield load_settings(data_dir=tmp_path / "data", database_url=url)
    finally:
        drop()
